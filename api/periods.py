"""A contact's subscription: `/api/v1/contacts/{id}/periods/`, `/api/v1/periods/{id}/` and the
figures at `/api/v1/contacts/{id}/subscription/`.

Nothing here has rules of its own. The resource exists only while the Subscriptions feature is on
(404 otherwise, as its pages); a period is reached through the contacts' visibility gate
(`Period.objects.visible_to`). Writes are the widget's period form (`subscriptions.forms.PeriodForm`:
the MRR from a price and billing frequency by `money.normalise_mrr`, the end, the accepted dates)
bound to the JSON body, saved by `subscriptions.services`, which refuse an overlap or a stale
version under a lock and write the audit rows the forms write. The figures are the widget's
(`subscriptions.widget.subscription_of`, read through `summary.figures_of`).
"""

import datetime
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status
from pydantic import BaseModel, Field

from api.paging import MAX_PAGE, PageForm, after, cursor_refused, encode, next_url, refuse_unknown
from api.problems import bad_query, form_errors, invalid, not_found, whole_row_problem
from api.writes import etag, form_data, idempotency_token, json_body, key_used, stale, version_checked
from crm import features
from crm.billing import BillingFrequency
from crm.dates import today
from crm.links import object_urls
from crm.models import Contact
from subscriptions import services
from subscriptions.forms import PeriodForm
from subscriptions.models import Direction, Period, Tag
from subscriptions.widget import subscription_of

FEATURE = "subscriptions"
router = Router(tags=["subscriptions"])

# What a body may set (the form's fields, the end given by `term_months` or `end_date`), and what a
# GET answered that may be sent back as it was.
WRITABLE = ("currency", "mrr", "price", "billing_frequency", "billing_every_months", "start_date", "end_date",
            "term_months", "description")
READ_ONLY = ("id", "url", "contact", "version", "created_at", "updated_at", "tag")


class PeriodOut(BaseModel):
    id: int
    url: str
    contact: int = Field(description="The id of the contact whose period it is.")
    currency: str
    mrr: Decimal = Field(description="The monthly value (computed from the price, when there is one).")
    price: Decimal | None
    billing_frequency: Literal[tuple(BillingFrequency.values)] | None
    billing_every_months: int | None
    start_date: datetime.date
    end_date: datetime.date | None = Field(description="The last day; null: it never ends.")
    term_months: int | None = Field(description="The term the end was given as, if it was.")
    description: str
    version: int = Field(description="Bumped by every change: send it back (If-Match or `version`) to write.")
    created_at: datetime.datetime
    updated_at: datetime.datetime


class PeriodPage(BaseModel):
    results: list[PeriodOut]
    next: str | None = Field(description="The next page's URL; null on the last page.")


class PeriodIn(BaseModel):
    """The period form's fields. The end is `term_months` (after that many months), else `end_date`
    (on that day), else none (never). MRR: typed, or left out and computed from `price` billed at
    `billing_frequency` (`billing_every_months` for "every_n_months")."""

    currency: str = Field(settings.CRM_CURRENCY, min_length=3, max_length=3)
    mrr: Decimal | None = Field(None, ge=0)
    price: Decimal | None = Field(None, ge=0)
    billing_frequency: Literal[tuple(BillingFrequency.values)] | None = None
    billing_every_months: int | None = Field(None, ge=1, le=120)
    start_date: datetime.date
    end_date: datetime.date | None = None
    term_months: int | None = Field(None, ge=1, le=600)
    description: str = Field("", max_length=200)
    version: int | None = Field(None, description="The version read, unless sent as If-Match (updates only).")


class TaggedPeriod(PeriodOut):
    tag: Literal[tuple(Tag.values)] = Field(description="Against the period before it: new business, expansion...")


class SubscriptionOut(BaseModel):
    contact: int
    as_of: datetime.date = Field(description="Today: the day the figures are read as of.")
    current: PeriodOut | None = Field(description="The period running today.")
    upcoming: PeriodOut | None = Field(description="The earliest period starting after today.")
    upcoming_tag: Literal[tuple(Tag.values)] | None
    status: Literal[tuple(Direction.values)] | None = Field(
        description="The MRR status: where the upcoming MRR goes from the current one (up, down, same, new, ending, "
                    "or a currency change).")
    remaining_value: Decimal | None = Field(
        description="What is left of the current period's contract from today; null when open-ended or none.")
    arr: Decimal | None = Field(description="12 x the current MRR.")
    accrued: dict[str, Decimal] = Field(description="MRR earned since the first period began, per currency.")
    periods: list[TaggedPeriod] = Field(description="Every period, by start date, each tagged.")


