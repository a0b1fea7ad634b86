"""Issue 13: with Subscriptions off, a subscription filter or sort typed into a smart list's URL is
refused (400, saying why); what the list already SAVED keeps applying, as the Zendesk rule says."""

from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.urls import reverse

from crm.models import Feature
from tests.factories import ContactFactory
from tests.html_forms import form_fields, read_form
from tests.smartlists.conftest import days, period, smartlist
from tests.smartlists.test_smartlists import names

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


# Issue 23, finding 9: a saved filter of a switched-off feature is shown read-only, and kept.

KEPT = "This filter belongs to Subscriptions, which is switched off: it still applies, as the list saved it."


def filters_form(response) -> str:
    return response.text.split('id="smartlist-filters"')[1].split("</form>")[0]


def test_a_saved_subscription_filter_is_shown_read_only_while_off(client_as, rep, book):
    sl = smartlist(rep, columns=["name", "email"], query="current_mrr_min=200&q=")
    off()
    client = client_as(rep)
    response = client.get(detail(sl))
    assert response.status_code == 200
    form = filters_form(response)
    # its label and value as text, and why: no field to edit...
    locked = form.split("Current MRR from")[1].split("</li>")[0]
    assert "200" in locked and KEPT in locked
    assert 'id="id_current_mrr_min"' not in form and 'type="number"' not in locked
    # ...while the contact filters stay editable, and the list is still filtered by it
    assert 'id="id_q"' in form
    assert names(response) == ["Beta"]


def test_a_choice_filter_shows_its_label_while_off(client_as, rep, book):
    gamma = ContactFactory(owner=rep, name="Gamma")
    period(gamma, "100.00", days(-10), days(30))
    period(gamma, "150.00", days(31))
    sl = smartlist(rep, columns=["name"], query="direction=up")
    off()
    response = client_as(rep).get(detail(sl))
    locked = filters_form(response).split("MRR status")[1].split("</li>")[0]
    assert ">Up<" in locked and KEPT in locked and "<select" not in locked
    assert names(response) == ["Gamma"]


def test_the_pages_forms_keep_the_saved_filter_while_off(client_as, rep, book):
    sl = smartlist(rep, columns=["name", "email"], query="current_mrr_min=200")
    off()
    client = client_as(rep)
    page = client.get(detail(sl))
    # The filters form, sent as the page has it (a contact filter cleared or typed), still carries it...
    sent = form_fields(page.text, form_id="smartlist-filters")
    assert ("current_mrr_min", "200") in sent
    filtered = client.get(detail(sl, urlencode(sent)))
    assert filtered.status_code == 200 and names(filtered) == ["Beta"]
    assert KEPT in filters_form(filtered)
    # ..."Save filters" from that page keeps it...
    save = reverse("smartlists:save_filters", args=[sl.pk])
    assert client.post(save, read_form(filtered.text, action=save, page=detail(sl))).status_code == 302
    sl.refresh_from_db()
    assert QueryDict(sl.query)["current_mrr_min"] == "200"
    # ...and so does renaming the list.
    edit = reverse("smartlists:edit", args=[sl.pk])
    renamed = {**read_form(client.get(edit).text, action=edit, page=edit), "name": "Renamed"}
    assert client.post(edit, renamed).status_code == 302
    sl.refresh_from_db()
    assert sl.name == "Renamed" and QueryDict(sl.query)["current_mrr_min"] == "200"


@pytest.mark.parametrize("query", ["q=", "current_mrr_min=", "q=Beta"])
def test_a_saved_subscription_filter_cannot_be_dropped_while_off(client_as, rep, book, query):
    """Without its field on the page, leaving it out is no way to clear it: that would widen the list."""
    sl = smartlist(rep, columns=["name"], query="current_mrr_min=200")
    version = sl.version
    off()
    client = client_as(rep)
    response = client.get(detail(sl, query))
    assert response.status_code == 400 and REFUSED in response.text and ">Alpha</a>" not in response.text
    saved = client.post(reverse("smartlists:save_filters", args=[sl.pk]), {"query": query, "sort": "name", "version": version})
    assert saved.status_code == 400 and REFUSED in saved.text
    sl.refresh_from_db()
    assert sl.query == "current_mrr_min=200"
    # What the page shows (the list's saved filter, read-only) takes the person back to a valid list.
    sent = form_fields(response.text, form_id="smartlist-filters")
    assert client.get(detail(sl, urlencode(sent))).status_code == 200
