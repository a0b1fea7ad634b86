"""Two people editing the same record, through every edit form of the product and of the admin.

Each row of EDIT_FORMS is one form (the second writer's) and a scene: writer A and writer B read
their forms at the same version, A saves, B saves. B is refused (409, or the form again with an
error: 422 in the widgets, 200 in the admin) with the values A saved shown to them, and A's values
are what is stored. The forms are read from the pages as a browser gets them (`tests.html_forms`),
so a version the template forgets to render fails here.

`test_form_inventory` checks that every URL that accepts a POST is a row here, a create form of
`test_create_once`, or an action written down there with the reason it needs no version.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from crm.models import Contact, Feature, FeatureChange, Team, User
from renewals.models import Association, ColumnPreference, ContractChange, CustomerAccount, PartnerOrganisation
from smartlists.models import SmartList
from subscriptions.models import ExchangeRate, Period, ReportingCurrency
from tests.factories import ContactFactory, UserFactory
from tests.html_forms import read_form
from tests.renewals.factories import AssociationFactory, ContractChangeFactory, PartnerOrganisationFactory

HTMX = {"HX-Request": "true"}
# The hidden fields that carry what a form was read at.
VERSION_FIELDS = {"version", "read_version", "last_period"}

STALE_CONTACT = "Someone else changed this contact while you were editing it"
STALE_LIST = "Someone else changed this list while you were editing it"
STALE_COLUMNS = "This list was changed elsewhere (another tab or person) while you were choosing columns"
STALE_FILTERS = "This list was changed elsewhere (another tab or person) since this page was shown"
STALE_PERIOD = "Someone else changed this period while you were editing it"
STALE_SUBSCRIPTION = "Someone else changed this subscription while you were changing it"
STALE_RENEWAL_COLUMNS = "Your columns were changed elsewhere (another tab?) while you were choosing"
STALE_CHANGE = "Someone else changed this contract change a moment ago"
STALE_PARTNER_DEFAULTS = "Someone else changed these settings a moment ago"
STALE_RATE = "Someone else changed this rate while you were editing it"
STALE_REPORTING_CURRENCY = "Someone else changed the reporting currency while you were choosing"


def stale_in_admin(verbose_name: str) -> str:
    return f"Someone else changed this {verbose_name} while you were editing it, so nothing was saved"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def cast(admin_user, manager, rep, partner):
    """Who writes: two different admins for the admin's forms, the rep and their manager, a partner."""
    other_admin = UserFactory(username="admin2", role=User.Role.ADMIN, is_staff=True, is_superuser=True)
    return {"admin": admin_user, "admin2": other_admin, "manager": manager, "rep": rep, "partner": partner}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@dataclass(frozen=True)
class Writer:
    """One person at one form: where it is read, where it posts, what they change in it."""

    role: str
    url_name: str  # the URL the form posts to, as the inventory names it
    form_url: Callable[[Any], str]
    change: Callable[[Any, dict], dict]  # (the scene's object, the form as read) -> what is posted
    page_url: Callable[[Any], str] | None = None  # where the form is shown, if not at its own URL
    htmx: bool = False  # read and posted in place, as the page's htmx does

    def read(self, client: Client, obj) -> dict:
        page = (self.page_url or self.form_url)(obj)
        headers = HTMX if self.htmx and self.page_url is None else {}
        response = client.get(page, headers=headers)
        assert response.status_code == 200, page
        return read_form(response.text, action=self.form_url(obj), page=page)

    def post(self, client: Client, obj, data: dict):
        return client.post(self.form_url(obj), data, headers=HTMX if self.htmx else {})


@dataclass(frozen=True)
class TwoWriters:
    name: str
    arrange: Callable[[dict], Any]  # the cast -> the object both edit
    first: Writer
    second: Writer
    refused: int  # the second writer's answer
    message: str
    theirs: Callable[[Any], str]  # a piece of the refusal showing what the first writer saved
    stored: Callable[[Any], Any]
    expected: Callable[[Any], Any]  # the first writer's values, stored after both saves


def setting(**values) -> Callable[[Any, dict], dict]:
    return lambda obj, data: {**data, **values}


def url(name: str) -> Callable[[Any], str]:
    return lambda obj: reverse(name, args=[obj.pk])


def admin_url(model) -> Callable[[Any], str]:
    return lambda obj: reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])


def admin_writer(role: str, model, change) -> Writer:
    return Writer(role, f"admin:{model._meta.app_label}_{model._meta.model_name}_change", admin_url(model), change)


