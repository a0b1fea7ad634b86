from unittest import mock

import pytest
from django.conf import settings
from django.db.utils import OperationalError
from django.urls import reverse

pytestmark = pytest.mark.services


def test_healthz_reports_database_and_broker(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    # The real broker answers when REDIS_URL names one (CI's services run); tasks run in-process without.
    assert response.json() == {"database": "ok", "broker": "ok" if settings.REDIS_URL else "eager"}


def test_healthz_is_503_when_the_database_is_down(client, db):
    # Stand-in for an outage: the connection refuses every cursor, as psycopg does when PostgreSQL is gone.
    with mock.patch("crm.views.health.connection.cursor", side_effect=OperationalError("down")):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "down"
