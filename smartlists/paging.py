"""Pages of a list that cost the same at row 50 and at row 500,000: keyset pagination and a capped count.

A page after the first is asked for by the last row of the one before (`after`), or the first
row of the one after (`before`): the row's values of every term the list is ordered by, and its
primary key, in one opaque `cursor`. A list is ordered by a list of terms, each ascending or
descending with nulls last, then by the primary key: one term for most columns; two for money,
its currency and then its amount (`ContactField.sort_terms`), so a cursor carries both and a page
that starts or ends on a currency boundary neither loses nor repeats a row. The database then
starts reading where the previous page stopped, along the sort's index, instead of counting its
way past every row before it (OFFSET). `page` only numbers the page for people; on its own (an
old link) it still works, by offset.

A cursor is read back against each term's own field (a date for a date sort, a decimal within the
column's precision for money, text without NUL for text), and must carry one value per term: one
that does not fit is an `InvalidCursor`, which the page answers with 400. It never reaches the
database and never falls back to the first page.

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


PAGE_SIZE = 50


class InvalidCursor(ValueError):
    """A page link (`after` or `before`) that is not one this list could have made."""

    def __init__(self, parameter: str):
        self.parameter = parameter
        super().__init__(_("This page link does not belong to the list in its current order: open the list at its first page."))


def encode(values, pk: int) -> str:
    """A cursor: the row's value of each sort term, then its primary key."""
    raw = json.dumps([*(None if value is None else str(value) for value in values), pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str) -> tuple[list, int] | None:
    try:
        *values, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        return None
    if not isinstance(pk, int) or not all(value is None or isinstance(value, str) for value in values):
        return None
    return values, pk


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


Order = list[tuple[str, bool]]  # (annotation or field, descending) terms, before the primary key


def read_cursor(queryset: QuerySet, order: Order, parameter: str, cursor: str | None) -> tuple[list, int] | None:
    """The (values, pk) of `cursor` as the sort terms hold them; None without one; else InvalidCursor."""
    if not cursor:
        return None
    decoded = decode(cursor)
    if decoded is None or len(decoded[0]) != len(order):
        raise InvalidCursor(parameter)
    values, pk = decoded
    try:
        pk = _clean(queryset.model._meta.pk, pk)
        values = [
            None if value is None else _clean(_sort_field(queryset, key), value)
            for (key, _descending), value in zip(order, values, strict=True)
        ]
    except (ValidationError, TypeError, ValueError, ArithmeticError) as error:
        raise InvalidCursor(parameter) from error
    return values, pk


def _equal(order: Order, values: list) -> Q:
    """Rows with these values on these terms (null for null)."""
    q = Q()
    for (key, _descending), value in zip(order, values, strict=True):
        q &= Q(**{f"{key}__isnull": True}) if value is None else Q(**{key: value})
    return q


def _after(order: Order, values: list, pk: int) -> list[Q]:
    """The rows after (values, pk) in `order` (each term nulls last, then pk), as segments in list
    order, each a range of the sort's index: the rows equal on every term but the last, after it;
    then those equal on every term but the last two, after on the one before; and so on up to the
    first term, each level followed by its nulls.

    A segment is read only when the ones before it leave the page short, so a page costs one query
    unless it crosses a boundary (a currency's last amount, the last row with a value). One query
    with an OR of the segments would cost the index: PostgreSQL then reads the list from the start
    of the first term's value, as OFFSET does (a deep page of euros: ~400 ms at 200,000 contacts).
    """
    segments = []
    last = len(order) - 1
    for depth in range(last, -1, -1):
        prefix = _equal(order[:depth], values[:depth])
        (key, descending), value = order[depth], values[depth]
        further, within = ("lt", "lte") if descending else ("gt", "gte")
        if value is None:
            if depth == last:  # only other nulls come after a null, by pk
                segments.append(prefix & Q(**{f"{key}__isnull": True}, pk__gt=pk))
            continue
        if depth == last:
            segments.append(prefix & Q(**{f"{key}__{within}": value}) & (Q(**{f"{key}__{further}": value}) | Q(pk__gt=pk)))
        else:
            segments.append(prefix & Q(**{f"{key}__{further}": value}))
        segments.append(prefix & Q(**{f"{key}__isnull": True}))
    return segments


def _before(order: Order, values: list, pk: int) -> list[Q]:
    """The rows before (values, pk) in the same order, as segments nearest first (each read in
    reverse order)."""
    segments = []
    last = len(order) - 1
    for depth in range(last, -1, -1):
        prefix = _equal(order[:depth], values[:depth])
        (key, descending), value = order[depth], values[depth]
        earlier, within = ("gt", "gte") if descending else ("lt", "lte")
        if value is None:
            if depth == last:
                segments.append(prefix & Q(**{f"{key}__isnull": True}, pk__lt=pk))
            segments.append(prefix & Q(**{f"{key}__isnull": False}))  # every value comes before a null
        elif depth == last:
            segments.append(prefix & Q(**{f"{key}__{within}": value}) & (Q(**{f"{key}__{earlier}": value}) | Q(pk__lt=pk)))
        else:
            segments.append(prefix & Q(**{f"{key}__{earlier}": value}))
    return segments


def _read(queryset: QuerySet, segments: list[Q], limit: int) -> list:
    """Up to `limit` rows of `queryset`'s order, segment after segment."""
    rows = []
    for segment in segments:
        rows += queryset.filter(segment)[: limit - len(rows)]
        if len(rows) >= limit:
            break
    return rows


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


def page_of(queryset: QuerySet, *, order: Order, params, count: int, exact: bool) -> Page:
    """The page `params` asks for of `queryset`, ordered by the terms of `order` (nulls last) and
    then pk, as the queryset is.

    One query: PAGE_SIZE + 1 rows are read, the extra one only telling whether a next page exists;
    a page that crosses a boundary of the order (a currency's last amount, the last row with a
    value) takes one more for each (`_after`).
    """
    # An offset past the last page shows the last page; a huge one must not overflow the database.
    last_page = max(1, -(-count // PAGE_SIZE)) if exact else MAX_OFFSET_PAGES
    number = min(_number(params.get("page")), last_page)
    after = read_cursor(queryset, order, "after", params.get("after"))
    before = read_cursor(queryset, order, "before", params.get("before"))
    if after:
        rows = _read(queryset, _after(order, *after), PAGE_SIZE + 1)
    elif before:
        reverse = queryset.order_by(*[_reversed(term) for term in queryset.query.order_by])
        rows = _read(reverse, _before(order, *before), PAGE_SIZE + 1)
        more_before = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        return _page(rows, order, number, count, exact, has_next=True, has_previous=more_before or number > 1)
    else:
        start = (number - 1) * PAGE_SIZE
        rows = list(queryset[start : start + PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return _page(rows, order, number, count, exact, has_next=has_next, has_previous=bool(after) or number > 1)


def _reversed(term):
    if isinstance(term, str):
        return term[1:] if term.startswith("-") else f"-{term}"
    term = term.copy()
    term.reverse_ordering()
    return term


def _page(rows, order: Order, number, count, exact, *, has_next, has_previous) -> Page:
    first, last = (rows[0], rows[-1]) if rows else (None, None)
    return Page(
        rows=rows,
        number=number,
        count=count,
        exact=exact,
        next_cursor=cursor_of(last, order) if has_next and last else None,
        previous_cursor=cursor_of(first, order) if has_previous and first else None,
    )


def cursor_of(row: dict, order: Order) -> str:
    """The cursor of a values() row of a list ordered by `order`: the Next link after it."""
    return encode([row[key] for key, _descending in order], row["pk"])


def rows_after(queryset: QuerySet, order: Order, position: tuple[list, int] | None, limit: int) -> list:
    """Up to `limit` rows of `queryset` (ordered by `order`, then pk) after `position` (from
    `read_cursor`; None: from the first), read along the sort's index as the page's Next link reads."""
    if position is None:
        return list(queryset[:limit])
    return _read(queryset, _after(order, *position), limit)
