"""Renewals through the API: a partner's upcoming contract changes (the dashboard's rows) and the
row actions, with the services' versions and history rows."""

import datetime
from decimal import Decimal

import pytest

from crm.models import Feature
from renewals.models import ContractChange, ContractChangeLog
from subscriptions.models import Period
from tests.renewals.conftest import (  # noqa: F401 (fixtures)
    change, customer, frozen_today, make_customer, other_org, other_partner, partner_org, their_change, theirs,
)
from tests.renewals.factories import TODAY, ContractChangeFactory

LIST = "/api/v1/renewals/"


def url(change) -> str:
    return f"/api/v1/renewals/{change.pk}/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_a_partner_lists_their_customers_upcoming_changes_by_deadline(api_as, partner, customer, change, frozen_today):
    later = ContractChangeFactory(customer=customer, start_date=TODAY + datetime.timedelta(days=100))
    ContractChangeFactory(customer=customer, start_date=TODAY + datetime.timedelta(days=200))  # past the window
    sooner = ContractChangeFactory(customer=customer, start_date=TODAY + datetime.timedelta(days=10))
    assert ids(api_as(partner).get(LIST)) == [sooner.pk, change.pk, later.pk]


def test_a_row_carries_the_dashboards_values(api_as, partner, customer, change):
    giulia = customer.people().get(name="Giulia Esposito")
    ContractChange.objects.filter(pk=change.pk).update(primary_contact=giulia)
    row = api_as(partner).get(LIST).json()["results"][0]
    assert row | {"url": None} == {
        "id": change.pk, "url": None, "customer": customer.pk, "customer_name": "Helix Labs", "account_id": "ACC-HELIX",
        "website": "https://helix.example", "max_contacts": 1000, "email_limit": 10000, "type": "renewal",
        "status": "pending", "start_date": "2027-01-21", "deadline": "2026-12-07", "billing_frequency": "monthly",
        "term_months": 12, "communication_owner": "vendor", "primary_contact": giulia.pk,
        "primary_contact_name": "Giulia Esposito", "agreed_at": None, "agreed_by": None,
        "cancellation_requested_at": None, "cancellation_requested_by": None, "version": 1,
    }  # Subscriptions is off: no MRR


def test_the_mrr_columns_are_there_while_subscriptions_is_on(api_as, partner, customer, change, subscriptions_on):
    Period.objects.create(contact=customer.contact, mrr=Decimal("80.00"), start_date=datetime.date(2026, 1, 1),
                          end_date=datetime.date(2027, 1, 20))
    Period.objects.create(contact=customer.contact, mrr=Decimal("95.00"), start_date=datetime.date(2027, 1, 21))
    row = api_as(partner).get(LIST).json()["results"][0]
    assert (row["current_mrr"], row["current_mrr_currency"], row["upcoming_mrr"]) == ("80.00", "EUR", "95.00")


def test_who_reads_which_dashboard(api_as, admin_user, manager, rep, partner, other_partner, partner_org, other_org,
                                   change, their_change):
    assert ids(api_as(partner).get(LIST)) == [change.pk]
    assert ids(api_as(other_partner).get(LIST)) == [their_change.pk]
    # an admin reads the partner they name, as on the page; without one, a 400 naming `partner`
    assert ids(api_as(admin_user).get(LIST, {"partner": partner_org.pk})) == [change.pk]
    refused = api_as(admin_user).get(LIST)
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["partner"]
    # another organisation's dashboard, or vendor staff's: not there
    assert api_as(partner).get(LIST, {"partner": other_org.pk}).status_code == 404
    assert api_as(rep).get(LIST).status_code == 404
    assert api_as(manager).get(LIST).status_code == 404


def test_the_list_is_searched_and_paged(api_as, partner, partner_org, customer, change, frozen_today):
    other = make_customer("Zenith Works", customer.contact.owner, partner_org)
    zenith = ContractChangeFactory(customer=other, start_date=TODAY + datetime.timedelta(days=90))
    api = api_as(partner)
    assert ids(api.get(LIST, {"q": "zenith"})) == [zenith.pk]
    first = api.get(LIST, {"limit": 1}).json()
    second = api.get(first["next"].removeprefix("http://testserver")).json()
    assert [row["id"] for row in first["results"] + second["results"]] == [change.pk, zenith.pk]
    assert second["next"] is None
    for params, field in [({"sort": "status"}, "sort"), ({"q": "x" * 101}, "q"), ({"limit": 0}, "limit"),
                          ({"after": "WyJub3QgYSBkYXRlIiwxXQ"}, "after")]:
        response = api.get(LIST, params)
        assert response.status_code == 400 and list(response.json()["errors"]) == [field], params


