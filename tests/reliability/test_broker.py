"""A task handed to Celery after commit travels through Redis to a real worker.

Through the Redis of REDIS_URL when the run has one (CI's services run, against the machine's), or
through a private `redis-server` otherwise; the worker and the web side are processes of their own
on a scratch database, as in production.
"""

import urllib.parse

import pytest
import redis
from django.conf import settings

from tests.reliability import processes
from tests.reliability.processes import PrivateRedis, wait_until

pytestmark = pytest.mark.services

CREATE_EXPORT = """
from crm.models import Contact, User
from smartlists.models import SmartList
from smartlists.services import export_job_create
rep = User.objects.create_user("rep", password="pw", role="rep")
for name in ("Gamma Ltda.", "Alpha Ltd", "Beta S.r.l."):
    Contact.objects.create(owner=rep, name=name, kind="organisation")
smartlist = SmartList.objects.create(owner=rep, name="Everyone", columns=["name"])
print(export_job_create(smartlist=smartlist, by=rep, query="", sort="name", bom=False, total_rows=3).pk)
"""


@pytest.fixture
def redis_url():
    if settings.REDIS_URL:
        # The run's own Redis, in a database of its own: no other queue's leftovers reach the worker.
        url = urllib.parse.urlsplit(settings.REDIS_URL)._replace(path="/15").geturl()
        redis.Redis.from_url(url).flushdb()
        yield url
        redis.Redis.from_url(url).flushdb()
    else:
        with PrivateRedis() as private:
            yield private.url


def test_an_export_queued_on_commit_reaches_a_worker_through_redis(tmp_path, redis_url):
    media = tmp_path / "media"
    with processes.scratch_database(tmp_path) as database_url:
        env = processes.app_env(DATABASE_URL=database_url, REDIS_URL=redis_url, MEDIA_ROOT=str(media))
        job_id = int(processes.manage("shell", "-c", CREATE_EXPORT, env=env).stdout.split()[-1])
        # Handed to the broker when its row was committed; nothing ran in the web process.
        assert redis.Redis.from_url(redis_url).llen("celery") == 1
        assert processes.export_job_row(database_url, job_id)["status"] == "pending"

        worker = processes.celery_worker(env, tmp_path / "worker.log")
        try:
            wait_until(lambda: processes.export_job_row(database_url, job_id)["status"] == "done", timeout=60,
                       what="the worker to run the export")
        finally:
            processes.stop(worker)
        assert processes.export_job_row(database_url, job_id)["rows_done"] == 3
        exported = (media / "smartlist-exports" / f"{job_id}.csv").read_text().splitlines()
        assert exported == ["Name", "Alpha Ltd", "Beta S.r.l.", "Gamma Ltda."]
        assert redis.Redis.from_url(redis_url).llen("celery") == 0
