from celery import shared_task

from crm.dates import today


@shared_task(name="subscriptions.refresh_summaries")
def refresh_summaries() -> int:
    """Daily, after midnight: bring every stored summary to today (set-based SQL)."""
    from subscriptions.summary import refresh_stale

    return refresh_stale(today=today()).pk


@shared_task(name="subscriptions.refresh_movements")
def refresh_movements() -> int:
    """Bring every owner's stored MRR movements up to date (`movements_store.refresh`): after a rate
    or the reporting currency changed, and every few minutes for what reports left. Returns how
    many owners it recomputed."""
    from subscriptions.movements_store import out_of_date, refresh

    stale = out_of_date(None)
    refresh(stale)
    return len(stale)
