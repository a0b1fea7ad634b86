from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm import features
from crm.access import vendor_staff_required
from crm.features import feature_required
from crm.http import HtmxHttpRequest
from smartlists import services
from smartlists.forms import ColumnsForm, ListWriteForm, SmartListForm
from smartlists.models import ExportJob, SmartList
from smartlists.queries import only_filters
from smartlists.listing import list_listing, list_state
from smartlists.views.page import render_list


@require_GET
@login_required
@vendor_staff_required
def index(request: HtmxHttpRequest):
    smartlists = SmartList.objects.visible_to(request.user).select_related("owner")
    subscriptions_on = features.is_active("subscriptions", request)
    return render(
        request,
        "smartlists/index.html",
        {
            "smartlists": smartlists,
            "offer_ready_made": subscriptions_on
            and not SmartList.objects.filter(owner=request.user, preset=SmartList.Preset.ENDING_90).exists(),
            "exports": ExportJob.objects.filter(owner=request.user).exclude(status=ExportJob.Status.EXPIRED)[:10],
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
@vendor_staff_required
def create(request: HtmxHttpRequest):
    form = SmartListForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                smartlist = services.smartlist_create(
                    owner=request.user, name=data["name"], shared=data["shared"], token=data["submission"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                # The same submission posted again lands here too, on the list the first one made.
                messages.success(request, _("Smart list “%(name)s” created.") % {"name": smartlist.display_name})
                return redirect(smartlist)
        return render(request, "smartlists/smartlist_form.html", {"form": form}, status=422)
    return render(request, "smartlists/smartlist_form.html", {"form": form})


@require_POST
@login_required
@vendor_staff_required
@feature_required("subscriptions")
def ready_made(request: HtmxHttpRequest):
    return redirect(services.smartlist_ready_made(owner=request.user))


@require_GET
@login_required
@vendor_staff_required
@feature_required("subscriptions")
def pipeline(request: HtmxHttpRequest):
    """A figure of the pipeline report, opened: the person's pipeline list, with the figure's filters.

    A GET, as a link is: the list is made the first time, once per person (like a default view),
    and answers the same way after that."""
    return _open_preset(request, services.smartlist_pipeline(owner=request.user))


@require_GET
@login_required
@vendor_staff_required
@feature_required("subscriptions")
def movements(request: HtmxHttpRequest):
    """A figure of the MRR movements report, opened: the person's movements list, with the
    figure's filters (made the first time, as the pipeline's)."""
    return _open_preset(request, services.smartlist_movements(owner=request.user))


def _open_preset(request, smartlist):
    query = only_filters(request.GET).urlencode()
    return redirect(smartlist.get_absolute_url() + (f"?{query}" if query else ""))


@require_GET
@login_required
@vendor_staff_required
def detail(request: HtmxHttpRequest, pk: int):
    smartlist = get_object_or_404(SmartList.objects.visible_to(request.user).select_related("owner"), pk=pk)
    params, sort = list_state(request, smartlist)
    return render_list(request, smartlist, params, sort)


@require_http_methods(["GET", "POST"])
@login_required
def edit(request: HtmxHttpRequest, pk: int):
    smartlist = get_object_or_404(SmartList.objects.editable_by(request.user), pk=pk)
    form = SmartListForm(request.POST or None, instance=smartlist)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.smartlist_update(smartlist=smartlist, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
                theirs = SmartList.objects.get(pk=smartlist.pk)
                return render(request, "smartlists/smartlist_form.html", {"form": form, "theirs": theirs}, status=409)
            messages.success(request, _("Smart list saved."))
            return redirect(smartlist)
        return render(request, "smartlists/smartlist_form.html", {"form": form}, status=422)
    return render(request, "smartlists/smartlist_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def delete(request: HtmxHttpRequest, pk: int):
    """GET asks for confirmation (a page of its own, no script needed); only the POST of that page deletes."""
    smartlist = get_object_or_404(SmartList.objects.editable_by(request.user), pk=pk)
    if request.method == "POST":
        name = smartlist.display_name
        services.smartlist_delete(smartlist=smartlist)
        messages.success(request, _("Smart list “%(name)s” deleted.") % {"name": name})
        return redirect("smartlists:index")
    return render(request, "smartlists/smartlist_confirm_delete.html", {"smartlist": smartlist})


@require_POST
@login_required
def columns(request: HtmxHttpRequest, pk: int):
    """The column picker: one step at a time, saved to the list, the region re-rendered as it was filtered.

    Each step carries the version of the list it was read at: a step taken on columns that another
    tab or person has changed since is refused (409) and the region shows the saved columns again.
    """
    smartlist = get_object_or_404(SmartList.objects.editable_by(request.user), pk=pk)
    form = ColumnsForm(request.POST, smartlist=smartlist, request=request)
    valid = form.is_valid()
    if form.is_stale(smartlist):  # before the step's own checks: its columns may be gone
        return _refused_columns(request, smartlist, form, services.stale_columns_error())
    if not valid:
        return render(request, "smartlists/form_errors.html", {"form": form}, status=400)
    params = only_filters(QueryDict(form.cleaned_data["query"]))
    sort = form.cleaned_data["sort"] or smartlist.sort
    if not list_listing(request, smartlist, params, sort).is_valid:
        # refused as a whole: the columns are not saved behind an error answer
        return render_list(request, smartlist, params, sort, region_only=True)
    try:
        services.smartlist_set_columns(
            smartlist=smartlist, columns=form.cleaned_data["columns"], version=form.cleaned_data["version"]
        )
    except ValidationError as error:  # saved by someone else between the check above and now
        return _refused_columns(request, smartlist, form, error)
    if request.htmx:
        step = next((name for name in ("add", "remove", "up", "down") if form.cleaned_data.get(name)), "")
        return render_list(request, smartlist, params, sort, region_only=True, column_step=step)
    return redirect(reverse("smartlists:detail", args=[smartlist.pk]) + "?" + _state(params, sort))


def _refused_columns(request: HtmxHttpRequest, smartlist: SmartList, form: ColumnsForm, error: ValidationError):
    """The list as the refused picker showed it (its filters), with the columns saved now and their version."""
    smartlist.refresh_from_db()
    params = only_filters(QueryDict(form.cleaned_data.get("query") or ""))
    sort = form.cleaned_data.get("sort") or smartlist.sort
    return render_list(
        request, smartlist, params, sort, region_only=bool(request.htmx), picker_open=True, refused=error.messages
    )


@require_POST
@login_required
def save_filters(request: HtmxHttpRequest, pk: int):
    """Keep the filters and sort the page shows as the list's own; invalid ones are refused, never saved.

    A page read at an older version of the list than the saved one is refused (409) and shows the
    list with its saved filters: the other tab's or person's.
    """
    smartlist = get_object_or_404(SmartList.objects.editable_by(request.user), pk=pk)
    form = ListWriteForm(request.POST)
    valid = form.is_valid()
    if form.is_stale(smartlist):
        return _refused_filters(request, smartlist, services.stale_filters_error())
    if not valid:
        return render(request, "smartlists/form_errors.html", {"form": form}, status=400)
    params, sort = only_filters(QueryDict(form.cleaned_data["query"])), form.cleaned_data["sort"] or smartlist.sort
    result = list_listing(request, smartlist, params, sort)
    if not result.is_valid:
        return render_list(request, smartlist, params, sort)
    try:
        services.smartlist_save_filters(
            smartlist=smartlist, query=params.urlencode(), sort=result.sort, version=form.cleaned_data["version"]
        )
    except ValidationError as error:
        return _refused_filters(request, smartlist, error)
    messages.success(request, _("Filters saved."))
    return redirect(smartlist)


def _refused_filters(request: HtmxHttpRequest, smartlist: SmartList, error: ValidationError):
    smartlist.refresh_from_db()
    return render_list(request, smartlist, QueryDict(smartlist.query), smartlist.sort, refused=error.messages)


def _state(params: QueryDict, sort: str) -> str:
    state = params.copy()
    state["sort"] = sort
    return state.urlencode()
