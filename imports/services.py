"""Writes of the imports app: upload, mapping, checking and the import itself.

The import runs in one transaction whatever its mode: "all or nothing" writes only when every row
is valid, "import the valid rows" skips the others, and either way a failure or a cancel half-way
rolls everything back. The file is streamed and checked a batch at a time (`checking`), so memory
stays flat whatever its length.
"""

import csv
import datetime
import io
import itertools
import logging
import uuid
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from psycopg.errors import ExclusionViolation, UniqueViolation

from crm import fields, jobs
from crm.formulas import neutralise
from crm.jobs import enqueue_after_commit
from crm.submissions import create_once
from imports import mapping, parsing
from imports.checking import checker_for
from imports.models import Import

logger = logging.getLogger(__name__)

# Rows checked and written at a time: a contacts batch costs about twenty statements whatever its
# size, and its rows' memory is a few MB.
BATCH_ROWS = 5000
# An import nobody has touched for this long is abandoned: its file is deleted.
KEEP_FILES = datetime.timedelta(days=7)
REPORT_ERRORS = 200
PREVIEW_ROWS = 10


def _rows(imp: Import) -> Iterator[parsing.Row]:
    with imp.file.open("rb") as binary:
        _delimiter, _header, rows = parsing.read(binary, imp.delimiter)
        yield from rows


def _batches(imp: Import, size: int | None = None):
    rows = _rows(imp)
    while batch := list(itertools.islice(rows, size or BATCH_ROWS)):
        yield batch


def import_create(*, by, kind: str, upload: UploadedFile, token: uuid.UUID | None = None) -> Import:
    """Store an uploaded file as a new import after reading it through once; a file that cannot be
    imported raises ValidationError and nothing is stored."""
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s bytes; files of at most %(limit)s bytes can be imported.")
            % {"size": upload.size, "limit": settings.IMPORT_MAX_BYTES},
            code="too_large",
        )
    try:
        upload.seek(0)
        delimiter, header, total = parsing.check(upload)
    except parsing.FileError as error:
        raise ValidationError(str(error), code="file") from error
    if total == 0:
        raise ValidationError(_("The file has a header but no rows."), code="file")
    upload.seek(0)

    def create() -> Import:
        imp = Import(
            uploaded_by=by, kind=kind, file_name=upload.name[:255], size=upload.size, delimiter=delimiter,
            headers=header, total_rows=total, language=translation.get_language() or settings.LANGUAGE_CODE,
            creation_token=token,
        )
        imp.mapping = mapping.guess(header, fields.importable(kind))
        imp.file.save(f"{uuid.uuid4().hex}.csv", upload, save=False)
        imp.save()
        return imp

    imp, _created = create_once(Import.objects.filter(uploaded_by=by), token=token, create=create)
    return imp


def _stale() -> ValidationError:
    return ValidationError(
        _("This import was changed elsewhere (another tab) since this page was shown. Its current state is shown now."),
        code="stale",
    )


def import_set_mapping(*, imp: Import, chosen: dict, version: int) -> Import:
    """Store the columns' fields (only fields that can be imported now) and check the whole file."""
    cleaned = mapping.clean(chosen, imp.headers, fields.importable(imp.kind))
    with transaction.atomic():
        updated = Import.objects.filter(pk=imp.pk, version=version, status__in=_REMAPPABLE).update(
            mapping=cleaned, version=F("version") + 1, status=Import.Status.UPLOADED
        )
        if not updated:
            raise _stale()
        if imp.total_rows > settings.IMPORT_ASYNC_ROWS:
            # A large file is checked by a background job, with progress, as imports are run.
            from imports.tasks import check_import

            Import.objects.filter(pk=imp.pk).update(status=Import.Status.CHECKING, started_at=timezone.now(),
                                                    queued_at=timezone.now(), heartbeat_at=None)
            enqueue_after_commit(check_import, imp.pk)
    imp.refresh_from_db()
    if imp.status == Import.Status.CHECKING:
        return imp
    return import_check(imp=imp)


_REMAPPABLE = [s for s in Import.Status.values if s not in (Import.Status.PENDING, Import.Status.RUNNING, Import.Status.DONE)]


def import_check_job(*, import_id: int) -> Import | None:
    """The background check of a large file; idempotent: only an import still waiting for it is
    checked (or one whose check lost its worker)."""
    imp = Import.claim(import_id, statuses=CHECK_STATUSES, running=Import.Status.CHECKING)
    if imp is None:
        return None
    with jobs.Attempt(imp) as attempt:
        try:
            return import_check(imp=imp, step=attempt.step)
        except jobs.Superseded:
            logger.warning("The check of import %s was taken over by another run; this one stopped", imp.pk)
            return None


