"""A contract change's row menu, and the in-place actions in it: each answers the row as it is now."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from crm import dates
from crm.http import HtmxHttpRequest
from renewals import columns as cols
from renewals import queries, services, table
from renewals.forms import ActionForm, CommunicationOwnerForm, PrimaryContactForm, TakeBackForm, layout_of
from renewals.models import CommunicationOwner, ContractChange

ROW_TEMPLATE = "renewals/_changes_table.html#row"
MENU_TEMPLATE = "renewals/_change_menu.html"


def _visible_change(request, pk: int) -> ContractChange:
    return get_object_or_404(ContractChange.objects.visible_to(request.user).select_related("customer"), pk=pk)


def _shown(request, layout: str):
    if layout == "customer":
        return queries.CUSTOMER_COLUMNS
    return cols.shown_columns(cols.available_keys(request, cols.chosen_keys(request.user)))


def _read_row(request, pk: int, shown, layout: str) -> dict:
    """The row, with what its menu needs, read through the same query as the table it sits in;
    404 for a change the viewer may not see."""
    today = dates.today()
    changes = table.values_for(queries.changes_for(request.user, today=today, shown=shown).filter(pk=pk), shown)
    [row] = table.change_rows([get_object_or_404(changes)], today=today, shown=shown, user=request.user,
                              layout=layout, menu=True)
    return row


def _menu_context(pk: int) -> dict:
    """What the menu offers: the owners (the primary contact is chosen in its own cell); and what
    it shows: the change's history (the row was read through the gate first)."""
    return {"owners": CommunicationOwner.choices, "history": table.history_rows(queries.change_history(pk))}


@require_GET
@login_required
def change_menu(request: HtmxHttpRequest, pk: int):
    """The row's menu, read when it opens; without JavaScript, a page of its own."""
    # One read through the gate, with no column: the menu shows none.
    layout = layout_of(request.GET)
    row = _read_row(request, pk, shown=[], layout=layout)
    context = {"row": row, "layout": layout} | _menu_context(pk)
    return render(request, MENU_TEMPLATE if request.htmx else "renewals/change_menu.html", context)


def _row(request: HtmxHttpRequest, change: ContractChange, layout: str, *, message="", error=None, form=None, status=200,
         place="menu", undo=None):
    """The row again: saved, with `message` (and an "Undo" of the fact `undo` it recorded); refused,
    with the error where the person acted: in the menu, opened on it, or in the primary contact's
    cell (`place`). A message or an error in the menu takes focus; in the cell, focus stays on its
    dropdown and only an error takes it."""
    if not request.htmx and status == 200:
        if layout == "customer":
            return redirect("renewals:customer", pk=change.customer_id)
        return redirect("renewals:dashboard")
    shown = _shown(request, layout)
    row = _read_row(request, change.pk, shown, layout)
    row["contact_message" if place == "contact" else "message"] = message
    row["undo"] = undo
    context = {"row": row, "shown": shown, "show": cols.shown_flags(shown), "layout": layout}
    if status != 200:
        context |= {"row_error": error, "row_form": form}
        if place == "menu" or not request.htmx:  # the menu is shown: opened in the row, or its own page
            context |= _menu_context(change.pk)
        if place == "contact":
            row["contact_errors"] = [error] if error else [e for errors in form.errors.values() for e in errors]
        else:
            row["menu_open"] = True
    # Without JavaScript a refusal shows the menu's own page with the error.
    response = render(request, ROW_TEMPLATE if request.htmx else "renewals/change_menu.html", context, status=status)
    if status == 200:
        # For any region that shows this change elsewhere; the row itself is already swapped.
        response["HX-Trigger"] = "contractChangeSaved"
    return response


def _act(request, change, form, action, message: str, place="menu", undo=None):
    layout = layout_of(request.POST)
    if not form.is_valid():
        return _row(request, change, layout, form=form, status=422, place=place)
    try:
        action(form.cleaned_data)
    except services.Conflict as conflict:
        return _row(request, change, layout, error=str(conflict), status=422, place=place)
    return _row(request, change, layout, message=message, place=place, undo=undo)


@require_POST
@login_required
def change_primary_contact(request: HtmxHttpRequest, pk: int):
    change = _visible_change(request, pk)
    form = PrimaryContactForm(request.POST, change=change, user=request.user)
    return _act(request, change, form, lambda data: services.contract_change_set_primary_contact(
        change=change, contact=data["primary_contact"], version=data["version"], by=request.user),
        _("Primary customer contact saved."), place="contact")


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
        change=change, version=data["version"], by=request.user), _("Customer agreement recorded."), undo="agreed")


@require_POST
@login_required
def change_cancellation(request: HtmxHttpRequest, pk: int):
    change = _visible_change(request, pk)
    return _act(request, change, ActionForm(request.POST), lambda data: services.contract_change_record_cancellation(
        change=change, version=data["version"], by=request.user), _("Cancellation request recorded."),
        undo="cancellation_requested")


TAKEN_BACK_MESSAGES = {"agreed": _lazy("Customer agreement taken back."), "cancellation_requested": _lazy("Cancellation request taken back.")}


@require_POST
@login_required
def change_take_back(request: HtmxHttpRequest, pk: int):
    """"Undo" of a fact recorded by mistake: the status is as it was before, and the history says so."""
    change = _visible_change(request, pk)
    form = TakeBackForm(request.POST)
    message = str(TAKEN_BACK_MESSAGES[form.cleaned_data["fact"]]) if form.is_valid() else ""
    return _act(request, change, form, lambda data: services.contract_change_take_back(
        change=change, fact=data["fact"], version=data["version"], by=request.user), message)
