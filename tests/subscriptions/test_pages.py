"""The contact page with the widget, the MRR history and the pipeline report: content and query counts."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ContactFactory, UserFactory
from tests.subscriptions.factories import PeriodFactory, monthly_periods

TODAY = datetime.date(2026, 11, 22)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def frozen_today(time_machine, subscriptions_on):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC), tick=False)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_contact_page_query_count_is_the_same_with_1_and_120_periods(client_as, rep):
    client = client_as(rep)
    one, many = ContactFactory(owner=rep), ContactFactory(owner=rep)
    monthly_periods(one, 1)
    monthly_periods(many, 120)
    count_queries(client, one.get_absolute_url())  # warm the session and content types
    one_count, one_page = count_queries(client, one.get_absolute_url())
    many_count, many_page = count_queries(client, many.get_absolute_url())
    assert one_count == many_count, (one_count, many_count)
    assert one_count <= 8  # measured: 7
    assert many_page.text.count('class="tag" data-tag=') == 120
    assert "<svg" in many_page.text and "<svg" in one_page.text


def test_widget_shows_current_upcoming_tag_and_derived_figures(client_as, rep, contact):
    PeriodFactory(contact=contact, mrr=Decimal("100"), start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 12, 31))
    PeriodFactory(contact=contact, mrr=Decimal("80"), start_date=datetime.date(2027, 1, 1), end_date=None, term_months=None)
    page = client_as(rep).get(contact.get_absolute_url()).text
    summary = page[page.index('id="subscription-summary"'):page.index('id="subscription-periods"')]
    assert "100.00 EUR" in summary and "Dec 31, 2026" in summary
    assert "1,200.00 EUR" in summary  # ARR
    assert "131.51 EUR" in summary  # remaining: 40 days of 100 a month
    assert "80.00 EUR" in summary and "Contraction" in summary and "badge-down" in summary
    assert "ending" not in summary


def test_widget_says_ending_and_open_ended(client_as, rep, contact):
    PeriodFactory(contact=contact, start_date=datetime.date(2026, 1, 1), end_date=TODAY + 5 * DAY)
    other = ContactFactory(owner=rep)
    PeriodFactory(contact=other, start_date=datetime.date(2026, 1, 1), end_date=None)
    client = client_as(rep)
    assert "badge-warn" in client.get(contact.get_absolute_url()).text
    open_ended = client.get(other.get_absolute_url()).text
    assert "open-ended" in open_ended and "badge-warn" not in open_ended


def test_history_is_paged_month_by_month_with_a_chart_and_the_audit_trail(client_as, rep, contact):
    monthly_periods(contact, 30, first=datetime.date(2024, 6, 1))  # June 2024 .. November 2026
    client = client_as(rep)
    url = reverse("subscriptions:history", args=[contact.pk])
    page = client.get(url).text
    assert "<svg" in page and "MRR month by month" in page
    rows = re.findall(r'<th scope="row">([^<]+)</th>', page)
    assert rows[0] == "November 2026" and len(rows) == 12
    assert "129.00 EUR" in page  # the last month's MRR: 100 + 29
    older = client.get(url + "?page=3", headers={"HX-Request": "true"})
    assert "<html" not in older.text and 'id="history-months"' in older.text
    assert re.findall(r'<th scope="row">([^<]+)</th>', older.text)[-1] == "June 2024"
    assert "No changes recorded." in page  # these periods were loaded, not written through the widget
    assert client.get(url + "?page=4").status_code == 404
    assert client.get(url + "?page=x").status_code == 404


@pytest.mark.parametrize("size", [10, 200])
def test_history_query_count_does_not_grow_with_periods(client_as, rep, contact, size, django_assert_max_num_queries):
    monthly_periods(contact, size, first=datetime.date(2000, 1, 1))
    client = client_as(rep)
    client.get(reverse("subscriptions:history", args=[contact.pk]))
    with django_assert_max_num_queries(9):
        client.get(reverse("subscriptions:history", args=[contact.pk]))


@pytest.fixture
def team(manager, rep):
    rep2 = UserFactory(username="rep2")
    rep.teams.first().members.add(rep2)
    return rep, rep2


def book(owner, *rows):
    """rows: (current mrr, current end, upcoming mrr, upcoming start gap days) per contact."""
    for current, end, upcoming, gap, currency in rows:
        contact = ContactFactory(owner=owner)
        if current is not None:
            PeriodFactory(contact=contact, mrr=Decimal(current), start_date=datetime.date(2026, 1, 1), end_date=end, currency=currency)
        if upcoming is not None:
            start = (end or TODAY) + (1 + gap) * DAY
            PeriodFactory(contact=contact, mrr=Decimal(upcoming), start_date=start, end_date=None, currency=currency)


def figures(html, owner):
    """The figures of `owner`'s row in the first (installation currency) table."""
    main = html.split('data-currency="EUR"')[1].split("</section>")[0]
    row = main.split(f'<th scope="row">{owner}</th>')[1].split("</tr>")[0]
    return dict(re.findall(r'data-figure="(\w+)"><a href="[^"]*">(?:<strong>)?−?([\d,.]+)', row))


