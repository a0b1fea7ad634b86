"""Background jobs: smart-list exports, bulk actions and imports share one lifecycle.

- `queue`: handing a recorded job to Celery after commit, and the progress a run reports.
- `models`: the abstract `Job` (its fields, `claim`, `finish`, cancel, `due_for_handover`).
- `heartbeat`: one run of a claimed job (`Attempt`): progress, heartbeat and cancel between batches.

Here: the Celery task that runs a kind of job, and the periodic sweep that hands it over again.
"""

import logging
from collections.abc import Callable

from celery import shared_task

from crm.jobs.heartbeat import Attempt
from crm.jobs.models import (
    CANCELLED, DONE, FAILED, PENDING, RUNNING, Cancelled, Job, JobQuerySet, Superseded, stale_after, status_field,
)
from crm.jobs.queue import Progress, enqueue_after_commit

__all__ = [
    "CANCELLED", "DONE", "FAILED", "PENDING", "RUNNING", "Attempt", "Cancelled", "Job", "JobQuerySet", "Progress",
    "Superseded", "enqueue_after_commit", "hand_over", "job_task", "stale_after", "status_field",
]

logger = logging.getLogger(__name__)


def job_task(name: str, run: Callable[[int], object], jobs: Callable[[], JobQuerySet], *, running=(RUNNING,)):
    """The Celery task `name` that runs job `job_id` through `run(job_id)`.

    Redelivered after its worker died, the task finds the job still running with a heartbeat a
    moment old: it looks again once that heartbeat has gone stale (then the job is taken over),
    and only once (a job with a live worker elsewhere is left to it, and to the sweep after)."""

    @shared_task(name=name, bind=True)
    def task(self, job_id: int, waited: bool = False) -> None:
        run(job_id)
        if waited:
            return
        wait = jobs().seconds_until_stale(job_id, statuses=running)
        if wait is not None:
            try:
                self.apply_async(args=(job_id,), kwargs={"waited": True}, countdown=wait + 1, retry=False)
            except Exception:  # noqa: BLE001 — a broker failure leaves the job to the sweep
                logger.warning("Could not look again at %s %s; the periodic sweep will", name, job_id)

    return task


def hand_over(jobs: JobQuerySet, task, *, now, statuses=(PENDING, RUNNING)) -> int:
    """Hand `task` again the jobs nobody is on (the broker was down, or their worker died)."""
    job_ids = list(jobs.due_for_handover(now=now, statuses=statuses).values_list("pk", flat=True))
    for job_id in job_ids:
        enqueue_after_commit(task, job_id)
    return len(job_ids)