CHECK_STATUSES = (Import.Status.CHECKING,)


def import_check(*, imp: Import, step=None) -> Import:
    """Check every row without writing: the counts, the first errors and the first rows for the preview.

    The report is stored only if the mapping is still the one checked (`version`). `step(rows)`
    is told after each batch (a background check's progress and heartbeat)."""
    checker = checker_for(imp)
    errors, warnings, preview, error_rows, warning_rows, total = [], [], [], 0, 0, 0
    # One transaction, read only: the checker keeps what the rows so far said in TEMP tables.
    with translation.override(imp.language or settings.LANGUAGE_CODE), transaction.atomic():
        for batch in _batches(imp, checker.batch_rows):
            for checked in checker.check(batch):
                total += 1
                if len(preview) < PREVIEW_ROWS:
                    preview.append({"line": checked.row.line, "cells": checked.row.cells,
                                    "errors": [list(error) for error in checked.errors]})
                if checked.errors:
                    error_rows += 1
                    _listed(errors, checked.row.line, checked.errors)
                elif checked.warnings:
                    warning_rows += 1
                    _listed(warnings, checked.row.line, checked.warnings)
            if step:
                step(total)
    Import.objects.filter(pk=imp.pk, version=imp.version).update(
        errors=errors, preview=preview, error_rows=error_rows, warnings=warnings, warning_rows=warning_rows,
        total_rows=total, status=Import.Status.CHECKED, heartbeat_at=None,
    )
    imp.refresh_from_db()
    return imp


def _listed(report: list, line: int, found: list[tuple[str, str]]) -> None:
    """Add a row's errors or warnings to the report, up to `REPORT_ERRORS` of them."""
    for column, reason in found:
        if len(report) < REPORT_ERRORS:
            report.append({"line": line, "column": column, "reason": reason})


def rejected_csv(imp: Import) -> Iterator[bytes]:
    """The rows with errors as they were in the file, each with its line and its reasons, as CSV.

    Made to be opened in a spreadsheet, fixed and imported again: every text cell is neutralised
    (`crm.formulas`), which the importer undoes when it reads the fixed file."""
    checker = checker_for(imp)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=imp.delimiter, lineterminator="\r\n")
    writer.writerow([_("Line"), *map(neutralise, imp.headers), _("Errors")])
    yield ("\ufeff" + out.getvalue()).encode()
    with translation.override(imp.language or settings.LANGUAGE_CODE), transaction.atomic():
        for batch in _batches(imp, checker.batch_rows):
            out.seek(0)
            out.truncate()
            for checked in checker.check(batch):
                if checked.errors:
                    reasons = "; ".join(f"{column}: {reason}" if column else reason for column, reason in checked.errors)
                    writer.writerow([checked.row.line, *map(neutralise, checked.row.cells), neutralise(reasons)])
            yield out.getvalue().encode()


def import_start(*, imp: Import, mode: str, version: int) -> Import:
    """Run the import now, or (above `IMPORT_ASYNC_ROWS` rows) record it for a background job."""
    from imports.tasks import run_import

    with transaction.atomic():
        updated = Import.objects.filter(pk=imp.pk, version=version, status__in=_RUNNABLE).update(
            mode=mode, status=Import.Status.PENDING, cancel_requested=False, version=F("version") + 1,
            started_at=timezone.now(), queued_at=timezone.now(), heartbeat_at=None, finished_at=None, failure="",
        )
        if not updated:
            raise _stale()
        if imp.total_rows > settings.IMPORT_ASYNC_ROWS:
            enqueue_after_commit(run_import, imp.pk)
    if imp.total_rows <= settings.IMPORT_ASYNC_ROWS:
        import_run(import_id=imp.pk)
    imp.refresh_from_db()
    return imp


_RUNNABLE = [Import.Status.CHECKED, Import.Status.REFUSED, Import.Status.CANCELLED, Import.Status.FAILED]


def import_run(*, import_id: int, on_batch=None) -> Import | None:
    """Import the file in one transaction, its rows and its "done" committed together. Idempotent:
    only a pending import runs, or one whose worker died (its transaction was rolled back with it).

    `on_batch(rows)` is called after each batch is written (tests cancel or fail from it).
    """
    imp = Import.claim(import_id)
    if imp is None:
        return Import.objects.filter(pk=import_id).first()
    with jobs.Attempt(imp, cancellable=True) as attempt:
        try:
            return _run(imp, attempt, on_batch)
        except jobs.Superseded:
            logger.warning("Import %s was taken over by another run; this one rolled back", imp.pk)
            return imp


