"""The renewals app's tunable numbers, read from Django settings when they are used.

Defaults follow the SPEC; an installation (or a test, with `override_settings`) may change them
in settings without touching code.
"""

from django.conf import settings


def deadline_days() -> int:
    """Renewal deadline = renewal start date minus this many days: the last day to change terms."""
    return getattr(settings, "RENEWALS_DEADLINE_DAYS", 45)


def auto_renew_days() -> int:
    """A renewal counts as renewed from this many days before its start date."""
    return getattr(settings, "RENEWALS_AUTO_RENEW_DAYS", 44)


def window_days() -> int:
    """The dashboard shows contract changes starting within this many days."""
    return getattr(settings, "RENEWALS_WINDOW_DAYS", 120)


def urgent_days() -> int:
    """The dashboard counts the changes whose deadline falls within this many days."""
    return getattr(settings, "RENEWALS_URGENT_DAYS", 14)


def reminder_days() -> int:
    """The daily task reminds partners of deadlines within this many days."""
    return getattr(settings, "RENEWALS_REMINDER_DAYS", 7)


def site_url() -> str:
    """Where links in e-mails point: scheme and host, no trailing slash (crm/settings.py: by default
    the address `make run` serves on)."""
    return settings.RENEWALS_SITE_URL.rstrip("/")
