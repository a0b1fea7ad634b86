"""`/api/v1/contacts/`: the contact list's rows through the visibility gate, its filters and search,
cursor pages, and the contact form's writes with versions and idempotency keys."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from crm.models import Contact, ContactChange, Feature, Tag
from tests.factories import ContactFactory, OrganisationFactory, UserFactory

LIST = "/api/v1/contacts/"


def url(contact) -> str:
    return f"/api/v1/contacts/{contact.pk}/"


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


# Reading ----------------------------------------------------------------------------------------------


def test_each_role_lists_what_the_contact_list_shows_them(api_as, admin_user, manager, rep, outsider, partner,
                                                          contact, outsider_contact):
    mine = ContactFactory(owner=manager, name="Mona Manager-Owned")
    assert names(api_as(rep).get(LIST)) == ["Rita Rep-Owned"]
    assert names(api_as(outsider).get(LIST)) == ["Olga Outsider-Owned"]
    assert names(api_as(manager).get(LIST)) == ["Mona Manager-Owned", "Rita Rep-Owned"]
    assert names(api_as(admin_user).get(LIST)) == ["Mona Manager-Owned", "Olga Outsider-Owned", "Rita Rep-Owned"]
    # a partner has no contacts in the CRM: the resource is not there for them, as the pages are not
    assert api_as(partner).get(LIST).status_code == 404
    assert mine


def test_a_contact_is_read_with_its_version_as_etag(api_as, rep, contact):
    contact.tags.add(Tag.objects.create(name="vip"))
    response = api_as(rep).get(url(contact))
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    body = response.json()
    assert body | {"created_at": None, "updated_at": None} == {
        "id": contact.pk, "url": f"http://testserver{url(contact)}", "kind": "person", "name": "Rita Rep-Owned",
        "email": contact.email, "phone": "", "website": "", "address": "", "external_id": "", "owner": rep.pk,
        "organisation": None, "tags": ["vip"], "version": 1, "created_at": None, "updated_at": None,
    }
    assert response["Cache-Control"] == "private, no-store"


def test_a_contact_one_may_not_see_is_not_found(api_as, rep, outsider_contact, partner, contact):
    assert api_as(rep).get(url(outsider_contact)).status_code == 404
    assert api_as(partner).get(url(contact)).status_code == 404
    missing = api_as(rep).get("/api/v1/contacts/999999/")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"


def test_the_list_takes_the_contact_lists_filters_and_search(api_as, rep):
    ContactFactory(owner=rep, name="Ana Ferreira", email="ana@example.com")
    acme = OrganisationFactory(owner=rep, name="Acme Ferreira Ltd")
    ContactFactory(owner=rep, name="Bruno Costa", organisation=acme).tags.add(Tag.objects.create(name="vip"))
    api = api_as(rep)
    assert names(api.get(LIST, {"q": "ferreira"})) == ["Acme Ferreira Ltd", "Ana Ferreira", "Bruno Costa"]
    assert names(api.get(LIST, {"kind": "organisation"})) == ["Acme Ferreira Ltd"]
    assert names(api.get(LIST, {"tag": "vip"})) == ["Bruno Costa"]


def test_an_invalid_or_unknown_parameter_is_refused_never_the_whole_list(api_as, rep, contact):
    api = api_as(rep)
    for params, field in [({"kind": "robot"}, "kind"), ({"limit": "0"}, "limit"), ({"limit": "many"}, "limit"),
                          ({"owner": "3"}, "owner"), ({"after": "not-a-cursor"}, "after"), ({"q": "x" * 201}, "q")]:
        response = api.get(LIST, params)
        assert response.status_code == 400, params
        assert response["Content-Type"] == "application/problem+json"
        assert list(response.json()["errors"]) == [field], params


def test_cursor_pages_walk_the_whole_list_once_in_order(api_as, manager, rep):
    for i in range(7):
        ContactFactory(owner=rep if i % 2 else manager, name=f"Same Name {i // 3}")
    api = api_as(manager)
    seen, page = [], api.get(LIST, {"limit": 3})
    while True:
        body = page.json()
        seen += [(row["name"], row["id"]) for row in body["results"]]
        if body["next"] is None:
            break
        assert body["next"].startswith("http://testserver/api/v1/contacts/?")
        page = api.get(body["next"].removeprefix("http://testserver"))
    assert seen == sorted(seen) and len(seen) == 7 == len(set(seen))


def test_searched_pages_follow_the_searchs_own_order(api_as, rep):
    for name in ["beta ferreira", "Alpha Ferreira", "GAMMA ferreira", "delta Ferreira"]:
        ContactFactory(owner=rep, name=name)
    api = api_as(rep)
    first = api.get(LIST, {"q": "ferreira", "limit": 2}).json()
    second = api.get(first["next"].removeprefix("http://testserver")).json()
    assert [row["name"] for row in first["results"] + second["results"]] == [
        "Alpha Ferreira", "beta ferreira", "delta Ferreira", "GAMMA ferreira"]
    assert second["next"] is None


@pytest.mark.parametrize("rows", [10, 300])
def test_the_list_reads_the_same_queries_whatever_the_page_size_and_data_size(
        api_as, manager, rep, rows, django_assert_max_num_queries, subscriptions_on):
    from subscriptions.models import Period

    tag = Tag.objects.create(name="vip")
    for i in range(rows):
        contact = ContactFactory(owner=rep if i % 2 else manager, name=f"Contact {i:04}")
        contact.tags.add(tag)
        Period.objects.create(contact=contact, mrr="10.00", start_date="2026-01-01")
    api = api_as(manager)
    api.get(LIST)  # the token's first use writes "last used"; features and caches are read once
    for limit in (5, 100):
        # the token, the manager's team, whether the stored subscription figures are today's, and
        # the page: its ids (merged owner by owner) and its rows as JSON, one statement
        with django_assert_max_num_queries(4):
            response = api.get(LIST, {"limit": limit})
        assert len(response.json()["results"]) == min(limit, rows)


def test_subscription_fields_are_there_while_the_feature_is_on_and_absent_while_off(api_as, rep, contact):
    from subscriptions.models import Period

    Period.objects.create(contact=contact, mrr="120.50", start_date="2026-01-01", end_date="2026-12-31")
    api = api_as(rep)
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC), tick=False):
        off = api.get(url(contact)).json()
        Feature.objects.update_or_create(name="subscriptions", defaults={"is_active": True})
        on = api.get(url(contact)).json()
        listed = api.get(LIST).json()["results"][0]
    assert "current_mrr" not in off and "current_end" not in off
    assert on["current_mrr"] == "120.50" and on["current_currency"] == "EUR" and on["current_end"] == "2026-12-31"
    assert listed["current_mrr"] == "120.50"


# Creating ---------------------------------------------------------------------------------------------


def test_a_contact_is_created_through_the_contact_form_owned_by_the_tokens_person(api_as, rep):
    response = api_as(rep).post(LIST, {"name": "Nina New", "email": "nina@example.com", "tags": ["vip", "b2b"]})
    assert response.status_code == 201, response.content
    contact = Contact.objects.get(name="Nina New")
    assert (contact.owner, contact.kind, contact.email, contact.version) == (rep, "person", "nina@example.com", 1)
    assert sorted(contact.tags.values_list("name", flat=True)) == ["b2b", "vip"]
    assert response["Location"] == f"http://testserver{url(contact)}"
    assert response["ETag"] == '"1"'
    assert response.json()["tags"] == ["b2b", "vip"]


def test_a_refused_create_gives_the_forms_own_field_errors_and_writes_nothing(api_as, rep, outsider):
    response = api_as(rep).post(LIST, {"name": "", "email": "not-an-address", "owner": outsider.pk, "colour": "red"})
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "/api/v1/problems/invalid" and body["status"] == 422
    assert set(body["errors"]) == {"colour"}  # an unknown field first: nothing else is read
    response = api_as(rep).post(LIST, {"name": "", "email": "not-an-address", "owner": outsider.pk})
    errors = response.json()["errors"]
    assert errors["name"] == [{"message": "This field is required.", "code": "required"}]
    assert errors["email"] == [{"message": "Enter a valid email address.", "code": "invalid"}]
    assert errors["owner"][0]["code"] == "invalid_choice"  # another team's rep: the form's own refusal
    assert not Contact.objects.exists()


def test_the_same_idempotency_key_twice_makes_one_contact(api_as, rep, outsider):
    api = api_as(rep)
    first = api.post(LIST, {"name": "Once Only"}, headers={"Idempotency-Key": "order-42"})
    again = api.post(LIST, {"name": "Once Only"}, headers={"Idempotency-Key": "order-42"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Contact.objects.filter(name="Once Only").count() == 1
    # another key, or another person's same key, is another contact
    assert api.post(LIST, {"name": "Once Only"}, headers={"Idempotency-Key": "order-43"}).status_code == 201
    assert api_as(outsider).post(LIST, {"name": "Once Only"}, headers={"Idempotency-Key": "order-42"}).status_code == 201
    assert Contact.objects.filter(name="Once Only").count() == 3
    assert api.post(LIST, {"name": "X"}, headers={"Idempotency-Key": "spaces are not allowed"}).status_code == 400


def test_an_idempotency_key_whose_contact_went_to_another_owner_does_not_show_it(api_as, rep, outsider):
    api = api_as(rep)
    made = api.post(LIST, {"name": "Handed Over"}, headers={"Idempotency-Key": "k"}).json()
    Contact.objects.filter(pk=made["id"]).update(owner=outsider)
    again = api.post(LIST, {"name": "Handed Over"}, headers={"Idempotency-Key": "k"})
    assert again.status_code == 409
    assert "Handed Over" not in again.text


# Changing ---------------------------------------------------------------------------------------------


def test_patch_with_if_match_changes_the_fields_sent_and_keeps_the_others(api_as, rep, contact):
    contact.tags.add(Tag.objects.create(name="vip"))
    response = api_as(rep).patch(url(contact), {"phone": "+39 02 1234"}, headers={"If-Match": '"1"'})
    assert response.status_code == 200, response.content
    contact.refresh_from_db()
    assert (contact.phone, contact.name, contact.version) == ("+39 02 1234", "Rita Rep-Owned", 2)
    assert list(contact.tags.values_list("name", flat=True)) == ["vip"]
    assert response["ETag"] == '"2"' and response.json()["version"] == 2


def test_a_stale_if_match_is_412_and_a_stale_body_version_409_and_nothing_changes(api_as, rep, contact):
    api = api_as(rep)
    assert api.patch(url(contact), {"name": "First"}, headers={"If-Match": '"1"'}).status_code == 200
    stale_header = api.patch(url(contact), {"name": "Second"}, headers={"If-Match": '"1"'})
    stale_body = api.patch(url(contact), {"name": "Second", "version": 1})
    assert (stale_header.status_code, stale_body.status_code) == (412, 409)
    assert stale_header.json()["type"] == "/api/v1/problems/stale-version"
    assert stale_header["ETag"] == '"2"'
    contact.refresh_from_db()
    assert (contact.name, contact.version) == ("First", 2)


def test_a_write_without_a_version_is_refused(api_as, rep, contact):
    api = api_as(rep)
    assert api.patch(url(contact), {"name": "No Version"}).status_code == 428
    assert api.delete(url(contact)).status_code == 428
    assert api.patch(url(contact), {"name": "x"}, headers={"If-Match": "yesterday"}).status_code == 400
    assert api.patch(url(contact), {"name": "x", "version": "1"}).status_code == 422
    contact.refresh_from_db()
    assert contact.version == 1


def test_put_replaces_every_field_and_refuses_what_the_form_requires(api_as, rep, contact):
    api = api_as(rep)
    refused = api.put(url(contact), {"name": "Only A Name", "version": 1})
    assert refused.status_code == 422 and set(refused.json()["errors"]) == {"kind", "owner"}
    response = api.put(url(contact), {"kind": "person", "name": "Replaced", "owner": rep.pk, "version": 1})
    assert response.status_code == 200
    contact.refresh_from_db()
    assert (contact.name, contact.email, contact.version) == ("Replaced", "", 2)


def test_a_read_write_client_may_send_back_what_it_read(api_as, rep, contact):
    api = api_as(rep)
    read = api.get(url(contact)).json()
    response = api.put(url(contact), {**read, "name": "Round Trip"})
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Round Trip"


def test_an_edit_of_a_contact_one_may_not_see_is_not_found_and_changes_nothing(api_as, rep, outsider_contact):
    response = api_as(rep).patch(url(outsider_contact), {"name": "Mine Now"}, headers={"If-Match": '"1"'})
    assert response.status_code == 404
    outsider_contact.refresh_from_db()
    assert outsider_contact.name == "Olga Outsider-Owned"


# Deleting ---------------------------------------------------------------------------------------------


def test_delete_with_its_version_writes_the_bulk_deletes_audit_row(api_as, rep, contact):
    assert api_as(rep).delete(url(contact), headers={"If-Match": '"1"'}).status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()
    audit = ContactChange.objects.get(contact_pk=contact.pk)
    assert (audit.action, audit.contact_name, audit.changed_by) == ("deleted", "Rita Rep-Owned", rep)


def test_a_stale_delete_deletes_nothing(api_as, rep, contact):
    api = api_as(rep)
    assert api.patch(url(contact), {"name": "Edited"}, headers={"If-Match": '"1"'}).status_code == 200
    assert api.delete(url(contact), headers={"If-Match": '"1"'}).status_code == 412
    assert api.delete(url(contact), {"version": 1}).status_code == 409
    assert Contact.objects.filter(pk=contact.pk).exists() and not ContactChange.objects.exists()


def test_the_api_and_the_form_make_the_same_contact(api_as, client_as, rep):
    """One set of rules: the same values through the page and through the API make the same row."""
    values = {"kind": "person", "name": "Twin", "email": "twin@example.com", "phone": "+39 1", "owner": rep.pk}
    client_as(rep).post(reverse("contact_create"), {**values, "tags": "b, a"})
    api_as(rep).post(LIST, {**values, "tags": ["b", "a"]})
    fields = ["kind", "name", "email", "phone", "website", "address", "owner", "organisation", "version"]
    by_form, by_api = (Contact.objects.filter(name="Twin").order_by("pk").values(*fields))
    assert by_form == by_api
    assert [list(c.tags.order_by("name").values_list("name", flat=True)) for c in Contact.objects.filter(name="Twin")] \
        == [["a", "b"], ["a", "b"]]


def test_a_manager_writes_their_teams_contacts_as_the_pages_let_them(api_as, manager, rep, contact):
    other = UserFactory(username="elsewhere")
    api = api_as(manager)
    assert api.patch(url(contact), {"owner": manager.pk}, headers={"If-Match": '"1"'}).status_code == 200
    refused = api.patch(url(contact), {"owner": other.pk}, headers={"If-Match": '"2"'})
    assert refused.status_code == 422 and "owner" in refused.json()["errors"]


def test_a_teams_filtered_pages_merge_every_owners_rows_in_order(api_as, manager, rep):
    """A manager's rows are read owner by owner and merged: with a filter and a cursor, still each
    matching row once, in the list's order."""
    vip = Tag.objects.create(name="vip")
    expected = []
    for i in range(9):
        owner = (manager, rep)[i % 2]
        contact = ContactFactory(owner=owner, name=f"Shared {i % 3}", kind="organisation" if i % 4 else "person")
        if i != 4:
            contact.tags.add(vip)
            if contact.kind == "organisation":
                expected.append((contact.name, contact.pk))
    api, seen = api_as(manager), []
    page = api.get(LIST, {"tag": "vip", "kind": "organisation", "limit": 2}).json()
    while True:
        seen += [(row["name"], row["id"]) for row in page["results"]]
        if page["next"] is None:
            break
        page = api.get(page["next"].removeprefix("http://testserver")).json()
    assert seen == sorted(expected)
