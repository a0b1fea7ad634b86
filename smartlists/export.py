"""The CSV of a smart list: one row generator for the download and the background job.

Formatting happens in SQL, once per registry field kind: ISO dates, "." decimals with two places,
choice labels (in the language of whoever asked), and text that a spreadsheet would run as a formula ("=", "+", "-", "@", tab, CR at
the start) prefixed with an apostrophe; numbers are never touched, negative ones included. Every
column leaves the database as text (NULL for nothing), so the transports only quote:

- PostgreSQL: `COPY (...) TO STDOUT WITH (FORMAT csv)` through psycopg 3 of the list's own query
  (its raw values, sorted) under an outer SELECT that formats them (`copy_sql`); its rows are
  re-chunked to ~64 KiB. That SQL is most of an export's cost, so each kind takes its cheapest
  form there: an integer test of the first character's code, a date's own text output under
  DateStyle ISO, no ROUND of what has two places already.
- SQLite: the list's queryset annotated with the same formatting (`csv_queryset`) is iterated and
  written by `csv.writer`.

Both give the same bytes; the tests hold them to it.
"""

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager

from django.db import connection, transaction
from django.db.models import Case, DecimalField, F, Func, QuerySet, TextField, Value, When
from django.db.models.expressions import Col, Expression
from django.db.models.functions import Cast, Concat, Left, NullIf
from django.db.models.lookups import In
from django.utils.text import slugify

CHUNK_BYTES = 64 * 1024
BOM = "\ufeff".encode()
FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]
FORMULA_CODES = ", ".join(str(ord(start)) for start in FORMULA_STARTS)


class MoneyText(Func):
    """A decimal as text with exactly two places and a "." point: `-12.50`."""

    output_field = TextField()
    arity = 1

    def as_postgresql(self, compiler, connection, **extra):
        source = self.source_expressions[0]
        sql, params = compiler.compile(source)
        if _has_two_places(source):
            return f"CAST({sql} AS text)", params
        return f"CAST(ROUND({sql}, 2) AS text)", params

    def as_sqlite(self, compiler, connection, **extra):
        # printf() turns NULL into 0.00: keep nothing as nothing.
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CASE WHEN ({sql}) IS NULL THEN NULL ELSE printf('%%.2f', {sql}) END", [*params, *params]


class DateText(Func):
    """A date as ISO 8601 text: `2026-12-31`."""

    output_field = TextField()
    arity = 1

    def as_postgresql(self, compiler, connection, **extra):
        # The date's own text output (what COPY writes for a date column): ISO under DateStyle
        # ISO, PostgreSQL's default and set for the COPY's transaction. to_char() costs far more.
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST({sql} AS text)", params

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"strftime('%%Y-%%m-%%d', {sql})", params


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
    """Text as a spreadsheet shows it and never runs it: an apostrophe before a formula start;
    empty text is written as nothing.

    It holds the text and the portable CASE over it; PostgreSQL runs the cheaper test of the first
    character's code instead (`ascii('')` is 0 and `ascii(NULL)` is NULL: neither matches).
    """

    output_field = TextField()

    def __init__(self, text):
        text = Cast(text, TextField())
        super().__init__(text, _neutralised_case(text))

    def as_sql(self, compiler, connection, **extra):
        return compiler.compile(self.source_expressions[1])

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        quote = "''''"  # the SQL literal of one apostrophe
        case = f"CASE WHEN ascii({sql}) IN ({FORMULA_CODES}) THEN {quote} || {sql} ELSE NULLIF({sql}, '') END"
        return case, [*params, *params, *params]


def _neutralised_case(text):
    text = NullIf(text, Value("", output_field=TextField()), output_field=TextField())
    return Case(
        When(In(Left(text, 1), FORMULA_STARTS), then=Concat(Value("'", output_field=TextField()), text, output_field=TextField())),
        default=text,
        output_field=TextField(),
    )


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


def csv_queryset(queryset: QuerySet, columns) -> QuerySet:
    """The list's queryset reduced to one text column per list column, in order."""
    aliases = [f"csv_{i}" for i in range(len(columns))]
    annotated = queryset.annotate(
        **{alias: csv_expression(f) for alias, f in zip(aliases, columns, strict=True)}
    )
    return annotated.values_list(*aliases)


class SortedColumn(Expression):
    """A column of the sorted rows that `copy_sql` formats, standing for the expression it holds."""

    def __init__(self, alias: str, source):
        super().__init__(output_field=source.output_field)
        self.alias, self.source = alias, source

    def as_sql(self, compiler, connection):
        return f"{SORTED_ROWS}.{connection.ops.quote_name(self.alias)}", []


SORTED_ROWS = '"sorted_rows"'


def copy_sql(queryset: QuerySet, columns) -> tuple[str, tuple]:
    """The SELECT that COPY writes (PostgreSQL): the list's own query selecting each column's raw
    value, sorted, under an outer SELECT that formats them.

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
    transport: str | None = None,
) -> Iterator[bytes]:
    """The CSV file of a list, as ~64 KiB chunks of UTF-8 bytes, in constant memory.

    `queryset` is the list's visible, filtered, sorted queryset; `progress(rows)` is told how many
    rows have been written after each chunk. `transport` is "copy" (PostgreSQL's default) or
    "csv" (everywhere else); both give the same bytes.
    """
    transport = transport or ("copy" if connection.vendor == "postgresql" else "csv")
    if transport == "copy":
        rows_of = _copy_lines(*copy_sql(queryset, columns))
    else:
        rows_of = closing(_written_lines(csv_queryset(queryset, columns), single_column=len(columns) == 1))
    buffer = bytearray(BOM if bom else b"")
    buffer += header_line(columns)
    rows = 0
    # Close the rows (ending a COPY) before the transaction ends, also when the download is
    # abandoned or the job dies half-way: a connection cannot roll back in the middle of a COPY.
    # Each row is one line (COPY's rows come one per read): this loop is the per-row cost in
    # Python, so it does nothing else.
    with transaction.atomic():
        if connection.vendor == "postgresql":
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


def _written_lines(rows_queryset: QuerySet, *, single_column: bool) -> Iterator[bytes]:
    """The same rows quoted by `csv.writer` the way COPY quotes them.

    The writer ends lines with CRLF only so that it quotes any field holding a CR or an LF, as
    COPY does; each line then ends with LF, as COPY's do.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows_queryset.iterator(chunk_size=2000):
        if single_column and row[0] is None:
            line = "\n"  # COPY writes NULL as nothing; csv.writer would write "" alone on a line
        elif single_column and row[0] == "\\.":
            line = '"\\."\n'  # COPY quotes its end-of-data marker when it stands alone
        else:
            writer.writerow(row)
            line = out.getvalue()[:-2] + "\n"
            out.seek(0)
            out.truncate()
        yield line.encode()


def file_name(list_name: str, day: datetime.date) -> str:
    return f"{slugify(list_name, allow_unicode=True) or 'smart-list'}-{day.isoformat()}.csv"
