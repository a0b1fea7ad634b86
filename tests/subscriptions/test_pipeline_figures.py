"""The pipeline report's figures open the contacts behind them, and the report can be read as of
another day: each figure's link lists exactly the contacts it adds up, only those the viewer may see."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from subscriptions.summary import rebuild
from tests.factories import ContactFactory, UserFactory
from tests.subscriptions.factories import PeriodFactory

TODAY = datetime.date(2026, 11, 22)
FIGURES = ("current", "new", "expansion", "reactivation", "contraction", "churn", "upcoming",
           "ending30", "ending60", "ending90")


@pytest.fixture(autouse=True)
def frozen_today(time_machine, subscriptions_on):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC), tick=False)


def days(n):
    return TODAY + datetime.timedelta(days=n)


def periods(owner, name, *spans):
    """A contact of `owner` with periods (mrr, start day, end day or None, currency), days from TODAY."""
    contact = ContactFactory(owner=owner, name=name)
    for mrr, start, end, currency in spans:
        PeriodFactory(contact=contact, mrr=Decimal(mrr), start_date=days(start),
                      end_date=None if end is None else days(end), currency=currency)
    return contact


# name: its periods, and the figures it counts in, by currency (a contact counts in several)
BOOK = {
    "Expands": ([("100", -300, 20, "EUR"), ("150", 21, None, "EUR")], {"EUR": {"current", "expansion", "upcoming"}}),
    "Shrinks": ([("200", -300, 20, "EUR"), ("150", 21, None, "EUR")], {"EUR": {"current", "contraction", "upcoming"}}),
    "Leaves": ([("300", -300, 20, "EUR")], {"EUR": {"current", "churn", "ending30", "ending60", "ending90"}}),
    "Stays": ([("400", -300, None, "EUR")], {"EUR": {"current", "upcoming"}}),
    "Starts": ([("70", 5, None, "EUR")], {"EUR": {"new", "upcoming"}}),
    "Lapses and comes back": ([("50", -300, 45, "EUR"), ("60", 56, None, "EUR")],
                              {"EUR": {"current", "churn", "reactivation", "upcoming", "ending60", "ending90"}}),
    "Returns": ([("40", -700, -400, "EUR"), ("80", 10, None, "EUR")], {"EUR": {"reactivation", "upcoming"}}),
    "Switches currency": ([("90", -300, 20, "EUR"), ("95", 21, None, "USD")],
                          {"EUR": {"current", "churn"}, "USD": {"new", "upcoming"}}),
    "Dollars": ([("999", -300, None, "USD")], {"USD": {"current", "upcoming"}}),
    "Ended long ago": ([("10", -700, -400, "EUR")], {}),
}


def expected(figure, currency, owners_names):
    return sorted(name for name in owners_names if figure in BOOK[name][1].get(currency, set()))


@pytest.fixture
def book(rep, outsider):
    for name, (spans, _) in BOOK.items():
        periods(rep, name, *spans)
        periods(outsider, f"{name} (outsider)", *spans)  # the same again, someone else's


def figure_links(page, currency, label):
    """{figure: (shown amount, link)} of the row headed `label` in the table of `currency`."""
    table = page.split(f'data-currency="{currency}"')[1].split("</section>")[0]
    row = table.split(f'<th scope="row">{label}</th>')[1].split("</tr>")[0]
    cells = re.findall(r'data-figure="(\w+)"><a href="([^"]*)">(?:<strong>)?−?([\d,.]+)', row)
    return {figure: (amount, html.unescape(href)) for figure, href, amount in cells}


def listed(client, link):
    """The contact names a figure's link lists, and the count the list shows."""
    response = client.get(link, follow=True)
    assert response.status_code == 200, response.content[:500]
    text = response.text
    names = sorted(html.unescape(n) for n in re.findall(r'<a href="/contacts/\d+/">([^<]*)</a>', text))
    return names, int(re.search(r'<p class="muted">(\d+) contacts?\b', text).group(1))


@pytest.mark.parametrize("stored", [False, True], ids=["definitions", "stored"])
def test_every_figure_of_a_rep_opens_exactly_the_contacts_it_adds_up(client_as, rep, book, stored):
    if stored:
        rebuild(today=TODAY)
    client = client_as(rep)
    page = client.get(reverse("subscriptions:pipeline")).text
    for currency in ("EUR", "USD"):
        links = figure_links(page, currency, str(rep))
        assert sorted(links) == sorted(FIGURES)
        for figure, (amount, link) in links.items():
            names, count = listed(client, link)
            want = expected(figure, currency, [n for n in BOOK])
            assert names == want, (currency, figure, amount)
            assert count == len(want)


def test_a_figures_list_adds_up_to_the_figure(client_as, rep, book):
    client = client_as(rep)
    page = client.get(reverse("subscriptions:pipeline")).text
    amount, link = figure_links(page, "EUR", str(rep))["current"]
    assert amount == "1,140.00"  # 100 + 200 + 300 + 400 + 50 + 90 (USD 999 is in its own table)
    listing = client.get(link, follow=True).text
    assert "1,140.00" in listing.split("<tfoot>")[1]  # the list's Current MRR total