def fresh(obj):
    return type(obj)._default_manager.get(pk=obj.pk)


# Scenes ------------------------------------------------------------------------------------------


def a_contact(cast):
    return ContactFactory(owner=cast["rep"], name="Rita", phone="111")


def contact_state(contact):
    contact = fresh(contact)
    return contact.phone, contact.name, contact.version


def a_period(cast):
    Feature.objects.update_or_create(name="subscriptions", defaults={"is_active": True})
    contact = ContactFactory(owner=cast["rep"], name="Paula Periods")
    return Period.objects.create(contact=contact, mrr="100.00", start_date="2026-01-01", end_date="2026-12-31", term_months=12)


def a_rate(cast):
    Feature.objects.update_or_create(name="subscriptions", defaults={"is_active": True})
    return ExchangeRate.objects.create(reporting_currency="EUR", currency="USD", rate="0.92", valid_from="2026-01-01")


def rate_state(rate):
    row = ExchangeRate.objects.filter(pk=rate.pk).values_list("rate", "valid_from", "version").first()
    return row and (str(row[0].normalize()), row[1], row[2])


RATE_EDIT = lambda role, change: Writer(role, "subscriptions:rate_edit", url("subscriptions:rate_edit"), change)  # noqa: E731


def the_reporting_currency(cast):
    Feature.objects.update_or_create(name="subscriptions", defaults={"is_active": True})
    return None


def reporting_code(_obj):
    row = ReportingCurrency.objects.first()
    return row and (row.code, row.version)


def periods_of(period):
    return list(Period.objects.filter(contact_id=period.contact_id).order_by("start_date").values_list(
        "start_date", "end_date", "mrr"))


def a_renewal(cast):
    customer = AssociationFactory(
        partner=PartnerOrganisationFactory(name="Northwind Partners", users=[cast["partner"]]),
        customer__contact__owner=cast["rep"],
    ).customer
    for name in ("Ann First", "Bob Second"):
        ContactFactory(owner=cast["rep"], organisation=customer.contact, name=name)
    return ContractChangeFactory(customer=customer)


def a_renewal_agreed(cast):
    """A renewal whose agreement was recorded: its menu offers to take it back."""
    change = a_renewal(cast)
    ContractChange.objects.filter(pk=change.pk).update(agreed_at="2026-11-20T09:00:00Z", agreed_by=cast["partner"])
    return change


def username(user):
    return user.username if user is not None else None


def person(change, index):
    return change.customer.people().order_by("name")[index]


def in_row_menu(change):
    """A row's actions are in its menu (the customer page's row reads it when opened; this is its page)."""
    return reverse("renewals:change_menu", args=[change.pk]) + "?layout=customer"


def renewal_action(role, name, change) -> Writer:
    return Writer(role, f"renewals:{name}", url(f"renewals:{name}"), change, page_url=in_row_menu, htmx=True)


def in_contact_cell(change):
    """The primary customer contact is chosen in its row's cell, on the customer page as on the dashboard."""
    return reverse("renewals:customer", args=[change.customer_id])


def primary_contact(role, change) -> Writer:
    return Writer(role, "renewals:change_primary_contact", url("renewals:change_primary_contact"), change,
                  page_url=in_contact_cell, htmx=True)


def columns_of(user):
    return lambda _obj: list(ColumnPreference.objects.filter(user=user).values_list("columns", flat=True))


CONTACT_EDIT = lambda role, change: Writer(role, "contact_edit", url("contact_edit"), change)  # noqa: E731
PERIOD_EDIT = lambda role, change: Writer(role, "subscriptions:period_edit", url("subscriptions:period_edit"),  # noqa: E731
                                          change, htmx=True)


def period_change_url(period):
    return reverse("subscriptions:period_change", args=[period.contact_id])


def change_from(start, mrr):
    return setting(start_date=start, mrr=mrr, end="never", term_months="", end_date="")


