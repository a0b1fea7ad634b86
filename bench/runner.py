"""`python -m bench`: generate (or reuse) the data, serve it with gunicorn, measure, report."""

import argparse
import contextlib
import dataclasses
import datetime
import json
import os
import secrets
import statistics
import sys
import time
import traceback
from pathlib import Path

import dj_database_url
import django

from bench.generate import BenchError

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_bench"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--contacts", type=int, default=10_000, help="data size: 10000, 100000 or 1000000")
    parser.add_argument("--out", type=Path, default=Path("bench-results"), help="folder for the JSON results")
    parser.add_argument("--regenerate", action="store_true", help="generate the data even if it is there")
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per operation")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up load per operation")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections for pages")
    parser.add_argument("--only", default="", help="comma-separated operation keys to run")
    parser.add_argument("--reference", type=Path, default=None, metavar="FILE",
                        help="an earlier result (JSON) to compare times with; default: above 100,000 contacts, "
                             "the latest 100,000-contact result in --out")
    options = parser.parse_args(argv)
    if options.contacts < 10:
        parser.error("--contacts must be at least 10")
    if options.duration < 1:
        parser.error("--duration must be at least 1 second")
    return options


def main(argv=None) -> int:
    options = parse_args(argv)
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    try:
        ensure_database(database_url)
        environment = production_environment(database_url=database_url, secret_key=secrets.token_urlsafe(50))
        os.environ.update(environment)
        django.setup()
        return run(options, environment)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2


def production_environment(*, database_url: str, secret_key: str) -> dict[str, str]:
    """The production settings (DEBUG off), with TLS redirects off because wrk speaks plain HTTP."""
    passed_on = ("PATH", "HOME", "LANG", "REDIS_URL", "TIME_ZONE", "CRM_CURRENCY", "DATABASE_CONN_MAX_AGE")
    environment = {name: os.environ[name] for name in passed_on if name in os.environ}
    environment.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        PYTHONPATH=str(Path(__file__).resolve().parent.parent),
        DEBUG="false",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        # The export operation measures the streamed download (the background job writes the same
        # chunks to a file); the product offers the job above 20,000 rows.
        SMARTLIST_EXPORT_ASYNC_ROWS="1000000000",
        # The API's operations measure the endpoint, not its per-token rate limit (still counted
        # in the cache on every request, as in production).
        API_RATE_LIMIT="1000000/s",
    )
    return environment


def ensure_database(url: str) -> None:
    """PostgreSQL must answer at `url`; its database is created when missing."""
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise BenchError(
            f"The benchmark runs on PostgreSQL only, and DATABASE_URL is {url!r}. "
            f"Set DATABASE_URL=postgres://USER@HOST:PORT/DATABASE (default {DEFAULT_DATABASE_URL})."
        )
    where = {"host": config["HOST"], "port": config["PORT"], "user": config["USER"], "password": config["PASSWORD"]}
    where = {key: value for key, value in where.items() if value}
    try:
        with psycopg.connect(dbname="postgres", connect_timeout=5, autocommit=True, **where) as maintenance:
            exists = maintenance.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
            if not exists:
                maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
    except psycopg.OperationalError as error:
        raise BenchError(
            f"PostgreSQL is not reachable at {config['HOST'] or 'the local socket'}:{config['PORT'] or 5432} "
            f"({str(error).strip()}). Start it (e.g. `pg_ctlcluster 15 main start`) or set DATABASE_URL."
        ) from None


