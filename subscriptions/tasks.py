from celery import shared_task

from crm.dates import today


@shared_task(name="subscriptions.refresh_summaries")
def refresh_summaries() -> int:
    """Daily, after midnight: bring every stored summary to today (set-based SQL)."""
    from subscriptions.summary import refresh_stale

    return refresh_stale(today=today()).pk


@shared_task(name="subscriptions.refresh_stored_reports")
def refresh_stored_reports() -> int:
    """Bring every owner's stored MRR movements and pipeline up to date (`movements_store.refresh`,
    `pipeline_store.refresh`): after a rate or the reporting currency changed, and every few
    minutes, for what reports left and for the pipeline's new day. Returns how many owners' rows
    it recomputed."""
    from subscriptions import movements_store, pipeline_store

    stale = movements_store.out_of_date(None)
    movements_store.refresh(stale)
    return len(stale) + pipeline_store.refresh(today=today())
