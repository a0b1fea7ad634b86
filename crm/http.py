"""The request type views are annotated with, the caching rule for what a logged-in user is shown,
and the address a request comes from."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django.utils.cache import patch_cache_control
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that went through `HtmxMiddleware`: `request.htmx` is set (falsy without htmx)."""

    htmx: HtmxDetails


def private_responses(get_response):
    """What a logged-in user is shown (pages, partials, CSV downloads) is never kept by a browser's
    cache or a proxy: `Cache-Control: private, no-store`, unless the view said otherwise."""

    def middleware(request):
        response = get_response(request)
        if request.user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware


def client_address(request) -> str | None:
    """The address of whoever sent `request` (django-axes locks a username from it).

    Without proxies (`TRUSTED_PROXY_COUNT` 0) it is REMOTE_ADDR, and X-Forwarded-For, which anyone
    can write, is ignored. Behind N proxies each appends to X-Forwarded-For the address it got the
    request from, so the Nth entry from the right is the one the first proxy saw: the client.
    Entries left of it are the client's own text and never believed. A header with fewer entries
    (a request that did not come through the proxies) or an entry that is no address: REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < count:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote
