import inspect

from django.urls import URLResolver, get_resolver

from crm.http import HtmxHttpRequest

OUR_APPS = ("crm.", "renewals.", "smartlists.", "subscriptions.")


def _patterns(resolver):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern)
        else:
            yield pattern


def test_every_view_of_ours_takes_an_htmx_request():
    views = {inspect.unwrap(pattern.callback) for pattern in _patterns(get_resolver())}
    ours = [view for view in views if view.__module__.startswith(OUR_APPS)]
    untyped = [
        f"{view.__module__}.{view.__name__}"
        for view in ours
        if inspect.signature(view).parameters["request"].annotation is not HtmxHttpRequest
    ]
    assert ours and untyped == []
