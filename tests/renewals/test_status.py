"""Status and deadline, exactly per SPEC: a table on each boundary, and hypothesis over dates.

Renewal deadline = start - 45 days. Status: cancellation requested wins; a renewal is "Renewed"
once the customer agreed or from start - 44 days, else "Pending"; a tier upgrade or an e-mail
overage is "Confirmed" once agreed, else "Pending".
"""

import datetime

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renewals.models import ContractChange
from tests.renewals.factories import ContractChangeFactory

START = datetime.date(2027, 3, 1)
RENEWAL, TIER, OVERAGE = ContractChange.Type.RENEWAL, ContractChange.Type.TIER_UPGRADE, ContractChange.Type.EMAIL_OVERAGE

# days before the start: 46 = the day before the deadline, 45 = the deadline, 44 = the day after
# the deadline and the first "Renewed" day, 43 = the day after that.
TABLE = [
    # type,   days before start, agreed, cancelled, status
    (RENEWAL, 46, False, False, "pending"),
    (RENEWAL, 45, False, False, "pending"),
    (RENEWAL, 44, False, False, "renewed"),
    (RENEWAL, 43, False, False, "renewed"),
    (RENEWAL, 46, True, False, "renewed"),
    (RENEWAL, 45, True, False, "renewed"),
    (RENEWAL, 44, True, False, "renewed"),
    (RENEWAL, 43, True, False, "renewed"),
    (RENEWAL, 46, False, True, "cancellation_requested"),
    (RENEWAL, 45, False, True, "cancellation_requested"),
    (RENEWAL, 44, False, True, "cancellation_requested"),
    (RENEWAL, 43, True, True, "cancellation_requested"),
    (TIER, 46, False, False, "pending"),
    (TIER, 45, False, False, "pending"),
    (TIER, 44, False, False, "pending"),
    (TIER, 43, False, False, "pending"),
    (TIER, 46, True, False, "confirmed"),
    (TIER, 45, True, False, "confirmed"),
    (TIER, 44, True, False, "confirmed"),
    (TIER, 43, True, False, "confirmed"),
    (TIER, 45, False, True, "cancellation_requested"),
    (TIER, 44, True, True, "cancellation_requested"),
    (OVERAGE, 46, False, False, "pending"),
    (OVERAGE, 45, False, False, "pending"),
    (OVERAGE, 44, False, False, "pending"),
    (OVERAGE, 43, False, False, "pending"),
    (OVERAGE, 46, True, False, "confirmed"),
    (OVERAGE, 45, True, False, "confirmed"),
    (OVERAGE, 44, True, False, "confirmed"),
    (OVERAGE, 43, True, False, "confirmed"),
    (OVERAGE, 45, False, True, "cancellation_requested"),
    (OVERAGE, 43, True, True, "cancellation_requested"),
]


def _facts(change, agreed, cancelled):
    stamp = timezone.now()
    change.agreed_at = stamp if agreed else None
    change.cancellation_requested_at = stamp if cancelled else None
    change.save()


def _annotated(change, today):
    return ContractChange.objects.with_status(today=today).get(pk=change.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "days_before", "agreed", "cancelled", "expected"), TABLE)
def test_status_on_each_boundary(kind, days_before, agreed, cancelled, expected):
    change = ContractChangeFactory(type=kind, start_date=START)
    _facts(change, agreed, cancelled)
    today = START - datetime.timedelta(days=days_before)
    row = _annotated(change, today)
    assert row.status == expected
    assert row.get_status_display() == ContractChange.Status(expected).label
    # Filtering by the annotation finds exactly the same row.
    assert ContractChange.objects.with_status(today=today).filter(status=expected).get() == change


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [RENEWAL, TIER, OVERAGE])
@pytest.mark.parametrize("days_before", [46, 45, 44, 43])
def test_deadline_is_start_minus_45_days_whatever_today(kind, days_before):
    change = ContractChangeFactory(type=kind, start_date=START)
    today = START - datetime.timedelta(days=days_before)
    assert _annotated(change, today).deadline == datetime.date(2027, 1, 15)
    # "deadline within N days" counts the deadline day itself, not the day after it
    within = ContractChange.objects.with_status(today=today).deadline_within(days=14, today=today)
    assert within.exists() == (days_before >= 45)


@pytest.mark.django_db
@pytest.mark.parametrize(("days_before", "expected"), [(31, "pending"), (30, "renewed"), (29, "renewed")])
def test_boundaries_are_settings(days_before, expected):
    change = ContractChangeFactory(type=RENEWAL, start_date=START)
    with override_settings(RENEWALS_DEADLINE_DAYS=31, RENEWALS_AUTO_RENEW_DAYS=30):
        row = _annotated(change, START - datetime.timedelta(days=days_before))
        assert row.status == expected
        assert row.deadline == START - datetime.timedelta(days=31)


def spec_status(kind, today, start, agreed, cancelled) -> str:
    """The SPEC's words as plain Python: the oracle the query expression must agree with."""
    if cancelled:
        return "cancellation_requested"
    if kind == RENEWAL:
        return "renewed" if agreed or today >= start - datetime.timedelta(days=44) else "pending"
    return "confirmed" if agreed else "pending"


@pytest.mark.django_db
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from([RENEWAL, TIER, OVERAGE]),
    days_ahead=st.integers(min_value=0, max_value=200),
    today=st.dates(min_value=datetime.date(2024, 1, 1), max_value=datetime.date(2030, 12, 31)),
    agreed=st.booleans(),
    cancelled=st.booleans(),
)
def test_query_expression_and_displayed_value_agree(client_as, admin_user, customer, kind, days_ahead, today, agreed, cancelled):
    start = today + datetime.timedelta(days=days_ahead)
    ContractChange.objects.all().delete()
    change = ContractChangeFactory(customer=customer, type=kind, start_date=start)
    _facts(change, agreed, cancelled)
    expected = spec_status(kind, today, start, agreed, cancelled)

    row = _annotated(change, today)
    assert row.status == expected
    assert row.deadline == start - datetime.timedelta(days=45)
    assert list(ContractChange.objects.with_status(today=today).filter(status=expected)) == [change]

    # What the customer page shows on that day is the same status and deadline.
    with time_machine.travel(datetime.datetime.combine(today, datetime.time(12), tzinfo=datetime.UTC), tick=False):
        page = client_as(admin_user).get(reverse("renewals:customer", args=[customer.pk])).text
    assert f'status-{expected}"' in page
    assert f'datetime="{row.deadline.isoformat()}"' in page

