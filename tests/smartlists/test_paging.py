"""Keyset pages: walking Next then Previous visits every row once, in the list's order, whether the
subscription figures come from the stored summaries or the definitions; large lists show a capped count."""

import base64
import html
import json
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from django.http import QueryDict
from django.urls import reverse

from crm import fields
from crm.models import Contact
from crm.pagination import count_cap
from smartlists import paging
from smartlists.queries import count_and_totals, listing
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


def test_a_list_past_the_cap_shows_a_capped_count_and_no_totals(client_as, rep, customers, settings):
    settings.LIST_COUNT_CAP = 100  # the one cap of every list, read when the page is asked for
    sl = smartlist(rep, columns=["name", "current_mrr"])
    response = client_as(rep).get(detail(sl))
    assert "More than 100 contacts" in response.text
    assert "<tfoot>" not in response.text and "totals are shown for lists up to that size" in response.text
    assert "Page 1" in response.text and "Page 1 of" not in response.text
    small = client_as(rep).get(detail(sl, "ends_within_days=5"))
    assert "contacts" in small.text and "More than" not in small.text and "<tfoot>" in small.text


def test_smart_lists_count_up_to_the_same_cap_as_the_contact_list(client_as, rep, customers, settings):
    def counted():
        result = listing(user=rep, columns=["name"], params=QueryDict(), sort="name", today=TODAY)
        found = count_and_totals(result, cap=count_cap())
        return found.rows, found.exact

    assert counted() == (130, True)
    settings.LIST_COUNT_CAP = 129
    assert counted() == (130, False)
    settings.LIST_COUNT_CAP = 130
    assert counted() == (130, True)


def cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode("utf-8", "surrogatepass")).decode().rstrip("=")


@pytest.mark.parametrize("parameter", ["after", "before"])
@pytest.mark.parametrize(
    "sort, forged",
    [
        ("name", "WyJcdTAwMDAiLCAxXQ"),  # ["\u0000", 1]: the NUL inside a text value
        ("name", cursor('["\\ud800", 1]')),  # a lone surrogate PostgreSQL cannot hold
        ("-current_mrr", paging.encode(["EUR", "not a number"], 1)),
        ("-current_mrr", paging.encode(["EUR", "1e100000"], 1)),  # beyond the column's precision
        ("current_mrr", paging.encode(["EUR", "NaN"], 1)),
        ("current_mrr", paging.encode(["EURO", "10.00"], 1)),  # longer than a currency code
        ("current_mrr", paging.encode(["10.00"], 1)),  # a money sort's cursor carries its currency too
        ("current_end", paging.encode(["2026-02-30"], 1)),
        ("current_end", paging.encode(["tomorrow"], 1)),
        ("current_end", paging.encode(["EUR", "2026-12-01"], 1)),  # one value too many
        ("name", paging.encode(["Customer"], 2**70)),  # a primary key no row can have
        ("name", "%%%"),
        ("name", cursor('{"a": 1}')),
    ],
)
def test_a_forged_cursor_is_a_400_with_a_clear_message(client_as, rep, customers, sort, forged, parameter):
    sl = smartlist(rep, columns=["name", "current_mrr", "current_end"])
    response = client_as(rep).get(detail(sl, f"sort={sort}&{parameter}={forged}&page=2"))
    assert response.status_code == 400
    assert "This page link does not belong to the list in its current order" in response.text
    assert names(response) == []  # no fall back to the first page either


def test_a_cursor_of_the_right_type_still_pages(client_as, rep, customers):
    sl = smartlist(rep, columns=["name", "current_end"])
    response = client_as(rep).get(detail(sl, f"sort=current_end&after={paging.encode(['2026-12-01'], 0)}&page=2"))
    assert response.status_code == 200 and names(response)


values = st.one_of(
    st.none(),
    st.text(),
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
    st.dates().map(str),
    st.sampled_from(["", "\x00", "2026-11-22", "2026-11-22T10:00:00", "1e100000", "-1e-100000", "9" * 40]),
)
pks = st.one_of(st.integers(0, 1000), st.integers(-(2**70), 2**70), st.text(), st.none(), st.floats())
well_formed = st.builds(lambda value, pk: cursor(json.dumps([value, pk])), values, st.integers(0, 1000))
# a money sort's: its currency, then its amount
well_formed_money = st.builds(lambda currency, value, pk: cursor(json.dumps([currency, value, pk])), values, values, st.integers(0, 1000))
cursors = st.one_of(
    well_formed,
    well_formed,
    well_formed_money,
    st.builds(lambda value, pk: cursor(json.dumps([value, pk])), values, pks),
    st.text(),
    st.binary().map(lambda raw: base64.urlsafe_b64encode(raw).decode()),
)


@pytest.mark.parametrize("descending", ["", "-"])
@pytest.mark.parametrize("key", [f.key for f in fields.all_fields()])
@given(forged=cursors, parameter=st.sampled_from(["after", "before"]))
@hypothesis_settings(max_examples=20)
def test_no_cursor_answers_500_for_any_sort(client_as, rep, key, descending, forged, parameter):
    sl = smartlist(rep, columns=["name", key])
    response = client_as(rep).get(detail(sl), {"sort": f"{descending}{key}", parameter: forged, "page": "2"})
    assert response.status_code in (200, 400)


def test_a_huge_page_number_shows_the_last_page_instead_of_failing(client_as, rep):
    from smartlists.models import SmartList

    ContactFactory.create_batch(3, owner=rep)
    smartlist = SmartList.objects.create(owner=rep, name="Huge page", columns=["name"])
    response = client_as(rep).get(reverse("smartlists:detail", args=[smartlist.pk]), {"page": "9" * 120})
    assert response.status_code == 200
    assert response.text.count("/contacts/") >= 3
