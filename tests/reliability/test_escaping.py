"""Stored HTML and htmx attributes in every name are escaped on every page that shows them.

One world where everything a user can type holds markup: contact, organisation and tag names,
user names, period descriptions, customer websites and account IDs, partner organisation names.
Every page of every role is fetched (whole page and htmx partials); none may contain the markup
as markup, and the escaped text must be there (so the page really showed the data).
"""

import datetime

import pytest
import time_machine
from django.urls import reverse

from crm import features
from crm.models import Contact, Tag
from renewals import columns
from renewals.models import ColumnPreference
from subscriptions import services
from tests.factories import ContactFactory

IMG = '<img src=x onerror="alert(1)">'
HTMX = '"><button hx-post="/accounts/logout/" hx-trigger="load">x</button>'
PAYLOAD = IMG + HTMX
LIVE = ['<img src=x', 'hx-post="/accounts/logout/"', "<button hx-", 'onerror="alert']


@pytest.fixture
def hostile_world(admin_user, manager, rep, partner):
    from tests.renewals.factories import AssociationFactory, ContractChangeFactory, PartnerOrganisationFactory

    with time_machine.travel(datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.UTC), tick=False):
        for user in (admin_user, manager, rep, partner):
            user.first_name, user.last_name = IMG, HTMX
            user.save()
        features.feature_set_active(name="subscriptions", active=True, by=admin_user)
        org = ContactFactory(owner=rep, name="Org " + PAYLOAD, kind=Contact.Kind.ORGANISATION, website="https://x.example")
        person = ContactFactory(owner=rep, name="Person " + PAYLOAD, organisation=org)
        person.tags.add(Tag.objects.create(name=IMG[:50]), Tag.objects.create(name=HTMX[:50]))
        period = services.period_create(contact=org, by=rep, data={
            "currency": "EUR", "mrr": "100.00", "start_date": datetime.date(2026, 1, 1),
            "end_date": datetime.date(2026, 12, 31), "term_months": 12, "description": PAYLOAD[:200],
        })
        services.period_change(contact=org, by=rep, data={
            "currency": "EUR", "mrr": "150.00", "start_date": datetime.date(2027, 1, 1), "end_date": None,
            "term_months": None, "description": PAYLOAD[:200],
        })
        association = AssociationFactory(
            partner=PartnerOrganisationFactory(name="Partner " + PAYLOAD, users=[partner]),
            customer__contact=org, customer__account_id=HTMX[:40], customer__website="https://x.example/?a=%22%3E",
        )
        change = ContractChangeFactory(customer=association.customer, start_date=datetime.date(2026, 12, 20),
                                       primary_contact=person)
        ColumnPreference.objects.create(user=partner, columns=[c.key for c in columns.OPTIONAL])
        return {"org": org, "person": person, "period": period, "customer": association.customer, "change": change}


def _pages(world):
    org, person, period, customer = world["org"], world["person"], world["period"], world["customer"]
    vendor = [
        reverse("contact_list"), reverse("contact_list") + "?q=Org", reverse("contact_create"),
        org.get_absolute_url(), person.get_absolute_url(),
        reverse("contact_edit", args=[org.pk]), reverse("contact_edit", args=[person.pk]),
        reverse("subscriptions:contact", args=[org.pk]), reverse("subscriptions:history", args=[org.pk]),
        reverse("subscriptions:period_create", args=[org.pk]), reverse("subscriptions:period_change", args=[org.pk]),
        reverse("subscriptions:period_edit", args=[period.pk]), reverse("subscriptions:period_delete", args=[period.pk]),
        reverse("subscriptions:pipeline"),
        reverse("renewals:customer", args=[customer.pk]), reverse("renewals:end_association", args=[customer.pk]),
    ]
    partner = [
        reverse("renewals:dashboard"), reverse("renewals:dashboard") + "?q=Org",
        reverse("renewals:customer", args=[customer.pk]), reverse("renewals:end_association", args=[customer.pk]),
    ]
    admin = [reverse("settings_index"), reverse("customize_feature", args=["subscriptions"])]
    return {"admin_user": vendor + admin, "manager": vendor, "rep": vendor, "partner": partner}


def _assert_escaped(text, where):
    for marker in LIVE:
        assert marker not in text, f"{where}: {marker!r} is live markup"


@pytest.mark.parametrize("role", ["admin_user", "manager", "rep", "partner"])
def test_every_page_escapes_stored_markup(client, request, hostile_world, role):
    client.force_login(request.getfixturevalue(role))
    escaped_somewhere = 0
    with time_machine.travel(datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.UTC), tick=False):
        for url in _pages(hostile_world)[role]:
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(url, headers=headers)
                assert response.status_code == 200, (role, url, response.status_code)
                _assert_escaped(response.text, f"{role} {url} {headers}")
                escaped_somewhere += "&lt;img src=x" in response.text
    assert escaped_somewhere > 0


def test_widget_parts_and_action_rows_escape_stored_markup(client, rep, partner, hostile_world):
    org, change = hostile_world["org"], hostile_world["change"]
    client.force_login(rep)
    with time_machine.travel(datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.UTC), tick=False):
        for part in ("summary", "periods", "slot"):
            response = client.get(reverse("subscriptions:contact", args=[org.pk]), {"part": part},
                                  headers={"HX-Request": "true"})
            assert response.status_code == 200
            _assert_escaped(response.text, part)
        client.force_login(partner)
        for layout in ("dashboard", "customer"):
            # a stale version answers the row with its error; a fresh one the saved row
            for version in (99, change.version):
                response = client.post(reverse("renewals:change_communication_owner", args=[change.pk]),
                                       {"version": version, "owner": "partner", "layout": layout},
                                       headers={"HX-Request": "true"})
                assert response.status_code in (200, 422)
                _assert_escaped(response.text, f"row {layout} {version}")
                change.refresh_from_db()


def test_smart_list_cells_escape_stored_markup(client, admin_user, hostile_world):
    """Every column of a smart list, names, tags and users holding markup: shown as text."""
    from crm import fields
    from smartlists.models import SmartList

    smartlist = SmartList.objects.create(owner=admin_user, name="Every column " + PAYLOAD,
                                         columns=[f.key for f in fields.all_fields()])
    client.force_login(admin_user)
    with time_machine.travel(datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.UTC), tick=False):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(reverse("smartlists:detail", args=[smartlist.pk]), headers=headers)
            assert response.status_code == 200
            _assert_escaped(response.text, f"smart list {headers}")
            body = response.text.split("<tbody>")[1]
            assert "Org &lt;img src=x" in body and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in body


def test_invalid_forms_echo_markup_escaped(client, rep, hostile_world):
    org = hostile_world["org"]
    client.force_login(rep)
    response = client.post(reverse("contact_edit", args=[org.pk]), {"name": PAYLOAD, "kind": "bogus"})
    assert response.status_code == 422
    _assert_escaped(response.text, "contact form")
    response = client.post(reverse("subscriptions:period_create", args=[org.pk]),
                           {"currency": PAYLOAD, "description": PAYLOAD, "start_date": PAYLOAD},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    _assert_escaped(response.text, "period form")
    response = client.get(reverse("contact_list"), {"q": PAYLOAD, "tag": PAYLOAD})
    _assert_escaped(response.text, "contact list with a hostile query")