EDIT_FORMS = [
    # the product's forms ---------------------------------------------------------------------
    TwoWriters(
        "contact edit", a_contact,
        CONTACT_EDIT("rep", setting(phone="222")),
        CONTACT_EDIT("manager", setting(name="Rita Renamed")),
        409, STALE_CONTACT, lambda obj: "<dd>222</dd>", contact_state, lambda obj: ("222", "Rita", 2),
    ),
    TwoWriters(
        "smart list rename, two tabs", lambda cast: SmartList.objects.create(owner=cast["rep"], name="Leads"),
        Writer("rep", "smartlists:edit", url("smartlists:edit"), setting(name="Warm leads")),
        Writer("rep", "smartlists:edit", url("smartlists:edit"), setting(name="Cold leads", shared="on")),
        409, STALE_LIST, lambda obj: "<dd>Warm leads</dd>",
        lambda obj: (fresh(obj).name, fresh(obj).shared, fresh(obj).version), lambda obj: ("Warm leads", False, 2),
    ),
    TwoWriters(
        "smart list column picker, two tabs",
        lambda cast: SmartList.objects.create(owner=cast["rep"], name="Leads", columns=["name", "email"]),
        Writer("rep", "smartlists:columns", url("smartlists:columns"), setting(add="phone"),
               page_url=url("smartlists:detail"), htmx=True),
        Writer("rep", "smartlists:columns", url("smartlists:columns"), setting(remove="email"),
               page_url=url("smartlists:detail"), htmx=True),
        # the region comes back with the columns saved now, Phone among them
        409, STALE_COLUMNS, lambda obj: "<span>Phone</span>",
        lambda obj: (fresh(obj).columns, fresh(obj).version), lambda obj: (["name", "email", "phone"], 2),
    ),
    TwoWriters(
        "smart list save filters, two tabs",
        lambda cast: SmartList.objects.create(owner=cast["rep"], name="Leads", columns=["name"]),
        Writer("rep", "smartlists:save_filters", url("smartlists:save_filters"), setting(query="kind=person"),
               page_url=url("smartlists:detail")),
        Writer("rep", "smartlists:save_filters", url("smartlists:save_filters"), setting(query="kind=organisation"),
               page_url=url("smartlists:detail")),
        # the page shows the list with its saved filters: the other tab's
        409, STALE_FILTERS, lambda obj: "<span>Kind:</span> <strong>Person</strong>",  # as a chip
        lambda obj: (fresh(obj).query, fresh(obj).version), lambda obj: ("kind=person", 2),
    ),
    TwoWriters(
        "period edit", a_period,
        PERIOD_EDIT("rep", setting(mrr="110.00")),
        PERIOD_EDIT("manager", setting(mrr="130.00", description="the manager's note")),
        422, STALE_PERIOD, lambda obj: "<dd>110.00 EUR</dd>",
        lambda obj: (fresh(obj).mrr, fresh(obj).version), lambda obj: (Decimal("110.00"), 2),
    ),
    TwoWriters(
        "period delete after an edit", a_period,
        PERIOD_EDIT("rep", setting(mrr="120.00")),
        Writer("manager", "subscriptions:period_delete", url("subscriptions:period_delete"), setting(), htmx=True),
        422, STALE_PERIOD, lambda obj: "<dd>120.00 EUR</dd>",
        lambda obj: Period.objects.filter(pk=obj.pk).values_list("mrr", flat=True).first(), lambda obj: Decimal("120.00"),
    ),
    TwoWriters(
        "change subscription", a_period,
        Writer("rep", "subscriptions:period_change", period_change_url, change_from("2026-07-01", "150.00"), htmx=True),
        Writer("manager", "subscriptions:period_change", period_change_url, change_from("2026-09-01", "90.00"), htmx=True),
        # the rep's new period is the last one now: the manager's change would have cut it short
        422, STALE_SUBSCRIPTION, lambda obj: "<dd>150.00 EUR</dd>", periods_of,
        lambda obj: [(datetime.date(2026, 1, 1), datetime.date(2026, 6, 30), Decimal("100.00")),
                     (datetime.date(2026, 7, 1), None, Decimal("150.00"))],
    ),
    TwoWriters(
        "exchange rate correction, two admins", a_rate,
        RATE_EDIT("admin", setting(rate="0.93")),
        RATE_EDIT("admin2", setting(rate="0.99", valid_from="2026-02-01")),
        409, STALE_RATE, lambda obj: "<dd>0.93 EUR</dd>",
        rate_state, lambda obj: ("0.93", datetime.date(2026, 1, 1), 2),
    ),
    TwoWriters(
        "exchange rate delete after a correction", a_rate,
        RATE_EDIT("admin", setting(rate="0.94")),
        Writer("admin2", "subscriptions:rate_delete", url("subscriptions:rate_delete"), setting()),
        409, STALE_RATE, lambda obj: "<dd>0.94 EUR</dd>",
        rate_state, lambda obj: ("0.94", datetime.date(2026, 1, 1), 2),
    ),
    TwoWriters(
        "reporting currency, two admins", the_reporting_currency,
        Writer("admin", "subscriptions:reporting_currency", lambda obj: reverse("subscriptions:reporting_currency"),
               setting(code="USD")),
        Writer("admin2", "subscriptions:reporting_currency", lambda obj: reverse("subscriptions:reporting_currency"),
               setting(code="GBP")),
        409, STALE_REPORTING_CURRENCY, lambda obj: "<dd>USD</dd>",
        reporting_code, lambda obj: ("USD", 2),
    ),
    TwoWriters(
        "renewals column layout, two tabs", a_renewal,
        Writer("partner", "renewals:columns", lambda obj: reverse("renewals:columns"),
               lambda obj, data: {**data, "columns": [*data["columns"], "website"]},
               page_url=lambda obj: reverse("renewals:dashboard")),
        Writer("partner", "renewals:columns", lambda obj: reverse("renewals:columns"),
               lambda obj, data: {**data, "columns": [*data["columns"], "term"]},
               page_url=lambda obj: reverse("renewals:dashboard")),
        409, STALE_RENEWAL_COLUMNS, lambda obj: 'value="website" checked',
        # the primary contact is shown (and ticked) until taken off
        lambda obj: list(ColumnPreference.objects.values_list("columns", flat=True)), lambda obj: [["primary_contact", "website"]],
    ),
    TwoWriters(
        "primary customer contact", a_renewal,
        primary_contact("rep", lambda obj, data: {**data, "primary_contact": person(obj, 0).pk}),
        primary_contact("partner", lambda obj, data: {**data, "primary_contact": person(obj, 1).pk}),
        422, STALE_CHANGE, lambda obj: f'<option value="{person(obj, 0).pk}" selected>',
        lambda obj: (fresh(obj).primary_contact_id, fresh(obj).version), lambda obj: (person(obj, 0).pk, 2),
    ),
    TwoWriters(
        "communication owner", a_renewal,
        renewal_action("rep", "change_communication_owner", setting(owner="partner")),
        renewal_action("partner", "change_communication_owner", setting(owner="vendor")),
        422, STALE_CHANGE, lambda obj: '<option value="partner" selected>',
        lambda obj: (fresh(obj).communication_owner, fresh(obj).version), lambda obj: ("partner", 2),
    ),
    TwoWriters(
        "customer agreed", a_renewal,
        renewal_action("rep", "change_agreed", setting()),
        renewal_action("partner", "change_agreed", setting()),
        422, STALE_CHANGE, lambda obj: "Customer agreed, recorded by",
        lambda obj: (username(fresh(obj).agreed_by), fresh(obj).version), lambda obj: ("rep", 2),
    ),
    TwoWriters(
        "cancellation requested", a_renewal,
        renewal_action("partner", "change_cancellation", setting()),
        renewal_action("rep", "change_cancellation", setting()),
        422, STALE_CHANGE, lambda obj: "Cancellation requested by",
        lambda obj: (username(fresh(obj).cancellation_requested_by), fresh(obj).version), lambda obj: ("partner", 2),
    ),
    TwoWriters(
        "partner default communication owner, two tabs",
        lambda cast: PartnerOrganisationFactory(name="Northwind Partners", users=[cast["partner"]]),
        Writer("partner", "renewals:settings", lambda obj: reverse("renewals:settings"), setting(default_communication_owner="partner")),
        Writer("partner", "renewals:settings", lambda obj: reverse("renewals:settings"), setting(default_communication_owner="vendor")),
        409, STALE_PARTNER_DEFAULTS, lambda obj: '<option value="partner" selected>',
        lambda obj: (fresh(obj).default_communication_owner, fresh(obj).version), lambda obj: ("partner", 2),
    ),
    TwoWriters(
        "customer agreed, taken back", a_renewal_agreed,
        renewal_action("rep", "change_communication_owner", setting(owner="partner")),
        renewal_action("partner", "change_take_back", setting()),
        422, STALE_CHANGE, lambda obj: '<option value="partner" selected>',
        lambda obj: (fresh(obj).agreed_at is not None, fresh(obj).communication_owner, fresh(obj).version),
        lambda obj: (True, "partner", 2),
    ),
    # the Django admin's change forms ---------------------------------------------------------
    TwoWriters(
        "admin: contact", a_contact,
        admin_writer("admin", Contact, setting(phone="222")),
        admin_writer("admin2", Contact, setting(name="Rita Renamed")),
        200, stale_in_admin("contact"), lambda obj: "Phone is now: 222", contact_state, lambda obj: ("222", "Rita", 2),
    ),
    TwoWriters(
        "admin: contact, after a save in the product", a_contact,
        CONTACT_EDIT("rep", setting(phone="222")),
        admin_writer("admin", Contact, setting(name="Rita Renamed")),
        200, stale_in_admin("contact"), lambda obj: "Phone is now: 222", contact_state, lambda obj: ("222", "Rita", 2),
    ),
    TwoWriters(
        "contact edit, after a save in the admin", a_contact,
        admin_writer("admin", Contact, setting(phone="222")),
        CONTACT_EDIT("rep", setting(name="Rita Renamed")),
        409, STALE_CONTACT, lambda obj: "<dd>222</dd>", contact_state, lambda obj: ("222", "Rita", 2),
    ),
    TwoWriters(
        "admin: contract change", a_renewal,
        admin_writer("admin", ContractChange, setting(term_months="24")),
        admin_writer("admin2", ContractChange, setting(term_months="6")),
        200, stale_in_admin("contract change"), lambda obj: "Term is now: 24 months",
        lambda obj: (fresh(obj).term_months, fresh(obj).version), lambda obj: (24, 2),
    ),
    TwoWriters(
        "admin: contract change, after an action in the product", a_renewal,
        renewal_action("partner", "change_communication_owner", setting(owner="partner")),
        admin_writer("admin", ContractChange, setting(term_months="6")),
        200, stale_in_admin("contract change"), lambda obj: "Communication owner is now: Partner",
        lambda obj: (fresh(obj).communication_owner, fresh(obj).term_months, fresh(obj).version),
        lambda obj: ("partner", 12, 2),
    ),
    TwoWriters(
        "admin: partner settings", lambda cast: PartnerOrganisationFactory(name="Northwind", users=[cast["partner"]]),
        admin_writer("admin", PartnerOrganisation, setting(default_communication_owner="partner")),
        admin_writer("admin2", PartnerOrganisation, setting(name="Northwind Renamed")),
        200, stale_in_admin("partner organisation"), lambda obj: "Default communication owner is now: Partner",
        lambda obj: (fresh(obj).name, fresh(obj).default_communication_owner), lambda obj: ("Northwind", "partner"),
    ),
    TwoWriters(
        "admin: customer account", lambda cast: a_renewal(cast).customer,
        admin_writer("admin", CustomerAccount, setting(max_contacts="2000")),
        admin_writer("admin2", CustomerAccount, setting(email_send_limit="5")),
        200, stale_in_admin("customer account"), lambda obj: "Max contacts is now: 2000",
        lambda obj: (fresh(obj).max_contacts, fresh(obj).email_send_limit), lambda obj: (2000, 10000),
    ),
    TwoWriters(
        "admin: association", lambda cast: Association.objects.get(customer=a_renewal(cast).customer),
        admin_writer("admin", Association, lambda obj, data: {**data, "partner": PartnerOrganisationFactory(name="Eastwind").pk}),
        admin_writer("admin2", Association, lambda obj, data: {**data, "partner": PartnerOrganisationFactory(name="Westwind").pk}),
        200, stale_in_admin("association"), lambda obj: "Partner is now: Eastwind",
        lambda obj: fresh(obj).partner.name, lambda obj: "Eastwind",
    ),
    TwoWriters(
        "admin: team", lambda cast: Team.objects.get(name="Team A"),
        admin_writer("admin", Team, setting(name="Team Alpha")),
        admin_writer("admin2", Team, lambda obj, data: {**data, "members": [UserFactory(username="newcomer").pk]}),
        200, stale_in_admin("team"), lambda obj: "Name is now: Team Alpha",
        lambda obj: (fresh(obj).name, sorted(fresh(obj).members.values_list("username", flat=True))),
        lambda obj: ("Team Alpha", ["rep"]),
    ),
    TwoWriters(
        "admin: user", lambda cast: cast["rep"],
        admin_writer("admin", User, setting(email="rita.new@example.com")),
        admin_writer("admin2", User, setting(first_name="Renamed")),
        200, stale_in_admin("user"), lambda obj: "Email address is now: rita.new@example.com",
        lambda obj: (fresh(obj).email, fresh(obj).first_name), lambda obj: ("rita.new@example.com", obj.first_name),
    ),
    TwoWriters(
        "admin: group", lambda cast: Group.objects.create(name="Support"),
        admin_writer("admin", Group, setting(name="Support team")),
        admin_writer("admin2", Group, setting(name="Helpdesk")),
        200, stale_in_admin("group"), lambda obj: "Name is now: Support team",
        lambda obj: fresh(obj).name, lambda obj: "Support team",
    ),
]


