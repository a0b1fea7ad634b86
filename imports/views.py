"""The import pages: upload, map the columns, preview and check, import, follow its progress."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from crm import fields
from crm.access import role_required
from crm.http import HtmxHttpRequest
from crm.uploads import too_large_message, upload_stopped
from imports import services
from imports.forms import MappingForm, RunForm, UploadForm
from imports.models import Import, may_import

importer_required = role_required(may_import)


def _import_of(request, pk: int) -> Import:
    """The user's own import; one of a kind switched off since (a feature) does not exist for now."""
    imp = get_object_or_404(Import.objects.of(request.user), pk=pk)
    if imp.kind not in fields.import_targets(request):
        raise Http404
    return imp


@require_http_methods(["GET", "POST"])
@login_required
@importer_required
def index(request: HtmxHttpRequest):
    posted = request.method == "POST"
    form = UploadForm(request.POST if posted else None, request.FILES if posted else None, request=request)
    status = 200
    if posted and upload_stopped(request):
        # Its file passed the limit and was stopped there: the reason, not "no file was sent".
        form.is_valid()
        form.errors["file"] = form.error_class([too_large_message()])
        status = 413
    elif posted:
        if form.is_valid():
            try:
                imp = services.import_create(
                    by=request.user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"],
                    token=form.cleaned_data["submission"],
                )
            except ValidationError as error:
                form.add_error("file", error)
            else:
                return redirect("imports:mapping", pk=imp.pk)
        status = 422
    imports = Import.objects.of(request.user).filter(kind__in=fields.import_targets(request))[:20]
    return render(request, "imports/index.html", {"form": form, "imports": imports}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@importer_required
def mapping(request: HtmxHttpRequest, pk: int):
    imp = _import_of(request, pk)
    if not imp.may_remap:
        return redirect(imp)
    form = MappingForm(request.POST if request.method == "POST" else None, imp=imp, request=request)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.import_set_mapping(imp=imp, chosen=form.chosen(), version=form.cleaned_data["version"])
            except ValidationError as error:
                messages.error(request, error.messages[0])
                return redirect("imports:mapping", pk=imp.pk)
            return redirect(imp)
        return render(request, "imports/mapping.html", {"imp": imp, "form": form}, status=422)
    return render(request, "imports/mapping.html", {"imp": imp, "form": form})


@require_GET
@login_required
@importer_required
def detail(request: HtmxHttpRequest, pk: int):
    """The preview and validation report before the import; its progress and outcome after."""
    imp = _import_of(request, pk)
    if request.htmx and imp.status in (Import.Status.UPLOADED, Import.Status.CHECKED):
        # The check the progress bar was polling has ended: the whole page changes (its report, or
        # the mapping again), not just the bar.
        return HttpResponseClientRefresh()
    if imp.status == Import.Status.UPLOADED:
        return redirect("imports:mapping", pk=imp.pk)
    template = "imports/detail.html#progress" if request.htmx else "imports/detail.html"
    fields_by_key = {f.key: f.label for f in fields.importable(imp.kind, request)}
    columns = [(header, fields_by_key.get(imp.mapping.get(str(index), ""), "")) for index, header in enumerate(imp.headers)]
    return render(request, template, {
        "imp": imp, "columns": columns,
        "form": RunForm(initial={"mode": imp.mode, "version": imp.version}),
    })


@require_POST
@login_required
@importer_required
def run(request: HtmxHttpRequest, pk: int):
    imp = _import_of(request, pk)
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how to import."))
        return redirect(imp)
    if not imp.may_run:
        return redirect(imp)
    try:
        services.import_start(imp=imp, mode=form.cleaned_data["mode"], version=form.cleaned_data["version"])
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect(imp)


@require_POST
@login_required
@importer_required
def cancel(request: HtmxHttpRequest, pk: int):
    imp = _import_of(request, pk)
    services.import_cancel(imp=imp)
    return redirect(imp)


@require_GET
@login_required
@importer_required
def rejected(request: HtmxHttpRequest, pk: int):
    """The rows with errors, as CSV, each with its line and reasons: fix them and import that file."""
    imp = _import_of(request, pk)
    if imp.status in (Import.Status.UPLOADED, Import.Status.CHECKING) or not imp.has_file:
        raise Http404
    response = StreamingHttpResponse(services.rejected_csv(imp), content_type="text/csv; charset=utf-8")
    name = imp.file_name.rsplit(".", 1)[0] or "import"
    response["Content-Disposition"] = content_disposition_header(True, f"{name}-rejected.csv")
    return response
