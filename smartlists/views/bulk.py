"""Bulk actions on a smart list's rows: the list's filters, parsed again from the posted query
string through the viewer's visibility gate (crm.bulk does the rest)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from crm.access import vendor_staff_required
from crm.http import HtmxHttpRequest
from crm.views.bulk import bulk_action
from smartlists import bulk as smartlist_bulk
from smartlists.models import SmartList


@require_POST
@login_required
@vendor_staff_required
def bulk(request: HtmxHttpRequest, pk: int):
    smartlist = get_object_or_404(SmartList.objects.visible_to(request.user), pk=pk)
    return bulk_action(
        request, source=smartlist_bulk.SOURCE, source_pk=smartlist.pk, list_name=smartlist.display_name,
        list_url=smartlist.get_absolute_url(), action_url=request.path,
        matching=lambda params: smartlist_bulk.matching(request.user, smartlist, params, request=request),
        export=lambda rows: smartlist_bulk.export_response(request.user, smartlist, rows),
    )
