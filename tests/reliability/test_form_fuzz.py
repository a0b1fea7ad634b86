"""Every form of the product, fuzzed: never a server error, and either a whole write or none.

Each test posts generated bodies (100 in `make test`, 1,000 in `make fuzz`): a mix of plausible
values, so that some saves succeed and later ones meet real data, and hostile ones (NUL bytes,
huge numbers, bad dates, unicode, lists where one value is expected). After each post the data the form touches is compared with a
checksum taken before it: a refused post (4xx) leaves it exactly as it was; an accepted one makes
exactly the write it stands for (the row and its audit row, never one without the other).
The contact forms are fuzzed in tests/crm/test_hostile_input.py.
"""

import datetime
import pytest
from django.db.models import Count, Max, Sum
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.models import Feature, FeatureChange
from renewals.models import ColumnPreference, ContractChange, ContractChangeLog
from subscriptions.models import Period, PeriodChange
from tests.factories import ContactFactory

FUZZ = settings(suppress_health_check=list(HealthCheck), database=None)
HTMX = {"HX-Request": "true"}

hostile_text = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=60),
    st.sampled_from([
        "", " ", "\x00", "\x00\x00", "-1", "0", "1e309", "NaN", "-Infinity", "9" * 40, "0x10", "1_000",
        "<script>alert(1)</script>", "' OR 1=1 --", "%00", "{}", "[]", "None", "null", "true", "２０２６-０１-０１",
    ]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


def plausible_or_hostile(*plausible):
    return st.one_of(st.sampled_from(plausible), hostile_text)


def as_list_sometimes(strategy):
    """A form value, or the same key repeated (a list), as a hostile client may send."""
    return st.one_of(strategy, st.lists(strategy, min_size=2, max_size=3))


def checksum(*querysets) -> list[dict]:
    """A fingerprint of each queryset computed in the database, cheap however many rows a long
    fuzz run has written: how many rows, the newest, the latest update and the sum of versions.
    Any insert, delete or save of a row changes it."""
    prints = []
    for qs in querysets:
        fields = {f.name for f in qs.model._meta.fields}
        aggregates = {"n": Count("pk"), "last": Max("pk")}
        if "updated_at" in fields:
            aggregates["touched"] = Max("updated_at")
        if "version" in fields:
            aggregates["versions"] = Sum("version")
        prints.append(qs.aggregate(**aggregates))
    return prints


# Subscription periods ------------------------------------------------------------------------------

dates = st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)).map(datetime.date.isoformat)
near_dates = st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2032, 12, 31)).map(
    datetime.date.isoformat
)
period_post = st.fixed_dictionaries(
    {},
    optional={
        "currency": as_list_sometimes(plausible_or_hostile("EUR", "USD", "eur", "EU", "EURO", "€€€")),
        "mrr": as_list_sometimes(plausible_or_hostile("100", "0", "99.99", "-5", "1.005", "9999999999.99",
                                                      "10000000000")),
        "price": plausible_or_hostile("1200", "0", "-1", "12.345"),
        "billing_frequency": plausible_or_hostile("monthly", "quarterly", "semiannual", "annual", "every_n_months",
                                                  "weekly"),
        "billing_every_months": plausible_or_hostile("1", "7", "120", "121", "0"),
        "start_date": as_list_sometimes(st.one_of(near_dates, dates, hostile_text)),
        "end": plausible_or_hostile("after", "on", "never"),
        "term_months": plausible_or_hostile("1", "12", "600", "601", "0"),
        "end_date": st.one_of(near_dates, dates, hostile_text),
        "description": hostile_text,
        "version": plausible_or_hostile("1", "2", "3", "0"),
    },
)


def subscription_data(contact):
    return Period.objects.filter(contact=contact), PeriodChange.objects.filter(contact=contact)


@pytest.fixture
def subscriber(rep, subscriptions_on):
    return ContactFactory(owner=rep, name="Fuzz Subscriber")


