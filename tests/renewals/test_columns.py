"""Configure columns: saved per user, locked columns cannot be removed, MRR follows the feature."""

import re

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


def test_the_locked_columns_are_hubspots_five():
    assert LOCKED_KEYS == ["customer", "communication_owner", "type", "status", "deadline"]


def test_primary_contact_is_shown_until_taken_off(client_as, partner, change):
    """Optional now (issue 14), and shown to someone who never chose: the picker offers it, unticked it goes."""
    client = client_as(partner)
    page = client.get(reverse("renewals:dashboard")).text
    assert ">Primary customer contact</a>" in headers(client)
    picker = page[page.index('class="column-picker"'):]
    picker = picker[:picker.index("</details>")]
    assert 'value="primary_contact" checked >' in picker.replace("  ", " ")
    assert 'name="columns" value="primary_contact">' not in picker  # no hidden input: it is not locked
    assert save(client, "website").status_code == 302
    assert ">Primary customer contact</a>" not in headers(client)
    assert save(client, "primary_contact", "website").status_code == 302
    assert ColumnPreference.objects.get(user=partner).columns == ["primary_contact", "website"]
    # Shown in the table's one order, where HubSpot has it: after the communication owner.
    heads = re.findall(r'id="sort-([a-z_]+)"', headers(client))
    assert heads == ["customer", "communication_owner", "primary_contact", "type", "status", "deadline", "website"]


HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/renewals/?q=helix&sort=-status"}


def test_saving_columns_with_htmx_answers_the_results_and_focuses_the_message(client_as, partner, change):
    client = client_as(partner)
    version = client.get(reverse("renewals:dashboard")).context["columns_form"]["version"].value()
    response = client.post(reverse("renewals:columns"),
                           {"columns": [*LOCKED_KEYS, "website"], "version": version, "q": "helix", "sort": "-status"},
                           headers=HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="renewals-results"')
    assert 'role="status" tabindex="-1" data-focus-after-swap>Columns saved.</p>' in response.text
    assert ">Website</a>" in response.text and "Helix Labs" in response.text
    assert response["HX-Replace-Url"] == reverse("renewals:dashboard") + "?q=helix&sort=-status"
    # The sort links keep the search, though the answer came from a POST.
    assert 'href="?q=helix&amp;sort=website"' in response.text
    # The picker comes back closed, at the new version, so the next save is not refused as stale.
    assert '<details class="column-picker" >' in response.text
    version = ColumnPreference.objects.get(user=partner).version
    assert f'<input type="hidden" name="version" value="{version}"' in response.text


def test_a_refused_column_change_reopens_the_picker_with_focus_on_the_error(client_as, partner, change):
    client = client_as(partner)
    response = client.post(reverse("renewals:columns"), {"columns": ["website"], "version": 0, "q": "helix"}, headers=HTMX)
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<section id="renewals-results"')
    assert '<details class="column-picker" open>' in response.text
    assert 'role="alert" tabindex="-1" data-focus-after-swap' in response.text and "cannot be removed" in response.text
    assert "Helix Labs" in response.text  # the results keep the search


def test_the_sort_changes_on_its_link_and_the_picker_on_its_button_never_on_a_change(client_as, partner, change):
    page = client_as(partner).get(reverse("renewals:dashboard")).text
    assert 'data-hx-trigger="change"' not in page
    assert '<button type="submit">Save columns</button>' in page


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_primary_contact_on_saved_dashboards():
    """It was always shown: saved choices get it, so no dashboard loses it when it became optional."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from tests.factories import UserFactory

    before = [("renewals", "0005_contractchange_creation_token")]
    after = [("renewals", "0006_columnpreference_primary_contact_optional")]
    try:
        MigrationExecutor(connection).migrate(before)
        old = MigrationExecutor(connection).loader.project_state(before).apps.get_model("renewals", "ColumnPreference")
        for i, columns in enumerate([["website", "term"], [], ["primary_contact", "website"]]):
            old.objects.create(user_id=UserFactory(username=f"user-{i}").pk, columns=columns)
        MigrationExecutor(connection).migrate(after)
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert list(ColumnPreference.objects.order_by("user__username").values_list("columns", flat=True)) == [
        ["primary_contact", "website", "term"], ["primary_contact"], ["primary_contact", "website"],
    ]
