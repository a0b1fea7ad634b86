from celery import shared_task

from crm.dates import today


@shared_task(name="subscriptions.refresh_summaries")
def refresh_summaries() -> int:
    """Daily, after midnight: bring every stored summary to today (set-based SQL)."""
    from subscriptions.summary import refresh_stale

    return refresh_stale(today=today()).pk
