"""A smart list's footer: each currency's own total and, beside them, the whole in the reporting
currency, every row at the rate in force on its period's start (current MRR and the remaining
value: the current period's; upcoming MRR: the upcoming one's), or which currency lacks a rate
from which day. The same figures over the stored summaries and over the contacts."""

import re
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.urls import reverse

from crm.models import Feature
from smartlists.queries import count_and_totals, listing
from subscriptions.models import ExchangeRate
from subscriptions.summary import rebuild
from tests.factories import ContactFactory
from tests.smartlists.conftest import TODAY, days, period, smartlist

pytestmark = pytest.mark.django_db
COLUMNS = ["name", "current_mrr", "upcoming_mrr", "remaining_value"]


def rate(currency, valid_from, value):
    return ExchangeRate.objects.create(reporting_currency="EUR", currency=currency, rate=Decimal(value), valid_from=valid_from)


def footer(response) -> list[str]:
    """Each footer cell's text, tags out, lines kept."""
    foot = response.text.split("<tfoot>")[1].split("</tfoot>")[0]
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", foot, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<br>", " | ", re.sub(r"<(?!br)[^>]+>", "", cell))).strip() for cell in cells]


@pytest.fixture
def book(rep, subscriptions_on):
    euro = ContactFactory(owner=rep, name="Euro")
    period(euro, "100", days(-30), days(29))  # 30 days left
    dollar = ContactFactory(owner=rep, name="Dollar")
    period(dollar, "50", days(-30), days(29), currency="USD")
    period(dollar, "60", days(30), currency="USD")  # upcoming, converted on its own start
    return smartlist(rep, columns=COLUMNS)


def test_the_footer_shows_each_currency_and_the_whole_in_the_reporting_currency(client_as, rep, book):
    rate("USD", days(-365), "0.9")
    rate("USD", days(30), "0.5")
    cells = footer(client_as(rep).get(reverse("smartlists:detail", args=[book.pk])))
    assert cells[0] == "Total"
    assert cells[1] == "100.00 EUR | 50.00 USD | All in EUR: 145.00"
    assert cells[2] == "0.00 EUR | 60.00 USD | All in EUR: 30.00"  # 60 x 0.5, the rate of its start
    # remaining: 98.63 EUR and 49.32 USD, the dollars at 0.9 (the current period's start)
    assert cells[3] == "98.63 EUR | 49.32 USD | All in EUR: 143.02"


def test_a_currency_without_a_rate_on_the_day_is_named_with_the_day_and_no_sum_is_given(client_as, rep, book):
    rate("USD", days(-10), "0.9")  # from after the current period's start
    cells = footer(client_as(rep).get(reverse("smartlists:detail", args=[book.pk])))
    assert cells[1] == "100.00 EUR | 50.00 USD | All in EUR: no USD rate in force on Oct 23, 2026"
    assert cells[2] == "0.00 EUR | 60.00 USD | All in EUR: 54.00"


def test_one_currency_the_reporting_one_is_not_repeated(client_as, rep, subscriptions_on):
    period(ContactFactory(owner=rep), "100", days(-30), days(29))
    sl = smartlist(rep, columns=COLUMNS)
    cells = footer(client_as(rep).get(reverse("smartlists:detail", args=[sl.pk])))
    assert cells[1] == "100.00 EUR" and "All in" not in " ".join(cells)


def test_with_subscriptions_switched_off_the_columns_keep_their_totals_but_nothing_is_converted(client_as, rep, book):
    rate("USD", days(-365), "0.9")
    Feature.objects.filter(name="subscriptions").update(is_active=False)
    cells = footer(client_as(rep).get(reverse("smartlists:detail", args=[book.pk])))
    assert cells[1] == "100.00 EUR | 50.00 USD"


@pytest.mark.parametrize("query", ["ends_within_days=60", "current_mrr_currency=USD", ""])
def test_the_stored_rows_and_the_contacts_give_the_same_converted_totals(rep, book, query):
    rate("USD", days(-365), "0.9")
    rebuild(today=TODAY)
    stored = count_and_totals(listing(user=rep, columns=COLUMNS, params=QueryDict(query), sort="name", today=TODAY), cap=100)
    contacts = count_and_totals(
        listing(user=rep, columns=COLUMNS, params=QueryDict(query + "&q=o"), sort="name", today=TODAY), cap=100)
    assert stored.converted == contacts.converted
    assert stored.converted["current_mrr"].amount > 0


@pytest.mark.parametrize("rows", [10, 500])
def test_converting_the_totals_costs_no_query_at_any_size(client_as, rep, subscriptions_on, rows, django_assert_num_queries):
    from crm.models import Contact
    from subscriptions.models import Period

    rate("USD", days(-400), "0.9")
    contacts = Contact.objects.bulk_create(ContactFactory.build(owner=rep) for _ in range(rows))
    Period.objects.bulk_create(
        Period(contact=c, mrr=10 + i % 7, currency=("EUR", "USD", "GBP")[i % 3], start_date=days(-30 - i % 300),
               end_date=days(i % 120)) for i, c in enumerate(contacts)
    )
    sl = smartlist(rep, columns=["name", "owner_name", "tags_text", "current_mrr", "upcoming_mrr", "upcoming_direction", "remaining_value"])
    client = client_as(rep)
    # the nine of test_smartlists' page: conversion reads nothing of its own
    with django_assert_num_queries(9):
        response = client.get(reverse("smartlists:detail", args=[sl.pk]) + "?ends_within_days=90")
    assert "no GBP rate in force on" in response.text
