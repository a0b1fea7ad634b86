"""Cursor pages of the API's lists: `{"results": [...], "next": <url or null>}`.

The next page is asked for by the last row of the one before (`after`): its value of the list's
sort term and its primary key, in one opaque cursor. The database starts reading where the page
before stopped, along the sort's index, so page 1,000 costs what page 1 costs (no OFFSET), and a
row added or removed meanwhile neither repeats nor skips another.
"""

import base64
import binascii
import json

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

MAX_PAGE = 100
INVALID_CURSOR = _("This page link was not made by this list: start again from its first page.")
NAME_LENGTH = 200  # the longest sort value a cursor may carry: the contacts' name column


class PageForm(forms.Form):
    """What a list reads besides its filters: the page size and the cursor."""

    limit = forms.IntegerField(label=_("Rows per page"), required=False, min_value=1, max_value=MAX_PAGE)
    after = forms.CharField(label=_("After"), required=False, max_length=1000)

    def clean_limit(self):
        return self.cleaned_data["limit"] or MAX_PAGE

    def clean_after(self):
        cursor = self.cleaned_data["after"]
        if not cursor:
            return None
        position = decode(cursor)
        if position is None:
            raise forms.ValidationError(INVALID_CURSOR, code="invalid_cursor")
        return position


def encode(value: str, pk: int) -> str:
    raw = json.dumps([value, pk], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str) -> tuple[str, int] | None:
    """(sort value, pk) from a cursor `encode` made, or None for anything else."""
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError, binascii.Error):
        return None
    if not isinstance(value, str) or "\x00" in value or len(value) > NAME_LENGTH:
        return None
    if not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk < 2**63:
        return None
    return value, pk


def after(rows: QuerySet, term: str, position: tuple[str, int] | None) -> QuerySet:
    """`rows` (ordered by `term`, then pk) from just after `position`."""
    if position is None:
        return rows
    value, pk = position
    # `>=` as well: a bound the sort's index can start from (the OR alone, PostgreSQL only filters by)
    return rows.filter(Q(**{f"{term}__gte": value}), Q(**{f"{term}__gt": value}) | Q(**{term: value, "pk__gt": pk}))


def refuse_unknown(params, known) -> None:
    """A list's parameters other than `known` are refused (400): a misspelt filter would otherwise
    widen the list, silently."""
    from api.problems import bad_query

    unknown = sorted(set(params) - set(known))
    if unknown:
        raise bad_query({name: [{"message": _("This list has no parameter of this name."), "code": "unknown"}]
                         for name in unknown})


def cursor_refused():
    """A cursor whose values are not of the list's sort (its text is no date...): as a cursor this
    list never made, a 400 naming `after`."""
    from api.problems import bad_query

    return bad_query({"after": [{"message": str(INVALID_CURSOR), "code": "invalid_cursor"}]})


def next_url(request, cursor: str) -> str:
    """The request's own URL with `after` set to `cursor`: the next page's."""
    params = request.GET.copy()
    params["after"] = cursor
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
