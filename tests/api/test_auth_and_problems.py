"""Who may use the API and how it says no: 401, 403, 404, 405, 429, all as RFC 9457 problem
documents in the request's language."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from api.tokens import token_create, token_revoke
from crm.models import Contact
from tests.api.conftest import ApiClient

LIST = "/api/v1/contacts/"
PROBLEM_KEYS = {"type", "title", "status", "detail"}


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert PROBLEM_KEYS <= set(body) and body["status"] == status
    return body


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer crm_00000000_unknown", "Basic cmVwOnB3", "crm_x"])
def test_without_a_valid_token_it_is_401_with_a_challenge(db, header):
    client = Client()
    response = client.get(LIST, headers={"Authorization": header} if header else {})
    problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_401(rep):
    token, plain = token_create(user=rep, name="Old", scope="read")
    token_revoke(token=token)
    response = ApiClient(plain).get(LIST)
    assert problem(response, 401)["type"] == "/api/v1/problems/unauthenticated"
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_a_signed_in_browser_without_a_token_is_401_sessions_do_not_count(client_as, rep):
    problem(client_as(rep).get(LIST), 401)


def test_a_read_token_may_read_but_not_write(api_as, rep, contact):
    reader = api_as(rep, scope="read")
    assert reader.get(LIST).status_code == 200
    for response in (reader.post(LIST, {"name": "Not Made"}),
                     reader.patch(f"{LIST}{contact.pk}/", {"name": "Not Changed"}, headers={"If-Match": '"1"'}),
                     reader.delete(f"{LIST}{contact.pk}/", headers={"If-Match": '"1"'})):
        assert problem(response, 403)["type"] == "/api/v1/problems/read-only-token"
    contact.refresh_from_db()
    assert contact.name == "Rita Rep-Owned" and Contact.objects.count() == 1


def test_token_writes_need_no_csrf_token(rep):
    _token, plain = token_create(user=rep, name="Script", scope="write")
    client = Client(enforce_csrf_checks=True)
    response = client.post(LIST, {"name": "Scripted"}, content_type="application/json",
                           headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 201


def test_a_locked_out_login_leaves_the_persons_tokens_working(client, rep):
    _token, plain = token_create(user=rep, name="Script", scope="read")
    for _ in range(6):
        client.post(reverse("login"), {"username": "rep", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    assert client.post(reverse("login"), {"username": "rep", "password": "pw"}, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert ApiClient(plain).get(LIST, headers={"X-Forwarded-For": "10.0.0.1"}).status_code == 200
    assert Client().get(LIST, REMOTE_ADDR="10.0.0.1", headers={"Authorization": f"Bearer {plain}"}).status_code == 200


@pytest.mark.parametrize(("language", "title", "required"), [
    ("it", "I dati non sono validi.", "Questo campo è obbligatorio."),
    ("pt-BR", "Os dados não são válidos.", "Este campo é obrigatório."),
    ("en", "The data is not valid.", "This field is required."),
])
def test_problems_and_field_errors_speak_the_requests_language(api_as, rep, language, title, required):
    response = api_as(rep).post(LIST, {"name": ""}, headers={"Accept-Language": language})
    body = problem(response, 422)
    assert body["title"] == title
    assert body["errors"]["name"][0]["message"] == required


def test_not_found_and_a_method_a_path_does_not_take_are_problems(api_as, rep):
    api = api_as(rep)
    problem(api.get("/api/v1/contacts/123456789/"), 404)
    problem(api.get("/api/v1/contacts/2147483648000000000000/"), 404)  # past any column: not found, never a 500
    response = api.put(LIST, {})
    problem(response, 405)
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}


def test_a_body_that_is_not_a_json_object_is_400(api_as, rep):
    api = api_as(rep)
    for body in ("{not json", "[1, 2]", '"text"'):
        response = api.client.post(LIST, body, content_type="application/json", headers=api.headers)
        problem(response, 400)


def test_past_the_tokens_rate_it_is_429_with_retry_after(api_as, rep, settings):
    settings.API_RATE_LIMIT = "3/m"
    api, other = api_as(rep), api_as(rep)
    assert [api.get(LIST).status_code for _ in range(3)] == [200, 200, 200]
    response = api.get(LIST)
    assert problem(response, 429)["type"] == "/api/v1/problems/rate-limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert other.get(LIST).status_code == 200  # the rate is each token's own


@pytest.mark.services
def test_the_rate_is_counted_in_redis_when_there_is_one(api_as, rep, settings):
    from tests.reliability.processes import PrivateRedis

    with PrivateRedis() as redis:
        caches = {"default": {"BACKEND": "crm.cache.ResilientRedisCache", "LOCATION": redis.url}}
        with override_settings(CACHES=caches, API_RATE_LIMIT="2/m"):
            api = api_as(rep)
            assert [api.get(LIST).status_code for _ in range(3)] == [200, 200, 429]
            assert any(key.startswith(b":1:throttle_token_") for key in redis.client().keys())