def _body_schema(*, fields_required) -> dict:
    """The body as documented: a create and a PUT need the start; a PATCH nothing (and shows no
    defaults: an omitted field is kept)."""
    schema = PeriodIn.model_json_schema()
    schema["required"] = list(fields_required)
    if not fields_required:
        del schema["required"]
        for field in schema["properties"].values():
            field.pop("default", None)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _switched_on(request) -> None:
    if not features.is_active(FEATURE, request):
        raise not_found()


def _contact(request, contact_id: int) -> Contact:
    _switched_on(request)
    contact = Contact.objects.visible_to(request.user).filter(pk=contact_id).first()
    if contact is None:
        raise not_found()
    return contact


def _period(request, period_id: int) -> Period:
    _switched_on(request)
    period = Period.objects.visible_to(request.user).select_related("contact").filter(pk=period_id).first()
    if period is None:
        raise not_found()
    return period


def as_json(request, period: Period) -> dict:
    return {
        "id": period.pk, "url": request.build_absolute_uri(object_urls("api:period")(period.pk)),
        "contact": period.contact_id, "currency": period.currency, "mrr": period.mrr, "price": period.price,
        "billing_frequency": period.billing_frequency or None, "billing_every_months": period.billing_every_months,
        "start_date": period.start_date, "end_date": period.end_date, "term_months": period.term_months,
        "description": period.description, "version": period.version, "created_at": period.created_at,
        "updated_at": period.updated_at,
    }


def _answer(request, period: Period, response: HttpResponse) -> dict:
    response["ETag"] = etag(period.version)
    return as_json(request, period)


def _saved_values(period: Period) -> dict:
    """The saved period as the body's fields (what a PATCH keeps): with a price, no MRR, which the
    form computes again, as the edit form shows it (`PeriodForm.initial_for`)."""
    initial = PeriodForm.initial_for(period)
    values = {name: initial[name] for name in WRITABLE}
    if initial["end"] != PeriodForm.AFTER:
        values["term_months"] = None
    return {name: "" if value is None else str(value) for name, value in values.items()}


def _form_input(values: dict) -> dict:
    """The body's fields as the period form's data: the end chosen by which of its fields is given."""
    if values.get("term_months", "") != "":
        end = PeriodForm.AFTER
    elif values.get("end_date", "") != "":
        end = PeriodForm.ON
    else:
        end = PeriodForm.NEVER
    return {**values, "end": end}


def _values(body: dict, *, base: dict) -> dict:
    """`body` over `base`. An end given one way replaces one given the other way: a PATCH of
    `end_date` alone drops the saved term, one of `term_months` alone the saved end date."""
    if "end_date" in body and "term_months" not in body:
        base = {**base, "term_months": ""}
    if "term_months" in body and "end_date" not in body:
        base = {**base, "end_date": ""}
    return form_data(body, writable=WRITABLE, ignored=READ_ONLY, base=base,
                     unknown_message=_("A period has no field of this name."))


def _refused(error: ValidationError):
    """A service's refusal other than a stale version (an overlap) as the form shows it: about the row."""
    return whole_row_problem(error.messages[0], code=error.code or "invalid")


@router.get("contacts/{int:contact_id}/periods/", response=PeriodPage, url_name="contact_periods",
            summary="List a contact's periods", openapi_extra={"parameters": [
                {"in": "query", "name": "after", "required": False, "schema": {"type": "string"},
                 "description": "The cursor of the page before (from `next`)."},
                {"in": "query", "name": "limit", "required": False, "description": "Rows per page.",
                 "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": MAX_PAGE}}]})
def period_list(request, contact_id: int):
    """The contact's periods by start date."""
    contact = _contact(request, contact_id)
    refuse_unknown(request.GET, PageForm.base_fields)
    page = PageForm(request.GET)
    if not page.is_valid():
        raise bad_query(form_errors(page))
    rows = Period.objects.filter(contact=contact).order_by("start_date", "pk")
    position = page.cleaned_data["after"]
    if position is not None:
        try:
            position = (datetime.date.fromisoformat(position[0]), position[1])
        except ValueError:
            raise cursor_refused() from None
    size = page.cleaned_data["limit"]
    found = list(after(rows, "start_date", position)[: size + 1])
    following = None
    if len(found) > size:
        found = found[:size]
        following = next_url(request, encode(found[-1].start_date.isoformat(), found[-1].pk))
    return {"results": [as_json(request, period) for period in found], "next": following}


