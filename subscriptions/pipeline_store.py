"""Each owner's pipeline, stored: a report reads a few dozen rows a team, whatever the data's size.

What a report adds up is `pipeline.grouped`: an owner's contacts in groups alike in everything the
arithmetic branches on. Those rows are stored per owner (`OwnerPipelineGroup`) with the day they
were computed for (`OwnerPipeline`). An owner's rows are out of date when that day is not today,
or when a mark (`OwnerPipelineStale`) says a change touched their contacts since:
- a period write marks the contact's owner, in its transaction (`summary.refresh_contacts`);
- a contact given another owner or deleted marks both owners, through this app's statement
  triggers on `crm_contact` (migration 0013), whichever code runs the statement: a form, a bulk
  action, an import or the admin.
Their MRR is stored converted into the reporting currency too: an owner's rows are also out of
date when they were converted at another `ReportingCurrency.rates_revision` than the current one
(a rate or the reporting currency changed since).
The report first recomputes, for the owners it shows, what is out of date (one GROUP BY over their
contacts' figures, and each owner's first contacts to end), then reads the rows. Marks are only ever added by writers, so writers never
wait for each other; a recompute deletes exactly the marks it saw before it read the figures.
"""

import datetime
from functools import partial

from django.db import connection, transaction
from django.db.models import QuerySet

from crm.models import Contact, User
from subscriptions.conversion import rates_revision_sql
from subscriptions.models import (
    OwnerMovementStale, OwnerPipeline, OwnerPipelineEnding, OwnerPipelineGroup, OwnerPipelineStale,
    SummaryRun,
)
from subscriptions.owner_batches import recompute_in_batches
from subscriptions.pipeline import ENDING_SHOWN, GROUP_KEYS, SUMS, Group, ending_first, group_of, grouped


def mark_stale(contacts: QuerySet) -> None:
    """Mark the owners of `contacts` out of date (inside the write's transaction), for each owner's
    stored figures: this pipeline and the MRR movements (`movements_store`), in one statement."""
    owners = contacts.order_by().values("owner_id").distinct()
    sql, params = owners.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH owners AS ({sql}), pipeline AS (INSERT INTO {OwnerPipelineStale._meta.db_table} (owner_id) "
            f"SELECT owner_id FROM owners) INSERT INTO {OwnerMovementStale._meta.db_table} (owner_id) "
            f"SELECT owner_id FROM owners",
            params,
        )


def _state(owner_ids: list[int], *, today: datetime.date) -> tuple[bool, dict[int, list[int]]]:
    """(whether today's summaries are recorded, {owner id: the ids of its marks} for the owners
    among `owner_ids` whose rows need computing): one statement."""
    stored, marks = OwnerPipeline._meta.db_table, OwnerPipelineStale._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {SummaryRun._meta.db_table} WHERE as_of = %s), owner.id, "
            f"array_remove(array_agg(mark.id), NULL) FROM unnest(%s::bigint[]) AS owner(id) "
            f"LEFT JOIN {stored} stored ON stored.owner_id = owner.id AND stored.as_of = %s "
            f"AND stored.rates_revision = {rates_revision_sql()} "
            f"LEFT JOIN {marks} mark ON mark.owner_id = owner.id "
            f"GROUP BY owner.id, stored.owner_id HAVING stored.owner_id IS NULL OR count(mark.id) > 0 "
            f"UNION ALL SELECT EXISTS (SELECT 1 FROM {SummaryRun._meta.db_table} WHERE as_of = %s), NULL, NULL",
            [today, owner_ids, today, today],
        )
        rows = cursor.fetchall()
    return rows[-1][0], {owner: marks for _, owner, marks in rows if owner is not None}


