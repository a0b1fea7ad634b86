"""Dates a person types stay within 1900-2200, and no stored date breaks a page.

A far-future period (9999-12-31) was once accepted and then answered 500 on the contact page, the
widget, the history and "change subscription" for everyone; a start in year 1 made a 3.7 MB page.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from subscriptions.dates import add_months, end_after_months, months_between, next_day
from subscriptions.models import Period
from tests.subscriptions.test_periods import HTMX, frozen_today  # noqa: F401 — the frozen day, autouse
from tests.subscriptions.test_periods import form as period_form

def form(**values):
    """The period form of tests/subscriptions/test_periods.py, ending never unless told."""
    return period_form(**{"end": "never", "term_months": "", **values})


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"start_date": "9999-12-31"}, "start_date"),
        ({"start_date": "0001-01-01"}, "start_date"),
        ({"start_date": "1899-12-31"}, "start_date"),
        ({"start_date": "2201-01-01"}, "start_date"),
        ({"end": "on", "end_date": "9999-12-31"}, "end_date"),
        ({"start_date": "2200-01-01", "end": "after", "term_months": "24"}, "term_months"),
    ],
)
def test_a_date_out_of_range_is_refused_with_the_range_and_nothing_is_written(client_as, rep, contact, values, field):
    response = client_as(rep).post(reverse("subscriptions:period_create", args=[contact.pk]), form(**values),
                                   headers=HTMX)
    assert response.status_code == 422
    assert not Period.objects.exists()
    message = "That term ends too far in the future." if field == "term_months" else "Enter a date between"
    assert message in response.text


def test_the_range_ends_are_accepted(client_as, rep, contact):
    client = client_as(rep)
    url = reverse("subscriptions:period_create", args=[contact.pk])
    assert client.post(url, form(start_date="1900-01-01", end="on", end_date="1900-12-31"), headers=HTMX).status_code == 200
    assert client.post(url, form(start_date="2200-01-01", end="on", end_date="2200-12-31"), headers=HTMX).status_code == 200
    assert Period.objects.count() == 2


def test_a_far_future_period_stored_before_the_range_breaks_no_page(client_as, rep, contact):
    Period.objects.create(contact=contact, mrr=Decimal("10.00"), start_date=datetime.date(2026, 1, 1),
                          end_date=datetime.date(9999, 12, 30))
    Period.objects.create(contact=contact, mrr=Decimal("20.00"), start_date=datetime.date(9999, 12, 31))
    client = client_as(rep)
    for url in [
        contact.get_absolute_url(),
        reverse("subscriptions:contact", args=[contact.pk]),
        reverse("subscriptions:history", args=[contact.pk]),
        reverse("subscriptions:period_change", args=[contact.pk]),
    ]:
        assert client.get(url).status_code == 200, url


@given(day=st.dates(), months=st.integers(min_value=-12 * 10_000, max_value=12 * 10_000))
def test_month_arithmetic_never_overflows(day, months):
    moved = add_months(day, months)
    assert (moved >= day) if months >= 0 else (moved <= day)
    if months > 0:
        assert end_after_months(day, months) >= day - datetime.timedelta(days=1)
    assert next_day(day) >= day


def test_months_between_ends_at_the_calendars_last_month():
    months = months_between(datetime.date(9999, 1, 15), datetime.date.max)
    assert months[0] == datetime.date(9999, 1, 1) and months[-1] == datetime.date(9999, 12, 1) and len(months) == 12


def test_days_in_month_is_the_calendars_for_every_month_of_every_year():
    import calendar

    from subscriptions.dates import days_in_month

    assert all(days_in_month(year, month) == calendar.monthrange(year, month)[1]
               for year in range(1, 10000) for month in range(1, 13))
