"""An admin reads any partner's dashboard: chosen from every partner, shown without its actions."""

import datetime
import re

import pytest
from django.urls import reverse

from renewals.models import ColumnPreference, ContractChange
from tests.factories import ContactFactory
from tests.renewals.factories import TODAY, AssociationFactory, ContractChangeFactory, CustomerAccountFactory

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("renewals:dashboard")


def row_ids(html):
    return [int(pk) for pk in re.findall(r'<tr id="change-(\d+)"', html)]


def _options(html):
    select = re.search(r'<select name="partner"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', select)


def test_an_admin_chooses_the_partner_among_all_of_them(client_as, admin_user, partner_org, other_org):
    response = client_as(admin_user).get(DASHBOARD)
    assert response.status_code == 200
    assert _options(response.text) == [("", "Choose a partner"), (str(partner_org.pk), "Northwind Partners"),
                                       (str(other_org.pk), "Southwind Digital")]
    assert 'id="renewals-results"' not in response.text  # nobody's rows until a partner is chosen
    # The navigation leads there.
    assert f'href="{DASHBOARD}"' in client_as(admin_user).get(reverse("contact_list")).text


def test_an_admin_reads_the_chosen_partners_rows_without_their_actions(
    client_as, admin_user, partner_org, customer, change, theirs, their_change
):
    page = client_as(admin_user).get(DASHBOARD, {"partner": partner_org.pk}).text
    assert "Northwind Partners" in page
    assert row_ids(page) == [change.pk]
    assert "Quartz Finance" not in page
    results = page[page.index('id="renewals-results"'):]
    # No row menu, no column picker: nothing on the page writes to the partner's rows.
    assert 'class="row-menu"' not in results and "/renewals/changes/" not in results
    assert reverse("renewals:columns") not in page and "<form" not in results
    assert ">Actions<" not in results
    # The customer page the row links to opens for the admin.
    customer_url = reverse("renewals:customer", args=[customer.pk])
    assert f'href="{customer_url}"' in results
    assert client_as(admin_user).get(customer_url).status_code == 200
    # The other partner's dashboard holds theirs only.
    other = client_as(admin_user).get(DASHBOARD, {"partner": theirs.associations.get().partner_id}).text
    assert row_ids(other) == [their_change.pk]


def test_search_sort_and_pages_stay_on_the_chosen_partner(client_as, admin_user, partner_org, customer, change,
                                                         theirs, their_change):
    client = client_as(admin_user)
    page = client.get(DASHBOARD, {"partner": partner_org.pk}).text
    assert f'<input type="hidden" name="partner" value="{partner_org.pk}">' in page  # in the search form
    found = client.get(DASHBOARD, {"partner": partner_org.pk, "q": "Quartz"}, headers={"HX-Request": "true"})
    assert found.status_code == 200 and row_ids(found.text) == []
    found = client.get(DASHBOARD, {"partner": partner_org.pk, "q": "helix"}, headers={"HX-Request": "true"})
    assert row_ids(found.text) == [change.pk]
    assert f'href="?partner={partner_org.pk}&amp;q=helix&amp;sort=-deadline"' in found.text  # the sort link keeps the partner


def test_an_empty_partner_dashboard_says_so_across_its_columns(client_as, admin_user, partner_org):
    page = client_as(admin_user).get(DASHBOARD, {"partner": partner_org.pk}).text
    # The five locked columns and the default primary contact; no "Actions" column.
    assert '<td colspan="6">No contract changes.</td>' in page


@pytest.mark.parametrize("value", ["0", "999999", "abc", "-1"])
def test_an_unknown_partner_is_404(client_as, admin_user, partner_org, value):
    assert client_as(admin_user).get(DASHBOARD, {"partner": value}).status_code == 404


def test_a_partner_opens_only_their_own_organisation(client_as, partner, partner_org, other_org, change, their_change):
    client = client_as(partner)
    assert client.get(DASHBOARD, {"partner": other_org.pk}).status_code == 404
    page = client.get(DASHBOARD, {"partner": partner_org.pk}).text
    assert row_ids(page) == [change.pk]
    assert 'name="partner"' not in page  # nothing to choose: their dashboard keeps its actions
    assert 'class="row-menu"' in page and reverse("renewals:columns") in page


def test_the_writes_stay_closed_to_an_admin_from_the_dashboard(client_as, admin_user, partner_org, change):
    """The dashboard's own write, the columns, stays the partner's; an admin never saved any."""
    client = client_as(admin_user)
    data = {"columns": ["customer", "communication_owner", "type", "status", "deadline", "website"], "version": 0}
    assert client.post(reverse("renewals:columns"), data).status_code == 404
    assert not ColumnPreference.objects.exists()


def _rows(partner_org, owner, count):
    for i in range(count):
        account = CustomerAccountFactory(contact__owner=owner)
        person = ContactFactory(organisation=account.contact, owner=owner)
        AssociationFactory(partner=partner_org, customer=account)
        ContractChangeFactory(customer=account, start_date=TODAY + datetime.timedelta(days=i % 120),
                              primary_contact=person if i % 2 else None)


# Session, user, the chosen partner, the admin's columns, the switched-on features, that partner's
# customers (read once), both counts in one, the page's rows, the page's primary contacts, and the
# partners to choose from.
ADMIN_DASHBOARD_QUERIES = 10


@pytest.mark.parametrize("rows", [10, 500])
def test_an_admins_query_count_does_not_grow_with_the_rows(client_as, admin_user, partner_org, other_org, rep,
                                                            frozen_today, subscriptions_on, rows,
                                                            django_assert_max_num_queries):
    _rows(partner_org, rep, rows)
    _rows(other_org, rep, 5)
    client = client_as(admin_user)
    with django_assert_max_num_queries(ADMIN_DASHBOARD_QUERIES):
        response = client.get(DASHBOARD, {"partner": partner_org.pk, "sort": "-deadline"})
    assert len(row_ids(response.text)) == min(rows, 50)
    assert ContractChange.objects.count() == rows + 5