def test_a_manager_opens_each_reps_figures_and_the_teams_never_an_outsiders(client_as, manager, rep, book):
    rep2 = UserFactory(username="rep2", first_name="Rita", last_name="Second")
    rep.teams.first().members.add(rep2)
    periods(rep2, "Second rep's leaver", ("500", -300, 10, "EUR"))
    client = client_as(manager)
    page = client.get(reverse("subscriptions:pipeline")).text
    names, count = listed(client, figure_links(page, "EUR", str(rep2))["churn"][1])
    assert names == ["Second rep's leaver"] and count == 1
    names, _ = listed(client, figure_links(page, "EUR", str(rep))["churn"][1])
    assert names == expected("churn", "EUR", list(BOOK))
    amount, link = figure_links(page, "EUR", "Total")["churn"]
    names, count = listed(client, link)
    assert names == sorted([*expected("churn", "EUR", list(BOOK)), "Second rep's leaver"]) and count == 4
    assert amount == "940.00"  # 300 + 50 + 90 + 500: none of the outsider's


def test_a_figure_link_cannot_reach_contacts_the_viewer_may_not_see(client_as, rep, outsider, book):
    """A hand-typed owner the rep may not see is refused (the smart list's owner choice): no row."""
    response = client_as(rep).get(reverse("smartlists:pipeline") + "?pipeline=churn&owner=outsider", follow=True)
    assert response.status_code == 400
    assert "(outsider)" not in response.text and "/contacts/" not in response.text.split('id="smartlist-region"')[-1]


def test_a_report_as_of_another_day_links_to_that_days_contacts(client_as, rep, book):
    client = client_as(rep)
    # Six weeks on, "Leaves" and "Switches currency" have gone, "Starts" has started, and
    # "Lapses and comes back" ends within 30 days.
    response = client.get(reverse("subscriptions:pipeline"), {"as_of": days(42).isoformat()})
    assert response.status_code == 200
    page = response.text
    assert 'value="2027-01-03"' in page and "January 3, 2027" in page
    links = figure_links(page, "EUR", str(rep))
    assert links["current"][0] == "900.00"  # 150 + 150 + 400 + 70 + 50 + 80
    names, _ = listed(client, links["current"][1])
    assert names == ["Expands", "Lapses and comes back", "Returns", "Shrinks", "Starts", "Stays"]
    names, _ = listed(client, links["ending30"][1])
    assert names == ["Lapses and comes back"]
    # today's report is unchanged, and its links read today's figures
    names, _ = listed(client, figure_links(client.get(reverse("subscriptions:pipeline")).text, "EUR", str(rep))["ending30"][1])
    assert names == ["Leaves"]


@pytest.mark.parametrize("as_of", ["garbage", "2026-02-30", "1850-01-01", "2999-12-31"])
def test_an_as_of_day_that_is_not_a_date_in_range_is_a_400_with_a_message(client_as, rep, as_of):
    response = client_as(rep).get(reverse("subscriptions:pipeline"), {"as_of": as_of})
    assert response.status_code == 400
    assert "As of:" in response.text
    assert re.search(r"Enter a valid date|Enter a date between", response.text)
    assert "Totals in" not in response.text  # never today's report in its place


def test_the_as_of_form_defaults_to_today_and_answers_htmx_with_the_report_alone(client_as, rep, book):
    client = client_as(rep)
    page = client.get(reverse("subscriptions:pipeline")).text
    assert re.search(r'<input type="date" name="as_of"[^>]*>', page)
    assert "As of November 22, 2026" in page
    part = client.get(reverse("subscriptions:pipeline"), {"as_of": "2026-12-01"}, headers={"HX-Request": "true"})
    assert part.status_code == 200 and "<html" not in part.text and 'id="pipeline-report"' in part.text
    bad = client.get(reverse("subscriptions:pipeline"), {"as_of": "x"}, headers={"HX-Request": "true"})
    assert bad.status_code == 400 and 'id="pipeline-report"' in bad.text and "<html" not in bad.text


@pytest.mark.parametrize("size", [10, 300])
def test_a_report_as_of_another_day_keeps_its_query_count(client_as, manager, rep, size, django_assert_max_num_queries):
    for i in range(size):
        periods(rep, f"Customer {i}", ("100", -300, i, "EUR"), ("120", i + 1, None, "EUR"))
    client = client_as(manager)
    client.get(reverse("subscriptions:pipeline"), {"as_of": "2026-12-24"})
    with django_assert_max_num_queries(5):  # measured: 5 (session, user, owners, the groups, the endings)
        assert client.get(reverse("subscriptions:pipeline"), {"as_of": "2026-12-24"}).status_code == 200


@pytest.mark.parametrize("query", ["pipeline=everything", "pipeline=churn&pipeline_on=garbage",
                                   "pipeline=churn&pipeline_on=1850-01-01", "pipeline=churn&pipeline_currency=E1"])
def test_a_figure_link_with_bad_parameters_is_a_400_never_a_wider_list(client_as, rep, book, query):
    response = client_as(rep).get(reverse("smartlists:pipeline") + "?" + query, follow=True)
    assert response.status_code == 400
    assert "Pipeline figure" in response.text and "<tbody>" not in response.text.split('id="smartlist-region"')[-1]
