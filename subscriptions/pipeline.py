"""Pipeline MRR: from each contact's current MRR to its next known MRR, per owner and currency.

A contact's position is read from its subscription figures (`summary.with_figures`); the report
adds up each owner's groups of alike contacts, stored per owner (`pipeline_store`).
Its next MRR is the upcoming period's when one is known, 0 when the current period ends and
nothing follows, and the current MRR otherwise. The step from one to the other is split into
movements so that, for every owner and currency,

    upcoming = current + new + expansion + reactivation - contraction - churn

exactly. Amounts are only ever added within one currency. Beside them, each owner's and the
team's current and upcoming MRR are also given converted into the reporting currency
(`conversion`), each contact's period at the rate in force on its start, or with the currencies
that lack a rate (`ConvertedMRR`).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import BooleanField, Case, Count, ExpressionWrapper, F, Max, Min, Q, Sum, Value, When, Window
from django.db.models.functions import Rank

from crm.fields import ConvertedTotal
from subscriptions.conversion import converted_expression, reporting_currency_expression
from subscriptions.models import Direction
from subscriptions.queries import ends_within_q, has_periods
from subscriptions.summary import with_figures

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
    # Its current and upcoming MRR converted into `converted_into` (of the contacts that had a rate),
    # and the earliest start of a period that had none.
    converted_into: str | None = None
    current_converted: Decimal | None = None
    current_unrated: datetime.date | None = None
    upcoming_converted: Decimal | None = None
    upcoming_unrated: datetime.date | None = None

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


@dataclass
class Totals:
    current: Decimal = ZERO
    upcoming: Decimal = ZERO
    moves: dict = field(default_factory=lambda: dict.fromkeys(MOVEMENTS, ZERO))
    ending: dict = field(default_factory=lambda: dict.fromkeys(ENDING_WINDOWS, ZERO))
    contacts: int = 0

    def add(self, position: Group, today: datetime.date, currency: str) -> None:
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


@dataclass
class ConvertedMRR:
    """Current and upcoming MRR (the next known MRR, as `next_mrr` gives it) converted into the
    reporting currency, over groups of every currency."""

    current: ConvertedTotal
    upcoming: ConvertedTotal

    @classmethod
    def into(cls, currency: str) -> "ConvertedMRR":
        return cls(ConvertedTotal(currency), ConvertedTotal(currency))

    def add(self, group: Group) -> None:
        if group.current_mrr is not None:
            self.current.add(group.current_currency, group.current_converted, group.current_unrated)
        if group.upcoming_mrr is not None:
            self.upcoming.add(group.upcoming_currency, group.upcoming_converted, group.upcoming_unrated)
        elif group.current_mrr is not None and not group.has_end:  # nothing upcoming: it goes on
            self.upcoming.add(group.current_currency, group.current_converted, group.current_unrated)

    @property
    def adds_information(self) -> bool:
        return self.current.adds_information or self.upcoming.adds_information


def currencies_of(position: Position) -> set[str]:
    return {c for c in (position.current_currency, position.upcoming_currency) if c}


FIGURES = (
    "current_mrr", "current_currency", "current_end", "upcoming_mrr", "upcoming_currency", "upcoming_start",
)


def position_figures(contacts, *, today: datetime.date, fresh: bool, extra: tuple[str, ...] = ()):
    """`contacts` with a period, annotated with FIGURES, `upcoming_direction` and `had_earlier`
    (and the `extra` figures)."""
    with_periods = contacts.filter(subscription_summary__isnull=False) if fresh else contacts.filter(has_periods())
    return with_figures(with_periods, (*FIGURES, "upcoming_direction", "had_earlier", *extra), today=today, fresh=fresh)


def _position(values: list, direction: str | None, had_earlier: bool) -> Position:
    return Position(*values, ending=direction == Direction.ENDING, had_earlier=had_earlier)


GROUP_KEYS = ("owner_id", "current_currency", "upcoming_currency", "has_end", "upcoming_direction", "had_earlier",
              "ending_days")
# Each group's current and upcoming MRR summed, its size, and the same MRR converted (`Group`).
SUMS = ("current", "upcoming", "contacts",
        "converted_into", "current_converted", "current_unrated", "upcoming_converted", "upcoming_unrated")


def _unrated(amount: str, converted: str, start: str):
    """The earliest start among the rows with an amount but no converted amount (no rate)."""
    return Min(Case(When(**{f"{amount}__isnull": False, f"{converted}__isnull": True}, then=F(start))))


def grouped(contacts, *, today: datetime.date, fresh: bool):
    """`contacts` grouped by GROUP_KEYS, with their MRR summed and counted, and converted into the
    reporting currency: one GROUP BY (a values queryset, which `pipeline_store` also writes
    straight into its table)."""
    rows = position_figures(contacts, today=today, fresh=fresh, extra=("current_start",)).annotate(
        has_end=ExpressionWrapper(Q(current_end__isnull=False), output_field=BooleanField()),
        ending_days=Case(*(When(ends_within_q(days, today), then=Value(days)) for days in ENDING_WINDOWS)),
        current_in=converted_expression("current_mrr", "current_currency", "current_start"),
        upcoming_in=converted_expression("upcoming_mrr", "upcoming_currency", "upcoming_start"),
    )
    return rows.order_by().values(*GROUP_KEYS).annotate(
        current=Sum("current_mrr"), upcoming=Sum("upcoming_mrr"), contacts=Count("pk"),
        converted_into=Max(reporting_currency_expression()),
        current_converted=Sum("current_in"), current_unrated=_unrated("current_mrr", "current_in", "current_start"),
        upcoming_converted=Sum("upcoming_in"), upcoming_unrated=_unrated("upcoming_mrr", "upcoming_in", "upcoming_start"),
    )


def group_of(row: dict) -> Group:
    return Group(
        current_mrr=row["current"], current_currency=row["current_currency"], has_end=row["has_end"],
        upcoming_mrr=row["upcoming"], upcoming_currency=row["upcoming_currency"],
        ending=row["upcoming_direction"] == Direction.ENDING, had_earlier=row["had_earlier"],
        ending_days=row["ending_days"], count=row["contacts"], converted_into=row["converted_into"],
        current_converted=row["current_converted"], current_unrated=row["current_unrated"],
        upcoming_converted=row["upcoming_converted"], upcoming_unrated=row["upcoming_unrated"],
    )


def ending_first(contacts, *, today: datetime.date, fresh: bool):
    """`contacts` ending within the widest window, each with its `rank` among its owner's by end date
    (ties share one): the first ENDING_SHOWN of each owner hold the first of any set of owners."""
    ranked = Window(Rank(), partition_by=F("owner_id"), order_by=F("current_end").asc())
    return (position_figures(contacts, today=today, fresh=fresh).filter(ends_within_q(ENDING_WINDOWS[-1], today))
            .annotate(rank=ranked).order_by().values("owner_id", "pk", "rank"))


def ending_soon(contacts, *, today: datetime.date, fresh: bool, limit: int):
    """(contact id, name, owner id, Position) of the `limit` contacts whose subscription ends soonest."""
    rows = (
        position_figures(contacts, today=today, fresh=fresh)
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
    # Each owner's and the team's MRR in the reporting currency (None: no group was converted, or
    # groups converted into two currencies, the reporting currency changing as the report was read).
    converted: dict = field(default_factory=dict)  # {owner id: ConvertedMRR}
    team_converted: ConvertedMRR | None = None

    def converted_rows(self) -> list[dict] | None:
        """Each owner's MRR in the reporting currency and the team's, when it says more than the
        per-currency tables (some MRR is in another currency); None otherwise."""
        team = self.team_converted
        if team is None or not team.adds_information:
            return None
        empty = ConvertedMRR.into(team.current.currency)
        return [{"owner": owner, "mrr": self.converted.get(owner.pk, empty)} for owner, _ in self.owners]

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


def build_report(owner_ids: list[int] | None, owners, *, currency: str, today: datetime.date,
                 stored: bool = True) -> Report:
    """The pipeline of the contacts owned by `owner_ids` (None: everyone's), with a row for each
    of `owners`; the totals count every owner's contacts, listed or not. Not `stored`: added up
    from the periods rather than read from each owner's stored rows (`pipeline_store`), for a
    report as of another day than today."""
    from subscriptions.pipeline_store import ending_candidates, owner_groups

    fresh, groups = owner_groups(owner_ids, today=today, stored=stored)
    by_owner: dict = defaultdict(dict)
    team: dict = {}
    ending_count = 0
    into = {group.converted_into for _, group in groups}
    into = into.pop() if len(into) == 1 else None
    converted: dict = {}
    team_converted = ConvertedMRR.into(into) if into else None
    for owner_id, group in groups:
        for code in currencies_of(group):
            by_owner[owner_id].setdefault(code, Totals()).add(group, today, code)
            team.setdefault(code, Totals()).add(group, today, code)
        if team_converted is not None:
            converted.setdefault(owner_id, ConvertedMRR.into(into)).add(group)
            team_converted.add(group)
        if group.ends_within(ENDING_WINDOWS[-1], today):
            ending_count += group.count
    team.setdefault(currency, Totals())
    return Report(
        currency=currency,
        owners=[(owner, by_owner.get(owner.pk, {})) for owner in owners],
        team=team,
        ending_soon=ending_soon(ending_candidates(owner_ids, stored=stored), today=today, fresh=fresh, limit=ENDING_SHOWN)
        if ending_count else [],
        ending_count=ending_count,
        converted=converted,
        team_converted=team_converted,
    )


def report_for(user, *, day: datetime.date, today: datetime.date) -> Report:
    """The report `user` reads as of `day` (the page's and the API's): the contacts of the owners
    they may see, a row for each owner they may assign, in name order; today's from the stored
    groups, another day's added up from the periods."""
    from django.conf import settings

    from crm.models import assignable_owners, visible_owner_ids

    owners = list(assignable_owners(user).order_by("first_name", "last_name", "username"))
    return build_report(visible_owner_ids(user), owners, currency=settings.CRM_CURRENCY, today=day, stored=day == today)
