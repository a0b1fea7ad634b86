"""The contact field registry: every column a list, picker or export can show for a contact.

`crm` registers the contact's own fields; other apps register theirs from `AppConfig.ready()`
(the way the admin autodiscovers `admin.py`), naming the feature that owns each one. Consumers
(smart lists, the renewals dashboard) never import the app that defined a field: they ask here,
and a switched-off feature's fields leave every picker in one place.

A field's value is one query expression (`expression(reading)`), so a list page, its sort, its
filters, its totals and its CSV export all read the same definition. The `Reading` is what one
query's expressions are built for: the day, and whatever a feature looked up to build them (asked
once per query, not once per field).

Money is compared only within a currency: a money field with a currency is annotated with its
currency beside it (`currency_key`), sorts by currency first (`sort_terms`), and its filters and
totals read that currency. A feature that knows how to convert its money into one reporting
currency says so (`register_conversion`), and its money fields say on which day each value is
converted (`converted_on`): totals then show, beside each currency's own figure, the whole
converted (`ConvertedTotal`), or which currency lacks a rate.
"""

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django import forms
from django.db import models
from django.db.models import F, QuerySet

from crm import features
from crm.formats import Formats


@dataclass
class Reading:
    """The day a query's fields are read as of, whose contacts it reads (their owners' ids, None
    for everyone's: `crm.models.visible_owner_ids`), and a memo for what building them looked up."""

    today: datetime.date
    owners: list[int] | None = None
    _looked_up: dict = field(default_factory=dict, repr=False)

    def once(self, key: str, look_up: Callable[[], object]):
        """`look_up()`, asked once for this reading (a feature's "are my stored figures fresh?")."""
        if key not in self._looked_up:
            self._looked_up[key] = look_up()
        return self._looked_up[key]


@dataclass(frozen=True)
class ContactField:
    key: str
    label: str
    # text, number, money, date or choice: decides alignment, CSV formatting and filters
    kind: str
    # `(reading) -> expression` for computed fields; None for a plain column of the same name
    expression: Callable[[Reading], object] | None = None
    # other computed fields this one's expression refers to by name
    requires: tuple[str, ...] = ()
    # `() -> {query parameter: django_filters.Filter}`
    filters: Callable[[], dict] = field(default=lambda: {})
    feature: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    summable: bool = False
    # `(reading) -> expression` of a money field's currency, annotated beside it as `currency_key`
    currency: Callable[[Reading], object] | None = None
    # `(reading) -> expression` of the day a money value is converted into the reporting currency
    # on (the rate in force that day), annotated as `converted_on_key` where totals are read
    converted_on: Callable[[Reading], object] | None = None

    @property
    def dated(self) -> bool:
        """Kept on one line in a table (`.date`)."""
        return self.kind == "date"

    @property
    def numeric(self) -> bool:
        """Right-aligned in a table."""
        return self.kind in ("money", "number")

    def shown(self, row: Mapping, fmt: Formats, currency: str) -> str:
        """This field's value in `row` (a values() row, a money value's currency beside it under
        `currency_key`) as a table cell shows it, in every table that has it as a column: money with
        two places and its currency when it is not the installation's (`currency`), numbers grouped,
        dates short, a choice by its label."""
        value = row[self.key]
        if self.kind == "money":
            if value is None:
                return ""
            code = row[self.currency_key] if self.has_currency else currency
            return fmt.money(value) + (f" {code}" if code and code != currency else "")
        if self.kind == "number":
            return fmt.number(value)
        if self.kind == "date":
            return fmt.date(value)
        if self.kind == "choice":
            value = dict(self.choices).get(value)
        return "" if value is None else value

    @property
    def has_currency(self) -> bool:
        return self.kind == "money" and self.currency is not None

    @property
    def currency_key(self) -> str:
        """The annotation holding a money field's currency."""
        return f"currency_of_{self.key}"

    @property
    def converted_on_key(self) -> str:
        """The annotation holding the day a money field's value is converted on."""
        return f"converted_on_{self.key}"

    @property
    def converted_key(self) -> str:
        """The annotation holding a money field's value converted into the reporting currency."""
        return f"converted_{self.key}"

    def sort_terms(self, descending: bool) -> list[tuple[str, bool]]:
        """(annotation, descending) pairs a sort by this field orders by, before the primary key.

        Amounts in two currencies are never compared: a money field's rows are grouped by
        currency, A to Z in both directions, and ordered by amount within each group.
        """
        if self.has_currency:
            return [(self.currency_key, False), (self.key, descending)]
        return [(self.key, descending)]


_fields: dict[str, ContactField] = {}


def register(contact_field: ContactField) -> None:
    _fields[contact_field.key] = contact_field


def get(key: str) -> ContactField:
    return _fields[key]


def exists(key: str) -> bool:
    return key in _fields


def all_fields() -> list[ContactField]:
    return list(_fields.values())


def pickable(request=None) -> list[ContactField]:
    """The fields a picker may offer now: those whose feature is on."""
    return [f for f in _fields.values() if f.feature is None or features.is_active(f.feature, request)]


