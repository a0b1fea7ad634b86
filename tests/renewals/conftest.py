"""A small renewals world: our partner's customer, another partner's, an ended one, a direct one."""

import datetime

import pytest
import time_machine

from crm.models import User
from tests.factories import ContactFactory, OrganisationFactory, UserFactory
from tests.renewals.factories import (
    TODAY,
    AssociationFactory,
    ContractChangeFactory,
    CustomerAccountFactory,
    PartnerOrganisationFactory,
)


@pytest.fixture
def frozen_today():
    """Every renewals test runs on TODAY unless it travels elsewhere itself."""
    with time_machine.travel(datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def partner_org(partner):
    return PartnerOrganisationFactory(name="Northwind Partners", users=[partner])


@pytest.fixture
def other_partner(db):
    """A partner user of ANOTHER partner organisation."""
    return UserFactory(username="other_partner", role=User.Role.PARTNER)


@pytest.fixture
def other_org(other_partner):
    return PartnerOrganisationFactory(name="Southwind Digital", users=[other_partner])


def make_customer(name, owner, partner=None, *, people=("Ann Person",)):
    organisation = OrganisationFactory(name=name, owner=owner, website=f"https://{name.split()[0].lower()}.example")
    customer = CustomerAccountFactory(contact=organisation, account_id=f"ACC-{name.split()[0].upper()}")
    for person in people:
        ContactFactory(name=person, organisation=organisation, owner=owner)
    if partner is not None:
        AssociationFactory(partner=partner, customer=customer)
    return customer


@pytest.fixture
def customer(rep, partner_org):
    """Our partner's customer, owned by `rep`."""
    return make_customer("Helix Labs", rep, partner_org, people=("Giulia Esposito", "Hugo Weber"))


@pytest.fixture
def change(customer, frozen_today):
    return ContractChangeFactory(customer=customer, start_date=TODAY + datetime.timedelta(days=60))


@pytest.fixture
def theirs(outsider, other_org):
    """Another partner organisation's customer."""
    return make_customer("Quartz Finance", outsider, other_org, people=("Olga Other",))


@pytest.fixture
def their_change(theirs, frozen_today):
    return ContractChangeFactory(customer=theirs, start_date=TODAY + datetime.timedelta(days=30))
