"""Rows per second of a smart list's CSV export next to PostgreSQL's own COPY of the same query.

Runs inside a transaction that is rolled back: the benchmark customers never stay in the database.
"""

import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.http import QueryDict

from crm.dates import today
from crm.models import User
from bench.customers import add_customers
from smartlists.export import copy_sql, csv_chunks
from smartlists.queries import listing

COLUMNS = [
    "name", "owner_name", "email", "current_mrr", "current_currency", "current_end", "upcoming_mrr", "upcoming_direction",
]


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the smart list CSV export of N rows against a bare COPY of the same query."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)

    def handle(self, *args, rows, **options):
        try:
            with transaction.atomic():
                self._run(rows)
                raise Rollback
        except Rollback:
            pass

    def _run(self, rows):
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

        self.stdout.write(f"{'':<28}{'rows':>10}{'seconds':>10}{'rows/s':>12}{'MiB':>8}")
        for label, seconds, nbytes in [
            ("smart list export", export_seconds, size),
            ("COPY of the same query", copy_seconds, copied),
        ]:
            self.stdout.write(f"{label:<28}{rows:>10}{seconds:>10.2f}{rows / seconds:>12,.0f}{nbytes / 2**20:>8.1f}")