@transaction.atomic
def _recompute(out_of_date: dict[int, list[int]], *, today: datetime.date, fresh: bool) -> None:
    owner_ids = sorted(out_of_date)
    # Claim the owners first (their OwnerPipeline rows, in id order): two reports recomputing the
    # same owner take turns instead of both inserting its groups.
    OwnerPipeline.objects.bulk_create(
        [OwnerPipeline(owner_id=pk, as_of=today) for pk in owner_ids],
        update_conflicts=True, unique_fields=["owner"], update_fields=["as_of"],
    )
    # The revision first, the rates after: a rate saved in between is newer than the revision
    # stored, and the next report computes these owners again.
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {OwnerPipeline._meta.db_table} SET rates_revision = {rates_revision_sql()} "
                       f"WHERE owner_id = ANY(%s)", [owner_ids])
    OwnerPipelineGroup.objects.filter(owner_id__in=owner_ids).delete()
    OwnerPipelineEnding.objects.filter(owner_id__in=owner_ids).delete()
    contacts = Contact.objects.filter(owner_id__in=owner_ids)
    groups_sql, groups_params = grouped(contacts, today=today, fresh=fresh).query.sql_with_params()
    ending_sql, ending_params = ending_first(contacts, today=today, fresh=fresh).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {OwnerPipelineGroup._meta.db_table} ({', '.join([*GROUP_KEYS, *SUMS])}) {groups_sql}",
            groups_params,
        )
        cursor.execute(
            f"INSERT INTO {OwnerPipelineEnding._meta.db_table} (owner_id, contact_id) "
            f"SELECT owner_id, pk FROM ({ending_sql}) AS ranked WHERE rank <= %s",
            [*ending_params, ENDING_SHOWN],
        )
    seen = [mark for marks in out_of_date.values() for mark in marks]
    if seen:
        OwnerPipelineStale.objects.filter(pk__in=seen).delete()


def refresh(*, today: datetime.date) -> int:
    """Bring every owner's stored pipeline up to date for `today`, a batch of owners at a time
    (`owner_batches`): the task after a rate change and every few minutes, so that the day's first
    company report reads stored rows rather than recomputing every owner's in its request (about
    25 s at 1M contacts on 2 cores). Returns how many owners it recomputed."""
    fresh, out_of_date = _state(list(User.objects.values_list("pk", flat=True)), today=today)
    recompute_in_batches(out_of_date, partial(_recompute, today=today, fresh=fresh))
    return len(out_of_date)


def owner_groups(owner_ids: list[int] | None, *, today: datetime.date, stored: bool = True) -> tuple[bool, list[tuple[int, Group]]]:
    """(whether today's summaries are recorded, [(owner id, `pipeline.Group`)] of the contacts owned
    by `owner_ids` (None: every owner's) as of `today`), out-of-date owners recomputed first.
    Not `stored`: added up on the spot from the periods (a report as of a day chosen in the past
    or future: the stored rows are today's, and storing another day's would only have the next
    report of today redo them)."""
    if owner_ids is None:
        owner_ids = list(User.objects.values_list("pk", flat=True))
    if not stored:
        rows = grouped(Contact.objects.filter(owner_id__in=owner_ids), today=today, fresh=False)
        return False, [(row["owner_id"], group_of(row)) for row in rows]
    fresh, out_of_date = _state(owner_ids, today=today)
    if out_of_date:
        _recompute(out_of_date, today=today, fresh=fresh)
    rows = OwnerPipelineGroup.objects.filter(owner_id__in=owner_ids).values(*GROUP_KEYS, *SUMS)
    return fresh, [(row["owner_id"], group_of(row)) for row in rows]


def ending_candidates(owner_ids: list[int] | None, *, stored: bool = True) -> QuerySet:
    """The contacts among which a report's soonest endings are (`owner_groups` computed them; not
    `stored`, any of the owners' contacts)."""
    if not stored:
        return Contact.objects.all() if owner_ids is None else Contact.objects.filter(owner_id__in=owner_ids)
    stored = OwnerPipelineEnding.objects.all() if owner_ids is None else OwnerPipelineEnding.objects.filter(owner_id__in=owner_ids)
    contacts = Contact.objects.all() if owner_ids is None else Contact.objects.filter(owner_id__in=owner_ids)
    return contacts.filter(pk__in=stored.values("contact_id"))
