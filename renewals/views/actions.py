"""A contract change's row menu, and the in-place actions in it: each answers the row as it is now."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm import dates
from crm.formats import Formats
from crm.http import HtmxHttpRequest
from renewals import columns as cols
from renewals import queries, services
from renewals.forms import ActionForm, CommunicationOwnerForm, PrimaryContactForm, layout_of
from renewals.models import CommunicationOwner, ContractChange
from renewals.table import ChangeRow

ROW_TEMPLATE = "renewals/_changes_table.html#row"
MENU_TEMPLATE = "renewals/_change_menu.html"


def _visible_change(request, pk: int) -> ContractChange:
    return get_object_or_404(ContractChange.objects.visible_to(request.user).select_related("customer"), pk=pk)


def _shown(request, layout: str):
    if layout == "customer":
        return queries.CUSTOMER_COLUMNS
    return cols.shown_columns(cols.available_keys(request, cols.chosen_keys(request.user)))


def _read_row(request, change: ContractChange, shown) -> ChangeRow:
    """The row read through the same query as the table it sits in."""
    today = dates.today()
    row = queries.changes_for(request.user, today=today, shown=shown).get(pk=change.pk)
    return ChangeRow(row, Formats(), today=today, shown_keys={column.key for column in shown})


def _menu_context(request, change: ContractChange) -> dict:
    """What the menu offers: the owners, and the customer's people `request.user` may see."""
    return {
        "owners": CommunicationOwner.choices,
        "people": queries.customer_people(change.customer, request.user).order_by("name", "pk"),
    }


@require_GET
@login_required
def change_menu(request: HtmxHttpRequest, pk: int):
    """The row's menu, read when it opens; without JavaScript, a page of its own."""
    # One read through the gate, with no column: the menu shows none.
    change = get_object_or_404(queries.changes_for(request.user, today=dates.today(), shown=[]), pk=pk)
    row = ChangeRow(change, Formats(), today=dates.today())
    context = {"row": row, "layout": layout_of(request.GET)} | _menu_context(request, change)
    return render(request, MENU_TEMPLATE if request.htmx else "renewals/change_menu.html", context)


def _row(request: HtmxHttpRequest, change: ContractChange, layout: str, *, message="", error=None, form=None, status=200):
    """The row again: saved, with `message` (focus goes there); refused, with its menu open on the error."""
    if not request.htmx and status == 200:
        if layout == "customer":
            return redirect("renewals:customer", pk=change.customer_id)
        return redirect("renewals:dashboard")
    shown = _shown(request, layout)
    context = {"row": _read_row(request, change, shown), "shown": shown, "layout": layout, "row_message": message}
    if status != 200:
        context |= {"menu_open": True, "row_error": error, "row_form": form} | _menu_context(request, change)
    # Without JavaScript a refusal shows the menu's own page with the error.
    response = render(request, ROW_TEMPLATE if request.htmx else "renewals/change_menu.html", context, status=status)
    if status == 200:
        # For any region that shows this change elsewhere; the row itself is already swapped.
        response["HX-Trigger"] = "contractChangeSaved"
    return response


def _act(request, change, form, action, message: str):
    layout = layout_of(request.POST)
    if not form.is_valid():
        return _row(request, change, layout, form=form, status=422)
    try:
        action(form.cleaned_data)
    except services.Conflict as conflict:
        return _row(request, change, layout, error=str(conflict), status=422)
    return _row(request, change, layout, message=message)


@require_POST
@login_required
def change_primary_contact(request: HtmxHttpRequest, pk: int):
    change = _visible_change(request, pk)
    form = PrimaryContactForm(request.POST, change=change, user=request.user)
    return _act(request, change, form, lambda data: services.contract_change_set_primary_contact(
        change=change, contact=data["primary_contact"], version=data["version"], by=request.user),
        _("Primary customer contact saved."))


@require_POST
@login_required
def change_communication_owner(request: HtmxHttpRequest, pk: int):
    change = _visible_change(request, pk)
    form = CommunicationOwnerForm(request.POST)
    return _act(request, change, form, lambda data: services.contract_change_set_communication_owner(
        change=change, owner=data["owner"], version=data["version"], by=request.user),
        _("Communication owner saved."))


@require_POST
@login_required
def change_agreed(request: HtmxHttpRequest, pk: int):
    change = _visible_change(request, pk)
    return _act(request, change, ActionForm(request.POST), lambda data: services.contract_change_record_agreement(
        change=change, version=data["version"], by=request.user), _("Customer agreement recorded."))


@require_POST
@login_required
def change_cancellation(request: HtmxHttpRequest, pk: int):
    change = _visible_change(request, pk)
    return _act(request, change, ActionForm(request.POST), lambda data: services.contract_change_record_cancellation(
        change=change, version=data["version"], by=request.user), _("Cancellation request recorded."))
