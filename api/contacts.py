"""`/api/v1/contacts/`: the contact list's rows, filters and search, and the contact form's writes.

Nothing here has rules of its own. Reads go through the visibility gate
(`Contact.objects.visible_to`) and the contact list's FilterSet; writes are the contact form
(`crm.forms.ContactForm`) bound to the JSON body, saved by the services the pages call
(`crm.services`, and `crm.bulk` for a delete, which writes its audit row). A contact one may not see
is a 404; so is the whole resource for a partner, as the contact pages are.
"""

import datetime
import json
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Upper
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status
from pydantic import BaseModel, Field, create_model

from api import contact_json
from api.paging import MAX_PAGE, PageForm, after, encode, next_url, refuse_unknown
from api.problems import Problem, bad_query, form_errors, invalid, not_found
from api.writes import etag, form_data, idempotency_token, json_body, stale, version_of
from crm import bulk, features, fields, services
from crm.filters import ContactFilter
from crm.forms import ContactForm
from crm.models import Contact, visible_owner_ids

router = Router(tags=["contacts"])

WRITABLE = [*ContactForm.Meta.fields, "tags"]


class ContactBase(BaseModel):
    id: int
    url: str
    kind: Literal["person", "organisation"]
    name: str
    email: str
    phone: str
    website: str
    address: str
    external_id: str = Field(description="The contact's id in the system it was imported from (read-only).")
    owner: int = Field(description="The id of the person who owns the contact.")
    organisation: int | None = Field(description="The id of the organisation a person belongs to.")
    tags: list[str]
    version: int = Field(description="Bumped by every change: send it back (If-Match or `version`) to write.")
    created_at: datetime.datetime
    updated_at: datetime.datetime


_KIND_TYPES = {"money": Decimal, "number": Decimal, "date": datetime.date, "text": str, "choice": str}


def _feature_fields() -> list:
    """The registry's fields that a feature owns (the subscription figures): present in a contact
    while their feature is on, absent while it is off."""
    return [f for f in fields.all_fields() if f.feature and f.kind in _KIND_TYPES]


ContactOut = create_model(
    "Contact", __base__=ContactBase,
    **{f.key: (_KIND_TYPES[f.kind] | None, Field(None, description=f"{f.label} (only while the feature “{f.feature}” "
                                                                       f"is on; read-only)"))
       for f in _feature_fields()},
)


class ContactPage(BaseModel):
    results: list[ContactOut]
    next: str | None = Field(description="The next page's URL; null on the last page.")


class ContactIn(BaseModel):
    """The contact form's fields. Omitted in a PATCH: unchanged; in a PUT: emptied."""

    kind: Literal["person", "organisation"] = "person"
    name: str = Field(max_length=200)
    organisation: int | None = None
    email: str = ""
    phone: str = ""
    website: str = ""
    address: str = ""
    owner: int | None = Field(None, description="Default on create: the token's person.")
    tags: list[str] = []
    version: int | None = Field(None, description="The version read, unless sent as If-Match (updates only).")


def _body_schema(required: bool, *, fields_required=None):
    """The request body as the schema documents it. `fields_required`: the fields the body must
    carry, instead of the create's (a PATCH: none, and no defaults, since an omitted field is
    kept; a PUT: the form's required ones, and no defaults, since an omitted field is emptied)."""
    schema = ContactIn.model_json_schema()
    if fields_required is not None:
        schema["required"] = list(fields_required)
        if not fields_required:
            del schema["required"]
        for field in schema["properties"].values():
            field.pop("default", None)
    return {"requestBody": {"required": required, "content": {"application/json": {"schema": schema}}}}


def _gate(request):
    """The contacts `request.user` may see; none at all for someone outside the CRM (a partner)."""
    if not request.user.is_vendor_staff:
        raise not_found()
    return Contact.objects.visible_to(request.user)


def _shown(request) -> list[str]:
    """The registry's fields a contact carries for this request: those of the features that are on."""
    return [f.key for f in _feature_fields() if features.is_active(f.feature, request)]


def _site(request) -> str:
    return request.build_absolute_uri("/")[:-1]


def _one(request, contacts, pk: int) -> dict:
    found = contact_json.contact_data(contacts, pk, _shown(request), site=_site(request))
    if found is None:
        raise not_found()
    return found


def _query_parameter(name: str, description: str, schema: dict) -> dict:
    return {"in": "query", "name": name, "required": False, "description": description, "schema": schema}


