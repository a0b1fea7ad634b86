"""The subscription fields in the contact field registry compute what the periods say."""

import datetime
from decimal import Decimal

import pytest

from crm import fields
from crm.models import Contact
from subscriptions.models import Period
from tests.factories import ContactFactory

TODAY = datetime.date(2026, 11, 22)
ALL_KEYS = ["current_mrr", "current_end", "upcoming_mrr", "upcoming_start", "upcoming_direction", "remaining_value", "tags_text", "owner_name", "organisation_name"]


def period(contact, mrr, start, end=None, currency="EUR"):
    return Period.objects.create(contact=contact, mrr=Decimal(mrr), start_date=start, end_date=end, currency=currency)


def values(contact):
    return fields.annotate(Contact.objects.filter(pk=contact.pk), ALL_KEYS, today=TODAY).values(*ALL_KEYS).get()


@pytest.mark.django_db
def test_expansion_ahead(rep):
    contact = ContactFactory(owner=rep)
    period(contact, "100.00", datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    period(contact, "150.00", datetime.date(2027, 1, 1), datetime.date(2027, 12, 31))
    row = values(contact)
    assert row["current_mrr"] == Decimal("100.00") and row["upcoming_mrr"] == Decimal("150.00")
    assert row["current_end"] == datetime.date(2026, 12, 31)
    assert row["upcoming_start"] == datetime.date(2027, 1, 1)
    assert row["upcoming_direction"] == "up"
    # 40 days left including today: 100 x 12 x 40 / 365
    assert row["remaining_value"] == Decimal("131.51")


@pytest.mark.django_db
def test_ending_open_ended_and_new(rep):
    ending, open_ended, fresh = ContactFactory.create_batch(3, owner=rep)
    period(ending, "80", datetime.date(2026, 1, 1), datetime.date(2026, 12, 1))
    period(open_ended, "80", datetime.date(2026, 1, 1))
    period(fresh, "30", datetime.date(2027, 2, 1))
    assert values(ending)["upcoming_direction"] == "ending"
    assert values(open_ended)["upcoming_direction"] is None
    assert values(open_ended)["remaining_value"] is None
    assert values(fresh)["upcoming_direction"] == "new" and values(fresh)["current_mrr"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("next_period", "status"),
    [
        (("50", datetime.date(2027, 1, 1), "USD"), "currency"),  # 50 USD is neither up nor down from 100 EUR
        (("500", datetime.date(2027, 1, 1), "USD"), "currency"),
        (("50", datetime.date(2027, 1, 1), "EUR"), "down"),
        (("500", datetime.date(2027, 2, 1), "EUR"), "ending"),  # a gap: it lapses, then comes back
        (("500", datetime.date(2027, 2, 1), "USD"), "ending"),
    ],
)
def test_the_mrr_status_compares_amounts_only_within_a_currency_and_a_lapse_is_ending(rep, next_period, status):
    contact = ContactFactory(owner=rep)
    period(contact, "100", datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    mrr, start, currency = next_period
    period(contact, mrr, start, currency=currency)
    assert values(contact)["upcoming_direction"] == status


@pytest.mark.django_db
def test_tags_text_is_joined_in_name_order(rep):
    contact = ContactFactory(owner=rep)
    contact.tags.create(name="zeta")
    contact.tags.create(name="alpha")
    assert values(contact)["tags_text"] == "alpha, zeta"


def test_subscription_fields_name_their_feature():
    for key in ["current_mrr", "current_end", "upcoming_mrr", "upcoming_start", "upcoming_direction", "remaining_value"]:
        assert fields.get(key).feature == "subscriptions"
