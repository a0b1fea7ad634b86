"""A stored summary row of another day is never served as today's, even while today's refresh is
recorded: the smart list (its rows, filters and sort), its CSV export and the pipeline show what
the periods say for that contact."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from crm import fields
from crm.models import Contact
from subscriptions.models import SubscriptionSummary, SummaryRun
from subscriptions.summary import rebuild, run_is_recorded, stored_is_fresh
from tests.factories import ContactFactory
from tests.smartlists.conftest import TODAY, days, period, smartlist
from tests.smartlists.test_export import export, page_table, parse

pytestmark = pytest.mark.django_db

YESTERDAY = TODAY - datetime.timedelta(days=1)
COLUMNS = ["name", "current_mrr", "current_end", "upcoming_mrr", "upcoming_direction"]


@pytest.fixture
def stale(rep, subscriptions_on):
    """Today's refresh is recorded, but one contact's row was left as of yesterday, with figures
    that are not (or no longer) its own: 999 a month, ending in 5 days with nothing after."""
    fresh = ContactFactory(owner=rep, name="Fresh row")
    period(fresh, "100.00", days(-10), days(20))
    left = ContactFactory(owner=rep, name="Row of yesterday")
    period(left, "300.00", days(-10), days(40))
    period(left, "350.00", days(41))
    rebuild(today=TODAY)
    SubscriptionSummary.objects.filter(contact=left).update(
        as_of=YESTERDAY, current_mrr=Decimal("999.00"), current_end=days(5),
        upcoming_mrr=None, upcoming_start=None, upcoming_direction="ending",
    )
    assert SummaryRun.objects.filter(as_of=TODAY).exists()
    return left


# name, current MRR, end, upcoming MRR, status: as the periods say
TRUE_ROWS = [
    ["Fresh row", "100.00", days(20), "", "Ending"],
    ["Row of yesterday", "300.00", days(40), "350.00", "Up"],
]


def test_the_smart_list_shows_filters_and_sorts_the_computed_figures(client_as, rep, stale):
    client = client_as(rep)
    sl = smartlist(rep, columns=COLUMNS)
    _, rows = page_table(client, sl, sort="-current_mrr")
    assert [row[0] for row in rows] == ["Row of yesterday", "Fresh row"]
    assert rows[0][1] == "300.00" and rows[0][3] == "350.00" and rows[0][4] == "Up"
    _, ending_soon = page_table(client, sl, ends_within_days="10")
    assert ending_soon == []  # the row of yesterday says it ends in 5 days: it does not
    _, at_most_500 = page_table(client, sl, current_mrr_max="500")
    assert [row[0] for row in at_most_500] == ["Fresh row", "Row of yesterday"]


def test_the_export_writes_the_computed_figures(client_as, rep, stale):
    sl = smartlist(rep, columns=COLUMNS)
    _, content = export(client_as(rep), sl)
    assert parse(content) == [
        ["Name", "Current MRR", "Subscription end date", "Upcoming MRR", "MRR status"],
        *[[name, mrr, end.isoformat(), upcoming, status] for name, mrr, end, upcoming, status in TRUE_ROWS],
    ]


def test_the_pipeline_counts_the_computed_figures(client_as, rep, stale):
    page = client_as(rep).get(reverse("subscriptions:pipeline")).text
    main = page.split('data-currency="EUR"')[1].split("</section>")[0]
    row = main.split(f'<th scope="row">{rep}</th>')[1].split("</tr>")[0]
    found = dict(re.findall(r'data-figure="(\w+)">(?:<strong>)?−?([\d,.]+)', row))
    # 100 ending in 20 days (churn), 300 renewed at 350 the day after it ends (expansion 50)
    assert found == {
        "current": "400.00", "new": "0.00", "expansion": "50.00", "reactivation": "0.00",
        "contraction": "0.00", "churn": "100.00", "upcoming": "350.00",
        "ending30": "100.00", "ending60": "100.00", "ending90": "100.00",
    }
    ending = page.split('id="ending-heading"')[1]
    assert "Fresh row" in ending and "Row of yesterday" not in ending


def test_while_a_row_is_of_another_day_lists_read_the_definitions_and_the_pipeline_reads_past_it(stale):
    assert run_is_recorded(TODAY) and not stored_is_fresh(TODAY)
    SubscriptionSummary.objects.filter(contact=stale).update(as_of=TODAY)
    assert stored_is_fresh(TODAY)


def test_a_row_that_turns_stale_after_the_check_is_not_served_either(rep, subscriptions_on):
    """The stored column is read through a join that requires the row to be as of today: a row
    written for another day between the freshness check and the read shows no figure, never its own."""
    contact = ContactFactory(owner=rep)
    period(contact, "300.00", days(-10), days(40))
    rebuild(today=TODAY)
    contacts = fields.annotate(Contact.objects.filter(pk=contact.pk), ["current_mrr", "upcoming_direction"], today=TODAY)
    assert "subscriptionsummary" in str(contacts.query).lower()  # built while fresh: the stored columns
    assert contacts.values_list("current_mrr", flat=True).get() == Decimal("300.00")
    SubscriptionSummary.objects.filter(contact=contact).update(as_of=YESTERDAY, current_mrr=Decimal("999.00"))
    assert contacts.values_list("current_mrr", "upcoming_direction").get() == (None, None)
