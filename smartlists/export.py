"""The CSV of a smart list: one row generator for the download and the background job.

Formatting happens in SQL, once per registry field kind: ISO dates, "." decimals with two places,
choice labels (in the language of whoever asked), and text that a spreadsheet would run as a
formula ("=", "+", "-", "@" or their full-width forms, tab, CR or LF at the start, or a sign behind
leading spaces) prefixed with an apostrophe; numbers are never touched, negative ones included. Every
column leaves the database as text (NULL for nothing), so the file is PostgreSQL's own CSV:
`COPY (...) TO STDOUT WITH (FORMAT csv)` through psycopg 3 of the list's own query (its raw values,
sorted) under an outer SELECT that formats them (`copy_sql`), its rows re-chunked to ~64 KiB.

That SQL is most of an export's cost, so each kind takes its cheapest form: an integer test of the
first character's code, a date's own text output under DateStyle ISO, no ROUND of what has two
places already. The tests pin the bytes.
"""

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Case, DecimalField, F, Func, QuerySet, TextField, Value, When
from django.db.models.expressions import Col, Expression
from django.db.models.functions import Cast
from django.utils.text import slugify

from crm.formulas import FORMULA_SIGNS, FORMULA_STARTS

CHUNK_BYTES = 64 * 1024
BOM = "\ufeff".encode()
# What a spreadsheet may run as a formula (`crm.formulas`, the rule every CSV the product writes
# follows), as code points for the SQL that neutralises it.
SIGN_CODES = ", ".join(str(ord(sign)) for sign in FORMULA_SIGNS)
START_CODES = ", ".join(str(ord(start)) for start in FORMULA_STARTS)


class MoneyText(Func):
    """A decimal as text with exactly two places and a "." point: `-12.50`."""

    output_field = TextField()
    arity = 1

    def as_sql(self, compiler, connection, **extra):
        source = self.source_expressions[0]
        sql, params = compiler.compile(source)
        if _has_two_places(source):
            return f"CAST({sql} AS text)", params
        return f"CAST(ROUND({sql}, 2) AS text)", params


class DateText(Func):
    """A date as ISO 8601 text: `2026-12-31`."""

    output_field = TextField()
    arity = 1

    def as_sql(self, compiler, connection, **extra):
        # The date's own text output (what COPY writes for a date column): ISO under DateStyle
        # ISO, PostgreSQL's default and set for the COPY's transaction. to_char() costs far more.
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST({sql} AS text)", params


class ChoiceLabel(Func):
    """A choice's label in the active language: `CASE value WHEN 'up' THEN 'Up' ... END`.

    The value is written once (a computed one can be a stack of subqueries); labels are ours, so
    they need no neutralising, and a value outside the choices is written as nothing.
    """

    output_field = TextField()
    arity = 1

    def __init__(self, expression, choices):
        super().__init__(expression)
        self.choices = [(str(code), str(label)) for code, label in choices]

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        whens = " ".join("WHEN %s THEN %s" for _ in self.choices)
        return f"CASE {sql} {whens} END", [*params, *(item for pair in self.choices for item in pair)]


def _has_two_places(expression) -> bool:
    """Whether every value of `expression` has exactly two decimal places already: a numeric(p, 2)
    column, or an expression that rounds to two places itself."""
    if isinstance(expression, SortedColumn):
        expression = expression.source
    if isinstance(expression, Col):
        return isinstance(expression.target, DecimalField) and expression.target.decimal_places == 2
    return getattr(expression, "rounds_to_places", None) == 2


class Neutralised(Func):
    """Text as a spreadsheet shows it and never runs it: an apostrophe before a formula start (also
    one behind leading spaces); empty text is written as nothing.

    The test is of the first character's code (`ascii('')` is 0 and `ascii(NULL)` is NULL: neither
    matches), cheaper than comparing the first character; only text starting with a space is
    trimmed to look further.
    """

    output_field = TextField()
    arity = 1

    def __init__(self, text):
        super().__init__(Cast(text, TextField()))

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        quote = "''''"  # the SQL literal of one apostrophe
        runs = (
            f"ascii({sql}) IN ({START_CODES}) "
            f"OR (ascii({sql}) = 32 AND ascii(ltrim({sql}, E' \\t\\r\\n')) IN ({SIGN_CODES}))"
        )
        case = f"CASE WHEN {runs} THEN {quote} || {sql} ELSE NULLIF({sql}, '') END"
        return case, [*params, *params, *params, *params, *params]


def csv_expression(contact_field, value=None):
    """The text a field's value is written as, by its kind."""
    # The list's queryset has every column annotated already (to filter and sort on): refer to it.
    value = F(contact_field.key) if value is None else value
    match contact_field.kind:
        case "money":
            return MoneyText(value)
        case "number":
            return Cast(value, TextField())
        case "date":
            return DateText(value)
        case "choice":
            return ChoiceLabel(value, contact_field.choices)
        case _:
            return Neutralised(value)


