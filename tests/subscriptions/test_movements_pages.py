"""The MRR movements report's page and CSV: the range and owner a person chooses, what they may see,
the contacts behind each figure, and the feature switch."""

import csv
import datetime
import html
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import Feature
from tests.factories import ContactFactory, UserFactory
from tests.subscriptions.factories import PeriodFactory

URL = reverse("subscriptions:movements")
CSV = reverse("subscriptions:movements_csv")
HTMX = {"HX-Request": "true"}
D = datetime.date


@pytest.fixture(autouse=True)
def frozen_today(time_machine, subscriptions_on):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC), tick=False)


def subscriber(owner, name, *spans):
    """A contact of `owner` with periods (mrr, start, end or None, currency)."""
    contact = ContactFactory(owner=owner, name=name)
    for mrr, start, end, currency in spans:
        PeriodFactory(contact=contact, mrr=Decimal(mrr), start_date=start, end_date=end, currency=currency)
    return contact


@pytest.fixture
def rep2(rep):
    second = UserFactory(username="rep2", first_name="Rita", last_name="Second")
    rep.teams.first().members.add(second)
    return second


@pytest.fixture
def book(rep, rep2, outsider):
    subscriber(rep, "Starts in March", ("100", D(2026, 3, 10), None, "EUR"))
    subscriber(rep, "Leaves in April", ("40", D(2025, 1, 1), D(2026, 3, 31), "EUR"))
    subscriber(rep, "Grows in May", ("50", D(2025, 5, 1), D(2026, 4, 30), "EUR"), ("80", D(2026, 5, 1), None, "EUR"))
    subscriber(rep, "Dollars", ("999", D(2025, 1, 1), D(2027, 2, 28), "USD"))
    subscriber(rep2, "Second's leaver", ("500", D(2025, 1, 1), D(2026, 3, 31), "EUR"))
    subscriber(outsider, "Outsider's leaver", ("700", D(2025, 1, 1), D(2026, 3, 31), "EUR"))


def cells(page, currency, row):
    """{figure: (shown amount, link)} of the row headed `row` (a month, an owner's name, "Total") in
    the section of `currency`."""
    section = page.split(f'data-currency="{currency}"')[1].split("</section>")[0]
    found = re.split(rf'<th scope="row">(?:<a href="[^"]*">)?{re.escape(row)}(?:</a>)?</th>', section)[1].split("</tr>")[0]
    return {figure: (amount, html.unescape(href)) for href, figure, amount in
            re.findall(r'<td><a href="([^"]*(?:\?|&amp;)movement=(\w+)[^"]*)">([−+]?[\d,.]+)</a></td>', found)}


def listed(client, link):
    response = client.get(link, follow=True)
    assert response.status_code == 200, response.content[:300]
    return sorted(html.unescape(n) for n in re.findall(r'<a href="/contacts/\d+/">([^<]*)</a>', response.text))


def test_the_default_range_is_the_last_twelve_months_and_the_next_twelve(client_as, rep, book):
    page = client_as(rep).get(URL).text
    assert 'value="2025-12"' in page and 'value="2027-11"' in page
    assert "From December 2025 to November 2027" in page
    assert "Months after November 2026 show the committed MRR" in page
    # the months to date, then the months ahead under their own headings
    section = page.split('data-currency="EUR"')[1].split("</section>")[0]
    to_date, ahead = section.split("Months ahead: committed MRR")
    rows = re.findall(r'<th scope="row">([^<]+)</th>', to_date)
    assert rows[0] == "December 2025" and rows[-1] == "November 2026" and len(rows) == 12
    rows = re.findall(r'<th scope="row">([^<]+)</th>', ahead)
    assert rows[0] == "December 2026" and rows[-1] == "November 2027" and len(rows) == 12
    assert "Churn at risk" in ahead and "Committed MRR" in ahead and "Churn at risk" not in to_date


