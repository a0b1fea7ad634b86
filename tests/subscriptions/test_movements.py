"""MRR movements by month reconcile to the cent, per currency, over any periods: each month's
opening + movements = its closing, its closing is the next month's opening and the MRR running on
its last day, every figure is the product's own tags (`Period.tag_against`) added up, and its
contacts (the drill-down) are exactly those whose periods make it."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from crm.models import Contact
from smartlists.queries import Viewer, filterset_class
from subscriptions.dates import add_months, month_end, months_between, next_day
from subscriptions.models import OwnerMovementMonth, Period, Tag
from subscriptions.movements import (
    FIGURES, GAINS, LOSSES, build_report, contacts_in, neighbours_by_subquery, neighbours_by_window, period_movements,
)
from tests.factories import ContactFactory, UserFactory

TODAY = datetime.date(2026, 11, 22)
FILTERS = filterset_class()
CURRENCIES = ("EUR", "USD", "BRL")
AMOUNTS = [Decimal(a) for a in ("0.00", "10.00", "10.00", "99.99", "150.50", "1234.56", "0.01")]


def month_of(day):
    return day.replace(day=1)


def expected_events(periods: list[Period]) -> list[tuple]:
    """(contact id, currency, month, movement, amount) by the product's own tag of each period and
    the ending rule, period by period in Python: what the SQL must add up to."""
    by_contact = defaultdict(list)
    for period in periods:
        by_contact[period.contact_id].append(period)
    events = []
    for contact_id, own in by_contact.items():
        own.sort(key=lambda p: p.start_date)
        for i, period in enumerate(own):
            previous = own[i - 1] if i else None
            tag = period.tag_against(previous)
            amount = {Tag.NEW: period.mrr, Tag.REACTIVATION: period.mrr, Tag.RENEWAL: Decimal(0),
                      Tag.EXPANSION: period.mrr - (previous.mrr if previous else 0),
                      Tag.CONTRACTION: (previous.mrr if previous else 0) - period.mrr}[tag]
            if tag != Tag.RENEWAL:
                events.append((contact_id, period.currency, month_of(period.start_date), str(tag), amount))
            following = own[i + 1] if i + 1 < len(own) else None
            renewed = (following is not None and following.start_date == next_day(period.end_date or datetime.date.max)
                       and following.currency == period.currency)
            if period.end_date is not None and not renewed:
                events.append((contact_id, period.currency, month_of(next_day(period.end_date)), "churn", period.mrr))
    return events


def running(periods, currency, day):
    """{contact id: MRR} of the periods in `currency` running on `day`."""
    found = defaultdict(Decimal)
    for period in periods:
        if period.currency == currency and period.covers(day):
            found[period.contact_id] += period.mrr
    return found


def figure_by_contact(periods, events, figure, currency, first, last):
    """{contact id: its part of `figure`} in `currency` over first..last's months, in Python."""
    if figure == "opening":
        return running(periods, currency, first - datetime.timedelta(days=1))
    if figure == "closing":
        return running(periods, currency, month_end(last))
    found = defaultdict(Decimal)
    for contact_id, code, month, kind, amount in events:
        if code == currency and kind == figure and first <= month <= last:
            found[contact_id] += amount
    return found


@st.composite
def books(draw):
    """Contacts' periods around TODAY: gaps, renewals the day after, open ends, periods starting and
    ending within one month, and periods ahead; in several currencies."""
    contacts = []
    for _ in range(draw(st.integers(1, 6))):
        spans, day = [], datetime.date(2024, 1, 1) + datetime.timedelta(days=draw(st.integers(0, 700)))
        for index in range(draw(st.integers(0, 5))):
            if index:
                day += datetime.timedelta(days=draw(st.sampled_from([0, 0, 0, 1, 5, 31, 200])))
            length = draw(st.sampled_from([0, 3, 14, 27, 30, 59, 180, 364, 700]))
            open_ended = draw(st.integers(0, 5)) == 0
            end = None if open_ended else day + datetime.timedelta(days=length)
            spans.append((draw(st.sampled_from(AMOUNTS)), draw(st.sampled_from(CURRENCIES)), day, end))
            if end is None:
                break
            day = end + datetime.timedelta(days=1)
        contacts.append((draw(st.integers(0, 2)), spans))  # the rep's, the second rep's or an outsider's
    return contacts


