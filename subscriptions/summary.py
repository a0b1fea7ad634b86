"""Stored subscription figures: `SubscriptionSummary` rows kept equal to `subscriptions.queries`.

The queries stay the definition. A contact's row is rewritten from them in the transaction of
every period write (`refresh_contacts`), and once a day for every contact as dates roll over
(`refresh_stale`, the beat task); `rebuild` rewrites every row. All three are one set-based
`INSERT ... SELECT ... ON CONFLICT DO UPDATE` over the definitions, never a loop in Python.

Reading them has one path, `with_figures` (and `figure` for one expression): while today's
refresh is recorded (`is_fresh`), a figure is the plain stored column, which the planner can
filter, sort and sum through its indexes; before it (the daily task has not run yet, or never
has) it is the definition, slower but never stale. One contact's figures (`figures_of`) are its
row when that row is as of today, else the same definitions.

That rests on one invariant: once today's run is recorded, every contact with periods has its row
and every row is as of today. A period write and the daily run could break it only by crossing:
a write that read "today" before midnight and commits after the next day's run. So writes take a
shared advisory lock and the run an exclusive one (`_DAY_LOCK`), and a write stamps its rows with
the latest recorded day when that is later than its own "today".
"""

import datetime
import time

from django.db import connection, transaction
from django.db.models import DateField, Exists, F, OuterRef, Q, QuerySet, Value

from crm.models import Contact
from subscriptions.dates import DaysBetween, ProratedValue
from subscriptions.models import Period, SubscriptionSummary, SummaryRun
from subscriptions.queries import definitions, direction_expression, has_periods

COLUMNS = (
    "current_mrr", "current_currency", "current_start", "current_end",
    "upcoming_mrr", "upcoming_currency", "upcoming_start", "upcoming_end",
)
# Figures derived from COLUMNS (and the day), stored beside them so lists test and sum them per row
# without arithmetic: the MRR status, whether a period ended before the day (new business or
# reactivation, for the pipeline) and the contract value left as of the day.
DERIVED = ("upcoming_direction", "had_earlier", "remaining_value")
FIGURES = COLUMNS + DERIVED
# What each derived figure's definition reads.
_NEEDS = {
    "upcoming_direction": ("current_mrr", "current_currency", "current_end", "upcoming_mrr", "upcoming_currency", "upcoming_start"),
    "had_earlier": (),
    "remaining_value": ("current_mrr", "current_end"),
}
# pg_advisory_xact_lock key: shared by period writes, exclusive for the daily run ("summ").
_DAY_LOCK = 0x73756D6D


def remaining_value(today: datetime.date):
    """MRR x 12 / 365 for each day left in the current period, today included; none if open-ended
    (`Period.remaining_value`, as an expression over `current_mrr` and `current_end`)."""
    return ProratedValue(F("current_mrr"), DaysBetween(Value(today), F("current_end")) + 1)


def _derived(name: str, today: datetime.date):
    if name == "upcoming_direction":
        return direction_expression()
    if name == "had_earlier":
        return Exists(Period.objects.filter(contact=OuterRef("pk"), end_date__lt=today))
    return remaining_value(today)


def is_fresh(today: datetime.date) -> bool:
    """Whether today's refresh is recorded, so the stored columns hold today's figures (one query)."""
    return SummaryRun.objects.filter(as_of=today).exists()


def figure(name: str, *, today: datetime.date, fresh: bool):
    """One figure as an expression: the stored column when `fresh`, else its definition (a derived
    one reads its inputs by name: `with_figures` puts them beside it)."""
    if fresh:
        return F(f"subscription_summary__{name}")
    return definitions(today)[name] if name in COLUMNS else _derived(name, today)


def with_figures(contacts: QuerySet, names=FIGURES, *, today: datetime.date, fresh: bool) -> QuerySet:
    """`contacts` annotated with the figures `names` as of `today`: the one way lists read them.
    `fresh` is `is_fresh(today)`, asked once by the caller for everything it builds."""
    if fresh:
        return contacts.annotate(**{name: figure(name, today=today, fresh=True) for name in names})
    needed = [c for c in COLUMNS if c in names or any(c in _NEEDS[d] for d in DERIVED if d in names)]
    base = definitions(today)
    contacts = contacts.alias(**{c: base[c] for c in needed if c not in names})
    contacts = contacts.annotate(**{c: base[c] for c in needed if c in names})
    return contacts.annotate(**{d: _derived(d, today) for d in DERIVED if d in names})


def figures_of(contact_id: int, names=FIGURES, *, today: datetime.date) -> dict:
    """One contact's figures as of `today`: its stored row when that row is as of today (written
    today by a period write, or by today's run), read by key; else the definitions."""
    row = SubscriptionSummary.objects.filter(contact_id=contact_id, as_of=today).values(*names).first()
    if row is not None:
        return row
    return with_figures(Contact.objects.filter(pk=contact_id), names, today=today, fresh=False).values(*names).get()


