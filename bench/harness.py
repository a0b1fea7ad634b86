"""Measuring: gunicorn on a loopback port, wrk against it, the workers' peak memory, query counts,
and COPY read through psycopg.

Everything stays on 127.0.0.1, and every load run is bounded in time.
"""

import http.client
import importlib
import json
import math
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection, transaction
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.crypto import get_random_string

from bench.generate import BenchError
from crm.models import User

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk_report.lua"
# POSTs, each a new row: the body's "{day}" a day of its own (bench.operations.Posting)
WRK_POST_SCRIPT = Path(__file__).resolve().parent / "wrk_post.lua"
WRK_MARKER = "BENCH-JSON "


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


# Each request's method, path, query and time in the worker (microseconds, without the wait for
# a worker): where a workload's server time goes (`server_time_by_page`).
ACCESS_LOG_FORMAT = "%(m)s %(U)s ?%(q)s %(D)s"
ID = re.compile(r"/\d+/")


def server_time_by_page(lines: list[str]) -> list[tuple[str, int, float]]:
    """(page, requests, seconds in the workers) from access log lines, the most time first; a page
    is its method and path with ids as <id>, and the names of its query's parameters."""
    spent: dict[str, list[float]] = {}
    for line in lines:
        try:
            method, path, query, micros = line.split()
        except ValueError:
            continue
        names = sorted({pair.split("=")[0] for pair in query.removeprefix("?").split("&") if pair})
        page = f"{method} {ID.sub('/<id>/', path)}" + (f"?{'&'.join(names)}" if names else "")
        spent.setdefault(page, []).append(int(micros) / 1e6)
    return sorted(((page, len(times), sum(times)) for page, times in spent.items()), key=lambda row: -row[2])


class Server:
    """gunicorn with `workers` workers of `worker_class` (`threads` threads each) on a free loopback
    port; 2 sync workers are how the Dockerfile runs it."""

    def __init__(self, *, environment: dict[str, str], workers: int, log_path: Path, worker_class: str = "sync",
                 threads: int = 1):
        self.environment = environment
        self.workers = workers
        self.worker_class = worker_class
        self.threads = threads
        self.log_path = log_path
        self.access_log_path = log_path.with_suffix(".access.log")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "crm.wsgi:application", "--bind", f"{HOST}:{self.port}",
             "--workers", str(self.workers), "--worker-class", self.worker_class, "--threads", str(self.threads),
             "--access-logfile", str(self.access_log_path), "--access-logformat", ACCESS_LOG_FORMAT],
            cwd=ROOT, env=self.environment, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self._wait_until_serving()
        return self

    def __exit__(self, *exc_info) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            try:
                get(self.port, "/bench/floor/", cookies=None)
            except OSError:
                time.sleep(0.2)
                continue
            if len(self.worker_pids()) == self.workers:
                return
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer within 60 s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (comm) state ppid ...": comm may hold spaces, so split after its closing bracket
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                pids.append(int(entry.name))
        return pids

    def reset_peak_memory(self) -> bool:
        """Reset each worker's high-water mark (Linux: `echo 5 > /proc/PID/clear_refs`)."""
        try:
            for pid in self.worker_pids():
                Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def peak_memory_mb(self) -> float | None:
        """The largest peak resident set (VmHWM) among the workers."""
        peaks = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return max(peaks) if peaks else None


@dataclass(frozen=True)
class Cookies:
    """What a returning browser sends: its session, and the CSRF secret its first page set."""

    session_key: str
    csrf_secret: str = field(default_factory=lambda: get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS))

    def as_dict(self) -> dict[str, str]:
        return {settings.SESSION_COOKIE_NAME: self.session_key, settings.CSRF_COOKIE_NAME: self.csrf_secret}

    def header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.as_dict().items())


def get(port: int, path: str, *, cookies: Cookies | None, headers: dict | None = None) -> tuple[int, bytes]:
    request = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        request.request("GET", path, headers={**({"Cookie": cookies.header()} if cookies else {}), **(headers or {})})
        response = request.getresponse()
        return response.status, response.read()
    finally:
        request.close()


def post(port: int, path: str, body: str, *, content_type: str, cookies: Cookies | None,
         headers: dict | None = None) -> tuple[int, bytes]:
    request = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        request.request("POST", path, body=body.encode(), headers={
            "Content-Type": content_type, **({"Cookie": cookies.header()} if cookies else {}), **(headers or {})})
        response = request.getresponse()
        return response.status, response.read()
    finally:
        request.close()


