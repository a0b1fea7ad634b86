"""With Redis, sessions are read from the cache and kept in the database (`crm.sessions`). These
tests run it on the process's own cache (whose clock time_machine moves), as it runs on Redis."""

import datetime

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm import sessions

CONTACTS = reverse("contact_list")


@pytest.fixture(autouse=True)
def cached_sessions(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "sessions-tests"}}
    settings.SESSION_ENGINE = "crm.sessions"


def test_a_page_reads_its_session_from_the_cache_not_the_database(client_as, rep):
    client = client_as(rep)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(CONTACTS).status_code == 200
    assert not any("django_session" in query["sql"] for query in captured)


def test_logging_out_ends_the_session(client_as, rep):
    client = client_as(rep)
    assert client.get(CONTACTS).status_code == 200
    cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    again = Client()
    again.cookies["sessionid"] = cookie
    response = again.get(CONTACTS)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_session_the_cache_lost_is_read_from_the_database(client_as, rep):
    from django.core.cache import cache

    client = client_as(rep)
    cache.clear()  # Redis restarted empty
    assert client.get(CONTACTS).status_code == 200


def test_a_session_ended_while_the_cache_could_not_be_told_ends_within_ten_minutes(client_as, rep):
    client = client_as(rep)
    assert client.get(CONTACTS).status_code == 200
    Session.objects.all().delete()  # a logout whose cache delete was lost in a Redis outage
    later = timezone.now() + datetime.timedelta(seconds=sessions.CACHE_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        response = client.get(CONTACTS)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
