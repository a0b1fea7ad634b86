from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_deny
from django.views.decorators.http import require_GET

from crm.celery import app as celery_app
from crm.http import HtmxHttpRequest

PATH = "/healthz"  # crm/urls.py routes the same path, for reverse() and the URL list


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


# Answered by `healthz_for_any_host`, outside the middlewares that set these on every other page.
@never_cache
@xframe_options_deny
@require_GET
def healthz(request: HtmxHttpRequest):
    state = {"database": _database_state(), "broker": _broker_state()}
    return JsonResponse(state, status=200 if state["database"] == "ok" else 503)


def healthz_for_any_host(get_response):
    """`/healthz` answered whatever the Host header names; every other path keeps Django's check.

    The container's health check (docker-compose.yml) and a load balancer's probes reach the
    server by its address from inside the network, so their Host (`127.0.0.1:8000`, a container
    address) is no name in ALLOWED_HOSTS, and CommonMiddleware would answer 400. Sending a Host
    from ALLOWED_HOSTS instead would tie every probe to each installation's names (a wildcard like
    `.example.com` names no host at all). Skipping the check here is safe because this view uses
    nothing of the Host: it builds no URL, redirects nowhere and is never cached (the attacks the
    check exists for: poisoned links, redirects and caches). Placed right after SecurityMiddleware,
    which lets `/healthz` through on plain HTTP (SECURE_REDIRECT_EXEMPT) and still adds its headers.
    """

    def middleware(request):
        if request.path_info == PATH:
            return healthz(request)
        return get_response(request)

    return middleware