def _assert_period_write(response, before, after_sum, counts_before, contact, *, created):
    """A refused post changes nothing; an accepted one adds its period(s) and audit row(s) together."""
    periods, changes = Period.objects.filter(contact=contact).count(), PeriodChange.objects.filter(contact=contact).count()
    if response.status_code == 422:
        assert after_sum == before, "a refused post wrote"
    else:
        assert response.status_code == 200, response.status_code
        assert periods == counts_before[0] + created
        assert changes > counts_before[1]
        # every period has its creation on record: no period without its audit row
        assert set(Period.objects.filter(contact=contact).values_list("pk", flat=True)) <= set(
            PeriodChange.objects.filter(contact=contact, action="created").values_list("period_id_value", flat=True)
        )


@pytest.mark.parametrize("view", ["period_create", "period_change"])
def test_period_create_and_change_forms_fuzz(client, rep, subscriber, view):
    client.force_login(rep)
    url = reverse(f"subscriptions:{view}", args=[subscriber.pk])

    @FUZZ
    @given(data=period_post, fresh_read=st.booleans())
    def run(data, fresh_read):
        last = Period.objects.for_contact(subscriber).last()
        if view == "period_change" and fresh_read:  # half the changes follow the last period as read, so saves happen
            data = {**data, "last_period": last.pk if last else "", "version": last.version if last else ""}
        before = checksum(*subscription_data(subscriber))
        counts = Period.objects.filter(contact=subscriber).count(), PeriodChange.objects.filter(contact=subscriber).count()
        response = client.post(url, data, headers=HTMX)
        _assert_period_write(response, before, checksum(*subscription_data(subscriber)), counts, subscriber, created=1)

    run()


def test_period_edit_form_fuzz(client, rep, subscriber):
    client.force_login(rep)
    period = Period.objects.create(contact=subscriber, mrr="100.00", start_date="2026-01-01", end_date="2026-12-31",
                                   term_months=12)
    url = reverse("subscriptions:period_edit", args=[period.pk])

    @FUZZ
    @given(data=period_post, fresh_version=st.booleans())
    def run(data, fresh_version):
        if fresh_version:  # half the posts carry the version the editor read, so saves do happen
            data = {**data, "version": str(Period.objects.get(pk=period.pk).version)}
        before = checksum(*subscription_data(subscriber))
        counts = 1, PeriodChange.objects.filter(contact=subscriber).count()
        response = client.post(url, data, headers=HTMX)
        _assert_period_write(response, before, checksum(*subscription_data(subscriber)), counts, subscriber, created=0)

    run()


def test_period_delete_form_fuzz(client, rep, subscriber):
    client.force_login(rep)

    @FUZZ
    @given(version=as_list_sometimes(plausible_or_hostile("1", "2", "0", "-1")), present=st.booleans())
    def run(version, present):
        period = Period.objects.filter(contact=subscriber).first() or Period.objects.create(
            contact=subscriber, mrr="100.00", start_date="2026-01-01", end_date="2026-12-31", term_months=12
        )
        before = checksum(*subscription_data(subscriber))
        deletions = PeriodChange.objects.filter(contact=subscriber, action="deleted").count()
        response = client.post(reverse("subscriptions:period_delete", args=[period.pk]),
                               {"version": version} if present else {}, headers=HTMX)
        if response.status_code == 422:
            assert checksum(*subscription_data(subscriber)) == before
        else:
            assert response.status_code == 200
            assert not Period.objects.filter(pk=period.pk).exists()
            assert PeriodChange.objects.filter(contact=subscriber, action="deleted").count() == deletions + 1

    run()


# The feature toggle -----------------------------------------------------------------------------


def test_feature_toggle_form_fuzz(client, admin_user):
    client.force_login(admin_user)

    @FUZZ
    @given(
        active=st.one_of(st.none(), as_list_sometimes(plausible_or_hostile("1", "0", "on", "off", "true"))),
        name=st.one_of(st.just("subscriptions"), st.from_regex(r"[-a-zA-Z0-9_]{1,30}", fullmatch=True)),
    )
    def run(active, name):
        was = Feature.objects.filter(name="subscriptions", is_active=True).exists()
        switches = FeatureChange.objects.count()
        response = client.post(reverse("customize_feature", args=[name]), {} if active is None else {"active": active})
        now = Feature.objects.filter(name="subscriptions", is_active=True).exists()
        if name != "subscriptions":
            assert response.status_code == 404 and (now, FeatureChange.objects.count()) == (was, switches)
            return
        value = active[-1] if isinstance(active, list) else active
        assert response.status_code == (302 if value in ("0", "1") else 400)
        if value in ("0", "1"):
            assert now == (value == "1")
            assert FeatureChange.objects.count() == switches + (now != was)
        else:
            assert (now, FeatureChange.objects.count()) == (was, switches)

    run()