def run(options: argparse.Namespace, environment: dict[str, str]) -> int:
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.db import connection

    from bench import harness, reference
    from bench.generate import ensure_data
    from bench.operations import OPERATIONS, PAGE_LIMITS, PAGE_QUERIES, Context
    from bench.report import FAILED, NOT_WIRED, Result, as_json, limits_markdown, markdown, missed_lines, ratios
    from crm.dates import today

    started = time.monotonic()
    harness.require_wrk()
    only = {key.strip() for key in options.only.split(",") if key.strip()}
    unknown = only - {operation.key for operation in OPERATIONS}
    if unknown:
        raise BenchError(f"unknown operation(s) {', '.join(sorted(unknown))} in --only")
    operations = [operation for operation in OPERATIONS if not only or operation.key in only]
    # read before the long part, so that a reference that cannot be read fails now
    earlier = reference.find(options.out, options.contacts, options.reference)
    compared = reference.describe(earlier, options.contacts, options.out)
    _progress(compared)

    call_command("migrate", interactive=False, verbosity=0)
    generated = ensure_data(contacts=options.contacts, regenerate=options.regenerate)
    how = "reused (generated in" if generated.reused else "generated in"
    _progress(f"data: {options.contacts:,} contacts, {generated.periods:,} periods, {how} {generated.seconds:.1f} s"
              + (")" if generated.reused else ""))
    from subscriptions.summary import refresh_stale

    run = refresh_stale(today=today())  # reused data made on another day: the daily task's work
    _progress(f"stored subscription summaries as of {run.as_of} in {run.seconds:.1f} s")
    with connection.cursor() as cursor:  # fresh statistics and visibility map after a rewrite
        cursor.execute("VACUUM (ANALYZE) subscriptions_subscriptionsummary")
    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest storage needs it

    options.out.mkdir(parents=True, exist_ok=True)
    context = Context(contacts=options.contacts, today=today())
    results: list[Result] = []
    sessions: dict[str, harness.Cookies] = {}
    with contextlib.ExitStack() as stack:
        servers = Servers(stack, environment, options.out)
        for operation in operations:
            base = {"key": operation.key, "label": operation.label, "unit": operation.unit,
                    "targets": operation.targets}
            if operation.prepare is None:
                results.append(Result(**base, status=NOT_WIRED, note=operation.waits_for))
                _progress(f"{operation.key}: {NOT_WIRED} ({operation.waits_for})")
                continue
            try:
                result = _measure(operation, context, servers, sessions, options, base)
            except Exception as error:  # one broken operation must not cost the whole table
                traceback.print_exc()
                result = Result(**base, status=FAILED, note=f"{type(error).__name__}: {error}".splitlines()[0])
            results.append(result)
            _progress(f"{operation.key}: {result.status} {result.rate or 0:,.1f} {result.unit} {result.note}")
    Session.objects.filter(session_key__in=[cookies.session_key for cookies in sessions.values()]).delete()

    label = earlier.label if earlier else f"{reference.REFERENCE_CONTACTS:,} contacts"
    found = ratios(results, earlier.results if earlier else None, label)
    table = markdown(results, found, label)
    limits = limits_markdown(results, found, PAGE_LIMITS, PAGE_QUERIES)
    missed = missed_lines(found)
    elapsed = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT split_part(version(), ' on ', 1), current_setting('jit')")
        postgresql, jit = cursor.fetchone()
    header = (
        f"bench: {options.contacts:,} contacts on {connection.settings_dict['NAME']} ({postgresql}, jit {jit}), "
        f"gunicorn {' / '.join(map(str, servers.used)) or 'not started'}, "
        f"{options.duration:g} s per operation after {options.warmup:g} s warm-up, "
        f"{options.connections} connections; data {'reused' if generated.reused else 'generated'} "
        f"({generated.seconds:.1f} s to generate); run took {elapsed:.0f} s"
    )
    print(header, compared, table, "Each page against its limit (bench/limits.py):\n\n" + limits,
          "\n".join(missed or ["Every measured target is met."]), sep="\n\n")
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    document = {
        "contacts": options.contacts,
        "run_at": stamp,
        "run_seconds": round(elapsed, 1),
        "postgresql": postgresql,
        "postgresql_jit": jit,
        "cpus": os.cpu_count(),
        "settings": {"duration_s": options.duration, "warmup_s": options.warmup,
                     "connections": options.connections,
                     "gunicorn": [dataclasses.asdict(serving) for serving in servers.used]},
        "reference": str(earlier.path) if earlier else None,
        "generation": {"reused": generated.reused, "seconds": generated.seconds,
                       "generated_at": generated.generated_at.isoformat(), "periods": generated.periods},
        **as_json(results, found),
        "table": table,
        "limits": limits,
    }
    path = reference.result_path(options.out, options.contacts, stamp)
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nresults: {path}")
    return 1 if any(result.status == FAILED for result in results) else 0