def annotate(contacts: QuerySet, keys: Iterable[str], *, today: datetime.date, reading: Reading | None = None,
             for_totals: bool = False) -> QuerySet:
    """Annotate the computed fields among `keys` (and what they require), each once, in order; a
    money field with a currency also gets its currency (`currency_key`), and, `for_totals`, the
    day it is converted on (`converted_on_key`). Pass one `reading` to calls that build parts of
    the same query."""
    for name, expression in _expressions(keys, reading or Reading(today), for_totals=for_totals):
        contacts = contacts.annotate(**{name: expression})
    return contacts


def compiled_key(keys: Iterable[str], reading: Reading) -> tuple:
    """What `annotate(contacts, keys, reading=reading)` compiles to depends on besides `contacts`:
    the fields, the day, and what their features looked up for the reading (asked here, once per
    reading, as building the query would). The same key, the same SQL and parameters: a query
    compiled once per key serves every request that has it."""
    keys = tuple(keys)
    for _annotation in _expressions(keys, reading, for_totals=False):
        pass
    return keys, reading.today, tuple(sorted(reading._looked_up.items()))


def _expressions(keys: Iterable[str], reading: Reading, *, for_totals: bool):
    """(name, expression) of each annotation `annotate` makes, in its order."""
    done: set[str] = set()

    def add(key):
        if key in done:
            return
        done.add(key)
        contact_field = _fields[key]
        for required in contact_field.requires:
            yield from add(required)
        if contact_field.expression is not None:
            yield key, contact_field.expression(reading)
        if contact_field.has_currency:
            yield contact_field.currency_key, contact_field.currency(reading)
        if for_totals and contact_field.converted_on is not None:
            yield contact_field.converted_on_key, contact_field.converted_on(reading)

    for key in keys:
        yield from add(key)


# Stored rows -------------------------------------------------------------------------------------
#
# A feature that stores its fields one row per contact (the subscriptions summary) may offer those
# rows, keyed by the contact (`pk`), carrying each field and currency under its key and the
# contact's owner (`owner_id`), and say how a contact reaches that owner (`owner_lookup`). A count
# or a total that reads only such fields then scans that table alone instead of joining contacts to
# it, and a list filtered on them reads its owners' rows by index. Such a feature's filters only
# ever match contacts that have their row.

@dataclass(frozen=True)
class StoredRows:
    # `(reading) -> rows` of the reading's owners, or None while they are not as of its day
    rows: Callable[[Reading], QuerySet | None]
    owner_lookup: str


_stored_rows: dict[str, StoredRows] = {}


def register_stored_rows(feature: str, rows: Callable[[Reading], QuerySet | None], *, owner_lookup: str) -> None:
    _stored_rows[feature] = StoredRows(rows, owner_lookup)


def stored_rows(keys: Iterable[str], reading: Reading) -> QuerySet | None:
    """The stored rows that carry every field among `keys` as of the reading, or None: a field is
    not stored, the fields belong to more than one feature, or the rows are not fresh."""
    owners = {_fields[key].feature for key in keys}
    if len(owners) != 1 or None in owners or next(iter(owners)) not in _stored_rows:
        return None
    return _stored_rows[next(iter(owners))].rows(reading)


def narrowed_to_owners(contacts: QuerySet, filtered_on: Iterable[str], reading: Reading) -> QuerySet:
    """`contacts`, filtered on the fields `filtered_on`, also narrowed to the reading's owners
    through the stored rows of those fields' features. The same rows (such a filter matches only
    contacts with the row, which carries the contact's owner); but the planner can then read a few
    owners' rows by index, where it walked everyone's in the sort's order, a team's 1% at a time."""
    if reading.owners is None:
        return contacts
    for feature in dict.fromkeys(_fields[key].feature for key in filtered_on):
        stored = _stored_rows.get(feature)
        if stored is not None and stored.rows(reading) is not None:
            contacts = contacts.filter(**{f"{stored.owner_lookup}__in": reading.owners})
    return contacts


# Conversion into a reporting currency ----------------------------------------------------------------
#
# The feature that owns money fields may convert them into one reporting currency, as expressions
# (so that a total over many rows is one statement): the reporting currency's code, and an amount
# in a currency converted at the rate in force on a day, null when none is. Consumers never learn
# how: they ask `conversion(field)` and add up `ConvertedTotal`s.


@dataclass(frozen=True)
class Conversion:
    # `() -> expression` of the reporting currency's code
    currency: Callable[[], object]
    # `(amount, currency, on) -> expression` of `amount` (in `currency`) in the reporting currency at
    # the rate in force on the day `on`; null without such a rate (never a guess)
    amount: Callable[[object, object, object], object]


_conversions: dict[str, Conversion] = {}


def register_conversion(feature: str, conversion: Conversion) -> None:
    _conversions[feature] = conversion


