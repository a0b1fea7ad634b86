"""MRR movements converted into the reporting currency reconcile to the cent over any periods and
any rates: each month's converted opening + movements + exchange rate = its closing, its closing
is the next month's opening and the converted MRR running on its last day; each converted figure
is its drilled-down contacts' periods converted one by one by `conversion.convert`; a month a
period without a rate touches says which currency lacks a rate from which day, and shows no figure."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.http import QueryDict
from hypothesis import example, given
from hypothesis import strategies as st

from crm.models import Contact
from smartlists.queries import Viewer, filterset_class
from subscriptions.conversion import convert, rate_on
from subscriptions.dates import month_end, months_between, next_day
from subscriptions.models import ExchangeRate, Tag
from subscriptions.movements import build_report
from tests.subscriptions.test_movements import AMOUNTS, TODAY, make, month_of, owners  # noqa: F401 (a fixture)

FILTERS = filterset_class()
REPORTING = "EUR"
CURRENCIES = ("USD", "BRL", REPORTING)
FIGURES = ("opening", "new", "expansion", "reactivation", "contraction", "churn", "exchange_rate", "closing")
LAST = datetime.date(2027, 12, 1)
FOLLOWING = (Tag.EXPANSION, Tag.CONTRACTION, Tag.RENEWAL)
# Rates with up to 8 places, either side of 1, so that cents round every way.
# Days rates change on, among the periods' starts and ends.
RATE_DAYS = [datetime.date(2024, 1, 1) + datetime.timedelta(days=d) for d in (365, 200, 500, 45, 640, 800, 1000)]
RATE_VALUES = [Decimal(v) for v in ("0.5", "0.9", "0.91234567", "1", "1.005", "1.33333333", "3.7", "5.12345678")]


@st.composite
def books(draw):
    """Contacts' periods around TODAY, each contact mostly in one currency (so that periods follow
    one another in it, across the rates' changes) and now and then changing it: gaps, renewals the
    day after, open ends, periods within one month, periods ahead."""
    contacts = []
    for _ in range(draw(st.sampled_from([3, 5, 2, 6]))):
        spans, day = [], datetime.date(2024, 1, 1) + datetime.timedelta(days=draw(st.sampled_from([150, 0, 300, 450, 700])))
        currency = draw(st.sampled_from(CURRENCIES))
        for index in range(draw(st.sampled_from([3, 4, 2, 5, 1]))):
            if index:
                day += datetime.timedelta(days=draw(st.sampled_from([0, 0, 0, 0, 1, 31, 200])))
                if draw(st.integers(0, 5)) == 0:
                    currency = draw(st.sampled_from(CURRENCIES))
            length = draw(st.sampled_from([180, 364, 59, 27, 14, 0]))
            end = None if draw(st.integers(0, 5)) == 0 else day + datetime.timedelta(days=length)
            spans.append((draw(st.sampled_from(AMOUNTS)), currency, day, end))
            if end is None:
                break
            day = end + datetime.timedelta(days=1)
        contacts.append((draw(st.sampled_from([0, 1, 2])), spans))  # the rep's, the second rep's or an outsider's
    return contacts


@st.composite
def rate_books(draw):
    """For each other currency than the reporting one: mostly a rate from before any period, and a
    few changes from days among the periods'; now and then none before some periods start, or
    none at all (no rate is in force for them)."""
    found = {}
    for currency in CURRENCIES[:2]:
        days = draw(st.lists(st.sampled_from(RATE_DAYS), min_size=1, max_size=4, unique=True))
        if draw(st.sampled_from([True, True, False])):
            days.append(datetime.date(2023, 12, 31))
        found[currency] = list(zip(days, draw(st.permutations(RATE_VALUES)), strict=False))  # each its own rate
    return found


class Book:
    """Each period with the one before it, its tag and its conversion, in Python: what the
    report must add up to, by `Period.tag_against` and `conversion.convert` alone."""

    def __init__(self, periods):
        by_contact = defaultdict(list)
        for period in periods:
            by_contact[period.contact_id].append(period)
        self.rows = []
        for own in by_contact.values():
            own.sort(key=lambda p: p.start_date)
            for i, period in enumerate(own):
                previous = own[i - 1] if i else None
                following = own[i + 1] if i + 1 < len(own) else None
                renewed = (following is not None and period.end_date is not None
                           and following.start_date == next_day(period.end_date) and following.currency == period.currency)
                self.rows.append((period, previous, period.tag_against(previous), renewed))

    @staticmethod
    def conv(period):
        return convert(period.mrr, period.currency, period.start_date)

    def unrated(self):
        """The periods without a rate in force on their start."""
        return [period for period, *_ in self.rows if self.conv(period) is None]

    def running(self, day):
        """{contact id: the converted MRR running on `day`}; None for a contact when unknown."""
        found = defaultdict(Decimal)
        for period, *_ in self.rows:
            if period.covers(day):
                amount = self.conv(period)
                found[period.contact_id] = None if amount is None or found[period.contact_id] is None else (
                    found[period.contact_id] + amount)
        return found

    def moves(self, figure, first, last):
        """{contact id: its part of the converted `figure` from `first`'s month to `last`'s}."""
        found = defaultdict(Decimal)
        for period, previous, tag, renewed in self.rows:
            code, start = period.currency, period.start_date
            if figure == "churn":
                if period.end_date is not None and not renewed and first <= month_of(next_day(period.end_date)) <= last:
                    found[period.contact_id] += self.conv(period)
                continue
            if not first <= month_of(start) <= last:
                continue
            if figure in (Tag.NEW, Tag.REACTIVATION) and tag == figure:
                found[period.contact_id] += self.conv(period)
            elif figure in (Tag.EXPANSION, Tag.CONTRACTION) and tag == figure:
                # the change of MRR, both sides at this period's rate
                change = convert(period.mrr, code, start) - convert(previous.mrr, code, start)
                found[period.contact_id] += change if figure == Tag.EXPANSION else -change
            elif figure == "exchange_rate" and tag in FOLLOWING:
                # the previous MRR at this period's rate rather than its own
                if rate_on(code, start) != rate_on(code, previous.start_date):
                    found[period.contact_id] += (convert(previous.mrr, code, start)
                                                 - convert(previous.mrr, code, previous.start_date))
        return found

    def figure(self, figure, first, last):
        if figure == "opening":
            return self.running(first - datetime.timedelta(days=1))
        if figure == "closing":
            return self.running(month_end(last))
        return self.moves(figure, first, last)

    def missing(self, first, last, *, until):
        """{currency: the earliest start without a rate, of the periods starting by `until`'s month}
        for the currencies of the unrated periods that run, start or stop running from `first`'s
        month to `last`'s; an empty dict: the figures are known."""
        unrated = self.unrated()
        touching = {period.currency for period in unrated
                    if month_of(period.start_date) <= last
                    and (period.end_date is None or first <= month_of(next_day(period.end_date)))}
        return {code: min(p.start_date for p in unrated if p.currency == code and month_of(p.start_date) <= until)
                for code in touching}


def drilled_down(viewer, figure, first, last):
    """The contacts a converted figure's link lists to `viewer`, through the smart lists' filters."""
    params = QueryDict(mutable=True)
    params.update({"movement": figure, "movement_converted": "1", "movement_month": first.strftime("%Y-%m"),
                   "movement_until": last.strftime("%Y-%m")})
    filters = FILTERS(params, queryset=Contact.objects.visible_to(viewer), request=Viewer(viewer))
    assert filters.is_valid(), filters.errors
    return set(filters.qs.values_list("pk", flat=True))


def shown(totals, figure):
    return {"opening": totals.opening, "closing": totals.closing}.get(figure, totals.moves.get(figure))


D = datetime.date
# A period without a rate followed the next day by one with a rate (the first dollar rate comes
# between them), then renewed at another rate; reais that never have one; euros throughout.
UNRATED_THEN_RERATED = [
    (0, [(Decimal("99.99"), "USD", D(2024, 3, 1), D(2024, 8, 31)), (Decimal("150.50"), "USD", D(2024, 9, 1), D(2025, 2, 28)),
         (Decimal("150.50"), "USD", D(2025, 3, 1), None)]),
    (1, [(Decimal("10.00"), "BRL", D(2024, 5, 1), D(2024, 12, 31))]),
    (1, [(Decimal("0.01"), "EUR", D(2024, 2, 1), None)]),
    (2, [(Decimal("1234.56"), "USD", D(2024, 1, 1), D(2024, 9, 30))]),
]
DOLLAR_RATES = {"USD": [(D(2024, 6, 1), Decimal("0.9")), (D(2025, 1, 1), Decimal("1.33333333"))], "BRL": []}


@example(book=UNRATED_THEN_RERATED, rates=DOLLAR_RATES, first=D(2024, 1, 1), sampled=14, stored=True)
@example(book=UNRATED_THEN_RERATED, rates=DOLLAR_RATES, first=D(2025, 1, 1), sampled=2, stored=False)
@given(book=books(), rates=rate_books(), first=st.sampled_from([datetime.date(y, m, 1) for y, m in ((2025, 1), (2024, 1), (2025, 8))]),
       sampled=st.integers(0, 47), stored=st.booleans())
def test_converted_months_reconcile_and_every_figure_is_its_contacts_periods_converted(manager, owners, book, rates,
                                                                                      first, sampled, stored):
    """The manager's team (two reps) beside an outsider's contacts, which no figure counts or lists;
    every month up to the end of 2027, from a first month with or without months before it."""
    last = LAST
    team = owners[:2]
    with transaction.atomic():
        ExchangeRate.objects.bulk_create([
            ExchangeRate(reporting_currency=REPORTING, currency=code, rate=value, valid_from=day)
            for code, found in rates.items() for day, value in found])
        periods = [p for p in make(book, owners) if p.contact.owner_id in {o.pk for o in team}]
        python = Book(periods)
        report = build_report([o.pk for o in team], team, first=first, last=last, today=TODAY, currency=REPORTING,
                              stored=stored)
        section = report.converted
        codes = {s.currency for s in report.sections}
        if codes <= {REPORTING}:
            assert section is None  # it would repeat the one currency there is
            transaction.set_rollback(True)
            return
        assert section.currency == REPORTING and not section.mixed
        assert [m.month for m in section.months] == months_between(first, last)
        for index, month in enumerate(section.months):
            missing = python.missing(month.month, month.month, until=last)
            # a rate missing is said, never guessed: which currency, from the first day it lacks one
            assert month.missing == missing, month.month
            for code, day in missing.items():
                assert rate_on(code, day) is None
            if missing:
                continue
            for figure in FIGURES:
                parts = python.figure(figure, month.month, month.month)
                assert None not in parts.values()
                assert shown(month, figure) == sum(parts.values(), Decimal(0)), (figure, month.month)
            # the identities, to the cent
            gains = sum(month.moves[g] for g in ("new", "expansion", "reactivation"))
            losses = month.moves["contraction"] + month.moves["churn"]
            assert month.opening + gains - losses + month.moves["exchange_rate"] == month.closing
            assert all(month.moves[m] >= 0 for m in ("new", "expansion", "reactivation", "contraction", "churn"))
            if index + 1 < len(section.months) and section.months[index + 1].complete:
                assert section.months[index + 1].opening == month.closing
            assert month.ahead == (month.month > TODAY.replace(day=1))
        # the range, in total and for each owner
        assert section.total.missing == python.missing(first, last, until=last)
        if section.total.complete:
            assert section.total.opening == section.months[0].opening
            assert section.total.closing == section.months[-1].closing
        for owner, totals in section.owners:
            own = Book([p for p in periods if p.contact.owner_id == owner.pk])
            # (the day said is the team's first without a rate: a rate from it converts them all)
            assert totals.missing == {code: day for code, day in python.missing(first, last, until=last).items()
                                      if code in own.missing(first, last, until=last)}
            if totals.complete:
                for figure in FIGURES:
                    assert shown(totals, figure) == sum(own.figure(figure, first, last).values(), Decimal(0)), figure
        # the drill-down: the contacts of a converted figure are exactly those whose periods make it
        month = section.months[sampled % len(section.months)]
        for span in ((month.month, month.month), (first, last)):
            totals = month if span[0] == span[1] else section.total
            if not totals.complete:
                continue
            for figure in FIGURES:
                parts = python.figure(figure, *span)
                listed = drilled_down(manager, figure, *span)
                assert listed == set(parts), (figure, span)
                assert sum(parts[c] for c in listed) == shown(totals, figure)
        transaction.set_rollback(True)


def test_the_months_after_a_period_without_a_rate_are_whole_again(owners):
    """The dollar period without a rate touches March to September 2024 (its successor's start
    reads its MRR), the reais to January 2025; from February 2025 every figure is known, its
    opening the MRR then running converted, and March's renewal at another rate an exchange-rate
    movement alone."""
    team = owners[:2]
    make(UNRATED_THEN_RERATED, owners)
    ExchangeRate.objects.bulk_create([ExchangeRate(reporting_currency=REPORTING, currency=code, rate=value, valid_from=day)
                                      for code, found in DOLLAR_RATES.items() for day, value in found])
    report = build_report([o.pk for o in team], team, first=D(2024, 1, 1), last=D(2025, 3, 1), today=TODAY,
                          currency=REPORTING)
    months = {m.month: m for m in report.converted.months}
    assert months[D(2024, 2, 1)].complete and months[D(2024, 2, 1)].closing == Decimal("0.01")
    assert months[D(2024, 3, 1)].missing == {"USD": D(2024, 3, 1)}
    assert months[D(2024, 9, 1)].missing == {"USD": D(2024, 3, 1), "BRL": D(2024, 5, 1)}
    assert months[D(2025, 1, 1)].missing == {"BRL": D(2024, 5, 1)}
    february, march = months[D(2025, 2, 1)], months[D(2025, 3, 1)]
    assert february.complete and february.opening == Decimal("135.46")  # 150.50 x 0.9, and the euro cent
    assert march.moves["exchange_rate"] == Decimal("65.22")  # 150.50 x 1.33333333 = 200.67, less 135.45
    assert (march.moves["expansion"], march.moves["contraction"], march.closing) == (0, 0, Decimal("200.68"))
