from unittest import mock

from django.db.utils import OperationalError
from django.urls import reverse


def test_healthz_reports_database_and_broker(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] in {"ok", "eager"}


def test_healthz_is_503_when_the_database_is_down(client, db):
    # Stand-in for an outage: the connection refuses every cursor, as psycopg does when PostgreSQL is gone.
    with mock.patch("crm.views.health.connection.cursor", side_effect=OperationalError("down")):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "down"
