"""Switching the subscriptions feature off hides everything and changes nothing; on brings it all back."""

import datetime
import hashlib
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse

from crm import features, fields
from subscriptions.models import Period, PeriodChange
from tests.subscriptions.factories import PeriodFactory

CUSTOMIZE = reverse("customize_feature", args=["subscriptions"])
ROLES = ("admin_user", "manager", "rep", "partner", None)


def checksum() -> str:
    """Every column of every period and audit row."""
    rows = {
        "periods": list(Period.objects.order_by("pk").values()),
        "changes": list(PeriodChange.objects.order_by("pk").values()),
    }
    return hashlib.sha256(json.dumps(rows, cls=DjangoJSONEncoder, sort_keys=True).encode()).hexdigest()


@pytest.fixture
def history(client_as, rep, contact, subscriptions_on):
    """A contact with periods written through the widget, so audit rows exist too."""
    client = client_as(rep)
    base = {"currency": "EUR", "end": "after", "term_months": "12"}
    client.post(reverse("subscriptions:period_create", args=[contact.pk]), {**base, "mrr": "100", "start_date": "2025-01-01"})
    first = Period.objects.get()
    client.post(reverse("subscriptions:period_change", args=[contact.pk]),
                {**base, "mrr": "150", "start_date": "2026-01-01", "last_period": first.pk, "version": "1"})
    period = Period.objects.get(start_date=datetime.date(2026, 1, 1))
    client.post(reverse("subscriptions:period_edit", args=[period.pk]), {**base, "mrr": "160", "start_date": "2026-01-01", "version": "1"})
    assert Period.objects.count() == 2 and PeriodChange.objects.count() == 3
    client.logout()
    return contact


def subscription_urls(contact, period):
    return [
        reverse("subscriptions:pipeline"),
        *(reverse(f"subscriptions:{name}", args=[contact.pk]) for name in ("contact", "history", "period_create", "period_change")),
        *(reverse(f"subscriptions:{name}", args=[period.pk]) for name in ("period_edit", "period_delete")),
    ]


def test_twenty_off_on_cycles_change_no_subscription_or_audit_row(client, admin_user, rep, history):
    before = checksum()
    client.force_login(admin_user)
    for _ in range(20):
        assert client.post(CUSTOMIZE, {"active": "0"}).status_code == 302
        assert not features.is_active("subscriptions")
        assert client.post(CUSTOMIZE, {"active": "1"}).status_code == 302
        assert features.is_active("subscriptions")
    assert checksum() == before
    client.force_login(rep)
    page = client.get(history.get_absolute_url()).text
    assert "160.00 EUR" in page and 'id="subscriptions-panel"' in page


def test_with_the_feature_off_every_subscription_url_is_404_for_every_role(client, request, history):
    period = Period.objects.first()
    features.feature_set_active(name="subscriptions", active=False, by=None)
    before = checksum()
    for role in ROLES:
        client.logout()
        if role:
            client.force_login(request.getfixturevalue(role))
        for url in subscription_urls(history, period):
            assert client.get(url).status_code == 404, (role, url)
            assert client.post(url, {"version": "1", "mrr": "1"}).status_code == 404, (role, url)
            assert client.get(url, headers={"HX-Request": "true"}).status_code == 404, (role, url)
    assert checksum() == before


def test_with_the_feature_off_the_widget_link_and_fields_disappear_and_come_back(client_as, admin_user, rep, history):
    client = client_as(rep)
    on_page = client.get(history.get_absolute_url()).text
    assert 'id="subscriptions-panel"' in on_page and reverse("subscriptions:pipeline") in on_page
    assert "current_mrr" in {f.key for f in fields.pickable()}

    features.feature_set_active(name="subscriptions", active=False, by=admin_user)
    off_page = client.get(history.get_absolute_url()).text
    assert "subscriptions-panel" not in off_page and "/subscriptions/" not in off_page
    assert "Pipeline" not in off_page
    assert not {"current_mrr", "upcoming_mrr", "remaining_value"} & {f.key for f in fields.pickable()}

    features.feature_set_active(name="subscriptions", active=True, by=admin_user)
    back = client.get(history.get_absolute_url()).text
    assert 'id="subscriptions-panel"' in back and "160.00 EUR" in back and "Pipeline" in back


def test_a_contact_saved_while_the_feature_is_off_keeps_its_subscription(client_as, admin_user, rep, history):
    features.feature_set_active(name="subscriptions", active=False, by=admin_user)
    before = checksum()
    client = client_as(rep)
    form = client.get(reverse("contact_edit", args=[history.pk])).text
    assert 'name="mrr"' not in form and "/subscriptions/" not in form
    response = client.post(reverse("contact_edit", args=[history.pk]), {
        "kind": "person", "name": "Renamed While Off", "owner": rep.pk, "email": "", "phone": "",
        "website": "", "address": "", "tags": "", "version": 1,
    })
    assert response.status_code == 302
    history.refresh_from_db()
    assert history.name == "Renamed While Off"
    assert checksum() == before
    features.feature_set_active(name="subscriptions", active=True, by=admin_user)
    assert "160.00 EUR" in client.get(history.get_absolute_url()).text


def test_deactivating_is_recorded_and_the_data_stays_in_place(client_as, admin_user, history):
    client = client_as(admin_user)
    client.post(CUSTOMIZE, {"active": "0"})
    page = client.get(CUSTOMIZE).text
    assert "Deactivated" in page and "Activate" in page
    assert Period.objects.count() == 2 and PeriodChange.objects.count() == 3


@pytest.mark.parametrize("period_count", [1, 5])
def test_the_feature_switch_does_not_touch_a_single_period(admin_user, contact, period_count):
    for year in range(period_count):
        PeriodFactory(contact=contact, start_date=datetime.date(2020 + year, 1, 1), end_date=datetime.date(2020 + year, 12, 31))
    before = checksum()
    features.feature_set_active(name="subscriptions", active=True, by=admin_user)
    features.feature_set_active(name="subscriptions", active=False, by=admin_user)
    assert checksum() == before