def _run(imp: Import, attempt: jobs.Attempt, on_batch) -> Import:
    counts = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    try:
        with translation.override(imp.language or settings.LANGUAGE_CODE), transaction.atomic():
            _write_all(imp, counts, attempt, on_batch)
            if not counts["skipped"]:
                # Imported: the file is not needed any more. With rows left out it is kept for their
                # CSV (`rejected_csv`) until the clean-up forgets it (`imports_forget_files`).
                imp.delete_file()
            imp.finish(
                Import.Status.DONE, created_rows=counts["created"], updated_rows=counts["updated"],
                unchanged_rows=counts["unchanged"], skipped_rows=counts["skipped"], error_rows=counts["skipped"],
                rows_done=imp.total_rows,
            )
    except _Refused as refused:
        imp.finish(Import.Status.REFUSED, error_rows=refused.error_rows)
    except jobs.Cancelled:
        imp.finish(Import.Status.CANCELLED)
    except jobs.Superseded:
        raise
    except IntegrityError as error:
        if not isinstance(error.__cause__, UniqueViolation | ExclusionViolation):
            logger.exception("Import %s failed; nothing was written", imp.pk)
            imp.finish(Import.Status.FAILED)
        else:
            # Two imports of one file at once: the second to write met the first's rows once it committed.
            logger.warning("Import %s met a row written by another writer; nothing was written: %s", imp.pk, error)
            imp.finish(Import.Status.FAILED, failure=Import.Failure.CONFLICT)
    except Exception:
        logger.exception("Import %s failed; nothing was written", imp.pk)
        imp.finish(Import.Status.FAILED)
    imp.refresh_from_db()
    return imp


class _Refused(Exception):
    def __init__(self, error_rows: int):
        super().__init__(error_rows)
        self.error_rows = error_rows


def lock_named_rows(imp: Import) -> None:
    """Hold the import's and the importer's rows until the import's transaction ends, as the
    foreign keys of its audit entries would (FOR KEY SHARE: they may be changed, not deleted;
    asking to cancel still goes through)."""
    with connection.cursor() as cursor:
        for model, pk in ((Import, imp.pk), (Import.uploaded_by.field.related_model, imp.uploaded_by_id)):
            cursor.execute(f"SELECT 1 FROM {model._meta.db_table} WHERE id = %s FOR KEY SHARE", [pk])


def _write_all(imp: Import, counts: dict, attempt: jobs.Attempt, on_batch) -> None:
    lock_named_rows(imp)
    checker = checker_for(imp, for_update=True)
    all_or_nothing = imp.mode == Import.Mode.ALL_OR_NOTHING
    done, error_rows = 0, 0
    for batch in _batches(imp, checker.batch_rows):
        checked = checker.check(batch)
        invalid = sum(1 for c in checked if not c.is_valid)
        error_rows += invalid
        if not (all_or_nothing and error_rows):
            for key, value in checker.write(checked).items():
                counts[key] += value
        counts["skipped"] += invalid
        done += len(batch)
        if on_batch:
            on_batch(done)
        attempt.step(done)  # a cancel asked for meanwhile stops here
    if all_or_nothing and error_rows:
        raise _Refused(error_rows)
    checker.finish()


def import_cancel(*, imp: Import) -> Import:
    """Stop a waiting or running import: it rolls back whatever it wrote."""
    imp.request_cancel()
    return imp


def imports_hand_over(*, now) -> int:
    """Hand again to Celery the imports and checks no worker is on (the broker was down, or a worker
    died). A check only reads, and stores its report only for the mapping it checked."""
    from imports.tasks import check_import, run_import

    return (jobs.hand_over(Import.objects, run_import, now=now)
            + jobs.hand_over(Import.objects, check_import, now=now, statuses=CHECK_STATUSES))


def imports_forget_files(*, now) -> int:
    """Delete the files of imports nobody has touched for `KEEP_FILES` (never of a running one)."""
    from django.db.models import Q

    stale = Import.objects.exclude(file="").exclude(
        status__in=[Import.Status.PENDING, Import.Status.RUNNING, Import.Status.CHECKING]
    ).filter(Q(created_at__lt=now - KEEP_FILES), Q(started_at__isnull=True) | Q(started_at__lt=now - KEEP_FILES))
    count = 0
    for imp in stale.iterator():
        with transaction.atomic():
            imp.delete_file()
        count += 1
    return count
