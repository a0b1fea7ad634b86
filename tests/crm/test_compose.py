"""docker-compose.yml, the Dockerfile and .dockerignore, read against the code.

Docker does not run here, so every command, health check, volume and variable of the stack is
checked against what the code actually reads and runs, and the health checks are run as written
against the processes the stack's commands start (gunicorn, a Celery worker, beat).
"""

import ast
import contextlib
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import urllib.parse
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands
from django.db import connection
from django.urls import resolve, reverse

from crm.views import health
from tests.reliability import processes

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP = sorted(name for name, service in SERVICES.items() if "build" in service)  # the project's image
LONG_RUNNING = sorted(name for name in SERVICES if name != "migrate")
DOCKERFILE = (ROOT / "Dockerfile").read_text()
# What production cannot run without: the key, the names it answers to, its PostgreSQL and Redis
# (else the embedded database and in-process tasks), and where export files go.
REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "MEDIA_ROOT")


def _env_file(path: Path) -> dict:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line.strip() and not line.startswith("#"))
    return {key.strip(): value for key, value in pairs}


ENV_EXAMPLE = _env_file(ROOT / ".env.example")


def _service_env(name: str) -> dict:
    """What a service's process finds in its environment: its env_file (the README's `.env` is a
    copy of `.env.example`), then `environment`, which wins."""
    service = SERVICES[name]
    env_files = service.get("env_file", [])
    assert env_files in (".env", [".env"]), f"{name}: only the README's .env is read"
    return {**ENV_EXAMPLE, **{key: str(value) for key, value in service.get("environment", {}).items()}}


def _argv(command) -> list[str]:
    return list(command) if isinstance(command, list) else shlex.split(command)


def _healthcheck(name: str) -> str:
    """The shell command a health check runs, with compose's `$$` unescaped."""
    test = SERVICES[name]["healthcheck"]["test"]
    kind, *rest = test
    command = rest[0] if kind == "CMD-SHELL" else shlex.join(rest)
    assert kind in ("CMD", "CMD-SHELL"), name
    return command.replace("$$", "$")


def _volumes(name: str) -> dict[str, str]:
    """A service's mounts: target in the container -> named volume."""
    mounts = {}
    for entry in SERVICES[name].get("volumes", []):
        source, target = entry.split(":")[:2]
        mounts[target] = source
    return mounts


def _web_url() -> urllib.parse.SplitResult:
    return urllib.parse.urlsplit(re.search(r"https?://[^'\"\s]+", _healthcheck("web")).group())


def _bind_port() -> int:
    argv = _argv(SERVICES["web"]["command"])
    return int(argv[argv.index("--bind") + 1].rsplit(":", 1)[1])


def _names_the_code_reads() -> set[str]:
    """Every environment variable the project's own code reads: through crm/env.py's `env_*`
    readers (settings) or os.environ directly."""
    names = set()
    files = [ROOT / "manage.py", *(path for app in ("crm", "subscriptions", "smartlists", "renewals")
                                   for path in (ROOT / app).rglob("*.py"))]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            first = None
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                func = node.func
                if isinstance(func, ast.Name) and func.id.startswith("env_"):
                    first = node.args[0]
                elif isinstance(func, ast.Attribute) and ast.unparse(func) in (
                    "os.environ.get", "os.environ.setdefault", "os.getenv"
                ):
                    first = node.args[0]
            elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                first = node.slice if isinstance(node.slice, ast.Constant) else None
            if first is not None and isinstance(first.value, str):
                names.add(first.value)
    return names


def _dockerfile_stages() -> list[list[str]]:
    lines = DOCKERFILE.replace("\\\n", " ").splitlines()
    stages = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def _directive(stage: list[str], name: str) -> list[str]:
    return [line.split(None, 1)[1] for line in stage if line.split(None, 1)[0].upper() == name]


# The stack's shape


