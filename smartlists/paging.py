"""Pages of a list that cost the same at row 50 and at row 500,000: keyset pagination and a capped count.

A page after the first is asked for by the last row of the one before (`after`), or the first
row of the one after (`before`): the sort value and the primary key, in one opaque `cursor`. The
database then starts reading where the previous page stopped, along the sort's index, instead of
counting its way past every row before it (OFFSET). `page` only numbers the page for people; on
its own (an old link) it still works, by offset.

A cursor is read back against the sort column's own field (a date for a date sort, a decimal
within the column's precision for money, text without NUL for text): one that does not fit is an
`InvalidCursor`, which the page answers with 400. It never reaches the database and never falls
back to the first page.

Counting every row of a large list costs as much as reading it, so the count stops at the
`LIST_COUNT_CAP` setting + 1 rows, as every list does (`crm.pagination`): lists up to the cap show
their exact size (and their totals), larger ones show "More than 10,000" (the default cap) and no
totals. (Counting 10,000 rows of a million-contact list costs ~45 ms on PostgreSQL, twenty times
the whole floor request; 1,000 cost ~5 ms. A lower setting buys that back.)
"""

import base64
import json
import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from crm.pagination import count_cap

PAGE_SIZE = 50


class InvalidCursor(ValueError):
    """A page link (`after` or `before`) that is not one this list could have made."""

    def __init__(self, parameter: str):
        self.parameter = parameter
        super().__init__(_("This page link does not belong to the list in its current order: open the list at its first page."))


def capped_count(queryset: QuerySet) -> tuple[int, bool]:
    """(rows, exact): the number of rows, or the cap + 1 and False when there are more."""
    cap = count_cap()
    rows = queryset.order_by().values("pk")[: cap + 1].count()
    return (rows, True) if rows <= cap else (cap + 1, False)


def encode(value, pk: int) -> str:
    raw = json.dumps([None if value is None else str(value), pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str) -> tuple[str | None, int] | None:
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        return None
    if not isinstance(pk, int) or not (value is None or isinstance(value, str)):
        return None
    return value, pk


def _sort_field(queryset: QuerySet, key: str):
    annotation = queryset.query.annotations.get(key)
    return annotation.output_field if annotation is not None else queryset.model._meta.get_field(key)


def _clean(field, value):
    """`value` as `field` holds it, or ValidationError: the field's own parsing and validators
    (a date, an integer in range, a decimal within max_digits), and text PostgreSQL can store."""
    value = field.to_python(value)
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationError("NUL")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:  # a lone surrogate from JSON's \ud800
            raise ValidationError("surrogate") from error
    field.run_validators(value)
    return value


def read_cursor(queryset: QuerySet, key: str, parameter: str, cursor: str | None) -> tuple[object, int] | None:
    """The (sort value, pk) of `cursor` as the sort column holds them; None without one; else InvalidCursor."""
    if not cursor:
        return None
    decoded = decode(cursor)
    if decoded is None:
        raise InvalidCursor(parameter)
    value, pk = decoded
    try:
        pk = _clean(queryset.model._meta.pk, pk)
        if value is not None:
            value = _clean(_sort_field(queryset, key), value)
    except (ValidationError, TypeError, ValueError, ArithmeticError) as error:
        raise InvalidCursor(parameter) from error
    return value, pk


def _beyond(key: str, descending: bool, value, pk: int) -> Q:
    """Rows with a value after (value, pk) in the order `key` (descending or not), then pk.

    Written as "k <= v and (k < v or pk > p)" so that the first part bounds a scan of the sort's
    index. The rows without a value, which come last, are `_nulls`: an OR here would cost the
    index (PostgreSQL then reads the list from its start, as OFFSET does).
    """
    further = "lt" if descending else "gt"
    within = "lte" if descending else "gte"
    return Q(**{f"{key}__{within}": value}) & (Q(**{f"{key}__{further}": value}) | Q(pk__gt=pk))


def _nulls(key: str, after_pk: int | None = None) -> Q:
    return Q(**{f"{key}__isnull": True}) & (Q(pk__gt=after_pk) if after_pk is not None else Q())


def _before(key: str, descending: bool, value, pk: int) -> Q:
    """Rows before (value, pk) in the same order."""
    if value is None:
        return Q(**{f"{key}__isnull": False}) | Q(**{f"{key}__isnull": True, "pk__lt": pk})
    earlier = "gt" if descending else "lt"
    within = "gte" if descending else "lte"
    return Q(**{f"{key}__{within}": value}) & (Q(**{f"{key}__{earlier}": value}) | Q(pk__lt=pk))


@dataclass
class Page:
    rows: list
    number: int
    count: int
    exact: bool
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return max(self.number - 1, 1)

    @property
    def num_pages(self) -> int | None:
        return max(math.ceil(self.count / PAGE_SIZE), 1) if self.exact else None


def _number(text) -> int:
    try:
        return max(int(text), 1)
    except (TypeError, ValueError):
        return 1


MAX_OFFSET_PAGES = 100_000  # beyond the exact count, Next links use keyset cursors anyway


def page_of(queryset: QuerySet, *, sort: str, params, count: int, exact: bool) -> Page:
    """The page `params` asks for of `queryset`, ordered by `sort` (nulls last) and then pk.

    One query: PAGE_SIZE + 1 rows are read, the extra one only telling whether a next page exists;
    the one page where the rows with a value end and those without begin takes a second.
    """
    key, descending = sort.removeprefix("-"), sort.startswith("-")
    # An offset past the last page shows the last page; a huge one must not overflow the database.
    last_page = max(1, -(-count // PAGE_SIZE)) if exact else MAX_OFFSET_PAGES
    number = min(_number(params.get("page")), last_page)
    after = read_cursor(queryset, key, "after", params.get("after"))
    before = read_cursor(queryset, key, "before", params.get("before"))
    if after and after[0] is None:
        rows = list(queryset.filter(_nulls(key, after[1]))[: PAGE_SIZE + 1])
    elif after:
        rows = list(queryset.filter(_beyond(key, descending, *after))[: PAGE_SIZE + 1])
        if len(rows) <= PAGE_SIZE:  # the page where the values end and the rows without one begin
            rows += queryset.filter(_nulls(key))[: PAGE_SIZE + 1 - len(rows)]
    elif before:
        order = queryset.query.order_by
        reverse = [_reversed(term) for term in order]
        rows = list(queryset.filter(_before(key, descending, *before)).order_by(*reverse)[: PAGE_SIZE + 1])
        more_before = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        return _page(rows, key, number, count, exact, has_next=True, has_previous=more_before or number > 1)
    else:
        start = (number - 1) * PAGE_SIZE
        rows = list(queryset[start : start + PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return _page(rows, key, number, count, exact, has_next=has_next, has_previous=bool(after) or number > 1)


def _reversed(term):
    if isinstance(term, str):
        return term[1:] if term.startswith("-") else f"-{term}"
    term = term.copy()
    term.reverse_ordering()
    return term


def _page(rows, key, number, count, exact, *, has_next, has_previous) -> Page:
    first, last = (rows[0], rows[-1]) if rows else (None, None)
    return Page(
        rows=rows,
        number=number,
        count=count,
        exact=exact,
        next_cursor=encode(getattr(last, key), last.pk) if has_next and last else None,
        previous_cursor=encode(getattr(first, key), first.pk) if has_previous and first else None,
    )
