"""From a smart list's filters, columns and sort to the one queryset its page, totals and CSV read.

The FilterSet is built from the field registry: the contact filters of `crm` plus every filter a
registered field brings (MRR ranges, "ends within N days", MRR status). All of them apply to the
rows whether or not their feature is on, so switching a feature off never widens a saved list;
the page only stops offering the ones of a switched-off feature.
"""

import datetime
from dataclasses import dataclass, field
from functools import cache

import django_filters
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.conf import settings
from django.db import connection
from django.db.models import F, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from crm import fields
from crm.filters import ContactFilter
from crm.models import Contact, visible_owner_ids


LOWER_BOUNDS, UPPER_BOUNDS = ("gt", "gte"), ("lt", "lte")


class FilterForm(forms.Form):
    """The filters' form: a range whose lower bound is above its upper one is an error, not an empty list."""

    # (lower parameter, upper parameter) pairs bounding the same value
    ranges: tuple[tuple[str, str], ...] = ()

    def clean(self):
        data = super().clean()
        for lower, upper in self.ranges:
            low, high = data.get(lower), data.get(upper)
            if low not in (None, "") and high not in (None, "") and low > high:
                self.add_error(upper, forms.ValidationError(
                    _("Must not be less than “%(lower)s”."), code="range", params={"lower": self.fields[lower].label}
                ))
        return data


def _ranges(filters: dict) -> tuple[tuple[str, str], ...]:
    """The pairs of filters bounding one value from below and from above (MRR from/to, dates after/before)."""
    ranges = []
    for lower, low in filters.items():
        if low.lookup_expr not in LOWER_BOUNDS:
            continue
        for upper, high in filters.items():
            if high.field_name == low.field_name and high.lookup_expr in UPPER_BOUNDS:
                ranges.append((lower, upper))
    return tuple(ranges)


@cache
def filterset_class() -> type[ContactFilter]:
    """The contact filters plus every registered field's filters, as one FilterSet."""
    declared = {}
    for contact_field in fields.all_fields():
        declared.update(contact_field.filters())
    for choice in declared.values():
        # A select's empty choice reads as a word (not "---------"), unless its filter names its own.
        if isinstance(choice, django_filters.ChoiceFilter) and "empty_label" not in choice.extra:
            choice.extra["empty_label"] = _("Any")
    form = type("SmartListFilterForm", (FilterForm,), {"ranges": _ranges({**ContactFilter.base_filters, **declared})})
    meta = type("Meta", (ContactFilter.Meta,), {"fields": ContactFilter.Meta.fields, "form": form})
    return type("SmartListFilter", (ContactFilter,), {**declared, "Meta": meta})


def parameter_label(filterset: ContactFilter, name: str):
    """What people see for a parameter of the list's URL: the label beside its filter, never the
    parameter's name; None for errors of the filters as a whole."""
    if name == NON_FIELD_ERRORS:
        return None
    if name in filterset.form.fields:
        return filterset.form.fields[name].label
    return {"sort": _("Sort"), "after": _("Page"), "before": _("Page")}.get(name, name)


@cache
def _field_of_parameter() -> dict[str, str]:
    """Which registry field each filter parameter reads, so its annotation is there to filter on."""
    return {parameter: f.key for f in fields.all_fields() for parameter in f.filters()}


def field_of_parameter(name: str) -> str | None:
    """The registry field a filter parameter reads (None for the contact list's own filters)."""
    return _field_of_parameter().get(name)


def filter_parameters() -> list[str]:
    return list(filterset_class().base_filters)


def has_filter_parameters(params: QueryDict) -> bool:
    """Whether `params` carries filters (an empty field counts: a cleared filter is a choice too)."""
    return any(name in params for name in filter_parameters())


def only_filters(params: QueryDict) -> QueryDict:
    """The filter parameters of `params`, without page, sort or anything else."""
    kept = QueryDict(mutable=True)
    for name in filter_parameters():
        if name in params:
            kept.setlist(name, params.getlist(name))
    return kept


