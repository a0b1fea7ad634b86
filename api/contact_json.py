"""The API's contacts as JSON text, made by PostgreSQL in the statement that finds them.

A page of 100 contacts read as Python values (25 of each: datetimes, decimals, arrays), turned
into dicts, validated by the response schema and encoded again cost most of the contact list's
time; PostgreSQL writes the same JSON in a fraction of it, and the view passes the text through.
The values are the ones the contact list reads (`_values`: the registry's fields, through
`crm.fields`), written as the response schema's encoder writes them: decimals as strings,
datetimes in UTC as `2026-05-27T11:11:24.438Z` (to the millisecond, none when whole seconds),
dates as `2026-05-27`. `tests/api/test_contact_json.py` holds the two equal.
"""

import json
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import OuterRef, QuerySet

from crm import fields
from crm.dates import today
from crm.links import object_url_parts
from crm.models import Contact, Tag

# The contact's own columns, under the key the API gives each (the URL follows the id).
COLUMNS = {
    "id": "id", "kind": "kind", "name": "name", "email": "email", "phone": "phone", "website": "website",
    "address": "address", "external_id": "external_id", "owner": "owner_id", "organisation": "organisation_id",
    "tags": "tag_names", "version": "version", "created_at": "created_at", "updated_at": "updated_at",
}
DATETIMES = ("created_at", "updated_at")
# How a registry field of each kind is written: money and numbers as decimal strings.
_AS_TEXT = {"money", "number"}


@dataclass(frozen=True)
class Page:
    results: str  # a JSON array
    last: tuple[str, int] | None  # the last row's (sort value, id) when more rows follow


def _datetime(column: str) -> str:
    """DjangoJSONEncoder's datetime: ISO 8601 in UTC with a Z, milliseconds only when not zero."""
    return (f"to_char({column} AT TIME ZONE 'UTC', CASE WHEN {column} = date_trunc('second', {column}) "
            f"""THEN 'YYYY-MM-DD"T"HH24:MI:SS"Z"' ELSE 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"' END)""")


def _values(contacts: QuerySet, shown: list[str], reading: fields.Reading) -> QuerySet:
    tags = ArraySubquery(Tag.objects.filter(contacts=OuterRef("pk")).order_by("name").values("name"))
    contacts = fields.annotate(contacts.order_by(), shown, today=reading.today, reading=reading)
    return contacts.values(*(column for column in COLUMNS.values() if column != "tag_names"), *shown, tag_names=tags)


# Every contact's values, compiled once per process for each `fields.compiled_key`: built through
# the ORM, the query cost 1.5 ms a page, more than PostgreSQL took to run it.
_compiled_rows: dict[tuple, tuple[str, tuple]] = {}


def _rows(shown: list[str]) -> tuple[str, tuple]:
    reading = fields.Reading(today())
    key = fields.compiled_key(shown, reading)
    if key not in _compiled_rows:
        if len(_compiled_rows) >= 64:  # a new day's keys, the old ones unused from now on
            _compiled_rows.clear()
        _compiled_rows[key] = _values(Contact.objects.all(), shown, reading).query.sql_with_params()
    return _compiled_rows[key]


def _columns(shown: list[str]) -> str:
    """The select list of one contact `r` as the API's object, each value under its key; its URL
    from two parameters (the text before and after the id)."""
    quote = connection.ops.quote_name
    kinds = {field.key: field.kind for field in fields.all_fields()}
    members = {"id": "r.id", "url": "%s || r.id || %s"}
    for key, column in COLUMNS.items():
        members[key] = _datetime(f"r.{quote(column)}") if key in DATETIMES else f"r.{quote(column)}"
    for key in shown:
        members[key] = f"r.{quote(key)}::text" if kinds[key] in _AS_TEXT else f"r.{quote(key)}"
    return ", ".join(f"{member} AS {quote(key)}" for key, member in members.items())


def page(ordered: tuple[str, list], shown: list[str], *, size: int, site: str) -> Page:
    """The first `size` contacts of the query `ordered` (sql, params), in its order, as a JSON array
    of the API's contact objects with the registry's fields `shown`; one statement. `ordered`
    selects (sort value, id) in the list's order, at most `size + 1` rows, through the visibility
    gate: a row beyond `size` says another page follows. `site` is the URLs' scheme and host."""
    ordered_sql, ordered_params = ordered
    rows_sql, rows_params = _rows(shown)
    head, tail = object_url_parts("api:contact")
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH page AS (SELECT sort, id, row_number() OVER (ORDER BY sort, id) AS position "
            f"              FROM ({ordered_sql}) AS ordered (sort, id)) "
            f"SELECT (SELECT coalesce(json_agg(to_json(contact) ORDER BY page.position), '[]')::text "
            f"        FROM page JOIN ({rows_sql}) AS r ON r.id = page.id "
            f"        CROSS JOIN LATERAL (SELECT {_columns(shown)}) AS contact WHERE page.position <= %s), "
            f"       last.sort, last.id, (SELECT count(*) FROM page) > %s "
            f"FROM (SELECT 1) AS one LEFT JOIN page AS last ON last.position = %s",
            [*ordered_params, *rows_params, site + head, tail, size, size, size],
        )
        results, sort, pk, more = cursor.fetchone()
    return Page(results, (sort, pk) if more else None)


def contact_data(contacts: QuerySet, pk: int, shown: list[str], *, site: str) -> dict | None:
    """The contact `pk` of `contacts` as the API's object (for the answers that set headers from
    it), or None when `contacts` has no such contact."""
    if not 0 < pk < 2**63:  # out of the column's range: no contact's id
        return None
    ordered = contacts.filter(pk=pk).values_list("name", "pk").query.sql_with_params()
    found = page(ordered, shown, size=1, site=site)
    return next(iter(json.loads(found.results)), None)
