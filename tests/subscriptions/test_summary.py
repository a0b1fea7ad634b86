"""Stored subscription summaries equal the query definitions: after a rebuild, after each write,
and after the days roll over and the daily task runs; before it runs, lists read the definitions."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from crm import fields
from crm.models import Contact
from subscriptions import pipeline, services
from subscriptions.fields import remaining_value_expression
from subscriptions.models import Period, SubscriptionSummary, SummaryRun
from subscriptions.queries import with_subscription
from subscriptions.summary import rebuild, refresh_stale, stored_is_fresh
from subscriptions.tasks import refresh_summaries
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

BASE = datetime.date(2026, 1, 1)
DAY = datetime.timedelta(days=1)
KEYS = ["current_mrr", "current_currency", "current_end", "upcoming_mrr", "upcoming_start", "upcoming_direction", "remaining_value"]


def registry_values(today):
    """What lists, exports and renewals read: the registry's expressions."""
    return list(fields.annotate(Contact.objects.order_by("pk"), KEYS, today=today).values_list("pk", *KEYS))


def definition_values(today):
    """The definitions: subqueries over the periods."""
    contacts = with_subscription(Contact.objects.order_by("pk"), on=today)
    return list(contacts.annotate(remaining_value=remaining_value_expression(today)).values_list("pk", *KEYS))


def pipeline_positions(today):
    """The pipeline's figures per contact: from the stored rows while they are fresh, else the definitions."""
    return sorted(pipeline.positions(Contact.objects.all(), today=today), key=lambda row: row[1])


def reads_stored(today) -> bool:
    sql = str(fields.annotate(Contact.objects.all(), ["current_mrr"], today=today).query)
    return stored_is_fresh(today) and "subscriptionsummary" in sql.lower()


# One contact's periods: (gap in days before it, length in days or None for open-ended, MRR, currency).
period_shapes = st.lists(
    st.tuples(
        st.integers(0, 60),
        st.one_of(st.none(), st.integers(1, 200)),
        st.sampled_from([Decimal("0.00"), Decimal("10.00"), Decimal("49.90"), Decimal("120.00")]),
        st.sampled_from(["EUR", "USD"]),
    ),
    max_size=4,
)


def make_contacts(owner, shapes_per_contact):
    Contact.objects.all().delete()
    periods = []
    for shapes in shapes_per_contact:
        contact = ContactFactory(owner=owner)
        start = BASE
        for gap, length, mrr, currency in shapes:
            start += gap * DAY
            end = None if length is None else start + (length - 1) * DAY
            periods.append(Period(contact=contact, mrr=mrr, currency=currency, start_date=start, end_date=end))
            if end is None:
                break  # nothing can follow an open-ended period
            start = end + DAY
    Period.objects.bulk_create(periods)


@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    shapes=st.lists(period_shapes, min_size=1, max_size=4),
    first_day=st.integers(-30, 500),
    rolled=st.integers(-40, 400),
)
def test_stored_values_equal_the_definitions_before_and_after_a_day_rolls_over(rep, shapes, first_day, rolled):
    make_contacts(rep, shapes)
    today = BASE + first_day * DAY
    SummaryRun.objects.all().delete()
    defined = pipeline_positions(today)
    rebuild(today=today)
    assert reads_stored(today)
    assert registry_values(today) == definition_values(today)
    assert pipeline_positions(today) == defined

    later = today + rolled * DAY
    if rolled:
        # Before the day's task runs, the registry reads the definitions: never a stale figure.
        assert not stored_is_fresh(later)
        assert registry_values(later) == definition_values(later)
    defined_later = pipeline_positions(later) if rolled else defined
    refresh_stale(today=later)
    assert reads_stored(later)
    assert registry_values(later) == definition_values(later)
    assert pipeline_positions(later) == defined_later
    assert set(SubscriptionSummary.objects.values_list("as_of", flat=True)) <= {later}