# Renewals: in-place actions and the column configuration -----------------------------------------


@pytest.fixture
def renewal(rep, partner):
    from tests.renewals.factories import AssociationFactory, ContractChangeFactory, PartnerOrganisationFactory

    customer = AssociationFactory(partner=PartnerOrganisationFactory(users=[partner]), customer__contact__owner=rep).customer
    ContactFactory(owner=rep, organisation=customer.contact, name="Primary Person")
    return ContractChangeFactory(customer=customer)


ACTIONS = {
    "change_primary_contact": {"primary_contact": plausible_or_hostile("", "{person}", "{stranger}", "0", "-1")},
    "change_communication_owner": {"owner": plausible_or_hostile("vendor", "partner", "", "both")},
    "change_agreed": {},
    "change_cancellation": {},
}


@pytest.mark.parametrize("action", ACTIONS)
def test_renewal_action_forms_fuzz(client, partner, outsider, renewal, action):
    client.force_login(partner)
    person = renewal.customer.people().get()
    stranger = ContactFactory(owner=outsider, name="Not Their Person")
    url = reverse(f"renewals:{action}", args=[renewal.pk])
    body = st.fixed_dictionaries({}, optional={
        "version": as_list_sometimes(plausible_or_hostile("1", "2", "0")),
        "layout": plausible_or_hostile("dashboard", "customer", "../../etc"),
        **ACTIONS[action],
    })

    @FUZZ
    @given(data=body, fresh_version=st.booleans(), htmx=st.booleans())
    def run(data, fresh_version, htmx):
        if data.get("primary_contact") in ("{person}", "{stranger}"):
            data["primary_contact"] = str(person.pk if data["primary_contact"] == "{person}" else stranger.pk)
        row = ContractChange.objects.get(pk=renewal.pk)
        if fresh_version:
            data["version"] = str(row.version)
        before = checksum(ContractChange.objects.filter(pk=renewal.pk), ContractChangeLog.objects.all())
        values = ContractChange.objects.filter(pk=renewal.pk).values().get()
        response = client.post(url, data, headers=HTMX if htmx else {})
        after = ContractChange.objects.get(pk=renewal.pk)
        if response.status_code == 422:
            assert checksum(ContractChange.objects.filter(pk=renewal.pk), ContractChangeLog.objects.all()) == before
            assert ContractChange.objects.filter(pk=renewal.pk).values().get() == values
        else:
            assert response.status_code == (200 if htmx else 302)
            logs = ContractChangeLog.objects.filter(change=renewal).count()
            # a save bumps the version and writes its log row; a repeated agreement/cancellation does neither
            assert logs == after.version - 1
        assert after.primary_contact_id in (None, person.pk)

    run()


def test_renewal_columns_form_fuzz(client, partner, renewal):
    from renewals import columns, services

    client.force_login(partner)
    keys = [column.key for column in columns.COLUMNS]
    locked = [column.key for column in columns.LOCKED]

    @FUZZ
    @given(
        picked=st.lists(st.one_of(st.sampled_from(keys), hostile_text), max_size=20),
        with_locked=st.booleans(),
        q=hostile_text,
        sort=st.one_of(st.sampled_from(keys + [f"-{k}" for k in keys]), hostile_text),
    )
    def run(picked, with_locked, q, sort):
        version = services.column_preference_version(partner)
        data = {"columns": (locked if with_locked else []) + picked, "q": q, "sort": sort, "version": version}
        before = list(ColumnPreference.objects.filter(user=partner).values_list("columns", flat=True))
        response = client.post(reverse("renewals:columns"), data)
        saved = list(ColumnPreference.objects.filter(user=partner).values_list("columns", flat=True))
        if response.status_code == 422:
            assert saved == before
        else:
            assert response.status_code == 302
            assert set(saved[0]) <= set(picked) - set(locked)
            assert client.get(response["Location"]).status_code in (200, 400)

    run()
