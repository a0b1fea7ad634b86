"""The conversion rule, in one place: an amount in currency C on day D, in the reporting currency.

It is converted at the latest rate of C against the current reporting currency whose `valid_from`
is on or before D; the reporting currency itself is worth 1; with no such rate there is no
converted amount (None, or null in SQL), and whoever totals says which currency lacks a rate from
which day, never a guess. The converted amount is `amount x rate` rounded half up to cents, per
amount, before anything is added.

Two forms of the same rule, held equal by the tests:
- `rate_on` and `convert`, in Python, for one value;
- `rate_expression` and `converted_expression`, query expressions, for totals over many rows in
  one statement: a correlated subquery per row on the rates' unique index (reporting currency,
  currency, valid from), evaluated only for rows in another currency than the reporting one
  (`rate_sql` and `converted_sql`: the same SQL, for statements written by hand).

`reporting_currency()` is the code (one query); `reporting_currency_expression()` the same code
inside a statement, so that a total and the currency it is in are read at the same moment.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.conf import settings
from django.db import connection
from django.db.models import DecimalField, ExpressionWrapper, F, Func, Subquery, Value
from django.db.models.functions import Coalesce, Round

from subscriptions.models import ExchangeRate, ReportingCurrency
from subscriptions.money import CENTS

RATE_FIELD = ExchangeRate._meta.get_field("rate")
# Converted amounts and their sums are not bounded by a column: a rate may be well above 1.
CONVERTED = DecimalField(max_digits=30, decimal_places=2)


def reporting_state() -> ReportingCurrency:
    """The reporting currency's row as saved, or the one it stands for before the first change (the
    installation's `CRM_CURRENCY`, version 1, no rate yet)."""
    saved = ReportingCurrency.objects.filter(pk=ReportingCurrency.ONE).first()
    return saved or ReportingCurrency(pk=ReportingCurrency.ONE, code=settings.CRM_CURRENCY)


def reporting_currency() -> str:
    """The currency totals are converted into (one query)."""
    code = ReportingCurrency.objects.filter(pk=ReportingCurrency.ONE).values_list("code", flat=True).first()
    return code or settings.CRM_CURRENCY


def rate_on(currency: str, day: datetime.date, *, reporting: str | None = None) -> Decimal | None:
    """What one unit of `currency` is worth in `reporting` (the reporting currency when not given)
    on `day`: 1 for the reporting currency itself, else the latest rate from that day or before;
    None when there is none."""
    reporting = reporting or reporting_currency()
    if currency == reporting:
        return Decimal(1)
    return (ExchangeRate.objects.filter(reporting_currency=reporting, currency=currency, valid_from__lte=day)
            .order_by("-valid_from").values_list("rate", flat=True).first())


def converted(amount: Decimal, rate: Decimal) -> Decimal:
    """`amount x rate`, half up to cents, as `converted_expression` rounds it (PostgreSQL's numeric
    multiplies exactly: the product is taken at a precision that holds it whole)."""
    with localcontext(prec=60):
        return (amount * rate).quantize(CENTS, rounding=ROUND_HALF_UP)


def convert(amount: Decimal, currency: str, day: datetime.date, *, reporting: str | None = None) -> Decimal | None:
    """`amount` in `currency`, on `day`, in the reporting currency (or `reporting`); None without a
    rate in force on that day."""
    rate = rate_on(currency, day, reporting=reporting)
    return None if rate is None else converted(amount, rate)


# As query expressions ----------------------------------------------------------------------------


def reporting_currency_expression():
    """SQL: the reporting currency's code, read in the statement that uses it."""
    saved = ReportingCurrency.objects.filter(pk=ReportingCurrency.ONE).values("code")[:1]
    return Coalesce(Subquery(saved), Value(settings.CRM_CURRENCY))


def _expression(value):
    """A field or annotation by name, or an expression as given."""
    return F(value) if isinstance(value, str) else value


