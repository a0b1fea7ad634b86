"""Contract changes edited in the Django admin go through the services: audited and versioned."""

import datetime
import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from renewals import services
from renewals.admin import ContractChangeAdminForm
from renewals.models import ContractChange, ContractChangeLog

STALE = "Someone else changed this contract change after you opened it, and your changes were not saved. Reload"


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


def test_a_stale_admin_edit_is_refused_and_the_first_change_stays(admin_user, change):
    url = reverse("admin:renewals_contractchange_change", args=[change.pk])
    first, second = _admin(admin_user), _admin(admin_user)
    first_data, second_data = _form_data(first.get(url)), _form_data(second.get(url))
    assert first.post(url, {**first_data, "term_months": 24}).status_code == 302
    response = second.post(url, {**second_data, "term_months": 6})
    assert response.status_code == 200  # the admin answers a refused form with the form and its errors
    assert STALE in response.text
    change.refresh_from_db()
    assert change.term_months == 24 and change.version == 2
    assert ContractChangeLog.objects.filter(change=change, action=ContractChangeLog.Action.EDITED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_save_landing_between_the_check_and_the_write_shows_the_form_again(admin_user, change, monkeypatch):
    """The form's version check passes, then another admin's save commits before this one writes:
    the services refuse with Conflict, and the admin shows the form with the error, not a 500."""
    url = reverse("admin:renewals_contractchange_change", args=[change.pk])
    client = _admin(admin_user)
    data = _form_data(client.get(url))
    is_valid = ContractChangeAdminForm.is_valid

    def valid_then_overtaken(form):
        valid = is_valid(form)
        if valid:
            monkeypatch.setattr(ContractChangeAdminForm, "is_valid", is_valid)  # one other save only
            other = threading.Thread(target=_other_admin_saves, args=(change.pk, admin_user))
            other.start()
            other.join()
        return valid

    monkeypatch.setattr(ContractChangeAdminForm, "is_valid", valid_then_overtaken)
    response = client.post(url, {**data, "term_months": 6})
    assert response.status_code == 200
    assert STALE in response.text
    assert 'value="6"' in response.text  # what this admin typed is still in front of them
    change.refresh_from_db()
    assert change.term_months == 24 and change.version == 2
    [log] = ContractChangeLog.objects.filter(change=change, action=ContractChangeLog.Action.EDITED)
    assert log.new_value == "24"


def _other_admin_saves(pk, by):
    """Another admin's save, in its own connection and transaction, committed."""
    try:
        services.contract_change_update(change=ContractChange.objects.get(pk=pk), data={"term_months": 24},
                                        version=1, by=by)
    finally:
        connections.close_all()


def test_a_contract_change_added_in_the_admin_is_audited(admin_user, change):
    client = _admin(admin_user)
    data = _form_data(client.get(reverse("admin:renewals_contractchange_change", args=[change.pk])))
    data.pop("read_version")
    response = client.post(reverse("admin:renewals_contractchange_add"), {**data, "term_months": 6})
    assert response.status_code == 302
    added = ContractChange.objects.exclude(pk=change.pk).get()
    assert ContractChangeLog.objects.filter(change=added, action=ContractChangeLog.Action.CREATED, by=admin_user).exists()
