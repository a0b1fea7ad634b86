"""The MRR movements report in the reporting currency: every currency's waterfall as one whole, each
period at the rate in force on its start, the exchange-rate movement apart from expansion and
contraction, a missing rate said (which currency, from which day) instead of figures, the CSV's
converted rows, and each converted figure opening its contacts."""

import csv
import datetime
import html
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from subscriptions import rates
from subscriptions.models import ExchangeRate, Period
from tests.factories import ContactFactory, UserFactory
from tests.subscriptions.factories import PeriodFactory

URL = reverse("subscriptions:movements")
CSV = reverse("subscriptions:movements_csv")
D = datetime.date
RANGE = {"start": "2026-01", "end": "2026-12"}


@pytest.fixture(autouse=True)
def frozen_today(time_machine, subscriptions_on):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC), tick=False)


def subscriber(owner, name, *spans):
    """A contact of `owner` with periods (mrr, start, end or None, currency)."""
    contact = ContactFactory(owner=owner, name=name)
    for mrr, start, end, currency in spans:
        PeriodFactory(contact=contact, mrr=Decimal(mrr), start_date=start, end_date=end, currency=currency)
    return contact


def rate(currency, valid_from, value):
    return ExchangeRate.objects.create(reporting_currency="EUR", currency=currency, rate=Decimal(value),
                                       valid_from=valid_from)


@pytest.fixture
def rep2(rep):
    second = UserFactory(username="rep2", first_name="Rita", last_name="Second")
    rep.teams.first().members.add(second)
    return second


@pytest.fixture
def book(rep, rep2, outsider):
    """In euros, the reporting currency, and in dollars at 0.90 until February 2026, 0.80 from March."""
    rate("USD", D(2025, 1, 1), "0.90")
    rate("USD", D(2026, 3, 1), "0.80")
    subscriber(rep, "Euro", ("100", D(2026, 1, 1), None, "EUR"))
    # renewed in April at the same 100 dollars, now worth 80 euros instead of 90
    subscriber(rep, "Dollar renews", ("100", D(2025, 3, 1), D(2026, 3, 31), "USD"), ("100", D(2026, 4, 1), None, "USD"))
    # grows from 50 to 80 dollars in May: 80 - 50 at May's rate, and the 50 at the new rate
    subscriber(rep, "Dollar grows", ("50", D(2025, 3, 1), D(2026, 4, 30), "USD"), ("80", D(2026, 5, 1), None, "USD"))
    # leaves in June: its 30 dollars at the rate it started on
    subscriber(rep2, "Dollar leaves", ("30", D(2025, 1, 1), D(2026, 5, 31), "USD"))
    subscriber(outsider, "Outsider", ("700", D(2025, 1, 1), D(2026, 3, 31), "USD"))


FIGURES = ("opening", "new", "expansion", "reactivation", "contraction", "churn", "exchange_rate", "closing")


def converted_row(page, row):
    """{figure: (shown amount, link)} of the converted section's row headed `row`, or the text it
    shows instead of figures."""
    section = page.split('data-currency="converted"')[1].split("</section>")[0]
    found = section.split(f'<th scope="row">{row}</th>')[1].split("</tr>")[0]
    if "missing-rates" in found:
        return re.sub(r"<[^>]+>", "", found).strip()
    return {figure: (amount, html.unescape(href)) for href, figure, amount in
            re.findall(r'<td class="num" data-label="[^"]+"><a href="([^"]*\?movement=(\w+)[^"]*)">([−+]?[\d,.]+)</a>', found)}


def amounts(row):
    return {figure: amount for figure, (amount, _link) in row.items()}


def listed(client, link):
    response = client.get(link, follow=True)
    assert response.status_code == 200, response.content[:300]
    return sorted(html.unescape(n) for n in re.findall(r'<a href="/contacts/\d+/">([^<]*)</a>', response.text))


def test_every_currency_in_the_reporting_one_with_the_exchange_rate_apart(client_as, manager, book):
    client = client_as(manager)
    page = client.get(URL, RANGE).text
    assert "All currencies in EUR" in page
    # the dollars running at the end of 2025: 90 + 45 + 27 at 0.90; the euros start in January
    assert amounts(converted_row(page, "January 2026")) == {
        "opening": "162.00", "new": "+100.00", "expansion": "0.00", "reactivation": "0.00", "contraction": "0.00",
        "churn": "0.00", "exchange_rate": "0.00", "closing": "262.00"}
    # the same 100 dollars renewed at 0.80: no expansion or contraction, 10 euros less by the rate
    april = amounts(converted_row(page, "April 2026"))
    assert (april["opening"], april["expansion"], april["contraction"], april["exchange_rate"], april["closing"]) == (
        "262.00", "0.00", "0.00", "−10.00", "252.00")
    # 50 -> 80 dollars at 0.80: +24 expansion; the 50 from 0.90 to 0.80: -5 by the rate
    may = amounts(converted_row(page, "May 2026"))
    assert (may["expansion"], may["exchange_rate"], may["closing"]) == ("+24.00", "−5.00", "271.00")
    # churn at the rate the period started on (0.90), not today's
    june = amounts(converted_row(page, "June 2026"))
    assert (june["churn"], june["closing"]) == ("−27.00", "244.00")
    # a month's closing is the next one's opening, months ahead too (committed)
    assert amounts(converted_row(page, "December 2026"))["opening"] == "244.00"
    # each owner's range and the total
    assert amounts(converted_row(page, "Rita Second"))["churn"] == "−27.00"
    total = amounts(converted_row(page, "Total"))
    assert (total["opening"], total["new"], total["expansion"], total["churn"], total["exchange_rate"],
            total["closing"]) == ("162.00", "+100.00", "+24.00", "−27.00", "−15.00", "244.00")
    assert "Outsider" not in page


