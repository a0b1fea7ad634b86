"""The runner refuses what it cannot measure; the floor view and the bench's sessions work."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from bench.harness import log_in, percentile_ms
from bench.operations import FRESH, OPERATIONS, PAGE
from bench.runner import parse_args

ROOT = Path(__file__).resolve().parents[2]


def run_bench(*args, database_url):
    environment = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    environment["DATABASE_URL"] = database_url
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)


def test_refuses_another_engine_with_a_clear_message():
    result = run_bench("--contacts", "200", database_url="mysql://bench:pw@127.0.0.1/crm_bench")
    assert result.returncode == 2
    assert "runs on PostgreSQL only" in result.stderr
    assert "DATABASE_URL=postgres://" in result.stderr


def test_refuses_an_unreachable_postgresql_with_a_clear_message():
    result = run_bench("--contacts", "200", database_url="postgres://postgres@127.0.0.1:9/crm_bench")
    assert result.returncode == 2
    assert "PostgreSQL is not reachable at 127.0.0.1:9" in result.stderr


def test_options():
    options = parse_args(["--contacts", "1000000", "--duration", "3", "--only", "floor,contact_page"])
    assert (options.contacts, options.duration, options.only) == (1_000_000, 3, "floor,contact_page")
    with pytest.raises(SystemExit):
        parse_args(["--contacts", "5"])


def test_every_operation_the_issue_names_is_listed_and_pages_are_held_to_the_floor():
    keys = [operation.key for operation in OPERATIONS]
    assert keys[0] == "floor"
    for key in ("contact_page", "copy_contacts", "smartlist_export", "smartlist_copy", "import_export",
                "smartlist_page_1", "smartlist_page_deep", "partner_dashboard"):
        assert key in keys
    for operation in OPERATIONS[1:]:
        if operation.kind == PAGE:
            assert [(target.reference, target.minimum) for target in operation.targets] == [("floor", 0.4)]
        assert operation.prepare or operation.waits_for


def test_every_page_is_measured_from_the_page_cache_and_rendered_afresh():
    pages = {operation.key: operation for operation in OPERATIONS[1:] if operation.kind == PAGE}
    served = [key for key in pages if not key.endswith("_fresh")]
    assert served and all(pages[f"{key}_fresh"].headers == (FRESH,) for key in served)
    assert all(pages[key].headers == () for key in served)


@pytest.mark.urls("bench.urls")
@pytest.mark.django_db
def test_the_floor_view_answers_a_bench_session_and_sends_anonymous_users_to_log_in(rep, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    client = Client(headers={"host": "127.0.0.1"})
    assert client.get("/bench/floor/").status_code == 302
    client.cookies[settings.SESSION_COOKIE_NAME] = log_in(rep.username)
    response = client.get("/bench/floor/")
    assert response.status_code == 200
    assert response.content == f"ok {rep.pk}".encode()


def test_the_product_has_no_floor_url(client):
    assert client.get("/bench/floor/").status_code == 404


def test_copy_latency_percentiles_are_nearest_rank():
    runs = [0.4, 0.1, 0.3, 0.2]
    assert (percentile_ms(runs, 50), percentile_ms(runs, 95), percentile_ms([0.25], 95)) == (200.0, 400.0, 250.0)
