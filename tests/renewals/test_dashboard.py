"""The partner dashboard: the window, sorting, the urgent count, MRR columns and the query count."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from renewals.models import ColumnPreference, ContractChange
from subscriptions.models import Period
from tests.factories import ContactFactory, UserFactory
from tests.renewals.conftest import make_customer
from tests.renewals.factories import TODAY, AssociationFactory, ContractChangeFactory, CustomerAccountFactory

pytestmark = pytest.mark.django_db


def days(n):
    return TODAY + datetime.timedelta(days=n)


def row_ids(html):
    return [int(pk) for pk in re.findall(r'<tr id="change-(\d+)"', html)]


def test_window_is_today_to_120_days(client_as, partner, customer, frozen_today):
    past = ContractChangeFactory(customer=customer, start_date=days(-1))
    first = ContractChangeFactory(customer=customer, start_date=days(0))
    last = ContractChangeFactory(customer=customer, start_date=days(120))
    beyond = ContractChangeFactory(customer=customer, start_date=days(121))
    ids = row_ids(client_as(partner).get(reverse("renewals:dashboard")).text)
    assert ids == [first.pk, last.pk]
    assert past.pk not in ids and beyond.pk not in ids


def test_default_sort_is_deadline_and_any_column_sorts(client_as, partner, partner_org, rep, frozen_today):
    zeta = make_customer("Zeta Corp", rep, partner_org)
    alpha = make_customer("Alpha Corp", rep, partner_org)
    late = ContractChangeFactory(customer=alpha, start_date=days(100))
    soon = ContractChangeFactory(customer=zeta, start_date=days(50))
    client = client_as(partner)
    assert row_ids(client.get(reverse("renewals:dashboard")).text) == [soon.pk, late.pk]
    assert row_ids(client.get(reverse("renewals:dashboard"), {"sort": "customer"}).text) == [late.pk, soon.pk]
    assert row_ids(client.get(reverse("renewals:dashboard"), {"sort": "-deadline"}).text) == [late.pk, soon.pk]
    ColumnPreference.objects.create(user=partner, columns=["account_id"])
    assert row_ids(client.get(reverse("renewals:dashboard"), {"sort": "-account_id"}).text) == [soon.pk, late.pk]


def test_sorting_by_a_column_not_shown_is_a_400(client_as, partner, change):
    response = client_as(partner).get(reverse("renewals:dashboard"), {"sort": "account_id"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.text


def test_overlong_search_is_a_400(client_as, partner, change):
    assert client_as(partner).get(reverse("renewals:dashboard"), {"q": "x" * 101}).status_code == 400


def test_counts_deadlines_within_14_days(client_as, partner, customer, frozen_today):
    ContractChangeFactory(customer=customer, start_date=days(45))  # deadline today
    ContractChangeFactory(customer=customer, start_date=days(59))  # deadline in 14 days
    ContractChangeFactory(customer=customer, start_date=days(60))  # deadline in 15 days
    ContractChangeFactory(customer=customer, start_date=days(44))  # deadline yesterday
    page = client_as(partner).get(reverse("renewals:dashboard")).text
    assert "2 deadlines within 14 days" in page


def test_passed_deadlines_say_so_in_words(client_as, partner, customer, frozen_today):
    # A tier upgrade stays pending until the customer agrees (a renewal renews by itself at 44 days).
    upgrade = ContractChange.Type.TIER_UPGRADE
    ContractChangeFactory(customer=customer, start_date=days(42), type=upgrade)  # deadline 3 days ago
    ContractChangeFactory(customer=customer, start_date=days(44), type=upgrade)  # deadline yesterday
    ContractChangeFactory(customer=customer, start_date=days(45))  # deadline today
    ContractChangeFactory(customer=customer, start_date=days(46))  # deadline tomorrow
    page = client_as(partner).get(reverse("renewals:dashboard")).text
    cells = re.findall(r'<td data-label="Renewal deadline"( class="deadline-passed")?><time datetime="([0-9-]+)">.*?</td>', page, re.DOTALL)
    assert [(bool(marked), iso) for marked, iso in cells] == [
        (True, days(-3).isoformat()), (True, days(-1).isoformat()), (True, days(0).isoformat()), (False, days(1).isoformat()),
    ]
    assert "Passed 3 days ago" in page and "Passed 1 day ago" in page
    assert page.count('<strong class="deadline-note">Today</strong>') == 1


def test_a_passed_deadline_is_pointed_out_only_on_what_still_needs_action(client_as, partner, customer, frozen_today):
    upgrade = ContractChange.Type.TIER_UPGRADE
    ContractChangeFactory(customer=customer, start_date=days(40))  # renewed by itself
    ContractChangeFactory(customer=customer, start_date=days(41), type=upgrade, agreed_at=timezone.now())  # confirmed
    ContractChangeFactory(customer=customer, start_date=days(42), type=upgrade, cancellation_requested_at=timezone.now())
    ContractChangeFactory(customer=customer, start_date=days(43), type=upgrade)  # pending: deadline 2 days ago
    page = client_as(partner).get(reverse("renewals:dashboard")).text
    assert re.findall(r'<td data-label="Renewal deadline"( class="deadline-passed")?><time datetime="[0-9-]+">', page) == ["", "", "", ' class="deadline-passed"']
    assert page.count('class="deadline-note"') == 1 and "Passed 2 days ago" in page


def test_passed_deadlines_in_italian(client_as, partner, customer, frozen_today):
    ContractChangeFactory(customer=customer, start_date=days(42), type=ContractChange.Type.TIER_UPGRADE)
    page = client_as(partner).get(reverse("renewals:dashboard"), headers={"Accept-Language": "it"}).text
    assert "Scaduta da 3 giorni" in page


def test_mrr_columns_come_from_the_customers_subscription(client_as, partner, customer, change, subscriptions_on):
    Period.objects.create(contact=customer.contact, mrr=Decimal("120.50"), start_date=days(-200), end_date=days(59))
    Period.objects.create(contact=customer.contact, mrr=Decimal("150.00"), start_date=days(60))
    ColumnPreference.objects.create(user=partner, columns=["current_mrr", "upcoming_mrr"])
    page = client_as(partner).get(reverse("renewals:dashboard")).text
    assert "120.50" in page and "150.00" in page
    ids = row_ids(client_as(partner).get(reverse("renewals:dashboard"), {"sort": "-current_mrr"}).text)
    assert ids == [change.pk]


def _dashboard_rows(partner_org, owner, count):
    for i in range(count):
        account = CustomerAccountFactory(contact__owner=owner)
        person = ContactFactory(organisation=account.contact, owner=owner)
        AssociationFactory(partner=partner_org, customer=account)
        ContractChangeFactory(customer=account, start_date=days(i % 120), primary_contact=person if i % 2 else None)


# Session, user, the saved columns (read once), the switched-on features, the partner's customers
# (read once), whether the MRR summary is today's, both counts in one, the page's rows, the page's
# primary contacts through the people gate. Issue 14: it was 12, reading the columns and the
# partner's customers twice, counting twice and every row's people for a dropdown per row.
DASHBOARD_QUERIES = 9


@pytest.mark.parametrize("rows", [10, 500])
def test_query_count_does_not_grow_with_the_rows(client_as, partner, partner_org, rep, frozen_today, subscriptions_on,
                                                 rows, django_assert_max_num_queries):
    ColumnPreference.objects.create(user=partner, columns=["primary_contact", "website", "current_mrr", "upcoming_mrr", "term"])
    _dashboard_rows(partner_org, rep, rows)
    client = client_as(partner)
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        response = client.get(reverse("renewals:dashboard"), {"sort": "-current_mrr"})
    assert len(row_ids(response.text)) == min(rows, 50)
    # Every row offers "not set" and its customer's one person, all read in the page's one query of people.
    results = response.text[response.text.index('id="renewals-results"'):]
    assert results.count('name="primary_contact"') == min(rows, 50)
    assert results.count("</option>") == 2 * min(rows, 50)


def test_a_row_opens_its_menu_with_one_query(client_as, partner, partner_org, rep, frozen_today,
                                            django_assert_max_num_queries):
    """The menu's forms and history are read when a row's menu opens, not for every row of the page;
    the primary contact's dropdown is in its cell, its choices read for the whole page at once."""
    client = client_as(partner)
    _dashboard_rows(partner_org, rep, 60)
    page = client.get(reverse("renewals:dashboard")).text
    results = page[page.index('id="renewals-results"'):]
    assert results.count('<select id="primary-') == results.count("<select") == 50
    assert results.count("<form") == 1 + 50  # "Configure columns", and each row's primary contact
    assert results.count('<details class="row-menu"') == 50
    change = ContractChange.objects.order_by("pk").last()
    with django_assert_max_num_queries(5):  # session, user, the partner's customers, the row, its history
        menu = client.get(reverse("renewals:change_menu", args=[change.pk]), headers={"HX-Request": "true"})
    assert menu.status_code == 200
    assert menu.text.lstrip().startswith('<div class="row-menu-body">')
    assert f'id="owner-{change.pk}"' in menu.text and f'id="primary-{change.pk}"' not in menu.text