def make(book, owners):
    periods = []
    for (whose, spans) in book:
        contact = ContactFactory(owner=owners[whose])
        periods += [Period(contact=contact, mrr=mrr, currency=currency, start_date=start, end_date=end)
                    for mrr, currency, start, end in spans]
    return Period.objects.bulk_create(periods)


@pytest.fixture
def owners(db, rep, outsider):
    second = UserFactory(username="rep-two")
    rep.teams.first().members.add(second)
    return [rep, second, outsider]


def drilled_down(viewer, figure, currency, first, last):
    """The contacts a figure's link lists to `viewer`: the smart lists' own filters (as registered
    with the subscription fields) over the contacts of the viewer's gate."""
    params = QueryDict(mutable=True)
    params.update({"movement": figure, "movement_currency": currency, "movement_month": first.strftime("%Y-%m"),
                   "movement_until": last.strftime("%Y-%m")})
    filters = FILTERS(params, queryset=Contact.objects.visible_to(viewer), request=Viewer(viewer))
    assert filters.is_valid(), filters.errors
    return set(filters.qs.values_list("pk", flat=True))


@given(book=books(), first=st.sampled_from([datetime.date(2025, 1, 1), datetime.date(2026, 6, 1)]),
       length=st.integers(1, 30), sampled=st.lists(st.integers(0, 29), min_size=1, max_size=1), stored=st.booleans())
def test_every_month_reconciles_and_every_figure_is_its_contacts_periods(manager, owners, book, first, length,
                                                                         sampled, stored):
    """The manager's team (two reps) beside an outsider's contacts, which no figure counts or lists."""
    last = add_months(first, length - 1)
    team = owners[:2]
    with transaction.atomic():
        periods = [p for p in make(book, owners) if p.contact.owner_id in {o.pk for o in team}]
        events = expected_events(periods)
        report = build_report([o.pk for o in team], team, first=first, last=last, today=TODAY, currency="EUR",
                              stored=stored)
        sections = {section.currency: section for section in report.sections}
        months = months_between(first, last)
        for currency in CURRENCIES:
            if currency not in sections:
                # shown when anything moves or runs in the range, always for the installation's currency
                assert not any(figure_by_contact(periods, events, f, currency, first, last) and
                               sum(figure_by_contact(periods, events, f, currency, first, last).values())
                               for f in ("opening", "closing", *GAINS, *LOSSES)), currency
                assert not [e for e in events if e[1] == currency and first <= e[2] <= last]
                continue
            section = sections[currency]
            assert [m.month for m in section.months] == months
            for index, month in enumerate(section.months):
                # the identities, to the cent
                moved = sum(month.moves[g] for g in GAINS) - sum(month.moves[loss] for loss in LOSSES)
                assert month.opening + moved == month.closing
                if index + 1 < len(section.months):
                    assert section.months[index + 1].opening == month.closing
                # the opening is what runs the day before; the closing what runs on the last day
                assert month.opening == sum(running(periods, currency, month.month - datetime.timedelta(days=1)).values())
                assert month.closing == sum(running(periods, currency, month_end(month.month)).values())
                # each movement is the tags and endings of that month added up
                for kind in (*GAINS, *LOSSES):
                    assert month.moves[kind] == sum(figure_by_contact(periods, events, kind, currency, month.month,
                                                                      month.month).values()), (kind, month.month)
                assert month.ahead == (month.month > TODAY.replace(day=1))
            assert section.total.opening == section.months[0].opening
            assert section.total.closing == section.months[-1].closing
            # each owner's range adds up to the total
            for name in ("opening", "closing"):
                assert sum(getattr(totals, name) for _, totals in section.owners) == getattr(section.total, name)
            # the drill-down: the contacts of a figure are exactly those whose periods make it
            for index in sorted({i for i in sampled if i < len(months)}):
                month = section.months[index]
                for figure in FIGURES:
                    want = figure_by_contact(periods, events, figure, currency, month.month, month.month)
                    listed = drilled_down(manager, figure, currency, month.month, month.month)
                    assert listed == set(want), (figure, currency, month.month)
                    shown = month.opening if figure == "opening" else month.closing if figure == "closing" else month.moves[figure]
                    assert sum(want[c] for c in listed) == shown
            for figure in FIGURES:  # and over the whole range
                want = figure_by_contact(periods, events, figure, currency, first, last)
                listed = drilled_down(manager, figure, currency, first, last)
                assert listed == set(want), (figure, currency)
                # and the definition alone, before any list's gate, holds the outsider's too
                everyone = set(contacts_in(figure, currency, first, last).values_list("contact_id", flat=True))
                assert listed <= everyone
        transaction.set_rollback(True)


