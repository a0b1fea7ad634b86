"""What the contact page's subscription widget shows, read in two queries whatever the history.

Which period is current, which is upcoming and the MRR status come from the contact's
subscription figures (`summary.figures_of`): its stored row, read by key, when that row is as of
today, else the definitions (`queries`) that lists read too. The row is written from the
same definitions in the transaction of every period write, so the widget and a list can never
disagree about them. A contact without periods needs neither.

Rendering ten years of monthly periods (a table row and a chart point each) costs far more than
reading them, so the template caches those two fragments under `Subscription.fingerprint`: a
digest of every value they show and of what renders them (`RENDERING`). Any change to a period,
a new day, or a release that changes those templates or the date formats, is a new key; a stale
fragment cannot be served, and nothing has to be invalidated. The month-by-month history and the
chart are computed only when a fragment is missing (`months` is lazy).
"""

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from crm.models import Contact
from subscriptions.history import Month, chart, monthly_mrr
from subscriptions.models import Direction, Period, Tag
from subscriptions.money import accrued
from subscriptions.summary import figures_of


@dataclass(frozen=True)
class Row:
    period: Period
    tag: str
    is_current: bool
    is_upcoming: bool

    @property
    def tag_label(self) -> str:
        return Tag(self.tag).label


@dataclass(frozen=True)
class Subscription:
    contact: Contact
    today: datetime.date
    rows: list[Row]
    current: Period | None
    upcoming: Period | None
    upcoming_tag: str | None
    direction: str | None

    @property
    def periods(self) -> list[Period]:
        return [row.period for row in self.rows]

    @property
    def last(self) -> Period | None:
        return self.rows[-1].period if self.rows else None

    @property
    def arr(self) -> Decimal | None:
        return self.current.arr if self.current else None

    @property
    def remaining_value(self) -> Decimal | None:
        return self.current.remaining_value(self.today) if self.current else None

    @property
    def accrued(self) -> dict[str, Decimal]:
        return accrued(self.periods, self.today)

    @property
    def upcoming_tag_label(self) -> str | None:
        return Tag(self.upcoming_tag).label if self.upcoming_tag else None

    @property
    def direction_label(self) -> str | None:
        return Direction(self.direction).label if self.direction else None

    @property
    def is_ending(self) -> bool:
        return self.direction == Direction.ENDING

    @cached_property
    def months(self) -> list[Month]:
        return monthly_mrr(self.periods, self.today)

    @cached_property
    def chart(self):
        return chart(self.months)

    @cached_property
    def fingerprint(self) -> str:
        """A digest of everything the periods table and the chart show: their cache key."""
        shown = [
            (p.pk, p.version, p.start_date, p.end_date, p.mrr, p.currency, p.price, p.billing_frequency,
             p.billing_every_months, p.description, row.tag, row.is_current, row.is_upcoming)
            for row in self.rows
            for p in [row.period]
        ]
        return hashlib.sha256(repr((RENDERING, self.contact.pk, self.today, shown)).encode()).hexdigest()


def _rendering_digest() -> str:
    """The sources the cached fragments are rendered from: their templates and the date formats."""
    root = Path(__file__).resolve().parent.parent
    sources = [*sorted((root / "subscriptions/templates/subscriptions").glob("*.html")),
               *sorted((root / "crm/language_formats").glob("*/formats.py"))]
    return hashlib.sha256(b"".join(path.read_bytes() for path in sources)).hexdigest()


RENDERING = _rendering_digest()


def tagged(periods: list[Period]) -> list[tuple[Period, str]]:
    """Each period with its tag against the one before it; `periods` sorted by start date."""
    return [(period, period.tag_against(periods[i - 1] if i else None)) for i, period in enumerate(periods)]


FIGURES = ("current_start", "upcoming_start", "upcoming_direction")
NO_FIGURES = dict.fromkeys(FIGURES)


def subscription_of(contact: Contact, *, today: datetime.date) -> Subscription:
    periods = list(Period.objects.for_contact(contact))
    figures = figures_of(contact.pk, FIGURES, today=today) if periods else NO_FIGURES
    rows = [
        Row(period, tag, period.start_date == figures["current_start"], period.start_date == figures["upcoming_start"])
        for period, tag in tagged(periods)
    ]
    current = next((row.period for row in rows if row.is_current), None)
    upcoming_row = next((row for row in rows if row.is_upcoming), None)
    return Subscription(
        contact=contact,
        today=today,
        rows=rows,
        current=current,
        upcoming=upcoming_row.period if upcoming_row else None,
        upcoming_tag=upcoming_row.tag if upcoming_row else None,
        direction=figures["upcoming_direction"],
    )
