"""One run of a claimed job: its progress, its heartbeat and, between batches, its cancel.

The heartbeat is written on a database connection of the run's own, in autocommit. The run's
work happens inside one long transaction (an import's rows, a bulk action's changes), and a write
there would be seen by nobody before the end: the sweep and the redelivered task would take a
live job for a dead one. The extra connection is opened on the first beat and closed with the run.
"""

import logging

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.utils import timezone

from crm.jobs.models import Cancelled, Superseded
from crm.jobs.queue import Progress

logger = logging.getLogger(__name__)

# A beat that waits longer than this for a lock is skipped (the next batch beats again).
LOCK_TIMEOUT_MS = 2000


class Heartbeat:
    def __init__(self, job):
        self.table = connection.ops.quote_name(job._meta.db_table)
        self.pk, self.ticket = job.pk, job.attempts
        self._connection = None

    def _cursor(self):
        if self._connection is None:
            main = connections[DEFAULT_DB_ALIAS]
            self._connection = type(main)(main.settings_dict, alias=DEFAULT_DB_ALIAS)
            with self._connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")
        return self._connection.cursor()

    def beat(self, now) -> None:
        """Say the job is alive; raise `Superseded` if another run has claimed it since."""
        try:
            with self._cursor() as cursor:
                cursor.execute(f"UPDATE {self.table} SET heartbeat_at = %s WHERE id = %s AND attempts = %s",
                               [now, self.pk, self.ticket])
                if cursor.rowcount:
                    return
                # SKIP LOCKED: a row still locked by a writer may hold this run's own claim,
                # not committed yet (a job run inside its caller's transaction).
                cursor.execute(f"SELECT attempts FROM {self.table} WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED",
                               [self.pk])
                other = cursor.fetchone()
        except DatabaseError:  # the job's own statements will say whether the database is gone
            logger.warning("Could not write the heartbeat of %s %s", self.table, self.pk, exc_info=True)
            return
        # Not seen: the job's row or its claim is not committed yet (a job run inside its caller's
        # transaction), or the row is deleted; the run's own final write decides then.
        if other is not None:
            raise Superseded

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class Attempt:
    """What a run calls after each batch: `step(rows_done)` reports its progress, beats, and (for
    a job that can be cancelled) raises `Cancelled` once asked to stop.

    Use as a context manager, so the heartbeat's connection is closed however the run ends."""

    def __init__(self, job, *, cancellable: bool = False):
        self.job = job
        self.cancellable = cancellable
        self.progress = Progress(job.progress_key)
        self.heartbeat = Heartbeat(job)

    def __enter__(self) -> "Attempt":
        self.progress.report(0)  # a job run again starts again from its first row
        return self

    def __exit__(self, *exc) -> None:
        self.heartbeat.close()

    def step(self, rows_done: int) -> None:
        self.progress.report(rows_done)
        self.heartbeat.beat(timezone.now())
        # Read on the run's own connection: it sees a cancel committed since, as well as its own.
        if self.cancellable and type(self.job).objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise Cancelled
