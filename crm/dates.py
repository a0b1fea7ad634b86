"""The one place "today" comes from, so that tests can move it (time-machine)."""

import datetime

from django.utils import timezone


def today() -> datetime.date:
    return timezone.localdate()