def feature_of_parameter(name: str) -> str | None:
    key = _field_of_parameter().get(name)
    return fields.get(key).feature if key else None


class SortForm(forms.Form):
    sort = forms.CharField(required=False, max_length=64)

    def clean_sort(self):
        sort = self.cleaned_data["sort"] or "name"
        if not fields.exists(sort.removeprefix("-")):
            raise forms.ValidationError(_("Unknown column to sort by: %(sort)s"), params={"sort": sort})
        return sort


@dataclass(frozen=True)
class Viewer:
    """What the filters read of the request (its user: whose people the owner filter offers): a
    listing is asked for a user, by a page or by an export job that has no request."""

    user: object


@dataclass
class Listing:
    columns: list[fields.ContactField]
    filterset: ContactFilter
    sort: str
    queryset: QuerySet | None
    errors: dict
    # (annotation, descending) pairs the rows are ordered by, before the primary key (`ContactField.sort_terms`)
    order: list[tuple[str, bool]] = field(default_factory=list)
    # The same rows with only what the filters and the totals read: what the count and totals scan.
    counted: QuerySet | None = None
    # How each summable column whose feature converts it is converted into the reporting currency.
    conversions: dict[str, fields.Conversion] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def labelled_errors(self) -> list[tuple[object, list]]:
        """(label, messages) of each input in error, under the label people see beside it."""
        return [(parameter_label(self.filterset, name), messages) for name, messages in self.errors.items()]


def listing(*, user, columns: list[str], params: QueryDict, sort: str, today: datetime.date) -> Listing:
    """The visible, annotated, filtered and sorted contacts of a list; errors instead when any input is bad.

    With errors there is no queryset at all: an invalid filter can never fall back to more rows.
    """
    owners = visible_owner_ids(user)
    contacts = Contact.objects.owned_by(owners)
    column_fields = [fields.get(key) for key in columns if fields.exists(key)]
    sort_form = SortForm({"sort": sort})
    sort_ok = sort_form.is_valid()
    sort = sort_form.cleaned_data["sort"] if sort_ok else "name"
    filtered_on = [
        _field_of_parameter()[name]
        for name in params
        if name in _field_of_parameter() and any(value != "" for value in params.getlist(name))
    ]
    keys = [f.key for f in column_fields] + filtered_on + [sort.removeprefix("-")]
    reading = fields.Reading(today, owners=owners)
    filterset = filterset_class()(params, queryset=fields.annotate(contacts, keys, today=today, reading=reading),
                                  request=Viewer(user))
    errors = {} if filterset.is_valid() else dict(filterset.errors)
    if not sort_ok:
        errors.update(sort_form.errors)
    if errors:
        return Listing(column_fields, filterset, sort, None, errors)
    order = fields.get(sort.removeprefix("-")).sort_terms(sort.startswith("-"))
    terms = [F(key).desc(nulls_last=True) if descending else F(key).asc(nulls_last=True) for key, descending in order]
    counted = filterset.filter_queryset(_counted_rows(contacts, params, filtered_on, column_fields, reading))
    rows = fields.narrowed_to_owners(filterset.qs, filtered_on, reading)
    conversions = {f.key: c for f in column_fields if f.summable and (c := fields.conversion(f)) is not None}
    return Listing(column_fields, filterset, sort, rows.order_by(*terms, "pk"), {}, order, counted, conversions)


def _counted_rows(contacts: QuerySet, params: QueryDict, filtered_on: list[str], columns, reading) -> QuerySet:
    """What the count and totals scan, before the filters: no column that is only shown (an owner's
    name joins the users), only what the filters and the summed columns read. When those are all
    one feature's stored fields and the list filters on one of them (so that every row it counts
    has its stored row: `fields.stored_rows`), its stored rows of the visible owners alone."""
    keys = filtered_on + [f.key for f in columns if f.summable]
    other_filters = [name for name in params if name not in _field_of_parameter() and any(params.getlist(name))]
    if filtered_on and not other_filters:
        rows = fields.stored_rows(keys, reading)
        if rows is not None:
            return rows
    return fields.annotate(contacts, keys, today=reading.today, reading=reading, for_totals=True)


