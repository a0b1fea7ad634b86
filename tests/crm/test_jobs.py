"""The lifecycle every background job shares (crm.jobs): a heartbeat others see while the job's
transaction is open, a takeover a minute after it stops, and the work done exactly once."""

import datetime

import psycopg
import pytest
import time_machine
from django.utils import timezone

from crm import bulk, jobs
from crm.models import BulkJob, BulkJobContact, Contact, ContactChange
from crm.tasks import run_bulk
from imports.models import Import
from imports.services import imports_hand_over
from smartlists.models import ExportJob
from smartlists.services import export_jobs_hand_over
from tests.factories import ContactFactory
from tests.reliability.processes import server_params


@pytest.fixture
def many(rep):
    return [ContactFactory(owner=rep, name=f"Many {i:02}") for i in range(8)]


def tag_job(rep, tag, **values) -> BulkJob:
    """A job confirmed on all of `rep`'s contacts, holding them."""
    job = BulkJob.objects.create(owner=rep, action="tag_add", tag=tag, source="contacts", all_matching=True,
                                 total_rows=8, **values)
    BulkJobContact.objects.bulk_create(
        BulkJobContact(job=job, contact_id=pk) for pk in Contact.objects.filter(owner=rep).values_list("pk", flat=True)
    )
    return job


def other_session(sql: str, params=()):
    """A statement of another session (committed at once): what the sweep or another worker sees."""
    with psycopg.connect(**server_params(), autocommit=True) as other:
        cursor = other.execute(sql, params)
        return cursor.fetchone() if cursor.description else None


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_is_seen_by_others_while_the_jobs_own_writes_are_not_yet(rep, many, monkeypatch):
    job = tag_job(rep, "beat")
    seen = []
    step = jobs.Attempt.step

    def watched(attempt, rows):
        step(attempt, rows)
        seen.append(other_session(
            "SELECT j.heartbeat_at > j.started_at, (SELECT count(*) FROM crm_contactchange) FROM crm_bulkjob j "
            "WHERE j.id = %s", [job.pk]))

    monkeypatch.setattr(jobs.Attempt, "step", watched)
    bulk.job_run(job_id=job.pk, chunk_rows=3)
    assert seen == [(True, 0)] * 3  # beating after each chunk; its changes commit only at the end
    job.refresh_from_db()
    assert (job.status, job.rows_changed, job.heartbeat_at) == ("done", 8, None)


@pytest.mark.django_db(transaction=True)
def test_a_run_that_lost_its_job_to_another_rolls_back_and_the_job_is_done_once(rep, many, monkeypatch):
    job = tag_job(rep, "once")
    step = jobs.Attempt.step

    def stalled_and_taken_over(attempt, rows):
        # This worker stalled past the heartbeat's limit: another claimed the job meanwhile.
        other_session("UPDATE crm_bulkjob SET attempts = attempts + 1, heartbeat_at = now() WHERE id = %s", [job.pk])
        monkeypatch.setattr(jobs.Attempt, "step", step)
        step(attempt, rows)

    monkeypatch.setattr(jobs.Attempt, "step", stalled_and_taken_over)
    bulk.job_run(job_id=job.pk, chunk_rows=3)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 2) and not ContactChange.objects.exists()
    # The other run (its worker died too): taken over once its heartbeat is stale, and done once.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        bulk.job_run(job_id=job.pk, chunk_rows=3)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.rows_changed) == ("done", 3, 8)
    assert ContactChange.objects.filter(job=job).count() == 8 == Contact.objects.filter(tags__name="once").count()


def test_a_redelivered_task_leaves_a_fresh_job_then_takes_it_over_once_its_heartbeat_is_stale(
    rep, many, monkeypatch, celery_eager
):
    now = timezone.now()
    job = tag_job(rep, "late", status="running", attempts=1, started_at=now - datetime.timedelta(seconds=30),
                  heartbeat_at=now - datetime.timedelta(seconds=20))
    looks = []
    monkeypatch.setattr(run_bulk, "apply_async", lambda **kwargs: looks.append(kwargs))
    with time_machine.travel(now, tick=False):
        run_bulk.apply(args=(job.pk,))  # redelivered at once after its worker died
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 1) and not ContactChange.objects.exists()
    assert looks == [{"args": (job.pk,), "kwargs": {"waited": True}, "countdown": 41.0, "retry": False}]
    with time_machine.travel(now + datetime.timedelta(seconds=41), tick=False):
        run_bulk.apply(**looks[0])
    job.refresh_from_db()
    assert (job.status, job.attempts, job.rows_changed) == ("done", 2, 8) and len(looks) == 1


def test_the_sweep_hands_over_every_kind_of_job_a_minute_after_its_heartbeat_stopped(
    rep, settings, django_capture_on_commit_callbacks
):
    now = timezone.now()
    beat = {"status": "running", "attempts": 1, "started_at": now - datetime.timedelta(minutes=5)}
    stale, fresh = now - datetime.timedelta(seconds=61), now - datetime.timedelta(seconds=30)
    for heartbeat_at in (stale, fresh):
        tag_job(rep, "x", heartbeat_at=heartbeat_at, **beat)
        ExportJob.objects.create(owner=rep, list_name="L", as_of=now.date(), heartbeat_at=heartbeat_at, **beat)
        for status in ("running", "checking"):
            Import.objects.create(uploaded_by=rep, kind="contacts", file_name="f.csv",
                                  **{**beat, "status": status, "heartbeat_at": heartbeat_at})
    with django_capture_on_commit_callbacks(execute=False) as handed:
        assert bulk.jobs_hand_over(now=now) == 1
        assert export_jobs_hand_over(now=now) == 1
        assert imports_hand_over(now=now) == 2  # an import, and a check
    assert len(handed) == 4
    settings.JOB_HEARTBEAT_STALE_SECONDS = 20
    assert bulk.jobs_hand_over(now=now) == 2


def test_a_job_whose_worker_died_in_every_run_fails_instead_of_running_again_for_ever(rep, many, settings):
    settings.JOB_MAX_ATTEMPTS = 3
    stale = timezone.now() - datetime.timedelta(minutes=2)
    job = tag_job(rep, "poison", status="running", attempts=3, started_at=stale, heartbeat_at=stale)
    assert bulk.job_run(job_id=job.pk).status == "failed"
    assert not ContactChange.objects.exists()
    assert bulk.jobs_hand_over(now=timezone.now()) == 0
