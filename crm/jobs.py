"""Handing background work to Celery without letting a broker outage fail a request.

Work is first recorded as a row in the database (the caller's job), then handed to Celery once
the transaction commits. If the broker is unreachable the hand-over is logged and skipped: the
row stays pending, and the app's periodic sweep hands it over again later.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_after_commit(task, *args) -> None:
    def hand_over():
        try:
            task.apply_async(args=args, retry=False)
        except Exception:  # noqa: BLE001 — any broker failure leaves the job row for the sweep
            logger.warning("Could not hand %s%r to the broker; the periodic sweep will retry", task.name, args)

    transaction.on_commit(hand_over)
