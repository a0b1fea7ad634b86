"""A filter people cannot mean is an error they can read: a range upside down, named by its labels."""

import re

import pytest
from django.urls import reverse

from smartlists.models import SmartList
from tests.factories import ContactFactory
from tests.smartlists.conftest import days, period, smartlist

pytestmark = pytest.mark.django_db


def detail(sl, query=""):
    return reverse("smartlists:detail", args=[sl.pk]) + (f"?{query}" if query else "")


def errors(text):
    return re.findall(r"<li>([^<]*)</li>", text.split('<div role="alert"><ul class="errorlist">', 1)[1].split("</ul>")[0])


@pytest.fixture
def customer(rep, subscriptions_on):
    contact = ContactFactory(owner=rep, name="Between Ltd")
    period(contact, "300.00", days(-10), days(30))
    period(contact, "300.00", days(31))
    return contact


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("current_mrr_min=500&current_mrr_max=100", "Current MRR to: Must not be less than “Current MRR from”."),
        ("upcoming_mrr_min=500&upcoming_mrr_max=100", "Upcoming MRR to: Must not be less than “Upcoming MRR from”."),
    ],
)
def test_a_range_from_above_its_to_is_an_error_not_an_empty_list(client_as, rep, customer, query, message):
    sl = smartlist(rep, columns=["name", "current_mrr"])
    response = client_as(rep).get(detail(sl, query))
    assert response.status_code == 400
    assert errors(response.text) == [message]
    assert "Between Ltd" not in response.text and "No contacts match." not in response.text


def test_an_equal_from_and_to_is_a_range_of_one_amount(client_as, rep, customer):
    sl = smartlist(rep, columns=["name", "current_mrr"])
    response = client_as(rep).get(detail(sl, "current_mrr_min=300&current_mrr_max=300"))
    assert response.status_code == 200 and "Between Ltd" in response.text


def test_errors_name_the_filters_label_in_the_users_language(client_as, rep, customer, compiled_catalogues):
    sl = smartlist(rep, columns=["name", "current_mrr"])
    client = client_as(rep)
    response = client.get(detail(sl, "current_mrr_min=abc&ends_within_days=-1&sort=nope"))
    assert response.status_code == 400
    listed = errors(response.text)
    assert listed[0].startswith("Current MRR from: ") and listed[1].startswith("Ends within (days): ")
    assert listed[2] == "Sort: Unknown column to sort by: nope"
    assert not any(name in response.text.split('<div role="alert">', 1)[1].split("</ul>")[0]
                   for name in ("current_mrr_min", "ends_within_days", "sort:"))

    response = client.get(detail(sl, "current_mrr_min=500&current_mrr_max=100"), headers={"Accept-Language": "it"})
    assert errors(response.text) == ["MRR attuale a: Non deve essere inferiore a “MRR attuale da”."]
    response = client.get(detail(sl, "current_mrr_min=500&current_mrr_max=100"), headers={"Accept-Language": "pt-br"})
    assert errors(response.text) == ["MRR atual até: Não pode ser menor que “MRR atual de”."]


def test_an_upside_down_range_is_never_saved(client_as, rep, customer):
    sl = smartlist(rep, columns=["name", "current_mrr"])
    response = client_as(rep).post(
        reverse("smartlists:save_filters", args=[sl.pk]),
        {"query": "current_mrr_min=500&current_mrr_max=100", "sort": "name", "version": sl.version},
    )
    assert response.status_code == 400
    assert SmartList.objects.get(pk=sl.pk).query == ""


def test_a_bad_picker_post_names_the_field_not_the_parameter(client_as, rep, customer):
    sl = smartlist(rep, columns=["name", "current_mrr"])
    response = client_as(rep).post(reverse("smartlists:columns", args=[sl.pk]),
                                   {"add": "no-such-column", "version": sl.version})
    assert response.status_code == 400
    assert errors(response.text)[0].startswith("Add column: ")