def test_mrr_columns_sort_by_currency_then_amount_and_name_a_foreign_currency(
    client_as, partner, partner_org, rep, frozen_today, subscriptions_on, settings
):
    settings.CRM_CURRENCY = "EUR"
    changes = {}
    for name, mrr, currency in [("Hundred euros", "100.00", "EUR"), ("Dollars", "500.00", "USD"), ("Fifty euros", "50.00", "EUR")]:
        customer = make_customer(f"{name} Ltd", rep, partner_org)
        Period.objects.create(contact=customer.contact, mrr=Decimal(mrr), currency=currency, start_date=days(-10), end_date=days(59))
        changes[name] = ContractChangeFactory(customer=customer, start_date=days(60)).pk
    ColumnPreference.objects.create(user=partner, columns=["current_mrr"])
    client = client_as(partner)
    # 500 USD is never compared with euros: the currencies A to Z, the amounts within each
    descending = client.get(reverse("renewals:dashboard"), {"sort": "-current_mrr"}).text
    assert row_ids(descending) == [changes["Hundred euros"], changes["Fifty euros"], changes["Dollars"]]
    ascending = client.get(reverse("renewals:dashboard"), {"sort": "current_mrr"}).text
    assert row_ids(ascending) == [changes["Fifty euros"], changes["Hundred euros"], changes["Dollars"]]
    assert "500.00 USD" in descending and "100.00<" in descending  # the installation's currency goes unnamed


def test_status_says_who_recorded_an_agreement_or_a_cancellation_and_when(client_as, partner, customer, frozen_today):
    recorder = UserFactory(username="recorder", first_name="Rita", last_name="Recorder")
    gone = UserFactory(username="gone")
    agreed_at = datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC)
    ContractChangeFactory(customer=customer, start_date=days(50), agreed_at=agreed_at, agreed_by=recorder)
    ContractChangeFactory(customer=customer, start_date=days(60), cancellation_requested_at=agreed_at,
                          cancellation_requested_by=gone)
    gone.delete()  # the change keeps the fact; the person is "someone"
    client = client_as(partner)
    page = client.get(reverse("renewals:dashboard")).text
    assert "Customer agreed, recorded by Rita Recorder, Nov 20, 2026, 9:30 AM" in page
    assert "Cancellation requested by someone, Nov 20, 2026, 9:30 AM" in page
    italian = client.get(reverse("renewals:dashboard"), headers={"Accept-Language": "it"}).text
    assert "Rita Recorder, 20/11/2026 09:30" in italian and "qualcuno" in italian
