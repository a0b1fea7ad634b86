"""The importer's fast reading of a row agrees with the form (period, contact): a row it takes, the form
takes with the same values; any other row is reported with the form's own errors."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm import fields
from crm.models import Contact
from imports import contacts, periods
from imports.checking import ContactChecker, PeriodChecker, RowsContactImportForm, rows_form
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
    fast = hooks.fast_period(data)
    period, errors = checker.cells(values)
    if fast is not None:
        assert form.is_valid(), (values, form.errors)
        expected = form.period_data()
        for key in ("mrr", "price"):
            if expected[key] is not None:
                expected[key] = expected[key].quantize(Decimal("0.01"))
        assert fast == expected
    # Whichever way a row was read, the importer accepts what the form accepts, with its messages.
    assert (period is not None) == form.is_valid()
    assert errors == [(checker.column(name) if name != "__all__" else "", str(message))
                      for name, messages in form.errors.items() for message in messages]


# Contacts ----------------------------------------------------------------------------------------

CONTACT_CELLS = {
    "external_id": ["", "C-1", "x" * 100, "x" * 101, "a\tb", " C-2"],
    "kind": ["", "person", "organisation", "Persona", "Organização", "robot"],
    "name": ["", "Ada Lovelace", "n" * 200, "n" * 201, "two\nlines", "nul\x00", "Zoë"],
    "email": ["", "ada@example.com", "ADA@Example.COM", "ada@", "ada@localhost", "a b@example.com",
              "ada@example", "x" * 250 + "@example.com", "ada@ex\u00e4mple.com", "ada\x00@example.com"],
    "phone": ["", "+39 02 1234567", "9" * 40, "9" * 41, "1\n2"],
    "website": ["", "https://example.com", "example.com", "not a url"],
    "address": ["", "Via Roma 1", "Via Roma 1\nMilano", "nul\x00"],
    "tags": ["", "vip", "b, a, b", "t" * 51, ", ,"],
    "owner": ["", "rep", "REP", "nobody", "manager"],
    "organisation": ["", "Acme", "ACME", "Twins", "Nowhere", "o" * 201],
}


@pytest.fixture
def contact_checker(rep, subscriptions_on):
    imp = Import(uploaded_by=rep, kind=Import.Kind.CONTACTS, headers=list(CONTACT_CELLS),
                 mapping={str(i): key for i, key in enumerate(CONTACT_CELLS)})
    return ContactChecker(imp)


@pytest.fixture
def stored_contact(rep):
    return Contact.objects.create(name="Stored", kind=Contact.Kind.PERSON, owner=rep, email="stored@example.com",
                                  website="example.org", external_id="S-1")


# Cells every row accepts, so that most rows vary only a few cells from a valid row.
PLAIN_CONTACT = {"external_id": ["", "C-1"], "kind": ["", "person", "Persona"], "name": ["Ada Lovelace", "Zoë"],
                 "email": ["", "ada@example.com", "ADA@Example.COM"], "phone": ["", "+39 02 1234567"],
                 "website": [""], "address": ["", "Via Roma 1\nMilano"], "tags": ["", "b, a, b"],
                 "owner": ["", "rep", "REP"], "organisation": ["", "Acme", "ACME"]}


@st.composite
def contact_rows(draw):
    varied = draw(st.sets(st.sampled_from(list(CONTACT_CELLS)), max_size=3))
    return {key: draw(st.sampled_from(CONTACT_CELLS[key] if key in varied else PLAIN_CONTACT[key]))
            for key in CONTACT_CELLS}


@given(contact_rows(), st.booleans())
def test_fast_checks_and_the_contact_form_accept_the_same_rows_with_the_same_values(
    contact_checker, stored_contact, values, update
):
    """The import's contact form runs the model's validation too (`_post_clean`): both are compared."""
    existing = stored_contact if update else None
    if existing is not None:
        existing.refresh_from_db()
    values = {key: value for key, value in values.items() if value or key not in ("kind", "website")}
    data = contact_checker._form_data(values, existing)
    organisations = {"organisation_names": {"acme", "twins"}, "ambiguous": {"twins"}}
    context = {"owners": contact_checker.owners, "importer": contact_checker.user, **organisations}
    form = RowsContactImportForm(data, instance=existing, **context)
    fast = contacts.fast_contact(data, existing=existing, **context)
    if fast is not None:
        assert form.is_valid(), (data, form.errors)
        assert fast == form.cleaned_data
    if existing is not None:
        existing.refresh_from_db()  # the form wrote its values on the instance
    cleaned, errors = contact_checker.cells(data, existing=existing, **organisations)
    assert (cleaned is not None) == form.is_valid()
    assert errors == [(contact_checker.column(name) if name != "__all__" else "", str(message))
                      for name, messages in form.errors.items() for message in messages]
