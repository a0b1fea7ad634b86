"""Bulk actions from a list page: the contact list here, smart lists through `bulk_action`.

One POST URL per list. Without `confirmed` it answers the confirmation (the exact number of rows
the action changes, counted now); with it, the action runs, or is recorded as a background job
when it changes more than BULK_ASYNC_ROWS rows. Export needs no confirmation: it is the list's
CSV of the selected rows. Bad input is a 400 with the reason, and writes nothing.
"""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from crm import bulk
from crm.access import vendor_staff_required
from crm.filters import ContactFilter
from crm.forms import BulkForm, OwnerChoiceForm
from crm.http import HtmxHttpRequest
from crm.models import BulkJob, Tag
from crm.submissions import new_token

TEMPLATE = "crm/bulk_confirm.html"
OWNER_TEMPLATE = "crm/_bulk_owner.html"


def _page(request, context: dict, *, status: int = 200):
    template = TEMPLATE + "#confirm" if request.htmx else TEMPLATE
    return render(request, template, context, status=status)


def _done_message(plan: bulk.Plan, changed: int) -> str:
    values = {"count": formats.number_format(changed, force_grouping=True), "tag": plan.tag}
    if plan.action == bulk.OWNER:
        return ngettext("Owner changed on %(count)s contact.", "Owner changed on %(count)s contacts.", changed) % values
    if plan.action == bulk.TAG_ADD:
        return ngettext("Tag “%(tag)s” added to %(count)s contact.", "Tag “%(tag)s” added to %(count)s contacts.",
                        changed) % values
    if plan.action == bulk.TAG_REMOVE:
        return ngettext("Tag “%(tag)s” removed from %(count)s contact.",
                        "Tag “%(tag)s” removed from %(count)s contacts.", changed) % values
    return ngettext("%(count)s contact deleted.", "%(count)s contacts deleted.", changed) % values


def bulk_action(
    request: HtmxHttpRequest, *, source: str, source_pk: int | None, list_name: str, list_url: str,
    action_url: str, matching: Callable[[QueryDict], QuerySet], export: Callable[[QuerySet], object] | None,
):
    """The shared body of a list's bulk POST. `matching(params)` gives the list's visible, filtered
    rows for the submitted filters (or raises `bulk.BulkError`); `export(rows)` its CSV response."""
    form = BulkForm(request.POST, user=request.user, can_export=export is not None)
    context = {"form": form, "list_name": list_name, "list_url": list_url, "action_url": action_url}
    if not form.is_valid():
        return _page(request, context, status=400)
    data, plan = form.cleaned_data, form.plan()
    query = data["query"]
    back_url = list_url + (f"?{query}" if query else "")
    context["back_url"] = back_url
    try:
        bulk.refuse_unknown_filters(QueryDict(query), bulk.list_filter_parameters())
        rows = bulk.selection(matching(QueryDict(query)), ids=data["ids"], all_matching=data["all_matching"])
        if form.chooses_owner():
            return _owner_step(request, context, form, rows)
        bulk.check(plan, by=request.user)
    except bulk.BulkError as error:
        context["problem"] = str(error)
        return _page(request, context, status=400)
    if plan.action == bulk.EXPORT:
        return export(rows)
    if plan.action == bulk.TAG_REMOVE and not Tag.objects.filter(name=plan.tag).exists():
        context["problem"] = _("No tag is called “%(tag)s”.") % {"tag": plan.tag}
        return _page(request, context, status=400)
    affected = bulk.count(rows, plan)
    if not data["confirmed"]:
        context.update(plan=plan, affected=affected, submission=new_token(), ids=data["ids"],
                       all_matching=data["all_matching"], query=query, is_large=bulk.is_large(affected))
        return _page(request, context)
    if affected == 0:  # nothing to change: nothing written, not even a new tag
        messages.info(request, _("None of the selected contacts needed to change."))
        return redirect(back_url)
    if bulk.is_large(affected):
        try:
            job = bulk.job_create(
                by=request.user, plan=plan, source=source, source_pk=source_pk, query=query, ids=data["ids"],
                all_matching=data["all_matching"], rows=rows, counted=affected, back_url=back_url,
                token=data["submission"],
            )
        except ValidationError as error:  # a token that made someone else's job
            context["problem"] = " ".join(error.messages)
            return _page(request, context, status=400)
        return redirect(job)
    try:
        changed = bulk.apply(rows, plan, by=request.user)
    except bulk.BulkError as error:
        context["problem"] = str(error)
        return _page(request, context, status=400)
    messages.success(request, _done_message(plan, changed))
    return redirect(back_url)


