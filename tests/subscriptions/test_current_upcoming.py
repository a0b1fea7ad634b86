"""Current and upcoming periods at their boundaries, in the querysets, the annotations and the widget."""

import datetime
from decimal import Decimal

import pytest

from crm.models import Contact
from subscriptions.queries import with_subscription
from subscriptions.widget import subscription_of
from tests.factories import ContactFactory
from tests.subscriptions.factories import PeriodFactory

TODAY = datetime.date(2026, 11, 22)
DAY = datetime.timedelta(days=1)

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(rep):
    return ContactFactory(owner=rep)


def figures(contact, on=TODAY):
    return with_subscription(Contact.objects.filter(pk=contact.pk), on=on).values(
        "current_mrr", "current_end", "upcoming_mrr", "upcoming_start", "upcoming_direction"
    ).get()


def test_a_period_starting_today_is_current_not_upcoming(customer):
    PeriodFactory(contact=customer, mrr=Decimal("10"), start_date=TODAY, end_date=TODAY + 30 * DAY)
    row = figures(customer)
    assert row["current_mrr"] == Decimal("10") and row["upcoming_mrr"] is None
    assert row["upcoming_direction"] == "ending"
    # The day before, it is upcoming and new.
    row = figures(customer, on=TODAY - DAY)
    assert row["current_mrr"] is None and row["upcoming_mrr"] == Decimal("10") and row["upcoming_direction"] == "new"


def test_a_period_ending_today_is_still_current_and_gone_tomorrow(customer):
    PeriodFactory(contact=customer, mrr=Decimal("20"), start_date=TODAY - 90 * DAY, end_date=TODAY)
    assert figures(customer)["current_mrr"] == Decimal("20")
    assert figures(customer)["current_end"] == TODAY
    assert figures(customer, on=TODAY + DAY)["current_mrr"] is None


def test_an_open_ended_period_is_current_for_ever_and_never_ending(customer):
    PeriodFactory(contact=customer, mrr=Decimal("30"), start_date=TODAY - 400 * DAY, end_date=None)
    for day in (TODAY, TODAY + 10_000 * DAY):
        row = figures(customer, on=day)
        assert row["current_mrr"] == Decimal("30") and row["current_end"] is None
        assert row["upcoming_direction"] is None


def test_in_a_gap_there_is_no_current_period_and_the_next_is_upcoming(customer):
    PeriodFactory(contact=customer, mrr=Decimal("40"), start_date=TODAY - 60 * DAY, end_date=TODAY - DAY)
    PeriodFactory(contact=customer, mrr=Decimal("55"), start_date=TODAY + 10 * DAY, end_date=None)
    row = figures(customer)
    assert row["current_mrr"] is None
    assert row["upcoming_mrr"] == Decimal("55") and row["upcoming_start"] == TODAY + 10 * DAY
    subscription = subscription_of(customer, today=TODAY)
    assert subscription.current is None
    assert subscription.upcoming.mrr == Decimal("55")
    assert subscription.upcoming_tag == "reactivation"


def test_upcoming_is_the_earliest_of_several_future_periods(customer):
    PeriodFactory(contact=customer, mrr=Decimal("100"), start_date=TODAY - 10 * DAY, end_date=TODAY + 9 * DAY)
    PeriodFactory(contact=customer, mrr=Decimal("120"), start_date=TODAY + 10 * DAY, end_date=TODAY + 19 * DAY)
    PeriodFactory(contact=customer, mrr=Decimal("90"), start_date=TODAY + 20 * DAY, end_date=None)
    row = figures(customer)
    assert (row["current_mrr"], row["upcoming_mrr"], row["upcoming_direction"]) == (Decimal("100"), Decimal("120"), "up")
    subscription = subscription_of(customer, today=TODAY)
    assert subscription.upcoming_tag == "expansion"
    assert [row.tag for row in subscription.rows] == ["new", "expansion", "contraction"]


def test_the_widget_reads_the_same_current_and_upcoming_as_the_annotations(customer):
    PeriodFactory(contact=customer, mrr=Decimal("100"), start_date=TODAY - 10 * DAY, end_date=TODAY)
    PeriodFactory(contact=customer, mrr=Decimal("80"), start_date=TODAY + DAY, end_date=None)
    subscription = subscription_of(customer, today=TODAY)
    row = figures(customer)
    assert subscription.current.mrr == row["current_mrr"]
    assert subscription.upcoming.mrr == row["upcoming_mrr"]
    assert subscription.direction == row["upcoming_direction"] == "down"
    assert subscription.arr == Decimal("1200.00")
    assert subscription.remaining_value == Decimal("3.29")
