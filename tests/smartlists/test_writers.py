"""Two tabs renaming the same smart list: the second, stale save is refused and the first name stays."""

from django.test import Client
from django.urls import reverse

from smartlists.models import SmartList
from tests.smartlists.conftest import smartlist


def _tab(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form_data(response) -> dict:
    form = response.context["form"]
    data = {name: form[name].value() for name in form.fields}
    return {name: value for name, value in data.items() if value not in (None, False)}


def test_a_stale_rename_is_refused_and_the_first_name_stays(rep):
    sl = smartlist(rep, name="Leads")
    url = reverse("smartlists:edit", args=[sl.pk])
    first, second = _tab(rep), _tab(rep)
    first_data, second_data = _form_data(first.get(url)), _form_data(second.get(url))
    assert second_data["version"] == 1

    assert first.post(url, {**first_data, "name": "Warm leads"}).status_code == 302
    response = second.post(url, {**second_data, "name": "Cold leads", "shared": "on"})

    assert response.status_code == 409
    assert "Someone else changed this list" in response.text
    assert "<dd>Warm leads</dd>" in response.text  # the other tab's values are shown
    sl.refresh_from_db()
    assert (sl.name, sl.shared, sl.version) == ("Warm leads", False, 2)


def test_a_rename_without_a_version_is_refused(client_as, rep):
    sl = smartlist(rep, name="Leads")
    response = client_as(rep).post(reverse("smartlists:edit", args=[sl.pk]), {"name": "Renamed"})
    assert response.status_code == 422
    assert SmartList.objects.get(pk=sl.pk).name == "Leads"