def test_a_reps_figures_each_open_the_contacts_they_add_up(client_as, rep, book):
    client = client_as(rep)
    page = client.get(URL, {"start": "2026-01", "end": "2026-12"}).text
    march, april, may = (cells(page, "EUR", f"{m} 2026") for m in ("March", "April", "May"))
    assert sorted(march) == sorted(["opening", "new", "expansion", "reactivation", "contraction", "churn", "closing"])
    assert march["new"][0] == "+100.00" and listed(client, march["new"][1]) == ["Starts in March"]
    assert april["churn"][0] == "−40.00" and listed(client, april["churn"][1]) == ["Leaves in April"]
    assert april["opening"][0] == "190.00"
    assert listed(client, april["opening"][1]) == ["Grows in May", "Leaves in April", "Starts in March"]
    assert may["expansion"][0] == "+30.00" and listed(client, may["expansion"][1]) == ["Grows in May"]
    assert may["closing"][0] == "180.00" and listed(client, may["closing"][1]) == ["Grows in May", "Starts in March"]
    dollars = cells(page, "USD", "January 2026")
    assert dollars["opening"][0] == "999.00" and listed(client, dollars["opening"][1]) == ["Dollars"]


def test_a_managers_team_shows_each_rep_and_the_total_never_an_outsider(client_as, manager, rep, rep2, book):
    client = client_as(manager)
    page = client.get(URL, {"start": "2026-01", "end": "2026-12"}).text
    april = cells(page, "EUR", "April 2026")
    assert april["churn"][0] == "−540.00"  # 40 + 500, not the outsider's 700
    assert listed(client, april["churn"][1]) == ["Leaves in April", "Second's leaver"]
    second = cells(page, "EUR", "Rita Second")  # each owner's range
    assert (second["opening"][0], second["churn"][0], second["closing"][0]) == ("500.00", "−500.00", "0.00")
    assert listed(client, second["churn"][1]) == ["Second's leaver"]
    total = cells(page, "EUR", "Total")
    assert total["opening"][0] == "590.00" and total["closing"][0] == "180.00"
    assert "Outsider" not in page
    # each name opens that rep's report alone, over the same months
    narrowed = re.search(r'<th scope="row"><a href="([^"]+)">Rita Second</a></th>', page)[1]
    assert html.unescape(narrowed) == f"{URL}?start=2026-01&end=2026-12&owner=rep2"
    page = client.get(html.unescape(narrowed)).text
    assert cells(page, "EUR", "April 2026")["churn"][0] == "−500.00" and "By owner" not in page


def test_names_and_links_are_escaped_in_the_tables(client_as, manager, rep, rep2, book):
    """The tables are written by Jinja2 (`crm.jinja_env`): it escapes a name as Django's engine would."""
    rep2.first_name, rep2.last_name = '<b>Rita</b> & "Co"', "<script>x</script>"
    rep2.save()
    page = client_as(manager).get(URL, {"start": "2026-01", "end": "2026-12"}).text
    assert "<script>x</script>" not in page and "<b>Rita</b>" not in page
    shown = '&lt;b&gt;Rita&lt;/b&gt; &amp; &#34;Co&#34; &lt;script&gt;x&lt;/script&gt;'
    assert f'owner=rep2">{shown}</a></th>' in page
    # each figure's link: its "&" written as "&amp;" in the markup, whole again once read
    assert cells(page, "EUR", "April 2026")["churn"][1].endswith("movement_month=2026-04&movement=churn")


def test_a_figure_opens_a_list_that_says_it_holds_the_contacts_behind_the_movements(client_as, rep, book):
    client = client_as(rep)
    link = cells(client.get(URL, {"start": "2026-01", "end": "2026-12"}).text, "EUR", "April 2026")["churn"][1]
    response = client.get(link, follow=True)
    title = html.unescape(re.search(r"<h1[^>]*>(.*?)</h1>", response.text, re.S)[1]).strip()
    assert title == "Contacts behind the MRR movements' figures"
    assert "pipeline" not in title
    assert listed(client, link) == ["Leaves in April"]
    # the same list, once per person, whichever figure opens it
    other = cells(client.get(URL, {"start": "2026-01", "end": "2026-12"}).text, "EUR", "March 2026")["new"][1]
    assert client.get(other).url.split("?")[0] == response.redirect_chain[0][0].split("?")[0]


