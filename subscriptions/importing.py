"""What the CSV importer needs to write subscription periods (`crm.fields.PeriodImportHooks`),
registered as its hooks for "periods" rows by `SubscriptionsConfig.ready()` (the importer never
imports this app).

`fast_period` reads a row's cells in Python, taking only what `PeriodForm` surely accepts and giving
the same values; any other row goes through the form, whose errors are the ones reported. Its limits
are the form's own fields' (its agreement with the form is pinned by
`tests/imports/test_fast_checks.py`)."""

import datetime
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models.expressions import RawSQL

from crm.billing import BillingFrequency
from crm.dates import EARLIEST, LATEST
from subscriptions import bulk_writes
from subscriptions.dates import end_after_months
from subscriptions.forms import PeriodForm
from subscriptions.models import Period, overlaps_sql
from subscriptions.money import normalise_mrr
from subscriptions.summary import refresh_contacts

CENTS = Decimal("0.01")
_FIELDS = PeriodForm.base_fields
# Money as the form's DecimalField takes it (max_digits=12, decimal_places=2), not negative.
_MONEY_DIGITS = _FIELDS["mrr"].max_digits - _FIELDS["mrr"].decimal_places
MONEY = re.compile(rf"^\d{{1,{_MONEY_DIGITS}}}(?:\.\d{{1,{_FIELDS['mrr'].decimal_places}}})?$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MONTHS = re.compile(r"^\d{1,3}$")
TERM = (_FIELDS["term_months"].min_value, _FIELDS["term_months"].max_value)
CURRENCY = re.compile(r"^[A-Za-z]{3}$")  # the currency field's validator
DESCRIPTION = _FIELDS["description"].max_length
CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # `crm.text.single_line`: a description is one line
FREQUENCIES = {value for value, _label in BillingFrequency.choices}


def _date(text: str) -> datetime.date | None:
    """An ISO date in the forms' range, or None (let the form decide)."""
    if not ISO_DATE.match(text):
        return None
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return None
    return day if EARLIEST <= day <= LATEST else None


def _money(data: dict) -> dict | None:
    """{"mrr": Decimal or None, "price": ...}, or None when either is not plainly valid."""
    money = {}
    for key in ("mrr", "price"):
        text = data.get(key, "")
        if not text:
            money[key] = None
        elif MONEY.match(text):
            money[key] = Decimal(text)
        else:
            return None
    return money


def _mrr(money: dict, frequency: str) -> Decimal | None:
    """The MRR the form's `_clean_mrr` gives (typed, or computed from a price), None if unsure."""
    if money["price"] is None and not frequency:
        return money["mrr"]
    if money["price"] is None or not frequency:
        return None
    try:
        computed = normalise_mrr(money["price"], frequency, None)
    except ValidationError:
        return None
    return computed if money["mrr"] is None or money["mrr"] == computed else None


def fast_period(data: dict) -> dict | None:
    """The period `PeriodForm` would clean from `data` (the importer's `form_data`), when the cells
    are the common, surely valid kind; None for anything else: the form decides it then."""
    currency = data.get("currency", "")
    money = _money(data)
    frequency = data.get("billing_frequency", "")
    if not CURRENCY.match(currency) or money is None or data.get("billing_every_months"):
        return None
    if frequency and frequency not in FREQUENCIES:
        return None
    mrr = _mrr(money, frequency)
    start = _date(data.get("start_date", ""))
    if mrr is None or start is None:
        return None
    end_text = data.get("end_date", "")
    end = _date(end_text) if end_text else None
    if end_text and end is None:
        return None
    term = None
    if data["end"] == PeriodForm.AFTER:
        if not MONTHS.match(data["term_months"]):
            return None
        term = int(data["term_months"])
        if not TERM[0] <= term <= TERM[1]:
            return None
        end = end_after_months(start, term)
        if end > LATEST:
            return None
    elif data["end"] == PeriodForm.ON and end < start:
        return None
    description = data.get("description", "")
    if len(description) > DESCRIPTION or CONTROL.search(description):
        return None
    return {
        "currency": currency.upper(), "mrr": mrr.quantize(CENTS), "start_date": start, "end_date": end,
        "term_months": term, "description": description,
        "price": money["price"].quantize(CENTS) if money["price"] is not None else None,
        "billing_frequency": frequency, "billing_every_months": None,
    }


class PeriodImportHooks:
    model = Period
    form = PeriodForm

    fast_period = staticmethod(fast_period)
    overlaps_sql = staticmethod(overlaps_sql)
    staged_columns = staticmethod(bulk_writes.staged_columns)
    lock = staticmethod(bulk_writes.periods_lock)
    bulk_upsert = staticmethod(bulk_writes.periods_bulk_upsert)

    @staticmethod
    def refresh_summaries(contacts_sql: str, *, today: datetime.date) -> None:
        """Refresh the summaries of the contacts whose ids `contacts_sql` (a SELECT) gives."""
        refresh_contacts(RawSQL(contacts_sql, ()), today=today)


def register_period_import_hooks() -> None:
    from crm.fields import register_import_hooks

    register_import_hooks("periods", PeriodImportHooks())
