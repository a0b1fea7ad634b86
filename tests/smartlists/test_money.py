"""Money is compared only within a currency: a smart list sorts its money columns by currency, then
amount; its MRR ranges apply in one currency, which they name; its totals are per currency; and
keyset pages across a currency boundary lose and repeat nothing."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Contact
from subscriptions.models import Period
from subscriptions.summary import rebuild
from tests.factories import ContactFactory
from tests.smartlists.conftest import TODAY, days, period, smartlist
from tests.smartlists.test_paging import link
from tests.smartlists.test_smartlists import detail, names

pytestmark = pytest.mark.django_db

STORED = pytest.mark.parametrize("stored", [False, True], ids=["definitions", "stored"])


@pytest.fixture
def three(rep, subscriptions_on):
    """EUR 100, USD 50 and EUR 20 a month, and a contact without a subscription."""
    for name, mrr, currency in [("Euro hundred", "100.00", "EUR"), ("Dollar fifty", "50.00", "USD"), ("Euro twenty", "20.00", "EUR")]:
        period(ContactFactory(owner=rep, name=name), mrr, days(-10), days(100), currency=currency)
    ContactFactory(owner=rep, name="No subscription")


@STORED
@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("current_mrr", ["Euro twenty", "Euro hundred", "Dollar fifty", "No subscription"]),
        ("-current_mrr", ["Euro hundred", "Euro twenty", "Dollar fifty", "No subscription"]),
        ("remaining_value", ["Euro twenty", "Euro hundred", "Dollar fifty", "No subscription"]),
        ("-remaining_value", ["Euro hundred", "Euro twenty", "Dollar fifty", "No subscription"]),
    ],
)
def test_a_money_column_sorts_by_currency_then_amount(client_as, rep, three, stored, sort, expected):
    if stored:
        rebuild(today=TODAY)
    sl = smartlist(rep, columns=["name", "current_mrr", "remaining_value"])
    assert names(client_as(rep).get(detail(sl, f"sort={sort}"))) == expected


@STORED
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # 40 in the installation's currency: EUR 100 passes, USD 50 (more than 40, but dollars) does not
        ("current_mrr_min=40", ["Euro hundred"]),
        ("current_mrr_max=60", ["Euro twenty"]),
        ("current_mrr_min=40&current_mrr_currency=USD", ["Dollar fifty"]),
        ("current_mrr_min=40&current_mrr_currency=usd", ["Dollar fifty"]),
        ("current_mrr_min=60&current_mrr_currency=USD", []),
        ("current_mrr_currency=USD", ["Dollar fifty"]),  # on its own: the rows in that currency
        ("current_mrr_min=&current_mrr_max=&current_mrr_currency=", ["Dollar fifty", "Euro hundred", "Euro twenty", "No subscription"]),
    ],
)
def test_an_mrr_range_applies_in_one_currency(client_as, rep, three, stored, query, expected):
    if stored:
        rebuild(today=TODAY)
    sl = smartlist(rep, columns=["name", "current_mrr"])
    response = client_as(rep).get(detail(sl, query))
    assert response.status_code == 200
    assert names(response) == expected


def test_an_upcoming_mrr_range_applies_in_its_own_currency(client_as, rep, subscriptions_on):
    euro, dollar = ContactFactory(owner=rep, name="Euro next"), ContactFactory(owner=rep, name="Dollar next")
    for contact, currency in [(euro, "EUR"), (dollar, "USD")]:
        period(contact, "10.00", days(-10), days(10), currency="EUR")
        period(contact, "80.00", days(11), currency=currency)
    sl = smartlist(rep, columns=["name", "upcoming_mrr"])
    client = client_as(rep)
    assert names(client.get(detail(sl, "upcoming_mrr_min=50"))) == ["Euro next"]
    assert names(client.get(detail(sl, "upcoming_mrr_min=50&upcoming_mrr_currency=USD"))) == ["Dollar next"]
    # each range has its own currency: the current MRR in euros, the upcoming in dollars
    assert names(client.get(detail(sl, "current_mrr_min=5&upcoming_mrr_min=50&upcoming_mrr_currency=USD"))) == ["Dollar next"]


def test_the_range_says_its_currency(client_as, rep, three, settings):
    settings.CRM_CURRENCY = "CHF"
    sl = smartlist(rep, columns=["name", "current_mrr"])
    form = client_as(rep).get(detail(sl)).text.split('id="smartlist-filters"')[1].split("</form>")[0]
    bound = form.split('for="id_current_mrr_min"')[1].split("</div>")[0]
    assert "Current MRR from" in bound
    assert 'aria-describedby="filter-hint-current_mrr"' in bound
    assert 'for="id_current_mrr_currency">Current MRR currency</label>' in form
    # the range's help, said once for its three fields, which it describes
    hint = form.split('<small id="filter-hint-current_mrr">')[1].split("</small>")[0]
    assert "In the currency of “Current MRR currency”: CHF unless another is chosen." in hint
    assert "such as CHF, the default" in hint
    assert form.count("In the currency of “Current MRR currency”") == 1
    assert form.count('aria-describedby="filter-hint-current_mrr"') == 3


def test_the_range_is_in_the_users_language(client_as, rep, three, compiled_catalogues):
    sl = smartlist(rep, columns=["name", "current_mrr"])
    client = client_as(rep)
    assert "Current MRR currency" in client.get(detail(sl)).text  # built once; the labels follow whoever looks
    page = client.get(detail(sl), headers={"Accept-Language": "it"}).text
    assert "Valuta di MRR attuale" in page and "salvo che se ne scelga un&#x27;altra" in page
    page = client.get(detail(sl), headers={"Accept-Language": "pt-br"}).text
    assert "Moeda de MRR atual" in page and "a menos que outra seja escolhida" in page


@pytest.mark.parametrize("query", ["current_mrr_currency=EURO", "current_mrr_currency=E1R", "current_mrr_currency=EU"])
def test_a_bad_currency_is_a_400_that_never_widens(client_as, rep, three, query):
    sl = smartlist(rep, columns=["name", "current_mrr"], query="current_mrr_min=40")
    response = client_as(rep).get(detail(sl, query))
    assert response.status_code == 400 and names(response) == []


@STORED
def test_totals_are_per_currency(client_as, rep, three, stored, settings):
    settings.CRM_CURRENCY = "USD"
    if stored:
        rebuild(today=TODAY)
    sl = smartlist(rep, columns=["name", "current_mrr"])
    footer = client_as(rep).get(detail(sl)).text.split("<tfoot>")[1]
    assert re.findall(r"<strong>([^<]*)</strong>", footer) == ["50.00 USD", "120.00 EUR"]  # the installation's first


# Keyset pages across a currency boundary --------------------------------------------------------


def _mixed(rep, euros: int):
    """`euros` EUR rows, 40 USD rows, with ties in amount, some open-ended; 15 without a subscription."""
    contacts = Contact.objects.bulk_create(ContactFactory.build(owner=rep, name=f"Customer {i:03}") for i in range(euros + 55))
    periods = []
    for i, contact in enumerate(contacts[: euros + 40]):
        currency = "EUR" if i < euros else "USD"
        end = None if i % 7 == 0 else days(10 + i % 5)  # open-ended: no remaining value, still in its currency
        periods.append(Period(contact=contact, mrr=Decimal(10 * (1 + i % 3)), currency=currency, start_date=days(-10), end_date=end))
    Period.objects.bulk_create(periods)


def _expected(rep, key, descending):
    """Currency A to Z, then the amount (nulls last in their currency), then pk; no subscription last."""
    from crm import fields

    rows = fields.annotate(Contact.objects.filter(owner=rep), [key], today=TODAY)
    values = list(rows.values_list("name", f"currency_of_{key}", key, "pk"))
    with_currency = [row for row in values if row[1] is not None]
    with_currency.sort(key=lambda row: row[3])
    with_currency.sort(key=lambda row: (row[2] is None, 0 if row[2] is None else (-row[2] if descending else row[2])))
    with_currency.sort(key=lambda row: row[1])
    without = sorted((row for row in values if row[1] is None), key=lambda row: row[3])
    return [row[0] for row in with_currency + without]


@STORED
@pytest.mark.parametrize("euros", [49, 50, 51])  # the currency boundary just before, on and just after a page break
@pytest.mark.parametrize("sort", ["current_mrr", "-current_mrr", "-remaining_value"])
def test_pages_across_a_currency_boundary_lose_and_repeat_nothing(client_as, rep, subscriptions_on, stored, euros, sort):
    _mixed(rep, euros)
    if stored:
        rebuild(today=TODAY)
    sl = smartlist(rep, columns=["name", "current_mrr", "remaining_value"])
    client = client_as(rep)
    response = client.get(detail(sl, f"sort={sort}"))
    pages = [names(response)]
    while nxt := link(response, "Next"):
        response = client.get(detail(sl) + nxt)
        pages.append(names(response))
    walked = sum(pages, [])
    assert walked == _expected(rep, sort.removeprefix("-"), sort.startswith("-"))
    assert len(walked) == len(set(walked)) == euros + 55
    back = [names(response)]
    while prev := link(response, "Previous"):
        response = client.get(detail(sl) + prev)
        back.append(names(response))
    assert back[::-1] == pages


@pytest.mark.parametrize("rows", [10, 1000])
def test_a_sorted_filtered_money_page_and_the_next_cost_the_same_queries_at_any_size(client_as, rep, subscriptions_on, rows):
    contacts = Contact.objects.bulk_create(ContactFactory.build(owner=rep) for _ in range(rows))
    Period.objects.bulk_create(
        Period(contact=c, mrr=10 + i % 7, currency="USD" if i % 3 == 0 else "EUR", start_date=days(-30), end_date=days(i % 120))
        for i, c in enumerate(contacts)
    )
    sl = smartlist(rep, columns=["name", "current_mrr", "upcoming_mrr", "upcoming_direction", "remaining_value"])
    client = client_as(rep)
    query = "sort=-current_mrr&current_mrr_min=11&current_mrr_currency=EUR"
    client.get(detail(sl, query))
    with CaptureQueriesContext(connection) as first:
        response = client.get(detail(sl, query))
    # session, user, the list, whether today's stored summaries may be read, the capped count with
    # the totals, page rows, the tag filter's options, the owner filter's (the switched-on features:
    # read by the first request of the process; the bulk owner choice: read on demand)
    assert response.status_code == 200 and len(first) == 8
    if nxt := link(response, "Next"):
        with CaptureQueriesContext(connection) as second:
            assert client.get(detail(sl) + nxt).status_code == 200
        # the page rows take one query, and one more for each boundary of the order the page crosses
        # (a currency's last amount, a currency's last row, the last row with a currency)
        assert len(second) <= len(first) + 3
