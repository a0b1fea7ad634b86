"""In-place actions on one contract change: each answers the row as it is now."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from crm import dates
from crm.formats import Formats
from crm.http import HtmxHttpRequest
from renewals import columns as cols
from renewals import queries, services
from renewals.forms import ActionForm, CommunicationOwnerForm, PrimaryContactForm, layout_of
from renewals.models import ContractChange
from renewals.table import ChangeRow

ROW_TEMPLATE = "renewals/_changes_table.html#row"


def _visible_change(request, pk: int) -> ContractChange:
    return get_object_or_404(ContractChange.objects.visible_to(request.user).select_related("customer"), pk=pk)


def _row(request: HtmxHttpRequest, change: ContractChange, layout: str, *, error=None, form=None, status=200):
    """The row again, read through the same query as the table it sits in."""
    if not request.htmx and status == 200:
        if layout == "customer":
            return redirect("renewals:customer", pk=change.customer_id)
        return redirect("renewals:dashboard")
    if layout == "customer":
        shown = queries.CUSTOMER_COLUMNS
    else:
        shown = cols.shown_columns(cols.available_keys(request, cols.chosen_keys(request.user)))
    row = queries.changes_for(request.user, today=dates.today(), shown=shown).get(pk=change.pk)
    context = {"row": ChangeRow(row, Formats()), "shown": shown, "layout": layout, "row_error": error, "row_form": form}
    response = render(request, ROW_TEMPLATE, context, status=status)
    if status == 200:
        # For any region that shows this change elsewhere; the row itself is already swapped.
        response["HX-Trigger"] = "contractChangeSaved"
    return response


def _act(request, change, form, action):
    layout = layout_of(request.POST)
    if not form.is_valid():
        return _row(request, change, layout, form=form, status=422)
    try:
        action(form.cleaned_data)
    except services.Conflict as conflict:
        return _row(request, change, layout, error=str(conflict), status=422)
    return _row(request, change, layout)


@require_POST
@login_required
def change_primary_contact(request: HtmxHttpRequest, pk: int):
    change = _visible_change(request, pk)
    form = PrimaryContactForm(request.POST, change=change, user=request.user)
    return _act(request, change, form, lambda data: services.contract_change_set_primary_contact(
        change=change, contact=data["primary_contact"], version=data["version"], by=request.user))


@require_POST
@login_required
def change_communication_owner(request: HtmxHttpRequest, pk: int):
    change = _visible_change(request, pk)
    form = CommunicationOwnerForm(request.POST)
    return _act(request, change, form, lambda data: services.contract_change_set_communication_owner(
        change=change, owner=data["owner"], version=data["version"], by=request.user))


@require_POST
@login_required
def change_agreed(request: HtmxHttpRequest, pk: int):
    change = _visible_change(request, pk)
    return _act(request, change, ActionForm(request.POST), lambda data: services.contract_change_record_agreement(
        change=change, version=data["version"], by=request.user))


@require_POST
@login_required
def change_cancellation(request: HtmxHttpRequest, pk: int):
    change = _visible_change(request, pk)
    return _act(request, change, ActionForm(request.POST), lambda data: services.contract_change_record_cancellation(
        change=change, version=data["version"], by=request.user))
