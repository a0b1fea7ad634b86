"""Malformed query strings against every list: never a server error, never a wider list.

Each list gets its own parameters and the hostile keys of tests/crm/test_hostile_input.py (shapes
of past Django ORM injection advisories: dict expansion into `filter(**kwargs)`, `_connector`,
relation spans to the password), each with hostile values (huge numbers, bad dates, unicode, NUL
bytes, SQL), alone and repeated. Each list holds one row the user may see and one they may not;
the second must never appear, and an invalid query answers 4xx without falling back to the whole
list. The contact list is covered in tests/crm/test_hostile_input.py; smart lists in
tests/reliability/test_smartlists_reliability.py.
"""

import datetime

import pytest
import time_machine
from django.urls import reverse

from crm.models import Contact
from subscriptions.models import Period
from tests.crm.test_hostile_input import MALICIOUS_KEYS, MALICIOUS_VALUES
from tests.factories import ContactFactory

EXTRA_VALUES = [
    "0", "1", "2", "99999999999999999999", "-0", "1.5", "1e3", "2026-11-22", "9999-12-31", "-deadline", "-",
    "customer__contact__owner__password", "-customer__contact__owner__password", "summary", "slot", "periods",
]


def payloads(own_keys):
    """Every hostile value under the list's own keys and the hostile keys; repeated under its own."""
    for key in [*own_keys, *MALICIOUS_KEYS]:
        for value in [*MALICIOUS_VALUES, *EXTRA_VALUES]:
            yield {key: value}
            if key in own_keys:
                yield {key: [value, value + "x"]}


def run_payloads(client, url, own_keys, *, allowed, visible, hidden, htmx=False):
    """`htmx`: every other request asks for the htmx partial, the other half for the whole page."""
    tried = 0
    for index, query in enumerate(payloads(own_keys)):
        headers = {"HX-Request": "true"} if htmx and index % 2 else {}
        response = client.get(url, query, headers=headers)
        tried += 1
        assert response.status_code in allowed, (url, query, response.status_code)
        text = response.content.decode()
        assert hidden not in text, (url, query)
        if response.status_code >= 400 and visible:
            assert visible not in text, (url, query, "an invalid query fell back to the unfiltered list")
    return tried


@pytest.fixture
def frozen():
    with time_machine.travel(datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.UTC), tick=False):
        yield


def test_renewals_dashboard_malformed_queries(client, partner, outsider, rep, frozen):
    from tests.renewals.factories import AssociationFactory, ContractChangeFactory, PartnerOrganisationFactory

    ours = AssociationFactory(partner=PartnerOrganisationFactory(users=[partner]),
                              customer__contact__owner=rep, customer__contact__name="Visible Vicky Ltd").customer
    theirs = AssociationFactory(customer__contact__owner=outsider, customer__contact__name="Secret Sam Corp").customer
    ContractChangeFactory(customer=ours, start_date=datetime.date(2026, 12, 20))
    ContractChangeFactory(customer=theirs, start_date=datetime.date(2026, 12, 20))
    client.force_login(partner)
    assert "Visible Vicky Ltd" in client.get(reverse("renewals:dashboard")).text
    tried = run_payloads(client, reverse("renewals:dashboard"), ["q", "sort", "page"], allowed=(200, 400),
                         visible="Visible Vicky Ltd", hidden="Secret Sam Corp", htmx=True)
    assert tried >= 500


def test_pipeline_malformed_queries(client, rep, outsider, subscriptions_on, frozen):
    outsider.first_name, outsider.last_name = "Secret", "Sam"
    outsider.save()
    secret = ContactFactory(owner=outsider, name="Secret Sam Corp")
    Period.objects.create(contact=secret, mrr="999.00", start_date="2026-01-01", end_date="2027-12-31")
    mine = ContactFactory(owner=rep, name="Mine")
    Period.objects.create(contact=mine, mrr="123.00", start_date="2026-01-01", end_date="2027-12-31")
    client.force_login(rep)
    assert "123" in client.get(reverse("subscriptions:pipeline")).text
    tried = run_payloads(client, reverse("subscriptions:pipeline"), ["owner", "rep", "page", "currency"],
                         allowed=(200,), visible=None, hidden="Secret Sam")
    assert tried >= 500


def test_movements_malformed_queries(client, rep, outsider, subscriptions_on, frozen):
    """Any start, end or owner: the rep's own report or a 400, never the outsider's figures."""
    outsider.first_name, outsider.last_name = "Secret", "Sam"
    outsider.save()
    Period.objects.create(contact=ContactFactory(owner=outsider), mrr="999.00", start_date="2026-01-01")
    Period.objects.create(contact=ContactFactory(owner=rep), mrr="123.00", start_date="2026-01-01")
    client.force_login(rep)
    assert "123.00" in client.get(reverse("subscriptions:movements")).text
    tried = 0
    for url in (reverse("subscriptions:movements"), reverse("subscriptions:movements_csv")):
        tried += run_payloads(client, url, ["start", "end", "owner"], allowed=(200, 400), visible=None,
                              hidden="999.00")
    assert tried >= 1000


def test_history_paging_and_widget_parts_malformed_queries(client, rep, outsider, subscriptions_on, frozen):
    contact = ContactFactory(owner=rep, name="Paged Contact")
    Period.objects.create(contact=contact, mrr="10.00", start_date="2025-06-01", end_date="2026-12-31")
    secret = ContactFactory(owner=outsider, name="Secret Sam Corp")
    client.force_login(rep)
    history = reverse("subscriptions:history", args=[contact.pk])
    assert client.get(history, {"page": 2}).status_code == 200
    tried = run_payloads(client, history, ["page"], allowed=(200, 404), visible=None, hidden="Secret Sam Corp",
                         htmx=True)
    widget = reverse("subscriptions:contact", args=[contact.pk])
    tried += run_payloads(client, widget, ["part"], allowed=(200, 400), visible=None, hidden="Secret Sam Corp",
                          htmx=True)
    assert tried >= 1000
    # someone else's contact stays a 404 whatever the query
    for query in list(payloads(["page"]))[:100]:
        assert client.get(reverse("subscriptions:history", args=[secret.pk]), query).status_code == 404


def test_contact_list_htmx_partial_malformed_queries(client, rep, outsider):
    ContactFactory(owner=rep, name="Visible Vera")
    ContactFactory(owner=outsider, name="Secret Sam")
    client.force_login(rep)
    tried = run_payloads(client, reverse("contact_list"), ["q", "kind", "tag", "page"], allowed=(200, 400),
                         visible="Visible Vera", hidden="Secret Sam", htmx=True)
    assert tried >= 500 and Contact.objects.count() == 2