@pytest.mark.parametrize("case", EDIT_FORMS, ids=lambda case: case.name)
def test_the_second_of_two_writers_is_refused_and_the_first_change_stays(case, cast):
    obj = case.arrange(cast)
    first, second = logged_in(cast[case.first.role]), logged_in(cast[case.second.role])
    read_first, read_second = case.first.read(first, obj), case.second.read(second, obj)
    if case.first.url_name == case.second.url_name:  # the same form, read at the same version
        assert {k: v for k, v in read_first.items() if k != "submission"} == {
            k: v for k, v in read_second.items() if k != "submission"}
    assert VERSION_FIELDS & read_second.keys(), "the form carries no version"

    saved = case.first.post(first, obj, case.first.change(obj, read_first))
    assert saved.status_code in (200, 302), saved.content.decode()[:2000]
    assert case.stored(obj) == case.expected(obj)

    refused = case.second.post(second, obj, case.second.change(obj, read_second))
    assert refused.status_code == case.refused
    assert case.message in refused.text
    assert case.theirs(obj) in refused.text  # what the first writer saved, shown to the second
    assert case.stored(obj) == case.expected(obj)  # and kept


SAME_FORM_TWICE = [case for case in EDIT_FORMS if case.first.url_name == case.second.url_name]


@pytest.mark.parametrize("case", SAME_FORM_TWICE, ids=lambda case: case.second.url_name)
def test_an_edit_posted_without_the_version_it_was_read_at_is_refused(case, cast):
    obj = case.arrange(cast)
    client = logged_in(cast[case.second.role])
    data = case.second.change(obj, case.second.read(client, obj))
    before = case.stored(obj)
    response = case.second.post(client, obj, {k: v for k, v in data.items() if k not in VERSION_FIELDS})
    assert response.status_code in (200, 400, 409, 422)
    assert case.stored(obj) == before


