"""The subscription widget's forms, the MRR history and the pipeline report.

Every view is behind `feature_required("subscriptions")`, outermost: a switched-off feature has
no URLs at all, for any method or visitor
and fetches its contact or period through the contacts' visibility gate (404 otherwise).
Forms post to the same URL with or without htmx: with it, a valid save answers the form slot
with its message and the periods table (out of band, the saved row marked to take focus), and
fires `periodsChanged`, which the summary listens for; an invalid one answers the form with its
errors and status 422. Without it, a valid save redirects to the
contact page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crm.access import vendor_staff_required
from crm.dates import today
from crm.features import feature_required
from crm.http import HtmxHttpRequest
from crm.models import Contact
from subscriptions import services
from subscriptions.forms import (
    DeleteForm, FormPartForm, MrrPreviewForm, PanelPartForm, PeriodChangeForm, PeriodForm, PipelineForm, RefreshForm,
    period_values,
)
from subscriptions.models import Period, PeriodChange
from subscriptions.pipeline import ENDING_WINDOWS, MOVEMENTS, report_for
from subscriptions.pipeline_figures import linked_sections
from subscriptions.widget import subscription_of

FEATURE = "subscriptions"
PANEL = "subscriptions/panel.html"
FORM = "subscriptions/period_form.html"
EVENT = "periodsChanged"
HISTORY_PAGE_SIZE = 12


def _visible_contact(request, pk) -> Contact:
    return get_object_or_404(Contact.objects.visible_to(request.user), pk=pk)


def _visible_period(request, pk) -> Period:
    return get_object_or_404(Period.objects.visible_to(request.user).select_related("contact"), pk=pk)


def panel_context(request, contact) -> dict:
    """The contact page panel's context (registered in `SubscriptionsConfig.ready()`)."""
    return {"subscription": subscription_of(contact, today=today())}


def _panel(request, contact) -> dict:
    """The panel's context for rendering it (or a part of it) outside the contact page."""
    panel = panel_context(request, contact)
    return {"contact": contact, "panel": panel, **panel}


@feature_required(FEATURE)
@require_GET
@login_required
def contact_subscription(request: HtmxHttpRequest, pk: int):
    """The widget alone: a region of it for htmx refreshes, or a page of its own."""
    contact = _visible_contact(request, pk)
    part = PanelPartForm(request.GET)
    if not part.is_valid():
        return HttpResponseBadRequest(_("Unknown part of the subscription widget."))
    context = _panel(request, contact)
    if request.htmx and part.cleaned_data["part"]:
        return render(request, f"{PANEL}#{part.cleaned_data['part']}", context)
    return render(request, "subscriptions/contact_subscription.html", context)


def _saved(request: HtmxHttpRequest, contact, message, *, saved: Period | None = None):
    """With htmx: the slot with the message, the periods table with the `saved` row marked to take
    focus (or, after a delete, the message), and `periodsChanged` for the summary."""
    if request.htmx:
        context = {**_panel(request, contact), "message": message, "saved": saved.pk if saved else None}
        response = render(request, f"{PANEL}#saved", context)
        response["HX-Trigger"] = EVENT
        return response
    messages.success(request, message)
    return redirect(contact)


def _form_page(request: HtmxHttpRequest, context, *, status=200):
    template = f"{FORM}#form" if request.htmx else FORM
    return render(request, template, context, status=status)


def _save_period(request, contact, form, save, context, message, *, theirs):
    """Save through `save(form)`; refused as stale, the form comes back with `theirs()`: the saved values.

    Without JavaScript, "Update the form" posts the form to show the fields of the end chosen:
    it comes back as typed, without errors, and nothing is saved."""
    refresh = RefreshForm(request.POST or None)
    refreshing = refresh.is_valid() and refresh.cleaned_data["refresh"]
    if request.method == "POST" and not refreshing and form.is_valid():
        try:
            period = save(form)
        except ValidationError as error:
            form.add_error(None, error)
            if error.code == "stale":
                context = {**context, "theirs": theirs()}
        else:
            return _saved(request, contact, message, saved=period)
    status = 422 if request.method == "POST" and not refreshing else 200
    if status == 422:
        form.mark_first_error()
    context = {"contact": contact, "form": form, "preview": form.mrr_preview(), "quiet": refreshing, **context}
    return _form_page(request, context, status=status)


@feature_required(FEATURE)
@require_GET
@login_required
def period_form_part(request: HtmxHttpRequest, pk: int):
    """A part of the period form that follows what is typed (htmx), for any of the contact's forms:
    the end fields for the end chosen, or the MRR that the price and billing frequency make,
    computed as the save computes it. Bad input answers 422 with the reason."""
    contact = _visible_contact(request, pk)
    part = FormPartForm(request.GET)
    if not part.is_valid():
        return HttpResponseBadRequest(_("Unknown part of the period form."))
    if part.cleaned_data["part"] == "end":
        return render(request, f"{FORM}#end_fields", {"contact": contact, "form": PeriodForm(request.GET), "quiet": True})
    preview = MrrPreviewForm(request.GET)
    return render(request, f"{FORM}#mrr_preview", {"preview": preview}, status=200 if preview.is_valid() else 422)


