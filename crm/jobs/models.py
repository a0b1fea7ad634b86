"""What every background job is: an abstract model, and its claim by the worker that runs it.

A job is recorded as a row before Celery gets it (`enqueue_after_commit`). A worker *claims* it
under a row lock: the job becomes running, its `attempts` grows by one, and that number is the
run's ticket. While it runs, the worker writes a heartbeat (`heartbeat.Attempt`). A job in one of
its active statuses that nobody is on (`heartbeat_at` empty: queued; or older than
`JOB_HEARTBEAT_STALE_SECONDS`: its worker died) may be claimed again, by the task redelivered
after the death (`acks_late`, `reject_on_worker_lost`) or by the periodic sweep
(`due_for_handover`), whatever the kind of job.

A run's writes and its job's final status commit together, and only while its ticket is still
the job's `attempts` (`finish`): a run that lost its job to another (it stalled for longer than
the heartbeat allows) rolls back instead, so the work is done exactly once.
"""

import datetime
import logging

from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

PENDING, RUNNING, DONE, FAILED, CANCELLED = "pending", "running", "done", "failed", "cancelled"


class Superseded(Exception):
    """This run's job was claimed by another run (it was taken for dead): everything it wrote rolls back."""


class Cancelled(Exception):
    """The job was asked to stop: everything it wrote rolls back."""


def stale_after() -> datetime.timedelta:
    """How old a running job's heartbeat may get before the job is taken for abandoned."""
    return datetime.timedelta(seconds=settings.JOB_HEARTBEAT_STALE_SECONDS)


def status_field(choices) -> models.CharField:
    """The `status` of a kind of job, with that kind's choices (each has its own labels)."""
    return models.CharField(max_length=12, choices=choices, default=PENDING)


class JobQuerySet(models.QuerySet):
    def due_for_handover(self, *, now: datetime.datetime, statuses=(PENDING, RUNNING)) -> "JobQuerySet":
        """Jobs in `statuses` nobody is visibly on: queued, or running with no heartbeat, for
        longer than the heartbeat allows. (Fresher queued ones may still be on their way.)"""
        return self.alias(seen_at=Coalesce("heartbeat_at", "queued_at")).filter(
            status__in=statuses, seen_at__lt=now - stale_after()
        )

    def seconds_until_stale(self, pk: int, *, statuses=(RUNNING,)) -> float | None:
        """How long until job `pk`, running in one of `statuses` with a heartbeat, may be taken
        over; None when it is not running so (done, waiting, or already free to take)."""
        beat = self.filter(pk=pk, status__in=statuses).values_list("heartbeat_at", flat=True).first()
        if beat is None:
            return None
        return max((beat + stale_after() - timezone.now()).total_seconds(), 0.0)


class Job(models.Model):
    """The fields and the lifecycle every kind of background job shares. Each kind declares its
    own `status` (`status_field`) with its own choices, whose values include these."""

    class Status(models.TextChoices):
        PENDING = PENDING, _("Waiting")
        RUNNING = RUNNING, _("Running")
        DONE = DONE, _("Done")
        FAILED = FAILED, _("Failed")
        CANCELLED = CANCELLED, _("Cancelled")

    status = status_field(Status.choices)
    # The one-time token of the form that asked for the job: the same submission twice makes one job.
    creation_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    total_rows = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # Claims so far; the current run's ticket (see `finish`).
    attempts = models.PositiveSmallIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # When it was last handed to Celery to wait for a worker.
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # Written by the running worker between batches; empty while nobody is on the job.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    # The statuses in which a worker is on the job (its progress is read from the cache then).
    RUNNING_STATUSES = (RUNNING,)

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        """Waiting for a worker or running: its page polls for progress."""
        return self.status in (PENDING, *self.RUNNING_STATUSES)

    @property
    def may_cancel(self) -> bool:
        return self.status in (PENDING, RUNNING) and not self.cancel_requested

    @property
    def progress_key(self) -> str:
        return f"{self._meta.label_lower}:{self.pk}"

    @property
    def rows_progress(self) -> int:
        """Rows done so far. A running job reports through the cache: its rows are written (or
        read) inside one transaction, so a count on its own row is not seen before the end."""
        from crm.jobs.queue import Progress

        if self.status in self.RUNNING_STATUSES:
            return Progress(self.progress_key).rows(self.total_rows)
        return self.rows_done

    @classmethod
    def claim(cls, pk: int, *, statuses=(PENDING, RUNNING), running: str = RUNNING):
        """Take job `pk` for this worker if it is in `statuses` and nobody is on it: it becomes
        `running` with a new ticket. None when there is nothing to take (finished, gone, another
        worker's heartbeat is fresh); a job asked to stop before anyone ran it is cancelled."""
        now = timezone.now()
        with transaction.atomic():
            # FOR NO KEY UPDATE: a running job's own transaction holds its row FOR KEY SHARE
            # (rows it writes point at it), which this must not wait for.
            job = cls.objects.select_for_update(no_key=True).filter(pk=pk).first()
            if job is None or job.status not in statuses:
                return None
            if job.heartbeat_at is not None and job.heartbeat_at >= now - stale_after():
                return None
            if job.cancel_requested:
                cls.objects.filter(pk=pk).update(status=CANCELLED, cancel_requested=False, heartbeat_at=None,
                                                 finished_at=now)
                return None
            if job.attempts >= settings.JOB_MAX_ATTEMPTS:
                # Its worker died in every run so far (the job itself may kill it): not run again
                # every minute for ever.
                logger.error("%s %s lost its worker %s times: failed", cls.__name__, pk, job.attempts)
                cls.objects.filter(pk=pk).update(status=FAILED, heartbeat_at=None, finished_at=now)
                return None
            job.status, job.attempts, job.started_at, job.heartbeat_at = running, job.attempts + 1, now, now
            job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at"])
        return job

    def finish(self, status: str, **values) -> None:
        """End this run with `status` (and `values`), if the job is still this run's: else raise
        `Superseded`. Called inside the run's transaction, its writes commit with it or not at all."""
        values = {"status": status, "heartbeat_at": None, "cancel_requested": False, "finished_at": timezone.now(),
                  **values}
        if not type(self).objects.filter(pk=self.pk, attempts=self.attempts).update(**values):
            raise Superseded
        for name, value in values.items():
            setattr(self, name, value)

    def request_cancel(self) -> None:
        """Stop the job: a waiting one at once; a running one at its next batch, which rolls back
        what it wrote (or, if its worker died, when it is claimed again)."""
        now = timezone.now()
        jobs = type(self).objects.filter(pk=self.pk)
        jobs.filter(status=PENDING).update(status=CANCELLED, heartbeat_at=None, finished_at=now)
        jobs.filter(status=RUNNING).update(cancel_requested=True)
        self.refresh_from_db()