@router.post("contacts/{int:contact_id}/periods/", response={200: PeriodOut, 201: PeriodOut},
             summary="Add a period to a contact", openapi_extra=_body_schema(fields_required=("start_date",)))
def period_create(request, contact_id: int, response: HttpResponse):
    """The period form's add. With an `Idempotency-Key`, the same key sent again answers with the
    period it added (200) instead of adding another: the key is the form's one-time token."""
    contact = _contact(request, contact_id)
    token = idempotency_token(request, request.user)
    values = _values(json_body(request), base={"currency": settings.CRM_CURRENCY})
    form = PeriodForm(_form_input(values))
    if not form.is_valid():
        raise invalid(form_errors(form))
    try:
        period, created = services.period_create_once(contact=contact, data=form.period_data(), by=request.user,
                                                      token=token)
    except ValidationError as error:
        if error.code == "token_reused":  # the key added a period to another contact
            raise key_used(_("Send a new key for a new period.")) from None
        raise _refused(error) from None
    row = _answer(request, period, response)
    response["Location"] = row["url"]
    return Status(201 if created else 200, row)


@router.get("periods/{int:period_id}/", response=PeriodOut, url_name="period", summary="Read a period")
def period_detail(request, period_id: int, response: HttpResponse):
    return _answer(request, _period(request, period_id), response)


def _update(request, period_id: int, response: HttpResponse, *, partial: bool):
    period = _period(request, period_id)
    body = json_body(request)
    version = version_checked(request, body, period.version)
    values = _values(body, base=_saved_values(period) if partial else {})
    form = PeriodForm({**_form_input(values), "version": str(version.value)}, instance=period)
    if not form.is_valid():
        raise invalid(form_errors(form))
    try:
        saved = services.period_update(period=period, data=form.period_data(), version=version.value, by=request.user)
    except ValidationError as error:
        if error.code == "stale":
            raise stale(version, Period.objects.filter(pk=period.pk).values_list("version", flat=True).first()) from None
        raise _refused(error) from None
    return _answer(request, saved, response)


@router.patch("periods/{int:period_id}/", response=PeriodOut, summary="Change some fields of a period",
              openapi_extra=_body_schema(fields_required=()))
def period_patch(request, period_id: int, response: HttpResponse):
    """The fields sent are changed, the others kept, as the edit form keeps what is not retyped;
    the version read is required."""
    return _update(request, period_id, response, partial=True)


@router.put("periods/{int:period_id}/", response=PeriodOut, summary="Replace a period",
            openapi_extra=_body_schema(fields_required=("currency", "start_date")))
def period_put(request, period_id: int, response: HttpResponse):
    """Every field as sent: one left out is emptied (and refused where the form requires it)."""
    return _update(request, period_id, response, partial=False)


@router.delete("periods/{int:period_id}/", response={204: None}, summary="Delete a period",
               openapi_extra={"requestBody": {"required": False, "content": {"application/json": {"schema": {
                   "type": "object", "properties": {"version": {"type": "integer"}}}}}}})
def period_delete(request, period_id: int):
    """Deleted as the widget deletes it, its audit row kept; the version read is required."""
    period = _period(request, period_id)
    version = version_checked(request, json_body(request), period.version)
    try:
        services.period_delete(period=period, version=version.value, by=request.user)
    except ValidationError:
        raise stale(version, Period.objects.filter(pk=period.pk).values_list("version", flat=True).first()) from None
    return Status(204, None)


@router.get("contacts/{int:contact_id}/subscription/", response=SubscriptionOut, url_name="contact_subscription",
            summary="Read a contact's subscription figures")
def subscription(request, contact_id: int):
    """What the contact page's widget shows: the current and upcoming periods, the MRR status,
    the upcoming period's tag, the remaining contract value, ARR and MRR accrued, and every period
    tagged against the one before it."""
    contact = _contact(request, contact_id)
    figures = subscription_of(contact, today=today())
    return {
        "contact": contact.pk, "as_of": figures.today,
        "current": as_json(request, figures.current) if figures.current else None,
        "upcoming": as_json(request, figures.upcoming) if figures.upcoming else None,
        "upcoming_tag": figures.upcoming_tag, "status": figures.direction, "remaining_value": figures.remaining_value,
        "arr": figures.arr, "accrued": figures.accrued,
        "periods": [{**as_json(request, row.period), "tag": row.tag} for row in figures.rows],
    }