class SortedColumn(Expression):
    """A column of the sorted rows that `copy_sql` formats, standing for the expression it holds."""

    def __init__(self, alias: str, source):
        super().__init__(output_field=source.output_field)
        self.alias, self.source = alias, source

    def as_sql(self, compiler, connection):
        return f"{SORTED_ROWS}.{connection.ops.quote_name(self.alias)}", []


SORTED_ROWS = '"sorted_rows"'


def copy_sql(queryset: QuerySet, columns) -> tuple[str, tuple]:
    """The SELECT that COPY writes: the list's own query selecting each column's raw value,
    sorted, under an outer SELECT that formats them.

    PostgreSQL computes a query's output columns before its sort, so formatting inside the list's
    query would sort every row as a dozen texts (spilling to disk at a million rows); the sorted
    subquery carries the raw values instead. A subquery with an ORDER BY is never merged into its
    parent, and a bare projection over it keeps its order.
    """
    aliases = [f"value_{i}" for i in range(len(columns))]
    rows = queryset.values(**{alias: F(f.key) for alias, f in zip(aliases, columns, strict=True)})
    compiler = rows.query.get_compiler(connection=connection)
    rows_sql, rows_params = compiler.as_sql()
    selects, params = [], []
    for alias, f in zip(aliases, columns, strict=True):
        sql, column_params = compiler.compile(csv_expression(f, SortedColumn(alias, rows.query.annotations[alias])))
        selects.append(sql)
        params += column_params
    return f"SELECT {', '.join(selects)} FROM ({rows_sql}) {SORTED_ROWS}", (*params, *rows_params)


def header_line(columns) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([str(f.label) for f in columns])
    return out.getvalue().encode()


def csv_chunks(
    queryset: QuerySet,
    columns,
    *,
    bom: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The CSV file of a list, as ~64 KiB chunks of UTF-8 bytes, in constant memory.

    `queryset` is the list's visible, filtered, sorted queryset; `progress(rows)` is told how many
    rows have been written after each chunk.
    """
    return _chunks(*copy_sql(queryset, columns), header_line(columns), bom=bom, progress=progress)


def reimport_sql(queryset: QuerySet, import_fields) -> tuple[str, tuple]:
    """The SELECT of a list's rows "for re-import": each importable field's raw value as text.

    No formula neutralising (the importer stores cells as text and never runs them), no choice
    labels (the code, which the importer reads in any language), dates in ISO: what the file was
    read from comes back byte for byte."""
    aliases = {f"value_{i}": Cast(f.value_expression(), TextField()) for i, f in enumerate(import_fields)}
    # Organisations first, in the list's order: their people name them, and the importer finds an
    # organisation only in the database or earlier in the file.
    organisations_first = Case(When(kind="organisation", then=Value(0)), default=Value(1))
    rows = queryset.order_by(organisations_first, *queryset.query.order_by).values(**aliases)
    rows_sql, params = rows.query.get_compiler(connection=connection).as_sql()
    # Only the fields, over the sorted rows: a DISTINCT list (a tag filter joins the tags) selects
    # its sort keys too, which would be cells of their own under no header.
    names = ", ".join(f"{SORTED_ROWS}.{connection.ops.quote_name(alias)}" for alias in aliases)
    return f"SELECT {names} FROM ({rows_sql}) {SORTED_ROWS}", params


def reimport_chunks(queryset: QuerySet, import_fields, *, bom: bool = False) -> Iterator[bytes]:
    """The list's contacts as a CSV the importer maps by itself: its header is the fields' keys."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([f.key for f in import_fields])
    return _chunks(*reimport_sql(queryset, import_fields), out.getvalue().encode(), bom=bom)


def _chunks(sql: str, params, header: bytes, *, bom: bool, progress=None) -> Iterator[bytes]:
    rows_of = _copy_lines(sql, params)
    buffer = bytearray(BOM if bom else b"")
    buffer += header
    rows = 0
    # Close the rows (ending a COPY) before the transaction ends, also when the download is
    # abandoned or the job dies half-way: a connection cannot roll back in the middle of a COPY.
    # Each row is one line (COPY's rows come one per read): this loop is the per-row cost in
    # Python, so it does nothing else.
    with transaction.atomic():
        with connection.cursor() as cursor:
            # DateText writes a date's own text output: ISO whatever the server's default.
            cursor.execute("SET LOCAL DateStyle TO ISO")
        with rows_of as lines:
            for line in lines:
                buffer += line
                rows += 1
                if len(buffer) >= CHUNK_BYTES:
                    yield bytes(buffer)
                    buffer.clear()
                    if progress:
                        progress(rows)
    yield bytes(buffer)
    if progress:
        progress(rows)


@contextmanager
def _copy_lines(sql: str, params) -> Iterator[Iterable[memoryview]]:
    """PostgreSQL's own CSV rows, one per read (as libpq hands them over), while the COPY runs."""
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            yield copy


def file_name(list_name: str, day: datetime.date) -> str:
    return f"{slugify(list_name, allow_unicode=True) or 'smart-list'}-{day.isoformat()}.csv"