def _upsert(contacts: QuerySet, *, today: datetime.date, new: QuerySet) -> None:
    """Write the summary rows of `contacts` from the definitions as of `today`; `new` holds those
    among them that may have no row yet.

    A new row takes the contact's owner; an existing row keeps its own, which only the owner
    trigger changes (see `_lock_new_rows`).

    Two levels: the definitions (one subquery each) in an inner SELECT, the figures derived from
    them in the outer one, over its columns. In one level each derived figure repeats the
    subqueries it reads (the MRR status reads six of them, some twice): 27 index lookups a contact
    instead of 9. `OFFSET 0` keeps PostgreSQL from pulling the inner SELECT up, which would copy
    them back in. The derived figures are the same expressions, compiled over the summary table's
    columns of the same names: the inner SELECT takes that table's name (and its column names)."""
    _lock_new_rows(new)
    inner = [*COLUMNS, "had_earlier"]
    rows = (
        with_figures(contacts.order_by(), inner, today=today, fresh=False)
        .annotate(summary_as_of=Value(today, output_field=DateField()))
        .values_list("pk", "owner_id", "summary_as_of", *inner)
    )
    sql, params = rows.query.sql_with_params()
    table = SubscriptionSummary._meta.db_table
    outer, outer_params = [], []
    for name in FIGURES:
        if name in inner:
            outer.append(name)
        else:
            expression_sql, expression_params = _over_columns(_derived(name, today))
            outer.append(expression_sql)
            outer_params += expression_params
    columns = ", ".join(("contact_id", "owner_id", "as_of", *FIGURES))
    updates = ", ".join(f"{column} = excluded.{column}" for column in ("as_of", *FIGURES))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT contact_id, owner_id, as_of, {', '.join(outer)} "
            f"FROM ({sql} OFFSET 0) AS {table} (contact_id, owner_id, as_of, {', '.join(inner)}) "
            f"ON CONFLICT (contact_id) DO UPDATE SET {updates}",
            [*outer_params, *params],
        )


def _lock_new_rows(contacts: QuerySet) -> None:
    """Lock those of `contacts` that have no row yet, so the owner a new row copies is the
    contact's last: a concurrent change of owner either committed first (and the insert, a later
    statement, reads it) or waits for this transaction and then updates the row through the trigger,
    which could not see the row before it was committed. An existing row needs no lock: the
    trigger's UPDATE and this upsert queue on the row itself, and the upsert leaves its owner alone."""
    new = contacts.order_by("pk").exclude(Exists(SubscriptionSummary.objects.filter(contact=OuterRef("pk"))))
    sql, params = new.select_for_update(no_key=True).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql}) AS locked", params)


def _over_columns(expression) -> tuple[str, list]:
    """`expression` (of figures read by name) as SQL over the summary table's own columns."""
    query = SubscriptionSummary.objects.all().query
    resolved = expression.resolve_expression(query, allow_joins=False)
    sql, params = query.get_compiler(connection=connection).compile(resolved)
    return sql, list(params)


def _lock_day(*, exclusive: bool) -> None:
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [_DAY_LOCK])


def refresh_contacts(contact_ids, *, today: datetime.date) -> None:
    """Rewrite the rows of these contacts (after a write to their periods, in its transaction):
    `contact_ids` is ids, or an expression giving them (a subquery: an import's thousands).
    Their owners' stored pipelines are marked out of date in the same transaction."""
    from subscriptions.pipeline_store import mark_stale

    ids = contact_ids if hasattr(contact_ids, "resolve_expression") else list(contact_ids)
    with transaction.atomic():
        _lock_day(exclusive=False)
        latest = SummaryRun.objects.order_by("-as_of").values_list("as_of", flat=True).first()
        day = max(today, latest) if latest else today
        contacts = Contact.objects.filter(pk__in=ids)
        _upsert(contacts, today=day, new=contacts)
        mark_stale(contacts)


@transaction.atomic
def refresh_stale(*, today: datetime.date) -> SummaryRun:
    """Bring every row to `today` and record the run: the daily task.

    A row's figures can only change when its current period has ended, its upcoming one has
    started, or it was computed for a later day; those rows (and contacts with periods but no row
    yet) are recomputed. Every other stale row has its date moved on and its remaining value
    counted down, in one UPDATE.
    """
    started = time.monotonic()
    _lock_day(exclusive=True)
    summaries = SubscriptionSummary.objects.filter(contact=OuterRef("pk"))
    changed = summaries.filter(
        Q(as_of__lt=today) & (Q(current_end__lt=today) | Q(upcoming_start__lte=today)) | Q(as_of__gt=today)
    )
    new = ~Exists(summaries) & has_periods()
    _upsert(Contact.objects.filter(Exists(changed) | new), today=today, new=Contact.objects.filter(new))
    # Whether a period ended before the day cannot change on a row that is not recomputed: such a
    # period was the current or a later one on the row's day, and then the row counts as changed.
    SubscriptionSummary.objects.filter(as_of__lt=today).update(as_of=today, remaining_value=remaining_value(today))
    return _record(today, started)


@transaction.atomic
def rebuild(*, today: datetime.date) -> SummaryRun:
    """Rewrite every row from the definitions."""
    started = time.monotonic()
    _lock_day(exclusive=True)
    SubscriptionSummary.objects.all().delete()
    contacts = Contact.objects.filter(has_periods())
    _upsert(contacts, today=today, new=contacts)
    return _record(today, started)


def _record(today: datetime.date, started: float) -> SummaryRun:
    # Every row is now as of `today` and no other day: a run recorded for another day no longer holds.
    SummaryRun.objects.exclude(as_of=today).delete()
    run, _ = SummaryRun.objects.update_or_create(as_of=today, defaults={"seconds": time.monotonic() - started})
    return run
