"""The normalising function, the tag rules, the derived figures and the pipeline movements."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from crm import fields
from crm.models import Contact
from subscriptions.dates import end_after_months
from subscriptions.models import Period, Tag
from subscriptions.money import accrued, normalise_mrr
from subscriptions.pipeline import MOVEMENTS, Group, Position, Totals, currencies_of, movements, next_mrr
from tests.factories import ContactFactory

D = Decimal
money = st.decimals(min_value=0, max_value=D("9999999.99"), places=2, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize(
    ("price", "frequency", "every", "mrr"),
    [
        ("100.00", "monthly", None, "100.00"),
        ("300.00", "quarterly", None, "100.00"),
        ("100.00", "quarterly", None, "33.33"),
        ("200.00", "quarterly", None, "66.67"),
        ("600.00", "semiannual", None, "100.00"),
        ("1200.00", "annual", None, "100.00"),
        ("1000.00", "annual", None, "83.33"),
        ("0.00", "annual", None, "0.00"),
        ("0.05", "quarterly", None, "0.02"),
        ("900.00", "every_n_months", 9, "100.00"),
        ("100.00", "every_n_months", 1, "100.00"),
        ("2400.00", "every_n_months", 24, "100.00"),
    ],
)
def test_normalise_mrr_table(price, frequency, every, mrr):
    assert normalise_mrr(D(price), frequency, every) == D(mrr)


@pytest.mark.parametrize(
    ("frequency", "every", "code"),
    [("weekly", None, "unknown_frequency"), ("", None, "unknown_frequency"), ("ANNUAL", None, "unknown_frequency"),
     ("every_n_months", None, "months_required"), ("every_n_months", 0, "months_required")],
)
def test_normalise_mrr_rejects_unknown_frequencies(frequency, every, code):
    with pytest.raises(ValidationError) as error:
        normalise_mrr(D("100.00"), frequency, every)
    assert error.value.code == code


def test_normalise_mrr_refuses_floats_and_negative_prices():
    with pytest.raises(TypeError):
        normalise_mrr(100.0, "monthly")
    with pytest.raises(ValidationError):
        normalise_mrr(D("-1.00"), "monthly")


@given(mrr=money, months=st.integers(min_value=1, max_value=120))
def test_a_price_for_n_months_normalises_back_to_its_mrr(mrr, months):
    assert normalise_mrr(mrr * months, "every_n_months", months) == mrr


@given(price=money, frequency=st.sampled_from(["monthly", "quarterly", "semiannual", "annual"]))
def test_normalised_mrr_is_within_half_a_cent_of_the_exact_share(price, frequency):
    months = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}[frequency]
    mrr = normalise_mrr(price, frequency)
    assert mrr.as_tuple().exponent == -2
    assert abs(mrr - price / months) <= D("0.005")


def period(mrr, start, end=None, currency="EUR"):
    return Period(mrr=D(mrr), start_date=start, end_date=end, currency=currency)


JAN, FEB, MAR, APR = (datetime.date(2026, m, 1) for m in (1, 2, 3, 4))
END_JAN, END_FEB = datetime.date(2026, 1, 31), datetime.date(2026, 2, 28)


@pytest.mark.parametrize(
    ("previous", "current", "tag"),
    [
        (None, period("100", FEB), Tag.NEW),
        (period("100", JAN, END_JAN), period("150", FEB, END_FEB), Tag.EXPANSION),
        (period("100", JAN, END_JAN), period("50", FEB, END_FEB), Tag.CONTRACTION),
        (period("100", JAN, END_JAN), period("100", FEB, END_FEB), Tag.RENEWAL),
        (period("100", JAN, END_JAN), period("100", MAR), Tag.REACTIVATION),
        (period("100", JAN, END_JAN), period("500", APR), Tag.REACTIVATION),
        (period("0", JAN, END_JAN), period("10", FEB), Tag.EXPANSION),
        # Amounts in two currencies are never compared: new business in the new currency, as the
        # pipeline counts it; after a gap, a reactivation like any other.
        (period("100", JAN, END_JAN), period("50", FEB, currency="USD"), Tag.NEW),
        (period("100", JAN, END_JAN), period("150", FEB, currency="USD"), Tag.NEW),
        (period("100", JAN, END_JAN), period("100", FEB, currency="USD"), Tag.NEW),
        (period("100", JAN, END_JAN), period("50", MAR, currency="USD"), Tag.REACTIVATION),
    ],
)
def test_tag_rules_table(previous, current, tag):
    assert current.tag_against(previous) == tag


dates = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2040, 12, 31))


@given(before=money, after=money, start=dates, length=st.integers(0, 800), gap=st.integers(0, 400))
def test_tag_properties(before, after, start, length, gap):
    previous = period(before, start, start + datetime.timedelta(days=length))
    current = period(after, previous.end_date + datetime.timedelta(days=1 + gap))
    tag = current.tag_against(previous)
    if gap:
        assert tag == Tag.REACTIVATION
    else:
        assert tag == {1: Tag.EXPANSION, -1: Tag.CONTRACTION, 0: Tag.RENEWAL}[(after > before) - (after < before)]


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (datetime.date(2026, 1, 1), 12, datetime.date(2026, 12, 31)),
        (datetime.date(2026, 1, 15), 1, datetime.date(2026, 2, 14)),
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 27)),
        (datetime.date(2024, 2, 29), 12, datetime.date(2025, 2, 27)),
        (datetime.date(2026, 11, 22), 3, datetime.date(2027, 2, 21)),
    ],
)
def test_end_after_n_months_is_start_plus_n_months_minus_a_day(start, months, end):
    assert end_after_months(start, months) == end


# Remaining contract value: the registry's SQL expression and `Period.remaining_value` agree.
TODAY = datetime.date(2026, 11, 22)
REMAINING_CASES = [
    ("100.00", datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), "131.51"),  # 40 days
    ("100.00", datetime.date(2026, 1, 1), TODAY, "3.29"),  # ends today: 1 day
    ("100.00", TODAY, datetime.date(2027, 11, 21), "1200.00"),  # starts today: 365 days
    ("33.33", datetime.date(2026, 1, 1), datetime.date(2027, 1, 5), "49.31"),
    ("0.01", datetime.date(2026, 1, 1), datetime.date(2026, 11, 30), "0.00"),
    ("9999.99", datetime.date(2020, 1, 1), datetime.date(2030, 1, 1), "373807.85"),
    ("250.00", datetime.date(2026, 1, 1), None, None),  # open-ended: none
]


@pytest.mark.django_db
@pytest.mark.parametrize(("mrr", "start", "end", "expected"), REMAINING_CASES)
def test_remaining_value_python_and_sql_agree(rep, mrr, start, end, expected):
    contact = ContactFactory(owner=rep)
    saved = Period.objects.create(contact=contact, mrr=D(mrr), start_date=start, end_date=end)
    in_sql = fields.annotate(Contact.objects.filter(pk=contact.pk), ["remaining_value"], today=TODAY).get().remaining_value
    expected = None if expected is None else D(expected)
    assert saved.remaining_value(TODAY) == expected
    assert in_sql == expected


def test_accrued_counts_every_day_run_so_far_per_currency():
    periods = [
        period("100", datetime.date(2026, 1, 1), datetime.date(2026, 1, 31)),  # 31 days
        period("200", datetime.date(2026, 11, 1)),  # 22 days to 22 Nov included
        period("999", datetime.date(2027, 1, 1)),  # not yet begun
    ]
    # (100 x 31 + 200 x 22) x 12 / 365 = 246.575...
    assert accrued(periods, TODAY) == {"EUR": D("246.58")}
    assert periods[0].arr == D("1200")


# Pipeline movements: they reconcile exactly, per currency.
def positions_strategy():
    currencies = st.sampled_from(["EUR", "USD"])
    day = st.dates(min_value=datetime.date(2026, 11, 1), max_value=datetime.date(2027, 6, 30))

    @st.composite
    def position(draw):
        has_current, has_upcoming = draw(st.booleans()), draw(st.booleans())
        current_end = draw(st.one_of(st.none(), day)) if has_current else None
        upcoming_start = None
        if has_upcoming:
            if current_end is not None and draw(st.booleans()):
                upcoming_start = current_end + datetime.timedelta(days=1)
            else:
                upcoming_start = draw(day)
        return Position(
            current_mrr=draw(money) if has_current else None,
            current_currency=draw(currencies) if has_current else None,
            current_end=current_end,
            upcoming_mrr=draw(money) if has_upcoming else None,
            upcoming_currency=draw(currencies) if has_upcoming else None,
            upcoming_start=upcoming_start,
            # what the query gives as the MRR status "ending" (`queries.ending_q`)
            ending=current_end is not None and upcoming_start != current_end + datetime.timedelta(days=1),
            had_earlier=draw(st.booleans()),
        )

    return position()


@given(st.lists(positions_strategy(), max_size=30))
def test_movements_reconcile_per_currency(book):
    totals = {}
    for position in book:
        group = Group(position.current_mrr, position.current_currency, position.has_end, position.upcoming_mrr,
                      position.upcoming_currency, position.ending, position.had_earlier, ending_days=None, count=1)
        for currency in currencies_of(group):
            totals.setdefault(currency, Totals()).add(group, TODAY, currency)
    for currency, total in totals.items():
        m = total.moves
        assert total.upcoming == total.current + m["new"] + m["expansion"] + m["reactivation"] - m["contraction"] - m["churn"], currency
        assert all(m[kind] >= 0 for kind in MOVEMENTS)


@pytest.mark.parametrize(
    ("position", "expected", "after"),
    [
        (Position(D(100), "EUR", END_JAN, D(150), "EUR", datetime.date(2026, 2, 1), False, True), [("EUR", "expansion", D(50))], ("EUR", D(150))),
        (Position(D(100), "EUR", END_JAN, D(60), "EUR", datetime.date(2026, 2, 1), False, True), [("EUR", "contraction", D(40))], ("EUR", D(60))),
        (Position(D(100), "EUR", END_JAN, D(100), "EUR", datetime.date(2026, 2, 1), False, True), [], ("EUR", D(100))),
        (Position(D(100), "EUR", END_JAN, None, None, None, True, True), [("EUR", "churn", D(100))], None),
        (Position(D(100), "EUR", None, None, None, None, False, False), [], ("EUR", D(100))),
        (Position(None, None, None, D(80), "EUR", FEB, False, False), [("EUR", "new", D(80))], ("EUR", D(80))),
        (Position(None, None, None, D(80), "EUR", FEB, False, True), [("EUR", "reactivation", D(80))], ("EUR", D(80))),
        (Position(D(100), "EUR", END_JAN, D(120), "EUR", MAR, True, True),
         [("EUR", "churn", D(100)), ("EUR", "reactivation", D(120))], ("EUR", D(120))),
        (Position(D(100), "EUR", END_JAN, D(120), "USD", datetime.date(2026, 2, 1), False, True),
         [("EUR", "churn", D(100)), ("USD", "new", D(120))], ("USD", D(120))),
    ],
)
def test_movements_table(position, expected, after):
    assert movements(position) == expected
    assert next_mrr(position) == after
