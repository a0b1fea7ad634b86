from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET


@require_GET
@login_required
def floor(request):
    """The floor: a logged-in request through the whole middleware stack that does nothing else.

    Every page of the product pays for the session and the user lookup too, so this is the fastest
    any of them can be on this stack.
    """
    return HttpResponse(f"ok {request.user.pk}", content_type="text/plain")


@require_GET
@login_required
def import_export(request, pk: int):
    """The peer: django-import-export writing a smart list's own queryset (the export's rows) as CSV.

    Only processes started with bench.settings route here; it needs the `bench` extra installed.
    """
    from django.shortcuts import get_object_or_404
    from import_export import fields, resources

    from smartlists.models import SmartList
    from smartlists.listing import list_listing, list_state

    smartlist = get_object_or_404(SmartList.objects.visible_to(request.user), pk=pk)
    params, sort = list_state(request, smartlist)
    result = list_listing(request, smartlist, params, sort)
    declared = {f.key: fields.Field(attribute=f.key, column_name=str(f.label)) for f in result.columns}
    resource = type("SmartListResource", (resources.Resource,), declared)()
    rows = int(request.GET.get("rows") or 100_000)
    dataset = resource.export(queryset=result.queryset[:rows])
    return HttpResponse(dataset.csv, content_type="text/csv; charset=utf-8")
