"""A Celery worker process killed (SIGKILL) in the middle of an import, a bulk action and an
export: each job is taken over by its redelivered task once its heartbeat is stale, and done
exactly once (its rows and its audit rows counted), within two minutes of the kill.

A real worker (`celery -A crm worker`, prefork, one child) on the Redis of REDIS_URL (CI's, or a
private `redis-server` without one), on a queue of the test's own, and a scratch database. The
heartbeat is taken for stale after a few seconds here (`JOB_HEARTBEAT_STALE_SECONDS`); no beat
runs, so only the redelivered task can resume a job.
"""

import contextlib
import os
import signal
import time
import uuid

import psycopg
import pytest
from django.conf import settings

from tests.reliability import processes
from tests.reliability.processes import PrivateRedis, wait_until

pytestmark = pytest.mark.services

STALE_SECONDS = 3
CUSTOMERS = 60_000
IMPORT_ROWS = 20_000

SEED_CUSTOMERS = """
import datetime
from crm.models import User
from bench.customers import add_customers
rep = User.objects.create_user("rep", password="pw", role="rep")
add_customers(owner=rep, count={rows}, start=datetime.date(2026, 1, 1), end=datetime.date(2027, 12, 31))
"""

START_EXPORT = """
from django.db import transaction
from crm.models import User
from smartlists.models import SmartList
from smartlists.services import export_job_create
rep = User.objects.get(username="rep")
sl = SmartList.objects.create(owner=rep, name="Everyone", columns=["name", "email", "current_mrr", "current_end"])
with transaction.atomic():
    job = export_job_create(smartlist=sl, by=rep, query="", sort="name", bom=False, total_rows={rows})
print(job.pk)
"""

START_BULK = """
from django.db import transaction
from crm import bulk
from crm.models import User
rep = User.objects.get(username="rep")
plan = bulk.Plan(bulk.TAG_ADD, tag="after-the-kill")
rows = bulk.selection(bulk.matching("contacts", user=rep, source_pk=None, query=""), ids=[], all_matching=True)
with transaction.atomic():
    job = bulk.job_create(by=rep, plan=plan, source="contacts", source_pk=None, query="", ids=[], all_matching=True,
                          rows=rows, counted=bulk.count(rows, plan), back_url="")
print(job.pk)
"""

START_IMPORT = """
from django.core.files.uploadedfile import SimpleUploadedFile
from crm.models import User
from imports import services
# An importer of their own: none of "rep"'s contacts is theirs to match (each test's rows stay apart).
rep = User.objects.create_user("importer", password="pw", role="rep")
content = "external_id,name,email\\n" + "".join(f"imp-{{i}},Imported {{i}},imported{{i}}@example.com\\n" for i in range({rows}))
imp = services.import_create(by=rep, kind="contacts", upload=SimpleUploadedFile("people.csv", content.encode()))
imp = services.import_check(imp=imp)
assert imp.error_rows == 0, imp.errors
print(services.import_start(imp=imp, mode="all", version=imp.version).pk)
"""


@pytest.fixture(scope="module")
def redis_url():
    if settings.REDIS_URL:
        yield settings.REDIS_URL
    else:
        with PrivateRedis() as private:
            yield private.url


@pytest.fixture(scope="module")
def stage(tmp_path_factory, redis_url):
    """A scratch database with CUSTOMERS customers of "rep", and a worker on a queue of its own."""
    tmp_path = tmp_path_factory.mktemp("takeover")
    queue = f"takeover-{uuid.uuid4().hex[:8]}"
    with processes.scratch_database(tmp_path) as database_url:
        env = processes.app_env(
            DATABASE_URL=database_url, REDIS_URL=redis_url, MEDIA_ROOT=str(tmp_path / "media"),
            DJANGO_SETTINGS_MODULE="tests.reliability.worker_settings", TEST_CELERY_QUEUE=queue,
            JOB_HEARTBEAT_STALE_SECONDS=str(STALE_SECONDS),
        )
        processes.manage("shell", "-c", SEED_CUSTOMERS.format(rows=CUSTOMERS), env=env)
        log = tmp_path / "worker.log"
        worker = processes.celery_worker(env, log)
        try:
            wait_until(lambda: len(processes.children_of(worker.pid)) == 1, timeout=60, what="the worker's pool process")
            yield {"env": env, "database_url": database_url, "media": tmp_path / "media", "log": log, "worker": worker,
                   "kills": 0}
        finally:
            processes.stop(worker)
            import redis

            redis.Redis.from_url(redis_url).delete(queue)


def _query(database_url: str, sql: str, params=()):
    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as conn:
        return conn.execute(sql, params).fetchone()


JOB_COLUMNS = ("status", "attempts", "started_at", "heartbeat_at", "rows_done", "total_rows")