# Documented here, read by the contact list's FilterSet and `PageForm` (their rules, their messages).
LIST_PARAMETERS = {"parameters": [
    _query_parameter("q", "Search names, e-mails and organisation names.", {"type": "string", "maxLength": 200}),
    _query_parameter("kind", "Only people or only organisations.", {"type": "string", "enum": ["person", "organisation"]}),
    _query_parameter("tag", "Only contacts with this tag.", {"type": "string"}),
    _query_parameter("after", "The cursor of the page before (from `next`).", {"type": "string"}),
    _query_parameter("limit", "Rows per page.", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE,
                                                 "default": MAX_PAGE}),
]}


@router.get("/", response=ContactPage, url_name="contacts", exclude_unset=True, summary="List contacts",
            openapi_extra=LIST_PARAMETERS)
def contact_list(request):
    """The contacts the token's person may see, in the contact list's order, with its filters:
    `q` searches names, e-mails and organisation names (then the order is by name, any case),
    `kind`, `tag`. A page has at most `limit` rows; `next` links the following page."""
    if not request.user.is_vendor_staff:
        raise not_found()
    owners = visible_owner_ids(request.user)
    refuse_unknown(request.GET, [*ContactFilter.base_filters, *PageForm.base_fields])
    filterset = ContactFilter(request.GET, queryset=Contact.objects.owned_by(owners))
    page = PageForm(request.GET)
    if not filterset.is_valid() or not page.is_valid():
        raise bad_query({**form_errors(filterset.form), **form_errors(page)})
    # The order the list has: by name, or, searched, by name in any case (`ContactQuerySet.search`).
    searched = bool(filterset.form.cleaned_data.get("q", "").strip())
    term = "sort_name" if searched else "name"
    rows = filterset.qs.annotate(sort_name=Upper("name")) if searched else filterset.qs
    size = page.cleaned_data["limit"]
    rows = after(rows, term, page.cleaned_data["after"])
    ordered = (_ordered_by_owner(rows, owners, size + 1) if not searched
               else rows.values_list(term, "pk")[: size + 1].query.sql_with_params())
    found = contact_json.page(ordered, _shown(request), size=size, site=_site(request))
    following = next_url(request, encode(*found.last)) if found.last else None
    # The rows as PostgreSQL wrote them: the response schema documents them, nothing re-reads them.
    return HttpResponse(f'{{"results":{found.results},"next":{json.dumps(following)}}}',
                        content_type="application/json")


# An owner id no row has, compiled into the page query in the place of each owner's.
_OWNER_SLOT = -7_319_511


def _ordered_by_owner(rows, owners: list[int] | None, count: int) -> tuple[str, list]:
    """The query (sql, params) of the (name, id) of the first `count` rows of `rows` in name order.
    A team's rows are read owner by owner, each along its (owner, name) index, and merged: asked
    for all of them at once, PostgreSQL walks every contact in name order and skips the other
    teams' (at 100,000 contacts, 11,000 rows read for a page of 100: 8 ms, against about 1 ms
    this way). One owner's part is compiled once, with each owner taken from an array (planned
    once: as eleven parts of a UNION, planning took as long as reading)."""
    if owners is None or len(owners) < 2:
        return rows.values_list("name", "pk")[:count].query.sql_with_params()
    part = rows.filter(owner=_OWNER_SLOT).order_by("name", "pk").values_list("name", "pk")[:count]
    sql, params = part.query.sql_with_params()
    slot = params.index(_OWNER_SLOT)
    before, after_slot = _split_at_parameter(sql, slot)
    return (f"SELECT part.name, part.id FROM unnest(%s::bigint[]) AS owner (id) "
            f"CROSS JOIN LATERAL ({before}owner.id{after_slot}) AS part (name, id) "
            f"ORDER BY part.name, part.id LIMIT %s",
            [owners, *params[:slot], *params[slot + 1:], count])


def _split_at_parameter(sql: str, index: int) -> tuple[str, str]:
    """`sql` before and after its `index`th `%s` placeholder (Django writes a literal % as %%)."""
    parts = sql.replace("%%", "\x00").split("%s")  # SQL text holds no NUL
    before, after_slot = "%s".join(parts[: index + 1]), "%s".join(parts[index + 1:])
    return before.replace("\x00", "%%"), after_slot.replace("\x00", "%%")


@router.get("/{int:contact_id}/", response=ContactOut, url_name="contact", exclude_unset=True, summary="Read a contact")
def contact_detail(request, contact_id: int, response: HttpResponse):
    row = _one(request, _gate(request), contact_id)
    response["ETag"] = etag(row["version"])
    return row


@router.post("/", response={200: ContactOut, 201: ContactOut}, exclude_unset=True, summary="Create a contact",
             openapi_extra=_body_schema(required=True))
