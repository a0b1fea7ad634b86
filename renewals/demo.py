"""Demo data for renewals: two partner organisations and ~40 customers with contract changes.

Deterministic, and written once (`crm.demo.demo_seed`): the customers are the demo's own
organisations, never anyone else's. Seeding is not a business event, so it sends no e-mails: the
statuses it creates count as already announced, and the daily task takes it from there.
"""

import datetime
import random

from crm import dates
from crm.billing import BillingFrequency
from crm.models import Contact
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
FREQUENCIES = BillingFrequency.fixed()
PARTNERS = ["Northwind Partners", "Southwind Digital"]


def clashes() -> list[str]:
    """The partner organisations already named as the demo's (then the demo is not loaded)."""
    taken = set(PartnerOrganisation.objects.filter(name__in=PARTNERS).values_list("name", flat=True))
    return [f'partner organisation "{name}"' for name in PARTNERS if name in taken]


def seed(cast) -> None:
    users = cast.users
    rng = random.Random(5)
    today = dates.today()
    first = PartnerOrganisation.objects.create(name=PARTNERS[0], default_communication_owner=CommunicationOwner.PARTNER)
    second = PartnerOrganisation.objects.create(name=PARTNERS[1])
    first.users.add(users["partner"])
    second.users.add(users["partner2"])

    customers = []
    for i, organisation in enumerate(cast.organisations[:40]):
        customer = _account(organisation, i, rng)
        _associate(customer, i, first, second, users)
        people = list(Contact.objects.people().filter(organisation=organisation).order_by("pk"))
        for n in range(1 + (i % 2 == 0)):
            _change(customer, i, n, today, people, users)
        customers.append(customer)
    ContractChange.objects.filter(customer__in=customers, announced_status="").update(announced_status=status_expression(today))


def _account(organisation, i, rng) -> CustomerAccount:
    max_contacts = [1000, 2500, 5000, 10000, 25000][i % 5]
    limit = max_contacts * 10
    return CustomerAccount.objects.create(
        contact=organisation,
        account_id=f"ACC-{10000 + organisation.pk}",
        website=organisation.website,
        max_contacts=max_contacts,
        email_send_limit=limit,
        products=rng.sample(PRODUCTS, k=1 + i % 3),
        contacts_used=int(max_contacts * rng.uniform(0.3, 1.05)),
        emails_sent_this_month=int(limit * rng.uniform(0.1, 1.1)),
    )


def _associate(customer, i, first, second, users) -> None:
    """0-21 with the first partner, 22-33 with the second, 34-36 ended, 37-39 direct customers."""
    if i >= 37:
        return
    partner = first if i < 22 or i >= 34 else second
    association = Association.objects.create(partner=partner, customer=customer)
    if i >= 34:
        Association.objects.filter(pk=association.pk).update(ended_at=association.started_at, ended_by=users["admin"])


def _change(customer, i, n, today, people, users) -> None:
    kind = TYPES[(i + n) % 3]
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

