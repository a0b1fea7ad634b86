"""Contact annotations for subscription figures, each defined once as a query expression.

Lists, filters, sorts, totals and exports all read these annotations, so a figure cannot mean
one thing on a page and another in a CSV.
"""

import datetime

from django.db.models import Case, CharField, DecimalField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When

from subscriptions.models import Direction, Period


def _current(on):
    return Period.objects.filter(contact=OuterRef("pk")).current(on=on).order_by("-start_date")


def _upcoming(on):
    return Period.objects.filter(contact=OuterRef("pk")).upcoming(after=on)


def with_subscription(contacts: QuerySet, *, on: datetime.date) -> QuerySet:
    """Annotate current and upcoming MRR, their dates and currencies, and the upcoming direction."""
    money = DecimalField(max_digits=12, decimal_places=2)
    contacts = contacts.annotate(
        current_mrr=Subquery(_current(on).values("mrr")[:1], output_field=money),
        current_currency=Subquery(_current(on).values("currency")[:1]),
        current_start=Subquery(_current(on).values("start_date")[:1]),
        current_end=Subquery(_current(on).values("end_date")[:1]),
        upcoming_mrr=Subquery(_upcoming(on).values("mrr")[:1], output_field=money),
        upcoming_currency=Subquery(_upcoming(on).values("currency")[:1]),
        upcoming_start=Subquery(_upcoming(on).values("start_date")[:1]),
        upcoming_end=Subquery(_upcoming(on).values("end_date")[:1]),
    )
    return contacts.annotate(upcoming_direction=direction_expression())


def direction_expression():
    """Up, down, same or new for the upcoming period; ending when the current ends and none follows."""
    return Case(
        When(Q(upcoming_mrr__isnull=False, current_mrr__isnull=True), then=Value(Direction.NEW)),
        When(upcoming_mrr__gt=F("current_mrr"), then=Value(Direction.UP)),
        When(upcoming_mrr__lt=F("current_mrr"), then=Value(Direction.DOWN)),
        When(upcoming_mrr=F("current_mrr"), then=Value(Direction.SAME)),
        When(Q(upcoming_mrr__isnull=True, current_end__isnull=False), then=Value(Direction.ENDING)),
        default=Value(None),
        output_field=CharField(),
    )


def has_periods():
    return Exists(Period.objects.filter(contact=OuterRef("pk")))
