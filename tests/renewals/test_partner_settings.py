"""A partner sets their organisation's default communication owner themselves (not only Django's
admin): it applies at once to every renewal whose own owner is not set; two writers never silently
overwrite each other; an organisation the partner is not in is a 404."""

import re

import pytest
from django.urls import reverse

from renewals.models import ContractChange, PartnerOrganisation
from tests.renewals.factories import TODAY

pytestmark = pytest.mark.django_db

URL = reverse("renewals:settings")


def _save(client, organisation, owner, version=None):
    return client.post(URL, {"organisation": organisation.pk, "default_communication_owner": owner,
                             "version": organisation.version if version is None else version})


def test_the_partner_sets_the_default_and_unset_renewals_follow_it(client_as, partner, partner_org, change):
    client = client_as(partner)
    page = client.get(URL)
    assert page.status_code == 200
    assert "Northwind Partners" in page.text and "Default communication owner" in page.text
    assert ContractChange.objects.with_status(today=TODAY).get(pk=change.pk).communication_owner_effective == "vendor"

    response = _save(client, partner_org, "partner")
    assert response.status_code == 302
    followed = client.get(response["Location"])
    assert "Settings of Northwind Partners saved." in followed.text
    partner_org.refresh_from_db()
    assert (partner_org.default_communication_owner, partner_org.version) == ("partner", 2)
    dashboard = client.get(reverse("renewals:dashboard"))
    assert ContractChange.objects.with_status(today=TODAY).get(pk=change.pk).communication_owner_effective == "partner"
    assert re.search(r"<td[^>]*>Partner</td>", dashboard.text)


def test_a_stale_form_is_refused_and_shows_what_is_saved_now(client_as, partner, partner_org):
    client = client_as(partner)
    assert _save(client, partner_org, "partner").status_code == 302  # a colleague, from version 1
    response = _save(client, partner_org, "vendor", version=1)      # this form was read at version 1
    assert response.status_code == 409
    assert "Someone else changed these settings a moment ago" in response.text
    assert '<option value="partner" selected>' in response.text
    assert PartnerOrganisation.objects.get(pk=partner_org.pk).default_communication_owner == "partner"


def test_another_organisation_or_a_bad_value_is_refused_without_a_write(client_as, partner, partner_org, other_org):
    client = client_as(partner)
    assert _save(client, other_org, "partner").status_code == 404
    assert client.post(URL, {"organisation": "x", "default_communication_owner": "partner"}).status_code == 404
    response = _save(client, partner_org, "nobody")
    assert response.status_code == 400 and "Select a valid choice" in response.text
    assert set(PartnerOrganisation.objects.values_list("default_communication_owner", "version")) == {("vendor", 1)}
    # Only the partner's own organisations are offered.
    assert "Southwind Digital" not in client.get(URL).text


def test_a_partner_of_no_organisation_is_told_so(client_as, partner):
    response = client_as(partner).get(URL)
    assert response.status_code == 200 and "You belong to no partner organisation yet" in response.text