def contact_create(request, response: HttpResponse):
    """The contact form's create. With an `Idempotency-Key`, the same key sent again answers with
    the contact it made (200) instead of making another."""
    contacts = _gate(request)
    token = idempotency_token(request, request.user)
    form = ContactForm(_form_data(json_body(request), base=_new_data(request.user)), user=request.user)
    if not form.is_valid():
        raise invalid(form_errors(form))
    try:
        contact, created = services.contact_create(contact=form.save(commit=False), tags=form.cleaned_data["tags"],
                                                   token=token)
    except ValidationError:  # the key made something this person may not see, or another kind of row
        raise _key_used() from None
    if not created and not contacts.filter(pk=contact.pk).exists():
        raise _key_used()
    row = _one(request, contacts, contact.pk)
    response["ETag"] = etag(row["version"])
    response["Location"] = row["url"]
    return Status(201 if created else 200, row)


def _key_used() -> Problem:
    return Problem(409, _("This Idempotency-Key was already used."), _("Send a new key for a new contact."),
                   kind="idempotency-key-used")


def _new_data(user) -> dict:
    """What the contact form starts a new contact with: a person, owned by whoever makes it."""
    return {"kind": Contact.Kind.PERSON, "owner": str(user.pk)}


def _current_data(contact: Contact) -> dict:
    """The saved contact as the form's data: what a PATCH leaves as it is."""
    return {
        "kind": contact.kind, "name": contact.name, "organisation": str(contact.organisation_id or ""),
        "email": contact.email, "phone": contact.phone, "website": contact.website, "address": contact.address,
        "owner": str(contact.owner_id), "tags": ", ".join(tag.name for tag in contact.tags.all()),
    }


READ_ONLY = set(ContactOut.model_fields) - set(WRITABLE) - {"version"}


def _form_data(body: dict, *, base: dict) -> dict:
    """The JSON body as the contact form's POST data, over `base` (`api.writes.form_data`): the
    read-only fields a GET answered may be sent back as they were, and are ignored; the tags are
    a list of names."""
    return form_data(body, writable=WRITABLE, ignored={"version", *READ_ONLY}, base=base,
                     unknown_message=_("A contact has no field of this name."),
                     name_lists={"tags": _("Give the tags as a list of names, none with a comma.")})


def _update(request, contact_id: int, response: HttpResponse, *, partial: bool):
    contacts = _gate(request)
    contact = contacts.filter(pk=contact_id).first()
    if contact is None:
        raise not_found()
    body = json_body(request)
    version = version_of(request, body)
    if version.value != contact.version:
        raise stale(version, contact.version)
    data = _form_data(body, base=_current_data(contact) if partial else {})
    form = ContactForm({**data, "version": str(version.value)}, instance=contact, user=request.user)
    if not form.is_valid():
        raise invalid(form_errors(form))
    try:
        services.contact_update(contact=form.save(commit=False), tags=form.cleaned_data["tags"], version=version.value)
    except ValidationError:
        raise stale(version, Contact.objects.filter(pk=contact_id).values_list("version", flat=True).first()) from None
    row = _one(request, contacts, contact_id)
    response["ETag"] = etag(row["version"])
    return row


@router.patch("/{int:contact_id}/", response=ContactOut, exclude_unset=True, summary="Change some fields of a contact",
              openapi_extra=_body_schema(required=True, fields_required=()))
def contact_patch(request, contact_id: int, response: HttpResponse):
    """The fields sent are changed, the others kept; the version read is required."""
    return _update(request, contact_id, response, partial=True)


@router.put("/{int:contact_id}/", response=ContactOut, exclude_unset=True, summary="Replace a contact",
            openapi_extra=_body_schema(required=True, fields_required=("kind", "name", "owner")))
def contact_put(request, contact_id: int, response: HttpResponse):
    """Every field as sent: one left out is emptied (and refused where the form requires it)."""
    return _update(request, contact_id, response, partial=False)


@router.delete("/{int:contact_id}/", response={204: None}, summary="Delete a contact",
               openapi_extra=_body_schema(required=False))
def contact_delete(request, contact_id: int):
    """Deleted as the contact list's bulk delete deletes, with its audit row; the version read is required."""
    contacts = _gate(request)
    current = contacts.filter(pk=contact_id).values_list("version", flat=True).first()
    if current is None:
        raise not_found()
    version = version_of(request, json_body(request))
    with transaction.atomic():
        locked = Contact.objects.select_for_update().filter(pk=contact_id).values_list("version", flat=True).first()
        if locked != version.value:
            raise stale(version, locked)
        try:
            bulk.apply(contacts.filter(pk=contact_id), bulk.Plan(bulk.DELETE), by=request.user)
        except bulk.BulkError as error:
            raise Problem(409, _("The contact cannot be deleted."), str(error), kind="in-use") from None
    return Status(204, None)
