from django.conf import settings
from django.core.exceptions import ValidationError
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from crm.access import vendor_staff_required
from crm.dates import today
from crm.http import HtmxHttpRequest
from crm.submissions import new_token
from smartlists import services
from crm import fields
from smartlists.export import csv_chunks, file_name, reimport_chunks
from smartlists.forms import ExportForm, ListStateForm
from smartlists.models import ExportJob, SmartList
from smartlists.queries import only_filters
from smartlists.listing import list_listing, list_state
from smartlists.views.page import render_list


@require_GET
@login_required
@vendor_staff_required
def export_csv(request: HtmxHttpRequest, pk: int):
    """The list as CSV, streamed; too many rows for one request, and the user is offered a background job."""
    smartlist = get_object_or_404(SmartList.objects.visible_to(request.user), pk=pk)
    params, sort = list_state(request, smartlist)
    result = list_listing(request, smartlist, params, sort)
    form = ExportForm(request.GET)
    if not result.is_valid or not form.is_valid():
        return render_list(request, smartlist, params, sort)
    bom = form.cleaned_data["bom"]
    if form.cleaned_data["reimport"]:
        # Streamed whatever its length (COPY in constant memory): the background job writes the list's columns.
        response = StreamingHttpResponse(
            reimport_chunks(result.queryset, fields.importable("contacts", request), bom=bom),
            content_type="text/csv; charset=utf-8",
        )
        name = file_name(smartlist.display_name, today()).removesuffix(".csv") + "-reimport.csv"
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response
    total = result.queryset.count()
    if total > settings.SMARTLIST_EXPORT_ASYNC_ROWS:
        return render(
            request,
            "smartlists/export_large.html",
            {
                "smartlist": smartlist, "total": total, "query": params.urlencode(), "sort": result.sort, "bom": bom,
                "submission": new_token(),
            },
        )
    response = StreamingHttpResponse(
        csv_chunks(result.queryset, result.columns, bom=bom), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, file_name(smartlist.display_name, today()))
    return response


@require_POST
@login_required
@vendor_staff_required
def export_start(request: HtmxHttpRequest, pk: int):
    """Record a background export of what the page shows, and follow its progress."""
    smartlist = get_object_or_404(SmartList.objects.visible_to(request.user), pk=pk)
    state, export = ListStateForm(request.POST), ExportForm(request.POST)
    if not (state.is_valid() and export.is_valid()):
        return render(request, "smartlists/form_errors.html", {"form": state}, status=400)
    params, sort = only_filters(QueryDict(state.cleaned_data["query"])), state.cleaned_data["sort"] or smartlist.sort
    result = list_listing(request, smartlist, params, sort)
    if not result.is_valid:
        return render_list(request, smartlist, params, sort)
    try:
        job = services.export_job_create(
            smartlist=smartlist,
            by=request.user,
            query=params.urlencode(),
            sort=result.sort,
            bom=export.cleaned_data["bom"],
            total_rows=result.queryset.count(),
            token=export.cleaned_data["submission"],
        )
    except ValidationError as error:  # a token that made someone else's job
        export.add_error(None, error)
        return render(request, "smartlists/form_errors.html", {"form": export}, status=400)
    # The same submission posted again lands here too, on the job the first one made.
    return redirect(job)


@require_GET
@login_required
def export_job(request: HtmxHttpRequest, pk: int):
    job = get_object_or_404(ExportJob.objects.filter(owner=request.user), pk=pk)
    template = "smartlists/export_job.html#progress" if request.htmx else "smartlists/export_job.html"
    return render(request, template, {"job": job})


@require_GET
@login_required
def export_download(request: HtmxHttpRequest, pk: int):
    job = get_object_or_404(ExportJob.objects.downloadable_by(request.user), pk=pk)
    path = services.export_path(job)
    if not path.exists():
        raise Http404
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=job.download_name, content_type="text/csv; charset=utf-8"
    )
