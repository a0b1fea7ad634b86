"""Rows per second of a smart list's CSV export next to PostgreSQL's own COPY of the same query,
in-process (no HTTP): `python -m bench.export_copy --rows 100000`.

Runs on the database DATABASE_URL names, inside a transaction that is rolled back: the benchmark
customers never stay in the database.
"""

import argparse
import os
import time


class Rollback(Exception):
    pass


COLUMNS = [
    "name", "owner_name", "email", "current_mrr", "current_currency", "current_end", "upcoming_mrr", "upcoming_direction",
]


def export_against_copy(*, rows: int, write=print) -> None:
    """Time the smart list CSV export of `rows` customers against a bare COPY of the same query."""
    from django.db import transaction

    try:
        with transaction.atomic():
            _run(rows, write)
            raise Rollback
    except Rollback:
        pass


def _run(rows, write):
    from django.db import connection
    from django.http import QueryDict

    from bench.customers import add_customers
    from crm.dates import today
    from crm.models import User
    from smartlists.export import copy_sql, csv_chunks
    from smartlists.queries import listing

    day = today()
    owner = User.objects.create(username="bench-export-owner", role=User.Role.ADMIN)
    add_customers(owner=owner, count=rows, start=day.replace(day=1), end=day.replace(year=day.year + 1))
    connection.cursor().execute("ANALYZE")
    result = listing(user=owner, columns=COLUMNS, params=QueryDict(), sort="name", today=day)
    queryset = result.queryset.filter(owner=owner)

    started = time.perf_counter()
    size = sum(len(chunk) for chunk in csv_chunks(queryset, result.columns))
    export_seconds = time.perf_counter() - started

    sql, params = copy_sql(queryset, result.columns)
    started = time.perf_counter()
    copied = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
        for block in copy:
            copied += len(block)
    copy_seconds = time.perf_counter() - started

    write(f"{'':<28}{'rows':>10}{'seconds':>10}{'rows/s':>12}{'MiB':>8}")
    for label, seconds, nbytes in [
        ("smart list export", export_seconds, size),
        ("COPY of the same query", copy_seconds, copied),
    ]:
        write(f"{label:<28}{rows:>10}{seconds:>10.2f}{rows / seconds:>12,.0f}{nbytes / 2**20:>8.1f}")


def main(argv=None) -> None:
    import django

    parser = argparse.ArgumentParser(prog="python -m bench.export_copy", description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    options = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    django.setup()
    export_against_copy(rows=options.rows)


if __name__ == "__main__":
    main()
