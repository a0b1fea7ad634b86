"""Configure columns: saved per user, locked columns cannot be removed, MRR follows the feature."""

import pytest
from django.urls import reverse

from crm.models import Feature
from renewals.columns import LOCKED
from renewals.models import ColumnPreference

pytestmark = pytest.mark.django_db

LOCKED_KEYS = [column.key for column in LOCKED]


def save(client, *keys, **extra):
    """Post the picker as the page shows it: with the version of the saved columns it was read at."""
    version = client.get(reverse("renewals:dashboard")).context["columns_form"]["version"].value()
    return client.post(reverse("renewals:columns"), {"columns": [*LOCKED_KEYS, *keys], "version": version, **extra})


def headers(client):
    page = client.get(reverse("renewals:dashboard")).text
    return page[page.index("<thead>") : page.index("</thead>")]


def test_columns_persist_per_user(client_as, partner, other_partner, change):
    client = client_as(partner)
    response = save(client, "website", "term", q="helix", sort="-status")
    assert response.status_code == 302
    assert response["Location"] == reverse("renewals:dashboard") + "?q=helix&sort=-status"
    assert ColumnPreference.objects.get(user=partner).columns == ["website", "term"]
    assert ">Website</a>" in headers(client) and ">Term</a>" in headers(client)
    assert ">Account ID</a>" not in headers(client)
    # Another user keeps the defaults.
    assert ">Website</a>" not in headers(client_as(other_partner))
    # A later save replaces the choice.
    save(client_as(partner), "account_id")
    assert ColumnPreference.objects.get(user=partner).columns == ["account_id"]


@pytest.mark.parametrize("dropped", LOCKED_KEYS)
def test_a_forged_post_cannot_remove_a_locked_column(client_as, partner, change, dropped):
    client = client_as(partner)
    save(client, "website")
    response = client.post(
        reverse("renewals:columns"), {"columns": [k for k in LOCKED_KEYS if k != dropped] + ["account_id"], "version": 1}
    )
    assert response.status_code == 422
    assert "cannot be removed" in response.text
    assert ColumnPreference.objects.get(user=partner).columns == ["website"]


def test_unknown_column_is_refused(client_as, partner, change):
    response = save(client_as(partner), "password")
    assert response.status_code == 422
    assert not ColumnPreference.objects.exists()


def test_mrr_columns_leave_the_picker_when_subscriptions_are_off(client_as, partner, change):
    client = client_as(partner)
    assert 'value="current_mrr"' not in client.get(reverse("renewals:dashboard")).text
    assert save(client, "current_mrr").status_code == 422


def test_mrr_columns_leave_the_dashboard_while_the_feature_is_off_and_come_back(
    client_as, partner, customer, change, subscriptions_on
):
    """Issue 13: a partner who chose the MRR columns no longer sees them, or is offered them, while
    Subscriptions is off; the saved choice stays and they come back with the feature."""
    client = client_as(partner)
    page = client.get(reverse("renewals:dashboard")).text
    assert 'value="current_mrr"' in page and 'value="upcoming_mrr"' in page
    assert save(client, "current_mrr", "upcoming_mrr").status_code == 302
    assert ">Current MRR</a>" in headers(client) and ">Estimated new MRR</a>" in headers(client)

    Feature.objects.filter(name="subscriptions").update(is_active=False)
    page = client.get(reverse("renewals:dashboard")).text
    assert "Current MRR" not in page and "Estimated new MRR" not in page  # not shown
    assert 'value="current_mrr"' not in page and 'value="upcoming_mrr"' not in page  # not offered
    assert client.get(reverse("renewals:dashboard"), {"sort": "current_mrr"}).status_code == 400
    row = client.post(
        reverse("renewals:change_agreed", args=[change.pk]),
        {"version": change.version, "layout": "dashboard"},
        headers={"HX-Request": "true"},
    )
    assert row.status_code == 200 and 'class="num"' not in row.text  # the htmx row has no MRR cells
    assert save(client, "upcoming_mrr").status_code == 422
    assert save(client, "website").status_code == 302  # saving while off keeps the hidden choice
    assert ColumnPreference.objects.get(user=partner).columns == ["website", "current_mrr", "upcoming_mrr"]

    Feature.objects.filter(name="subscriptions").update(is_active=True)
    assert ">Current MRR</a>" in headers(client) and ">Estimated new MRR</a>" in headers(client)
    assert ">Website</a>" in headers(client)


def test_the_picker_shows_locked_columns_ticked_and_disabled(client_as, partner, change):
    page = client_as(partner).get(reverse("renewals:dashboard")).text
    assert page.count("always shown") == len(LOCKED_KEYS)
