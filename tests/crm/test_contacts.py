import pytest
from django.urls import reverse

from crm.models import Contact
from tests.factories import ContactFactory, OrganisationFactory


def test_rep_sees_only_own_contacts_in_list(client_as, rep, contact, outsider_contact):
    response = client_as(rep).get(reverse("contact_list"))
    assert response.status_code == 200
    assert contact.name in response.text
    assert outsider_contact.name not in response.text


def test_manager_sees_team_contacts_but_not_other_teams(client_as, manager, contact, outsider_contact):
    response = client_as(manager).get(reverse("contact_list"))
    assert contact.name in response.text
    assert outsider_contact.name not in response.text


def test_admin_sees_every_contact(client_as, admin_user, contact, outsider_contact):
    response = client_as(admin_user).get(reverse("contact_list"))
    assert contact.name in response.text and outsider_contact.name in response.text


def test_search_matches_name_email_and_organisation(client_as, rep):
    org = OrganisationFactory(owner=rep, name="Lumen Software")
    ContactFactory(owner=rep, name="Ana Lima", organisation=org)
    ContactFactory(owner=rep, name="Zed Other", email="zed@elsewhere.example")
    response = client_as(rep).get(reverse("contact_list"), {"q": "lumen"})
    assert "Ana Lima" in response.text and "Zed Other" not in response.text
    response = client_as(rep).get(reverse("contact_list"), {"q": "elsewhere"})
    assert "Zed Other" in response.text and "Ana Lima" not in response.text


def test_search_follows_an_organisation_renamed_or_deleted(client_as, rep):
    org = OrganisationFactory(owner=rep, name="Lumen Software")
    ContactFactory(owner=rep, name="Ana Lima", organisation=org)
    client = client_as(rep)
    org.name = "Prism Labs"
    org.save()
    assert "Ana Lima" in client.get(reverse("contact_list"), {"q": "prism"}).text
    assert "Ana Lima" not in client.get(reverse("contact_list"), {"q": "lumen"}).text
    org.delete()
    assert "Ana Lima" not in client.get(reverse("contact_list"), {"q": "prism"}).text
    assert "Ana Lima" in client.get(reverse("contact_list"), {"q": "ana"}).text


def test_htmx_search_returns_only_the_results_region(client_as, rep, contact):
    response = client_as(rep).get(reverse("contact_list"), {"q": "Rita"}, headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<section id="contact-results"')
    assert "<html" not in response.text


def test_list_is_paginated(client_as, rep):
    ContactFactory.create_batch(30, owner=rep)
    first = client_as(rep).get(reverse("contact_list"))
    assert "30 contacts" in first.text and "Page 1 of 2" in first.text
    second = client_as(rep).get(reverse("contact_list"), {"page": 2})
    assert "Page 2 of 2" in second.text


@pytest.mark.parametrize("rows", [10, 1000])
def test_list_query_count_does_not_grow_with_rows(client_as, rep, rows, django_assert_max_num_queries):
    org = OrganisationFactory(owner=rep)
    ContactFactory.create_batch(rows, owner=rep, organisation=org)
    client = client_as(rep)
    with django_assert_max_num_queries(7):
        assert client.get(reverse("contact_list")).status_code == 200


def test_rep_creates_contact_with_tags(client_as, rep):
    response = client_as(rep).post(
        reverse("contact_create"),
        {"kind": "person", "name": "New Person", "email": "new@example.com", "owner": rep.pk, "tags": "vip, smb, vip"},
    )
    contact = Contact.objects.get(name="New Person")
    assert response.status_code == 302 and response["Location"] == contact.get_absolute_url()
    assert sorted(contact.tags.values_list("name", flat=True)) == ["smb", "vip"]
    page = client_as(rep).get(contact.get_absolute_url())
    assert "New Person" in page.text and "vip" in page.text


def test_rep_cannot_give_a_contact_to_someone_else(client_as, rep, outsider):
    response = client_as(rep).post(reverse("contact_create"), {"kind": "person", "name": "X", "owner": outsider.pk})
    assert response.status_code == 422
    assert not Contact.objects.filter(name="X").exists()


def test_manager_can_assign_to_team_rep(client_as, manager, rep):
    client_as(manager).post(reverse("contact_create"), {"kind": "organisation", "name": "Team Org", "owner": rep.pk})
    assert Contact.objects.get(name="Team Org").owner == rep


def test_edit_keeps_tags_and_changes_fields(client_as, rep, contact):
    contact.tags.create(name="vip")
    client = client_as(rep)
    form_page = client.get(reverse("contact_edit", args=[contact.pk]))
    assert 'value="vip"' in form_page.text
    response = client.post(
        reverse("contact_edit", args=[contact.pk]),
        {"kind": "person", "name": "Rita Renamed", "owner": rep.pk, "tags": "vip", "version": 1},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.name == "Rita Renamed"
    assert list(contact.tags.values_list("name", flat=True)) == ["vip"]


def test_organisation_page_lists_its_people(client_as, rep):
    org = OrganisationFactory(owner=rep, name="Cedar Logistics")
    ContactFactory(owner=rep, name="Paolo Person", organisation=org)
    response = client_as(rep).get(org.get_absolute_url())
    assert "Paolo Person" in response.text


def test_person_cannot_pick_an_invisible_organisation(client_as, rep, outsider):
    hidden_org = OrganisationFactory(owner=outsider)
    response = client_as(rep).post(
        reverse("contact_create"), {"kind": "person", "name": "Sneaky", "owner": rep.pk, "organisation": hidden_org.pk}
    )
    assert response.status_code == 422
    assert not Contact.objects.filter(name="Sneaky").exists()


def test_tag_filter_lists_contacts_with_that_tag(client_as, rep):
    tagged = ContactFactory(owner=rep, name="Tagged Tina")
    tagged.tags.create(name="vip")
    ContactFactory(owner=rep, name="Plain Paul")
    response = client_as(rep).get(reverse("contact_list"), {"tag": "vip"})
    assert "Tagged Tina" in response.text and "Plain Paul" not in response.text