class Servers:
    """One gunicorn for each way of serving (bench.operations.Serving), started when an operation
    first needs it; `stack` stops them all."""

    def __init__(self, stack: contextlib.ExitStack, environment: dict[str, str], out: Path):
        self.stack, self.environment, self.out = stack, environment, out
        self.started = {}

    @property
    def used(self) -> list:
        return list(self.started)

    def __call__(self, serving):
        from bench import harness

        if serving not in self.started:
            self.started[serving] = self.stack.enter_context(harness.Server(
                environment=self.environment, workers=serving.workers, worker_class=serving.worker_class,
                threads=serving.threads, log_path=self.out / f"gunicorn-{serving.worker_class}.log",
            ))
        return self.started[serving]


def _measure(operation, context, servers, sessions, options, base):
    from bench import harness
    from bench.operations import COPY, EXPORT, POSTS, USERS, WRITE
    from bench.report import FAILED, OK, Result

    prepared = operation.prepare(context)
    if operation.kind == WRITE:
        return _measure_write(prepared, options, base)
    if operation.kind == POSTS:
        try:
            return _measure_posts(prepared, servers(operation.serving), sessions, options, base)
        finally:
            time.sleep(1)  # the requests wrk had sent when it stopped are served meanwhile: theirs go too
            prepared.cleanup()
    if operation.kind == COPY:
        copied = harness.copy_csv(prepared.sql, prepared.params, seconds=options.duration)
        return Result(
            **base, rate=copied.rows_per_second, rows=copied.rows, requests=len(copied.runs), queries=1,
            **_percentiles(copied.runs), note=f"{copied.bytes / 1e6:.1f} MB of CSV a run",
        )
    server = servers(operation.serving)
    if operation.kind == USERS:
        return _measure_users(prepared.workload, server, sessions, options, base)
    cookies = _session(sessions, prepared.username)
    headers = dict(prepared.headers)
    status, _ = harness.get(server.port, prepared.path, cookies=cookies, headers=headers)
    if status != 200:
        raise BenchError(f"GET {prepared.path} as {prepared.username} answered {status}")
    queries = harness.count_queries(prepared.path, cookies=cookies, headers=headers)
    if operation.kind == EXPORT:
        # One download after another, each timed to its last byte: rows / the median time, as
        # for COPY (the status check above was the warm-up).
        problems = [] if server.reset_peak_memory() else ["peak memory since the workers started"]
        runs = harness.download(server.port, prepared.path, cookies=cookies, seconds=options.duration)
        return Result(
            **base, status=OK, note="; ".join(problems), rate=prepared.rows / statistics.median(runs),
            **_percentiles(runs), peak_rss_mb=server.peak_memory_mb(), queries=queries, requests=len(runs), rows=prepared.rows,
        )
    url = server.url(prepared.path)
    if options.warmup >= 1:
        harness.wrk(url, cookies=cookies, seconds=options.warmup, connections=options.connections, headers=headers)
    problems = [] if server.reset_peak_memory() else ["peak memory since the workers started"]
    load = harness.wrk(url, cookies=cookies, seconds=options.duration, connections=options.connections, headers=headers)
    if load.non_2xx_3xx:
        problems.append(f"{load.non_2xx_3xx} responses not 2xx/3xx")
    if load.errors:
        problems.append(f"{load.errors} socket errors")
    return Result(
        **base, status=FAILED if load.non_2xx_3xx else OK, note="; ".join(problems),
        rate=load.requests_per_second, p50_ms=load.p50_ms, p95_ms=load.p95_ms, p99_ms=load.p99_ms,
        peak_rss_mb=server.peak_memory_mb(), queries=queries, requests=load.requests,
    )


