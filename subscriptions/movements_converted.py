"""MRR movements converted into the reporting currency: every currency's waterfall as one whole.

Each period's MRR is converted once, at the rate in force on its start date (`conversion`'s rule:
`convert(mrr, currency, start)`, half up to cents), and keeps that converted amount for as long as
it runs. So the converted MRR running on a day is the sum of the converted MRR of the periods
running on it, and it changes only where a period starts or stops running, as the per-currency
MRR does. Those changes are split into the movements, by the same tags, and an **exchange-rate**
movement of their own:

- new business, reactivation: the period's converted MRR; churn: the ending period's converted
  MRR (at its own start's rate). A currency change is churn in the old currency and new business
  in the new one, each at its own rate, as the tags have it.
- a period that follows the one before it the next day in the same currency (expansion,
  contraction, renewal; `previous`), converted at `rate` while `previous` was at `previous_rate`:

      expansion   = convert(mrr, rate) - convert(previous mrr, rate)          (>= 0)
      contraction = convert(previous mrr, rate) - convert(mrr, rate)          (>= 0)
      exchange rate = convert(previous mrr, rate) - convert(previous mrr, previous_rate)

  The tags still compare amounts within the currency (a renewal moves nothing but the exchange
  rate; the same rate moves no exchange rate), and the three add up, to the cent, to what the
  converted MRR running changes by: convert(mrr, rate) - convert(previous mrr, previous_rate).

Every figure is a sum of amounts each rounded once, so, to the cent, every month:

    closing = opening + new + expansion + reactivation - contraction - churn + exchange rate
            = the converted MRR of the periods running on its last day = the next month's opening

**A missing rate is said, never guessed.** A period in a currency with no rate in force on its
start date has no converted MRR: every month from the one it starts in to the one it stops running
in (for ever, if it never ends) has none either, and says which currency lacks a rate from which
day instead (the earliest such start of that currency: a rate from that day on converts them all).
The months before and after it are whole: the known parts of the movements it takes part in are
kept (`unrated_rest`), so they still add up to the right opening once it has stopped running.

What is stored, per owner, month and currency, beside the movements (`movements.monthly_sql`,
`OwnerMovementMonth`): the converted movements of the periods whose rates are all known, the
exchange-rate movement, and for periods without a rate how many start and stop running, the
earliest start, and the known rest. They are converted at one `ReportingCurrency.rates_revision`
(`OwnerMovements.rates_revision`): after any change of a rate or of the reporting currency, a
report recomputes them (`movements_store`).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q, QuerySet

from subscriptions.conversion import rate_expression, rate_sql, reporting_currency_sql
from subscriptions.models import Tag

ZERO = Decimal("0.00")
MOVEMENTS = ("new", "expansion", "reactivation", "contraction", "churn")
CONVERTED_MOVEMENTS = (*MOVEMENTS, "exchange_rate")
GAINS = ("new", "expansion", "reactivation")
LOSSES = ("contraction", "churn")
# Tags of a period that follows the one before it the next day in the same currency.
FOLLOWING = (Tag.EXPANSION, Tag.CONTRACTION, Tag.RENEWAL)

# The stored columns beside the movements (`OwnerMovementMonth`), in the order `monthly_sql` gives them.
STORED = ("converted_into", *(f"{name}_converted" for name in CONVERTED_MOVEMENTS),
          "unrated_starts", "unrated_ends", "unrated_from", "unrated_rest")
# What `read_sums` reads of them, in its order, after the movements: how each is added up.
READ = (("MIN", "converted_into"), ("MAX", "converted_into"),
        *(("SUM", f"{name}_converted") for name in CONVERTED_MOVEMENTS),
        ("SUM", "unrated_starts"), ("SUM", "unrated_ends"), ("MIN", "unrated_from"), ("SUM", "unrated_rest"))


def _tags(tags) -> str:
    return ", ".join(f"'{tag}'" for tag in tags)


def rated_sql(periods_sql: str, periods_params, columns: tuple[str, ...]) -> tuple[str, list]:
    """SQL of the per-period rows `periods_sql` (named `columns`, among them currency, mrr,
    start_date, tag, previous_mrr and previous_start) with, beside them: `code` (the reporting
    currency, read in the statement), `rate` (on the start date; null: none), `follows`, and the
    converted amounts `conv` (the MRR), `previous_at_rate` (the previous period's MRR at this one's
    rate) and `previous_conv` (the previous period's MRR at its own rate)."""
    reporting, params = reporting_currency_sql()
    rate = rate_sql("x.currency", "x.start_date", "reporting.code")
    previous_rate = rate_sql("x.currency", "x.previous_start", "reporting.code")
    return (
        f"SELECT r.*, ROUND(r.mrr * r.rate, 2) AS conv, ROUND(r.previous_mrr * r.rate, 2) AS previous_at_rate, "
        f"ROUND(r.previous_mrr * r.previous_rate, 2) AS previous_conv FROM ("
        f"SELECT x.*, reporting.code, x.tag IN ({_tags(FOLLOWING)}) AS follows, {rate} AS rate, "
        f"CASE WHEN x.tag IN ({_tags(FOLLOWING)}) THEN {previous_rate} END AS previous_rate "
        f"FROM ({periods_sql}) AS x ({', '.join(columns)}) CROSS JOIN (SELECT {reporting}) AS reporting (code)"
        f") AS r",
        [*periods_params, *params],
    )


def event_columns() -> tuple[str, str]:
    """(the converted columns of a period's start event, of its end event), as SQL over a row of
    `rated_sql` named `p`, for `movements.monthly_sql`'s VALUES: (converted amount of its movement,
    exchange rate, unrated rest, unrated start, unrated end, unrated from)."""
    known = "(p.rate IS NOT NULL AND (NOT p.follows OR p.previous_rate IS NOT NULL))"
    moved = (f"CASE p.tag WHEN '{Tag.NEW}' THEN p.conv WHEN '{Tag.REACTIVATION}' THEN p.conv "
             f"WHEN '{Tag.EXPANSION}' THEN p.conv - p.previous_at_rate "
             f"WHEN '{Tag.CONTRACTION}' THEN p.previous_at_rate - p.conv ELSE 0 END")
    start = (
        f"CASE WHEN {known} THEN {moved} ELSE 0 END, "
        f"CASE WHEN {known} AND p.follows THEN p.previous_at_rate - p.previous_conv ELSE 0 END, "
        f"CASE WHEN {known} THEN 0 ELSE COALESCE(p.conv, 0) "
        f"- CASE WHEN p.follows THEN COALESCE(p.previous_conv, 0) ELSE 0 END END, "
        f"(p.rate IS NULL)::int, 0, CASE WHEN p.rate IS NULL THEN p.start_date END"
    )
    # churn at the ending period's own rate; a period followed the next day moves nothing here
    # (the next one's start carries it), but its stopping still counts when it had no rate
    end = "CASE WHEN p.churns THEN COALESCE(p.conv, 0) ELSE 0 END, 0, 0, 0, (p.rate IS NULL)::int, NULL::date"
    return start, end


def event_sums(kinds: tuple[str, ...]) -> str:
    """SQL of STORED's sums over the events `e` grouped by owner, month and currency."""
    converted = ", ".join(f"COALESCE(SUM(e.converted) FILTER (WHERE e.kind = '{kind}'), 0)" for kind in kinds)
    return (f"MIN(p.code), {converted}, COALESCE(SUM(e.exchange), 0), SUM(e.unrated_start), SUM(e.unrated_end), "
            f"MIN(e.unrated_from), COALESCE(SUM(e.rest), 0)")


def rerated(periods: QuerySet) -> QuerySet:
    """Those of `periods` (annotated by `movements.period_movements`) that follow the one before
    them and are converted at another rate than it: what makes an exchange-rate movement (a
    period in the reporting currency never is; one whose rate is missing is not known to be)."""
    rated = periods.filter(tag__in=FOLLOWING).annotate(
        rate=rate_expression("currency", "start_date"), previous_rate=rate_expression("currency", "previous_start"))
    return rated.filter(Q(rate__lt=F("previous_rate")) | Q(rate__gt=F("previous_rate")))


# The report's converted section ------------------------------------------------------------------


@dataclass
class Converted:
    """Figures in the reporting currency, from an opening to a closing; while a rate is missing
    (`missing`: {currency: the earliest day a rate is missing on}) they are not known."""

    opening: Decimal = ZERO
    moves: dict = field(default_factory=lambda: dict.fromkeys(CONVERTED_MOVEMENTS, ZERO))
    missing: dict = field(default_factory=dict)

    @property
    def closing(self) -> Decimal:
        return (self.opening + sum(self.moves[g] for g in GAINS) - sum(self.moves[loss] for loss in LOSSES)
                + self.moves["exchange_rate"])

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def missing_rates(self) -> list[tuple[str, datetime.date]]:
        """(currency, the earliest day without a rate in force), A to Z."""
        return sorted(self.missing.items())

    def add(self, moves: dict) -> None:
        for name, amount in moves.items():
            self.moves[name] += amount


@dataclass
class ConvertedMonth(Converted):
    month: datetime.date = datetime.date.min
    ahead: bool = False


@dataclass
class ConvertedSection:
    currency: str  # the reporting currency
    months: list[ConvertedMonth]
    total: Converted
    owners: list  # (owner, Converted) over the range
    currencies: list[str]  # the other currencies converted into it, A to Z
    # The stored rows were converted into more than one currency (the reporting currency changed
    # while the report was read): nothing is shown converted, the page says to read it again.
    mixed: bool = False

    @property
    def to_date(self) -> list[ConvertedMonth]:
        return [month for month in self.months if not month.ahead]

    @property
    def ahead(self) -> list[ConvertedMonth]:
        return [month for month in self.months if month.ahead]

    @property
    def complete(self) -> bool:
        return self.total.complete and all(totals.complete for _, totals in self.owners)


@dataclass
class _Sums:
    """A group of stored rows of one currency added up (`READ` after the movements)."""

    moves: dict = field(default_factory=lambda: dict.fromkeys(CONVERTED_MOVEMENTS, ZERO))
    starts: int = 0
    ends: int = 0
    rest: Decimal = ZERO

    def add(self, values) -> None:
        *amounts, starts, ends, _from, rest = values
        for name, amount in zip(CONVERTED_MOVEMENTS, amounts, strict=True):
            self.moves[name] += amount
        self.starts += starts
        self.ends += ends
        self.rest += rest

    @property
    def net(self) -> Decimal:
        """What the converted MRR running changed by, of what is known."""
        moves = self.moves
        return (sum(moves[g] for g in GAINS) - sum(moves[loss] for loss in LOSSES) + moves["exchange_rate"]
                + self.rest)


def converted_section(sums: list[tuple], owners: list, *, offset: int, months: list[datetime.date],
                      ahead_from: datetime.date, shown_currencies: list[str]) -> ConvertedSection | None:
    """The converted section from `read_sums`' rows (READ's columns from `offset` on); None when it
    would add nothing to the per-currency sections (`shown_currencies`: every one is the reporting
    currency) or there is nothing converted at all."""
    # which currencies the rows were converted into, first: most reports need nothing more
    into = {code for row in sums for code in row[3 + offset:5 + offset] if code is not None}
    if len(into) > 1:
        return ConvertedSection("", [], Converted(), [], [], mixed=True)
    if not into or set(shown_currencies) <= into:
        return None
    earliest: dict[str, datetime.date] = {}
    before: dict[str, _Sums] = {}
    by_month: dict[tuple[str, datetime.date], _Sums] = {}
    owner_before: dict[tuple[int, str], _Sums] = {}
    owner_range: dict[tuple[int, str], _Sums] = {}
    for owner_id, code, bucket, *values in sums:
        rest = values[offset + 2:]  # after the currencies converted into
        if rest[-2] is not None:
            earliest[code] = min(earliest.get(code, rest[-2]), rest[-2])
        if owner_id is not None:
            (owner_range if bucket == "true" else owner_before).setdefault((owner_id, code), _Sums()).add(rest)
        elif bucket is None:
            before.setdefault(code, _Sums()).add(rest)
        else:
            by_month.setdefault((code, datetime.date.fromisoformat(bucket)), _Sums()).add(rest)
    reporting = next(iter(into))
    codes = sorted({code for code in before} | {code for code, _ in by_month})

    rows = []
    opening = sum((before[code].net for code in before), ZERO)
    started = {code: before[code].starts if code in before else 0 for code in codes}
    ended = {code: before[code].ends if code in before else 0 for code in codes}
    for month in months:
        row, net = ConvertedMonth(opening=opening, month=month, ahead=month >= ahead_from), ZERO
        for code in codes:
            moved = by_month.get((code, month))
            if moved is not None:
                row.add(moved.moves)
                net += moved.net
                started[code] += moved.starts
            if started[code] > ended[code]:  # a period without a rate runs, starts or stops in it
                row.missing[code] = earliest[code]
            if moved is not None:
                ended[code] += moved.ends
        rows.append(row)
        opening += net
    total = Converted(opening=rows[0].opening if rows else ZERO)
    for row in rows:
        total.add(row.moves)
        total.missing.update(row.missing)

    shown = []
    for owner in owners:
        totals = Converted()
        for code in codes:
            earlier, during = owner_before.get((owner.pk, code), _Sums()), owner_range.get((owner.pk, code), _Sums())
            totals.opening += earlier.net
            totals.add(during.moves)
            if earlier.starts - earlier.ends + during.starts > 0:
                totals.missing[code] = earliest[code]
        shown.append((owner, totals))
    return ConvertedSection(reporting, rows, total, shown, sorted(set(shown_currencies) - {reporting}))
