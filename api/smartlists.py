"""`/api/v1/smartlists/`: the smart lists a person may open, and each list's rows as typed JSON.

Nothing here has rules of its own: the lists are `SmartList.objects.visible_to` (own lists and
those shared with one's team), and a list's rows are its page's (`smartlists.listing.list_listing`:
its saved filters and sort over the contacts one may see, each column's value through the field
registry `crm.fields`), read page after page along the list's order as its Next link reads them
(`smartlists.paging`). A column of a switched-off feature that a list already has stays, as on
its page and in its export. Each list names its CSV export, the page's own.
"""

import datetime
from decimal import Decimal
from typing import Literal

from django import forms
from django.http import QueryDict
from django.urls import reverse
from ninja import Router
from pydantic import BaseModel, ConfigDict, Field

from api.paging import MAX_PAGE, PageForm, after, cursor_refused, encode, next_url, refuse_unknown
from api.problems import bad_query, form_errors, not_found
from crm import fields
from crm.links import object_urls
from smartlists.listing import list_listing, shown_values
from smartlists.models import SmartList
from smartlists.paging import InvalidCursor, cursor_of, read_cursor, rows_after

router = Router(tags=["smart lists"])


class Choice(BaseModel):
    value: str
    label: str


class Column(BaseModel):
    key: str = Field(description="The key each row carries the column's value under.")
    label: str
    kind: Literal["text", "number", "money", "date", "choice"] = Field(
        description="money: a decimal as a string, its currency under `<key>_currency`; number: a decimal as a "
                    "string or a whole number; date: ISO 8601; choice: one of `choices`' values.")
    feature: str | None = Field(description="The feature the column belongs to (its values stay while it is off).")
    choices: list[Choice] | None = None


class SmartListOut(BaseModel):
    id: int
    name: str
    owner: int
    owner_name: str
    shared: bool = Field(description="Shared with the owner's team.")
    filters: str = Field(description="The list's saved filters, as its page's query string.")
    sort: str = Field(description="The column the rows are sorted by, `-` in front for descending.")
    columns: list[Column]
    version: int
    rows_url: str = Field(description="The list's rows, as JSON (`/api/v1/smartlists/{id}/rows/`).")
    csv_url: str = Field(description="The list's CSV export, the page's own (it needs a signed-in browser).")


class SmartListPage(BaseModel):
    results: list[SmartListOut]
    next: str | None = Field(description="The next page's URL; null on the last page.")


class Row(BaseModel):
    """A contact of the list: its id and API address, then each column's value under its key."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": {
        "type": ["string", "integer", "number", "boolean", "null"]}})

    id: int
    url: str


class RowPage(BaseModel):
    results: list[Row]
    next: str | None = Field(description="The next page's URL; null on the last page.")


class RowsPageForm(PageForm):
    """The page size, and the list's own cursor (its sort terms' values), read against the list."""

    def clean_after(self):
        return self.cleaned_data["after"] or None


def _page_parameters() -> dict:
    return {"parameters": [
        {"in": "query", "name": "after", "required": False, "schema": {"type": "string"},
         "description": "The cursor of the page before (from `next`)."},
        {"in": "query", "name": "limit", "required": False, "description": "Rows per page.",
         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": MAX_PAGE}},
    ]}


def _visible(request):
    """The lists `request.user` may open; none at all for someone outside the CRM (a partner)."""
    if not request.user.is_vendor_staff:
        raise not_found()
    return SmartList.objects.visible_to(request.user)


def _column(contact_field: fields.ContactField) -> dict:
    choices = [{"value": value, "label": str(label)} for value, label in contact_field.choices] or None
    return {"key": contact_field.key, "label": str(contact_field.label), "kind": contact_field.kind,
            "feature": contact_field.feature, "choices": choices}


def _as_json(request, smartlist: SmartList) -> dict:
    return {
        "id": smartlist.pk, "name": smartlist.display_name, "owner": smartlist.owner_id, "owner_name": str(smartlist.owner),
        "shared": smartlist.shared, "filters": smartlist.query, "sort": smartlist.sort, "version": smartlist.version,
        "columns": [_column(fields.get(key)) for key in smartlist.columns if fields.exists(key)],
        "rows_url": request.build_absolute_uri(reverse("api:smartlist_rows", args=[smartlist.pk])),
        "csv_url": request.build_absolute_uri(reverse("smartlists:export", args=[smartlist.pk])),
    }


@router.get("", response=SmartListPage, url_name="smartlists", summary="List smart lists",
            openapi_extra=_page_parameters())
def smartlist_list(request):
    """One's own lists and those shared with one's team, by name."""
    smartlists = _visible(request).select_related("owner").order_by("name", "pk")
    refuse_unknown(request.GET, PageForm.base_fields)
    page = PageForm(request.GET)
    if not page.is_valid():
        raise bad_query(form_errors(page))
    size = page.cleaned_data["limit"]
    found = list(after(smartlists, "name", page.cleaned_data["after"])[: size + 1])
    following = None
    if len(found) > size:
        found = found[:size]
        following = next_url(request, encode(found[-1].name, found[-1].pk))
    return {"results": [_as_json(request, smartlist) for smartlist in found], "next": following}


def _value(value):
    """A cell as typed JSON: a decimal as a string (never an exponent), a date in ISO 8601."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


@router.get("{int:smartlist_id}/rows/", response=RowPage, url_name="smartlist_rows", summary="Read a smart list's rows",
            openapi_extra=_page_parameters())
def smartlist_rows(request, smartlist_id: int):
    """The list's rows as its page shows them (its saved filters and sort, the contacts one may
    see), each column's value typed. A list whose saved filters no longer read is a 400 naming them."""
    smartlist = _visible(request).filter(pk=smartlist_id).first()
    if smartlist is None:
        raise not_found()
    refuse_unknown(request.GET, RowsPageForm.base_fields)
    page = RowsPageForm(request.GET)
    if not page.is_valid():
        raise bad_query(form_errors(page))
    result = list_listing(request, smartlist, QueryDict(smartlist.query), smartlist.sort)
    if not result.is_valid:
        raise bad_query({name: [{"message": str(message), "code": "invalid"} for message in messages]
                         for name, messages in result.errors.items()})
    rows = result.queryset.values(*shown_values(result))
    try:
        position = read_cursor(rows, result.order, "after", page.cleaned_data["after"])
    except InvalidCursor:
        raise cursor_refused() from None
    size = page.cleaned_data["limit"]
    found = rows_after(rows, result.order, position, size + 1)
    following = next_url(request, cursor_of(found[size - 1], result.order)) if len(found) > size else None
    url = object_urls("api:contact")
    site = request.build_absolute_uri("/")[:-1]
    results = []
    for row in found[:size]:
        cells = {"id": row["pk"], "url": site + url(row["pk"])}
        for column in result.columns:
            cells[column.key] = _value(row[column.key])
            if column.has_currency:
                cells[f"{column.key}_currency"] = row[column.currency_key]
        results.append(cells)
    return {"results": results, "next": following}
