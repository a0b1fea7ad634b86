"""Writes of the smart lists app: keyword-only, each under one transaction."""

import datetime
import logging
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext

from crm import jobs
from crm.dates import today
from crm.jobs import enqueue_after_commit
from crm.submissions import create_once
from smartlists.export import csv_chunks
from smartlists.models import DEFAULT_COLUMNS, ExportJob, SmartList
from smartlists.queries import listing

logger = logging.getLogger(__name__)

EXPORT_DIR = "smartlist-exports"

ENDING_90_COLUMNS = [
    "name", "owner_name", "current_mrr", "current_currency", "current_end", "upcoming_mrr", "upcoming_direction",
]

PIPELINE_COLUMNS = [
    "name", "owner_name", "current_mrr", "current_end", "upcoming_mrr", "upcoming_start", "upcoming_direction",
]


def smartlist_create(
    *, owner, name: str, shared: bool, token: uuid.UUID | None = None, columns=None, query: str = "", sort: str = "name"
) -> SmartList:
    """A new list of `owner`'s; a create form posted again (same `token`) answers with the list it made."""
    smartlist, _created = create_once(
        SmartList.objects.filter(owner=owner),
        token=token,
        create=lambda: SmartList.objects.create(
            owner=owner, name=name, shared=shared, columns=list(columns or DEFAULT_COLUMNS), query=query, sort=sort,
            creation_token=token,
        ),
    )
    return smartlist


def _write(smartlist: SmartList, version: int, stale: ValidationError, **values) -> SmartList:
    """Set `values` on `smartlist` in one UPDATE if nobody changed it since `version` was read; else `stale`."""
    with transaction.atomic():
        updated = SmartList.objects.filter(pk=smartlist.pk, version=version).update(
            **values, version=F("version") + 1, updated_at=timezone.now()
        )
        if not updated:
            raise stale
    smartlist.refresh_from_db()
    return smartlist


def smartlist_update(*, smartlist: SmartList, name: str, shared: bool, version: int) -> SmartList:
    """Rename or (un)share `smartlist` if nobody changed it since `version` was read; else ValidationError."""
    return _write(
        smartlist, version,
        ValidationError(
            gettext("Someone else changed this list while you were editing it. Their values are shown below; "
                    "reload to edit them again."),
            code="stale",
        ),
        name=name, shared=shared,
    )


def smartlist_delete(*, smartlist: SmartList) -> None:
    with transaction.atomic():
        smartlist.delete()


def smartlist_set_columns(*, smartlist: SmartList, columns: list[str], version: int) -> SmartList:
    """Store the picker's columns if nobody changed the list since `version` was read; else ValidationError."""
    return _write(smartlist, version, stale_columns_error(), columns=list(columns))


def stale_columns_error() -> ValidationError:
    return ValidationError(
        gettext("This list was changed elsewhere (another tab or person) while you were choosing columns. "
                "Its saved columns are shown now; choose again."),
        code="stale",
    )


def smartlist_save_filters(*, smartlist: SmartList, query: str, sort: str, version: int) -> SmartList:
    """Store the filters and sort the page shows (validated by the caller through the list's FilterSet)
    if nobody changed the list since `version` was read; else ValidationError."""
    return _write(smartlist, version, stale_filters_error(), query=query, sort=sort)


def stale_filters_error() -> ValidationError:
    return ValidationError(
        gettext("This list was changed elsewhere (another tab or person) since this page was shown, so your "
                "filters were not saved. Its saved filters are shown now; filter again and save."),
        code="stale",
    )


def _preset(owner, preset, **defaults) -> SmartList:
    """The owner's list made by the product (`preset`), created the first time it is asked for."""
    with transaction.atomic():
        smartlist, _ = SmartList.objects.get_or_create(owner=owner, preset=preset, defaults=defaults)
    return smartlist


def smartlist_ready_made(*, owner) -> SmartList:
    """The owner's "Subscriptions ending in the next 90 days, not renewed" list."""
    return _preset(owner, SmartList.Preset.ENDING_90, name=gettext("Subscriptions ending in the next 90 days, not renewed"),
                   columns=ENDING_90_COLUMNS, query="ends_within_days=90", sort="current_end")


def smartlist_pipeline(*, owner) -> SmartList:
    """The owner's list of the contacts behind a pipeline figure, made when a figure is first
    opened; each figure's link gives its filters. Saved, it lists today's current MRR."""
    return _preset(owner, SmartList.Preset.PIPELINE, name=gettext("Contacts behind the pipeline's figures"),
                   columns=PIPELINE_COLUMNS, query="pipeline=current", sort="name")