# What the admin's form does not show ---------------------------------------------------------


def test_an_admin_save_keeps_what_the_product_wrote_to_fields_the_form_does_not_show(cast):
    """The partner ends the association while an admin edits it: the admin's save keeps it ended."""
    change = a_renewal(cast)
    association = Association.objects.get(customer=change.customer)
    admin = logged_in(cast["admin"])
    url = reverse("admin:renewals_association_change", args=[association.pk])
    data = read_form(admin.get(url).text, action=url, page=url)

    ended = logged_in(cast["partner"]).post(reverse("renewals:end_association", args=[change.customer_id]))
    assert ended.status_code == 302
    other = PartnerOrganisationFactory(name="Eastwind")
    assert admin.post(url, {**data, "partner": other.pk}).status_code == 302

    association.refresh_from_db()
    assert association.partner == other
    assert association.ended_at is not None and association.ended_by == cast["partner"]


# The feature switch: no version, on purpose ----------------------------------------------------


@pytest.mark.parametrize(("first", "second"), [("1", "0"), ("0", "1"), ("1", "1"), ("0", "0")])
def test_two_admins_switching_a_feature_at_once_end_in_the_state_of_the_last_action(cast, first, second):
    """Both read the page in one state; each posts the state they want. Setting a state is
    idempotent, so the last action decides, neither gets an error, and each change is recorded."""
    Feature.objects.update_or_create(name="subscriptions", defaults={"is_active": first == "0"})
    url = reverse("customize_feature", args=["subscriptions"])
    one, two = logged_in(cast["admin"]), logged_in(cast["admin2"])
    assert 'name="active"' in one.get(url).text and 'name="active"' in two.get(url).text

    for client, state in ((one, first), (two, second)):
        response = client.post(url, {"active": state}, follow=True)
        assert response.status_code == 200
        assert 'class="message message-success"' in response.text

    assert Feature.objects.get(name="subscriptions").is_active is (second == "1")
    changes = list(FeatureChange.objects.order_by("pk").values_list("is_active", "changed_by__username"))
    assert changes == [(first == "1", "admin")] + ([(second == "1", "admin2")] if second != first else [])


