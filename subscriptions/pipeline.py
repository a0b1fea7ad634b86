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

from django.db.models import Exists, OuterRef

from subscriptions.models import Direction, Period
from subscriptions.queries import has_periods, with_subscription
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
    if p.current_mrr is not None and p.current_end is None:
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

    def add(self, position: Position, today: datetime.date, currency: str) -> None:
        counted = False
        if position.current_mrr is not None and position.current_currency == currency:
            self.current += position.current_mrr
            counted = True
            for days in ENDING_WINDOWS:
                if ends_within(position, days, today):
                    self.ending[days] += position.current_mrr
        after = next_mrr(position)
        if after is not None and after[0] == currency:
            self.upcoming += after[1]
            counted = True
        for move_currency, kind, amount in movements(position):
            if move_currency == currency:
                self.moves[kind] += amount
        self.contacts += counted

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


def positions(contacts, *, today: datetime.date):
    """(owner id, contact id, contact name, Position) for every contact of `contacts` with a period.

    While today's refresh of the stored summaries is recorded (`subscriptions.summary`) the figures
    come from them through one join, and from the definitions for any row that is not as of today;
    otherwise from the definitions, eight subqueries a contact (a manager's team at a million
    contacts: ~650 ms a pipeline)."""
    had_earlier = Exists(Period.objects.filter(contact=OuterRef("pk"), end_date__lt=today))
    if run_is_recorded(today):
        rows = with_stored_subscription(contacts.filter(subscription_summary__isnull=False), today=today)
    else:
        rows = with_subscription(contacts, on=today).filter(has_periods())
    rows = rows.annotate(had_earlier=had_earlier).order_by()
    for owner_id, pk, name, *values, direction, had_earlier_ in rows.values_list(
        "owner_id", "pk", "name", *FIGURES, "upcoming_direction", "had_earlier"
    ):
        yield owner_id, pk, name, Position(*values, ending=direction == Direction.ENDING, had_earlier=had_earlier_)


@dataclass
class Report:
    currency: str  # the installation's currency, the only one totals are given in by default
    owners: list  # (owner, {currency: Totals})
    team: dict  # {currency: Totals} over every owner
    ending_soon: list  # (contact id, name, owner id, Position), soonest first

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
            for pk, name, owner_id, position in self.ending_soon[:ENDING_SHOWN]
        ]

    @property
    def ending_not_shown(self) -> int:
        return max(len(self.ending_soon) - ENDING_SHOWN, 0)


def build_report(contacts, owners, *, currency: str, today: datetime.date) -> Report:
    by_owner: dict = defaultdict(dict)
    team: dict = {}
    ending_soon = []
    for owner_id, pk, name, position in positions(contacts, today=today):
        for code in currencies_of(position):
            by_owner[owner_id].setdefault(code, Totals()).add(position, today, code)
            team.setdefault(code, Totals()).add(position, today, code)
        if ends_within(position, ENDING_WINDOWS[-1], today):
            ending_soon.append((pk, name, owner_id, position))
    team.setdefault(currency, Totals())
    ending_soon.sort(key=lambda item: (item[3].current_end, item[1]))
    return Report(
        currency=currency,
        owners=[(owner, by_owner.get(owner.pk, {})) for owner in owners],
        team=team,
        ending_soon=ending_soon,
    )
