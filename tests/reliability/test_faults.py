"""Faults of Redis, a Celery worker and PostgreSQL, with services each test starts and stops itself.

1. Redis stops (a private redis-server is the cache and the broker): every page of the permission
   matrix still answers 200 within a second for its roles, `/healthz` says the broker is down,
   exports and e-mail notices asked for meanwhile are recorded in the database, and once Redis is
   back the periodic sweeps hand them to the broker.
2. (A Celery worker process killed in the middle of a job: `test_job_takeover.py`.)
3. PostgreSQL restarts under a running gunicorn: `/healthz` answers 503 while it is down, and
   the next request after it is back is served, with the same session.

Nothing here stops the machine's shared services (see `processes.py`).
"""

import base64
import datetime
import http.cookiejar
import json
import re
import time
import urllib.parse
import urllib.request

import kombu.pools
import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.celery import app as celery_app
from renewals.models import Notice
from smartlists.models import ExportJob
from tests.reliability import processes
from tests.reliability.processes import PrivatePostgres, PrivateRedis
from tests.test_permission_matrix import MATRIX, cast, objects  # noqa: F401 — the matrix's fixtures

pytestmark = pytest.mark.services

PAGE_BUDGET = 1.0  # seconds


# 1. Redis stopped -------------------------------------------------------------------------------


@pytest.fixture
def private_redis(settings):
    """A private Redis as the cache and the Celery broker of this process, for this test only."""
    redis = PrivateRedis().start()
    settings.CACHES = {"default": {
        "BACKEND": "crm.cache.ResilientRedisCache", "LOCATION": redis.url,  # as crm.settings with REDIS_URL
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }}
    settings.SESSION_ENGINE = "crm.sessions"  # read from that Redis, kept in the database
    settings.CELERY_TASK_ALWAYS_EAGER = False
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=redis.url, task_always_eager=False)
    _forget_broker_connections()
    try:
        yield redis
    finally:
        celery_app.conf.update(saved)
        _forget_broker_connections()
        redis.stop()


def _forget_broker_connections():
    """Celery caches its connection pools; a changed broker URL needs new ones.

    The pools live in kombu's registry, keyed by broker URL: closing one there and leaving it in
    place made every later task on this worker (eager ones acquire a producer too) fail with
    "Acquire on closed pool". `kombu.pools.reset` closes them and empties the registry."""
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _queued_tasks(redis) -> list[tuple[str, list]]:
    messages = [json.loads(raw) for raw in redis.client().lrange("celery", 0, -1)]
    return sorted(
        (message["headers"]["task"], json.loads(base64.b64decode(message["body"]))[0]) for message in messages
    )


def _pages(cast, objects):
    """Every GET of the matrix (features on) that some role may open, with that role."""
    placeholders = {key: getattr(value, "pk", value) for key, value in objects.items()}
    for param in MATRIX:
        name, method, kwargs, _, expected, _, features = param.values
        if method != "GET" or (not features and name.startswith("subscriptions:")):
            continue
        for role, status in expected.items():
            if status == 200 and cast[role] is not None:
                url = reverse(name, kwargs={k: v.format(**placeholders) for k, v in kwargs.items()})
                yield role, url


