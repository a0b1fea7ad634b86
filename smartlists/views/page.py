"""What a smart list's page shows: shared by the page itself and the forms that re-render it."""

from dataclasses import dataclass, replace

from django.conf import settings
from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from crm import features, fields
from crm.dates import today
from crm.formats import Formats
from crm.forms import BulkForm
from crm.http import HtmxHttpRequest
from crm.links import object_url
from crm.pagination import count_cap
from smartlists.models import SmartList
from smartlists.paging import InvalidCursor, page_of
from smartlists.queries import (
    Listing,
    count_and_totals,
    feature_of_parameter,
    has_filter_parameters,
    listing,
    only_filters,
)

TEMPLATE = "smartlists/smartlist_detail.html"


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
    """Filters and a sort of a switched-off feature that the list did not save: refused as errors.

    What the list saved keeps applying while its feature is off (a switch never widens a list),
    and the page's own links repeat it; anything else of that feature is new input, typed into
    a URL or posted, and answered 400 rather than quietly used or dropped.
    """
    saved = QueryDict(smartlist.query)
    errors = {}
    for name in params:
        feature = feature_of_parameter(name)
        if feature is None or features.is_active(feature, request):
            continue
        if any(value != "" for value in params.getlist(name)) and params.getlist(name) != saved.getlist(name):
            errors[name] = [_("This filter belongs to %(feature)s, which is switched off.") % _feature_label(feature)]
    key = sort.removeprefix("-")
    if fields.exists(key) and sort != smartlist.sort:
        feature = fields.get(key).feature
        if feature is not None and not features.is_active(feature, request):
            errors["sort"] = [_("This sort belongs to %(feature)s, which is switched off.") % _feature_label(feature)]
    return errors


def _feature_label(feature: str) -> dict:
    return {"feature": features.get(feature).label}


def _shown_filters(request, filterset, params):
    """The filter fields to offer: contact ones, those of active features, and any already in use."""
    shown = []
    for name in filterset.form.fields:
        feature = feature_of_parameter(name)
        if feature is None or features.is_active(feature, request) or params.get(name):
            shown.append(filterset.form[name])
    return shown


def _header(f, sort: str, params: QueryDict, *, sortable: bool = True) -> dict:
    """A column heading: its label, the link that sorts by it (or reverses it), and its state."""
    state = "ascending" if sort == f.key else "descending" if sort == f"-{f.key}" else None
    link = params.copy()
    link["sort"] = f"-{f.key}" if state == "ascending" else f.key
    return {"field": f, "state": state, "link": "?" + link.urlencode(), "sortable": sortable}


def _footer(columns, sums: dict) -> list[dict | None]:
    return [sums.get(f.key) for f in columns] if sums else []


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell as the template prints it: plain text (escaped there), right-aligned for
    numbers, a link for the contact's name."""

    text: object
    num: bool = False
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """A table row: the contact's id (for its bulk-action checkbox) and its cells."""

    pk: int
    cells: list[Cell]


def _rows(rows, columns, currency: str) -> list[Row]:
    """The page's rows (values() rows) as cells, each shown as its field says (`ContactField.shown`)."""
    fmt = Formats()
    return [
        Row(row["pk"], [
            Cell(f.shown(row, fmt, currency), num=f.numeric,
                 url=object_url("contact_detail", row["pk"]) if f.key == "name" else None)
            for f in columns
        ])
        for row in rows
    ]


def _shown_values(result: Listing) -> list[str]:
    """What a page row reads: its id, the columns with their currencies, and the sort's terms (its cursor)."""
    currencies = [f.currency_key for f in result.columns if f.has_currency]
    return list(dict.fromkeys(["pk", *(f.key for f in result.columns), *currencies, *(key for key, _ in result.order)]))


def render_list(
    request: HtmxHttpRequest, smartlist: SmartList, params: QueryDict, sort: str, *, region_only=False,
    picker_open: bool | None = None, refused: list[str] | None = None,
):
    """The list's page (or its region alone). `refused`: why a change of the list was not saved,
    shown above it; the answer is then 409 Conflict."""
    result = list_listing(request, smartlist, params, sort)
    state = params.copy()
    state["sort"] = result.sort
    context = {
        "smartlist": smartlist,
        "listing": result,
        "columns": result.columns,
        "sort": result.sort,
        "filter_fields": _shown_filters(request, result.filterset, params),
        "query": params.urlencode(),
        "state": state.urlencode(),
        "picker_open": region_only if picker_open is None else picker_open,
        "refused": refused or [],
        "can_edit": smartlist.owner_id == request.user.pk,
        "addable": [f for f in fields.pickable(request) if f.key not in smartlist.columns],
        "export_url": reverse("smartlists:export", args=[smartlist.pk]) + "?" + state.urlencode(),
        "bulk_form": BulkForm(user=request.user),
        "bulk_action_url": reverse("smartlists:bulk", args=[smartlist.pk]),
    }
    # A saved column of a switched-off feature is still shown, but offers no new sort.
    context["headers"] = [
        _header(f, result.sort, params, sortable=f.feature is None or features.is_active(f.feature, request))
        for f in result.columns
    ]
    template = TEMPLATE + "#region" if (region_only or request.htmx) else TEMPLATE
    if not result.is_valid:
        return render(request, template, context, status=400)
    currency = settings.CRM_CURRENCY
    # Totals read every row: given while the count is within the cap, not over a list past it.
    counted = count_and_totals(result, cap=count_cap())
    try:
        page = page_of(result.queryset.values(*_shown_values(result)), order=result.order, params=request.GET,
                       count=counted.rows, exact=counted.exact)
    except InvalidCursor as error:  # never a 500, never a silent first page
        context["listing"] = replace(result, errors={error.parameter: [str(error)]})
        return render(request, template, context, status=400)
    context.update(
        page=page,
        count_cap=count_cap(),
        bulk_capped=not counted.exact,
        rows=_rows(page.rows, result.columns, currency),
        footer=_footer(result.columns, counted.totals),
        totals_left_out=not counted.exact and any(f.summable for f in result.columns),
    )
    return render(request, template, context, status=409 if refused else 200)
