"""A Redis outage costs the cache, never a page."""

import socket
import time

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse

from crm import cache as cache_module

pytestmark = pytest.mark.services


def _unused_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dead_redis_cache():
    location = f"redis://127.0.0.1:{_unused_port()}/0"
    config = {"default": {"BACKEND": "crm.cache.ResilientRedisCache", "LOCATION": location,
                          "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    with override_settings(CACHES=config):  # Django rebuilds its cache handlers on this change
        yield caches["default"]


def test_unreachable_redis_reads_as_a_miss_and_writes_as_nothing(dead_redis_cache):
    assert dead_redis_cache.get("anything", "fallback") == "fallback"
    assert dead_redis_cache.set("key", "value") is None
    assert dead_redis_cache.add("key", "value") is False
    assert dead_redis_cache.get_many(["a", "b"]) == {}


def test_contact_page_with_its_cached_widget_answers_while_redis_is_down(
    dead_redis_cache, client_as, rep, contact, subscriptions_on
):
    from subscriptions.models import Period

    Period.objects.create(contact=contact, mrr="10.00", start_date="2026-01-01")
    response = client_as(rep).get(reverse("contact_detail", args=[contact.pk]))
    assert response.status_code == 200
    assert "10.00" in response.text


def test_logged_in_pages_answer_while_redis_is_down_reading_sessions_from_the_database(
    dead_redis_cache, client_as, rep, settings
):
    settings.SESSION_ENGINE = "crm.sessions"  # as crm.settings with REDIS_URL
    client = client_as(rep)
    for _ in range(2):
        assert client.get(reverse("contact_list")).status_code == 200


@pytest.fixture
def hung_redis_cache():
    """A Redis that takes connections and never answers (a hung server, a lost network)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)  # the kernel completes the connections; nothing ever reads them
        location = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
        config = {"default": {"BACKEND": "crm.cache.ResilientRedisCache", "LOCATION": location,
                              "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
        with override_settings(CACHES=config):
            yield caches["default"]


def _seconds(call) -> float:
    started = time.monotonic()
    call()
    return time.monotonic() - started


def test_a_hung_redis_costs_one_timeout_then_is_left_alone_for_a_while(hung_redis_cache, monkeypatch):
    assert _seconds(lambda: hung_redis_cache.get("session")) >= 0.4  # waited for its answer once
    assert _seconds(lambda: [hung_redis_cache.get("session") for _ in range(50)]) < 0.2
    assert hung_redis_cache.get("session", "fallback") == "fallback" and hung_redis_cache.set("k", "v") is None
    later = cache_module.monotonic() + cache_module.RETRY_AFTER
    monkeypatch.setattr(cache_module, "monotonic", lambda: later)
    assert _seconds(lambda: hung_redis_cache.get("session")) >= 0.4  # asked again