def test_with_redis_stopped_every_page_answers_and_work_waits_in_the_database(
    private_redis, cast, objects, django_capture_on_commit_callbacks, subscriptions_on
):
    private_redis.stop()
    timings = []
    clients = {}
    for role, url in _pages(cast, objects):
        client = clients.get(role)
        if client is None:
            client = clients[role] = Client()
            client.force_login(cast[role])
        started = time.monotonic()
        response = client.get(url)
        elapsed = time.monotonic() - started
        timings.append((elapsed, role, url))
        assert response.status_code == 200, (role, url, response.status_code)
        assert elapsed < PAGE_BUDGET, (role, url, elapsed)
    assert len(timings) >= 40
    health = Client().get(reverse("healthz"))
    assert health.status_code == 200 and health.json() == {"database": "ok", "broker": "down"}

    # Work asked for during the outage: recorded, the request answered at once.
    change, smartlist = objects["renewal_change"], objects["smartlist"]
    with django_capture_on_commit_callbacks(execute=True):
        started = time.monotonic()
        agreed = clients["partner"].post(reverse("renewals:change_agreed", args=[change.pk]),
                                         {"version": change.version, "layout": "customer"})
        export = clients["rep"].post(reverse("smartlists:export_start", args=[smartlist.pk]),
                                     {"query": "", "sort": "name"})
        elapsed = time.monotonic() - started
    assert agreed.status_code == 302 and export.status_code == 302 and elapsed < 2 * PAGE_BUDGET
    notices = list(Notice.objects.pending().values_list("pk", flat=True))
    jobs = list(ExportJob.objects.filter(status="pending").values_list("pk", flat=True))
    assert notices and len(jobs) == 1

    # Redis is back: the periodic sweeps (scheduled for beat) hand the waiting work to the broker.
    scheduled = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"renewals.sweep_notices", "smartlists.tasks.hand_over_exports"} <= scheduled
    private_redis.start()
    from renewals.tasks import sweep_notices
    from smartlists.tasks import hand_over_exports

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert sweep_notices() == len(notices)
            assert hand_over_exports() == len(jobs)
    assert _queued_tasks(private_redis) == sorted(
        [("renewals.send_notice", [pk]) for pk in notices] + [("smartlists.tasks.run_export", [pk]) for pk in jobs]
    )
    assert Client().get(reverse("healthz")).json()["broker"] == "ok"


# 3. PostgreSQL restarted -----------------------------------------------------------------------------

USER = """
from crm.models import Contact, User
rep = User.objects.create_user("rep", password="pw", role="rep")
Contact.objects.create(owner=rep, name="Still Here Ltd", kind="organisation")
"""


def _log_in(base: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    status, page = processes.http_get(base + "/accounts/login/", opener=opener)
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"username": "rep", "password": "pw", "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(base + "/accounts/login/", data=body, headers={"Referer": base + "/"})
    with opener.open(request, timeout=10) as response:
        assert response.status == 200 and "sessionid" in {cookie.name for cookie in jar}
    return opener


def test_postgresql_restart_healthz_reports_it_and_the_app_recovers_on_the_next_request(tmp_path):
    cluster = PrivatePostgres()
    web = None
    try:
        cluster.init().start()
        cluster.create_database("crm")
        # Its own static folder: collecting into the project's would race the other tests' WhiteNoise,
        # which reads that folder as they start.
        env = processes.app_env(DATABASE_URL=cluster.url("crm"), DATABASE_CONN_MAX_AGE="60",
                                STATIC_ROOT=str(tmp_path / "static"))
        processes.manage("migrate", "--noinput", "-v0", env=env)
        processes.manage("shell", "-c", USER, env=env)
        processes.manage("collectstatic", "--noinput", "-v0", env=env)  # as the bench and the Dockerfile do
        web, base = processes.web_server(env, tmp_path / "web.log")
        opener = _log_in(base)
        status, page = processes.http_get(base + "/contacts/", opener=opener)
        assert status == 200 and "Still Here Ltd" in page

        cluster.stop()
        for _ in range(3):  # for as long as it lasts
            started = time.monotonic()
            status, body = processes.http_get(base + "/healthz")
            assert (status, json.loads(body)["database"]) == (503, "down")
            assert time.monotonic() - started < 5
        status, _ = processes.http_get(base + "/contacts/", opener=opener)
        assert status >= 500  # no page can be served without its database, but it answers

        cluster.start()
        status, page = processes.http_get(base + "/contacts/", opener=opener)  # the very next request
        assert status == 200 and "Still Here Ltd" in page
        status, body = processes.http_get(base + "/healthz")
        assert status == 200 and json.loads(body)["database"] == "ok"
    finally:
        if web is not None:
            processes.stop(web)
        cluster.remove()