def test_each_converted_figure_opens_its_contacts_in_every_currency(client_as, manager, book):
    client = client_as(manager)
    page = client.get(URL, RANGE).text
    january, april, may = (converted_row(page, f"{m} 2026") for m in ("January", "April", "May"))
    assert listed(client, january["opening"][1]) == ["Dollar grows", "Dollar leaves", "Dollar renews"]
    assert listed(client, january["closing"][1]) == ["Dollar grows", "Dollar leaves", "Dollar renews", "Euro"]
    assert listed(client, april["exchange_rate"][1]) == ["Dollar renews"]
    assert listed(client, may["exchange_rate"][1]) == ["Dollar grows"]
    assert listed(client, may["expansion"][1]) == ["Dollar grows"]
    total = converted_row(page, "Total")
    assert listed(client, total["exchange_rate"][1]) == ["Dollar grows", "Dollar renews"]
    second = converted_row(page, "Rita Second")
    assert "owner=rep2" in second["churn"][1] and listed(client, second["churn"][1]) == ["Dollar leaves"]
    # the list says what it is narrowed to
    chips = client.get(april["exchange_rate"][1], follow=True).text
    assert "Exchange rate" in chips and "Every currency, converted into the reporting currency" in chips


def test_a_missing_rate_is_said_for_the_months_it_touches_never_guessed(client_as, manager, rep, book):
    subscriber(rep, "Pounds", ("10", D(2026, 6, 15), D(2026, 8, 31), "GBP"))
    page = client_as(manager).get(URL, RANGE).text
    assert amounts(converted_row(page, "May 2026"))["closing"] == "271.00"
    for month in ("June", "July", "August", "September"):  # it stops running in September
        assert converted_row(page, f"{month} 2026") == "no GBP rate in force on Jun 15, 2026", month
    # once it has stopped running, the whole is known again
    assert amounts(converted_row(page, "October 2026"))["opening"] == "244.00"
    assert converted_row(page, "Total") == "no GBP rate in force on Jun 15, 2026"
    assert "Some figures cannot be converted until these rates are entered" in page
    # a rate entered (a change: the stored figures are converted again) gives them
    rates.rate_create(currency="GBP", rate=Decimal("1.15"), valid_from=D(2026, 1, 1), against="EUR", by=None)
    page = client_as(manager).get(URL, RANGE).text
    assert amounts(converted_row(page, "June 2026"))["new"] == "+11.50"
    assert amounts(converted_row(page, "September 2026"))["churn"] == "−11.50"
    assert "no GBP rate" not in page


def test_a_rate_corrected_converts_the_stored_months_again(client_as, manager, admin_user, book):
    client = client_as(manager)
    assert amounts(converted_row(client.get(URL, RANGE).text, "April 2026"))["exchange_rate"] == "−10.00"
    march = ExchangeRate.objects.get(currency="USD", valid_from=D(2026, 3, 1))
    rates.rate_update(rate=march, currency="USD", value=Decimal("0.95"), valid_from=march.valid_from,
                      version=march.version, by=admin_user)
    assert amounts(converted_row(client.get(URL, RANGE).text, "April 2026"))["exchange_rate"] == "+5.00"


def test_only_the_reporting_currency_shows_no_converted_section(client_as, rep):
    subscriber(rep, "Euro", ("100", D(2026, 1, 1), None, "EUR"))
    page = client_as(rep).get(URL, RANGE).text
    assert 'data-currency="converted"' not in page and "All currencies in" not in page
    rows = list(csv.reader(io.StringIO(client_as(rep).get(CSV, RANGE).content.decode())))
    assert {row[10] for row in rows[1:]} == {"no"}


def test_the_csv_adds_the_converted_rows_with_their_exchange_rate(client_as, rep, book):
    subscriber(rep, "Pounds", ("10", D(2026, 5, 15), D(2026, 5, 31), "GBP"))
    response = client_as(rep).get(CSV, {"start": "2026-04", "end": "2026-07"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["month", "currency", "opening", "new", "expansion", "reactivation", "contraction", "churn",
                       "closing", "exchange_rate", "converted", "missing_rates"]
    # each currency's own rows first, as before, with no exchange rate
    assert ["2026-04", "EUR", "100.00", "0.00", "0.00", "0.00", "0.00", "0.00", "100.00", "", "no", ""] in rows
    assert ["2026-05", "USD", "150.00", "0.00", "30.00", "0.00", "0.00", "0.00", "180.00", "", "no", ""] in rows
    # then the whole in the reporting currency, marked converted; a month without a rate says so
    converted = [row for row in rows if row[10] == "yes"]
    assert converted == [
        ["2026-04", "EUR", "235.00", "0.00", "0.00", "0.00", "0.00", "0.00", "225.00", "-10.00", "yes", ""],
        ["2026-05", "EUR", "", "", "", "", "", "", "", "", "yes", "GBP 2026-05-15"],
        ["2026-06", "EUR", "", "", "", "", "", "", "", "", "yes", "GBP 2026-05-15"],
        ["2026-07", "EUR", "244.00", "0.00", "0.00", "0.00", "0.00", "0.00", "244.00", "0.00", "yes", ""],
    ]
    # the rep's own contacts only: 100 EUR, and 90 + 45 dollars in euros (rep2's leaver is not theirs)
    assert Period.objects.filter(contact__owner=rep, currency="USD").count() == 4