@feature_required(FEATURE)
@require_http_methods(["GET", "POST"])
@login_required
def period_create(request: HtmxHttpRequest, pk: int):
    contact = _visible_contact(request, pk)
    form = PeriodForm(request.POST or None, initial={"start_date": today()})
    return _save_period(
        request, contact, form,
        lambda f: services.period_create(
            contact=contact, data=f.period_data(), by=request.user, token=f.cleaned_data["submission"]
        ),
        {"action": "create"}, _("Subscription added."), theirs=list,
    )


@feature_required(FEATURE)
@require_http_methods(["GET", "POST"])
@login_required
def period_change(request: HtmxHttpRequest, pk: int):
    contact = _visible_contact(request, pk)
    last = Period.objects.for_contact(contact).last()
    form = PeriodChangeForm(request.POST or None, last=last, today=today())
    return _save_period(
        request, contact, form,
        lambda f: services.period_change(
            contact=contact, data=f.period_data(), by=request.user, last_read=f.last_read(),
            token=f.cleaned_data["submission"],
        ),
        {"action": "change", "last": last}, _("Subscription changed."),
        theirs=lambda: period_values(Period.objects.for_contact(contact).last()),
    )


@feature_required(FEATURE)
@require_http_methods(["GET", "POST"])
@login_required
def period_edit(request: HtmxHttpRequest, pk: int):
    period = _visible_period(request, pk)
    form = PeriodForm(request.POST or None, instance=period)
    return _save_period(
        request, period.contact, form,
        lambda f: services.period_update(
            period=period, data=f.period_data(), version=f.cleaned_data["version"], by=request.user
        ),
        {"action": "edit", "period": period}, _("Period saved."),
        theirs=lambda: period_values(Period.objects.filter(pk=period.pk).first()),
    )


@feature_required(FEATURE)
@require_http_methods(["GET", "POST"])
@login_required
def period_delete(request: HtmxHttpRequest, pk: int):
    period = _visible_period(request, pk)
    contact = period.contact
    form = DeleteForm(request.POST or None, initial={"version": period.version})
    theirs = None
    if request.method == "POST":
        if form.is_valid():
            try:
                services.period_delete(period=period, version=form.cleaned_data["version"], by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
                theirs = period_values(Period.objects.filter(pk=period.pk).first())
            else:
                return _saved(request, contact, _("Period deleted."))
        status = 422
    else:
        status = 200
    template = "subscriptions/period_delete.html"
    if request.htmx:
        template += "#form"
    context = {"contact": contact, "period": period, "form": form, "theirs": theirs}
    return render(request, template, context, status=status)


@feature_required(FEATURE)
@require_GET
@login_required
def history(request: HtmxHttpRequest, pk: int):
    """MRR month by month (paged, newest first), its chart, and the audit trail."""
    contact = _visible_contact(request, pk)
    subscription = subscription_of(contact, today=today())
    try:
        page = Paginator(subscription.months[::-1], HISTORY_PAGE_SIZE).page(request.GET.get("page", 1))
    except InvalidPage:
        raise Http404("No such page") from None
    changes = [
        (change, change.shown_differences())
        for change in PeriodChange.objects.filter(contact=contact).select_related("changed_by")
    ]
    context = {"contact": contact, "subscription": subscription, "page": page, "changes": changes}
    template = "subscriptions/history.html#months" if request.htmx else "subscriptions/history.html"
    return render(request, template, context)


@feature_required(FEATURE)
@require_GET
@login_required
@vendor_staff_required
def pipeline(request: HtmxHttpRequest):
    """Current vs upcoming MRR and the movements between them, per owner the user can see, as of
    today or a chosen day (a day the form refuses answers 400 with its message, never today's report)."""
    data = request.GET.copy()
    if not data.get("as_of"):
        data["as_of"] = today().isoformat()  # the picker shows the day the report is read as of
    form = PipelineForm(data)
    template = "subscriptions/pipeline.html#report" if request.htmx else "subscriptions/pipeline.html"
    if not form.is_valid():
        return render(request, template, {"form": form}, status=400)
    day = form.cleaned_data["as_of"]
    is_today = day == today()
    report = report_for(request.user, day=day, today=today())
    context = {
        "form": form, "report": report, "sections": linked_sections(report, day=None if is_today else day),
        "movements": MOVEMENTS, "windows": ENDING_WINDOWS, "today": day, "converted": report.converted_rows(),
        "enters_rates": request.user.is_admin,
    }
    return render(request, template, context)
