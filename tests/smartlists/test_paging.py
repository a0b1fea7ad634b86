"""Keyset pages: walking Next then Previous visits every row once, in the list's order, whether the
subscription figures come from the stored summaries or the definitions; large lists show a capped count."""

import html
import re
from decimal import Decimal

import pytest

from django.urls import reverse

from crm import fields
from crm.models import Contact
from smartlists import paging
from subscriptions.models import Period
from subscriptions.summary import rebuild
from tests.factories import ContactFactory
from tests.smartlists.conftest import TODAY, days, smartlist
from tests.smartlists.test_smartlists import detail, names

pytestmark = pytest.mark.django_db


def link(response, label):
    found = re.search(rf'<a href="(\?[^"]*)"[^>]*>{label}</a>', response.text)
    return html.unescape(found.group(1)) if found else None


@pytest.fixture
def customers(rep, subscriptions_on):
    contacts = [ContactFactory(owner=rep, name=f"Customer {i:03}") for i in range(130)]
    Period.objects.bulk_create(
        Period(contact=c, mrr=Decimal(10 * (i % 4)), start_date=days(-10), end_date=days(i % 50))
        for i, c in enumerate(contacts) if i % 10 < 7  # three in ten have no subscription: nulls last
    )
    return contacts


@pytest.mark.parametrize("stored", [False, True], ids=["definitions", "stored"])
@pytest.mark.parametrize("sort", ["-current_mrr", "current_mrr", "current_end", "name"])
def test_next_and_previous_walk_every_row_once_in_order(client_as, rep, customers, stored, sort):
    if stored:
        rebuild(today=TODAY)
    sl = smartlist(rep, columns=["name", "current_mrr", "current_end"])
    client = client_as(rep)
    response = client.get(detail(sl, f"sort={sort}"))
    pages = [names(response)]
    while nxt := link(response, "Next"):
        response = client.get(detail(sl) + nxt)
        pages.append(names(response))
    assert [len(p) for p in pages] == [50, 50, 30]
    assert "Page 3 of 3" in response.text

    key = sort.removeprefix("-")
    rows = Contact.objects.filter(owner=rep).order_by("pk")
    values = {pk: value for pk, value in fields.annotate(rows, [key], today=TODAY).values_list("name", key)}
    # Ties keep primary-key order, which is name order here; nothing comes last either way.
    descending = sort.startswith("-")
    present = sorted(sorted(n for n in values if values[n] is not None), key=lambda n: values[n], reverse=descending)
    expected = present + sorted(n for n in values if values[n] is None)
    assert sum(pages, []) == expected

    back = [names(response)]
    while prev := link(response, "Previous"):
        response = client.get(detail(sl) + prev)
        back.append(names(response))
    assert back[::-1] == pages
    assert "Page 1 of 3" in response.text


def test_a_list_past_the_cap_shows_a_capped_count_and_no_totals(client_as, rep, customers, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 100)
    sl = smartlist(rep, columns=["name", "current_mrr"])
    response = client_as(rep).get(detail(sl))
    assert "More than 100 contacts" in response.text
    assert "<tfoot>" not in response.text and "totals are shown for lists up to that size" in response.text
    assert "Page 1" in response.text and "Page 1 of" not in response.text
    small = client_as(rep).get(detail(sl, "ends_within_days=5"))
    assert "contacts" in small.text and "More than" not in small.text and "<tfoot>" in small.text


def test_a_forged_cursor_starts_again_at_the_first_page(client_as, rep, customers):
    sl = smartlist(rep, columns=["name", "current_mrr"])
    client = client_as(rep)
    first = names(client.get(detail(sl, "sort=-current_mrr")))
    forged = paging.encode("not a number", 1)
    for query in (f"sort=-current_mrr&after={forged}", "sort=-current_mrr&after=%%%", f"sort=-current_mrr&before={forged}"):
        response = client.get(detail(sl, query))
        assert response.status_code == 200 and names(response) == first


def test_a_huge_page_number_shows_the_last_page_instead_of_failing(client_as, rep):
    from smartlists.models import SmartList

    ContactFactory.create_batch(3, owner=rep)
    smartlist = SmartList.objects.create(owner=rep, name="Huge page", columns=["name"])
    response = client_as(rep).get(reverse("smartlists:detail", args=[smartlist.pk]), {"page": "9" * 120})
    assert response.status_code == 200
    assert response.text.count("/contacts/") >= 3
