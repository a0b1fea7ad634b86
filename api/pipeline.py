"""`/api/v1/pipeline/`: the pipeline MRR report as JSON, the page's own.

The same rules as the page (`subscriptions.views.pipeline`): vendor staff only (a partner: 404),
only while Subscriptions is on, the owners the person may see, as of today or the day `as_of`
names (the page's `PipelineForm`: a day it refuses is a 400 with its message, never today's
report). The figures are `subscriptions.pipeline.build_report`'s, per currency, never added across
currencies; beside them, when some MRR is in another currency, each owner's and the team's MRR
converted into the reporting currency, or which rates are missing.
"""

import datetime
from decimal import Decimal

from ninja import Router
from pydantic import BaseModel, Field

from api.paging import refuse_unknown
from api.problems import bad_query, form_errors, not_found
from crm import features
from crm.dates import today
from subscriptions.forms import PipelineForm
from subscriptions.pipeline import ENDING_WINDOWS, MOVEMENTS, report_for

FEATURE = "subscriptions"
router = Router(tags=["subscriptions"])


class Person(BaseModel):
    id: int
    name: str


class Movements(BaseModel):
    new: Decimal
    expansion: Decimal
    reactivation: Decimal
    contraction: Decimal
    churn: Decimal


class Figures(BaseModel):
    current: Decimal = Field(description="Current MRR.")
    upcoming: Decimal = Field(description="The next known MRR: current + movements.")
    movements: Movements
    ending: dict[str, Decimal] = Field(description="Current MRR ending within 30, 60 and 90 days (keys: the days).")
    contacts: int


class OwnerFigures(Figures):
    owner: Person


class Section(BaseModel):
    currency: str
    owners: list[OwnerFigures]
    total: Figures = Field(description="Every owner's contacts, listed or not.")


class Ending(BaseModel):
    contact: int
    name: str
    owner: int
    current_mrr: Decimal | None
    current_currency: str | None
    current_end: datetime.date | None
    upcoming_mrr: Decimal | None
    upcoming_currency: str | None
    upcoming_start: datetime.date | None


class MissingRate(BaseModel):
    currency: str
    since: datetime.date = Field(description="The earliest day a rate was needed on.")


class Converted(BaseModel):
    amount: Decimal | None = Field(description="The sum in the reporting currency; null while a rate is missing.")
    missing_rates: list[MissingRate]


class ConvertedMRR(BaseModel):
    current: Converted
    upcoming: Converted


class OwnerConverted(ConvertedMRR):
    owner: Person


class ConvertedReport(BaseModel):
    currency: str = Field(description="The reporting currency.")
    owners: list[OwnerConverted]
    total: ConvertedMRR


class PipelineOut(BaseModel):
    as_of: datetime.date
    currency: str = Field(description="The installation's currency, whose section comes first.")
    sections: list[Section] = Field(description="One per currency: amounts are never added across currencies.")
    ending_soon: list[Ending] = Field(description="The contacts whose subscription ends soonest (at most 50).")
    ending_count: int = Field(description="Every contact ending within 90 days.")
    converted: ConvertedReport | None = Field(
        description="Each owner's and the team's MRR in the reporting currency, when some MRR is in another; else null.")


def _person(user) -> dict:
    return {"id": user.pk, "name": str(user)}


def _figures(totals) -> dict:
    return {"current": totals.current, "upcoming": totals.upcoming, "contacts": totals.contacts,
            "movements": {kind: totals.moves[kind] for kind in MOVEMENTS},
            "ending": {str(days): totals.ending[days] for days in ENDING_WINDOWS}}


def _converted(total) -> dict:
    return {"amount": total.amount if total.complete else None,
            "missing_rates": [{"currency": code, "since": day} for code, day in total.missing_rates]}


def _converted_mrr(mrr) -> dict:
    return {"current": _converted(mrr.current), "upcoming": _converted(mrr.upcoming)}


@router.get("", response=PipelineOut, url_name="pipeline", summary="Read the pipeline report", openapi_extra={
    "parameters": [{"in": "query", "name": "as_of", "required": False, "schema": {"type": "string", "format": "date"},
                    "description": "The day the report is read as of (default: today)."}]})
def pipeline(request):
    """Current vs upcoming MRR and the movements between them, per owner the token's person may
    see and for all of them, per currency; and the subscriptions ending soonest."""
    if not features.is_active(FEATURE, request) or not request.user.is_vendor_staff:
        raise not_found()
    refuse_unknown(request.GET, PipelineForm.base_fields)
    data = request.GET.copy()
    if not data.get("as_of"):
        data["as_of"] = today().isoformat()
    form = PipelineForm(data)
    if not form.is_valid():
        raise bad_query(form_errors(form))
    day = form.cleaned_data["as_of"]
    report = report_for(request.user, day=day, today=today())
    converted = None
    if report.converted_rows() is not None:
        converted = {"currency": report.team_converted.current.currency, "total": _converted_mrr(report.team_converted),
                     "owners": [{"owner": _person(row["owner"]), **_converted_mrr(row["mrr"])}
                                for row in report.converted_rows()]}
    return {
        "as_of": day, "currency": report.currency,
        "sections": [{"currency": section["currency"], "total": _figures(section["total"]),
                      "owners": [{"owner": _person(owner), **_figures(totals)} for owner, totals in section["rows"]]}
                     for section in report.sections()],
        "ending_soon": [{"contact": pk, "name": name, "owner": owner_id,
                         **{key: getattr(position, key) for key in ("current_mrr", "current_currency", "current_end",
                                                                    "upcoming_mrr", "upcoming_currency", "upcoming_start")}}
                        for pk, name, owner_id, position in report.ending_soon],
        "converted": converted, "ending_count": report.ending_count,
    }
