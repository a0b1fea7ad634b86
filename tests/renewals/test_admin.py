"""Contract changes edited in the Django admin go through the services: audited and versioned."""

import datetime

from django.test import Client
from django.urls import reverse

from renewals.models import ContractChange, ContractChangeLog


def _admin(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form_data(response) -> dict:
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    return data


def test_an_admin_edit_is_audited_and_bumps_the_version(admin_user, change):
    url = reverse("admin:renewals_contractchange_change", args=[change.pk])
    client = _admin(admin_user)
    data = _form_data(client.get(url))
    new_start = change.start_date + datetime.timedelta(days=7)
    response = client.post(url, {**data, "start_date": new_start.isoformat()})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.start_date == new_start and change.version == 2
    [log] = ContractChangeLog.objects.filter(change=change, action=ContractChangeLog.Action.EDITED)
    assert log.by == admin_user and new_start.isoformat() in log.new_value

def test_a_contract_change_added_in_the_admin_is_audited(admin_user, change):
    client = _admin(admin_user)
    data = _form_data(client.get(reverse("admin:renewals_contractchange_change", args=[change.pk])))
    data.pop("read_version")
    response = client.post(reverse("admin:renewals_contractchange_add"), {**data, "term_months": 6})
    assert response.status_code == 302
    added = ContractChange.objects.exclude(pk=change.pk).get()
    assert ContractChangeLog.objects.filter(change=added, action=ContractChangeLog.Action.CREATED, by=admin_user).exists()
