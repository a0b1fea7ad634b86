"""Celery tasks: they take ids, call the notices module, and are safe to run twice."""

import datetime

from celery import shared_task

from crm.jobs import enqueue_after_commit
from renewals import notices


@shared_task(name="renewals.send_notice")
def send_notice(notice_id: int) -> bool:
    return notices.send(notice_id)


@shared_task(name="renewals.daily_notices")
def daily_notices() -> int:
    from renewals.services import notices_daily

    return notices_daily()


@shared_task(name="renewals.sweep_notices")
def sweep_notices() -> int:
    """Hand over again the notices that a broker outage left behind."""
    pending = notices.pending_to_hand_over(older_than=datetime.timedelta(minutes=5))
    for notice_id in pending:
        enqueue_after_commit(send_notice, notice_id)
    return len(pending)
