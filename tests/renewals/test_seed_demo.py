"""The renewals demo: two partner organisations, ~40 customers, every type and status; idempotent."""

import pytest
from django.core.management import call_command

from renewals.models import Association, ContractChange, CustomerAccount, Notice, PartnerOrganisation
from tests.renewals.factories import TODAY

pytestmark = pytest.mark.django_db


def seed():
    call_command("seed_demo", stdout=open("/dev/null", "w"))


def test_demo_covers_every_type_and_status(frozen_today, mailoutbox):
    seed()
    assert PartnerOrganisation.objects.count() == 2
    assert PartnerOrganisation.objects.get(users__username="partner").name == "Northwind Partners"
    assert 38 <= CustomerAccount.objects.count() <= 42
    assert Association.objects.filter(ended_at__isnull=False).exists()
    pairs = set(ContractChange.objects.with_status(today=TODAY).values_list("type", "status"))
    expected = {
        ("renewal", "pending"), ("renewal", "renewed"), ("renewal", "cancellation_requested"),
        ("tier_upgrade", "pending"), ("tier_upgrade", "confirmed"), ("tier_upgrade", "cancellation_requested"),
        ("email_overage", "pending"), ("email_overage", "confirmed"), ("email_overage", "cancellation_requested"),
    }
    assert pairs == expected
    starts = ContractChange.objects.values_list("start_date", flat=True)
    assert min(starts) >= TODAY and (max(starts) - TODAY).days <= 150
    # Seeding is not a business event: it sends nothing.
    assert mailoutbox == [] and not Notice.objects.exists()


def test_demo_is_idempotent(frozen_today):
    seed()
    first = [model.objects.count() for model in (CustomerAccount, Association, ContractChange, PartnerOrganisation)]
    seed()
    assert [model.objects.count() for model in (CustomerAccount, Association, ContractChange, PartnerOrganisation)] == first


def test_demo_partner_sees_a_dashboard(client, frozen_today):
    seed()
    from crm.models import User

    client.force_login(User.objects.get(username="partner"))
    response = client.get("/renewals/")
    assert response.status_code == 200
    assert response.text.count('<tr id="change-') >= 10
