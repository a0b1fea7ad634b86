"""The generated data has the promised shape, is reused, and never replaces data it did not make."""

import datetime

import pytest
from django.db import connection
from django.db.models import F

from bench.generate import (
    HISTORY_CONTACT_NAME,
    BenchError,
    ensure_data,
    partner_username,
    renewal_sizes,
    rep_username,
)
from crm.models import Contact, Feature, Tag, Team, User
from subscriptions.models import Direction, Period
from subscriptions.queries import with_subscription
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIZE = 200
TODAY = datetime.date(2026, 3, 14)


def generate():
    return ensure_data(contacts=SIZE, today=TODAY)


def sql(query, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()[0]


def test_users_teams_and_contacts():
    generate()
    assert User.objects.filter(role=User.Role.ADMIN).count() == 1
    assert User.objects.filter(role=User.Role.MANAGER).count() == 100
    assert User.objects.filter(role=User.Role.REP).count() == 1000
    assert Team.objects.count() == 100
    assert all(team.members.count() == 10 and team.manager.is_manager for team in Team.objects.all())
    assert Contact.objects.count() == SIZE + 1
    organisations = Contact.objects.organisations().count()
    assert organisations == SIZE * 3 // 10 + 1  # and the history contact
    linked = Contact.objects.people().filter(organisation__isnull=False)
    assert 0.5 < linked.count() / Contact.objects.people().count() < 0.9
    assert not linked.exclude(organisation__kind=Contact.Kind.ORGANISATION).exists()
    assert not linked.exclude(organisation_name_copy=F("organisation__name")).exists()  # the search reads it
    assert not Contact.objects.filter(organisation__isnull=True).exclude(organisation_name_copy="").exists()
    assert Tag.objects.count() > 1
    assert 0.1 < Contact.objects.filter(tags__isnull=False).distinct().count() / SIZE < 0.35
    assert Feature.objects.get(name="subscriptions").is_active


def test_periods_never_overlap_and_average_two_and_a_half():
    generate()
    ordinary = Period.objects.exclude(contact__name=HISTORY_CONTACT_NAME)
    assert 2.2 <= ordinary.count() / SIZE <= 2.8
    assert not Contact.objects.filter(periods__isnull=True).exists()
    overlaps = sql(
        """SELECT count(*) FROM subscriptions_period a JOIN subscriptions_period b
           ON a.contact_id = b.contact_id AND a.id < b.id
           AND daterange(a.start_date, a.end_date, '[]') && daterange(b.start_date, b.end_date, '[]')"""
    )
    assert overlaps == 0
    first, last = ordinary.order_by("start_date").first(), ordinary.order_by("-start_date").first()
    assert (last.start_date - first.start_date).days > 3 * 365  # several years


def test_periods_cover_what_the_operations_need():
    generate()
    contacts = with_subscription(Contact.objects.all(), on=TODAY)
    directions = set(contacts.values_list("upcoming_direction", flat=True))
    assert {Direction.UP, Direction.DOWN, Direction.NEW, Direction.ENDING} <= directions
    assert contacts.filter(current_mrr__isnull=False, current_end__isnull=True).exists()  # open-ended
    assert contacts.filter(current_mrr__isnull=True, upcoming_mrr__isnull=True).exists()  # churned
    ending_soon = contacts.filter(current_end__range=(TODAY, TODAY + datetime.timedelta(days=90))).count()
    assert 0.05 < ending_soon / SIZE < 0.4


def test_one_contact_has_ten_years_of_monthly_periods():
    generate()
    history = Contact.objects.get(name=HISTORY_CONTACT_NAME)
    assert history.owner.username == rep_username(1)
    periods = list(history.periods.order_by("start_date"))
    assert len(periods) == 120
    assert periods[-1].covers(TODAY)
    assert all(later.start_date == earlier.end_date + datetime.timedelta(days=1)
               for earlier, later in zip(periods, periods[1:], strict=False))


def test_a_second_call_reuses_the_data():
    first = generate()
    counts = (Contact.objects.count(), Period.objects.count(), User.objects.count(), sql("SELECT max(id) FROM crm_contact"))
    second = ensure_data(contacts=SIZE, today=TODAY)
    assert (first.reused, second.reused) == (False, True)
    assert second.periods == first.periods
    assert counts == (Contact.objects.count(), Period.objects.count(), User.objects.count(), sql("SELECT max(id) FROM crm_contact"))


def test_regenerate_and_another_size_replace_the_data():
    generate()
    periods = Period.objects.count()
    again = ensure_data(contacts=SIZE, today=TODAY, regenerate=True)
    assert not again.reused
    assert (Contact.objects.count(), Period.objects.count()) == (SIZE + 1, periods)
    bigger = ensure_data(contacts=SIZE * 2, today=TODAY)
    assert not bigger.reused
    assert Contact.objects.count() == SIZE * 2 + 1
    assert User.objects.count() == 1101 + renewal_sizes(SIZE * 2)[1]


def test_refuses_a_database_it_did_not_fill():
    with connection.cursor() as cursor:  # a database the benchmark never touched
        cursor.execute("DROP TABLE IF EXISTS bench_meta")
    UserFactory(username="somebody-real")
    with pytest.raises(BenchError, match="did not generate"):
        ensure_data(contacts=SIZE, today=TODAY)
    assert User.objects.filter(username="somebody-real").exists()


def test_renewals_customers_partners_and_changes_in_every_type_and_status():
    generate()
    from renewals.models import Association, ContractChange, CustomerAccount, PartnerOrganisation

    customers, partners = renewal_sizes(SIZE)
    assert (customers, partners) == (60, 1)
    assert renewal_sizes(1_000_000) == (100_000, 1_000)
    assert renewal_sizes(100_000) == (30_000, 300)
    assert CustomerAccount.objects.count() == customers
    assert not CustomerAccount.objects.exclude(contact__kind=Contact.Kind.ORGANISATION).exists()
    assert PartnerOrganisation.objects.count() == partners
    partner_user = User.objects.get(username=partner_username(1))
    assert partner_user.is_partner
    assert list(partner_user.partner_organisations.all()) == [PartnerOrganisation.objects.get()]
    assert Association.objects.active().count() == customers
    assert CustomerAccount.objects.visible_to(partner_user).count() == customers

    changes = ContractChange.objects.with_status(today=TODAY)
    assert 1.2 < changes.count() / customers < 1.8
    assert set(changes.values_list("type", flat=True)) == set(ContractChange.Type.values)
    assert set(changes.values_list("status", flat=True)) == set(ContractChange.Status.values)
    days = [(start - TODAY).days for start in changes.values_list("start_date", flat=True)]
    assert min(days) >= 0 and max(days) <= 150
    with_primary = changes.filter(primary_contact__isnull=False)
    assert with_primary.exists()
    assert all(change.primary_contact.organisation_id == change.customer.contact_id for change in with_primary)


def test_renewals_at_scale_give_each_partner_a_hundred_customers():
    ensure_data(contacts=4000, today=TODAY)
    from renewals.models import CustomerAccount

    assert renewal_sizes(4000) == (1200, 12)
    partner_user = User.objects.get(username=partner_username(1))
    assert CustomerAccount.objects.visible_to(partner_user).count() == 100
