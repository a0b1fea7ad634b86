"""The request type views are annotated with (django-htmx's tip for type checkers)."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that went through `HtmxMiddleware`: `request.htmx` is set (falsy without htmx)."""

    htmx: HtmxDetails
