import datetime

import factory

from crm.billing import BillingFrequency
from renewals.models import Association, ContractChange, CustomerAccount, PartnerOrganisation
from tests.factories import OrganisationFactory

TODAY = datetime.date(2026, 11, 22)


class CustomerAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerAccount

    contact = factory.SubFactory(OrganisationFactory)
    account_id = factory.Sequence(lambda n: f"ACC-{n:05d}")
    website = factory.LazyAttribute(lambda account: account.contact.website)
    max_contacts = 1000
    email_send_limit = 10000
    products = factory.LazyFunction(lambda: ["E-mail marketing"])
    contacts_used = 250
    emails_sent_this_month = 4000


class PartnerOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerOrganisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Partner {n}")

    @factory.post_generation
    def users(self, create, extracted, **kwargs):
        if create and extracted:
            self.users.add(*extracted)


class AssociationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Association

    partner = factory.SubFactory(PartnerOrganisationFactory)
    customer = factory.SubFactory(CustomerAccountFactory)


class ContractChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContractChange

    customer = factory.SubFactory(CustomerAccountFactory)
    type = ContractChange.Type.RENEWAL
    start_date = TODAY + datetime.timedelta(days=60)
    billing_frequency = BillingFrequency.MONTHLY
    term_months = 12


def renewals_matrix_objects(*, rep, partner, other_rep=None, other_partner=None):
    """For the permission matrix: a customer of `rep` looked after by `partner`'s organisation, and
    another partner's customer owned by a rep of another team (`other_rep`, of `other_partner`'s
    organisation when given)."""
    from crm.models import User
    from tests.factories import TeamFactory, UserFactory

    our_org = PartnerOrganisationFactory(users=[partner])
    ours = AssociationFactory(partner=our_org, customer__contact__owner=rep).customer
    if other_rep is None:
        other_rep = UserFactory(username="matrix-stranger", role=User.Role.REP)
        TeamFactory().members.add(other_rep)
    their_org = PartnerOrganisationFactory(users=[other_partner] if other_partner else [])
    theirs = AssociationFactory(partner=their_org, customer__contact__owner=other_rep).customer
    return {
        "renewal_partner": our_org,
        "renewal_other_partner": their_org,
        "renewal_customer": ours,
        "renewal_change": ContractChangeFactory(customer=ours),
        "renewal_other_customer": theirs,
        "renewal_other_change": ContractChangeFactory(customer=theirs),
    }
