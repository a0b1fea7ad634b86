"""The request type views are annotated with, and the caching rule for what a logged-in user is shown."""

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
