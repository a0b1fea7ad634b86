from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from crm.celery import app as celery_app
from crm.http import HtmxHttpRequest


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:  # noqa: BLE001 — any failure to answer is an outage to report
        return "down"


def _broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=1)
        return "ok"
    except Exception:  # noqa: BLE001
        return "down"


@require_GET
def healthz(request: HtmxHttpRequest):
    state = {"database": _database_state(), "broker": _broker_state()}
    return JsonResponse(state, status=200 if state["database"] == "ok" else 503)
