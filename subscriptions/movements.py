"""MRR movements by month: per currency, opening MRR, the movements, closing MRR, set-based in SQL.

Each period counts in two months, by rules that make the months add up to the cent:
- in the month it **starts**, by its tag against the period before it (`Period.tag_against`,
  written here as a query expression, `tag_expression`; tests hold the two equal): new business
  or a reactivation for its whole MRR, an expansion or a contraction for the difference with the
  period before it, nothing for a renewal;
- in the month of the **day after it ends** (the first day it no longer runs) as churn of its
  MRR, unless the next period starts that very day in the same currency: that period's tag then
  carries the change. A currency change is churn in the old currency and new business in the
  new one, as the pipeline counts it; amounts in two currencies are never compared or added.
  A period ending on a month's last day still counts in that month's closing, and leaves in the
  next month.

So, per currency, every month:

    opening = the MRR of the periods running on the day before the month's first day
    closing = opening + new + expansion + reactivation - contraction - churn
            = the MRR of the periods running on the month's last day = the next month's opening

Months after the current one hold only what is already entered: their closing is the committed
MRR, and their churn is at risk.

The rows behind it are one per period (`period_movements`: its tag, its amount, whether it
churns), then summed per owner, month and currency (`movements_store` keeps those sums per
owner). Beside them, the same movements converted into the reporting currency at the rate in
force on each period's start date, with an exchange-rate movement of their own
(`movements_converted`, which says how).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField, Case, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Value, When, Window
from django.db.models.functions import Lag, Lead

from crm.dates import LATEST
from subscriptions.dates import NextDay, add_months, month_end, months_between
from subscriptions.models import OwnerMovementMonth, Period, Tag
from subscriptions.movements_converted import (
    READ, STORED, ConvertedSection, converted_section, event_columns, event_sums, rated_sql, rerated,
)

ZERO = Decimal("0.00")
MOVEMENTS = ("new", "expansion", "reactivation", "contraction", "churn")
GAINS = ("new", "expansion", "reactivation")
LOSSES = ("contraction", "churn")
# Events after the last month anyone may ask for are never shown, nor part of an opening.
LAST_MONTH = LATEST.replace(day=1)
NEIGHBOURS = ("previous_start", "previous_end", "previous_currency", "previous_mrr", "next_start", "next_currency")


def neighbours_by_window() -> dict:
    """The period before and after each period of the same contact, by start date, as window
    functions: for reading every period of a set of contacts in one pass."""
    window = {"partition_by": [F("contact_id")], "order_by": F("start_date").asc()}
    return {
        "previous_start": Window(Lag("start_date"), **window),
        "previous_end": Window(Lag("end_date"), **window),
        "previous_currency": Window(Lag("currency"), **window),
        "previous_mrr": Window(Lag("mrr"), **window),
        "next_start": Window(Lead("start_date"), **window),
        "next_currency": Window(Lead("currency"), **window),
    }


def neighbours_by_subquery() -> dict:
    """The same as `neighbours_by_window`, looked up for each period by the (contact, start date)
    index: for a few periods read on their own (a figure's contacts)."""
    earlier = Period.objects.filter(contact=OuterRef("contact"), start_date__lt=OuterRef("start_date")).order_by("-start_date")
    later = Period.objects.filter(contact=OuterRef("contact"), start_date__gt=OuterRef("start_date")).order_by("start_date")

    def one(periods, column):
        return Subquery(periods.values(column)[:1], output_field=Period._meta.get_field(column))

    return {
        "previous_start": one(earlier, "start_date"),
        "previous_end": one(earlier, "end_date"),
        "previous_currency": one(earlier, "currency"),
        "previous_mrr": one(earlier, "mrr"),
        "next_start": one(later, "start_date"),
        "next_currency": one(later, "currency"),
    }


def tag_expression() -> Case:
    """`Period.tag_against(previous)`, for periods annotated with NEIGHBOURS."""
    return Case(
        When(previous_start__isnull=True, then=Value(Tag.NEW)),
        When(Q(previous_end__isnull=False, start_date__gt=NextDay(F("previous_end"))), then=Value(Tag.REACTIVATION)),
        When(~Q(currency=F("previous_currency")), then=Value(Tag.NEW)),
        When(mrr__gt=F("previous_mrr"), then=Value(Tag.EXPANSION)),
        When(mrr__lt=F("previous_mrr"), then=Value(Tag.CONTRACTION)),
        default=Value(Tag.RENEWAL),
    )


def start_amount() -> Case:
    """What a period's start moves, in its tag's movement (>= 0), for periods annotated with `tag`."""
    money = DecimalField(max_digits=14, decimal_places=2)
    return Case(
        When(tag__in=[Tag.NEW, Tag.REACTIVATION], then=F("mrr")),
        When(tag=Tag.EXPANSION, then=F("mrr") - F("previous_mrr")),
        When(tag=Tag.CONTRACTION, then=F("previous_mrr") - F("mrr")),
        default=Value(ZERO),
        output_field=money,
    )


def churns_q() -> Q:
    """The period ends, and the next period does not start the day after in the same currency (the
    "ending" rule, `queries.ending_q`, and a change of currency)."""
    follows = Q(next_start=NextDay(F("end_date"))) & Q(next_currency=F("currency"))
    return Q(end_date__isnull=False) & (Q(next_start__isnull=True) | ~follows)


def period_movements(periods: QuerySet, *, neighbours: dict) -> QuerySet:
    """`periods` annotated with their neighbours, `tag`, `start_amount` and `churns`: one row a
    period, what every figure of the report adds up."""
    return (
        periods.order_by()
        .annotate(**neighbours)
        .annotate(tag=tag_expression())
        .annotate(start_amount=start_amount(), churns=Case(When(churns_q(), then=Value(True)), default=Value(False),
                                                           output_field=BooleanField()))
    )


PER_PERIOD = ("owner_id", "currency", "mrr", "start_date", "end_date", "tag", "start_amount", "churns",
              "previous_mrr", "previous_start")
SUMS = ("new", "expansion", "reactivation", "contraction", "churn")
# Each stored row: (owner_id, month, currency, *COLUMNS)
COLUMNS = (*SUMS, *STORED)


def monthly_sql(owner_ids: list[int] | None) -> tuple[str, list]:
    """SQL of the movements of the periods of the contacts owned by `owner_ids` (None: everyone's)
    summed per owner, month and currency, as (owner_id, month, currency, *COLUMNS): a period's
    start and its stopping (a churn, unless the next one follows), each in its month, in its
    currency and converted (`movements_converted`)."""
    periods = Period.objects.all() if owner_ids is None else Period.objects.filter(contact__owner_id__in=owner_ids)
    periods = period_movements(periods, neighbours=neighbours_by_window())
    rows = periods.annotate(owner_id=F("contact__owner_id")).values_list(*PER_PERIOD)
    sql, params = rated_sql(*rows.query.sql_with_params(), PER_PERIOD)
    sums = ", ".join(f"COALESCE(SUM(e.amount) FILTER (WHERE e.kind = '{kind}'), 0)" for kind in SUMS)
    start, end = event_columns()
    events = "month, kind, amount, converted, exchange, rest, unrated_start, unrated_end, unrated_from"
    return (
        f"SELECT p.owner_id, e.month, p.currency, {sums}, {event_sums(SUMS)} FROM ({sql}) AS p "
        f"CROSS JOIN LATERAL (VALUES (date_trunc('month', p.start_date)::date, p.tag, p.start_amount, {start}), "
        f"(CASE WHEN p.end_date IS NOT NULL THEN date_trunc('month', p.end_date + 1)::date END, "
        f"CASE WHEN p.churns THEN 'churn' ELSE 'end' END, p.mrr, {end})) AS e ({events}) "
        # a renewal, or a period followed the next day, moves nothing but what its rates do
        f"WHERE e.month <= %s AND (e.kind NOT IN ('{Tag.RENEWAL}', 'end') OR e.exchange <> 0 OR e.rest <> 0 "
        f"OR e.unrated_start + e.unrated_end > 0) GROUP BY p.owner_id, e.month, p.currency",
        [*params, LAST_MONTH],
    )


# Reading ----------------------------------------------------------------------------------------


STALE = "stale"  # the bucket of `read_sums`' rows of owners whose stored rows are out of date


def read_sums(rows_sql: str, rows_params: list, *, first: datetime.date, last: datetime.date,
              by_owner: bool, unless_stale: tuple[str, list] | None = None) -> list[tuple]:
    """From monthly rows (`monthly_sql`, or the stored ones), in one statement: (None, currency,
    month or None, *SUMS, *READ) for each month of `first`..`last` and, as None, for every month
    before them added up (an opening); with `by_owner`, also (owner id, currency, whether in the
    range, *SUMS, *READ) for each owner apart. `unless_stale`: SQL of the owners whose stored rows
    are out of date (`movements_store.out_of_date_sql`), checked in the same statement: if it
    finds any, nothing is added up, and the rows are theirs instead: (owner id, the ids of its
    marks as text, STALE, None...)."""
    sums = ", ".join([*(f"SUM({name})" for name in SUMS), *(f"{how}({name})" for how, name in READ)])
    if by_owner:
        owner = "CASE WHEN GROUPING(owner_id) = 0 THEN owner_id END"
        bucket = "CASE WHEN GROUPING(owner_id) = 0 THEN in_range::text ELSE bucket::text END"
        grouping = "GROUPING SETS ((currency, bucket), (owner_id, currency, in_range))"
    else:
        owner, bucket, grouping = "NULL::bigint", "bucket::text", "currency, bucket"
    fresh, stale, stale_params = "", "", []
    if unless_stale is not None:
        stale_sql, stale_params = unless_stale
        # added up only when the check finds no one (a condition PostgreSQL tests once, first),
        # else the owners it found (their marks as text: the column holds the currency otherwise)
        fresh = " AND NOT EXISTS (SELECT FROM stale)"
        nothing = ", NULL" * (len(SUMS) + len(READ))
        stale = f" UNION ALL SELECT owner_id, array_to_string(marks, ' '), '{STALE}'{nothing} FROM stale"
    with connection.cursor() as cursor:
        cursor.execute(
            (f"WITH stale (owner_id, marks) AS MATERIALIZED ({stale_sql}) " if unless_stale is not None else "")
            + f"SELECT {owner}, currency, {bucket}, {sums} FROM ("
            f"SELECT *, CASE WHEN month >= %s THEN month END AS bucket, month >= %s AS in_range "
            f"FROM ({rows_sql}) AS rows (owner_id, month, currency, {', '.join(COLUMNS)}) WHERE month <= %s{fresh}"
            f") AS rows GROUP BY {grouping}{stale}",
            [*stale_params, first, first, *rows_params, last],
        )
        return cursor.fetchall()


def stored_rows(owner_ids: list[int] | None) -> tuple[str, list]:
    """SQL of the stored monthly rows of `owner_ids` (None: everyone's), as `monthly_sql` gives
    them: written out, not compiled by the ORM on every report."""
    select = f"SELECT owner_id, month, currency, {', '.join(COLUMNS)} FROM {OwnerMovementMonth._meta.db_table}"
    return (select, []) if owner_ids is None else (f"{select} WHERE owner_id = ANY(%s)", [list(owner_ids)])


@dataclass
class Totals:
    """Movements added up (a month's, a range's), from an opening MRR to a closing one."""

    opening: Decimal = ZERO
    moves: dict = field(default_factory=lambda: dict.fromkeys(MOVEMENTS, ZERO))

    @property
    def closing(self) -> Decimal:
        moves = self.moves  # (GAINS, then LOSSES: read a hundred times a report, so written out)
        return (self.opening + moves["new"] + moves["expansion"] + moves["reactivation"]
                - moves["contraction"] - moves["churn"])

    def add(self, sums) -> None:
        for name, amount in zip(SUMS, sums, strict=True):
            self.moves[name] += amount

    @property
    def is_zero(self) -> bool:
        return self.opening == ZERO and not any(self.moves.values())


@dataclass
class Month(Totals):
    month: datetime.date = datetime.date.min
    ahead: bool = False  # after the current month: only what is entered (committed; churn at risk)


@dataclass
class Section:
    """One currency's waterfall: each month, the range's totals, and each owner's over the range."""

    currency: str
    is_main: bool
    months: list[Month]
    total: Totals
    owners: list  # (owner, Totals): the range's figures of each owner shown apart

    @property
    def to_date(self) -> list[Month]:
        return [month for month in self.months if not month.ahead]

    @property
    def ahead(self) -> list[Month]:
        return [month for month in self.months if month.ahead]


@dataclass
class Report:
    first: datetime.date
    last: datetime.date
    today: datetime.date
    sections: list[Section]
    # every currency's whole in the reporting currency (None: all of it is in that currency already)
    converted: ConvertedSection | None = None

    @property
    def reaches_ahead(self) -> bool:
        """Whether its months go past the current one (committed MRR)."""
        return self.last > self.today.replace(day=1)


def build_report(owner_ids: list[int] | None, owners: list, *, first: datetime.date, last: datetime.date,
                 today: datetime.date, currency: str, stored: bool = True) -> Report:
    """The waterfall of the contacts owned by `owner_ids` (None: everyone's) from `first`'s month to
    `last`'s, with each of `owners` apart (none: the total alone). Not `stored`: summed from the
    periods on the spot rather than from each owner's stored rows (`movements_store`)."""
    from subscriptions.movements_store import fresh_sums

    first, last = first.replace(day=1), last.replace(day=1)
    if stored:
        sums = fresh_sums(owner_ids, first=first, last=last, by_owner=bool(owners))
    else:
        sums = read_sums(*monthly_sql(owner_ids), first=first, last=last, by_owner=bool(owners))
    return assemble(sums, owners, first=first, last=last, today=today, currency=currency)


def assemble(sums: list[tuple], owners: list, *, first, last, today, currency) -> Report:
    """The report from `read_sums`' rows: each month's opening is the one before's closing."""
    months = months_between(first, last)
    ahead_from = add_months(today.replace(day=1), 1)
    before: dict[str, Totals] = {}
    moves: dict[tuple[str, datetime.date], Totals] = {}
    by_owner: dict[tuple[int, str], Totals] = {}
    for owner_id, code, bucket, *amounts in sums:
        amounts = amounts[:len(SUMS)]
        if owner_id is not None:  # an owner's range ("true") or the months before it ("false")
            totals = by_owner.setdefault((owner_id, code), Totals())
            if bucket == "true":
                totals.add(amounts)
            else:
                totals.opening += Totals(moves=dict(zip(SUMS, amounts, strict=True))).closing
        elif bucket is None:
            before.setdefault(code, Totals()).add(amounts)
        else:
            moves.setdefault((code, datetime.date.fromisoformat(bucket)), Totals()).add(amounts)
    codes = {code for code, _ in moves} | {code for code, totals in before.items() if totals.closing}
    sections = []
    for code in [currency, *sorted(codes - {currency})]:
        opening = before[code].closing if code in before else ZERO
        rows, total = [], Totals(opening=opening)
        for month in months:
            moved = moves.get((code, month))
            row = Month(opening=opening, month=month, ahead=month >= ahead_from,
                        moves=dict.fromkeys(MOVEMENTS, ZERO) if moved is None else moved.moves)
            if moved is not None:
                total.add(moved.moves.values())
            rows.append(row)
            opening = row.closing
        shown = [(owner, by_owner.get((owner.pk, code), Totals())) for owner in owners]
        sections.append(Section(code, code == currency, rows, total,
                                [(owner, totals) for owner, totals in shown if code == currency or not totals.is_zero]))
    converted = converted_section(sums, owners, offset=len(SUMS), months=months, ahead_from=ahead_from,
                                  shown_currencies=[section.currency for section in sections])
    return Report(first, last, today, sections, converted)


# The contacts behind a figure -------------------------------------------------------------------

FIGURES = ("opening", *MOVEMENTS, "closing")


def contacts_in(figure: str, currency: str | None, first: datetime.date, last: datetime.date) -> QuerySet:
    """The ids of the contacts whose periods make up `figure` in `currency` (None: in every currency,
    a converted figure) from `first`'s month to `last`'s (a month's figure: the same month twice):
    the opening's are those running on the day before `first`, the closing's those running on
    `last`'s last day; a movement's, those whose periods start (or, churn, stop running) in those
    months with that movement, as `monthly_sql` counts them (tests hold the two equal); the
    exchange rate's, those whose periods start in them converted at another rate than the period
    they follow (`movements_converted`)."""
    first, last = first.replace(day=1), month_end(last)
    periods = Period.objects.all() if currency is None else Period.objects.filter(currency=currency)
    if figure in ("opening", "closing"):
        day = first - datetime.timedelta(days=1) if figure == "opening" else last
        return periods.current(on=day).values("contact_id")
    if figure == "churn":
        # stops running from first..last: ends the day before
        periods = periods.filter(end_date__gte=first - datetime.timedelta(days=1), end_date__lt=last)
        return period_movements(periods, neighbours=neighbours_by_subquery()).filter(churns=True).values("contact_id")
    periods = periods.filter(start_date__gte=first, start_date__lte=last)
    periods = period_movements(periods, neighbours=neighbours_by_subquery())
    if figure == "exchange_rate":
        return rerated(periods).values("contact_id")
    return periods.filter(tag=figure).values("contact_id")