def count_post_queries(path: str, body: str, *, content_type: str, cookies: Cookies, headers: dict | None = None,
                       answers: tuple[int, ...]) -> int:
    """Queries one POST makes, counted in-process against the same database, its writes rolled
    back (after a first POST that fills per-process caches, rolled back too)."""
    client = Client(headers={"host": HOST, **(headers or {})})
    client.cookies.load(cookies.as_dict())
    for _ in range(2):
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            response = client.post(path, body, content_type=content_type)
            transaction.set_rollback(True)
        if response.status_code not in answers:
            raise BenchError(f"POST {path} answered {response.status_code} in-process: {response.content[:300]!r}")
    return len(captured.captured_queries)


def log_in(username: str) -> str:
    """A session for `username`, made as `django.contrib.auth.login` makes it; returns its key."""
    user = User.objects.get(username=username)
    session = importlib.import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def count_queries(path: str, *, cookies: Cookies, headers: dict | None = None) -> int:
    """Queries one request makes, counted in-process against the same database (after a warm-up)."""
    client = Client(headers={"host": HOST, **(headers or {})})
    client.cookies.load(cookies.as_dict())
    for _ in range(2):  # the first request fills per-process caches
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
            if response.streaming:
                for _ in response.streaming_content:
                    pass
        if response.status_code != 200:
            raise BenchError(f"GET {path} answered {response.status_code} in-process")
    return len(captured.captured_queries)


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if not wrk:
        raise BenchError("wrk is not installed: apt-get install -y wrk (make bench installs it)")
    return wrk


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    errors: int
    non_2xx_3xx: int
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds


def wrk(url: str, *, cookies: Cookies, seconds: float, connections: int, headers: dict | None = None,
        script: Path = WRK_SCRIPT, script_args: tuple[str, ...] = ()) -> Load:
    """`wrk` for `seconds` against `url` with the cookies (and `headers`); p50/p95 come from its Lua
    hook. One thread: a script that counts its requests (`WRK_POST_SCRIPT`) counts them all."""
    command = [
        require_wrk(), "--threads", "1", "--connections", str(connections), "--duration", f"{max(1, round(seconds))}s",
        "--timeout", "60s", "--latency", "--script", str(script),
        "--header", f"Cookie: {cookies.header()}",
        *(part for name, value in (headers or {}).items() for part in ("--header", f"{name}: {value}")), url,
        *(("--", *script_args) if script_args else ()),
    ]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120, check=True).stdout
    for line in output.splitlines():
        if line.startswith(WRK_MARKER):
            figures = json.loads(line[len(WRK_MARKER):])
            return Load(
                requests=figures["requests"],
                seconds=figures["duration_us"] / 1e6,
                errors=figures["errors"],
                non_2xx_3xx=figures["status_errors"],
                p50_ms=figures["p50_us"] / 1000,
                p95_ms=figures["p95_us"] / 1000,
                p99_ms=figures["p99_us"] / 1000,
            )
    raise BenchError(f"wrk printed no figures:\n{output}")


@dataclass(frozen=True)
class Copied:
    rows: int
    bytes: int
    runs: list[float]

    @property
    def rows_per_second(self) -> float:
        return self.rows / statistics.median(self.runs)


def copy_csv(sql: str, params, *, seconds: float) -> Copied:
    """`COPY (sql) TO STDOUT WITH CSV` read block by block through psycopg, repeated for `seconds`."""
    counted = {"rows": 0, "bytes": 0}

    def once() -> None:
        counted.update(rows=0, bytes=0)
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH CSV", params) as copy:
                for block in copy:
                    counted["rows"] += bytes(block).count(b"\n")
                    counted["bytes"] += len(block)

    runs = timed_runs(once, seconds=seconds)
    return Copied(rows=counted["rows"], bytes=counted["bytes"], runs=runs)


def download(port: int, path: str, *, cookies: Cookies, seconds: float) -> list[float]:
    """GET `path` one request after another, each read to its last byte, for `seconds`: the times."""

    def once() -> None:
        request = http.client.HTTPConnection(HOST, port, timeout=600)
        try:
            request.request("GET", path, headers={"Cookie": cookies.header()})
            response = request.getresponse()
            while response.read(1 << 20):
                pass
        finally:
            request.close()
        if response.status != 200:
            raise BenchError(f"GET {path} answered {response.status}")

    return timed_runs(once, seconds=seconds)


def timed_runs(once, *, seconds: float, most: int = 20) -> list[float]:
    """Seconds each call of `once()` took, calling it again for `seconds` (at least once)."""
    runs: list[float] = []
    started = time.monotonic()
    while not runs or (time.monotonic() - started < seconds and len(runs) < most):
        began = time.perf_counter()
        once()
        runs.append(time.perf_counter() - began)
    return runs


def percentile_ms(runs: list[float], percent: float) -> float:
    """The nearest-rank percentile of `runs` (seconds), in milliseconds."""
    ordered = sorted(runs)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)] * 1000
