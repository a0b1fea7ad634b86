"""Background bulk jobs: they act on exactly the rows their confirmation counted, and stop when asked."""

import pytest
from django.urls import reverse

from crm import bulk, jobs
from crm.models import BulkJob, Contact, ContactChange
from tests.factories import ContactFactory

URL = "/contacts/bulk/"


@pytest.fixture
def many(rep, settings):
    settings.BULK_ASYNC_ROWS = 5
    return [ContactFactory(owner=rep, name=f"Many {i:02}") for i in range(8)]


def confirm(client, data, django_capture_on_commit_callbacks):
    """Confirm a background job; the hand-over to Celery is kept back, as if it were on its way."""
    token = client.post(URL, {"query": "", **data}).context["submission"]
    with django_capture_on_commit_callbacks(execute=False) as handed_over:
        response = client.post(URL, {"query": "", **data, "confirmed": "1", "submission": token})
    job = BulkJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url() and len(handed_over) == 1
    return job


def test_all_matching_changes_only_the_rows_counted_at_the_confirmation(client_as, rep, many,
                                                                      django_capture_on_commit_callbacks):
    """It used to change the rows created after the confirmation too (confirmed 300,016, changed 300,021)."""
    client = client_as(rep)
    job = confirm(client, {"action": "tag_add", "tag": "counted", "all_matching": "1"}, django_capture_on_commit_callbacks)
    assert job.total_rows == 8
    later = ContactFactory(owner=rep, name="Many 99")  # created while the job waits for a worker
    many[0].delete()  # and one of the counted rows deleted meanwhile: skipped
    bulk.job_run(job_id=job.pk, chunk_rows=3)
    job.refresh_from_db()
    assert (job.status, job.rows_changed) == ("done", 7)
    assert set(Contact.objects.filter(tags__name="counted")) == set(many[1:])
    assert not later.tags.exists() and ContactChange.objects.filter(job=job).count() == 7


def test_a_running_job_stops_between_chunks_when_cancelled_and_changes_nothing(
    client_as, rep, many, django_capture_on_commit_callbacks, monkeypatch
):
    client = client_as(rep)
    job = confirm(client, {"action": "tag_add", "tag": "stopped", "all_matching": "1"}, django_capture_on_commit_callbacks)
    running = []
    step = jobs.Attempt.step

    def cancel_while_running(attempt, rows):
        page = client.get(job.get_absolute_url()).content.decode()
        running.append("Running" in page and "Stop and undo" in page)
        assert client.post(reverse("bulk_job_cancel", args=[job.pk])).status_code == 302
        step(attempt, rows)

    monkeypatch.setattr(jobs.Attempt, "step", cancel_while_running)
    bulk.job_run(job_id=job.pk, chunk_rows=3)
    job.refresh_from_db()
    assert running == [True] and (job.status, job.rows_changed, job.cancel_requested) == ("cancelled", 0, False)
    assert not Contact.objects.filter(tags__name="stopped").exists() and not ContactChange.objects.exists()
    monkeypatch.undo()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Cancelled: nothing was changed." in page and "Stop and undo" not in page and "every 1s" not in page


def test_a_waiting_job_is_cancelled_at_once_and_never_runs(client_as, rep, many, django_capture_on_commit_callbacks):
    client = client_as(rep)
    job = confirm(client, {"action": "delete", "all_matching": "1"}, django_capture_on_commit_callbacks)
    assert "Stop and undo" in client.get(job.get_absolute_url()).content.decode()
    client.post(reverse("bulk_job_cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "cancelled"
    bulk.job_run(job_id=job.pk)  # the task arrives after all
    job.refresh_from_db()
    assert job.status == "cancelled" and Contact.objects.count() == 8


def test_only_the_owner_may_cancel_a_job(client_as, rep, manager, many, django_capture_on_commit_callbacks):
    job = confirm(client_as(rep), {"action": "tag_add", "tag": "x", "all_matching": "1"}, django_capture_on_commit_callbacks)
    assert client_as(manager).post(reverse("bulk_job_cancel", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert (job.status, job.cancel_requested) == ("pending", False)


@pytest.mark.django_db(transaction=True)
def test_all_matching_leaves_alone_a_contact_whose_transaction_was_open_at_the_confirmation(rep, monkeypatch):
    """A bound on the highest counted id let it through: its id, taken before the confirmation,
    is below the ids counted, and its row was committed only after."""
    import threading

    from django.db import connection, transaction

    monkeypatch.setattr(bulk, "enqueue_after_commit", lambda *args: None)  # the job runs below, later
    ContactFactory(owner=rep, name="Counted A")
    inserted, release = threading.Event(), threading.Event()

    def another_writer():
        try:
            with transaction.atomic():
                ContactFactory(owner=rep, name="In flight")
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    writer = threading.Thread(target=another_writer)
    writer.start()
    assert inserted.wait(10)
    ContactFactory(owner=rep, name="Counted B")  # committed now, with an id above the one in flight
    plan = bulk.Plan(bulk.TAG_ADD, tag="counted")
    rows = bulk.selection(bulk.matching("contacts", user=rep, source_pk=None, query=""), ids=[], all_matching=True)
    job = bulk.job_create(by=rep, plan=plan, source="contacts", source_pk=None, query="", ids=[], all_matching=True,
                          rows=rows, counted=bulk.count(rows, plan), back_url="")
    release.set()
    writer.join(10)
    assert Contact.objects.filter(name="In flight").exists()  # committed before the job runs
    bulk.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.rows_changed) == ("done", 2, 2)
    assert set(Contact.objects.filter(tags__name="counted").values_list("name", flat=True)) == {"Counted A", "Counted B"}
    assert not job.held_contacts.exists()  # released with the job's end


def test_a_job_cancelled_while_waiting_releases_the_rows_it_held(client_as, rep, many, django_capture_on_commit_callbacks):
    job = confirm(client_as(rep), {"action": "tag_add", "tag": "never", "all_matching": "1"},
                  django_capture_on_commit_callbacks)
    assert job.held_contacts.count() == 8
    job.request_cancel()
    assert job.status == "cancelled" and not job.held_contacts.exists()