def test_pipeline_for_a_rep_reconciles(client_as, rep, contact):
    end = TODAY + 20 * DAY
    book(
        rep,
        ("100", end, "150", 0, "EUR"),  # expansion 50
        ("200", end, "150", 0, "EUR"),  # contraction 50
        ("300", end, None, 0, "EUR"),  # churn 300, ending within 30 days
        ("400", None, None, 0, "EUR"),  # open-ended, no movement
        (None, None, "70", 3, "EUR"),  # new 70
        ("50", TODAY + 45 * DAY, "60", 10, "EUR"),  # churn 50 then reactivation 60; ending within 60
        ("999", end, "999", 0, "USD"),  # other currency: never in the EUR totals
    )
    page = client_as(rep).get(reverse("subscriptions:pipeline")).text
    row = figures(page, rep)
    assert row == {
        "current": "1,050.00", "new": "70.00", "expansion": "50.00", "reactivation": "60.00",
        "contraction": "50.00", "churn": "350.00", "upcoming": "830.00",
        "ending30": "300.00", "ending60": "350.00", "ending90": "350.00",
    }
    # 1050 + 70 + 50 + 60 - 50 - 350 = 830
    assert 'data-currency="USD"' in page and "not included in the totals in EUR" in page
    usd = page.split('data-currency="USD"')[1]
    assert "999.00" in usd


def test_pipeline_for_a_manager_has_a_row_per_rep_and_a_team_total(client_as, manager, team, outsider):
    rep, rep2 = team
    book(rep, ("100", None, None, 0, "EUR"))
    book(rep2, ("200", TODAY + 10 * DAY, "260", 0, "EUR"))
    book(outsider, ("5000", None, None, 0, "EUR"))
    page = client_as(manager).get(reverse("subscriptions:pipeline")).text
    assert figures(page, rep)["current"] == "100.00"
    assert figures(page, rep2)["expansion"] == "60.00"
    total = page.split('data-currency="EUR"')[1].split("<tfoot>")[1]
    assert "300.00" in total and "360.00" in total and "5,000" not in page


@pytest.mark.parametrize("size", [10, 300])
def test_pipeline_query_count_does_not_grow(client_as, manager, team, size, django_assert_max_num_queries):
    rep, rep2 = team
    for i in range(size):
        book(rep if i % 2 else rep2, ("100", TODAY + i * DAY, "120", 0, "EUR"))
    client = client_as(manager)
    client.get(reverse("subscriptions:pipeline"))
    with django_assert_max_num_queries(7):
        assert client.get(reverse("subscriptions:pipeline")).status_code == 200


def test_pipeline_lists_the_50_soonest_endings_and_counts_every_one_in_the_totals(client_as, rep):
    for i in range(60):
        book(rep, ("10", TODAY + (i + 1) * DAY, None, 0, "EUR"))
    page = client_as(rep).get(reverse("subscriptions:pipeline")).text
    ending = page.split('id="ending-heading"')[1]
    assert ending.count("<tr>") == 1 + 50  # the header row, then the 50 soonest
    assert "And 10 more, ending later: the totals above count them." in ending
    assert figures(page, rep)["ending90"] == "600.00"  # all 60 of them


def test_history_names_the_currency_of_months_at_zero_and_of_each_change(client_as, rep, contact):
    from subscriptions.models import Period

    Period.objects.create(contact=contact, currency="USD", mrr=Decimal("100.00"), start_date=datetime.date(2026, 1, 1),
                          end_date=datetime.date(2026, 2, 28))
    # March and April at zero, then back in euros: no change is worked out across the two currencies.
    Period.objects.create(contact=contact, currency="EUR", mrr=Decimal("90.00"), start_date=datetime.date(2026, 5, 1))
    page = client_as(rep).get(reverse("subscriptions:history", args=[contact.pk])).text
    cells = {month: (mrr, change) for month, mrr, change in
             re.findall(r'<th scope="row">([^<]+)</th>\s*<td class="num">([^<]+)</td>\s*<td class="num">(.*?)</td>', page)}
    assert cells["January 2026"] == ("100.00 USD", "+100.00 USD")
    assert cells["March 2026"] == ("0.00 USD", "-100.00 USD")
    assert cells["April 2026"][0] == "0.00 USD" and "—" in cells["April 2026"][1]
    assert cells["May 2026"][0] == "90.00 EUR" and "—" in cells["May 2026"][1]  # USD to EUR: not compared
    assert cells["June 2026"][0] == "90.00 EUR"
