"""The partner dashboard, tab "Upcoming renewals", and its column configuration."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from crm import dates
from crm.access import partner_or_admin_required, partner_required
from crm.http import HtmxHttpRequest
from renewals import columns as cols
from renewals import conf, queries, services, table
from renewals.forms import ColumnsForm, DashboardQueryForm, PartnerChoiceForm

PAGE_SIZE = 50
TEMPLATE = "renewals/dashboard.html"


def _context(request, query: DashboardQueryForm, columns_form: ColumnsForm, shown, *, partner=None, chooser=None):
    today = dates.today()
    context = {
        "partner": partner,
        "chooser": chooser,
        # Only a partner acts on their rows here; an admin reads (tests/test_permission_matrix.py).
        "read_only": not request.user.is_partner,
        "query": query,
        "columns_form": columns_form,
        "shown": shown,
        "show": cols.shown_flags(shown),
        "layout": "dashboard",
        "window_days": conf.window_days(),
        "urgent_days": conf.urgent_days(),
    }
    if query.is_valid():
        changes = queries.dashboard(
            request.user, today=today, shown=shown, search=query.cleaned_data["q"], sort=query.sort_key(),
            partner=partner,
        )
        counts = changes.counts(urgent_days=conf.urgent_days(), today=today)
        paginator = Paginator(table.values_for(changes, shown), PAGE_SIZE)
        paginator.count = counts["total"]  # read with the urgent count: one query for both
        context["page"] = page = paginator.get_page(query.cleaned_data["page"])
        context["rows"] = table.change_rows(page.object_list, today=today, shown=shown, user=request.user,
                                           layout="dashboard")
        context["urgent_count"] = counts["urgent"]
        context["sort"] = query.sort_key()
    return context


@require_GET
@login_required
@partner_or_admin_required
def dashboard(request: HtmxHttpRequest):
    """A partner's dashboard; an admin chooses whose to read (`?partner=`), and reads it without
    its actions. A partner the viewer may not open is 404."""
    chooser = PartnerChoiceForm(request.GET, user=request.user)
    if not chooser.is_valid():
        raise Http404
    partner = chooser.cleaned_data["partner"]
    if request.user.is_partner:
        chooser = None  # a partner's dashboard is their own: nothing to choose
    elif partner is None:
        return render(request, TEMPLATE, {"chooser": chooser})  # an admin has no dashboard of their own
    chosen = cols.available_keys(request, cols.chosen_keys(request.user))
    shown = cols.shown_columns(chosen)
    query = DashboardQueryForm(request.GET, shown=shown)
    # The version of the same saved row `chosen_keys` read: the preference is read once.
    columns_form = ColumnsForm(pickable=cols.pickable_columns(request), chosen=chosen, version=cols.saved_version(request.user))
    if query.is_valid():
        # Saving columns comes back to the same search and sort.
        columns_form.initial.update({"q": query.cleaned_data["q"], "sort": query.cleaned_data["sort"]})
    context = _context(request, query, columns_form, shown, partner=partner, chooser=chooser)
    template = TEMPLATE + "#results" if request.htmx else TEMPLATE
    return render(request, template, context, status=200 if query.is_valid() else 400)


def _params(chosen, q: str, sort: str) -> dict:
    """The dashboard's query string after a column change: the search, and the sort while its column is shown."""
    params = {"q": q} if q else {}
    if sort.removeprefix("-") in {c.key for c in cols.shown_columns(chosen)}:
        params["sort"] = sort
    return params


def _columns_page(request, form: ColumnsForm, chosen, *, q: str, sort: str, status, saved=False):
    """The dashboard after a column change, at the same search and sort: with htmx its results
    (focus goes to the message, or to the errors in the reopened picker), else the whole page."""
    shown = cols.shown_columns(chosen)
    params = _params(chosen, q, sort)
    query = DashboardQueryForm(QueryDict(urlencode(params)), shown=shown)
    context = _context(request, query, form, shown) | {"columns_open": not saved, "columns_saved": saved}
    template = TEMPLATE + "#results" if request.htmx else TEMPLATE
    response = render(request, template, context, status=status)
    if request.htmx and saved:
        response["HX-Replace-Url"] = _dashboard_url(params)
    return response


def _dashboard_url(params: dict) -> str:
    return reverse("renewals:dashboard") + (f"?{urlencode(params)}" if params else "")


@require_POST
@login_required
@partner_required
def columns_save(request: HtmxHttpRequest):
    """Save the user's optional columns; a post without a locked column is refused (422), a stale one (409).

    Chosen columns of a switched-off feature are neither shown nor offered; they stay in the
    saved choice, to come back when the feature does. Without htmx a save redirects to the dashboard;
    with htmx it answers the dashboard's results, as a search does.
    """
    saved = cols.chosen_keys(request.user)
    chosen = cols.available_keys(request, saved)
    form = ColumnsForm(request.POST, pickable=cols.pickable_columns(request), chosen=chosen)
    if not form.is_valid():
        q, sort = form.cleaned_data.get("q", ""), form.cleaned_data.get("sort", "")
        return _columns_page(request, form, chosen, q=q, sort=sort, status=422)
    q, sort = form.cleaned_data["q"], form.cleaned_data["sort"]
    kept = [key for key in saved if key not in chosen]
    try:
        preference = services.column_preference_save(
            user=request.user, columns=form.cleaned_data["columns"] + kept, version=form.cleaned_data["version"]
        )
    except ValidationError as error:
        # The saved choice (from the other tab) is shown, read at its version, so choosing again can save.
        request.user.refresh_from_db()
        chosen = cols.available_keys(request, cols.chosen_keys(request.user))
        data = {"columns": [c.key for c in cols.LOCKED] + chosen, "q": q, "sort": sort,
                "version": cols.saved_version(request.user)}
        fresh = ColumnsForm(data, pickable=cols.pickable_columns(request), chosen=chosen)
        fresh.is_valid()
        fresh.add_error(None, error)
        return _columns_page(request, fresh, chosen, q=q, sort=sort, status=409)
    chosen = form.cleaned_data["columns"]
    if request.htmx:
        fresh = ColumnsForm(pickable=cols.pickable_columns(request), chosen=chosen, version=preference.version)
        fresh.initial.update(_params(chosen, q, sort))
        return _columns_page(request, fresh, chosen, q=q, sort=sort, status=200, saved=True)
    return redirect(_dashboard_url(_params(chosen, q, sort)))