@dataclass(frozen=True)
class Counted:
    rows: int  # the number of rows, or the cap + 1 when there are more
    exact: bool
    # For each summable column, one total per currency, the installation's first: only while exact.
    totals: dict[str, list[dict]]
    # For each summable column its feature converts, the whole in the reporting currency: only while exact.
    converted: dict[str, fields.ConvertedTotal] = field(default_factory=dict)


def count_and_totals(result: Listing, *, cap: int) -> Counted:
    """The list's size up to `cap` and, while it is within the cap, each summable column's totals
    per currency (the installation's first, 0 when it has none, then the others A to Z; never
    added across currencies) and, for a column its feature converts (`Listing.conversions`), the
    whole converted into the reporting currency, each row at the rate in force on its own day, or
    the currencies that lack one: one statement over the capped rows, which carry only what the
    filters and the summed columns read (`Listing.counted`)."""
    summable = [f for f in result.columns if f.summable]
    groups = list(dict.fromkeys(f.currency_key for f in summable if f.has_currency))
    converting = [(f, result.conversions[f.key]) for f in summable if f.key in result.conversions]
    rows_read = result.counted.order_by()
    for f, conversion in converting:
        rows_read = rows_read.annotate(**{
            f.converted_key: conversion.amount(F(f.key), F(f.currency_key), F(f.converted_on_key)),
            f"{f.converted_key}_into": conversion.currency(),
        })
    converted_columns = [name for f, _ in converting for name in (f.converted_key, f"{f.converted_key}_into", f.converted_on_key)]
    capped = rows_read.values("pk", *groups, *(f.key for f in summable), *converted_columns)[: cap + 1]
    sql, params = capped.query.sql_with_params()
    name = connection.ops.quote_name
    grouped = ", ".join(name(key) for key in groups)
    sums = "".join(f", SUM({name(f.key)})" for f in summable)
    # Per converted column: the converted sum, the earliest day of a row that had no rate, the currency.
    sums += "".join(
        f", SUM({name(f.converted_key)}), MIN(CASE WHEN {name(f.converted_key)} IS NULL AND {name(f.key)} IS NOT NULL "
        f"THEN {name(f.converted_on_key)} END), MIN({name(f.converted_key + '_into')})"
        for f, _ in converting
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {grouped}{', ' if groups else ''}COUNT(*){sums} FROM ({sql}) AS capped"
            + (f" GROUP BY {grouped}" if groups else ""),
            params,
        )
        rows = cursor.fetchall()
    count = sum(row[len(groups)] for row in rows)
    if count > cap:
        return Counted(cap + 1, False, {})
    main = settings.CRM_CURRENCY
    by_currency: dict[str, dict] = {f.key: {main: 0} for f in summable}
    converted: dict[str, fields.ConvertedTotal] = {}
    for row in rows:
        currency_of_group = dict(zip(groups, row))
        amounts = row[len(groups) + 1:len(groups) + 1 + len(summable)]
        for f, amount in zip(summable, amounts):
            if amount is not None:
                code = currency_of_group[f.currency_key] if f.has_currency else main
                by_currency[f.key][code] = by_currency[f.key].get(code, 0) + amount
        conversions = row[len(groups) + 1 + len(summable):]
        summed = {f.key: amount for f, amount in zip(summable, amounts)}
        for index, (f, _) in enumerate(converting):
            amount, missing_on, into = conversions[3 * index:3 * index + 3]
            total = converted.setdefault(f.key, fields.ConvertedTotal(into))
            if summed[f.key] is not None:  # the group has amounts of this column, in its currency
                total.add(currency_of_group[f.currency_key], amount, missing_on)
    totals = {
        key: [{"currency": code, "sum": found[code]} for code in [main, *sorted(c for c in found if c != main)]]
        for key, found in by_currency.items()
    }
    return Counted(count, True, totals, converted)
