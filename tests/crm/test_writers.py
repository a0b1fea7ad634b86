"""Two people writing the same contact: the second, stale save is refused; a create posted twice makes one."""

import re

from django.test import Client
from django.urls import reverse

from crm.models import Contact
from tests.factories import ContactFactory


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form_data(response) -> dict:
    """What the browser would post back: every field of the rendered form, as it was read."""
    form = response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list | tuple):
            value = ", ".join(str(item) for item in value)
        data[name] = "" if value is None else value
    return data


def test_a_stale_contact_edit_is_refused_and_the_first_change_stays(rep, manager):
    contact = ContactFactory(owner=rep, name="Rita", phone="111")
    url = reverse("contact_edit", args=[contact.pk])
    first, second = _logged_in(rep), _logged_in(manager)
    first_data, second_data = _form_data(first.get(url)), _form_data(second.get(url))
    assert 'name="version" value="1"' in second.get(url).text

    assert first.post(url, {**first_data, "phone": "222"}).status_code == 302
    response = second.post(url, {**second_data, "name": "Rita Renamed"})

    assert response.status_code == 409
    assert "Someone else changed this contact" in response.text
    assert re.search(r"<dd>222</dd>", response.text)  # the other person's values are shown
    contact.refresh_from_db()
    assert (contact.phone, contact.name, contact.version) == ("222", "Rita", 2)


def test_an_edit_without_a_version_is_refused(client_as, rep, contact):
    response = client_as(rep).post(
        reverse("contact_edit", args=[contact.pk]), {"kind": "person", "name": "No Version", "owner": rep.pk}
    )
    assert response.status_code == 422
    contact.refresh_from_db()
    assert contact.name == "Rita Rep-Owned"


def test_the_same_create_submission_twice_makes_one_contact(client_as, rep):
    client = client_as(rep)
    data = {**_form_data(client.get(reverse("contact_create"))), "kind": "person", "name": "Once Only"}
    assert data["submission"]
    first = client.post(reverse("contact_create"), data)
    second = client.post(reverse("contact_create"), data)
    contact = Contact.objects.get(name="Once Only")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == contact.get_absolute_url()
    assert Contact.objects.filter(name="Once Only").count() == 1


def test_two_create_forms_make_two_contacts(client_as, rep):
    client = client_as(rep)
    for _ in range(2):
        data = {**_form_data(client.get(reverse("contact_create"))), "kind": "person", "name": "Twice"}
        assert client.post(reverse("contact_create"), data).status_code == 302
    assert Contact.objects.filter(name="Twice").count() == 2
