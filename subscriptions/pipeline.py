"""Pipeline MRR: from each contact's current MRR to its next known MRR, per owner and currency.

A contact's position is read from the subscription annotations (`queries.with_subscription`).
Its next MRR is the upcoming period's when one is known, 0 when the current period ends and
nothing follows, and the current MRR otherwise. The step from one to the other is split into
movements so that, for every owner and currency,

    upcoming = current + new + expansion + reactivation - contraction - churn

exactly. Amounts are only ever added within one currency.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import BooleanField, Case, Count, Exists, ExpressionWrapper, OuterRef, Q, Sum, Value, When

from subscriptions.models import Direction, Period
from subscriptions.queries import ends_within_q, has_periods, with_subscription
from subscriptions.summary import run_is_recorded, with_stored_subscription

ZERO = Decimal("0.00")
MOVEMENTS = ("new", "expansion", "reactivation", "contraction", "churn")
ENDING_WINDOWS = (30, 60, 90)
ENDING_SHOWN = 50  # the soonest of them are listed; a team's hundreds more would be a page no one reads


@dataclass(frozen=True)
class Position:
    current_mrr: Decimal | None
    current_currency: str | None
    current_end: datetime.date | None
    upcoming_mrr: Decimal | None
    upcoming_currency: str | None
    upcoming_start: datetime.date | None
    # The current period ends and nothing follows it directly: the MRR status "ending", read from
    # the query (`queries.ending_q`), the one definition of ending.
    ending: bool
    had_earlier: bool  # a period ended before today (decides new business vs reactivation)
    count = 1

    @property
    def has_end(self) -> bool:
        return self.current_end is not None

    def ends_within(self, days: int, today: datetime.date) -> bool:
        return ends_within(self, days, today)


@dataclass(frozen=True)
class Group:
    """The contacts of one owner that take the same path through `movements`, their MRR summed.

    Every branch `movements`, `next_mrr` and `Totals.add` take depends only on the currencies, the
    MRR status (new, ending, up, down, same, a currency change), whether the current period has an
    end, whether an earlier one ended and which ending window it falls in: contacts alike in all
    of these move by the sum of their amounts, so the database adds them up."""

    current_mrr: Decimal | None
    current_currency: str | None
    has_end: bool
    upcoming_mrr: Decimal | None
    upcoming_currency: str | None
    ending: bool
    had_earlier: bool
    ending_days: int | None  # the smallest of ENDING_WINDOWS it ends within, if any
    count: int

    def ends_within(self, days: int, today: datetime.date) -> bool:
        return self.ending_days is not None and self.ending_days <= days


def movements(position: Position) -> list[tuple[str, str, Decimal]]:
    """(currency, movement, amount >= 0) steps from current to next MRR."""
    p = position
    if p.current_mrr is None:
        if p.upcoming_mrr is None:
            return []
        return [(p.upcoming_currency, "reactivation" if p.had_earlier else "new", p.upcoming_mrr)]
    if p.ending:
        # Out when it ends; when it comes back after a gap, in again as a reactivation.
        back = [] if p.upcoming_mrr is None else [(p.upcoming_currency, "reactivation", p.upcoming_mrr)]
        return [(p.current_currency, "churn", p.current_mrr), *back]
    if p.upcoming_mrr is None:
        return []  # open-ended
    if p.upcoming_currency != p.current_currency:
        # Amounts in two currencies are never compared: out in one, new business in the other.
        return [(p.current_currency, "churn", p.current_mrr), (p.upcoming_currency, "new", p.upcoming_mrr)]
    if p.upcoming_mrr > p.current_mrr:
        return [(p.current_currency, "expansion", p.upcoming_mrr - p.current_mrr)]
    if p.upcoming_mrr < p.current_mrr:
        return [(p.current_currency, "contraction", p.current_mrr - p.upcoming_mrr)]
    return []


def next_mrr(position: Position) -> tuple[str, Decimal] | None:
    """(currency, MRR) after the next known change; None when there is nothing."""
    p = position
    if p.upcoming_mrr is not None:
        return p.upcoming_currency, p.upcoming_mrr
    if p.current_mrr is not None and not p.has_end:
        return p.current_currency, p.current_mrr
    return None


def ends_within(position: Position, days: int, today: datetime.date) -> bool:
    """Ending (`Position.ending`) on a day within `days` days of today, today included."""
    p = position
    return p.ending and today <= p.current_end <= today + datetime.timedelta(days=days)


@dataclass
class Totals:
    current: Decimal = ZERO
    upcoming: Decimal = ZERO
    moves: dict = field(default_factory=lambda: dict.fromkeys(MOVEMENTS, ZERO))
    ending: dict = field(default_factory=lambda: dict.fromkeys(ENDING_WINDOWS, ZERO))
    contacts: int = 0

    def add(self, position: Position | Group, today: datetime.date, currency: str) -> None:
        counted = False
        if position.current_mrr is not None and position.current_currency == currency:
            self.current += position.current_mrr
            counted = True
            for days in ENDING_WINDOWS:
                if position.ends_within(days, today):
                    self.ending[days] += position.current_mrr
        after = next_mrr(position)
        if after is not None and after[0] == currency:
            self.upcoming += after[1]
            counted = True
        for move_currency, kind, amount in movements(position):
            if move_currency == currency:
                self.moves[kind] += amount
        self.contacts += position.count if counted else 0

    def merge(self, other: "Totals") -> None:
        self.current += other.current
        self.upcoming += other.upcoming
        self.contacts += other.contacts
        for kind in MOVEMENTS:
            self.moves[kind] += other.moves[kind]
        for days in ENDING_WINDOWS:
            self.ending[days] += other.ending[days]

    @property
    def reconciles(self) -> bool:
        m = self.moves
        change = m["new"] + m["expansion"] + m["reactivation"] - m["contraction"] - m["churn"]
        return self.current + change == self.upcoming


def currencies_of(position: Position) -> set[str]:
    return {c for c in (position.current_currency, position.upcoming_currency) if c}


FIGURES = (
    "current_mrr", "current_currency", "current_end", "upcoming_mrr", "upcoming_currency", "upcoming_start",
)


def _figures(contacts, *, today: datetime.date):
    """`contacts` with a period, annotated with FIGURES, `upcoming_direction` and `had_earlier`.

    While today's refresh of the stored summaries is recorded (`subscriptions.summary`) the figures
    come from them through one join, and from the definitions for any row that is not as of today;
    otherwise from the definitions, eight subqueries a contact (a manager's team at a million
    contacts: ~650 ms a pipeline)."""
    if run_is_recorded(today):
        rows = with_stored_subscription(contacts.filter(subscription_summary__isnull=False), today=today)
    else:
        rows = with_subscription(contacts, on=today).filter(has_periods())
    return rows.annotate(had_earlier=Exists(Period.objects.filter(contact=OuterRef("pk"), end_date__lt=today)))


def _position(values: list, direction: str | None, had_earlier: bool) -> Position:
    return Position(*values, ending=direction == Direction.ENDING, had_earlier=had_earlier)


def positions(contacts, *, today: datetime.date):
    """(owner id, contact id, contact name, Position) for every contact of `contacts` with a period."""
    rows = _figures(contacts, today=today).order_by()
    for owner_id, pk, name, *values, direction, had_earlier in rows.values_list(
        "owner_id", "pk", "name", *FIGURES, "upcoming_direction", "had_earlier"
    ):
        yield owner_id, pk, name, _position(values, direction, had_earlier)


def groups(contacts, *, today: datetime.date):
    """(owner id, Group) for `contacts`: one GROUP BY instead of a row per contact in Python."""
    rows = _figures(contacts, today=today).annotate(
        has_end=ExpressionWrapper(Q(current_end__isnull=False), output_field=BooleanField()),
        ending_days=Case(*(When(ends_within_q(days, today), then=Value(days)) for days in ENDING_WINDOWS)),
    )
    keys = ("owner_id", "current_currency", "upcoming_currency", "has_end", "upcoming_direction", "had_earlier",
            "ending_days")
    rows = rows.order_by().values(*keys).annotate(
        current=Sum("current_mrr"), upcoming=Sum("upcoming_mrr"), contacts=Count("pk")
    )
    for row in rows:
        yield row["owner_id"], Group(
            current_mrr=row["current"], current_currency=row["current_currency"], has_end=row["has_end"],
            upcoming_mrr=row["upcoming"], upcoming_currency=row["upcoming_currency"],
            ending=row["upcoming_direction"] == Direction.ENDING, had_earlier=row["had_earlier"],
            ending_days=row["ending_days"], count=row["contacts"],
        )


def ending_soon(contacts, *, today: datetime.date, limit: int):
    """(contact id, name, owner id, Position) of the `limit` contacts whose subscription ends soonest."""
    rows = (
        _figures(contacts, today=today)
        .filter(ends_within_q(ENDING_WINDOWS[-1], today))
        .order_by("current_end", "name", "pk")
        .values_list("pk", "name", "owner_id", *FIGURES, "upcoming_direction", "had_earlier")[:limit]
    )
    return [(pk, name, owner_id, _position(values, direction, had_earlier))
            for pk, name, owner_id, *values, direction, had_earlier in rows]


@dataclass
class Report:
    currency: str  # the installation's currency, the only one totals are given in by default
    owners: list  # (owner, {currency: Totals})
    team: dict  # {currency: Totals} over every owner
    ending_soon: list  # (contact id, name, owner id, Position), the ENDING_SHOWN soonest first
    ending_count: int  # every contact ending within the widest window

    def sections(self) -> list[dict]:
        """One table per currency, the installation's first; never a total across currencies."""
        sections = []
        for code in [self.currency, *sorted(c for c in self.team if c != self.currency)]:
            rows = [(owner, totals.get(code)) for owner, totals in self.owners]
            if code != self.currency:
                rows = [(owner, row) for owner, row in rows if row is not None]
            sections.append({
                "currency": code,
                "is_main": code == self.currency,
                "rows": [(owner, row or Totals()) for owner, row in rows],
                "total": self.team[code],
            })
        return sections

    def ending(self) -> list[dict]:
        """The ENDING_SHOWN contacts whose subscription ends soonest (the totals count all of them)."""
        names = {owner.pk: owner for owner, _ in self.owners}
        return [
            {"contact_id": pk, "name": name, "owner": names.get(owner_id), "position": position}
            for pk, name, owner_id, position in self.ending_soon
        ]

    @property
    def ending_not_shown(self) -> int:
        return max(self.ending_count - len(self.ending_soon), 0)


def build_report(contacts, owners, *, currency: str, today: datetime.date) -> Report:
    by_owner: dict = defaultdict(dict)
    team: dict = {}
    ending_count = 0
    for owner_id, group in groups(contacts, today=today):
        for code in currencies_of(group):
            by_owner[owner_id].setdefault(code, Totals()).add(group, today, code)
            team.setdefault(code, Totals()).add(group, today, code)
        if group.ends_within(ENDING_WINDOWS[-1], today):
            ending_count += group.count
    team.setdefault(currency, Totals())
    return Report(
        currency=currency,
        owners=[(owner, by_owner.get(owner.pk, {})) for owner in owners],
        team=team,
        ending_soon=ending_soon(contacts, today=today, limit=ENDING_SHOWN) if ending_count else [],
        ending_count=ending_count,
    )
