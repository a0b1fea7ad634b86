"""Strict readers for settings that come from the environment.

A bad value stops the process at start with a message naming the variable, rather than
running with a silently wrong configuration.
"""

import os
import re
from decimal import Decimal, InvalidOperation

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false, 1/0, yes/no)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = os.environ.get(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of {sorted(choices)}")
    return value


def env_currency(name: str, default: str) -> str:
    value = os.environ.get(name, default).strip().upper()
    if len(value) != 3 or not value.isalpha():
        raise ImproperlyConfigured(f"{name}={value!r} is not an ISO 4217 currency code")
    return value


def env_decimal(name: str, default: str) -> Decimal:
    raw = os.environ.get(name, default)
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number") from None


def env_postgres_url(name: str) -> dict:
    """A Django database from a `postgres://user:password@host:port/name` URL; any other engine's
    URL stops the process (the URL itself is not repeated: it may hold a password)."""
    scheme = os.environ[name].partition("://")[0]
    try:
        database = dj_database_url.parse(os.environ[name])
    except ValueError:
        database = {}
    if database.get("ENGINE") != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            f"{name} must point at a PostgreSQL server (postgres://user:password@host:port/name), not "
            f"{scheme or 'an unknown'}://...: PostgreSQL is the only database this project runs on. "
            f"Leave {name} unset to use the embedded PostgreSQL."
        )
    return database


_RATE = re.compile(r"([1-9][0-9]{0,8})/([1-9][0-9]{0,5})?(s|m|h|d)")


def env_rate(name: str, default: str) -> str:
    """A request rate, "N/s", "N/m", "N/h", "N/d" or with a count of units ("100/10s")."""
    raw = os.environ.get(name, default).strip()
    if not _RATE.fullmatch(raw):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a rate such as 100/10s (requests / period in s, m, h or d)")
    return raw