# The REST API: the same two writers, with tokens ------------------------------------------------
#
# Both read the row (its ETag), the first writes, the second writes at the version it read: refused,
# 412 when the version came as If-Match, 409 when it came in the body, with the row's current ETag;
# the first writer's values are what is stored. Every write operation of the API's schema is a
# second writer here, or a create of test_create_once (an Idempotency-Key instead of a version).


def with_token(user) -> Client:
    from api.tokens import token_create

    _token, plain = token_create(user=user, name="two writers", scope="write")
    return Client(headers={"Authorization": f"Bearer {plain}"})


@dataclass(frozen=True)
class ApiWrite:
    role: str
    method: str  # "patch", "put", "post", "delete"
    url: Callable[[Any], str]
    body: Callable[[Any, dict], dict]  # (the object, the row as read) -> what is sent besides the version

    def send(self, client: Client, obj, read: dict, *, via: str):
        body = self.body(obj, read)
        headers = {}
        if via == "header":
            headers["If-Match"] = f'"{read["version"]}"'
        else:
            body = {**body, "version": read["version"]}
        return getattr(client, self.method)(self.url(obj), body, content_type="application/json", headers=headers)


@dataclass(frozen=True)
class ApiTwoWriters:
    name: str
    arrange: Callable[[dict], Any]
    read_url: Callable[[Any], str]  # where both read the row and its version
    first: ApiWrite
    second: ApiWrite
    stored: Callable[[Any], Any]
    expected: Callable[[Any], Any]


