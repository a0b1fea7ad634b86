"""What a smart list shows, whoever asks (its page, its forms, its export, its bulk actions): the
filters and sort in force, what a switched-off feature refuses, which filters are offered, the
column headings and each row's cells. The views only render it.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.forms import BoundField, ModelChoiceField
from django.http import QueryDict
from django.utils.translation import gettext as _

from crm import features, fields
from crm.dates import today
from crm.formats import Formats
from crm.links import object_url
from smartlists.models import SmartList
from smartlists.queries import (
    Listing, feature_of_parameter, field_of_parameter, has_filter_parameters, listing, only_filters,
)


def list_state(request, smartlist: SmartList) -> tuple[QueryDict, str]:
    """The filters and sort to show: the URL's when it has any, else the ones saved with the list."""
    params = only_filters(request.GET) if has_filter_parameters(request.GET) else QueryDict(smartlist.query)
    return params, request.GET.get("sort") or smartlist.sort


def list_listing(request, smartlist: SmartList, params: QueryDict, sort: str) -> Listing:
    result = listing(user=request.user, columns=smartlist.columns, params=params, sort=sort, today=today())
    if refused := switched_off_state(request, smartlist, params, sort):
        return Listing(result.columns, result.filterset, result.sort, None, result.errors | refused)
    return result


def switched_off_state(request, smartlist: SmartList, params: QueryDict, sort: str) -> dict:
    """Filters and a sort of a switched-off feature that differ from what the list saved: refused as errors.

    What the list saved keeps applying while its feature is off (a switch never widens a list),
    and the page's own links and forms repeat it (`filter_bar`); anything else of that feature
    is new input, typed into a URL or posted, and answered 400 rather than quietly used or
    dropped. Leaving a saved filter out, or clearing it, is such input too: it would widen the list.
    """
    saved = QueryDict(smartlist.query)
    errors = {}
    for name in dict.fromkeys([*params, *saved]):
        feature = feature_of_parameter(name)
        if feature is None or features.is_active(feature, request):
            continue
        if _given(params, name) != _given(saved, name):
            errors[name] = [_("This filter belongs to %(feature)s, which is switched off.") % _feature_label(feature)]
    key = sort.removeprefix("-")
    if fields.exists(key) and sort != smartlist.sort:
        feature = fields.get(key).feature
        if feature is not None and not features.is_active(feature, request):
            errors["sort"] = [_("This sort belongs to %(feature)s, which is switched off.") % _feature_label(feature)]
    return errors


def _given(params: QueryDict, name: str) -> list[str]:
    """The values of a parameter that filter (an empty one filters nothing)."""
    return [value for value in params.getlist(name) if value != ""]


def _feature_label(feature: str) -> dict:
    return {"feature": features.get(feature).label}


# The search box is always open above the list; every other filter is a chip once it has a value.
SEARCH = "q"


@dataclass(frozen=True)
class Chip:
    """A filter in force, as "Label: value". `remove`: the page's state without it (the parameter
    kept, empty, so the list's saved filters do not come back: `list_state`). `kept`: why a filter
    the list saved cannot be changed now (its feature is off): no remove, and sent back unchanged."""

    name: str
    label: object
    text: str
    values: tuple[str, ...]
    remove: str = ""
    kept: str = ""


@dataclass(frozen=True)
class PickerGroup:
    """The filters of one field that the "Add filter" picker offers (a money range: from, to and
    its currency), with their help said once (`hint`, which each input is described by)."""

    key: str
    fields: list[BoundField]
    hint: str


@dataclass(frozen=True)
class FilterBar:
    search: BoundField | None
    chips: list[Chip]
    picker: list[PickerGroup]


