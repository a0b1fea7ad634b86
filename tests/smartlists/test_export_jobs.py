"""Large exports: recorded first, handed to Celery after commit, progress, retries, downloads, expiry."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from smartlists import tasks
from smartlists.models import ExportJob
from smartlists.services import export_job_run
from tests.factories import ContactFactory
from tests.smartlists.conftest import smartlist

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_list(rep, settings):
    """A list over the (lowered) background threshold, with rows long enough to fill several chunks."""
    settings.SMARTLIST_EXPORT_ASYNC_ROWS = 100
    for i in range(1500):
        ContactFactory(owner=rep, name=f"Customer {i:04} " + "x" * 60, email=f"c{i}@example.com")
    return smartlist(rep, columns=["name", "email"], query="q=customer", sort="-name")


def direct_export(client, sl, settings):
    threshold, settings.SMARTLIST_EXPORT_ASYNC_ROWS = settings.SMARTLIST_EXPORT_ASYNC_ROWS, 10**9
    response = client.get(reverse("smartlists:export", args=[sl.pk]))
    settings.SMARTLIST_EXPORT_ASYNC_ROWS = threshold
    return b"".join(response.streaming_content)


def start(client, sl, **data):
    return client.post(reverse("smartlists:export_start", args=[sl.pk]), {"query": sl.query, "sort": sl.sort, **data})


def test_a_large_export_offers_the_background_job(client_as, rep, big_list):
    response = client_as(rep).get(reverse("smartlists:export", args=[big_list.pk]))
    assert response.status_code == 200 and not response.has_header("Content-Disposition")
    assert "1500 rows: it will be prepared in the background" in response.text
    assert 'value="q=customer"' in response.text
    assert not ExportJob.objects.exists()  # a GET records nothing


def test_job_is_recorded_then_handed_over_after_commit_and_shows_progress(
    client_as, rep, big_list, django_capture_on_commit_callbacks, celery_eager, settings
):
    client = client_as(rep)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = start(client, big_list)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert len(callbacks) == 1  # handed to Celery only once the row is committed
    assert (job.status, job.total_rows, job.owner, job.query) == ("pending", 1500, rep, "q=customer")

    page = client.get(job.get_absolute_url())
    assert "Waiting" in page.text and "0 of 1,500 rows" in page.text
    assert 'data-hx-trigger="every 1s"' in page.text  # polls while it waits

    callbacks[0]()  # the broker delivers it; the worker runs it
    job.refresh_from_db()
    assert job.status == "done" and job.rows_done == 1500

    progress = client.get(job.get_absolute_url(), headers={"HX-Request": "true"})
    assert progress.text.lstrip().startswith('<section id="export-progress"')
    assert "1,500 of 1,500 rows" in progress.text and "every 1s" not in progress.text
    download = client.get(reverse("smartlists:export_download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="my-list-2026-11-22.csv"'
    assert b"".join(download.streaming_content) == direct_export(client, big_list, settings)


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: the job stops between two chunks."""


def test_progress_is_visible_while_the_job_runs(client_as, rep, big_list):
    client = client_as(rep)
    start(client, big_list)
    job = ExportJob.objects.get()
    written = []

    def stop_after_first_chunk(rows):
        # The rows are still being read (a COPY holds this connection): look once it has let go.
        written.append(rows)
        raise WorkerKilled

    with pytest.raises(WorkerKilled):
        export_job_run(job_id=job.pk, on_chunk=stop_after_first_chunk)
    page = client.get(job.get_absolute_url(), headers={"HX-Request": "true"})
    assert "Running" in page.text and 'data-hx-trigger="every 1s"' in page.text
    assert 0 < written[0] < 1500
    assert f"{written[0]:,} of 1,500 rows" in page.text and f'<progress value="{written[0]}" max="1500"' in page.text


