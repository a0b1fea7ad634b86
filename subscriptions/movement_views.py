"""The MRR movements report: its page (and htmx region) and its CSV, for the same parameters.

Behind `feature_required("subscriptions")`, outermost, as every subscription view: switched off,
neither URL exists. For vendor staff only (a partner gets 404); whose contacts it adds up is the
viewer's gate (`visible_owner_ids`), narrowed to one owner the viewer sees with `?owner=`. A
parameter the form refuses answers 400 with its message, never another report in its place.
"""

import csv
import io
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from crm.access import vendor_staff_required
from crm.dates import today
from crm.features import feature_required
from crm.formats import Formats
from crm.formulas import neutralise
from crm.http import HtmxHttpRequest
from crm.jinja_env import render_region
from subscriptions.forms import MovementsForm
from subscriptions.movements import MOVEMENTS, build_report
from subscriptions.movements_converted_table import converted_tables, missing_rates
from subscriptions.movements_store import OutOfDate
from subscriptions.movements_table import chart_shapes, section_tables

FEATURE = "subscriptions"
TEMPLATE = "subscriptions/movements.html"
SECTIONS = "subscriptions/movements_sections.html"  # in Jinja2: its cells are the page's cost


def _form(request) -> MovementsForm:
    return MovementsForm(request.GET, user=request.user, today=today())


def _report(request, form: MovementsForm):
    return build_report(form.owner_ids(), form.people(), first=form.cleaned_data["start"], last=form.cleaned_data["end"],
                        today=today(), currency=settings.CRM_CURRENCY)


def _converted(request, report, form: MovementsForm) -> dict | None:
    """The converted section's tables (`movements_converted_table`), or None when there is none."""
    section = report.converted
    if section is None:
        return None
    owner = form.cleaned_data.get("owner") or None
    tables = [] if section.mixed else converted_tables(section, first=report.first, last=report.last, owner=owner,
                                                        fmt=Formats())
    return {"section": section, "tables": tables, "missing": [] if section.mixed else missing_rates(section),
            "enters_rates": request.user.is_admin}


def _sections(report, form: MovementsForm, narrow: str) -> list[dict]:
    """Each currency's tables and chart, their text formatted once (`movements_table`)."""
    fmt, owner = Formats(), form.cleaned_data.get("owner") or None
    return [
        {"currency": section.currency, "is_main": section.is_main, "chart": chart_shapes(section, fmt),
         "tables": section_tables(section, first=report.first, last=report.last, owner=owner, narrow=narrow, fmt=fmt)}
        for section in report.sections
    ]


@feature_required(FEATURE)
@require_GET
@login_required
@vendor_staff_required
def movements(request: HtmxHttpRequest):
    """Opening MRR, movements and closing MRR month by month, per currency, with a chart; months
    ahead show the committed MRR."""
    form = _form(request)
    template = f"{TEMPLATE}#report" if request.htmx else TEMPLATE
    if not form.is_valid():
        return render(request, template, {"form": form, "show_owner": form.offers_owner()}, status=400)
    try:
        report = _report(request, form)
    except OutOfDate as updating:  # the report region says so, and asks again shortly
        return render(request, template, {"form": form, "show_owner": form.offers_owner(),
                                          "updating": updating_text(updating)}, status=202)
    query = {"start": report.first.strftime("%Y-%m"), "end": report.last.strftime("%Y-%m")}
    narrow = f"{reverse('subscriptions:movements')}?{urlencode(query)}"  # an owner's row adds `&owner=`
    if form.cleaned_data.get("owner"):
        query["owner"] = form.cleaned_data["owner"]
    sections = render_region(SECTIONS, {"sections": _sections(report, form, narrow), "currency": settings.CRM_CURRENCY,
                                        "converted": _converted(request, report, form)})
    context = {"form": form, "show_owner": form.offers_owner(), "report": report, "sections": sections,
               "csv_query": urlencode(query)}
    return render(request, template, context)


def updating_text(updating: OutOfDate) -> str:
    """What the report says while its figures are being brought up to date."""
    return ngettext(
        "The figures are being brought up to date: %(left)s owner's figures still to compute. "
        "The report shows as soon as they are.",
        "The figures are being brought up to date: %(left)s owners' figures still to compute. "
        "The report shows as soon as they are.",
        updating.left,
    ) % {"left": updating.left}


# The issue's columns, then the converted rows' own: their exchange-rate movement, whether a row is
# the whole converted into the reporting currency (its `currency`), and the rates a converted
# month lacks ("GBP 2026-05-15": no GBP rate in force on that day), its figures then empty.
CSV_COLUMNS = ("month", "currency", "opening", *MOVEMENTS, "closing", "exchange_rate", "converted", "missing_rates")


def _csv_rows(report):
    """Each currency's months, then the converted section's (none when it would repeat the one
    currency there is)."""
    for section in report.sections:
        for month in section.months:
            yield [neutralise(month.month.strftime("%Y-%m")), neutralise(section.currency), month.opening,
                   *(month.moves[name] for name in MOVEMENTS), month.closing, "", "no", ""]
    converted = report.converted
    if converted is None or converted.mixed:
        return
    for month in converted.months:
        shown = [neutralise(month.month.strftime("%Y-%m")), neutralise(converted.currency)]
        if not month.complete:
            missing = "; ".join(f"{currency} {since.isoformat()}" for currency, since in month.missing_rates)
            yield [*shown, *[""] * (len(MOVEMENTS) + 3), "yes", neutralise(missing)]
            continue
        yield [*shown, month.opening, *(month.moves[name] for name in MOVEMENTS), month.closing,
               month.moves["exchange_rate"], "yes", ""]


@feature_required(FEATURE)
@require_GET
@login_required
@vendor_staff_required
def movements_csv(request: HtmxHttpRequest):
    """The report as CSV: one row per month and currency, then one per month converted into the
    reporting currency; ISO months, plain numbers, text cells neutralised as every export's are
    (`crm.formulas`)."""
    form = _form(request)
    if not form.is_valid():
        errors = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in form.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    try:
        report = _report(request, form)
    except OutOfDate as updating:
        response = HttpResponse(updating_text(updating), status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "10"
        return response
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_rows(report))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mrr-movements-{report.first:%Y-%m}-{report.last:%Y-%m}.csv"'
    return response
