"""Who a request of the API is: the person of its `Authorization: Bearer` token, and nobody else.

Sessions and CSRF play no part: a browser's session cookie sent along is not read (a request
without a token is a 401 whoever is signed in), and there is no cookie for a forged form to ride
on. Login throttling (django-axes) counts passwords typed at the login page; a token is no
password and never reaches it, so a locked-out login leaves its person's tokens working.
"""

import threading

from django.conf import settings
from django.utils.translation import gettext as _
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle, SimpleRateThrottle

from api import tokens
from api.problems import Problem

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        found = tokens.find(token)
        if found is None:
            return None  # 401
        tokens.touch(found)
        if request.method not in SAFE_METHODS and not found.can_write:
            raise Problem(403, _("This token may only read."),
                          _("Create a token with the scope “Read and write” to change data."), kind="read-only-token")
        request.user = found.user  # the token acts as its person: the same gates as the pages
        return found


class TokenRateThrottle(BaseThrottle):
    """At most API_RATE_LIMIT requests per token (ninja's throttle: a sliding window kept in
    Django's cache, Redis when REDIS_URL is set, else each process's memory). Over it: 429 with
    Retry-After. The rate is read per request, so a changed setting applies at once."""

    # ninja keeps one throttle object per operation, shared by a process's threads; each request
    # gets its own window reader, kept per thread for `wait()`.
    _state = threading.local()

    def allow_request(self, request) -> bool:
        self._state.window = _TokenWindow(rate=settings.API_RATE_LIMIT)
        return self._state.window.allow_request(request)

    def wait(self):
        return self._state.window.wait()


class _TokenWindow(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request) -> str:
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
