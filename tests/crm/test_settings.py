import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.services

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-0123456789abcdef",
    "ALLOWED_HOSTS": "crm.example.com",
    "DATABASE_URL": "postgres://crm:secret@db.example.com:5432/crm",
}


def _manage(*args, env_extra):
    # A clean environment: only what a production process would be started with.
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_values():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_extra=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("name", "value"),
    [("DEBUG", "maybe"), ("PORT", "eighty"),
     ("CRM_CURRENCY", "euros"), ("TIME_ZONE", "Mars/Olympus"), ("DATABASE_CONN_MAX_AGE", "x"), ("DATABASE_RANDOM_PAGE_COST", "fast"),
     ("API_RATE_LIMIT", "lots"), ("API_RATE_LIMIT", "100/10y")],
)
def test_bad_setting_fails_loudly_at_start(name, value):
    result = _manage("check", env_extra={**PRODUCTION, name: value})
    assert result.returncode != 0
    assert name in result.stderr


@pytest.mark.parametrize("url", ["mysql://crm:pw@db.example.com/crm", "oracle://crm:pw@db/crm", "nonsense"])
def test_a_database_url_of_another_engine_stops_the_process_naming_the_variable(url):
    result = _manage("check", env_extra={**PRODUCTION, "DATABASE_URL": url})
    assert result.returncode != 0
    assert "DATABASE_URL must point at a PostgreSQL server" in result.stderr
    assert "pw" not in result.stderr  # the URL may hold a password: it is not repeated


@pytest.mark.parametrize(
    ("env", "link"),
    [
        ({}, "http://127.0.0.1:8000/"),
        ({"PORT": "8200"}, "http://127.0.0.1:8200/"),  # PORT=8200 make run
        ({"HOST": "0.0.0.0", "PORT": "8300"}, "http://0.0.0.0:8300/"),
        ({"PORT": "8200", "RENEWALS_SITE_URL": "https://crm.example.com/"}, "https://crm.example.com/"),
    ],
)
def test_e_mail_links_point_to_the_address_the_server_was_started_on(env, link):
    code = ("from django.urls import reverse; from renewals import conf; "
            "print(conf.site_url() + reverse('renewals:customer', args=[7]))")
    result = _manage("shell", "-c", code, env_extra={**PRODUCTION, **env})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"{link}renewals/customers/7/"


def test_without_database_url_the_embedded_postgresql_is_the_database():
    env = {k: v for k, v in PRODUCTION.items() if k != "DATABASE_URL"}
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    result = _manage("shell", "-c", code, env_extra=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "crm.embedded_db"


def test_missing_secret_key_outside_debug_fails():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = _manage("check", env_extra=env)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_every_beat_entry_names_a_registered_task():
    # The schedule names the apps' tasks by string: a renamed or moved task must fail here, not
    # silently at night in `celery beat`.
    from django.conf import settings

    from crm.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled and scheduled <= set(app.tasks)


@pytest.mark.django_db
def test_the_apps_connections_plan_for_ssd_storage_and_compile_nothing():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('random_page_cost'), current_setting('jit')")
        assert cursor.fetchone() == ("1.1", "off")


def test_collectstatic_gathers_into_static_root(tmp_path):
    result = _manage("collectstatic", "--noinput", "-v0", env_extra={**PRODUCTION, "STATIC_ROOT": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "js" / "app.js").exists() and (tmp_path / "staticfiles.json").exists()
