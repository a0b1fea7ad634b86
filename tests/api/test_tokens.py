"""Personal API tokens: made and revoked by their person on the settings page or by the command,
shown once, stored hashed, "last used" kept to the minute."""

import datetime
import hashlib
import io
import re

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from api.models import ApiToken
from api.tokens import LAST_USED_PRECISION, find, token_create
from tests.api.conftest import ApiClient
from tests.factories import UserFactory

TOKENS = "/settings/api-tokens/"
TOKEN = re.compile(r"crm_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


def _create(client, name="Billing sync", scope="write", **extra):
    page = client.get(TOKENS)
    submission = page.context["form"].initial["submission"]
    return client.post(TOKENS, {"name": name, "scope": scope, "submission": submission, **extra})


def test_a_token_is_shown_once_and_stored_only_as_its_hash(client_as, rep):
    client = client_as(rep)
    response = _create(client)
    assert response.status_code == 200
    plain = TOKEN.search(response.text).group()
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.scope, token.prefix) == (rep, "Billing sync", "write", plain[4:12])
    assert token.secret_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in str(ApiToken.objects.values().get())  # no column holds it
    # the list afterwards names it by its first characters, never shows the secret again
    listed = client.get(TOKENS)
    assert plain not in listed.text and f"crm_{token.prefix}…" in listed.text
    assert ApiClient(plain).get("/api/v1/contacts/").status_code == 200


def test_the_same_form_posted_twice_makes_one_token_and_shows_no_secret_the_second_time(client_as, rep):
    client = client_as(rep)
    submission = client.get(TOKENS).context["form"].initial["submission"]
    first = client.post(TOKENS, {"name": "Twice", "scope": "read", "submission": submission})
    second = client.post(TOKENS, {"name": "Twice", "scope": "read", "submission": submission})
    assert first.status_code == 200 and TOKEN.search(first.text)
    assert second.status_code == 200 and not TOKEN.search(second.text)
    assert "was already created by this form" in second.text
    assert ApiToken.objects.count() == 1


def test_a_name_the_form_refuses_makes_no_token(client_as, rep):
    response = _create(client_as(rep), name="two\nlines")
    assert response.status_code == 422 and "errorlist" in response.text
    assert _create(client_as(rep), name="", scope="admin").status_code == 422
    assert not ApiToken.objects.exists()


def test_each_person_sees_and_revokes_only_their_own_tokens(client_as, rep, outsider):
    mine, plain = token_create(user=rep, name="Mine", scope="read")
    theirs, their_plain = token_create(user=outsider, name="Theirs", scope="read")
    client = client_as(rep)
    page = client.get(TOKENS)
    assert "Mine" in page.text and "Theirs" not in page.text
    assert client.post(reverse("api_token_revoke", args=[theirs.pk])).status_code == 404
    assert ApiClient(their_plain).get("/api/v1/contacts/").status_code == 200
    assert client.post(reverse("api_token_revoke", args=[mine.pk])).status_code == 302
    assert client.post(reverse("api_token_revoke", args=[mine.pk])).status_code == 302  # twice: revoked once
    mine.refresh_from_db()
    assert mine.revoked_at is not None
    assert ApiClient(plain).get("/api/v1/contacts/").status_code == 401
    assert "Revoked" in client.get(TOKENS).text


def test_the_page_asks_for_a_login_and_its_forms_for_csrf(client, rep):
    assert client.get(TOKENS).status_code == 302
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(rep)
    assert csrf_client.post(TOKENS, {"name": "No CSRF", "scope": "read"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_partners_may_have_tokens_too(client_as, partner):
    response = _create(client_as(partner), scope="read")
    assert response.status_code == 200 and TOKEN.search(response.text)


def test_last_used_is_written_at_most_once_a_minute(api_as, rep, django_assert_num_queries):
    _token, plain = token_create(user=rep, name="Clock", scope="read")
    api = ApiClient(plain)
    start = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        api.get("/api/v1/contacts/")
    token = ApiToken.objects.get(name="Clock")
    assert token.last_used_at == start
    with time_machine.travel(start + LAST_USED_PRECISION - datetime.timedelta(seconds=1), tick=False):
        found = find(plain)
        with django_assert_num_queries(0):  # a use within the minute writes nothing
            from api.tokens import touch

            touch(found)
        api.get("/api/v1/contacts/")
    token.refresh_from_db()
    assert token.last_used_at == start
    later = start + datetime.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        api.get("/api/v1/contacts/")
    token.refresh_from_db()
    assert token.last_used_at == later


def test_the_command_prints_the_token_and_nothing_else(rep):
    out = io.StringIO()
    call_command("create_api_token", "rep", "--name", "Nightly export", "--scope", "read", stdout=out)
    printed = out.getvalue()
    assert TOKEN.fullmatch(printed.strip()) and printed.count("\n") == 1
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.scope) == (rep, "Nightly export", "read")
    assert ApiClient(printed.strip()).get("/api/v1/contacts/").status_code == 200


@pytest.mark.parametrize("args", [["nobody", "--name", "x"], ["rep", "--name", ""], ["rep", "--name", "a\tb"]])
def test_the_command_refuses_what_the_page_refuses(rep, args):
    with pytest.raises(CommandError):
        call_command("create_api_token", *args, stdout=io.StringIO())
    assert not ApiToken.objects.exists()


def test_a_deactivated_persons_tokens_open_nothing(rep):
    _token, plain = token_create(user=rep, name="Leaver", scope="write")
    UserFactory._meta.model.objects.filter(pk=rep.pk).update(is_active=False)
    assert ApiClient(plain).get("/api/v1/contacts/").status_code == 401
