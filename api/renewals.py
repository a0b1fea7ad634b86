"""`/api/v1/renewals/`: a partner's upcoming contract changes, and the row actions of the
dashboard (customer agreed, cancellation requested, communication owner, primary contact).

Nothing here has rules of its own. The list is the partner dashboard's (`renewals.queries.dashboard`,
its window, search and order; a partner reads their own, an admin names the partner whose
dashboard to read, as `?partner=` on the page; anyone else: 404). A contract change is reached
through its gate (`ContractChange.objects.visible_to`: a partner's customers, or vendor staff's
through the customer contact), as the row menu's actions are, and changed by the same forms
(`renewals.forms`) and services (`renewals.services`), at the version the client read; the row's
values are the table's (`renewals.table.values_for`), the primary contact named only when the
reader may see that person. The MRR columns are there while Subscriptions is on.
"""

import datetime
from decimal import Decimal
from typing import Literal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router
from pydantic import BaseModel, Field

from api.paging import MAX_PAGE, PageForm, after, cursor_refused, encode, next_url, refuse_unknown
from api.problems import bad_query, form_errors, invalid, not_found
from api.writes import etag, form_data, json_body, stale, version_checked
from crm import dates
from crm.links import object_urls
from renewals import columns as cols
from renewals import queries, services, table
from renewals.forms import (
    ActionForm, CommunicationOwnerForm, DashboardQueryForm, PartnerChoiceForm, PrimaryContactForm, TakeBackForm,
)
from renewals.models import CommunicationOwner, ContractChange

router = Router(tags=["renewals"])
LIST_PARAMETERS = ("partner", "q", *PageForm.base_fields)


class ChangeOut(BaseModel):
    id: int
    url: str
    customer: int = Field(description="The customer account's id.")
    customer_name: str
    account_id: str
    website: str
    max_contacts: int
    email_limit: int
    type: Literal[tuple(ContractChange.Type.values)]
    status: Literal[tuple(ContractChange.Status.values)] = Field(description="Derived from the facts and today.")
    start_date: datetime.date = Field(description="When the new terms apply.")
    deadline: datetime.date = Field(description="The last day to change the terms.")
    billing_frequency: str
    term_months: int
    communication_owner: Literal[tuple(CommunicationOwner.values)] = Field(
        description="The row's own choice, else the partner's default, else the vendor.")
    primary_contact: int | None = Field(description="The id of the primary customer contact, when the token's person "
                                                    "may see them.")
    primary_contact_name: str | None
    agreed_at: datetime.datetime | None
    agreed_by: str | None
    cancellation_requested_at: datetime.datetime | None
    cancellation_requested_by: str | None
    version: int = Field(description="Bumped by every change: send it back (If-Match or `version`) to act.")
    current_mrr: Decimal | None = Field(None, description="The customer's current MRR (only while Subscriptions is on).")
    current_mrr_currency: str | None = None
    upcoming_mrr: Decimal | None = Field(None, description="The estimated new MRR (only while Subscriptions is on).")
    upcoming_mrr_currency: str | None = None


class ChangePage(BaseModel):
    results: list[ChangeOut]
    next: str | None = Field(description="The next page's URL; null on the last page.")


def _parameter(name: str, description: str, schema: dict) -> dict:
    return {"in": "query", "name": name, "required": False, "description": description, "schema": schema}