# The SQL tag is the product's own tag -----------------------------------------------------------------

D = datetime.date
# (previous period or None, the period): (mrr, currency, start, end)
TAG_CASES = [
    (None, ("100", "EUR", D(2026, 1, 1), None)),
    (("100", "EUR", D(2025, 1, 1), D(2025, 12, 31)), ("150", "EUR", D(2026, 1, 1), None)),
    (("100", "EUR", D(2025, 1, 1), D(2025, 12, 31)), ("50", "EUR", D(2026, 1, 1), None)),
    (("100", "EUR", D(2025, 1, 1), D(2025, 12, 31)), ("100", "EUR", D(2026, 1, 1), None)),
    (("100", "EUR", D(2025, 1, 1), D(2025, 12, 31)), ("100", "USD", D(2026, 1, 1), None)),
    (("100", "EUR", D(2025, 1, 1), D(2025, 12, 30)), ("100", "EUR", D(2026, 1, 1), None)),  # a day's gap
    (("100", "EUR", D(2025, 1, 1), D(2025, 12, 30)), ("300", "USD", D(2026, 1, 1), None)),
    (("0", "EUR", D(2025, 1, 1), D(2025, 1, 1)), ("0", "EUR", D(2025, 1, 2), D(2025, 1, 2))),
    (("100", "EUR", D(2025, 1, 1), D(9999, 12, 30)), ("100", "EUR", D(9999, 12, 31), D(9999, 12, 31))),
]


@pytest.mark.parametrize("neighbours", [neighbours_by_window, neighbours_by_subquery], ids=["window", "subquery"])
@pytest.mark.parametrize("previous, current", TAG_CASES)
def test_the_sql_tag_is_period_tag_against(rep, previous, current, neighbours):
    contact = ContactFactory(owner=rep)
    made = [Period.objects.create(contact=contact, mrr=Decimal(m), currency=c, start_date=s, end_date=e)
            for m, c, s, e in [span for span in (previous, current) if span]]
    tagged = {row.pk: row.tag for row in period_movements(Period.objects.filter(contact=contact), neighbours=neighbours())}
    earlier = None
    for period in made:
        assert tagged[period.pk] == period.tag_against(earlier), (previous, current)
        earlier = period


def test_a_period_ending_on_a_months_last_day_closes_that_month_and_leaves_in_the_next(rep):
    contact = ContactFactory(owner=rep)
    Period.objects.create(contact=contact, mrr=Decimal("80.00"), start_date=D(2026, 1, 15), end_date=D(2026, 3, 31))
    report = build_report([rep.pk], [], first=D(2026, 1, 1), last=D(2026, 5, 1), today=TODAY, currency="EUR")
    months = {m.month.month: m for m in report.sections[0].months}
    assert months[1].moves["new"] == Decimal("80.00") and months[1].closing == Decimal("80.00")
    assert months[3].closing == Decimal("80.00") and months[3].moves["churn"] == 0
    assert months[4].opening == Decimal("80.00") and months[4].moves["churn"] == Decimal("80.00")
    assert months[4].closing == 0


