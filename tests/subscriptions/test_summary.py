"""Stored subscription summaries equal the query definitions: after a rebuild, after each write,
and after the days roll over and the daily task runs; before it runs, lists read the definitions.
Each owner's stored pipeline equals the pipeline computed from the definitions, whatever changed."""

import datetime
from collections import Counter
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import F
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from crm import fields
from crm.models import Contact
from subscriptions import pipeline, services
from subscriptions.models import OwnerPipelineStale, Period, SubscriptionSummary, SummaryRun
from subscriptions.summary import FIGURES, is_fresh, rebuild, refresh_stale, with_figures
from subscriptions.tasks import refresh_summaries
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE = datetime.date(2026, 1, 1)
DAY = datetime.timedelta(days=1)
KEYS = ["current_mrr", "current_currency", "current_end", "upcoming_mrr", "upcoming_start", "upcoming_direction", "remaining_value"]


def registry_values(today):
    """What lists, exports and renewals read: the registry's expressions."""
    return list(fields.annotate(Contact.objects.order_by("pk"), KEYS, today=today).values_list("pk", *KEYS))


def definition_values(today, keys=KEYS):
    """The definitions: subqueries over the periods."""
    return list(with_figures(Contact.objects.order_by("pk"), keys, today=today, fresh=False).values_list("pk", *keys))


def stored_values(today):
    """Every stored figure of every contact with periods, as the stored rows hold them."""
    contacts = Contact.objects.filter(subscription_summary__isnull=False).order_by("pk")
    return list(with_figures(contacts, FIGURES, today=today, fresh=True).values_list("pk", *FIGURES))


def defined_values_of_stored(today):
    contacts = Contact.objects.filter(subscription_summary__isnull=False).order_by("pk")
    return list(with_figures(contacts, FIGURES, today=today, fresh=False).values_list("pk", *FIGURES))


def owners_copied() -> bool:
    """Every stored row carries its contact's owner (what a team's list reads it by)."""
    return not SubscriptionSummary.objects.exclude(owner_id=F("contact__owner_id")).exists()


def reads_stored(today) -> bool:
    sql = str(fields.annotate(Contact.objects.all(), ["current_mrr"], today=today).query)
    return is_fresh(today) and "subscriptionsummary" in sql.lower()


def defined_groups(today, contacts=None):
    """The pipeline's groups computed from the definitions (no stored row read)."""
    rows = pipeline.grouped(contacts if contacts is not None else Contact.objects.all(), today=today, fresh=False)
    return Counter(tuple(sorted(row.items())) for row in rows)


def report(owners, today):
    return pipeline.build_report([owner.pk for owner in owners], owners, currency="EUR", today=today)


def defined_report(owners, today):
    """What the report must say: its totals added up from groups computed from the definitions,
    contact by contact."""
    team: dict = {}
    for contact in Contact.objects.filter(owner__in=owners):
        for row in pipeline.grouped(Contact.objects.filter(pk=contact.pk), today=today, fresh=False):
            group = pipeline.group_of(row)
            for code in pipeline.currencies_of(group):
                team.setdefault(code, pipeline.Totals()).add(group, today, code)
    team.setdefault("EUR", pipeline.Totals())
    return team


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
    defined = defined_groups(today)
    rebuild(today=today)
    assert reads_stored(today) and owners_copied()
    assert registry_values(today) == definition_values(today)
    assert stored_values(today) == defined_values_of_stored(today)
    assert Counter(tuple(sorted(r.items())) for r in pipeline.grouped(Contact.objects.all(), today=today, fresh=True)) == defined

    later = today + rolled * DAY
    if rolled:
        # Before the day's task runs, the registry reads the definitions: never a stale figure.
        assert not is_fresh(later)
        assert registry_values(later) == definition_values(later)
    refresh_stale(today=later)
    assert reads_stored(later) and owners_copied()
    assert registry_values(later) == definition_values(later)
    assert stored_values(later) == defined_values_of_stored(later)
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


@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shapes=st.lists(period_shapes, min_size=1, max_size=6), first_day=st.integers(-30, 500), stored=st.booleans())
def test_the_stored_pipeline_equals_the_sum_of_its_contacts_from_the_definitions(rep, shapes, first_day, stored):
    make_contacts(rep, shapes)
    today = BASE + first_day * DAY
    SummaryRun.objects.all().delete()
    if stored:
        rebuild(today=today)
    built = report([rep], today)
    expected = defined_report([rep], today)
    assert built.team == expected
    assert dict(built.owners[0][1]) == {code: totals for code, totals in expected.items() if totals.contacts}
    ending = [pk for pk, *_ in pipeline.ending_soon(Contact.objects.all(), today=today, fresh=False, limit=10**6)]
    assert built.ending_count == len(ending)
    shown = built.ending()  # soonest first (names order a day's ties, in the database's collation)
    assert {row["contact_id"] for row in shown} == set(ending)
    ends = with_figures(Contact.objects.filter(pk__in=ending), ["current_end"], today=today, fresh=False)
    assert [row["position"].current_end for row in shown] == sorted(ends.values_list("current_end", flat=True))


def test_the_stored_pipeline_follows_every_change_of_its_contacts(rep, manager, celery_eager):
    """Period writes, a contact given to another owner (a form, a bulk statement), a contact deleted
    and a new day: each report equals the one computed from the definitions."""
    other = UserFactory(username="other-rep")
    today = BASE + 40 * DAY
    with time_machine.travel(today, tick=False):
        contacts = [ContactFactory(owner=rep) for _ in range(3)]
        rebuild(today=today)

        def check(day=today):
            for owners in ([rep], [other], [rep, other, manager]):
                assert report(owners, day).team == defined_report(owners, day)

        for i, contact in enumerate(contacts):
            services.period_create(contact=contact, data={"mrr": Decimal(10 * (i + 1)), "currency": "EUR",
                                                          "start_date": BASE, "end_date": today + (20 * i) * DAY}, by=rep)
        check()
        services.period_change(contact=contacts[0], data={"mrr": Decimal("99"), "currency": "EUR",
                                                          "start_date": today + DAY, "end_date": None}, by=rep)
        check()
        contacts[1].owner = other
        contacts[1].save()
        check()
        Contact.objects.filter(pk=contacts[2].pk).update(owner=other)  # as a bulk action's statement does
        check()
        contacts[0].delete()
        check()
    later = today + 30 * DAY
    with time_machine.travel(later, tick=False):
        refresh_stale(today=later)
        check(later)


def test_a_report_reads_stored_rows_and_removes_only_the_marks_it_saw(rep, django_assert_max_num_queries):
    contact = ContactFactory(owner=rep)
    Period.objects.create(contact=contact, mrr=Decimal("10"), start_date=BASE, end_date=None)
    rebuild(today=BASE)
    report([rep], BASE)  # computes and stores the owner's rows
    assert not OwnerPipelineStale.objects.exists()
    with django_assert_max_num_queries(2):  # freshness and what is out of date, then the groups
        assert report([rep], BASE).team["EUR"].current == Decimal("10")
    contact.owner = UserFactory(username="new-owner")
    contact.save()
    assert set(OwnerPipelineStale.objects.values_list("owner_id", flat=True)) == {rep.pk, contact.owner_id}
    assert report([rep], BASE).team["EUR"].current == Decimal("0")
    assert list(OwnerPipelineStale.objects.values_list("owner_id", flat=True)) == [contact.owner_id]