LIST_DOCS = {"parameters": [
    _parameter("partner", "Whose dashboard: a partner organisation's id (an admin must name one; a partner may "
                          "name one of their own).", {"type": "integer"}),
    _parameter("q", "Search customers' names, websites and account IDs.", {"type": "string", "maxLength": 100}),
    _parameter("after", "The cursor of the page before (from `next`).", {"type": "string"}),
    _parameter("limit", "Rows per page.", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": MAX_PAGE}),
]}


def _body(properties: dict, required=()) -> dict:
    schema = {"type": "object", "properties": {
        **properties, "version": {"type": "integer", "description": "The version read, unless sent as If-Match."}}}
    if required:
        schema["required"] = list(required)
    return {"requestBody": {"required": False, "content": {"application/json": {"schema": schema}}}}


def _shown(request) -> list[cols.Column]:
    """Every column of the dashboard available now: the MRR ones while their feature is on."""
    return cols.shown_columns(cols.available_keys(request, [column.key for column in cols.OPTIONAL]))


def _rows(request, changes, shown, *, limit: int | None = None) -> list[dict]:
    """The changes (from `queries`; the first `limit`) as the API's rows: the table's values, one
    query, and the primary contacts' names through the people gate in one more."""
    found = table.values_for(changes, shown)
    found = list(found[:limit] if limit is not None else found)
    names = table.PagePeople(found, request.user).names
    url = object_urls("api:renewal")
    site = request.build_absolute_uri("/")[:-1]
    keys = {column.key for column in shown}
    rows = []
    for change in found:
        visible = change["primary_contact_id"] in names
        row = {
            "id": change["id"], "url": site + url(change["id"]), "customer": change["customer_id"],
            "customer_name": change["name"], "account_id": change["customer__account_id"],
            "website": change["customer__website"], "max_contacts": change["customer__max_contacts"],
            "email_limit": change["customer__email_send_limit"], "type": change["type"], "status": change["status"],
            "start_date": change["start_date"], "deadline": change["deadline"],
            "billing_frequency": change["billing_frequency"], "term_months": change["term_months"],
            "communication_owner": change["communication_owner_effective"],
            "primary_contact": change["primary_contact_id"] if visible else None,
            "primary_contact_name": names.get(change["primary_contact_id"]),
            "agreed_at": change["agreed_at"], "agreed_by": change["agreed_by_name"],
            "cancellation_requested_at": change["cancellation_requested_at"],
            "cancellation_requested_by": change["cancellation_requested_by_name"], "version": change["version"],
        }
        for key in ("current_mrr", "upcoming_mrr"):
            if key in keys:
                field = cols.BY_KEY[key].field
                row[key], row[f"{key}_currency"] = change[field.key], change[field.currency_key]
        rows.append(row)
    return rows


@router.get("", response=ChangePage, url_name="renewals", exclude_unset=True, summary="List upcoming renewals",
            openapi_extra=LIST_DOCS)
def renewal_list(request):
    """The partner dashboard's "Upcoming renewals": the contract changes of the partner's customers
    starting within its window, by deadline, searched by `q`. For partners, and admins reading a
    partner's (`partner`); anyone else: 404, as the page."""
    user = request.user
    if not (user.is_partner or user.is_admin):
        raise not_found()
    refuse_unknown(request.GET, LIST_PARAMETERS)
    chooser = PartnerChoiceForm(request.GET, user=user)
    if not chooser.is_valid():
        raise not_found()  # a partner the person may not open, as on the page
    partner = chooser.cleaned_data["partner"]
    if user.is_admin and partner is None:
        raise bad_query({"partner": [{"message": _("Choose whose renewals to read: a partner organisation's id."),
                                      "code": "required"}]})
    shown = _shown(request)
    query, page = DashboardQueryForm(request.GET, shown=shown), PageForm(request.GET)
    if not query.is_valid() or not page.is_valid():
        raise bad_query({**form_errors(query), **form_errors(page)})
    position = page.cleaned_data["after"]
    if position is not None:
        try:
            position = (datetime.date.fromisoformat(position[0]), position[1])
        except ValueError:
            raise cursor_refused() from None
    changes = queries.dashboard(user, today=dates.today(), shown=shown, search=query.cleaned_data["q"], partner=partner)
    # by deadline (the page's default order), that is by start date: the cursor carries the start
    size = page.cleaned_data["limit"]
    found = _rows(request, after(changes, "start_date", position), shown, limit=size + 1)
    following = None
    if len(found) > size:
        found = found[:size]
        following = next_url(request, encode(found[-1]["start_date"].isoformat(), found[-1]["id"]))
    return {"results": found, "next": following}


def _changes(request, shown):
    return queries.changes_for(request.user, today=dates.today(), shown=shown)


def _one(request, change_id: int, response: HttpResponse) -> dict:
    shown = _shown(request)
    found = _rows(request, _changes(request, shown).filter(pk=change_id), shown)
    if not found:
        raise not_found()
    response["ETag"] = etag(found[0]["version"])
    return found[0]


@router.get("{int:change_id}/", response=ChangeOut, url_name="renewal", exclude_unset=True,
            summary="Read a contract change")
def renewal_detail(request, change_id: int, response: HttpResponse):
    """A contract change its reader may see: a partner's customer's, or, for vendor staff, one of
    a customer whose contact they see (as its row on the customer page)."""
    return _one(request, change_id, response)


def _act(request, change_id: int, response: HttpResponse, *, form, action, fields=()):
    """Bind `form` (a renewals form: class, or `(change, data) -> form`) to the body at the version
    read, and run `action(change, cleaned_data)`: a service that refuses a stale version (Conflict)."""
    change = ContractChange.objects.visible_to(request.user).select_related("customer").filter(pk=change_id).first()
    if change is None:
        raise not_found()
    body = json_body(request)
    version = version_checked(request, body, change.version)
    data = form_data(body, writable=fields, ignored=("version",),
                     unknown_message=_("This action takes no field of this name."))
    bound = form(change, {**data, "version": str(version.value)})
    if not bound.is_valid():
        raise invalid(form_errors(bound))
    try:
        action(change, bound.cleaned_data)
    except services.Conflict:
        raise stale(version, ContractChange.objects.filter(pk=change_id).values_list("version", flat=True).first()) \
            from None
    return _one(request, change_id, response)


def _plain(form_class):
    return lambda change, data: form_class(data)


def _taking_back(fact: str):
    return lambda change, data: TakeBackForm({**data, "fact": fact})


@router.post("{int:change_id}/agreed/", response=ChangeOut, url_name="renewal_agreed", exclude_unset=True,
             summary="Record that the customer agreed", openapi_extra=_body({}))
def renewal_agreed(request, change_id: int, response: HttpResponse):
    """As the row menu's "Customer agreed": recorded once (who, when), in the change's history."""
    return _act(request, change_id, response, form=_plain(ActionForm), action=lambda change, data:
                services.contract_change_record_agreement(change=change, version=data["version"], by=request.user))


@router.delete("{int:change_id}/agreed/", response=ChangeOut, exclude_unset=True,
               summary="Take back the customer's agreement", openapi_extra=_body({}))
def renewal_agreed_taken_back(request, change_id: int, response: HttpResponse):
    """The row menu's "Undo" of an agreement recorded by mistake: the status is derived again as
    before it, and the history keeps both."""
    return _act(request, change_id, response, form=_taking_back("agreed"), action=lambda change, data:
                services.contract_change_take_back(change=change, fact=data["fact"], version=data["version"],
                                                   by=request.user))


@router.post("{int:change_id}/cancellation/", response=ChangeOut, url_name="renewal_cancellation", exclude_unset=True,
             summary="Record that the customer requested cancellation", openapi_extra=_body({}))
def renewal_cancellation(request, change_id: int, response: HttpResponse):
    return _act(request, change_id, response, form=_plain(ActionForm), action=lambda change, data:
                services.contract_change_record_cancellation(change=change, version=data["version"], by=request.user))


@router.delete("{int:change_id}/cancellation/", response=ChangeOut, exclude_unset=True,
               summary="Take back the cancellation request", openapi_extra=_body({}))
def renewal_cancellation_taken_back(request, change_id: int, response: HttpResponse):
    return _act(request, change_id, response, form=_taking_back("cancellation_requested"), action=lambda change, data:
                services.contract_change_take_back(change=change, fact=data["fact"], version=data["version"],
                                                   by=request.user))


@router.post("{int:change_id}/communication-owner/", response=ChangeOut, url_name="renewal_communication_owner",
             exclude_unset=True, summary="Set who talks to the customer",
             openapi_extra=_body({"owner": {"type": "string", "enum": list(CommunicationOwner.values)}}, ["owner"]))
def renewal_communication_owner(request, change_id: int, response: HttpResponse):
    return _act(request, change_id, response, form=_plain(CommunicationOwnerForm), fields=("owner",),
                action=lambda change, data: services.contract_change_set_communication_owner(
                    change=change, owner=data["owner"], version=data["version"], by=request.user))


@router.post("{int:change_id}/primary-contact/", response=ChangeOut, url_name="renewal_primary_contact",
             exclude_unset=True, summary="Set the primary customer contact",
             openapi_extra=_body({"primary_contact": {"type": ["integer", "null"],
                                                      "description": "One of the customer's people; null: none."}},
                                 ["primary_contact"]))
def renewal_primary_contact(request, change_id: int, response: HttpResponse):
    """One of the customer's people whom the token's person may see (any other id is refused, as
    the cell's dropdown offers only those), or null."""
    return _act(request, change_id, response, form=lambda change, data: PrimaryContactForm(
                    data, change=change, user=request.user), fields=("primary_contact",),
                action=lambda change, data: services.contract_change_set_primary_contact(
                    change=change, contact=data["primary_contact"], version=data["version"], by=request.user))