def test_a_change_of_currency_is_churn_in_one_and_new_business_in_the_other(rep):
    contact = ContactFactory(owner=rep)
    Period.objects.create(contact=contact, mrr=Decimal("90.00"), start_date=D(2026, 1, 1), end_date=D(2026, 6, 30))
    Period.objects.create(contact=contact, mrr=Decimal("95.00"), currency="USD", start_date=D(2026, 7, 1))
    report = build_report([rep.pk], [], first=D(2026, 7, 1), last=D(2026, 7, 1), today=TODAY, currency="EUR")
    eur, usd = report.sections
    assert (eur.currency, eur.months[0].opening, eur.months[0].moves["churn"], eur.months[0].closing) == (
        "EUR", Decimal("90.00"), Decimal("90.00"), 0)
    assert (usd.currency, usd.months[0].opening, usd.months[0].moves["new"], usd.months[0].closing) == (
        "USD", 0, Decimal("95.00"), Decimal("95.00"))


def test_the_stored_rows_follow_period_writes_and_owner_changes(rep, outsider):
    from subscriptions import services

    contact = ContactFactory(owner=rep)
    report = build_report([rep.pk], [], first=D(2026, 1, 1), last=D(2026, 12, 1), today=TODAY, currency="EUR")
    assert report.sections[0].total.closing == 0 and OwnerMovementMonth.objects.count() == 0
    services.period_create(contact=contact, data={"mrr": Decimal("70.00"), "currency": "EUR", "start_date": D(2026, 2, 1),
                                                  "end_date": None}, by=rep)
    report = build_report([rep.pk], [], first=D(2026, 1, 1), last=D(2026, 12, 1), today=TODAY, currency="EUR")
    assert report.sections[0].months[1].moves["new"] == Decimal("70.00")
    contact.owner = outsider
    contact.save()
    report = build_report([rep.pk], [], first=D(2026, 1, 1), last=D(2026, 12, 1), today=TODAY, currency="EUR")
    assert report.sections[0].total.closing == 0
    report = build_report([outsider.pk], [], first=D(2026, 1, 1), last=D(2026, 12, 1), today=TODAY, currency="EUR")
    assert report.sections[0].total.closing == Decimal("70.00")
    contact.delete()
    report = build_report([outsider.pk], [], first=D(2026, 1, 1), last=D(2026, 12, 1), today=TODAY, currency="EUR")
    assert report.sections[0].total.closing == 0


def test_a_report_reads_stored_rows_and_removes_only_the_marks_it_saw(rep, outsider, django_assert_max_num_queries):
    from subscriptions.models import OwnerMovementStale
    from subscriptions.movements_store import out_of_date, recompute

    contact = ContactFactory(owner=rep)
    Period.objects.create(contact=contact, mrr=Decimal("10.00"), start_date=D(2026, 1, 1))

    def closing():
        report = build_report([rep.pk], [], first=D(2026, 1, 1), last=D(2026, 2, 1), today=TODAY, currency="EUR")
        return report.sections[0].total.closing

    assert closing() == Decimal("10.00")  # computes and stores the owner's rows
    with django_assert_max_num_queries(1):  # what is out of date (nothing) and the rows, one statement
        assert closing() == Decimal("10.00")
    # a bulk statement moving the contact marks both owners, whatever code runs it
    Contact.objects.filter(pk=contact.pk).update(owner=outsider)
    assert set(OwnerMovementStale.objects.values_list("owner_id", flat=True)) == {rep.pk, outsider.pk}
    # a change committed after a report read what was out of date stays marked for the next one
    stale = out_of_date([rep.pk])
    late = OwnerMovementStale.objects.create(owner_id=rep.pk)
    recompute(stale)
    assert list(OwnerMovementStale.objects.filter(owner_id=rep.pk).values_list("pk", flat=True)) == [late.pk]
    assert closing() == 0
    assert list(OwnerMovementStale.objects.values_list("owner_id", flat=True)) == [outsider.pk]