def test_owner_narrows_a_managers_report_to_one_rep(client_as, manager, rep, rep2, book):
    client = client_as(manager)
    page = client.get(URL, {"start": "2026-01", "end": "2026-12", "owner": "rep2"}).text
    april = cells(page, "EUR", "April 2026")
    assert april["churn"][0] == "−500.00" and "owner=rep2" in april["churn"][1]
    assert listed(client, april["churn"][1]) == ["Second's leaver"]
    assert 'data-currency="USD"' not in page  # rep's dollars are not rep2's
    assert "By owner" not in page


@pytest.mark.parametrize("who, owner", [("manager", "outsider"), ("rep", "manager"), ("rep", "rep2"),
                                        ("rep", "nobody"), ("admin", "partner")])
def test_an_owner_the_viewer_may_not_see_is_a_400_with_a_message(client_as, request, manager, rep, rep2, outsider,
                                                                 admin_user, partner, book, who, owner):
    viewer = {"manager": manager, "rep": rep, "admin": admin_user}[who]
    response = client_as(viewer).get(URL, {"owner": owner})
    assert response.status_code == 400
    assert "Owner (owner):" in response.text and "Select a valid choice" in response.text
    assert "?movement=" not in response.text and "Leaver" not in response.text
    csv_response = client_as(viewer).get(CSV, {"owner": owner})
    assert csv_response.status_code == 400 and b"owner" in csv_response.content


def test_a_rep_names_only_themselves(client_as, rep, book):
    client = client_as(rep)
    assert client.get(URL, {"owner": "rep"}).status_code == 200
    assert 'name="owner"' not in client.get(URL).text  # nobody else to choose


@pytest.mark.parametrize("query, parameter", [
    ({"start": "garbage"}, "start"), ({"start": "2026-13"}, "start"), ({"end": "2026-02-30"}, "end"),
    ({"start": "1899-12"}, "start"), ({"end": "2201-01"}, "end"), ({"start": "0001-01"}, "start"),
    ({"start": "2026-05", "end": "2026-04"}, "end"), ({"start": "2020-01", "end": "2025-01"}, "end"),
])
def test_a_bad_range_is_a_400_naming_the_parameter(client_as, rep, query, parameter):
    client = client_as(rep)
    response = client.get(URL, query)
    assert response.status_code == 400
    assert f"({parameter}):" in response.text and "?movement=" not in response.text
    part = client.get(URL, query, headers=HTMX)
    assert part.status_code == 400 and 'id="movements-report"' in part.text and "<html" not in part.text
    assert client.get(CSV, query).status_code == 400


def test_sixty_months_is_the_longest_range(client_as, rep):
    assert client_as(rep).get(URL, {"start": "2022-01", "end": "2026-12"}).status_code == 200


def test_htmx_gets_the_report_alone(client_as, rep, book):
    part = client_as(rep).get(URL, {"start": "2026-01", "end": "2026-06"}, headers=HTMX)
    assert part.status_code == 200 and "<html" not in part.text and 'id="movements-report"' in part.text
    assert "June 2026" in part.text and "July 2026" not in part.text
    assert "show the committed MRR" not in part.text  # no month ahead in this range


