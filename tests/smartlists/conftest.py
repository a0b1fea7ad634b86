import datetime
from decimal import Decimal

import pytest
import time_machine

from smartlists.models import SmartList
from subscriptions.models import Period

TODAY = datetime.date(2026, 11, 22)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 11, 22, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield TODAY


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def period(contact, mrr, start, end=None, currency="EUR"):
    return Period.objects.create(contact=contact, mrr=Decimal(mrr), start_date=start, end_date=end, currency=currency)


def days(n):
    return TODAY + datetime.timedelta(days=n)


def smartlist(owner, **kwargs):
    kwargs.setdefault("name", "My list")
    kwargs.setdefault("columns", ["name", "current_mrr", "upcoming_mrr", "current_end"])
    return SmartList.objects.create(owner=owner, **kwargs)