def test_a_killed_and_retried_job_produces_one_complete_file(
    client_as, rep, big_list, media_root, django_capture_on_commit_callbacks, celery_eager, settings
):
    client = client_as(rep)
    start(client, big_list)
    job = ExportJob.objects.get()

    def die(rows):
        raise WorkerKilled

    with pytest.raises(WorkerKilled):
        export_job_run(job_id=job.pk, on_chunk=die)
    job.refresh_from_db()
    assert job.status == "running"
    exports = media_root / "smartlist-exports"
    # half a file, of that first run's own, never the final name
    assert [p.name for p in exports.iterdir()] == [f"{job.pk}.1.csv.part"]

    # Nobody finishes it: the periodic sweep hands it over again once it is clearly abandoned.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.hand_over_exports.delay().get() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts, job.rows_done) == ("done", 2, 1500)
    assert [p.name for p in exports.iterdir()] == [f"{job.pk}.csv"]
    assert (exports / f"{job.pk}.csv").read_bytes() == direct_export(client, big_list, settings)

    # Delivered once more (acks late): a finished job is left as it is.
    export_job_run(job_id=job.pk)
    assert [p.name for p in exports.iterdir()] == [f"{job.pk}.csv"]


def test_pending_jobs_are_handed_over_again_by_the_sweep(client_as, rep, big_list, django_capture_on_commit_callbacks, celery_eager):
    start(client_as(rep), big_list)  # the on-commit hand-over never happens (as if the broker was down)
    job = ExportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.hand_over_exports.delay().get() == 0  # too fresh: it may still be on its way
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.hand_over_exports.delay().get() == 1
    job.refresh_from_db()
    assert job.status == "done"


def test_only_the_owner_can_download(client_as, rep, manager, outsider, admin_user, big_list):
    client = client_as(rep)
    start(client, big_list)
    job = ExportJob.objects.get()
    export_job_run(job_id=job.pk)
    assert client.get(reverse("smartlists:export_download", args=[job.pk])).status_code == 200
    for other in (manager, outsider, admin_user):
        other_client = client_as(other)
        assert other_client.get(reverse("smartlists:export_download", args=[job.pk])).status_code == 404
        assert other_client.get(job.get_absolute_url()).status_code == 404


def test_files_expire_and_the_beat_task_removes_them(client_as, rep, big_list, media_root, celery_eager, settings):
    settings.SMARTLIST_EXPORT_EXPIRY_DAYS = 3
    client = client_as(rep)
    start(client, big_list)
    job = export_job_run(job_id=ExportJob.objects.get().pk)
    assert job.expires_at == job.finished_at + datetime.timedelta(days=3)
    assert tasks.remove_expired_exports.delay().get() == 0
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3, minutes=1), tick=False):
        assert tasks.remove_expired_exports.delay().get() == 1
        assert client.get(reverse("smartlists:export_download", args=[job.pk])).status_code == 404
        assert "has expired" in client.get(job.get_absolute_url()).text
    job.refresh_from_db()
    assert (job.status, job.file) == ("expired", "")
    assert list((media_root / "smartlist-exports").iterdir()) == []


def test_beat_schedule_has_the_sweep_and_the_clean_up():
    from django.conf import settings

    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"smartlists.tasks.hand_over_exports", "smartlists.tasks.remove_expired_exports"} <= tasks_scheduled


def test_the_job_exports_with_its_owners_visibility_and_filters(client_as, rep, manager, outsider, settings):
    settings.SMARTLIST_EXPORT_ASYNC_ROWS = 0
    ContactFactory(owner=rep, name="Mine")
    ContactFactory(owner=rep, name="Also mine", kind="organisation")
    ContactFactory(owner=outsider, name="Not mine")
    sl = smartlist(manager, columns=["name"], shared=True, query="kind=person")
    client = client_as(rep)
    start(client, sl)
    job = export_job_run(job_id=ExportJob.objects.get().pk)
    assert (settings.MEDIA_ROOT / job.file).read_bytes() == b"Name\nMine\n"


def test_an_invalid_filter_never_starts_a_job(client_as, rep, big_list):
    response = client_as(rep).post(
        reverse("smartlists:export_start", args=[big_list.pk]), {"query": "current_mrr_min=abc", "sort": "name"}
    )
    assert response.status_code == 400 and not ExportJob.objects.exists()


def test_a_job_whose_filters_no_longer_exist_fails_once_and_is_not_retried(client_as, rep, big_list):
    start(client_as(rep), big_list)
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(query="current_mrr_min=abc")  # as if the field had changed
    export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "could not be made" in client_as(rep).get(job.get_absolute_url()).text
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1), tick=False):
        assert ExportJob.objects.due_for_handover(now=timezone.now()).count() == 0
