"""The reporting currency and the exchange rates: an admin's pages (Settings > Exchange rates).

Every view is behind `feature_required("subscriptions")`, outermost (switched off: no URL, for
anyone), then admin only (anyone else: 404). Bad input answers the form with its errors and 422;
a save refused because someone else saved first answers 409 with their saved values.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crm.access import admin_required
from crm.dates import today
from crm.features import feature_required
from crm.http import HtmxHttpRequest
from subscriptions import rates
from subscriptions.conversion import reporting_state
from subscriptions.models import ExchangeRate, ExchangeRateChange
from subscriptions.rate_forms import RateDeleteForm, RateForm, ReportingCurrencyForm

FEATURE = "subscriptions"
RATES_PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 50
RECENT_CHANGES = 10


def _page(items, size: int, number):
    try:
        return Paginator(items, size).page(number or 1)
    except InvalidPage:
        raise Http404("No such page") from None


def _in_force(reporting: str, currencies, day) -> set[int]:
    """The ids of the rates `currencies` are converted at on `day` (`conversion.rate_on`)."""
    rows = (ExchangeRate.objects.filter(reporting_currency=reporting, currency__in=currencies, valid_from__lte=day)
            .order_by("currency", "-valid_from").distinct("currency").values_list("pk", flat=True))
    return set(rows)


@feature_required(FEATURE)
@require_GET
@login_required
@admin_required
def rate_list(request: HtmxHttpRequest):
    """The rates against the reporting currency, each currency's newest first, the one in force
    today marked; how many are kept against other currencies; the latest changes."""
    reporting = reporting_state()
    current = ExchangeRate.objects.filter(reporting_currency=reporting.code).order_by("currency", "-valid_from", "pk")
    page = _page(current, RATES_PAGE_SIZE, request.GET.get("page"))
    in_force = _in_force(reporting.code, {row.currency for row in page}, today())
    others = (ExchangeRate.objects.exclude(reporting_currency=reporting.code).values_list("reporting_currency")
              .distinct().order_by("reporting_currency"))
    context = {
        "reporting": reporting, "page": page, "in_force": in_force, "other_bases": [code for (code,) in others],
        "changes": ExchangeRateChange.objects.select_related("changed_by")[:RECENT_CHANGES],
    }
    return render(request, "subscriptions/rates.html", context)


@feature_required(FEATURE)
@require_GET
@login_required
@admin_required
def rate_history(request: HtmxHttpRequest):
    """Every change of a rate or of the reporting currency, newest first, paged."""
    page = _page(ExchangeRateChange.objects.select_related("changed_by"), HISTORY_PAGE_SIZE, request.GET.get("page"))
    return render(request, "subscriptions/rate_history.html", {"page": page})


def _rate_values(rate: ExchangeRate | None) -> list[tuple[str, str]]:
    """A rate as saved now, label by label, for a refused writer (nothing when it is gone)."""
    if rate is None:
        return [(_("Rate"), _("Deleted"))]
    return [(_("Currency"), rate.currency), (_("Rate"), f"{number_format(rate.plain_rate)} {rate.reporting_currency}"),
            (_("Valid from"), date_format(rate.valid_from, "SHORT_DATE_FORMAT"))]


def _form_page(request, context, status):
    return render(request, "subscriptions/rate_form.html", context, status=status)


@feature_required(FEATURE)
@require_http_methods(["GET", "POST"])
@login_required
@admin_required
def rate_create(request: HtmxHttpRequest):
    reporting = reporting_state()
    form = RateForm(request.POST or None, reporting=reporting.code)
    context = {"form": form, "reporting": reporting.code, "action": "create"}
    if request.method == "GET":
        return _form_page(request, context, 200)
    if form.is_valid():
        data = form.cleaned_data
        try:
            rate = rates.rate_create(currency=data["currency"], rate=data["rate"], valid_from=data["valid_from"],
                                     against=data["against"] or reporting.code, by=request.user, token=data["submission"])
        except ValidationError as error:
            form.add_error(None, error)
            if error.code == "stale":
                return _form_page(request, {**context, "reporting": reporting_state().code}, 409)
        else:
            messages.success(request, _("Rate saved: 1 %(currency)s = %(rate)s %(reporting)s from %(date)s.") % {
                "currency": rate.currency, "rate": number_format(rate.plain_rate), "reporting": rate.reporting_currency,
                "date": date_format(rate.valid_from, "SHORT_DATE_FORMAT")})
            return redirect("subscriptions:rates")
    return _form_page(request, context, 422)


@feature_required(FEATURE)
@require_http_methods(["GET", "POST"])
@login_required
@admin_required
def rate_edit(request: HtmxHttpRequest, pk: int):
    rate = get_object_or_404(ExchangeRate, pk=pk)
    form = RateForm(request.POST or None, reporting=rate.reporting_currency, instance=rate)
    context = {"form": form, "reporting": rate.reporting_currency, "action": "edit", "rate": rate,
               "changes": ExchangeRateChange.objects.filter(rate_id_value=rate.pk).select_related("changed_by")[:50]}
    if request.method == "GET":
        return _form_page(request, context, 200)
    if form.is_valid():
        data = form.cleaned_data
        try:
            rates.rate_update(rate=rate, currency=data["currency"], value=data["rate"], valid_from=data["valid_from"],
                              version=data["version"], by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
            if error.code == "stale":
                theirs = _rate_values(ExchangeRate.objects.filter(pk=rate.pk).first())
                return _form_page(request, {**context, "theirs": theirs}, 409)
        else:
            messages.success(request, _("Rate corrected."))
            return redirect("subscriptions:rates")
    return _form_page(request, context, 422)


@feature_required(FEATURE)
@require_http_methods(["GET", "POST"])
@login_required
@admin_required
def rate_delete(request: HtmxHttpRequest, pk: int):
    rate = get_object_or_404(ExchangeRate, pk=pk)
    form = RateDeleteForm(request.POST or None, initial={"version": rate.version})
    context = {"form": form, "rate": rate}
    if request.method == "GET":
        return render(request, "subscriptions/rate_delete.html", context)
    if form.is_valid():
        try:
            rates.rate_delete(rate=rate, version=form.cleaned_data["version"], by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
            theirs = _rate_values(ExchangeRate.objects.filter(pk=rate.pk).first())
            return render(request, "subscriptions/rate_delete.html", {**context, "theirs": theirs}, status=409)
        messages.success(request, _("Rate deleted. The history keeps a record of it."))
        return redirect("subscriptions:rates")
    return render(request, "subscriptions/rate_delete.html", context, status=422)


@feature_required(FEATURE)
@require_http_methods(["GET", "POST"])
@login_required
@admin_required
def reporting_currency(request: HtmxHttpRequest):
    """The reporting currency, and what changing it does to the rates (nothing: they are kept)."""
    saved = reporting_state()
    form = ReportingCurrencyForm(request.POST or None, initial={"code": saved.code, "version": saved.version})
    context = {"form": form, "reporting": saved,
               "kept": ExchangeRate.objects.exclude(reporting_currency=saved.code).count()}
    if request.method == "GET":
        return render(request, "subscriptions/reporting_currency.html", context)
    if form.is_valid():
        try:
            row = rates.reporting_currency_set(code=form.cleaned_data["code"], version=form.cleaned_data["version"],
                                               by=request.user)
        except ValidationError as error:
            now = reporting_state()
            form = ReportingCurrencyForm({"code": now.code, "version": now.version})
            form.is_valid()
            form.add_error(None, error)
            theirs = [(_("Reporting currency"), now.code)]
            return render(request, "subscriptions/reporting_currency.html",
                          {**context, "form": form, "reporting": now, "theirs": theirs}, status=409)
        messages.success(request, _("The reporting currency is %(currency)s.") % {"currency": row.code})
        return redirect("subscriptions:rates")
    return render(request, "subscriptions/reporting_currency.html", context, status=422)
