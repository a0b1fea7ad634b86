"""The pipeline's MRR in the reporting currency: each owner's and the team's current and upcoming
MRR converted, each period at the rate in force on its start, beside the per-currency tables; a
missing rate said, never guessed; the stored pipeline follows every change of a rate."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from subscriptions import rates
from subscriptions.models import ExchangeRate
from tests.factories import ContactFactory, UserFactory
from tests.subscriptions.factories import PeriodFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 22)
DAY = datetime.timedelta(days=1)
START = datetime.date(2026, 1, 1)


@pytest.fixture(autouse=True)
def frozen_today(time_machine, subscriptions_on):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC), tick=False)


@pytest.fixture
def team(rep):
    rep2 = UserFactory(username="rep2", first_name="Rita", last_name="Second")
    rep.teams.first().members.add(rep2)
    return rep, rep2


def subscriber(owner, currency, current, end=None, upcoming=None):
    contact = ContactFactory(owner=owner)
    PeriodFactory(contact=contact, currency=currency, mrr=Decimal(current), start_date=START, end_date=end, term_months=None)
    if upcoming is not None:
        PeriodFactory(contact=contact, currency=currency, mrr=Decimal(upcoming), start_date=end + DAY, end_date=None,
                      term_months=None)
    return contact


def rate(currency, valid_from, value, reporting="EUR"):
    return ExchangeRate.objects.create(reporting_currency=reporting, currency=currency, rate=Decimal(value),
                                       valid_from=valid_from)


def converted(page, label):
    """(current, upcoming) of `label`'s row in the converted table: an amount or what is missing."""
    section = page.split('data-currency="converted"')[1].split("</section>")[0]
    row = section.split(f'<th scope="row">{label}</th>')[1].split("</tr>")[0]
    cells = re.findall(r'data-figure="converted-(\w+)">(.*?)</td>', row, re.S)
    return tuple(re.sub(r"<[^>]+>", "", text).strip() for _, text in cells)


@pytest.fixture
def book(team):
    rep, rep2 = team
    subscriber(rep, "EUR", "100")  # open-ended: its upcoming MRR is its current one
    # ends in 10 days, then 260 USD from the 11th: converted at the rate in force on that day
    subscriber(rep2, "USD", "200", end=TODAY + 10 * DAY, upcoming="260")
    return rep, rep2


def test_each_owner_and_the_team_in_the_reporting_currency_at_the_rate_of_each_start(client_as, manager, book):
    rep, rep2 = book
    rate("USD", datetime.date(2025, 1, 1), "0.9")
    rate("USD", TODAY + 11 * DAY, "0.8")
    page = client_as(manager).get(reverse("subscriptions:pipeline")).text
    assert "All currencies in EUR" in page
    assert converted(page, rep) == ("100.00", "100.00")
    assert converted(page, rep2) == ("180.00", "208.00")  # 200 x 0.9 from Jan 1; 260 x 0.8 from its own start
    assert converted(page, "Total") == ("280.00", "308.00")
    # the per-currency tables are as they were
    assert 'data-currency="EUR"' in page and 'data-currency="USD"' in page


def test_a_missing_rate_is_said_with_its_currency_and_day_never_guessed(client_as, manager, book):
    rep, rep2 = book
    rate("USD", TODAY, "0.9")  # in force from today: not on Jan 1, when the current period started
    page = client_as(manager).get(reverse("subscriptions:pipeline")).text
    assert converted(page, rep) == ("100.00", "100.00")
    assert converted(page, rep2) == ("no USD rate in force on Jan 1, 2026", "234.00")
    assert converted(page, "Total") == ("no USD rate in force on Jan 1, 2026", "334.00")


def test_with_one_currency_the_reporting_one_there_is_nothing_to_convert(client_as, manager, team):
    rep, rep2 = team
    subscriber(rep, "EUR", "100")
    subscriber(rep2, "EUR", "50")
    page = client_as(manager).get(reverse("subscriptions:pipeline")).text
    assert 'data-currency="converted"' not in page and "All currencies in" not in page


def test_the_stored_pipeline_follows_a_new_rate_and_a_new_reporting_currency(client_as, manager, admin_user, book):
    rep, rep2 = book
    client = client_as(manager)
    first = client.get(reverse("subscriptions:pipeline")).text  # stores the owners' groups
    assert converted(first, rep2)[0] == "no USD rate in force on Jan 1, 2026"
    rates.rate_create(currency="USD", rate=Decimal("0.5"), valid_from=datetime.date(2025, 1, 1), against="EUR",
                      by=admin_user)
    after_rate = client.get(reverse("subscriptions:pipeline")).text
    assert converted(after_rate, rep2) == ("100.00", "130.00")
    rates.reporting_currency_set(code="USD", version=1, by=admin_user)
    rates.rate_create(currency="EUR", rate=Decimal("2"), valid_from=datetime.date(2025, 1, 1), against="USD",
                      by=admin_user)
    in_usd = client.get(reverse("subscriptions:pipeline")).text
    assert "All currencies in USD" in in_usd
    assert converted(in_usd, rep) == ("200.00", "200.00")
    assert converted(in_usd, rep2) == ("200.00", "260.00")


def test_a_report_as_of_another_day_converts_too(client_as, manager, book):
    rep, rep2 = book
    rate("USD", datetime.date(2025, 1, 1), "0.9")
    page = client_as(manager).get(reverse("subscriptions:pipeline"), {"as_of": "2026-06-01"}).text
    assert converted(page, rep2) == ("180.00", "234.00")  # its upcoming period, known on that day


def test_admins_are_pointed_to_the_rates_and_others_are_not(client_as, manager, admin_user, book):
    rates_url = reverse("subscriptions:rates")
    assert rates_url in client_as(admin_user).get(reverse("subscriptions:pipeline")).text
    assert rates_url not in client_as(manager).get(reverse("subscriptions:pipeline")).text


@pytest.mark.parametrize("size", [10, 300])
def test_converting_costs_no_query_more_at_any_size(client_as, manager, team, size, django_assert_max_num_queries):
    rep, rep2 = team
    rate("USD", datetime.date(2025, 1, 1), "0.9")
    rate("GBP", datetime.date(2025, 1, 1), "1.15")
    for i in range(size):
        subscriber(rep if i % 2 else rep2, ("EUR", "USD", "GBP")[i % 3], "100", end=TODAY + (i % 60 + 1) * DAY, upcoming="120")
    client = client_as(manager)
    client.get(reverse("subscriptions:pipeline"))
    with django_assert_max_num_queries(7):  # as without conversion (test_pages)
        page = client.get(reverse("subscriptions:pipeline")).text
    assert "All currencies in EUR" in page
