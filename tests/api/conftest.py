"""API tests: a client that speaks for a person through their token, as a script would."""

import pytest
from django.core.cache import cache
from django.test import Client

from api.tokens import token_create


def bearer(plain: str) -> dict:
    return {"Authorization": f"Bearer {plain}"}


class ApiClient:
    """Requests to the API with a token (and JSON bodies); the answers are Django's test responses."""

    def __init__(self, plain: str | None, **headers):
        self.client = Client()
        self.headers = {**(bearer(plain) if plain else {}), **headers}

    def _send(self, method, path, body=None, headers=None):
        kwargs = {"headers": {**self.headers, **(headers or {})}}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(self.client, method)(path, **kwargs)

    def get(self, path, params=None, headers=None):
        return self.client.get(path, params or {}, headers={**self.headers, **(headers or {})})

    def post(self, path, body=None, headers=None):
        return self._send("post", path, body if body is not None else {}, headers)

    def patch(self, path, body=None, headers=None):
        return self._send("patch", path, body if body is not None else {}, headers)

    def put(self, path, body=None, headers=None):
        return self._send("put", path, body if body is not None else {}, headers)

    def delete(self, path, body=None, headers=None):
        return self._send("delete", path, body, headers)


@pytest.fixture(autouse=True)
def fresh_rate_counts():
    """The rate limit counts in the cache (each process's own without Redis): no test inherits another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_as(db):
    """`api_as(user, scope="write")`: a client with a new token of `user`."""

    def make(user, scope="write"):
        _token, plain = token_create(user=user, name=f"{user.username} {scope}", scope=scope)
        return ApiClient(plain)

    return make
