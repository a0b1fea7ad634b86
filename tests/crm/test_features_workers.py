"""A feature switched off in one gunicorn worker is off in the others on their next request
(`crm.features`), served with the production settings: Redis for the cache and the sessions'
reads, the project's database backend, the manifest static files."""

import http.cookiejar
import re
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from tests.reliability import processes
from tests.reliability.processes import wait_until

pytestmark = pytest.mark.services

SEED = """
from crm import features
from crm.models import User
admin = User.objects.create_user("admin", password="pw", role="admin", is_staff=True, is_superuser=True)
User.objects.create_user("manager", password="pw", role="manager")
features.feature_set_active(name="subscriptions", active=True, by=admin)
"""


def _csrf_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def _post(opener, base: str, path: str, fields: dict) -> None:
    token = _csrf_token(processes.http_get(base + path, opener=opener)[1])
    body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(base + path, data=body, headers={"Referer": base + path})
    with opener.open(request, timeout=10) as response:
        assert response.status == 200


def _logged_in(base: str, username: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    _post(opener, base, "/accounts/login/", {"username": username, "password": "pw"})
    return opener


def _sessions_of_other_processes(database_url: str) -> int:
    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as conn:
        sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        return conn.execute(sql).fetchone()[0]


def test_a_feature_switched_off_in_one_worker_is_off_in_every_worker(tmp_path):
    with processes.PrivateRedis() as redis, processes.scratch_database(tmp_path) as database_url:
        env = processes.app_env(DATABASE_URL=database_url, REDIS_URL=redis.url, STATIC_ROOT=str(tmp_path / "static"))
        processes.manage("shell", "-c", SEED, env=env)
        processes.manage("collectstatic", "--noinput", "-v0", env=env)
        web, base = processes.web_server(env, tmp_path / "web.log", workers=2)
        try:
            manager, admin = _logged_in(base, "manager"), _logged_in(base, "admin")
            pipeline = base + "/subscriptions/pipeline/"
            # Each worker keeps its copy of the switched-on features once it has served a page. Which
            # worker accepts a request is the kernel's choice: ask four at once until both have served
            # (each holds its database connection then).
            with ThreadPoolExecutor(4) as pool:
                wait_until(lambda: list(pool.map(lambda _: processes.http_get(pipeline, opener=manager)[0], range(4)))  # noqa: B023
                           == [200] * 4 and _sessions_of_other_processes(database_url) == 2,
                           timeout=30, what="both workers serving")
            assert [processes.http_get(pipeline, opener=manager)[0] for _ in range(20)] == [200] * 20
            for active, status in (("0", 404), ("1", 200)):
                _post(admin, base, "/settings/customize/subscriptions/", {"active": active})
                # The other worker hears of it a few milliseconds after the commit.
                wait_until(lambda: processes.http_get(pipeline, opener=manager)[0] == status, timeout=2,  # noqa: B023
                           what="the switch")
                assert [processes.http_get(pipeline, opener=manager)[0] for _ in range(20)] == [status] * 20
        finally:
            processes.stop(web)