def test_every_service_write_keeps_the_contacts_row_true(rep):
    contact = ContactFactory(owner=rep)
    today = BASE + 10 * DAY
    with time_machine.travel(today, tick=False):
        rebuild(today=today)
        first = services.period_create(
            contact=contact, data={"mrr": Decimal("50"), "currency": "EUR", "start_date": BASE, "end_date": None}, by=rep
        )
        assert reads_stored(today) and registry_values(today) == definition_values(today)
        assert SubscriptionSummary.objects.get(contact=contact).current_mrr == Decimal("50")

        services.period_change(contact=contact, data={"mrr": Decimal("80"), "currency": "EUR", "start_date": today + 5 * DAY,
                                                      "end_date": None}, by=rep)
        summary = SubscriptionSummary.objects.get(contact=contact)
        assert (summary.current_end, summary.upcoming_mrr, summary.upcoming_direction) == (today + 4 * DAY, Decimal("80"), "up")
        assert registry_values(today) == definition_values(today)

        first.refresh_from_db()
        services.period_update(period=first, data={"mrr": Decimal("90")}, version=first.version, by=rep)
        assert SubscriptionSummary.objects.get(contact=contact).upcoming_direction == "down"
        assert registry_values(today) == definition_values(today)

        first.refresh_from_db()
        services.period_delete(period=first, version=first.version, by=rep)
        summary = SubscriptionSummary.objects.get(contact=contact)
        assert (summary.current_mrr, summary.upcoming_direction) == (None, "new")
        assert registry_values(today) == definition_values(today)


def test_the_daily_beat_task_moves_every_row_to_the_new_day(rep, celery_eager, settings):
    assert settings.CELERY_BEAT_SCHEDULE["subscriptions-refresh-summaries"]["task"] == "subscriptions.refresh_summaries"
    contact = ContactFactory(owner=rep)
    Period.objects.create(contact=contact, mrr=Decimal("10"), start_date=BASE, end_date=BASE + 9 * DAY)
    Period.objects.create(contact=contact, mrr=Decimal("20"), start_date=BASE + 10 * DAY, end_date=None)
    with time_machine.travel(BASE + 9 * DAY, tick=False):
        call_command("rebuild_summaries", stdout=None)
        assert SubscriptionSummary.objects.get(contact=contact).upcoming_direction == "up"
    with time_machine.travel(BASE + 10 * DAY, tick=False):
        refresh_summaries.delay()
        summary = SubscriptionSummary.objects.get(contact=contact)
        assert (summary.as_of, summary.current_mrr, summary.upcoming_mrr) == (BASE + 10 * DAY, Decimal("20"), None)
        assert SummaryRun.objects.filter(as_of=BASE + 10 * DAY).exists()
        assert registry_values(BASE + 10 * DAY) == definition_values(BASE + 10 * DAY)


def test_contacts_with_periods_but_no_row_yet_get_one_from_the_daily_task(rep):
    contact = ContactFactory(owner=rep)
    rebuild(today=BASE)
    Period.objects.create(contact=contact, mrr=Decimal("10"), start_date=BASE, end_date=None)  # not through services
    refresh_stale(today=BASE + DAY)
    assert SubscriptionSummary.objects.get(contact=contact).current_mrr == Decimal("10")


def per_contact_report(today):
    """The pipeline's totals added up contact by contact in Python: what the GROUP BY must equal."""
    team: dict = {}
    for _, _, _, position in pipeline.positions(Contact.objects.all(), today=today):
        for code in pipeline.currencies_of(position):
            team.setdefault(code, pipeline.Totals()).add(position, today, code)
    return team


@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shapes=st.lists(period_shapes, min_size=1, max_size=6), first_day=st.integers(-30, 500), stored=st.booleans())
def test_the_pipeline_grouped_in_the_database_equals_the_sum_of_its_contacts(rep, shapes, first_day, stored):
    make_contacts(rep, shapes)
    today = BASE + first_day * DAY
    SummaryRun.objects.all().delete()
    if stored:
        rebuild(today=today)
    report = pipeline.build_report(Contact.objects.all(), [rep], currency="EUR", today=today)
    expected = per_contact_report(today)
    expected.setdefault("EUR", pipeline.Totals())
    assert report.team == expected
    assert dict(report.owners[0][1]) == {code: totals for code, totals in expected.items() if totals.contacts}
    ending = [row for row in pipeline.positions(Contact.objects.all(), today=today)
              if pipeline.ends_within(row[3], pipeline.ENDING_WINDOWS[-1], today)]
    assert report.ending_count == len(ending)
    shown = report.ending()  # soonest first (names order a day's ties, in the database's collation)
    assert {row["contact_id"] for row in shown} == {pk for _, pk, _, _ in ending}
    assert [row["position"].current_end for row in shown] == sorted(row[3].current_end for row in ending)
