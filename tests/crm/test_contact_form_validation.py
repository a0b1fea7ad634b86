"""Bad input on every contact form field: a 4xx, the message on the page, nothing saved."""

import pytest
from django.urls import reverse

from crm.models import Contact
from tests.factories import ContactFactory, OrganisationFactory

VALID = {"kind": "person", "name": "Valid Name", "email": "", "phone": "", "website": "", "address": "", "tags": ""}

BAD_VALUES = [
    ("kind", "robot", "Select a valid choice"),
    ("name", "", "This field is required"),
    ("name", "x" * 201, "at most 200 characters"),
    ("email", "not-an-email", "Enter a valid email address"),
    ("phone", "1" * 41, "at most 40 characters"),
    ("website", "javascript:alert(1)", "Enter a valid URL"),
    ("tags", "ok, " + "t" * 51, "A tag can have at most 50 characters"),
    ("owner", "999999", "Select a valid choice"),
    ("organisation", "999999", "Select a valid choice"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_VALUES)
def test_create_refuses_bad_field(client_as, rep, field, value, message):
    data = {**VALID, "owner": rep.pk, field: value}
    response = client_as(rep).post(reverse("contact_create"), data)
    assert response.status_code == 422
    assert message in response.text
    assert Contact.objects.count() == 0


@pytest.mark.parametrize(("field", "value", "message"), BAD_VALUES)
def test_edit_refuses_bad_field_and_keeps_the_row(client_as, rep, field, value, message):
    contact = ContactFactory(owner=rep, name="Before")
    data = {**VALID, "owner": rep.pk, field: value}
    response = client_as(rep).post(reverse("contact_edit", args=[contact.pk]), data)
    assert response.status_code == 422
    assert message in response.text
    contact.refresh_from_db()
    assert contact.name == "Before"


def test_organisation_cannot_belong_to_an_organisation(client_as, rep):
    parent = OrganisationFactory(owner=rep)
    data = {**VALID, "kind": "organisation", "name": "Child Org", "owner": rep.pk, "organisation": parent.pk}
    response = client_as(rep).post(reverse("contact_create"), data)
    assert response.status_code == 422
    assert "An organisation cannot belong to another organisation." in response.text
    assert not Contact.objects.filter(name="Child Org").exists()


def test_bad_page_number_shows_last_page_not_an_error(client_as, rep, contact):
    assert client_as(rep).get(reverse("contact_list"), {"page": "abc"}).status_code == 200
    assert client_as(rep).get(reverse("contact_list"), {"page": "99999"}).status_code == 200


def test_bad_filter_answers_400_and_lists_nothing(client_as, rep, contact):
    response = client_as(rep).get(reverse("contact_list"), {"kind": "robot"})
    assert response.status_code == 400
    assert contact.name not in response.text
