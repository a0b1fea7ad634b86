"""Where one page's time goes, in-process: milliseconds per request, queries and their database time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench python -m bench.profile contact_page pipeline
    python -m bench.profile smartlist_page_1 --cprofile 25     # also the 25 costliest functions
    python -m bench.profile movements_team --cprofile 25 --sort tottime   # by their own time

It reuses the bench's data and its operations' `prepare` (run `make bench` once first), renders
each page afresh with Django's test client as the operation's user, and prints a line per page:
median and best of `--repeat` requests, query count, and the share of the time spent waiting on
PostgreSQL. The HTTP figures stay `make bench`'s; this is for finding what to remove.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time

import django


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("operations", nargs="*", help="operation keys of kind page, e.g. contact_page pipeline")
    parser.add_argument("--path", action="append", default=[], metavar="USER:PATH",
                        help="also any page as any bench user, e.g. bench-rep-0001:/contacts/1/ (a mixed workload's)")
    parser.add_argument("--repeat", type=int, default=30, help="requests per page")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N", help="print the N costliest functions")
    parser.add_argument("--sort", default="cumulative", choices=("cumulative", "tottime"),
                        help="--cprofile's order: with what they call, or their own time")
    parser.add_argument("--queries", action="store_true", help="print each query of the median request, with its time")
    parser.add_argument("--explain", action="store_true", help="print the plan of the median request's slowest query")
    options = parser.parse_args(argv)

    from bench.runner import DEFAULT_DATABASE_URL, production_environment

    os.environ.update(production_environment(
        database_url=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL, secret_key="profile-only"
    ))
    os.environ["ALLOWED_HOSTS"] = "testserver"
    django.setup()

    from django.db import connection
    from django.test import Client

    from bench.operations import OPERATIONS, PAGE, Context, Prepared
    from crm.dates import today
    from crm.models import User

    by_key = {operation.key: operation for operation in OPERATIONS if operation.kind == PAGE and operation.prepare}
    unknown = [key for key in options.operations if key not in by_key]
    if unknown:
        parser.error(f"not a page operation: {', '.join(unknown)} (one of {', '.join(by_key)})")
    context = Context(contacts=0, today=today())
    pages = [(key, by_key[key].prepare(context)) for key in options.operations]
    for asked in options.path:
        username, _colon, path = asked.partition(":")
        pages.append((path, Prepared(path=path, username=username)))
    if not pages:
        parser.error("name an operation or a --path")
    for key, prepared in pages:
        # The operation's own headers (an API token), as Django's test client takes them.
        client = Client(headers=dict(prepared.headers))
        client.force_login(User.objects.get(username=prepared.username))
        client.get(prepared.path)  # warm: templates compiled, connection open
        times, database = [], []
        for _ in range(options.repeat):
            spent = []
            with connection.execute_wrapper(lambda execute, *args: _timed(spent, execute, *args)):
                started = time.perf_counter()
                response = client.get(prepared.path)
                times.append(time.perf_counter() - started)
            database.append((len(spent), sum(query[0] for query in spent), spent))
            if response.status_code != 200:
                print(f"{key}: answered {response.status_code}", file=sys.stderr)
                return 1
        median = statistics.median(times)
        queries, waited, spent = sorted(database, key=lambda item: item[1])[len(database) // 2]
        print(f"{key:24} median {median * 1000:7.1f} ms  best {min(times) * 1000:7.1f} ms  "
              f"{queries:3d} queries  database {waited * 1000:6.1f} ms ({waited / median:4.0%})  "
              f"{len(response.content) / 1024:6.1f} KiB")
        if options.queries:
            for waited_one, sql, _params in spent:
                print(f"    {waited_one * 1000:7.1f} ms  {' '.join(sql.split())[:160]}")
        if options.explain:
            _waited, sql, params = max(spent, key=lambda query: query[0])
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                print(" ".join(sql.split()), "\n", "\n".join(line for line, in cursor.fetchall()), sep="")
        if options.cprofile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(10):
                client.get(prepared.path)
            profiler.disable()
            pstats.Stats(profiler).sort_stats(options.sort).print_stats(options.cprofile)
    return 0


def _timed(spent: list, execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        spent.append((time.perf_counter() - started, sql, params))


if __name__ == "__main__":
    sys.exit(main())