def _owner_step(request, context: dict, form: BulkForm, rows):
    """The step that offers the new owner (searched, the first few listed) to a bar that posted none."""
    data = form.cleaned_data
    owners, more = bulk.owner_choices(request.user, search=data["owner_q"])
    context.update(choosing_owner=True, selected=rows.count(), ids=data["ids"], all_matching=data["all_matching"],
                   query=data["query"], owner_q=data["owner_q"], owners=owners, more=more,
                   shown=bulk.OWNER_CHOICES_SHOWN)
    return _page(request, context)


@require_GET
@login_required
@vendor_staff_required
def bulk_owner_choices(request: HtmxHttpRequest):
    """The bulk bar's owner control when "Change owner" is picked (for any other action, an empty
    slot), or, for a search typed in it, its list alone: only people the viewer may assign.
    It is a part of a list's page: opened on its own, it leads to the contact list."""
    if not request.htmx:
        return redirect("contact_list")
    form = OwnerChoiceForm(request.GET)
    searched = request.htmx.target == "bulk-owner-options"
    template = OWNER_TEMPLATE + ("#options" if searched else "#chooser")
    if not form.is_valid():
        return render(request, template, {"offered": True, "owner_form": form}, status=400)
    data = form.cleaned_data
    offered = searched or data["action"] == bulk.OWNER
    owners, more = bulk.owner_choices(request.user, search=data["owner_q"]) if offered else ([], False)
    return render(request, template, {
        "offered": offered, "owners": owners, "more": more, "owner_q": data["owner_q"], "shown": bulk.OWNER_CHOICES_SHOWN,
    })


def _contact_list_export(request):
    exporter = bulk.exporter()
    return None if exporter is None else (lambda rows: exporter(request, rows))


@require_POST
@login_required
@vendor_staff_required
def contact_bulk(request: HtmxHttpRequest):
    list_url = reverse("contact_list")
    return bulk_action(
        request, source="contacts", source_pk=None, list_name=_("Contacts"), list_url=list_url,
        action_url=reverse("contact_bulk"),
        matching=lambda params: bulk.contact_list_matching(request.user, None, params),
        export=_contact_list_export(request),
    )


@require_GET
@login_required
@vendor_staff_required
def bulk_job(request: HtmxHttpRequest, pk: int):
    job = get_object_or_404(BulkJob.objects.filter(owner=request.user), pk=pk)
    template = "crm/bulk_job.html#progress" if request.htmx else "crm/bulk_job.html"
    return render(request, template, {"job": job, "action_label": dict(bulk.ACTIONS).get(job.action, job.action)})


@require_POST
@login_required
@vendor_staff_required
def bulk_job_cancel(request: HtmxHttpRequest, pk: int):
    """Stop a waiting or running job of the user's own: nothing it did so far stays."""
    job = get_object_or_404(BulkJob.objects.filter(owner=request.user), pk=pk)
    job.request_cancel()
    return redirect(job)


def contact_filter_params(params: QueryDict) -> QueryDict:
    """The contact list's filter parameters of `params`, without its page."""
    kept = QueryDict(mutable=True)
    for name in ContactFilter.base_filters:
        if name in params:
            kept.setlist(name, params.getlist(name))
    return kept
