"""The partner dashboard, tab "Upcoming renewals", and its column configuration."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from crm import dates
from crm.access import partner_required
from crm.http import HtmxHttpRequest
from renewals import columns as cols
from renewals import conf, queries, services
from renewals.forms import ColumnsForm, DashboardQueryForm
from renewals.table import change_rows

PAGE_SIZE = 50
TEMPLATE = "renewals/dashboard.html"


def _context(request, query: DashboardQueryForm, columns_form: ColumnsForm, chosen, shown):
    today = dates.today()
    context = {
        "query": query,
        "columns_form": columns_form,
        "shown": shown,
        "layout": "dashboard",
        "window_days": conf.window_days(),
        "urgent_days": conf.urgent_days(),
    }
    if query.is_valid():
        changes = queries.dashboard(
            request.user, today=today, shown=shown, search=query.cleaned_data["q"], sort=query.sort_key()
        )
        context["page"] = page = Paginator(changes, PAGE_SIZE).get_page(query.cleaned_data["page"])
        context["rows"] = change_rows(page.object_list)
        context["urgent_count"] = changes.deadline_within(days=conf.urgent_days(), today=today).count()
        context["sort"] = query.sort_key()
    return context


@require_GET
@login_required
@partner_required
def dashboard(request: HtmxHttpRequest):
    chosen = cols.available_keys(request, cols.chosen_keys(request.user))
    shown = cols.shown_columns(chosen)
    query = DashboardQueryForm(request.GET, shown=shown)
    columns_form = ColumnsForm(
        pickable=cols.pickable_columns(request), chosen=chosen,
        version=services.column_preference_version(request.user),
    )
    if query.is_valid():
        # Saving columns comes back to the same search and sort.
        columns_form.initial.update({"q": query.cleaned_data["q"], "sort": query.cleaned_data["sort"]})
    context = _context(request, query, columns_form, chosen, shown)
    template = TEMPLATE + "#results" if request.htmx else TEMPLATE
    return render(request, template, context, status=200 if query.is_valid() else 400)


def _columns_page(request, form: ColumnsForm, chosen, *, status):
    shown = cols.shown_columns(chosen)
    query = DashboardQueryForm({}, shown=shown)
    context = _context(request, query, form, chosen, shown) | {"columns_open": True}
    return render(request, TEMPLATE, context, status=status)


@require_POST
@login_required
@partner_required
def columns_save(request: HtmxHttpRequest):
    """Save the user's optional columns; a post without a locked column is refused (422), a stale one (409).

    Chosen columns of a switched-off feature are neither shown nor offered; they stay in the
    saved choice, to come back when the feature does.
    """
    saved = cols.chosen_keys(request.user)
    chosen = cols.available_keys(request, saved)
    form = ColumnsForm(request.POST, pickable=cols.pickable_columns(request), chosen=chosen)
    if not form.is_valid():
        return _columns_page(request, form, chosen, status=422)
    kept = [key for key in saved if key not in chosen]
    try:
        services.column_preference_save(
            user=request.user, columns=form.cleaned_data["columns"] + kept, version=form.cleaned_data["version"]
        )
    except ValidationError as error:
        # The saved choice (from the other tab) is shown, read at its version, so choosing again can save.
        request.user.refresh_from_db()
        chosen = cols.available_keys(request, cols.chosen_keys(request.user))
        data = {
            "columns": [c.key for c in cols.LOCKED] + chosen, "q": form.cleaned_data["q"],
            "sort": form.cleaned_data["sort"], "version": services.column_preference_version(request.user),
        }
        fresh = ColumnsForm(data, pickable=cols.pickable_columns(request), chosen=chosen)
        fresh.is_valid()
        fresh.add_error(None, error)
        return _columns_page(request, fresh, chosen, status=409)
    params = {"q": form.cleaned_data["q"]} if form.cleaned_data["q"] else {}
    sort = form.cleaned_data["sort"]
    if sort.removeprefix("-") in {c.key for c in cols.shown_columns(form.cleaned_data["columns"])}:
        params["sort"] = sort
    url = reverse("renewals:dashboard") + (f"?{urlencode(params)}" if params else "")
    return redirect(url)
