"""A partner sees only its associated, not-ended customers, on every path; anything else is 404."""

import datetime

import pytest
from django.apps import apps
from django.urls import reverse

from renewals import services
from renewals.models import Association, ContractChange
from tests.renewals.conftest import make_customer
from tests.renewals.factories import TODAY, ContractChangeFactory

pytestmark = pytest.mark.django_db

ACTIONS = {
    "renewals:change_primary_contact": {"primary_contact": ""},
    "renewals:change_communication_owner": {"owner": "partner"},
    "renewals:change_agreed": {},
    "renewals:change_cancellation": {},
}


def _counts():
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def world(rep, partner_org, customer, change, theirs, their_change):
    """Beside ours and another partner's: an ended association, and a customer with no partner."""
    ended = make_customer("Ember Studios", rep, partner_org, people=("Eve Ended",))
    ended_change = ContractChangeFactory(customer=ended, start_date=TODAY + datetime.timedelta(days=20))
    services.association_end(association=ended.associations.get(), by=rep)
    direct = make_customer("Delta Foods", rep, people=("Dan Direct",))
    direct_change = ContractChangeFactory(customer=direct, start_date=TODAY + datetime.timedelta(days=25))
    return {
        "ours": (customer, change),
        "theirs": (theirs, their_change),
        "ended": (ended, ended_change),
        "direct": (direct, direct_change),
    }


def test_dashboard_lists_only_our_running_customers(client_as, partner, world):
    page = client_as(partner).get(reverse("renewals:dashboard")).text
    assert "Helix Labs" in page
    for hidden in ["Quartz Finance", "Ember Studios", "Delta Foods"]:
        assert hidden not in page


def test_another_partners_dashboard_lists_only_theirs(client_as, other_partner, world):
    page = client_as(other_partner).get(reverse("renewals:dashboard")).text
    assert "Quartz Finance" in page
    assert "Helix Labs" not in page and "Ember Studios" not in page


@pytest.mark.parametrize("text", ["Quartz", "quartz.example", "ACC-QUARTZ", "Ember", "Delta"])
def test_search_never_reaches_other_customers(client_as, partner, world, text):
    response = client_as(partner).get(reverse("renewals:dashboard"), {"q": text}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="change-' not in response.text


@pytest.mark.parametrize("text", ["Helix", "helix.example", "ACC-HELIX"])
def test_search_by_name_website_or_account_id(client_as, partner, world, text):
    response = client_as(partner).get(reverse("renewals:dashboard"), {"q": text}, headers={"HX-Request": "true"})
    assert f'id="change-{world["ours"][1].pk}"' in response.text


@pytest.mark.parametrize("key", ["theirs", "ended", "direct"])
def test_customer_page_of_others_is_404(client_as, partner, world, key):
    customer, _ = world[key]
    client = client_as(partner)
    assert client.get(reverse("renewals:customer", args=[customer.pk])).status_code == 404
    assert client.get(reverse("renewals:end_association", args=[customer.pk])).status_code == 404


def test_customer_page_of_ours(client_as, partner, world):
    customer, change = world["ours"]
    response = client_as(partner).get(reverse("renewals:customer", args=[customer.pk]))
    assert response.status_code == 200
    assert "Giulia Esposito" in response.text and "Olga Other" not in response.text
    assert f'id="change-{change.pk}"' in response.text


def test_the_other_partner_cannot_open_our_customer(client_as, other_partner, world):
    customer, _ = world["ours"]
    assert client_as(other_partner).get(reverse("renewals:customer", args=[customer.pk])).status_code == 404


def test_dropdown_offers_only_that_customers_people(client_as, partner, world):
    client = client_as(partner)
    page = client.get(reverse("renewals:dashboard")).text
    row = page[page.index(f'<tr id="change-{world["ours"][1].pk}"'):]
    row = row[:row.index("</tr>")]
    assert ">Giulia Esposito</option>" in row and ">Hugo Weber</option>" in row
    for stranger in ["Olga Other", "Eve Ended", "Dan Direct"]:
        assert stranger not in page


@pytest.mark.parametrize("key", ["theirs", "ended", "direct"])
def test_the_menu_of_others_changes_is_404(client_as, partner, world, key):
    _, change = world[key]
    for headers in ({}, {"HX-Request": "true"}):
        assert client_as(partner).get(reverse("renewals:change_menu", args=[change.pk]), headers=headers).status_code == 404


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("key", ["theirs", "ended", "direct"])
def test_forged_actions_on_others_changes_are_404_and_write_nothing(client_as, partner, world, action, key):
    _, change = world[key]
    client = client_as(partner)
    before = _counts()
    data = {"version": change.version, "layout": "dashboard", **ACTIONS[action]}
    response = client.post(reverse(action, args=[change.pk]), data, headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert _counts() == before
    change.refresh_from_db()
    assert change.version == 1 and change.agreed_at is None and change.cancellation_requested_at is None


@pytest.mark.parametrize("key", ["theirs", "ended", "direct"])
def test_forged_end_association_of_others_is_404(client_as, partner, world, key):
    customer, _ = world[key]
    response = client_as(partner).post(reverse("renewals:end_association", args=[customer.pk]))
    assert response.status_code == 404
    assert Association.objects.filter(customer=customer, ended_at__isnull=True).count() == (key == "theirs")


def test_forged_primary_contact_from_another_customer_is_refused(client_as, partner, world):
    _, change = world["ours"]
    stranger = world["theirs"][0].people().get()
    response = client_as(partner).post(
        reverse("renewals:change_primary_contact", args=[change.pk]),
        {"version": 1, "layout": "dashboard", "primary_contact": stranger.pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Select a valid choice" in response.text
    change.refresh_from_db()
    assert change.primary_contact is None and change.version == 1


def test_vendor_staff_see_customers_through_their_contacts(client_as, rep, manager, outsider, admin_user, world):
    customer, _ = world["ours"]
    url = reverse("renewals:customer", args=[customer.pk])
    for user in [rep, manager, admin_user]:
        assert client_as(user).get(url).status_code == 200, user
    assert client_as(outsider).get(url).status_code == 404
    assert client_as(outsider).get(reverse("renewals:customer", args=[world["theirs"][0].pk])).status_code == 200


def test_reps_and_managers_have_no_partner_dashboard(client_as, rep, manager, world):
    # An admin reads any partner's: tests/renewals/test_dashboard_admin.py.
    for user in [rep, manager]:
        assert client_as(user).get(reverse("renewals:dashboard")).status_code == 404
        partner_id = world["ours"][0].associations.get().partner_id
        assert client_as(user).get(reverse("renewals:dashboard"), {"partner": partner_id}).status_code == 404


def test_queryset_gates_agree(partner, other_partner, world):
    assert set(ContractChange.objects.visible_to(partner)) == {world["ours"][1]}
    assert set(ContractChange.objects.visible_to(other_partner)) == {world["theirs"][1]}
