"""Whole-page caching for the read-heavy pages, kept true by one data version.

A page here is a function of who asks, what they ask (path, query string, htmx headers), the
language, the day, and the data. The first four make the key; the data is represented by a
single version token that every write replaces, and an entry is served only while the version
it was rendered under is still the current one:

- any model saved or deleted, or a many-to-many set changed, through the ORM replaces it at once
  and again when the transaction commits (a page rendered from not-yet-committed data during the
  transaction is cached under a version that the commit retires);
- writes that bypass the ORM's signals (`QuerySet.update()`, raw SQL, the daily summary refresh)
  call `data_changed()` themselves.

So a write never has to know which pages show it, and a stale page cannot be served after the
write commits. The version lives in the same cache: when Redis is down every page is a miss
(`crm.cache.ResilientRedisCache`), and `CRM_PAGE_CACHE_SECONDS` bounds how long an entry can
outlive a version bump that Redis did not take.

A request is rendered afresh, and its result stored again, when the browser asks for it with
`Cache-Control: no-cache` (a hard reload does), when messages are waiting to be shown, and when
the browser has no valid CSRF cookie yet (the page's forms carry a token derived from that cookie's
secret, which is part of the key).
"""

import hashlib
import uuid
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import translation

from crm.dates import today

VERSION_KEY = "crm:data-version"
KEY_PREFIX = "crm:page"
# Request headers that change what a view renders (htmx asks for partials).
VARYING_HEADERS = ("HX-Request", "HX-Target", "HX-History-Restore-Request")
# Response headers a cached page keeps; anything else marks a response not to be cached.
KEPT_HEADERS = {"content-type", "content-length", "content-language", "vary", "x-frame-options"}
# Models whose rows no page shows: writing them must not empty the page cache (every request
# that touches the session writes one).
IGNORED_MODELS = {"sessions.session", "admin.logentry"}


def data_changed() -> None:
    """Retire every cached page: now, and again when the current transaction commits."""
    new_version()
    # Once per transaction is enough for the commit (a thousand rows saved in one transaction
    # would otherwise queue a thousand identical callbacks).
    pending = transaction.get_connection().run_on_commit
    if not any(callback is new_version for _savepoints, callback, _robust in pending):
        transaction.on_commit(new_version)


def new_version() -> None:
    """Retire every cached page now."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def _on_write(sender, **kwargs) -> None:
    if sender._meta.label_lower not in IGNORED_MODELS:
        data_changed()


def connect_signals() -> None:
    for name, signal in [("post_save", post_save), ("post_delete", post_delete), ("m2m_changed", m2m_changed)]:
        signal.connect(_on_write, dispatch_uid=f"crm.pagecache.{name}")


def cached_page(view):
    """Serve a GET view's 200 responses from the cache while the data version is unchanged."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        seconds = settings.CRM_PAGE_CACHE_SECONDS
        if not seconds or not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = _key(request, view)
        found = cache.get_many([VERSION_KEY, key])  # one round trip
        version = found.get(VERSION_KEY) or _first_version()
        if version is None:  # the cache is down: nothing to check an entry against
            return view(request, *args, **kwargs)
        stored = found.get(key)
        if stored and stored[0] == version and "no-cache" not in request.headers.get("Cache-Control", ""):
            return _response(*stored[1:])
        # The version read before rendering: a write committed meanwhile retires this entry.
        response = view(request, *args, **kwargs)
        if _cacheable_response(response):
            headers = {name: value for name, value in response.items() if name.lower() != "content-length"}
            cache.set(key, (version, response.content, response.status_code, headers), timeout=seconds)
        return response

    return wrapper


def _cacheable_request(request) -> bool:
    return (
        request.method == "GET"
        and request.user.is_authenticated
        # The CSRF middleware's checked secret: absent or renewed, the page must set the cookie.
        and request.META.get("CSRF_COOKIE")
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not len(get_messages(request))  # counting does not mark them as shown
    )


def _cacheable_response(response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and all(name.lower() in KEPT_HEADERS for name in response.headers)
    )


def _first_version() -> str | None:
    cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    return cache.get(VERSION_KEY)


def _key(request, view) -> str:
    parts = [
        f"{view.__module__}.{view.__qualname__}",
        str(request.user.pk),
        request.get_full_path(),
        translation.get_language() or "",
        today().isoformat(),
        request.META["CSRF_COOKIE"],
        *(request.headers.get(name, "") for name in VARYING_HEADERS),
    ]
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=20).hexdigest()
    return f"{KEY_PREFIX}:{digest}"


def _response(content: bytes, status: int, headers: dict) -> HttpResponse:
    response = HttpResponse(content, status=status)
    for name, value in headers.items():
        response[name] = value
    return response
