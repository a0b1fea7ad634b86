"""The conversion rule: an amount in a currency on a day, in the reporting currency, at the latest
rate from that day or before; the reporting currency is 1; no rate, no amount. Python (one value)
and SQL (a total over many rows in one statement) give the same figures."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import DecimalField, Sum, Value
from hypothesis import given
from hypothesis import strategies as st

from crm.models import User
from subscriptions import rates
from subscriptions.conversion import convert, converted_expression, rate_expression, rate_on, reporting_currency
from subscriptions.models import ExchangeRate, Period
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def rate(currency, valid_from, value, reporting="EUR"):
    return ExchangeRate.objects.create(reporting_currency=reporting, currency=currency, rate=Decimal(value),
                                       valid_from=valid_from)


def in_sql(amount, currency, day, *, reporting=None):
    """`converted_expression` of one value, read back from PostgreSQL."""
    user = User.objects.first() or User.objects.create(username="anyone")
    expression = converted_expression(Value(Decimal(amount), output_field=DecimalField()), Value(currency), Value(day),
                                      reporting=reporting)
    return User.objects.filter(pk=user.pk).annotate(x=expression).values_list("x", flat=True).get()


@pytest.fixture
def usd():
    rate("USD", D(2025, 1, 1), "0.9")
    rate("USD", D(2025, 6, 1), "0.8")


CASES = [
    # (amount, currency, day, expected): the rate in force on the day
    ("100.00", "USD", D(2025, 3, 15), Decimal("90.00")),
    # the boundary: a rate applies from its own day, the one before it until the day before
    ("100.00", "USD", D(2025, 6, 1), Decimal("80.00")),
    ("100.00", "USD", D(2025, 5, 31), Decimal("90.00")),
    ("100.00", "USD", D(2030, 1, 1), Decimal("80.00")),  # the latest goes on
    # no rate in force yet, or none at all: no amount, never a guess
    ("100.00", "USD", D(2024, 12, 31), None),
    ("100.00", "GBP", D(2025, 3, 15), None),
    # the reporting currency itself is worth 1, rates or not
    ("100.00", "EUR", D(1900, 1, 1), Decimal("100.00")),
    # rounded half up to cents, per amount
    ("10.01", "USD", D(2025, 7, 1), Decimal("8.01")),  # 8.008
    ("0.05", "USD", D(2025, 7, 1), Decimal("0.04")),  # 0.04
    ("0.00", "USD", D(2025, 7, 1), Decimal("0.00")),
]


@pytest.mark.parametrize(("amount", "currency", "day", "expected"), CASES)
def test_python_and_sql_convert_alike(usd, amount, currency, day, expected):
    assert convert(Decimal(amount), currency, day) == expected
    assert in_sql(amount, currency, day) == expected


def test_half_a_cent_rounds_up_in_both(admin_user):
    rate("USD", D(2025, 1, 1), "0.5")
    assert convert(Decimal("10.01"), "USD", D(2025, 1, 1)) == Decimal("5.01")  # 5.005
    assert in_sql("10.01", "USD", D(2025, 1, 1)) == Decimal("5.01")


def test_a_rate_added_later_leaves_earlier_conversions_as_they_were(usd):
    before = convert(Decimal("100"), "USD", D(2025, 3, 15))
    rate("USD", D(2025, 9, 1), "0.5")
    assert convert(Decimal("100"), "USD", D(2025, 3, 15)) == before == Decimal("90.00")
    assert convert(Decimal("100"), "USD", D(2025, 9, 1)) == Decimal("50.00")


def test_rates_against_another_reporting_currency_are_not_used(admin_user):
    rate("USD", D(2025, 1, 1), "0.75", reporting="GBP")
    assert rate_on("USD", D(2025, 3, 1)) is None
    assert convert(Decimal("100"), "USD", D(2025, 3, 1)) is None
    assert convert(Decimal("100"), "USD", D(2025, 3, 1), reporting="GBP") == Decimal("75.00")
    assert in_sql("100", "USD", D(2025, 3, 1), reporting="GBP") == Decimal("75.00")


def test_the_reporting_currency_is_the_installations_until_an_admin_chooses(admin_user, settings):
    assert reporting_currency() == settings.CRM_CURRENCY == "EUR"
    rate("EUR", D(2025, 1, 1), "1.25", reporting="USD")
    rates.reporting_currency_set(code="USD", version=1, by=admin_user)
    assert reporting_currency() == "USD"
    # the rule follows it, in Python and in SQL, with the rates entered against it
    assert convert(Decimal("100"), "EUR", D(2025, 2, 1)) == in_sql("100", "EUR", D(2025, 2, 1)) == Decimal("125.00")
    assert convert(Decimal("100"), "USD", D(1900, 1, 1)) == in_sql("100", "USD", D(1900, 1, 1)) == Decimal("100.00")


def test_the_largest_amount_at_the_largest_rate_is_exact_in_both(admin_user):
    rate("JPY", D(2025, 1, 1), "9999999.99999999")
    # (10^10 - 0.01) x (10^7 - 10^-8) = 10^17 - 100,100 + 10^-10: 30 digits, more than Python's
    # default precision holds, rounded once to cents as PostgreSQL's exact numeric does
    expected = Decimal("99999999999899900.00")
    assert convert(Decimal("9999999999.99"), "JPY", D(2025, 1, 1)) == expected
    assert in_sql("9999999999.99", "JPY", D(2025, 1, 1)) == expected


days = st.dates(min_value=D(2020, 1, 1), max_value=D(2027, 12, 31))
codes = st.sampled_from(["EUR", "USD", "GBP", "CHF"])


@given(
    entered=st.lists(st.tuples(st.sampled_from(["USD", "GBP", "CHF"]), days,
                               st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("9999999"), places=8)),
                     max_size=12, unique_by=lambda r: (r[0], r[1])),
    periods=st.lists(st.tuples(codes, st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2), days),
                     min_size=1, max_size=15),
)
def test_a_total_over_many_rows_in_sql_is_the_sum_of_each_converted_in_python(rep, entered, periods):
    ExchangeRate.objects.all().delete()
    Period.objects.all().delete()
    for currency, day, value in entered:
        rate(currency, day, value)
    # one contact per period: periods of one contact may not overlap
    Period.objects.bulk_create(
        Period(contact=ContactFactory(owner=rep), currency=currency, mrr=amount, start_date=day)
        for currency, amount, day in periods
    )
    rows = Period.objects.annotate(
        x=converted_expression("mrr", "currency", "start_date"), r=rate_expression("currency", "start_date"),
    )
    for period in rows:
        assert period.x == convert(period.mrr, period.currency, period.start_date)
        assert period.r == rate_on(period.currency, period.start_date)
    expected = [convert(amount, currency, day) for currency, amount, day in periods]
    total = rows.filter(x__isnull=False).aggregate(total=Sum("x"))["total"] or Decimal("0")
    assert total == sum((value for value in expected if value is not None), Decimal("0"))
    assert rows.filter(x__isnull=True).count() == expected.count(None)


def test_the_sql_for_statements_written_by_hand_is_the_same_rule(usd):
    from django.db import connection

    from subscriptions.conversion import converted_sql, reporting_currency_sql

    reporting, reporting_params = reporting_currency_sql()
    with connection.cursor() as cursor:
        for amount, currency, day, expected in CASES:
            sql = converted_sql("%s::numeric", "%s", "%s::date", reporting)
            # the amount's parameter, then (currency, reporting, reporting, currency, day)
            cursor.execute(f"SELECT {sql}", [amount, currency, *reporting_params, *reporting_params, currency, day])
            assert cursor.fetchone()[0] == expected == convert(Decimal(amount), currency, day)
