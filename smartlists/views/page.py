"""A smart list's page, or its region alone: shared by the page itself and the forms that re-render it."""

from dataclasses import replace

from django.conf import settings
from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse

from crm import features, fields
from crm.forms import BulkForm
from crm.http import HtmxHttpRequest
from crm.pagination import count_cap
from smartlists.listing import filter_bar, footer, header, list_listing, shown_values, table_rows
from smartlists.models import SmartList
from smartlists.paging import InvalidCursor, page_of
from smartlists.queries import count_and_totals

TEMPLATE = "smartlists/smartlist_detail.html"


def render_list(
    request: HtmxHttpRequest, smartlist: SmartList, params: QueryDict, sort: str, *, region_only=False,
    picker_open: bool | None = None, refused: list[str] | None = None, column_step: str = "",
):
    """The list's page (or its region alone). `refused`: why a change of the list was not saved,
    shown above it; the answer is then 409 Conflict. `column_step`: the column picker's step just
    saved ("add", "remove", "up", "down"): focus goes back to the picker, not to the whole region."""
    result = list_listing(request, smartlist, params, sort)
    state = params.copy()
    state["sort"] = result.sort
    context = {
        "smartlist": smartlist,
        "listing": result,
        "columns": result.columns,
        "sort": result.sort,
        "filters": filter_bar(request, smartlist, result.filterset, params, result.sort),
        "query": params.urlencode(),
        "state": state.urlencode(),
        "picker_open": region_only if picker_open is None else picker_open,
        "column_step": column_step,
        "refused": refused or [],
        "can_edit": smartlist.owner_id == request.user.pk,
        "addable": [f for f in fields.pickable(request) if f.key not in smartlist.columns],
        "export_url": reverse("smartlists:export", args=[smartlist.pk]) + "?" + state.urlencode(),
        "bulk_form": BulkForm(user=request.user),
        "bulk_action_url": reverse("smartlists:bulk", args=[smartlist.pk]),
    }
    # A saved column of a switched-off feature is still shown, but offers no new sort.
    context["headers"] = [
        header(f, result.sort, params, sortable=f.feature is None or features.is_active(f.feature, request))
        for f in result.columns
    ]
    region_alone = region_only or request.htmx
    # The region alone also brings the filters in force (their chips, the picker) to where the
    # filters form shows them, out of band: the search box around them is left as it is typed.
    context["filters_out_of_band"] = region_alone
    template = TEMPLATE + "#region" if region_alone else TEMPLATE
    if not result.is_valid:
        return render(request, template, context, status=400)
    currency = settings.CRM_CURRENCY
    # Totals read every row: given while the count is within the cap, not over a list past it.
    counted = count_and_totals(result, cap=count_cap())
    try:
        page = page_of(result.queryset.values(*shown_values(result)), order=result.order, params=request.GET,
                       count=counted.rows, exact=counted.exact)
    except InvalidCursor as error:  # never a 500, never a silent first page
        context["listing"] = replace(result, errors={error.parameter: [str(error)]})
        return render(request, template, context, status=400)
    context.update(
        page=page,
        count_cap=count_cap(),
        bulk_capped=not counted.exact,
        rows=table_rows(page.rows, result.columns, currency),
        footer=footer(result.columns, counted.totals, counted.converted),
        totals_left_out=not counted.exact and any(f.summable for f in result.columns),
    )
    return render(request, template, context, status=409 if refused else 200)