# The days a POSTS operation's requests start counting from (days since 1970-01-01): the check's
# day (1900-01-01), the warm-up's and the measured run's, far enough apart that the warm-up never
# reaches the measured run's first day and the measured run never reaches 2000.
POST_DAYS = {"check": -25567, "warmup": -25500, "load": -20000}


def _measure_posts(prepared, server, sessions, options, base):
    """POSTs that each make a row, under wrk (bench/wrk_post.lua), as pages are measured: one POST
    first, checked; queries counted in-process, rolled back; a warm-up; the measured run."""
    import datetime

    from bench import harness
    from bench.report import FAILED, OK, Result

    posting = prepared.posting
    cookies = _session(sessions, prepared.username)
    headers = dict(prepared.headers)
    body = posting.body.replace("{csrf}", cookies.csrf_secret)
    first = body.replace("{day}", (datetime.date(1970, 1, 1) + datetime.timedelta(days=POST_DAYS["check"])).isoformat())
    queries = harness.count_post_queries(prepared.path, first, content_type=posting.content_type, cookies=cookies,
                                         headers=headers, answers=posting.answers)
    status, content = harness.post(server.port, prepared.path, first, content_type=posting.content_type,
                                   cookies=cookies, headers=headers)
    if status not in posting.answers:
        raise BenchError(f"POST {prepared.path} as {prepared.username} answered {status}: {content[:300]!r}")
    url = server.url(prepared.path)

    def load(seconds: float, start: str):
        return harness.wrk(url, cookies=cookies, seconds=seconds, connections=options.connections, headers=headers,
                           script=harness.WRK_POST_SCRIPT, script_args=(str(POST_DAYS[start]), posting.content_type, body))

    if options.warmup >= 1:
        load(options.warmup, "warmup")
    problems = [] if server.reset_peak_memory() else ["peak memory since the workers started"]
    measured = load(options.duration, "load")
    if measured.non_2xx_3xx:
        problems.append(f"{measured.non_2xx_3xx} responses not 2xx/3xx")
    if measured.errors:
        problems.append(f"{measured.errors} socket errors")
    return Result(
        **base, status=FAILED if measured.non_2xx_3xx else OK, note="; ".join(problems),
        rate=measured.requests_per_second, p50_ms=measured.p50_ms, p95_ms=measured.p95_ms, p99_ms=measured.p99_ms,
        peak_rss_mb=server.peak_memory_mb(), queries=queries, requests=measured.requests,
    )


def measure_write(run, *, seconds: float, before_each=None) -> tuple[int, list[float]]:
    """Run `run()` again and again for about `seconds`, each run in a transaction rolled back (so
    every run meets the same rows), `before_each()` untimed before each; (rows a run changed, the
    runs' times).

    A run's time includes the foreign key checks its commit would make: they are deferred to the
    end of the transaction (Django's are `DEFERRABLE INITIALLY DEFERRED`), which a rollback skips,
    so each run ends with `SET CONSTRAINTS ALL IMMEDIATE`, which makes them now."""
    from django.db import connection, transaction

    times: list[float] = []
    rows = 0
    deadline = time.monotonic() + seconds
    while not times or time.monotonic() < deadline:
        if before_each is not None:
            before_each()
        with transaction.atomic():
            started = time.perf_counter()
            rows = run()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            times.append(time.perf_counter() - started)
            transaction.set_rollback(True)
    return rows, times


