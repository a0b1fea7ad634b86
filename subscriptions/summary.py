"""Stored subscription figures: `SubscriptionSummary` rows kept equal to `subscriptions.queries`.

The queries stay the definition. A contact's row is rewritten from them in the transaction of
every period write (`refresh_contacts`), and once a day for every contact as dates roll over
(`refresh_stale`, the beat task); `rebuild` rewrites every row. All three are one set-based
`INSERT ... SELECT ... ON CONFLICT DO UPDATE` over the definitions, never a loop in Python.

The registry fields read a stored row only while a full refresh for today is recorded
(`SummaryRun`): before the day's task has run, or if it never has, they read the definitions, so
a figure is never stale, only slower.
"""

import datetime
import threading
import time

from django.core.signals import request_finished, request_started
from django.db import connection, transaction
from django.db.models import DateField, Exists, OuterRef, Q, QuerySet, Value

from crm.models import Contact
from subscriptions.models import SubscriptionSummary, SummaryRun
from subscriptions.queries import has_periods, with_subscription

COLUMNS = (
    "current_mrr", "current_currency", "current_start", "current_end",
    "upcoming_mrr", "upcoming_currency", "upcoming_start", "upcoming_end", "upcoming_direction",
)


def _upsert(contacts: QuerySet, *, today: datetime.date) -> None:
    """Write the summary rows of `contacts` from the definitions as of `today`."""
    rows = (
        with_subscription(contacts.order_by(), on=today)
        .annotate(summary_as_of=Value(today, output_field=DateField()))
        .values_list("pk", "summary_as_of", *COLUMNS)
    )
    sql, params = rows.query.sql_with_params()
    table = SubscriptionSummary._meta.db_table
    columns = ", ".join(("contact_id", "as_of", *COLUMNS))
    updates = ", ".join(f"{column} = excluded.{column}" for column in ("as_of", *COLUMNS))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT * FROM ({sql}) AS fresh "
            f"ON CONFLICT (contact_id) DO UPDATE SET {updates}",
            params,
        )


def refresh_contacts(contact_ids, *, today: datetime.date) -> None:
    """Rewrite the rows of these contacts (after a write to their periods, in its transaction)."""
    _upsert(Contact.objects.filter(pk__in=list(contact_ids)), today=today)


@transaction.atomic
def refresh_stale(*, today: datetime.date) -> SummaryRun:
    """Bring every row to `today` and record the run: the daily task.

    A row's figures can only change when its current period has ended, its upcoming one has
    started, or it was computed for a later day; those rows (and contacts with periods but no row
    yet) are recomputed, every other stale row only has its date moved on.
    """
    started = time.monotonic()
    summaries = SubscriptionSummary.objects.filter(contact=OuterRef("pk"))
    changed = summaries.filter(
        Q(as_of__lt=today) & (Q(current_end__lt=today) | Q(upcoming_start__lte=today)) | Q(as_of__gt=today)
    )
    _upsert(Contact.objects.filter(Exists(changed) | (~Exists(summaries) & has_periods())), today=today)
    SubscriptionSummary.objects.filter(as_of__lt=today).update(as_of=today)
    return _record(today, started)


@transaction.atomic
def rebuild(*, today: datetime.date) -> SummaryRun:
    """Rewrite every row from the definitions."""
    started = time.monotonic()
    SubscriptionSummary.objects.all().delete()
    _upsert(Contact.objects.filter(has_periods()), today=today)
    return _record(today, started)


def _record(today: datetime.date, started: float) -> SummaryRun:
    # Every row is now as of `today` and no other day: a run recorded for another day no longer holds.
    SummaryRun.objects.exclude(as_of=today).delete()
    run, _ = SummaryRun.objects.update_or_create(as_of=today, defaults={"seconds": time.monotonic() - started})
    return run


# Whether today's rows may be read: asked once per request, and every time outside one.
_state = threading.local()


def stored_is_fresh(today: datetime.date) -> bool:
    known = getattr(_state, "fresh", None)
    if known is not None and known[0] == today:
        return known[1]
    fresh = SummaryRun.objects.filter(as_of=today).exists()
    if getattr(_state, "in_request", False):
        _state.fresh = (today, fresh)
    return fresh


def _request_started(**kwargs):
    _state.in_request, _state.fresh = True, None


def _request_finished(**kwargs):
    _state.in_request, _state.fresh = False, None


request_started.connect(_request_started, dispatch_uid="subscriptions.summary.started")
request_finished.connect(_request_finished, dispatch_uid="subscriptions.summary.finished")
