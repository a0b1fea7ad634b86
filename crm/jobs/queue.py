"""Handing background work to Celery without letting a broker outage fail a request.

Work is first recorded as a row in the database (the caller's job), then handed to Celery once
the transaction commits. If the broker is unreachable the hand-over is logged and skipped: the
row stays pending, and the app's periodic sweep hands it over again later.
"""

import logging

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_after_commit(task, *args) -> None:
    def hand_over():
        try:
            task.apply_async(args=args, retry=False)
        except Exception:  # noqa: BLE001 — any broker failure leaves the job row for the sweep
            logger.warning("Could not hand %s%r to the broker; the periodic sweep will retry", task.name, args,
                           exc_info=True)

    transaction.on_commit(hand_over)


class Progress:
    """How many rows a running job has done, kept in the cache under `<job's key>:rows`.

    A job writes its rows inside one transaction, so a count on its own row would not be seen
    before the end. A cache outage only hides the progress: it never fails the job or the page.
    """

    def __init__(self, key: str):
        self.key = f"{key}:rows"

    def rows(self, total: int) -> int:
        try:
            return min(cache.get(self.key, 0), total)
        except Exception:  # noqa: BLE001 — a cache outage only hides the progress
            return 0

    def report(self, rows: int) -> None:
        try:
            cache.set(self.key, rows, timeout=24 * 3600)
        except Exception:  # noqa: BLE001 — a cache outage never fails a job
            logger.warning("Could not record the progress %s", self.key)