def vacuum(tables: tuple[str, ...]) -> None:
    """VACUUM ANALYZE `tables` (outside any transaction): a rolled-back write leaves its rows
    behind dead, and autovacuum may not have come by before the next run."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(tables)}")


def reset_own_peak_memory() -> bool:
    """Reset this process's high-water mark (Linux: `echo 5 > /proc/self/clear_refs`)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def own_peak_memory_mb() -> float | None:
    """This process's peak resident set (VmHWM) since the last reset."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _measure_write(prepared, options, base):
    from bench.report import FAILED, OK, Result

    problems = [] if reset_own_peak_memory() else ["peak memory since the bench started"]
    rows, runs = measure_write(prepared.run, seconds=options.duration,
                               before_each=(lambda: vacuum(prepared.vacuum)) if prepared.vacuum else None)
    if prepared.vacuum:
        # Once more after the last run: its rolled-back rows stay behind as dead rows and in the
        # trigram indexes' pending lists, which the next run's pages (a search) would otherwise
        # scan until autovacuum came by: a manager's search at 100,000 contacts went 3x slower.
        vacuum(prepared.vacuum)
    if not rows:
        return Result(**base, status=FAILED, note="the write changed no rows")
    return Result(**base, status=OK, note="; ".join(problems), rate=rows / statistics.median(runs), rows=rows,
                  requests=len(runs), peak_rss_mb=own_peak_memory_mb(), **_percentiles(runs))


def _measure_users(workload, server, sessions, options, base):
    """Many users at once (bench/mixed.py): requests/s and latency of their browsing; the changes
    made meanwhile are counted in the note."""
    from bench import harness, mixed
    from bench.report import FAILED, OK, Result

    people = (*workload.browsers, *workload.writers)
    cookies = {person.username: _session(sessions, person.username).as_dict() for person in people}
    mixed.check(workload, port=server.port, cookies=cookies)
    if options.warmup >= 1:
        mixed.run(workload, port=server.port, cookies=cookies, seconds=options.warmup)
    problems = [] if server.reset_peak_memory() else ["peak memory since the workers started"]
    logged = server.access_log_path.stat().st_size if server.access_log_path.exists() else 0
    timings = mixed.run(workload, port=server.port, cookies=cookies, seconds=options.duration)
    notes = [f"{len(workload.browsers)} users"]
    if timings.writing:
        notes.append(f"a change's p95 {harness.percentile_ms(timings.writing, 95):.0f} ms (form, POST and redirect)")
    notes.append(_server_time(server, logged))
    if timings.errors:
        notes.append(f"{timings.errors} errors, e.g. {timings.first_errors[0]}")
    return Result(
        **base, status=FAILED if timings.errors or not timings.browsing else OK, note="; ".join(notes + problems),
        rate=len(timings.browsing) / timings.seconds, **_percentiles(timings.browsing),
        peak_rss_mb=server.peak_memory_mb(), requests=len(timings.browsing),
        changes_started=timings.changes_started if workload.writers else None,
        changes_made=timings.changes_made if workload.writers else None,
    )


def _server_time(server, offset: int, shown: int = 5) -> str:
    """Where the workers' time went during the run: the pages that took most of it, with their share."""
    from bench import harness

    with server.access_log_path.open() as log:
        log.seek(offset)
        pages = harness.server_time_by_page(log.read().splitlines())
    total = sum(seconds for _page, _requests, seconds in pages) or 1
    return "server time: " + ", ".join(
        f"{page} {seconds / total:.0%} ({requests} × {seconds / requests * 1000:.1f} ms)"
        for page, requests, seconds in pages[:shown])


def _session(sessions, username: str):
    from bench import harness

    if username not in sessions:
        sessions[username] = harness.Cookies(harness.log_in(username))
    return sessions[username]


def _percentiles(runs: list[float]) -> dict[str, float | None]:
    from bench.harness import percentile_ms

    if not runs:
        return {}
    return {f"p{percent}_ms": percentile_ms(runs, percent) for percent in (50, 95, 99)}


def _progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)
