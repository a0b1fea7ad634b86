"""Pages of a list that cost the same at row 50 and at row 500,000: keyset pagination and a capped count.

A page after the first is asked for by the last row of the one before (`after`), or the first
row of the one after (`before`): the sort value and the primary key, in one opaque `cursor`. The
database then starts reading where the previous page stopped, along the sort's index, instead of
counting its way past every row before it (OFFSET). `page` only numbers the page for people; on
its own (an old link) it still works, by offset.

Counting every row of a large list costs as much as reading it, so the count stops at
`COUNT_CAP` + 1 rows: lists up to the cap show their exact size (and their totals), larger ones
show "10,000+" and no totals.
"""

import base64
import json
import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

PAGE_SIZE = 50
COUNT_CAP = 10_000


def capped_count(queryset: QuerySet) -> tuple[int, bool]:
    """(rows, exact): the number of rows, or COUNT_CAP + 1 and False when there are more."""
    cap = COUNT_CAP
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


def _beyond(key: str, descending: bool, value, pk: int) -> Q:
    """Rows after (value, pk) in the order `key` (descending or not, nulls last), then pk."""
    if value is None:
        return Q(**{f"{key}__isnull": True, "pk__gt": pk})
    further = "lt" if descending else "gt"
    # Written as "k <= v and (k < v or pk > p)" so the first part bounds a scan of the sort's index.
    within = "lte" if descending else "gte"
    return Q(**{f"{key}__{within}": value}) & (Q(**{f"{key}__{further}": value}) | Q(pk__gt=pk)) | Q(**{f"{key}__isnull": True})


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


def page_of(queryset: QuerySet, *, sort: str, params, count: int, exact: bool) -> Page:
    """The page `params` asks for of `queryset`, ordered by `sort` (nulls last) and then pk.

    One query: PAGE_SIZE + 1 rows are read, the extra one only telling whether a next page exists.
    """
    key, descending = sort.removeprefix("-"), sort.startswith("-")
    number = _number(params.get("page"))
    after, before = decode(params.get("after", "")), decode(params.get("before", ""))
    try:
        if after:
            rows = list(queryset.filter(_beyond(key, descending, *after))[: PAGE_SIZE + 1])
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
    except ValidationError:  # a cursor whose value does not fit the sort column: start again
        rows, number, after = list(queryset[: PAGE_SIZE + 1]), 1, None
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
