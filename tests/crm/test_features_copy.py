"""Each process keeps a copy of the switched-on features (`crm.features`): a page does not read
them, and a switch, made here or by another process, shows on the very next request."""

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm import features
from crm.models import Feature
from tests.reliability.processes import server_params, wait_until

PIPELINE = reverse("subscriptions:pipeline")
CUSTOMIZE = reverse("customize_feature", args=["subscriptions"])


def _queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured]


def _as_another_process(*statements: str) -> None:
    """Run `statements` in one transaction of a session of their own, committed."""
    with psycopg.connect(**server_params()) as other:
        for statement in statements:
            other.execute(statement)


def _announced() -> None:
    """PostgreSQL sends a notification to the listening sessions a moment after the commit."""
    wait_until(lambda: not connection.nothing_arrived(), timeout=5, what="the notification")


def test_a_page_reads_the_features_once_per_process_not_per_request(client_as, manager, subscriptions_on):
    client = client_as(manager)
    contacts = reverse("contact_list")  # a page that stores nothing on its first request
    first = _queries(client, contacts)
    second = _queries(client, contacts)
    assert any("crm_feature" in sql for sql in first)
    assert not any("crm_feature" in sql for sql in second)
    assert len(second) == len(first) - 1


def test_switching_a_feature_off_404s_its_pages_on_the_very_next_request(client_as, admin_user, manager,
                                                                         subscriptions_on):
    from django.test import Client

    reader = Client()
    reader.force_login(manager)
    assert reader.get(PIPELINE).status_code == 200
    assert reader.get(PIPELINE).status_code == 200  # from the process's copy
    client_as(admin_user).post(CUSTOMIZE, {"active": "0"})
    assert reader.get(PIPELINE).status_code == 404
    assert "Pipeline" not in reader.get(reverse("contact_list")).text  # its navigation entry is gone too


@pytest.mark.django_db(transaction=True)
def test_a_switch_committed_by_another_process_shows_on_the_next_request(client_as, admin_user, manager):
    features.feature_set_active(name="subscriptions", active=True, by=admin_user)
    client = client_as(manager)
    assert client.get(PIPELINE).status_code == 200
    assert client.get(PIPELINE).status_code == 200
    # What `feature_set_active` commits in another gunicorn worker or a Celery process.
    _as_another_process("UPDATE crm_feature SET is_active = false WHERE name = 'subscriptions'",
                        f"NOTIFY {features.CHANNEL}")
    _announced()
    assert client.get(PIPELINE).status_code == 404
    _as_another_process("UPDATE crm_feature SET is_active = true WHERE name = 'subscriptions'",
                        f"NOTIFY {features.CHANNEL}")
    _announced()
    assert client.get(PIPELINE).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_change_made_while_the_process_was_not_connected_is_read_on_reconnecting(client_as, admin_user, manager):
    features.feature_set_active(name="subscriptions", active=True, by=admin_user)
    client = client_as(manager)
    assert client.get(PIPELINE).status_code == 200
    connection.close()
    # Announced while this process had no connection to hear it.
    _as_another_process("UPDATE crm_feature SET is_active = false WHERE name = 'subscriptions'",
                        f"NOTIFY {features.CHANNEL}")
    assert client.get(PIPELINE).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_copy_is_never_older_than_its_maximum_age(client_as, admin_user, manager, monkeypatch):
    """Should notifications not arrive at all (a connection pooler in transaction mode)."""
    features.feature_set_active(name="subscriptions", active=True, by=admin_user)
    client = client_as(manager)
    assert client.get(PIPELINE).status_code == 200
    _as_another_process("UPDATE crm_feature SET is_active = false WHERE name = 'subscriptions'")
    later = features.monotonic() + features.COPY_MAX_AGE
    monkeypatch.setattr(features, "monotonic", lambda: later)
    assert client.get(PIPELINE).status_code == 404


def test_a_switch_rolled_back_changes_nothing_for_the_process(db, admin_user):
    assert features.active_names() == frozenset()
    with pytest.raises(RuntimeError), features.transaction.atomic():
        Feature.objects.create(name="subscriptions", is_active=True)
        raise RuntimeError("the request failed after the write")
    assert features.active_names() == frozenset()


def test_a_switch_written_by_a_queryset_update_shows_on_the_next_request(client_as, manager, subscriptions_on):
    client = client_as(manager)
    assert client.get(PIPELINE).status_code == 200
    Feature.objects.filter(name="subscriptions").update(is_active=False)  # sends no model signal
    assert client.get(PIPELINE).status_code == 404
