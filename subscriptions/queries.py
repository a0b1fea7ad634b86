"""Contact annotations for subscription figures, each defined once as a query expression.

Lists, filters, sorts, totals and exports all read these annotations, so a figure cannot mean
one thing on a page and another in a CSV.
"""

import datetime

from django.db.models import Case, CharField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When

from subscriptions.models import Direction, Period


def _current(on):
    return Period.objects.filter(contact=OuterRef("pk")).current(on=on).order_by("-start_date")


def _upcoming(on):
    return Period.objects.filter(contact=OuterRef("pk")).upcoming(after=on)


def current_value(column: str, on: datetime.date) -> Subquery:
    """One column of the contact's current period as of `on` (null without one)."""
    return Subquery(_current(on).values(column)[:1], output_field=Period._meta.get_field(column))


def upcoming_value(column: str, on: datetime.date) -> Subquery:
    """One column of the contact's earliest period starting after `on` (null without one)."""
    return Subquery(_upcoming(on).values(column)[:1], output_field=Period._meta.get_field(column))


def definitions(on: datetime.date) -> dict[str, Subquery]:
    """Current and upcoming MRR, their dates and currencies as of `on`, by annotation name."""
    return {
        "current_mrr": current_value("mrr", on),
        "current_currency": current_value("currency", on),
        "current_start": current_value("start_date", on),
        "current_end": current_value("end_date", on),
        "upcoming_mrr": upcoming_value("mrr", on),
        "upcoming_currency": upcoming_value("currency", on),
        "upcoming_start": upcoming_value("start_date", on),
        "upcoming_end": upcoming_value("end_date", on),
    }


def with_subscription(contacts: QuerySet, *, on: datetime.date) -> QuerySet:
    """Annotate current and upcoming MRR, their dates and currencies, and the MRR status."""
    return contacts.annotate(**definitions(on)).annotate(upcoming_direction=direction_expression())


def ending_q() -> Q:
    """What "ending" means, the one definition the MRR status, the pipeline and the smart list filter
    read, for contacts annotated with `current_end` and `upcoming_start`: the current period has an
    end and no period follows it directly (from the day after). One renewed or changed without a
    gap is not ending; one that lapses, even if it comes back later, is."""
    follows_directly = Q(upcoming_start=F("current_end") + datetime.timedelta(days=1))
    return Q(current_end__isnull=False) & (Q(upcoming_start__isnull=True) | ~follows_directly)


def ends_within_q(days: int, today: datetime.date) -> Q:
    """Ending (`ending_q`) on a day within `days` days of today, today included."""
    return ending_q() & Q(current_end__gte=today, current_end__lte=today + datetime.timedelta(days=days))


def direction_expression():
    """The MRR status, for contacts annotated as `with_subscription` does: new when only an upcoming
    period is known; ending (`ending_q`) when the current period ends and nothing follows directly;
    a currency change when the next period is in another currency (amounts in two currencies are
    never compared); else up, down or the same by the upcoming MRR against the current one."""
    return Case(
        When(Q(upcoming_mrr__isnull=False, current_mrr__isnull=True), then=Value(Direction.NEW)),
        When(ending_q(), then=Value(Direction.ENDING)),
        When(Q(upcoming_mrr__isnull=False) & ~Q(upcoming_currency=F("current_currency")), then=Value(Direction.CURRENCY)),
        When(upcoming_mrr__gt=F("current_mrr"), then=Value(Direction.UP)),
        When(upcoming_mrr__lt=F("current_mrr"), then=Value(Direction.DOWN)),
        When(upcoming_mrr=F("current_mrr"), then=Value(Direction.SAME)),
        default=Value(None),
        output_field=CharField(),
    )


def has_periods():
    return Exists(Period.objects.filter(contact=OuterRef("pk")))
