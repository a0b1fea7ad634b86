"""`seed_demo` switches subscriptions on and adds realistic periods, once."""

import datetime

import pytest
from django.core.management import call_command

from crm import features
from crm.models import Contact
from subscriptions.models import Period, PeriodChange
from subscriptions.queries import with_subscription

TODAY = datetime.date(2026, 11, 22)


@pytest.fixture
def seeded(db, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC), tick=False)
    call_command("seed_demo", stdout=open("/dev/null", "w"))


def test_seed_demo_turns_the_feature_on_and_records_who(seeded):
    assert features.is_active("subscriptions")
    assert features.Feature.objects.get(name="subscriptions").changes.get().changed_by.username == "admin"


def test_seed_demo_gives_years_of_history_changes_both_ways_and_some_ending_soon(seeded):
    assert Period.objects.order_by("start_date").first().start_date <= TODAY - datetime.timedelta(days=3 * 365)
    assert PeriodChange.objects.count() == Period.objects.count()  # written through the services
    rows = list(with_subscription(Contact.objects.all(), on=TODAY).values("upcoming_direction", "current_end"))
    directions = [row["upcoming_direction"] for row in rows]
    assert directions.count("up") >= 2 and directions.count("down") >= 2
    assert directions.count("ending") >= 2
    assert any(row["current_end"] and row["current_end"] <= TODAY + datetime.timedelta(days=30) for row in rows)
    assert any(row["current_end"] is None and row["upcoming_direction"] is None for row in rows if row["current_end"] is None)
    assert Period.objects.exclude(billing_frequency="").exists()


def test_seed_demo_twice_adds_nothing(seeded):
    before = (Period.objects.count(), PeriodChange.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert (Period.objects.count(), PeriodChange.objects.count()) == before


def test_seed_demo_gives_every_dollar_period_a_rate_so_the_converted_totals_are_whole(seeded, client):
    from django.urls import reverse

    from crm.models import User
    from subscriptions.conversion import rate_on
    from subscriptions.models import ExchangeRateChange

    dollars = Period.objects.filter(currency="USD")
    assert dollars.exists()
    assert all(rate_on("USD", start) is not None for start in dollars.values_list("start_date", flat=True))
    assert ExchangeRateChange.objects.filter(action="created", changed_by__username="admin").count() == 7
    client.force_login(User.objects.get(username="admin"))
    page = client.get(reverse("subscriptions:pipeline")).text
    assert "All currencies in EUR" in page and "missing-rate" not in page
