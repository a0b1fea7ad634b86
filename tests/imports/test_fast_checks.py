"""The importer's fast reading of a period row agrees with the period form: a row it takes, the form
takes with the same values; any other row is reported with the form's own errors."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm import fields
from imports import periods
from imports.checking import PeriodChecker, rows_form
from imports.models import Import

CELLS = {
    "currency": ["", "EUR", "eur", "usd", "EURO", "E1R", "€", " EU"],
    "mrr": ["", "0", "10", "10.5", "10.50", "12,50", "10.001", "-1", "abc", "1e3", "9999999999.99",
            "12345678901", "0000000000.5", "NaN"],
    "price": ["", "120", "100.00", "7,5", "-3", "x"],
    "billing_frequency": ["", "monthly", "annual", "Annuale", "quarterly", "every_n_months", "weekly"],
    "billing_every_months": ["", "3", "0", "x"],
    "start_date": ["", "2026-01-01", "2024-02-29", "2023-02-29", "1800-01-01", "2200-12-31", "01/02/2026",
                   "2026-1-1", "２０２６-01-01"],
    "end_date": ["", "2026-12-31", "2025-01-01", "2300-01-01", "nope"],
    "term_months": ["", "12", "1", "600", "601", "0", "x", "2400"],
    "description": ["", "plan", "a" * 201, "two\nlines", "tab\there"],
}


@pytest.fixture
def checker(rep, subscriptions_on):
    imp = Import(uploaded_by=rep, kind=Import.Kind.PERIODS, headers=list(CELLS),
                 mapping={str(i): key for i, key in enumerate(CELLS)})
    return PeriodChecker(imp)


@given(st.fixed_dictionaries({key: st.sampled_from(values) for key, values in CELLS.items()}))
def test_fast_checks_and_the_period_form_accept_the_same_rows_with_the_same_values(checker, values):
    hooks = fields.import_hooks("periods")
    data = periods.form_data(values, checker.frequencies, hooks.form)
    form = rows_form(hooks.form)(data)
    fast = periods.fast_period(data)
    period, errors = checker.cells(values)
    if fast is not None:
        assert form.is_valid(), (values, form.errors)
        expected = form.period_data()
        for key in ("mrr", "price"):
            if expected[key] is not None:
                expected[key] = expected[key].quantize(periods.CENTS)
        assert fast == expected
    # Whichever way a row was read, the importer accepts what the form accepts, with its messages.
    assert (period is not None) == form.is_valid()
    assert errors == [(checker.column(name) if name != "__all__" else "", str(message))
                      for name, messages in form.errors.items() for message in messages]
