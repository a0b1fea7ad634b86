"""Panels that other apps add to the contact page, and entries they add to the navigation and to
the Settings page.

`crm` knows nothing of the apps that register here: each app calls `register_panel` and
`register_nav` from its `AppConfig.ready()`, naming the feature that owns the entry, so a
switched-off feature disappears from every page in one place.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.urls import get_script_prefix, reverse

from crm import features


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable  # (request, contact) -> dict
    feature: str | None = None
    order: int = 100


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    allowed: Callable  # (user) -> bool
    feature: str | None = None
    order: int = 100

    @property
    def url(self) -> str:
        return _reversed(self.url_name, get_script_prefix())


@cache
def _reversed(url_name: str, script_prefix: str) -> str:
    """The navigation's URLs, reversed once per process rather than on every page (about 30 µs
    each); they depend on nothing but the prefix the site is served under (no language prefix)."""
    return reverse(url_name)


@dataclass(frozen=True)
class SettingsEntry:
    """A page of an app's own settings, listed on the Settings page (admins only, as it is)."""

    label: str
    url_name: str
    description: str
    feature: str | None = None

    @property
    def url(self) -> str:
        return _reversed(self.url_name, get_script_prefix())


_panels: list[Panel] = []
_nav: list[NavEntry] = []
_settings: list[SettingsEntry] = []


def register_panel(template: str, *, context: Callable, feature: str | None = None, order=100):
    _panels.append(Panel(template, context, feature, order))
    _panels.sort(key=lambda panel: panel.order)


def register_nav(label, url_name: str, *, allowed: Callable, feature=None, order=100):
    _nav.append(NavEntry(label, url_name, allowed, feature, order))
    _nav.sort(key=lambda entry: entry.order)


def _shown(entry, request) -> bool:
    return entry.feature is None or features.is_active(entry.feature, request)


def contact_panels(request, contact) -> list[dict]:
    """The panels to render on `contact`'s page, each with its own context."""
    return [
        {"template": panel.template, **panel.context(request, contact)}
        for panel in _panels
        if _shown(panel, request)
    ]


def nav_entries(request) -> list[NavEntry]:
    return [entry for entry in _nav if entry.allowed(request.user) and _shown(entry, request)]


def register_settings(label, url_name: str, *, description, feature=None):
    _settings.append(SettingsEntry(label, url_name, description, feature))


def settings_entries(request) -> list[SettingsEntry]:
    """The settings pages to list: those of features that are on."""
    return [entry for entry in _settings if _shown(entry, request)]