def smartlist_movements(*, owner) -> SmartList:
    """The owner's list of the contacts behind a figure of the MRR movements report, made when a
    figure is first opened; each figure's link gives its filters (its movement, currency, months).
    Saved, it lists the contacts whose MRR runs at the end of the current month."""
    return _preset(owner, SmartList.Preset.MOVEMENTS, name=gettext("Contacts behind the MRR movements' figures"),
                   columns=PIPELINE_COLUMNS, query="movement=closing", sort="name")


# Background exports ------------------------------------------------------------------------------


def export_job_create(
    *, smartlist: SmartList, by, query: str, sort: str, bom: bool, total_rows: int, token: uuid.UUID | None = None
) -> ExportJob:
    """Record the export first; Celery gets it only once the row is committed.

    The "Prepare the file" form posted again (same `token`) answers with the job it made.
    """
    from smartlists.tasks import run_export

    def create() -> ExportJob:
        job = ExportJob.objects.create(
            smartlist=smartlist,
            owner=by,
            list_name=smartlist.display_name,
            query=query,
            columns=list(smartlist.columns),
            sort=sort,
            bom=bom,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            as_of=today(),
            total_rows=total_rows,
            creation_token=token,
        )
        enqueue_after_commit(run_export, job.pk)
        return job

    job, _created = create_once(ExportJob.objects.filter(owner=by), token=token, create=create)
    return job


def export_path(job: ExportJob) -> Path:
    return Path(settings.MEDIA_ROOT) / EXPORT_DIR / f"{job.pk}.csv"


def _partial_path(job: ExportJob) -> Path:
    """Where run `job.attempts` writes: its own file, so a run taken for dead and still writing
    never writes into the file of the run that took its job over."""
    return export_path(job).with_suffix(f".{job.attempts}.csv.part")


def export_job_run(*, job_id: int, on_chunk=None) -> ExportJob | None:
    """Write the job's CSV. Idempotent: a finished job, or one another worker is on, is left alone;
    a job whose worker died is run again into a new temporary file, renamed over the final one
    as the job is marked done, so there is only ever one complete file. `on_chunk(rows)` is called
    after each chunk is written and reported."""
    job = ExportJob.claim(job_id)
    if job is None:
        return ExportJob.objects.filter(pk=job_id).first()
    final = export_path(job)
    final.parent.mkdir(parents=True, exist_ok=True)
    for earlier in final.parent.glob(f"{job.pk}.*.csv.part"):  # what runs taken for dead left
        earlier.unlink(missing_ok=True)
    partial = _partial_path(job)
    rows = {"written": 0}

    with jobs.Attempt(job) as attempt, translation.override(job.language or settings.LANGUAGE_CODE):

        def count_and_report(written: int) -> None:
            rows["written"] = written
            attempt.step(written)
            if on_chunk:
                on_chunk(written)

        result = listing(
            user=job.owner, columns=job.columns, params=QueryDict(job.query), sort=job.sort, today=job.as_of
        )
        if not result.is_valid:
            # Validated when the job was asked for: only a field leaving the registry gets here.
            logger.error("Export %s has invalid filters %s: not run again", job.pk, result.errors)
            job.finish(ExportJob.Status.FAILED)
            return job
        try:
            with open(partial, "wb") as out:
                for chunk in csv_chunks(result.queryset, result.columns, bom=job.bom, progress=count_and_report):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            with transaction.atomic():
                finished = timezone.now()
                job.finish(
                    ExportJob.Status.DONE, rows_done=rows["written"], total_rows=rows["written"],
                    file=str(final.relative_to(settings.MEDIA_ROOT)), finished_at=finished,
                    expires_at=finished + datetime.timedelta(days=settings.SMARTLIST_EXPORT_EXPIRY_DAYS),
                )
                os.replace(partial, final)  # while the job's row is locked: only its own run renames
        except jobs.Superseded:
            partial.unlink(missing_ok=True)
            logger.warning("Export %s was taken over by another run; this one stopped", job.pk)
    return job


def export_jobs_hand_over(*, now: datetime.datetime) -> int:
    """Hand again to Celery the jobs no worker is on (the broker was down, or a worker died)."""
    from smartlists.tasks import run_export

    return jobs.hand_over(ExportJob.objects, run_export, now=now)


def export_files_remove_expired(*, now: datetime.datetime) -> int:
    """Delete the files of expired exports; the job rows stay, marked expired."""
    removed = 0
    for job in ExportJob.objects.expired(now=now):
        with transaction.atomic():
            if job.file:
                (Path(settings.MEDIA_ROOT) / job.file).unlink(missing_ok=True)
            ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.EXPIRED, file="")
        removed += 1
    return removed
