"""Demo data for renewals: two partner organisations and ~40 customers with contract changes.

Deterministic and idempotent: rows are found by natural keys, so `seed_demo` can run again on
any day without adding anything. Seeding is not a business event, so it sends no e-mails: the
statuses it creates count as already announced, and the daily task takes it from there.
"""

import datetime
import random


from crm import dates
from crm.demo import DEMO_PASSWORD
from crm.models import Contact, User
from renewals.models import (
    Association,
    CommunicationOwner,
    ContractChange,
    CustomerAccount,
    PartnerOrganisation,
    status_expression,
)

PRODUCTS = ["E-mail marketing", "Landing pages", "Automation", "SMS", "Transactional e-mail", "CRM sync"]
TYPES = list(ContractChange.Type)
TERMS = list(ContractChange.Term)
FREQUENCIES = list(ContractChange.BillingFrequency)


def seed(users: dict) -> None:
    rng = random.Random(5)
    today = dates.today()
    first, _ = PartnerOrganisation.objects.get_or_create(
        name="Northwind Partners", defaults={"default_communication_owner": CommunicationOwner.PARTNER}
    )
    second, _ = PartnerOrganisation.objects.get_or_create(name="Southwind Digital")
    first.users.add(users["partner"])
    second.users.add(_second_partner_user())

    organisations = list(Contact.objects.organisations().order_by("pk")[:40])
    for i, organisation in enumerate(organisations):
        customer = _account(organisation, i, rng)
        _associate(customer, i, first, second, users)
        people = list(Contact.objects.people().filter(organisation=organisation).order_by("pk"))
        for n in range(1 + (i % 2 == 0)):
            _change(customer, i, n, today, people, users)
    ContractChange.objects.filter(announced_status="").update(announced_status=status_expression(today))


def _second_partner_user() -> User:
    user, created = User.objects.get_or_create(
        username="partner2",
        defaults={"first_name": "Sam", "last_name": "Southwind", "role": User.Role.PARTNER, "email": "partner2@example.com"},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _account(organisation, i, rng) -> CustomerAccount:
    max_contacts = [1000, 2500, 5000, 10000, 25000][i % 5]
    limit = max_contacts * 10
    customer, _ = CustomerAccount.objects.get_or_create(
        contact=organisation,
        defaults={
            "account_id": f"ACC-{10000 + organisation.pk}",
            "website": organisation.website,
            "max_contacts": max_contacts,
            "email_send_limit": limit,
            "products": rng.sample(PRODUCTS, k=1 + i % 3),
            "contacts_used": int(max_contacts * rng.uniform(0.3, 1.05)),
            "emails_sent_this_month": int(limit * rng.uniform(0.1, 1.1)),
        },
    )
    return customer


def _associate(customer, i, first, second, users) -> None:
    """0-21 with the first partner, 22-33 with the second, 34-36 ended, 37-39 direct customers."""
    if customer.associations.exists() or i >= 37:
        return
    partner = first if i < 22 or i >= 34 else second
    association = Association.objects.create(partner=partner, customer=customer)
    if i >= 34:
        Association.objects.filter(pk=association.pk).update(ended_at=association.started_at, ended_by=users["admin"])


def _change(customer, i, n, today, people, users) -> None:
    kind = TYPES[(i + n) % 3]
    if customer.contract_changes.filter(type=kind).exists():
        return
    offset = (i * 37 + n * 53) % 151  # spread over the next 150 days
    start = today + datetime.timedelta(days=offset)
    change = ContractChange(
        customer=customer,
        type=kind,
        start_date=start,
        billing_frequency=FREQUENCIES[(i + n) % len(FREQUENCIES)],
        term_months=TERMS[(i * 3 + n) % len(TERMS)],
        primary_contact=people[0] if people and i % 3 else None,
        communication_owner=[CommunicationOwner.VENDOR, CommunicationOwner.PARTNER, ""][(i + n) % 3],
    )
    who = users["partner"]
    stamp = datetime.datetime.combine(today, datetime.time(9, 0), tzinfo=datetime.UTC)
    if (i + n) % 5 == 1:
        change.agreed_at, change.agreed_by = stamp, who
    if (i + n) % 7 == 3:
        change.cancellation_requested_at, change.cancellation_requested_by = stamp, who
    change.save()


def demo_summary() -> dict:
    """How many of each type and status the demo holds today (for checks and the README)."""
    today = dates.today()
    rows = ContractChange.objects.with_status(today=today).values_list("type", "status")
    summary: dict = {}
    for kind, status in rows:
        summary[(kind, status)] = summary.get((kind, status), 0) + 1
    return summary