def test_a_one_shot_migrate_runs_before_web_worker_and_beat():
    migrate = SERVICES["migrate"]
    assert _argv(migrate["command"])[:3] == ["python", "manage.py", "migrate"]
    assert migrate["restart"] == "no"  # quoted in the file: a bare `no` is YAML's false
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        depends = SERVICES[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == depends["redis"]["condition"] == "service_healthy", name
        # No replica migrates on its way up: two at once race on the same tables.
        assert "migrate" not in _argv(SERVICES[name]["command"]), name


def test_every_long_running_service_is_restarted():
    assert LONG_RUNNING == ["beat", "postgres", "redis", "web", "worker"]
    for name in LONG_RUNNING:
        assert SERVICES[name]["restart"] == "unless-stopped", name
        assert "healthcheck" in SERVICES[name], name


def test_every_command_runs_something_that_exists():
    from celery.app.utils import find_app
    from celery.bin.celery import celery as celery_cli
    from gunicorn.config import Config
    from gunicorn.util import import_app

    from crm.celery import app as crm_app

    assert (ROOT / "manage.py").exists()
    migrate = _argv(SERVICES["migrate"]["command"])
    assert migrate[2] in get_commands()

    web = _argv(SERVICES["web"]["command"])
    assert web[0] == "gunicorn"
    options = Config().parser().parse_args(web[1:])  # an unknown option exits here
    assert options.args == ["crm.wsgi:application"]
    assert callable(import_app(options.args[0]))

    def celery_options_exist(argv: list[str]):
        assert argv[:3] == ["celery", "-A", "crm"], argv
        assert find_app(argv[2]) is crm_app
        subcommand = celery_cli.commands[argv[3]]
        known = {opt for param in subcommand.params + celery_cli.params for opt in param.opts + param.secondary_opts}
        for word in argv[4:]:
            if word.startswith("-"):
                assert word.split("=")[0] in known, (argv[3], word)

    for name in ("worker", "beat"):
        celery_options_exist(_argv(SERVICES[name]["command"]))
        celery_options_exist(shlex.split(_healthcheck(name)))
    assert _argv(SERVICES["worker"]["command"])[3] == "worker"
    assert _argv(SERVICES["beat"]["command"])[3] == "beat"


def test_the_web_port_gunicorns_bind_and_the_health_check_agree():
    port = _bind_port()
    assert [str(entry).split(":")[-1] for entry in SERVICES["web"]["ports"]] == [str(port)]
    url = _web_url()
    assert (url.scheme, url.hostname, url.port) == ("http", "127.0.0.1", port)  # inside the container
    assert resolve(url.path).url_name == "healthz" and reverse("healthz") == url.path == health.PATH


def test_worker_and_beat_health_checks_ask_their_own_node():
    # Without --destination any worker's answer would do, and beat's would never come.
    assert "--destination celery@$HOSTNAME" in _healthcheck("worker")
    assert "--destination celerybeat@$HOSTNAME" in _healthcheck("beat")
    assert "--enable-remote-control" in _argv(SERVICES["beat"]["command"])


# Variables


def test_every_variable_the_stack_sets_is_one_the_code_reads():
    read = _names_the_code_reads()
    assert {"SECRET_KEY", "MEDIA_ROOT", "SMARTLIST_EXPORT_ASYNC_ROWS"} <= read  # the scan sees settings
    assert set(ENV_EXAMPLE) - read == set()
    for name in APP:
        assert set(_service_env(name)) - read == set(), name


def test_the_stack_provides_what_production_requires():
    postgres = SERVICES["postgres"]["environment"]
    for name in APP:
        env = _service_env(name)
        assert all(env.get(key) for key in REQUIRED), (name, [key for key in REQUIRED if not env.get(key)])
        assert env["DEBUG"] == "false", name
        database = urllib.parse.urlsplit(env["DATABASE_URL"])
        assert (database.hostname, database.port, database.username, database.password, database.path) == (
            "postgres", 5432, postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"], "/" + postgres["POSTGRES_DB"]
        ), name
        redis = urllib.parse.urlsplit(env["REDIS_URL"])
        assert (redis.scheme, redis.hostname, redis.port) == ("redis", "redis", 6379), name


def test_the_settings_read_each_services_environment_as_the_stack_means():
    # The settings the processes would load, in a process of their own given only that environment.
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({'media': str(s.MEDIA_ROOT), "
        "'debug': s.DEBUG, 'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL, "
        "'database': s.DATABASES['default']['HOST'], 'hosts': s.ALLOWED_HOSTS, 'redirect': s.SECURE_SSL_REDIRECT}))"
    )
    seen = {}
    for name in APP:
        env = {key: os.environ[key] for key in ("PATH", "LANG") if key in os.environ} | _service_env(name)
        key = json.dumps(env, sort_keys=True)
        if key not in seen:
            result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                                    capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, result.stderr
            seen[key] = json.loads(result.stdout.splitlines()[-1])
        loaded = seen[key]
        assert loaded["media"] == _service_env(name)["MEDIA_ROOT"], name
        assert not loaded["debug"] and not loaded["eager"] and loaded["redirect"], name
        assert loaded["broker"] == _service_env(name)["REDIS_URL"] and loaded["database"] == "postgres", name
        assert loaded["hosts"] == ENV_EXAMPLE["ALLOWED_HOSTS"].split(","), name


# Volumes


def test_exports_are_written_and_served_from_one_volume_of_web_and_worker(settings):
    from smartlists.models import ExportJob
    from smartlists.services import export_path

    media = _service_env("worker")["MEDIA_ROOT"]
    assert _service_env("web")["MEDIA_ROOT"] == media
    volume = _volumes("worker").get(media)
    assert volume and _volumes("web").get(media) == volume and volume in COMPOSE["volumes"]
    # The worker writes an export under MEDIA_ROOT; the web's download reads the same path.
    settings.MEDIA_ROOT = Path(media)
    assert export_path(ExportJob(pk=7)).is_relative_to(media)


def test_beats_schedule_file_is_on_a_volume():
    argv = _argv(SERVICES["beat"]["command"])
    schedule = Path(argv[argv.index("--schedule") + 1])
    assert _volumes("beat").get(str(schedule.parent)) in COMPOSE["volumes"]


# The image


def test_the_image_is_built_in_stages_and_runs_as_a_user():
    stages = _dockerfile_stages()
    assert len(stages) >= 2
    build, runtime = stages[0], stages[-1]
    assert any("compilemessages" in run and "collectstatic" in run for run in _directive(build, "RUN"))
    users = _directive(runtime, "USER")
    assert users and users[-1] not in ("root", "0")
    runtime_text = "\n".join(runtime)
    assert "pip install" not in runtime_text and "--editable" not in runtime_text and "gettext" not in runtime_text
    copies = _directive(runtime, "COPY")
    assert any(copy.startswith("--from=") and copy.endswith("/venv /venv") for copy in copies)
    workdir = _directive(runtime, "WORKDIR")[-1]
    assert _directive(build, "WORKDIR")[-1] == workdir and f"--from=build {workdir} {workdir}" in copies
    assert _directive(runtime, "EXPOSE") == [str(_bind_port())]
    assert json.loads(_directive(runtime, "CMD")[-1]) == _argv(SERVICES["web"]["command"])
    # The folders volumes are mounted on belong to the user: a new named volume copies the owner.
    assert f"MEDIA_ROOT={_service_env('worker')['MEDIA_ROOT']}" in " ".join(_directive(runtime, "ENV"))
    chowns = [run for run in _directive(runtime, "RUN") if "chown" in run]
    for name in APP:
        for target in _volumes(name):
            assert any(target in run for run in chowns), (name, target)


def _dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule, near enough: a pattern matches the path or a folder above it; `**/` at any depth."""
    parts = path.split("/")
    for pattern in patterns:
        for depth in range(1, len(parts) + 1):
            if fnmatch("/".join(parts[:depth]), pattern) or (
                pattern.startswith("**/") and fnmatch(parts[depth - 1], pattern[3:])
            ):
                return True
    return False


def test_dockerignore_keeps_local_state_out_and_the_app_in(settings):
    patterns = [line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    for kept_out in (".venv/bin/python", ".git/HEAD", ".data/postgres/PG_VERSION", "bench-results/x.json",
                     "staticfiles/app.css", "media/exports/1.csv", "crm/__pycache__/env.cpython-311.pyc",
                     ".hypothesis/examples/x", "subscription_crm.egg-info/PKG-INFO", ".env"):
        assert _dockerignored(kept_out, patterns), kept_out
    # Everything the running app reads from its folder is in the context.
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    needed = [Path(app.split(".")[0]) for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()]
    needed += [Path(path).relative_to(ROOT) for path in
               [*settings.STATICFILES_DIRS, *settings.TEMPLATES[0]["DIRS"], *settings.LOCALE_PATHS]]
    files = [path for path in tracked if any(Path(path).is_relative_to(folder) for folder in needed)]
    files += ["manage.py", "pyproject.toml", "README.md"]
    assert len(files) > 100
    assert [path for path in files if _dockerignored(path, patterns)] == []


# The health checks, run as written


def test_the_web_health_check_request_gets_200_json_in_production(client, settings, db):
    # Production as .env.example sets it: DEBUG off, the HTTPS redirect on, only the site's name allowed.
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ENV_EXAMPLE["ALLOWED_HOSTS"].split(",")
    assert "127.0.0.1" not in settings.ALLOWED_HOSTS
    url = _web_url()
    response = client.get(url.path, HTTP_HOST=url.netloc)  # plain HTTP, Host 127.0.0.1:8000
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json" and response.json()["database"] == "ok"
    assert client.get(url.path, HTTP_HOST=settings.ALLOWED_HOSTS[0]).status_code == 200  # no HTTPS redirect
    # Only /healthz: every other page still refuses that Host, and sends the site's own to HTTPS.
    assert client.get(reverse("login"), HTTP_HOST=url.netloc).status_code == 400
    redirected = client.get(reverse("login"), HTTP_HOST=settings.ALLOWED_HOSTS[0])
    assert redirected.status_code == 301 and redirected["Location"].startswith("https://")
    assert client.post(url.path, HTTP_HOST=url.netloc).status_code == 405


@contextlib.contextmanager
def _started(argv: list[str], env: dict, log: Path):
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        yield process
    finally:
        processes.stop(process, timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # its own group: a prefork child left behind


def _healthy(name: str, env: dict, local: dict) -> subprocess.CompletedProcess:
    command = _healthcheck(name)
    for container_path, here in local.items():
        command = command.replace(container_path, here)
    return subprocess.run(["sh", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def stack_env(tmp_path, db):
    """Run a service's command here as the stack would: its environment (.env.example and
    compose's), with the stack's PostgreSQL, Redis and volume replaced by this machine's."""
    settings_dict = connection.settings_dict
    host = urllib.parse.quote(str(connection.get_connection_params().get("host") or "127.0.0.1"), safe="")
    password = f":{urllib.parse.quote(settings_dict['PASSWORD'], safe='')}" if settings_dict.get("PASSWORD") else ""
    database = (f"postgres://{settings_dict['USER']}{password}@{host}:{settings_dict.get('PORT') or 5432}/"
                f"{settings_dict['NAME']}")
    (tmp_path / "home").mkdir()
    local = {}
    for name in APP:
        for target in _volumes(name):
            local[target] = str(tmp_path / target.strip("/").replace("/", "-"))
            Path(local[target]).mkdir(exist_ok=True)
    with processes.PrivateRedis() as redis:

        def env(name: str) -> dict:
            environment = _service_env(name)
            return environment | {
                "DATABASE_URL": database, "REDIS_URL": redis.url,
                "MEDIA_ROOT": local.get(environment["MEDIA_ROOT"], environment["MEDIA_ROOT"]),
                "PATH": f"{processes.BIN}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path / "home"),
                "HOSTNAME": socket.gethostname(), "LANG": os.environ.get("LANG", "C.UTF-8"),
            }

        yield env, local


@pytest.mark.services
def test_the_web_health_check_passes_against_gunicorn_run_as_the_stack_runs_it(stack_env, tmp_path):
    env, local = stack_env
    port = processes.free_port()
    container = f"127.0.0.1:{_bind_port()}"
    local = {**local, container: f"127.0.0.1:{port}"}
    argv = [word.replace(f"0.0.0.0:{_bind_port()}", local[container]) for word in _argv(SERVICES["web"]["command"])]
    with _started(argv, env("web"), tmp_path / "web.log"):
        # As Docker does: the check runs until it passes (its workers load the app first), or never.
        processes.wait_until(lambda: _healthy("web", env("web"), local).returncode == 0, timeout=90,
                             what="the web's health check", interval=1)
        status, body = processes.http_get(f"http://127.0.0.1:{port}/healthz")
        assert (status, json.loads(body)) == (200, {"database": "ok", "broker": "ok"})
        assert processes.http_get(f"http://127.0.0.1:{port}/accounts/login/")[0] == 400  # the Host check stays


@pytest.mark.services
def test_worker_and_beat_health_checks_pass_against_the_processes_the_stack_starts(stack_env, tmp_path):
    env, local = stack_env

    def command(name: str) -> list[str]:
        words = _argv(SERVICES[name]["command"])
        for container_path, here in local.items():
            words = [word.replace(container_path, here) for word in words]
        return words

    with _started(command("worker"), env("worker"), tmp_path / "worker.log"):
        processes.wait_until(lambda: _healthy("worker", env("worker"), local).returncode == 0, timeout=90,
                             what="the worker's health check", interval=1)
        assert _healthy("beat", env("beat"), local).returncode != 0  # the worker does not answer for beat
        with _started(command("beat"), env("beat"), tmp_path / "beat.log"):
            processes.wait_until(lambda: _healthy("beat", env("beat"), local).returncode == 0, timeout=90,
                                 what="beat's health check", interval=1)
            schedule = Path(command("beat")[command("beat").index("--schedule") + 1])
            assert list(schedule.parent.glob(schedule.name + "*"))  # on the volume, whatever dbm named it
