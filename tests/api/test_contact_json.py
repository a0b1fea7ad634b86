"""The contacts' JSON that PostgreSQL writes (`api.contact_json`) is what the response schema and
its encoder would write for the same contacts read through the ORM: every key, every value, every
format (decimals as strings, datetimes to the millisecond in UTC, tags in order), whether the
subscription figures are today's stored ones or computed, on the day "today" is."""

import datetime
import json

import pytest
import time_machine
from ninja.responses import NinjaJSONEncoder

from api.contacts import ContactOut, _feature_fields
from crm import fields
from crm.dates import today
from crm.models import Contact, Feature, Tag
from subscriptions import summary
from subscriptions.models import Period
from tests.factories import ContactFactory, OrganisationFactory

LIST = "/api/v1/contacts/"
NOON = datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC)


def schema_json(contacts, *, site="http://testserver") -> list[dict]:
    """The contacts as the response schema validates them and ninja's encoder writes them."""
    shown = [f.key for f in _feature_fields() if Feature.objects.filter(name=f.feature, is_active=True).exists()]
    rows = fields.annotate(contacts, shown, today=today()).values(
        "id", "kind", "name", "email", "phone", "website", "address", "external_id", "owner_id", "organisation_id",
        "version", "created_at", "updated_at", *shown)
    objects = []
    for row in rows:
        tags = list(Tag.objects.filter(contacts=row["id"]).order_by("name").values_list("name", flat=True))
        row.update(url=f"{site}/api/v1/contacts/{row['id']}/", owner=row.pop("owner_id"),
                   organisation=row.pop("organisation_id"), tags=tags)
        objects.append(ContactOut.model_validate(row).model_dump(exclude_unset=True))
    return json.loads(json.dumps(objects, cls=NinjaJSONEncoder))


@pytest.fixture
def varied(rep):
    """Contacts whose values test every format: quotes, backslashes and accents in text, tags out of
    order, an organisation, datetimes with and without a fraction of a second, money, dates, none."""
    organisation = OrganisationFactory(owner=rep, name="Ünïcode \"Quoted\" \\ S.p.A.")
    person = ContactFactory(owner=rep, name="Zoë \"Zed\" O'Brien \\ 🙂", organisation=organisation, phone="+39 1")
    person.tags.add(Tag.objects.create(name="zeta"), Tag.objects.create(name="Alpha"))
    bare = ContactFactory(owner=rep, name="Bare", email="", website="")
    Contact.objects.filter(pk=person.pk).update(
        created_at=datetime.datetime(2024, 2, 29, 23, 59, 58, 987654, tzinfo=datetime.UTC),
        updated_at=datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC))
    Contact.objects.filter(pk=bare.pk).update(
        created_at=datetime.datetime(2023, 5, 6, 7, 8, 9, 1000, tzinfo=datetime.UTC))
    Period.objects.create(contact=organisation, mrr="804.54", start_date="2026-01-01", end_date="2026-12-31")
    Period.objects.create(contact=organisation, mrr="99.99", currency="USD", start_date="2027-01-01")
    Period.objects.create(contact=person, mrr="0.01", start_date="2025-01-01", end_date="2026-07-15")
    return [organisation, person, bare]


@pytest.mark.parametrize("stored", [False, True], ids=["computed figures", "today's stored figures"])
def test_the_list_and_a_contact_are_what_the_schemas_encoder_writes(api_as, rep, varied, subscriptions_on, stored):
    api = api_as(rep)
    with time_machine.travel(NOON, tick=False):
        if stored:
            summary.rebuild(today=today())
        assert summary.is_fresh(today()) is stored
        expected = schema_json(Contact.objects.filter(owner=rep).order_by("name", "pk"))
        listed = api.get(LIST).json()["results"]
        one = api.get(f"/api/v1/contacts/{varied[1].pk}/").json()
    assert listed == expected
    assert one == next(row for row in expected if row["id"] == varied[1].pk)
    organisation = next(row for row in listed if row["id"] == varied[0].pk)
    assert organisation["current_mrr"] == "804.54" and organisation["upcoming_mrr"] == "99.99"
    assert organisation["upcoming_currency"] == "USD" and organisation["current_end"] == "2026-12-31"
    person = next(row for row in listed if row["id"] == varied[1].pk)
    assert person["created_at"] == "2024-02-29T23:59:58.987Z" and person["updated_at"] == "2025-01-02T03:04:05Z"
    assert person["tags"] == ["Alpha", "zeta"] and person["organisation"] == varied[0].pk


def test_with_the_feature_off_the_objects_have_no_subscription_keys(api_as, rep, varied):
    listed = api_as(rep).get(LIST).json()["results"]
    assert listed == schema_json(Contact.objects.filter(owner=rep).order_by("name", "pk"))
    assert not {"current_mrr", "remaining_value"} & set(listed[0])


def test_each_day_reads_its_own_figures(api_as, rep, varied, subscriptions_on):
    """The list's query is compiled once per day and state of the stored figures: a later day, or
    the day's run recorded meanwhile, never reads the figures of the query compiled before."""
    api = api_as(rep)
    remaining = []
    for day in (NOON, NOON + datetime.timedelta(days=10)):
        with time_machine.travel(day, tick=False):
            remaining.append(api.get(f"/api/v1/contacts/{varied[0].pk}/").json()["remaining_value"])
            summary.rebuild(today=today())
            assert api.get(f"/api/v1/contacts/{varied[0].pk}/").json()["remaining_value"] == remaining[-1]
    # 804.54 a month, x 12 / 365 a day: 214 days left on 1 June, 204 on 11 June
    assert remaining == ["5660.43", "5395.93"]