def api_url(name: str, kwarg: str) -> Callable[[Any], str]:
    return lambda obj: reverse(name, kwargs={kwarg: obj.pk})


API_CONTACT, API_PERIOD, API_CHANGE = (api_url("api:contact", "contact_id"), api_url("api:period", "period_id"),
                                       api_url("api:renewal", "change_id"))


def api_action(name: str) -> Callable[[Any], str]:
    return api_url(f"api:{name}", "change_id")


def sending(**values) -> Callable[[Any, dict], dict]:
    return lambda obj, read: dict(values)


API_WRITERS = [
    ApiTwoWriters("contact patch", a_contact, API_CONTACT,
                  ApiWrite("rep", "patch", API_CONTACT, sending(phone="222")),
                  ApiWrite("manager", "patch", API_CONTACT, sending(name="Rita Renamed")),
                  contact_state, lambda obj: ("222", "Rita", 2)),
    ApiTwoWriters("contact put after a patch", a_contact, API_CONTACT,
                  ApiWrite("rep", "patch", API_CONTACT, sending(phone="222")),
                  ApiWrite("manager", "put", API_CONTACT, lambda obj, read: {**read, "name": "Rita Renamed"}),
                  contact_state, lambda obj: ("222", "Rita", 2)),
    ApiTwoWriters("contact delete after a patch", a_contact, API_CONTACT,
                  ApiWrite("rep", "patch", API_CONTACT, sending(phone="222")),
                  ApiWrite("manager", "delete", API_CONTACT, sending()),
                  contact_state, lambda obj: ("222", "Rita", 2)),
    ApiTwoWriters("period patch", a_period, API_PERIOD,
                  ApiWrite("rep", "patch", API_PERIOD, sending(mrr="110.00")),
                  ApiWrite("manager", "patch", API_PERIOD, sending(mrr="130.00", description="the manager's note")),
                  lambda obj: (fresh(obj).mrr, fresh(obj).description, fresh(obj).version),
                  lambda obj: (Decimal("110.00"), "", 2)),
    ApiTwoWriters("period put after a patch", a_period, API_PERIOD,
                  ApiWrite("rep", "patch", API_PERIOD, sending(mrr="110.00")),
                  ApiWrite("manager", "put", API_PERIOD, lambda obj, read: {**read, "mrr": "130.00"}),
                  lambda obj: (fresh(obj).mrr, fresh(obj).version), lambda obj: (Decimal("110.00"), 2)),
    ApiTwoWriters("period delete after a patch", a_period, API_PERIOD,
                  ApiWrite("rep", "patch", API_PERIOD, sending(mrr="120.00")),
                  ApiWrite("manager", "delete", API_PERIOD, sending()),
                  lambda obj: Period.objects.filter(pk=obj.pk).values_list("mrr", flat=True).first(),
                  lambda obj: Decimal("120.00")),
    ApiTwoWriters("customer agreed, twice", a_renewal, API_CHANGE,
                  ApiWrite("rep", "post", api_action("renewal_agreed"), sending()),
                  ApiWrite("partner", "post", api_action("renewal_agreed"), sending()),
                  lambda obj: (username(fresh(obj).agreed_by), fresh(obj).version), lambda obj: ("rep", 2)),
    ApiTwoWriters("agreement taken back after a cancellation", a_renewal_agreed, API_CHANGE,
                  ApiWrite("rep", "post", api_action("renewal_cancellation"), sending()),
                  ApiWrite("partner", "delete", api_action("renewal_agreed"), sending()),
                  lambda obj: (fresh(obj).agreed_at is not None, username(fresh(obj).cancellation_requested_by),
                               fresh(obj).version), lambda obj: (True, "rep", 2)),
    ApiTwoWriters("cancellation taken back after an owner change", a_renewal, API_CHANGE,
                  ApiWrite("partner", "post", api_action("renewal_communication_owner"), sending(owner="partner")),
                  ApiWrite("rep", "delete", api_action("renewal_cancellation"), sending()),
                  lambda obj: (fresh(obj).communication_owner, fresh(obj).version), lambda obj: ("partner", 2)),
    ApiTwoWriters("cancellation requested after an agreement", a_renewal, API_CHANGE,
                  ApiWrite("rep", "post", api_action("renewal_agreed"), sending()),
                  ApiWrite("partner", "post", api_action("renewal_cancellation"), sending()),
                  lambda obj: (username(fresh(obj).agreed_by), fresh(obj).cancellation_requested_at, fresh(obj).version),
                  lambda obj: ("rep", None, 2)),
    ApiTwoWriters("communication owner after a cancellation", a_renewal, API_CHANGE,
                  ApiWrite("partner", "post", api_action("renewal_cancellation"), sending()),
                  ApiWrite("rep", "post", api_action("renewal_communication_owner"), sending(owner="partner")),
                  lambda obj: (username(fresh(obj).cancellation_requested_by), fresh(obj).communication_owner,
                               fresh(obj).version), lambda obj: ("partner", "", 2)),
    ApiTwoWriters("communication owner then primary contact", a_renewal, API_CHANGE,
                  ApiWrite("rep", "post", api_action("renewal_communication_owner"), sending(owner="partner")),
                  ApiWrite("partner", "post", api_action("renewal_primary_contact"),
                           lambda obj, read: {"primary_contact": person(obj, 1).pk}),
                  lambda obj: (fresh(obj).communication_owner, fresh(obj).primary_contact_id, fresh(obj).version),
                  lambda obj: ("partner", None, 2)),
]