def test_a_change_is_read_by_whoever_may_act_on_it(api_as, admin_user, rep, outsider, partner, other_partner, change):
    for user in (admin_user, rep, partner):
        response = api_as(user).get(url(change))
        assert response.status_code == 200 and response["ETag"] == '"1"'
    for user in (outsider, other_partner):
        assert api_as(user).get(url(change)).status_code == 404


def test_customer_agreed_is_recorded_once_and_can_be_taken_back(api_as, partner, change):
    api = api_as(partner)
    response = api.post(f"{url(change)}agreed/", headers={"If-Match": '"1"'})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["agreed_by"], body["version"]) == ("renewed", str(partner), 2)
    assert response["ETag"] == '"2"'
    taken_back = api.delete(f"{url(change)}agreed/", {"version": 2})
    assert taken_back.status_code == 200 and taken_back.json()["agreed_at"] is None
    assert list(ContractChangeLog.objects.filter(change=change).order_by("pk").values_list("action", "by__username")) == [
        ("agreed", "partner"), ("agreement_taken_back", "partner")]


def test_cancellation_requested(api_as, rep, change):
    response = api_as(rep).post(f"{url(change)}cancellation/", {"version": 1})
    assert response.status_code == 200
    assert response.json()["status"] == "cancellation_requested"
    assert ContractChangeLog.objects.get(change=change).action == "cancellation_requested"


def test_communication_owner_and_primary_contact_through_the_forms(api_as, partner, customer, change, theirs):
    api = api_as(partner)
    owner = api.post(f"{url(change)}communication-owner/", {"owner": "partner", "version": 1})
    assert owner.status_code == 200 and owner.json()["communication_owner"] == "partner"
    assert api.post(f"{url(change)}communication-owner/", {"owner": "nobody", "version": 2}).status_code == 422
    hugo = customer.people().get(name="Hugo Weber")
    primary = api.post(f"{url(change)}primary-contact/", {"primary_contact": hugo.pk, "version": 2})
    assert primary.status_code == 200 and primary.json()["primary_contact_name"] == "Hugo Weber"
    # another customer's person is not a choice, as in the cell's dropdown
    olga = theirs.people().get()
    refused = api.post(f"{url(change)}primary-contact/", {"primary_contact": olga.pk, "version": 3})
    assert refused.status_code == 422 and refused.json()["errors"]["primary_contact"][0]["code"] == "invalid_choice"
    cleared = api.post(f"{url(change)}primary-contact/", {"primary_contact": None}, headers={"If-Match": '"3"'})
    assert cleared.status_code == 200 and cleared.json()["primary_contact"] is None
    change.refresh_from_db()
    assert (change.communication_owner, change.primary_contact, change.version) == ("partner", None, 4)


def test_a_stale_action_is_refused_and_changes_nothing(api_as, rep, partner, change):
    assert api_as(rep).post(f"{url(change)}communication-owner/", {"owner": "partner", "version": 1}).status_code == 200
    api = api_as(partner)
    header = api.post(f"{url(change)}agreed/", headers={"If-Match": '"1"'})
    body = api.post(f"{url(change)}agreed/", {"version": 1})
    assert (header.status_code, body.status_code) == (412, 409)
    assert api.post(f"{url(change)}agreed/").status_code == 428
    change.refresh_from_db()
    assert change.agreed_at is None and change.version == 2


def test_what_one_may_not_see_cannot_be_acted_on(api_as, outsider, other_partner, change):
    for user in (outsider, other_partner):
        assert api_as(user).post(f"{url(change)}agreed/", {"version": 1}).status_code == 404
    change.refresh_from_db()
    assert change.version == 1 and not ContractChangeLog.objects.exists()


def test_unknown_fields_are_refused(api_as, partner, change):
    response = api_as(partner).post(f"{url(change)}agreed/", {"version": 1, "when": "now"})
    assert response.status_code == 422 and list(response.json()["errors"]) == ["when"]


def test_the_list_reads_a_constant_number_of_queries(api_as, partner, partner_org, customer, change,
                                                      django_assert_max_num_queries, frozen_today):
    api = api_as(partner)
    api.get(LIST)

    def measured():
        # the token, the partner's customers, the features, the rows, the people they name
        with django_assert_max_num_queries(6):
            return len(api.get(LIST).json()["results"])

    assert measured() == 1
    for i in range(30):
        ContractChangeFactory(customer=make_customer(f"Extra{i} Co", customer.contact.owner, partner_org),
                              start_date=TODAY + datetime.timedelta(days=i + 1))
    assert measured() == 31
    assert Feature.objects.filter(name="subscriptions", is_active=True).count() == 0