def test_the_csv_has_a_row_per_month_and_currency_with_plain_numbers(client_as, rep, book):
    response = client_as(rep).get(CSV, {"start": "2026-03", "end": "2026-05"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "mrr-movements-2026-03-2026-05.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    # the columns first; then those of the rows converted into the reporting currency
    # (`test_movements_converted_pages`): here without a dollar rate, they say so
    assert rows[0] == ["month", "currency", "opening", "new", "expansion", "reactivation", "contraction", "churn",
                       "closing", "exchange_rate", "converted", "missing_rates"]
    assert rows[1:] == [
        ["2026-03", "EUR", "90.00", "100.00", "0.00", "0.00", "0.00", "0.00", "190.00", "", "no", ""],
        ["2026-04", "EUR", "190.00", "0.00", "0.00", "0.00", "0.00", "40.00", "150.00", "", "no", ""],
        ["2026-05", "EUR", "150.00", "0.00", "30.00", "0.00", "0.00", "0.00", "180.00", "", "no", ""],
        ["2026-03", "USD", "999.00", "0.00", "0.00", "0.00", "0.00", "0.00", "999.00", "", "no", ""],
        ["2026-04", "USD", "999.00", "0.00", "0.00", "0.00", "0.00", "0.00", "999.00", "", "no", ""],
        ["2026-05", "USD", "999.00", "0.00", "0.00", "0.00", "0.00", "0.00", "999.00", "", "no", ""],
        *([month, "EUR", *[""] * 8, "yes", "USD 2025-01-01"] for month in ("2026-03", "2026-04", "2026-05")),
    ]


def test_the_csv_neutralises_text_a_spreadsheet_would_run(client_as, rep):
    subscriber(rep, "Odd currency", ("10", D(2026, 1, 1), None, "=1+"))
    rows = list(csv.reader(io.StringIO(client_as(rep).get(CSV, {"start": "2026-01", "end": "2026-01"}).content.decode())))
    assert ["2026-01", "'=1+", "0.00", "10.00", "0.00", "0.00", "0.00", "0.00", "10.00", "", "no", ""] in rows
    assert ["2026-01", "EUR", *[""] * 8, "yes", "'=1+ 2026-01-01"] in rows  # and its missing rate


@pytest.mark.parametrize("size", [10, 300])
def test_the_query_count_does_not_grow_with_the_data(client_as, manager, rep, size, django_assert_max_num_queries):
    for i in range(size):
        subscriber(rep, f"Customer {i}", ("100", D(2025, 1, 1) + datetime.timedelta(days=i), D(2026, 6, 30), "EUR"),
                   ("120", D(2026, 7, 1), None, "EUR" if i % 3 else "USD"))
    client = client_as(manager)
    # measured: 11 (the switched-on features, session, user, the manager's people (whose contacts
    # they see, the active ones to show: one statement), whose rows are out of date, computing them
    # in a savepoint: claim, clear, insert; then the rows), then 4 once they are stored and the
    # features read (what is out of date, nothing, and the rows: one statement)
    with django_assert_max_num_queries(11):
        assert client.get(URL).status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get(URL).status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get(CSV).status_code == 200


def test_switched_off_the_report_and_its_entry_are_gone(client_as, rep, book):
    client = client_as(rep)
    assert "MRR movements" in client.get(reverse("contact_list")).text
    assert reverse("subscriptions:movements") in client.get(reverse("subscriptions:pipeline")).text
    Feature.objects.filter(name="subscriptions").update(is_active=False)
    assert client.get(URL).status_code == 404 and client.get(CSV).status_code == 404
    assert "MRR movements" not in client.get(reverse("contact_list")).text


def test_a_partner_gets_404(client_as, partner):
    client = client_as(partner)
    assert client.get(URL).status_code == 404 and client.get(CSV).status_code == 404


@pytest.mark.parametrize("query", ["movement=everything", "movement=new&movement_month=2026-13",
                                   "movement=new&movement_month=1850-01", "movement=churn&movement_currency=E1",
                                   "movement=churn&movement_until=garbage"])
def test_a_figure_link_with_bad_parameters_is_a_400_never_a_wider_list(client_as, rep, book, query):
    response = client_as(rep).get(reverse("smartlists:pipeline") + "?" + query, follow=True)
    assert response.status_code == 400
    assert "MRR movement" in response.text and "<tbody>" not in response.text.split('id="smartlist-region"')[-1]


def test_a_range_ending_before_it_starts_lists_no_one(client_as, rep, book):
    link = reverse("smartlists:pipeline") + "?movement=opening&movement_month=2026-05&movement_until=2026-04"
    assert listed(client_as(rep), link) == []
