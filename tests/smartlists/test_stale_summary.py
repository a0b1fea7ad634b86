"""A stored figure is never served as today's unless it is: before today's refresh is recorded,
the smart list (its rows, filters and sort), its CSV export and the pipeline show what the periods
say; and a period write that crosses midnight cannot leave a row of another day behind today's run."""

import datetime
import re
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse

from crm.models import Contact, User
from subscriptions.models import SubscriptionSummary, SummaryRun
from subscriptions.summary import is_fresh, rebuild, refresh_contacts, refresh_stale
from tests.factories import ContactFactory, UserFactory
from tests.smartlists.conftest import TODAY, days, period, smartlist
from tests.smartlists.test_export import export, page_table, parse

pytestmark = pytest.mark.django_db

YESTERDAY = TODAY - datetime.timedelta(days=1)
COLUMNS = ["name", "current_mrr", "current_end", "upcoming_mrr", "upcoming_direction"]


@pytest.fixture
def stale(rep, subscriptions_on):
    """Yesterday's refresh is recorded, today's not yet; one contact's row holds figures that are
    not (or no longer) its own: 999 a month, ending in 5 days with nothing after."""
    fresh = ContactFactory(owner=rep, name="Fresh row")
    period(fresh, "100.00", days(-10), days(20))
    left = ContactFactory(owner=rep, name="Row of yesterday")
    period(left, "300.00", days(-10), days(40))
    period(left, "350.00", days(41))
    rebuild(today=YESTERDAY)
    SubscriptionSummary.objects.filter(contact=left).update(
        current_mrr=Decimal("999.00"), current_end=days(5), upcoming_mrr=None, upcoming_start=None,
        upcoming_direction="ending",
    )
    assert not is_fresh(TODAY)
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
    found = dict(re.findall(r'data-figure="(\w+)"><a href="[^"]*">(?:<strong>)?−?([\d,.]+)', row))
    # 100 ending in 20 days (churn), 300 renewed at 350 the day after it ends (expansion 50)
    assert found == {
        "current": "400.00", "new": "0.00", "expansion": "50.00", "reactivation": "0.00",
        "contraction": "0.00", "churn": "100.00", "upcoming": "350.00",
        "ending30": "100.00", "ending60": "100.00", "ending90": "100.00",
    }
    ending = page.split('id="ending-heading"')[1]
    assert "Fresh row" in ending and "Row of yesterday" not in ending


def test_a_write_that_read_yesterday_stores_its_row_as_of_the_recorded_day(rep, subscriptions_on):
    """A write that took "today" before midnight and runs after today's refresh: its row is
    computed for today, so every row stays as of today and lists may read the stored columns."""
    contact = ContactFactory(owner=rep)
    period(contact, "300.00", days(-10), days(40))
    rebuild(today=TODAY)
    refresh_contacts([contact.pk], today=YESTERDAY)
    assert SubscriptionSummary.objects.get(contact=contact).as_of == TODAY
    assert is_fresh(TODAY)


@pytest.mark.django_db(transaction=True)
def test_the_daily_run_waits_for_a_period_write_in_flight(rep, subscriptions_on):
    contact = ContactFactory(owner=rep)
    period(contact, "300.00", days(-10), days(40))
    rebuild(today=YESTERDAY)
    written, release, ran = threading.Event(), threading.Event(), threading.Event()

    def write_as_of_yesterday():
        try:
            with transaction.atomic():
                refresh_contacts([contact.pk], today=YESTERDAY)
                written.set()
                release.wait(10)
        finally:
            connection.close()

    def daily_run():
        try:
            refresh_stale(today=TODAY)
            ran.set()
        finally:
            connection.close()

    writer = threading.Thread(target=write_as_of_yesterday)
    writer.start()
    assert written.wait(10)
    runner = threading.Thread(target=daily_run)
    runner.start()
    assert not ran.wait(1)  # the run waits for the write's transaction
    release.set()
    writer.join(10)
    runner.join(10)
    assert ran.is_set()
    assert set(SubscriptionSummary.objects.values_list("as_of", flat=True)) == {TODAY}
    assert SummaryRun.objects.get().as_of == TODAY


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["the first period", "the new owner"])
def test_a_new_summary_row_carries_the_owner_a_concurrent_change_gave(rep, subscriptions_on, first):
    """A contact's first period (a new summary row) and a change of its owner, each held open while
    the other starts: whichever commits first, the row ends with the contact's last owner."""
    contact = ContactFactory(owner=rep)
    elsewhere = UserFactory(username="elsewhere", role=User.Role.REP)
    started, release, done = threading.Event(), threading.Event(), threading.Event()

    def add_period():
        period(contact, "300.00", days(-10), days(40))
        refresh_contacts([contact.pk], today=TODAY)  # as a period write does, in its transaction

    def change_owner():
        Contact.objects.filter(pk=contact.pk).update(owner=elsewhere)

    held, other = (add_period, change_owner) if first == "the first period" else (change_owner, add_period)

    def hold_open():
        try:
            with transaction.atomic():
                held()
                started.set()
                release.wait(10)
        finally:
            connection.close()

    def then_other():
        try:
            other()
            done.set()
        finally:
            connection.close()

    holder = threading.Thread(target=hold_open)
    holder.start()
    assert started.wait(10)
    follower = threading.Thread(target=then_other)
    follower.start()
    assert not done.wait(1)  # the second waits for the first
    release.set()
    holder.join(10)
    follower.join(10)
    assert done.is_set()
    assert SubscriptionSummary.objects.get(contact=contact).owner_id == elsewhere.pk
