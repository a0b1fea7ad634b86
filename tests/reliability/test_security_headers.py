"""Security headers on every page of the permission matrix, downloads and htmx partials included
(logged in: never stored by a cache; the Content-Security-Policy exactly as shipped), and a clean
`check --deploy` with PostgreSQL and Redis configured as production runs them."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.crm.test_settings import PRODUCTION, _manage
from tests.test_permission_matrix import MATRIX, cast, objects  # noqa: F401 — the matrix's fixtures

pytestmark = pytest.mark.services
HX = {"HX-Request": "true"}

# Nothing inline, nothing from elsewhere: no 'unsafe-inline', no 'unsafe-eval', no other host.
CONTENT_SECURITY_POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "connect-src": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
    "base-uri": {"'self'"},
    "object-src": {"'none'"},
}


def _policy(header: str) -> dict[str, set[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: set(values) for name, *values in directives}


def _assert_headers(response, where):
    assert _policy(response["Content-Security-Policy"]) == CONTENT_SECURITY_POLICY, where
    assert response["X-Frame-Options"] == "DENY", where
    assert response["X-Content-Type-Options"] == "nosniff", where
    assert response["Referrer-Policy"] == "same-origin", where
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", where
    hsts = response["Strict-Transport-Security"]
    assert hsts.startswith("max-age=31536000") and "includeSubDomains" in hsts, where


def test_every_page_and_download_carries_the_security_headers(cast, objects, subscriptions_on):
    placeholders = {key: getattr(value, "pk", value) for key, value in objects.items()}
    clients, seen = {}, 0
    for param in MATRIX:
        name, method, kwargs, _, expected, _, features = param.values
        if method != "GET" or (not features and name.startswith("subscriptions:")):
            continue
        role = next((role for role, status in expected.items() if status == 200), None)
        if role is None:
            continue
        if role not in clients:
            clients[role] = Client()
            if cast[role] is not None:
                clients[role].force_login(cast[role])
        url = reverse(name, kwargs={k: v.format(**placeholders) for k, v in kwargs.items()})
        for headers in ({}, HX):
            response = clients[role].get(url, secure=True, headers=headers)
            assert response.status_code == 200, (role, url)
            _assert_headers(response, f"{role} {url}")
            if cast[role] is not None:  # what a logged-in user is shown is never stored on the way
                assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}, url
            seen += 1
            if name in ("smartlists:export", "smartlists:export_download"):
                assert response["Content-Disposition"].startswith("attachment;"), url
                assert response["Content-Type"] == "text/csv; charset=utf-8", url
    assert seen >= 40


def test_htmx_answers_to_posts_carry_the_security_headers(cast, objects, subscriptions_on):
    """An in-place save and its refusal (the row partial, 200 then 422) and a column change (the
    list's region): never stored on the way, under the same policy as pages."""
    client = Client()
    client.force_login(cast["rep"])
    action = reverse("renewals:change_communication_owner", args=[objects["renewal_change"].pk])
    columns = reverse("smartlists:columns", args=[objects["smartlist"].pk])
    answers = [
        client.post(action, {"owner": "partner", "version": "1", "layout": "customer"}, secure=True, headers=HX),
        client.post(action, {"owner": "vendor", "version": "1", "layout": "customer"}, secure=True, headers=HX),
        client.post(columns, {"add": "phone", "version": objects["smartlist"].version}, secure=True, headers=HX),
    ]
    assert [response.status_code for response in answers] == [200, 422, 200]
    for response in answers:
        _assert_headers(response, response.request["PATH_INFO"])
        assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}


def test_plain_http_is_redirected_to_https_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("login"))
    assert response.status_code == 301 and response["Location"].startswith("https://")


@pytest.mark.parametrize("extra", [
    {"DATABASE_URL": "postgres://crm:secret@db.example.com:5432/crm", "REDIS_URL": "redis://cache.example.com:6379/0"},
    {"SECURE_PROXY_SSL_HEADER": "true", "CSRF_TRUSTED_ORIGINS": "https://crm.example.com"},
])
def test_check_deploy_is_clean_with_postgresql_redis_and_a_proxy(extra):
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_extra={**PRODUCTION, **extra})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