def filter_bar(request, smartlist: SmartList, filterset, params: QueryDict, sort: str) -> FilterBar:
    """The filters as the page shows them: the search box; a chip per filter in force, of contact
    fields and active features, and those of a switched-off feature as the list saved them (what
    `switched_off_state` accepts); the other filters of active features, to add, but those a
    report's links give (`link_only`, the pipeline's figures), which only their chips show."""
    saved, form = QueryDict(smartlist.query), filterset.form
    search = form[SEARCH] if SEARCH in form.fields else None
    chips, groups = [], {}
    for name in form.fields:
        if name == SEARCH:
            continue
        feature = feature_of_parameter(name)
        active = feature is None or features.is_active(feature, request)
        if active and (values := _given(params, name)):
            chips.append(Chip(name, form.fields[name].label, _chip_text(filterset, name, values), tuple(values),
                              remove=_without(params, name, sort)))
        elif active and not getattr(filterset.filters.get(name), "link_only", False):
            groups.setdefault(field_of_parameter(name) or name, []).append(form[name])
        elif values := _given(saved, name):
            kept = _("This filter belongs to %(feature)s, which is switched off: it still applies, as the list saved it.")
            chips.append(Chip(name, form.fields[name].label, _values_text(form.fields[name], values), tuple(values),
                              kept=kept % _feature_label(feature)))
    return FilterBar(search, chips, [_group(key, bound) for key, bound in groups.items()])


def _without(params: QueryDict, name: str, sort: str) -> str:
    state = params.copy()
    state[name] = ""
    state["sort"] = sort
    return state.urlencode()


def _group(key: str, bound: list[BoundField]) -> PickerGroup:
    """A field's filters; the help they share is said once, and describes each of them."""
    hint = " ".join(dict.fromkeys(str(field.help_text) for field in bound if field.help_text))
    if hint:
        for field in bound:
            field.field.widget.attrs["aria-describedby"] = f"filter-hint-{key}"
    return PickerGroup(key, bound, hint)


def _chip_text(filterset, name: str, values: list[str]) -> str:
    """A chip's value: a person or a tag as its filter found it (no second query; one it did not
    find, as typed), else as `_values_text` reads it."""
    form_field = filterset.form.fields[name]
    if isinstance(form_field, ModelChoiceField):
        found = getattr(filterset.form, "cleaned_data", {}).get(name)
        return str(found) if found is not None else ", ".join(values)
    return _values_text(form_field, values)


def _values_text(form_field, values: list[str]) -> str:
    """A filter's values as people read them: a choice by its label, a number as their language writes it."""
    labels, fmt, texts = dict(getattr(form_field, "choices", ())), Formats(), []
    for value in values:
        if value in labels:
            texts.append(str(labels[value]))
            continue
        try:
            texts.append(fmt.number(form_field.clean(value)))
        except ValidationError:
            texts.append(value)
    return ", ".join(texts)


def header(f, sort: str, params: QueryDict, *, sortable: bool = True) -> dict:
    """A column heading: its label, the link that sorts by it (or reverses it), and its state."""
    state = "ascending" if sort == f.key else "descending" if sort == f"-{f.key}" else None
    link = params.copy()
    link["sort"] = f"-{f.key}" if state == "ascending" else f.key
    return {"field": f, "state": state, "link": "?" + link.urlencode(), "sortable": sortable}


def footer(columns, sums: dict, converted: dict | None = None) -> list[dict | None]:
    """Each column's totals: one per currency (`parts`) and, where they add something (an amount
    in another currency than the reporting one), the whole converted into the reporting currency
    or what it lacks (`converted`)."""
    if not sums:
        return []
    converted = converted or {}
    cells = []
    for f in columns:
        whole = converted.get(f.key)
        cells.append({"parts": sums[f.key], "converted": whole if whole and whole.adds_information else None}
                     if f.key in sums else None)
    return cells


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell as the template prints it: plain text (escaped there), right-aligned for
    numbers, a date on one line, a link for the contact's name."""

    text: object
    num: bool = False
    date: bool = False
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """A table row: the contact's id (for its bulk-action checkbox) and its cells."""

    pk: int
    cells: list[Cell]


def table_rows(rows, columns, currency: str) -> list[Row]:
    """The page's rows (values() rows) as cells, each shown as its field says (`ContactField.shown`)."""
    fmt = Formats()
    return [
        Row(row["pk"], [
            Cell(f.shown(row, fmt, currency), num=f.numeric, date=f.dated,
                 url=object_url("contact_detail", row["pk"]) if f.key == "name" else None)
            for f in columns
        ])
        for row in rows
    ]


def shown_values(result: Listing) -> list[str]:
    """What a page row reads: its id, the columns with their currencies, and the sort's terms (its cursor)."""
    currencies = [f.currency_key for f in result.columns if f.has_currency]
    return list(dict.fromkeys(["pk", *(f.key for f in result.columns), *currencies, *(key for key, _ in result.order)]))