def _job(stage, table: str, pk: int, *, conn=None) -> dict:
    sql = f"SELECT {', '.join(JOB_COLUMNS)} FROM {table} WHERE id = %s"
    row = conn.execute(sql, [pk]).fetchone() if conn else _query(stage["database_url"], sql, [pk])
    return dict(zip(JOB_COLUMNS, row, strict=True))


def _killed_mid_run_and_done(stage, script: str, table: str) -> tuple[int, dict]:
    """Start the job `script` records and SIGKILL the worker's pool process once the job has
    beaten (a batch is done, the next under way); the job (its id, its row) once it is done
    again, which must be within two minutes of the kill.

    The pool process is stopped (SIGSTOP) before the job is even sent, and let run in slices of
    a few milliseconds until then: the job is caught in its middle however fast it is and however
    loaded the machine."""
    [child] = processes.children_of(stage["worker"].pid)
    os.kill(child, signal.SIGSTOP)
    try:
        pk = int(processes.manage("shell", "-c", script, env=stage["env"]).stdout.split()[-1])
        with psycopg.connect(stage["database_url"].replace("postgres://", "postgresql://"), autocommit=True) as conn:
            deadline = time.monotonic() + 60
            while not ((job := _job(stage, table, pk, conn=conn))["status"] == "running"
                       and job["heartbeat_at"] > job["started_at"]):
                assert job["status"] in ("pending", "running"), job
                assert time.monotonic() < deadline, f"{table} {pk} ran no batch in a minute"
                os.kill(child, signal.SIGCONT)
                time.sleep(0.01)
                os.kill(child, signal.SIGSTOP)
            os.kill(child, signal.SIGKILL)
            killed = time.monotonic()
            wait_until(lambda: _job(stage, table, pk, conn=conn)["status"] == "done", timeout=120, interval=0.1,
                       what=f"{table} {pk} to be taken over and done")
            assert time.monotonic() - killed < 120
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGCONT)
    stage["kills"] += 1
    log = stage["log"].read_text(errors="replace")
    assert log.count("WorkerLostError") >= stage["kills"], log[-2000:]  # the worker saw each kill
    return pk, _job(stage, table, pk)


def test_an_import_whose_worker_is_killed_is_taken_over_and_imports_each_row_once(stage):
    pk, job = _killed_mid_run_and_done(stage, START_IMPORT.format(rows=IMPORT_ROWS), "imports_import")
    assert (job["attempts"], job["rows_done"]) == (2, IMPORT_ROWS)
    url = stage["database_url"]
    assert _query(url, "SELECT created_rows, updated_rows FROM imports_import WHERE id = %s", [pk]) == (IMPORT_ROWS, 0)
    assert _query(url, "SELECT count(*), count(DISTINCT external_id) FROM crm_contact WHERE external_id LIKE 'imp-%%'") \
        == (IMPORT_ROWS, IMPORT_ROWS)
    assert _query(url, "SELECT count(*), count(DISTINCT object_id) FROM imports_importentry WHERE import_run_id = %s",
                  [pk]) == (IMPORT_ROWS, IMPORT_ROWS)


def test_a_bulk_job_whose_worker_is_killed_is_taken_over_and_changes_each_row_once(stage):
    pk, job = _killed_mid_run_and_done(stage, START_BULK, "crm_bulkjob")
    rows = job["total_rows"]
    assert (rows, job["attempts"]) == (CUSTOMERS, 2)
    url = stage["database_url"]
    assert _query(url, "SELECT rows_changed FROM crm_bulkjob WHERE id = %s", [pk]) == (rows,)
    assert _query(url, "SELECT count(*), count(DISTINCT contact_pk) FROM crm_contactchange WHERE job_id = %s",
                  [pk]) == (rows, rows)
    tagged = "SELECT count(*) FROM crm_contact_tags ct JOIN crm_tag t ON t.id = ct.tag_id WHERE t.name = 'after-the-kill'"
    assert _query(url, tagged) == (rows,)


def test_an_export_whose_worker_is_killed_is_taken_over_and_writes_one_complete_file(stage):
    pk, job = _killed_mid_run_and_done(stage, START_EXPORT.format(rows=CUSTOMERS), "smartlists_exportjob")
    assert (job["attempts"], job["rows_done"]) == (2, CUSTOMERS)
    exports = stage["media"] / "smartlist-exports"
    assert sorted(p.name for p in exports.iterdir()) == [f"{pk}.csv"]  # one file, no partial left
    lines = (exports / f"{pk}.csv").read_bytes().decode().splitlines()
    assert lines[0] == "Name,E-mail,Current MRR,Subscription end date"
    assert len(lines) == len(set(lines)) == CUSTOMERS + 1  # every row, none twice