def conversion(contact_field: ContactField) -> Conversion | None:
    """How the totals of `contact_field` are converted into the reporting currency: None when it is
    not a money field converted on a day, or its feature offers no conversion or is switched off."""
    feature = contact_field.feature
    if not contact_field.has_currency or contact_field.converted_on is None or feature not in _conversions:
        return None
    return _conversions[feature] if features.is_active(feature) else None


@dataclass
class ConvertedTotal:
    """A total of amounts in several currencies, converted into the reporting currency `currency`:
    the sum of those converted, each currency added (`currencies`) and, for each currency that
    lacked a rate for some of its amounts, the earliest day one was needed on (`missing`). While
    anything is missing the total is incomplete: it says what is missing, never a partial sum."""

    currency: str
    amount: Decimal = Decimal("0.00")
    currencies: set[str] = field(default_factory=set)
    missing: dict[str, datetime.date] = field(default_factory=dict)

    def add(self, currency: str, amount: Decimal | None, missing_on: datetime.date | None = None) -> None:
        """Amounts in `currency`: `amount` converted (of those that had a rate), and the earliest
        day among them that had none."""
        self.currencies.add(currency)
        if amount is not None:
            self.amount += amount
        if missing_on is not None:
            self.missing[currency] = min(self.missing.get(currency, missing_on), missing_on)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def adds_information(self) -> bool:
        """Whether it says more than the per-currency figures: some amount was in another currency."""
        return bool(self.currencies - {self.currency})

    @property
    def missing_rates(self) -> list[tuple[str, datetime.date]]:
        """(currency, earliest day without a rate in force), A to Z."""
        return sorted(self.missing.items())


# Importable fields ------------------------------------------------------------------------------
#
# What a CSV import may fill, per kind of file ("contacts", "periods"), registered the same way and
# by the same apps as the columns above: the importer (the `imports` app) asks here, never the app
# that owns a field, so a switched-off feature offers none of its fields for import either.


@dataclass(frozen=True)
class ImportField:
    key: str
    # The field's name as people write it in a header; `names` are other names that also match
    # (each a lazy translation: a header matches it in any of the product's languages).
    label: object
    target: str
    names: tuple = ()
    feature: str | None = None
    required: bool = False
    # Other headers people write for it, by language ({"it": ("Proprietario", ...)}): what files
    # made elsewhere call it. Plain words, matched as they are whatever the importer's language.
    headers: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)
    # `() -> expression` of the field's raw value as the importer reads it back (a smart list's
    # export "for re-import"); None for a plain column of the same name, and for fields that are
    # not exported that way.
    value: Callable[[], object] | None = None

    def value_expression(self):
        return self.value() if self.value else F(self.key)


_importable: dict[str, dict[str, ImportField]] = {}


def register_importable(import_field: ImportField) -> None:
    _importable.setdefault(import_field.target, {})[import_field.key] = import_field


def importable(target: str, request=None) -> list[ImportField]:
    """The fields an import of `target` rows may fill now: those whose feature is on."""
    return [
        f for f in _importable.get(target, {}).values()
        if f.feature is None or features.is_active(f.feature, request)
    ]


def import_targets(request=None) -> list[str]:
    """The kinds of file that can be imported now (a kind all of whose fields are off is not)."""
    return [target for target in _importable if importable(target, request)]


# Import hooks ------------------------------------------------------------------------------------
#
# What the importer needs from the app that owns a kind of row beyond its fields (its model, form,
# rules and set-based writes), registered from that app's `AppConfig.ready()` like the fields above.


class PeriodImportHooks(Protocol):
    """What the importer of "periods" rows asks of the app that owns subscription periods.

    The importer stages a file's rows in a TEMP table of its own, with the columns `staged_columns`
    gives beside its own, and names the rows of a batch by a condition on its alias `s`."""

    model: type[models.Model]  # the period
    form: type[forms.Form]  # the form a person fills in: the rule for a row's cells

    def fast_period(self, data: dict) -> dict | None:
        """The values `form` would clean from `data` when its cells are of the plain, surely valid
        kind; None when the form must decide."""

    def overlaps_sql(self, a: str, b: str) -> str:
        """SQL: the rows aliased `a` and `b` (with `start_date` and `end_date`) share a day."""

    def staged_columns(self, *, for_writing: bool) -> str:
        """The column definitions a staging table of periods has."""

    def lock(self, staged: str, rows: str) -> None:
        """Lock the contacts and periods the staged `rows` name, as a person's period write does."""

    def bulk_upsert(self, staged: str, rows: str, *, by, imported_from: str) -> int:
        """Write the staged `rows` with their audit (naming the file `imported_from`); how many
        stored periods were changed."""

    def refresh_summaries(self, contacts_sql: str, *, today: datetime.date) -> None:
        """Bring up to date what is derived from the periods of the contacts `contacts_sql` selects."""


_import_hooks: dict[str, PeriodImportHooks] = {}


def register_import_hooks(target: str, hooks: PeriodImportHooks) -> None:
    _import_hooks[target] = hooks


def import_hooks(target: str) -> PeriodImportHooks:
    return _import_hooks[target]