@pytest.mark.parametrize("via", ["header", "body"])
@pytest.mark.parametrize("case", API_WRITERS, ids=lambda case: case.name)
def test_the_second_of_two_api_writers_is_refused_and_the_first_change_stays(case, via, cast):
    obj = case.arrange(cast)
    first, second = with_token(cast[case.first.role]), with_token(cast[case.second.role])
    read_first, read_second = (client.get(case.read_url(obj)).json() for client in (first, second))
    assert read_first["version"] == read_second["version"]

    saved = case.first.send(first, obj, read_first, via=via)
    assert saved.status_code == 200, saved.content
    assert case.stored(obj) == case.expected(obj)

    refused = case.second.send(second, obj, read_second, via=via)
    assert refused.status_code == (412 if via == "header" else 409), refused.content
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["type"] == "/api/v1/problems/stale-version"
    assert refused["ETag"] == f'"{saved.json()["version"]}"'  # the version to read again
    assert case.stored(obj) == case.expected(obj)  # the first writer's change, kept


def test_every_api_write_is_a_second_writer_or_a_create_once():
    from tests.reliability.test_create_once import API_CREATES

    schema = Client().get("/api/v1/openapi.json").json()
    writes = {(path, method) for path, item in schema["paths"].items() for method in item if method != "get"}
    second = {(case.second.url(_Pk()).replace(str(_Pk.pk), "{id}"), case.second.method) for case in API_WRITERS}
    creates = {(create.url(_Pk()).replace(str(_Pk.pk), "{id}"), "post") for create in API_CREATES}
    named = {(re.sub(r"\{\w+\}", "{id}", path), method) for path, method in writes}
    assert named - second - creates == set(), "an API write without a two-writer row (or a create-once row)"


class _Pk:
    """Any object, for reversing a URL: its id is a number no path holds otherwise."""

    pk = 987654321
