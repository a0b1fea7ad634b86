"""Each owner's MRR movements, stored: a report reads a few rows per owner and month, whatever the
data's size.

What a report adds up is `movements.monthly_sql`: an owner's periods' movements summed per month
and currency. Those rows are stored per owner (`OwnerMovementMonth`), and `OwnerMovements` says
which owners have theirs. An owner's rows are out of date when a mark (`OwnerMovementStale`) says
a change touched their contacts since; marks are written where the pipeline's are
(`pipeline_store.mark_stale` in every period write's transaction, and this app's statement
triggers on `crm_contact` for a contact given another owner or deleted, migrations 0013 and 0017).
Movements by month do not depend on the day they are read: no daily work, unlike the pipeline.
They are also stored converted into the reporting currency (`movements_converted`): an owner's
rows are out of date, too, when they were converted at another `ReportingCurrency.rates_revision`
than the current one (a rate or the reporting currency changed since), as the pipeline's are.

A report first recomputes, for the owners it shows, what is out of date (one GROUP BY over their
periods), then reads the rows: one statement checks and reads, and reads again only after a
recompute. As for the pipeline, writers only ever add marks, and a recompute deletes exactly the
marks it saw before it read the periods.

A recompute is bounded: owners are taken a batch at a time, each its own transaction
(`owner_batches`), and a report spends at most `INLINE_SECONDS` on them. A team's handful fits in
one batch; the whole company after a rate changed (every owner out of date: 41 s at 1M contacts
on 2 cores) does not, so the report says how far the figures are, instead of a worker timing
out, while a task (`tasks.refresh_stored_reports`, sent when rates change and every few minutes
by beat) and each next report carry on where it stopped.
"""

from django.db import connection, transaction

from crm.jobs.queue import enqueue_after_commit
from crm.models import User
from subscriptions.conversion import rates_revision_sql
from subscriptions.models import OwnerMovementMonth, OwnerMovements, OwnerMovementStale
from subscriptions.movements import COLUMNS, STALE, monthly_sql, read_sums, stored_rows
from subscriptions.owner_batches import recompute_in_batches
from subscriptions.tasks import refresh_stored_reports

INLINE_SECONDS = 3.0  # what a report spends recomputing before it answers that figures are on their way


class OutOfDate(Exception):
    """More owners' rows are out of date than a report recomputes in its time: `left` are still to
    do (a task is on them)."""

    def __init__(self, *, left: int):
        super().__init__(f"{left} owners' MRR movements are still to compute")
        self.left = left


def out_of_date_sql(owner_ids: list[int] | None) -> tuple[str, list]:
    """SQL of (owner id, the ids of its marks) for the owners among `owner_ids` (None: every user)
    whose rows need computing: never computed, converted at another rates revision, or marked since."""
    stored, marks = OwnerMovements._meta.db_table, OwnerMovementStale._meta.db_table
    owners, params = ("unnest(%s::bigint[])", [owner_ids]) if owner_ids is not None else (
        f"(SELECT id FROM {User._meta.db_table})", [])
    return (
        f"SELECT owner.id, array_remove(array_agg(mark.id), NULL) FROM {owners} AS owner(id) "
        f"LEFT JOIN {stored} stored ON stored.owner_id = owner.id AND stored.rates_revision = {rates_revision_sql()} "
        f"LEFT JOIN {marks} mark ON mark.owner_id = owner.id "
        f"GROUP BY owner.id, stored.owner_id HAVING stored.owner_id IS NULL OR count(mark.id) > 0",
        params,
    )


def out_of_date(owner_ids: list[int] | None) -> dict[int, list[int]]:
    """{owner id: the ids of its marks} for the owners among `owner_ids` (None: every user) whose
    rows need computing (`out_of_date_sql`, one statement)."""
    with connection.cursor() as cursor:
        cursor.execute(*out_of_date_sql(owner_ids))
        return dict(cursor.fetchall())


@transaction.atomic
def recompute(stale: dict[int, list[int]]) -> None:
    owner_ids = sorted(stale)
    with connection.cursor() as cursor:
        # Claim the owners first (their OwnerMovements rows, locked in id order): two reports
        # recomputing the same owner take turns instead of both inserting its rows.
        # The revision first, the rates after: a rate saved in between is newer than the
        # revision stored, and the next report computes these owners again.
        cursor.execute(
            f"INSERT INTO {OwnerMovements._meta.db_table} (owner_id, rates_revision) "
            f"SELECT unnest(%s::bigint[]), {rates_revision_sql()} "
            f"ON CONFLICT (owner_id) DO UPDATE SET rates_revision = excluded.rates_revision",
            [owner_ids],
        )
        OwnerMovementMonth.objects.filter(owner_id__in=owner_ids).delete()
        sql, params = monthly_sql(owner_ids)
        cursor.execute(
            f"INSERT INTO {OwnerMovementMonth._meta.db_table} (owner_id, month, currency, {', '.join(COLUMNS)}) {sql}",
            params,
        )
    seen = [mark for marks in stale.values() for mark in marks]
    if seen:
        OwnerMovementStale.objects.filter(pk__in=seen).delete()


def fresh_sums(owner_ids: list[int] | None, **reading) -> list[tuple]:
    """`read_sums` of the stored rows of `owner_ids` (None: every owner's), out-of-date owners
    recomputed first. The check and the read are one statement (`read_sums`' `unless_stale`): most
    reports find no one out of date, and only one that does reads again, after computing them."""
    rows_sql, rows_params = stored_rows(owner_ids)
    sums = read_sums(rows_sql, rows_params, unless_stale=out_of_date_sql(owner_ids), **reading)
    stale = {owner_id: [int(mark) for mark in marks.split()] for owner_id, marks, bucket, *_ in sums if bucket == STALE}
    if not stale:
        return sums
    left = refresh(stale, seconds=INLINE_SECONDS)
    if left:
        enqueue_after_commit(refresh_stored_reports)
        raise OutOfDate(left=len(left))
    return read_sums(rows_sql, rows_params, **reading)


def refresh(stale: dict[int, list[int]], *, seconds: float | None = None) -> dict[int, list[int]]:
    """Recompute the owners of `stale` (`out_of_date`) a batch at a time until all are done or
    `seconds` are spent (`owner_batches`); return those left."""
    return recompute_in_batches(stale, recompute, seconds=seconds)
