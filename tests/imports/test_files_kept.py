"""A large file is checked by a background job with progress; an uploaded file is deleted once it is
no longer needed: imported, its import deleted, or left untouched."""

import datetime

from django.utils import timezone

from crm.models import Contact
from imports import services
from imports.models import Import
from tests.imports.conftest import csv_file


def _files(media) -> list:
    return sorted(path.name for path in (media / "imports").iterdir()) if (media / "imports").exists() else []


def _uploaded_and_mapped(client) -> Import:
    """A 3-row file, uploaded and mapped: above `IMPORT_ASYNC_ROWS`, its check is left to a worker."""
    client.post("/imports/", {"kind": "contacts", "file": csv_file("name,email\nA,a@example.com\nB,nope\nC,\n")})
    imp = Import.objects.get()
    client.post(f"/imports/{imp.pk}/columns/", {"column_0": "name", "column_1": "email", "version": imp.version})
    imp.refresh_from_db()
    return imp


def test_checking_a_large_file_is_a_background_job_with_progress(
    client_as, rep, settings, celery_eager, django_capture_on_commit_callbacks
):
    settings.IMPORT_ASYNC_ROWS = 2
    client = client_as(rep)
    imp = _uploaded_and_mapped(client)
    # Without a worker the check waits: the page shows its progress instead of a report.
    assert imp.status == Import.Status.CHECKING
    page = client.get(f"/imports/{imp.pk}/").content.decode()
    assert "<progress" in page and 'aria-label="Rows checked"' in page and "when the check is done" in page
    # The bar polls (htmx) and, while the check runs, gets the bar again.
    polled = client.get(f"/imports/{imp.pk}/", headers={"HX-Request": "true"})
    assert "<progress" in polled.content.decode() and "HX-Refresh" not in polled
    assert client.get(f"/imports/{imp.pk}/rejected.csv").status_code == 404
    # With a worker it runs after the commit and the report is there.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{imp.pk}/columns/", {"column_0": "name", "column_1": "email", "version": imp.version})
    imp.refresh_from_db()
    assert (imp.status, imp.total_rows, imp.error_rows) == (Import.Status.CHECKED, 3, 1)
    assert "3 rows: 2 valid, 1 with errors." in client.get(f"/imports/{imp.pk}/").content.decode()
    # The bar's next poll reloads the page, so the report shows without the person reloading it.
    assert client.get(f"/imports/{imp.pk}/", headers={"HX-Request": "true"})["HX-Refresh"] == "true"


def test_a_check_whose_worker_died_is_handed_over_again(
    client_as, rep, settings, celery_eager, django_capture_on_commit_callbacks
):
    settings.IMPORT_ASYNC_ROWS = 2
    imp = _uploaded_and_mapped(client_as(rep))
    assert imp.status == Import.Status.CHECKING  # enqueued, but no worker took it
    with django_capture_on_commit_callbacks(execute=True):
        assert services.imports_hand_over(now=timezone.now()) == 0  # too fresh: it may still be on its way
    with django_capture_on_commit_callbacks(execute=True):
        # A minute later nobody is on it (a check on its way, or running, would have said so): it used to wait 15.
        assert services.imports_hand_over(now=timezone.now() + datetime.timedelta(seconds=61)) == 1
    imp.refresh_from_db()
    assert (imp.status, imp.total_rows, imp.error_rows) == (Import.Status.CHECKED, 3, 1)


def test_the_file_is_deleted_once_imported(rep, make_import, media, django_capture_on_commit_callbacks):
    imp = make_import(rep, "name\nA\nB\n")
    assert len(_files(media)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        imp = services.import_start(imp=imp, mode=Import.Mode.ALL_OR_NOTHING, version=imp.version)
    assert imp.status == Import.Status.DONE and Contact.objects.count() == 2
    assert _files(media) == [] and not imp.has_file


def test_after_importing_the_valid_rows_the_rejected_rows_can_still_be_downloaded(
    client_as, rep, make_import, media, django_capture_on_commit_callbacks
):
    imp = make_import(rep, "name,email\nA,a@example.com\nB,nope\n")
    with django_capture_on_commit_callbacks(execute=True):
        imp = services.import_start(imp=imp, mode=Import.Mode.VALID_ROWS, version=imp.version)
    assert (imp.status, imp.created_rows, imp.error_rows) == (Import.Status.DONE, 1, 1)
    client = client_as(rep)
    assert "Download the rejected rows" in client.get(f"/imports/{imp.pk}/").content.decode()
    rejected = b"".join(client.get(f"/imports/{imp.pk}/rejected.csv").streaming_content).decode()
    assert rejected.splitlines()[1:] == ["3,B,nope,email: Enter a valid email address."]
    # Kept until the clean-up forgets it, as any file nobody uses any more.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.imports_forget_files(now=timezone.now() + datetime.timedelta(days=8)) == 1
    assert _files(media) == []


def test_a_refused_import_keeps_its_file_to_be_fixed_and_run_again(rep, make_import, media, django_capture_on_commit_callbacks):
    imp = make_import(rep, "name,email\nA,nope\n")
    with django_capture_on_commit_callbacks(execute=True):
        imp = services.import_start(imp=imp, mode=Import.Mode.ALL_OR_NOTHING, version=imp.version)
    assert imp.status == Import.Status.REFUSED and len(_files(media)) == 1


def test_the_file_is_deleted_with_its_import_and_when_abandoned(rep, make_import, media, django_capture_on_commit_callbacks):
    deleted, abandoned, recent = (make_import(rep, "name\nA\n") for _ in range(3))
    assert len(_files(media)) == 3
    with django_capture_on_commit_callbacks(execute=True):
        deleted.delete()
    assert len(_files(media)) == 2
    Import.objects.filter(pk=abandoned.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.imports_forget_files(now=timezone.now()) == 1
    abandoned.refresh_from_db()
    recent.refresh_from_db()
    assert not abandoned.has_file and recent.has_file
    assert _files(media) == [recent.file.name.rsplit("/", 1)[1]]
    assert not abandoned.may_run and not abandoned.may_remap
