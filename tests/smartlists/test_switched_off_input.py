"""Issue 13: with Subscriptions off, a subscription filter or sort typed into a smart list's URL is
refused (400, saying why); what the list already SAVED keeps applying, as the Zendesk rule says."""

import pytest
from django.urls import reverse

from crm.models import Feature
from tests.factories import ContactFactory
from tests.smartlists.conftest import days, period, smartlist

pytestmark = pytest.mark.django_db

REFUSED = "belongs to Subscriptions, which is switched off."


@pytest.fixture
def book(rep, subscriptions_on):
    alpha, beta = ContactFactory(owner=rep, name="Alpha"), ContactFactory(owner=rep, name="Beta")
    period(alpha, "100.00", days(-100), days(30))
    period(beta, "300.00", days(-10), days(400))
    return {"alpha": alpha, "beta": beta}


def off():
    Feature.objects.filter(name="subscriptions").update(is_active=False)


def detail(sl, query=""):
    return reverse("smartlists:detail", args=[sl.pk]) + (f"?{query}" if query else "")


@pytest.mark.parametrize(
    "query",
    ["current_mrr_min=1", "sort=current_mrr", "sort=-current_mrr", "ends_within_days=90", "q=Alpha&current_mrr_min=1"],
)
def test_a_subscription_filter_or_sort_in_the_url_is_refused_while_off(client_as, rep, book, query):
    sl = smartlist(rep, columns=["name", "email"])
    client = client_as(rep)
    assert client.get(detail(sl, query)).status_code == 200  # on: an ordinary filter or sort
    off()
    response = client.get(detail(sl, query))
    assert response.status_code == 400
    assert REFUSED in response.text
    assert ">Alpha</a>" not in response.text and ">Beta</a>" not in response.text
    export = client.get(reverse("smartlists:export", args=[sl.pk]) + "?" + query)
    assert export.status_code == 400 and REFUSED in export.text


def test_contact_filters_and_sorts_still_work_while_off(client_as, rep, book):
    sl = smartlist(rep, columns=["name", "email"])
    off()
    response = client_as(rep).get(detail(sl, "q=Alpha&sort=-name"))
    assert response.status_code == 200 and "Alpha" in response.text and "Beta" not in response.text


def test_a_list_whose_saved_query_has_a_subscription_filter_still_opens(client_as, rep, book):
    sl = smartlist(
        rep, columns=["name", "current_mrr", "upcoming_mrr"], query="current_mrr_min=200", sort="-current_mrr"
    )
    off()
    client = client_as(rep)
    response = client.get(detail(sl))
    assert response.status_code == 200
    assert ">Current MRR<" in response.text and ">Upcoming MRR<" in response.text
    assert "Beta" in response.text and "300.00" in response.text and ">Alpha<" not in response.text
    # The page's own links repeat the saved filter: following one (sorting by name) still works...
    assert client.get(detail(sl, "current_mrr_min=200&sort=name")).status_code == 200
    # ...but a changed subscription filter is new input, refused.
    changed = client.get(detail(sl, "current_mrr_min=50"))
    assert changed.status_code == 400 and REFUSED in changed.text
    # A saved subscription column still shows, but offers no new sort while off.
    assert 'href="?current_mrr_min=200&amp;sort=current_mrr"' not in response.text


def test_a_subscription_filter_cannot_be_saved_into_a_list_while_off(client_as, rep, book):
    sl = smartlist(rep, columns=["name"])
    off()
    response = client_as(rep).post(
        reverse("smartlists:save_filters", args=[sl.pk]), {"query": "current_mrr_min=1", "sort": "name", "version": 1}
    )
    assert response.status_code == 400 and REFUSED in response.text
    sl.refresh_from_db()
    assert sl.query == ""
