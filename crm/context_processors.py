from functools import cache

from django.conf import settings
from django.utils.translation import get_language_info

from crm.panels import nav_entries


def navigation(request):
    """The layout's navigation (base.html): the entries the user may open, and the language picker."""
    languages = _language_options(tuple(code for code, _name in settings.LANGUAGES))
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"nav_entries": [], "language_options": languages}
    return {"nav_entries": nav_entries(request), "language_options": languages}


@cache
def _language_options(codes: tuple[str, ...]) -> list[tuple[str, str]]:
    """(code, the language's name in itself) for the picker: the same on every page, so worked out
    once per process (about 120 µs a page through `get_language_info_list`)."""
    return [(code, get_language_info(code)["name_local"]) for code in codes]