def _reporting(reporting):
    if reporting is None:
        return reporting_currency_expression()
    return Value(reporting) if isinstance(reporting, str) else reporting


def rate_sql(currency: str, on: str, reporting: str) -> str:
    """`rate_on` as SQL over SQL expressions (a column, a parameter placeholder, a subquery): 1 when
    `currency` is `reporting`, else the latest rate on or before `on` (a subquery on the index of
    `exchange_rate_one_a_day`), null without one. PostgreSQL evaluates the subquery only for rows
    in another currency. Placeholders in the arguments take their parameters in the order
    (currency, reporting, reporting, currency, on): for statements written in SQL (a
    `generate_series` report); `rate_expression` is the same for the ORM."""
    table = connection.ops.quote_name(ExchangeRate._meta.db_table)
    return (
        f"CASE WHEN {currency} = {reporting} THEN 1 ELSE (SELECT xrate.rate FROM {table} xrate "
        f"WHERE xrate.reporting_currency = {reporting} AND xrate.currency = {currency} AND xrate.valid_from <= {on} "
        f"ORDER BY xrate.valid_from DESC LIMIT 1) END"
    )


def converted_sql(amount: str, currency: str, on: str, reporting: str) -> str:
    """`convert` as SQL over SQL expressions, `rate_sql`'s way (the amount's parameters first)."""
    return f"ROUND(({amount}) * {rate_sql(currency, on, reporting)}, 2)"


def rates_revision_sql() -> str:
    """SQL: the current `ReportingCurrency.rates_revision` (0 before the first change), which figures
    converted and stored are compared with (`pipeline_store`, `movements_store`)."""
    table = connection.ops.quote_name(ReportingCurrency._meta.db_table)
    return f"COALESCE((SELECT rates_revision FROM {table} WHERE id = {ReportingCurrency.ONE}), 0)"


def reporting_currency_sql() -> tuple[str, list]:
    """(SQL, parameters) of the reporting currency's code, read in the statement that uses it."""
    table = connection.ops.quote_name(ReportingCurrency._meta.db_table)
    return f"COALESCE((SELECT code FROM {table} WHERE id = {ReportingCurrency.ONE}), %s)", [settings.CRM_CURRENCY]


class RateInForce(Func):
    """`rate_sql` for each row, as an expression."""

    arity = 3
    output_field = DecimalField(max_digits=RATE_FIELD.max_digits, decimal_places=RATE_FIELD.decimal_places)

    def as_sql(self, compiler, connection, **extra):
        (currency, currency_params), (on, on_params), (reporting, reporting_params) = (
            compiler.compile(expression) for expression in self.source_expressions
        )
        sql = rate_sql(currency, on, reporting)
        return sql, [*currency_params, *reporting_params, *reporting_params, *currency_params, *on_params]


def rate_expression(currency, on, *, reporting=None) -> RateInForce:
    """`rate_on` as an expression: `currency` and `on` are names (of fields or annotations) or
    expressions; `reporting` a code, an expression, or None for the reporting currency."""
    return RateInForce(_expression(currency), _expression(on), _reporting(reporting))


def converted_expression(amount, currency, on, *, reporting=None):
    """`convert` as an expression: `amount` in `currency` at the rate in force on `on`, rounded to
    cents; null without a rate (or without an amount). Arguments as `rate_expression`'s."""
    product = ExpressionWrapper(_expression(amount) * rate_expression(currency, on, reporting=reporting),
                                output_field=CONVERTED)
    return Round(product, 2, output_field=CONVERTED)


def register_money_conversion() -> None:
    """Offer the conversion to the contact field registry, so that lists' totals of the subscription
    money fields show their converted whole (`SubscriptionsConfig.ready()`)."""
    from crm.fields import Conversion, register_conversion

    register_conversion("subscriptions", Conversion(
        currency=reporting_currency_expression,
        amount=lambda amount, currency, on: converted_expression(amount, currency, on),
    ))
