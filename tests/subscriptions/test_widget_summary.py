"""The contact page's widget reads which period is current, which is upcoming and the MRR status
from the contact's stored summary row when that row is as of today, and from the definitions
otherwise: the page is the same either way."""

import datetime
import re
from decimal import Decimal

import pytest
from subscriptions.models import SubscriptionSummary
from subscriptions.summary import refresh_contacts
from tests.factories import ContactFactory
from tests.subscriptions.factories import PeriodFactory, monthly_periods

TODAY = datetime.date(2026, 11, 22)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def frozen_today(time_machine, subscriptions_on):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC), tick=False)


def widget(html):
    return re.search(r'<article id="subscriptions-panel".*?</article>', html, re.S).group()


# Each case: (start offset in days, length in days or None for open-ended, MRR, currency), in order.
CASES = {
    "current then a higher one": [(-100, 130, "100", "EUR"), (30, None, "150", "EUR")],
    "current then a lower one": [(-100, 130, "100", "EUR"), (30, 60, "80", "EUR")],
    "ending with nothing after": [(-10, 30, "70", "EUR")],
    "lapses, then comes back": [(-10, 30, "70", "EUR"), (40, 30, "70", "EUR")],
    "only an upcoming one": [(5, None, "60", "EUR")],
    "next one in another currency": [(-30, 40, "90", "EUR"), (10, None, "90", "USD")],
    "all in the past": [(-400, 100, "40", "EUR")],
    "open-ended, current": [(-400, None, "40", "EUR")],
}


def make_periods(contact, shape):
    for offset, length, mrr, currency in shape:
        start = TODAY + offset * DAY
        end = None if length is None else start + (length - 1) * DAY
        PeriodFactory(contact=contact, start_date=start, end_date=end, term_months=None, mrr=Decimal(mrr),
                      currency=currency)


@pytest.mark.parametrize("case", CASES)
def test_the_widget_is_the_same_from_the_stored_summary_and_from_the_definitions(client_as, rep, case):
    contact = ContactFactory(owner=rep)
    make_periods(contact, CASES[case])
    refresh_contacts([contact.pk], today=TODAY)
    client = client_as(rep)
    from_summary = widget(client.get(contact.get_absolute_url()).text)
    SubscriptionSummary.objects.filter(contact=contact).update(as_of=TODAY - DAY)  # yesterday's: not read
    from_definitions = widget(client.get(contact.get_absolute_url()).text)
    assert from_summary == from_definitions


def test_the_widget_shows_what_the_stored_row_says_when_it_is_today_s(client_as, rep):
    """Proof the row is what is read: a row edited by hand (never done by the product) shows."""
    contact = ContactFactory(owner=rep)
    make_periods(contact, CASES["current then a higher one"])
    refresh_contacts([contact.pk], today=TODAY)
    client = client_as(rep)
    assert 'data-tag="expansion"' in widget(client.get(contact.get_absolute_url()).text)
    assert "badge-up" in widget(client.get(contact.get_absolute_url()).text)
    SubscriptionSummary.objects.filter(contact=contact).update(upcoming_direction="down")
    assert "badge-down" in widget(client.get(contact.get_absolute_url()).text)
    SubscriptionSummary.objects.filter(contact=contact).update(as_of=TODAY + DAY)  # another day's: not read
    assert "badge-up" in widget(client.get(contact.get_absolute_url()).text)


def test_the_contact_page_query_count_does_not_grow_with_ten_years_of_periods(
    client_as, rep, django_assert_max_num_queries
):
    contact = ContactFactory(owner=rep)
    monthly_periods(contact, 120, first=datetime.date(2017, 1, 1))
    refresh_contacts([contact.pk], today=TODAY)
    client = client_as(rep)
    # session, user, contact, features, tags, the periods, the summary row (+ the other panels' own)
    with django_assert_max_num_queries(12) as captured:
        page = client.get(contact.get_absolute_url())
    assert page.status_code == 200 and page.text.count('class="tag" data-tag=') == 120
    subscription_queries = [q["sql"] for q in captured.captured_queries if "subscriptions_" in q["sql"]]
    assert len(subscription_queries) == 2  # the periods and the stored row: no per-contact subqueries
