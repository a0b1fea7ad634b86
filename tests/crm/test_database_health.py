"""A process's persistent connection is checked before each request's first query without a round
trip (`crm/postgresql`), and a connection the server ended is replaced before a page needs it.

Requests go through Django's WSGI handler, which (unlike the test client) runs the per-request
connection upkeep, as gunicorn does."""

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connections
from django.test import RequestFactory

from tests.reliability.processes import server_params, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def _serve(path: str) -> int:
    statuses = []
    response = WSGIHandler()(RequestFactory().get(path).environ, lambda status, headers: statuses.append(status))
    b"".join(response)
    response.close()
    return int(statuses[0].split()[0])


def _backend_pid() -> int:
    return connections["default"].connection.info.backend_pid


@pytest.fixture
def round_trip_checks(monkeypatch):
    """The `SELECT 1` checks Django's health check runs, counted."""
    database = connections["default"]
    calls = []
    is_usable = database.is_usable
    monkeypatch.setattr(database, "is_usable", lambda: calls.append(1) or is_usable())
    return calls


def test_a_live_connection_serves_every_request_without_a_check_round_trip(round_trip_checks):
    assert _serve("/healthz") == 200
    pid = _backend_pid()
    for _ in range(3):
        assert _serve("/healthz") == 200
    assert round_trip_checks == [] and _backend_pid() == pid


def test_a_session_the_server_ended_is_replaced_before_the_request_needs_it(round_trip_checks):
    assert _serve("/healthz") == 200
    pid = _backend_pid()
    with psycopg.connect(**server_params(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    wait_until(lambda: not connections["default"].nothing_arrived(), timeout=5, what="the server's goodbye")
    assert _serve("/healthz") == 200  # not 503: the check saw the goodbye and reconnected
    assert round_trip_checks == [1] and _backend_pid() != pid


def test_a_notice_that_arrives_between_requests_costs_one_check_and_keeps_the_connection(round_trip_checks):
    assert _serve("/healthz") == 200
    pid = _backend_pid()
    with psycopg.connect(**server_params(), autocommit=True) as other:
        other.execute("NOTIFY crm_features")  # every connection of the project listens on it
    wait_until(lambda: not connections["default"].nothing_arrived(), timeout=5, what="the notification")
    assert _serve("/healthz") == 200
    assert round_trip_checks == [1] and _backend_pid() == pid
