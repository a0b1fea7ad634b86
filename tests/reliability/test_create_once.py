"""Create forms are idempotent per submission: the same form posted twice makes one row.

Each row of CREATE_FORMS is a create form, read from its page as a browser gets it and posted
twice as it was filled in (a double click, a resent request). Forms with a one-time token
(`crm.submissions`) make one row and answer the second post with the same result page as the
first. The admin's add forms of rows with a natural key (a user's username, a team's name...)
make one row too: the second post is refused by the unique check with a message, the form shown
again. Two forms shown separately are two submissions: they make two rows.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connections
from django.test import Client
from django.urls import reverse

from api.models import ApiToken
from crm.models import Contact, Feature, Team, User
from renewals.models import Association, ContractChange, CustomerAccount, PartnerOrganisation
from smartlists.models import ExportJob, SmartList
from subscriptions.models import ExchangeRate, Period, PeriodChange
from tests.factories import ContactFactory, OrganisationFactory, UserFactory
from tests.html_forms import read_form
from tests.reliability.test_concurrency import run_at_once
from tests.renewals.factories import AssociationFactory, CustomerAccountFactory, PartnerOrganisationFactory

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture(autouse=True)
def exports_in_the_background(settings, tmp_path):
    settings.SMARTLIST_EXPORT_ASYNC_ROWS = 0  # every export is offered as a background job
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def cast(admin_user, manager, rep):
    return {"admin": admin_user, "manager": manager, "rep": rep}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@dataclass(frozen=True)
class CreateForm:
    name: str
    url_name: str  # the URL the form posts to, as the inventory names it
    role: str
    arrange: Callable[[dict], Any]  # the cast -> what the URLs and the filling need
    form_url: Callable[[Any], str]
    fill: Callable[[Any, dict], dict]  # (the scene, the form as read) -> what is posted
    made: Callable[[Any], int]  # how many rows of the kind the form makes there are
    page_url: Callable[[Any], str] | None = None  # where the form is shown, if not at its own URL
    htmx: bool = False
    natural_key: str | None = None  # the message refusing a second row with the same key (no token)
    separate_forms_make_two: bool = True  # false where two rows alike are refused anyway (overlap)

    def read(self, client: Client, scene) -> dict:
        page = (self.page_url or self.form_url)(scene)
        response = client.get(page, headers=HTMX if self.htmx and self.page_url is None else {})
        assert response.status_code == 200, page
        return read_form(response.text, action=self.form_url(scene), page=page)

    def post(self, client: Client, scene, data: dict):
        return client.post(self.form_url(scene), data, headers=HTMX if self.htmx else {})


def fixed(url_name: str) -> Callable[[Any], str]:
    return lambda scene: reverse(url_name)


def for_contact(url_name: str) -> Callable[[Any], str]:
    return lambda scene: reverse(url_name, args=[scene.pk])


def admin_add(model) -> Callable[[Any], str]:
    return fixed(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def admin_form(model, fill, made, *, natural_key=None, arrange=lambda cast: None) -> CreateForm:
    url_name = f"admin:{model._meta.app_label}_{model._meta.model_name}_add"
    return CreateForm(f"admin: add {model._meta.model_name}", url_name, "admin", arrange, admin_add(model), fill, made,
                      natural_key=natural_key)


def with_subscriptions(cast):
    Feature.objects.update_or_create(name="subscriptions", defaults={"is_active": True})
    contact = ContactFactory(owner=cast["rep"], name="Paula Periods")
    Period.objects.create(contact=contact, mrr="100.00", start_date="2026-01-01", end_date="2026-12-31", term_months=12)
    return contact


def a_list_to_export(cast):
    for name in ("Ann", "Bob"):
        ContactFactory(owner=cast["rep"], name=name)
    return SmartList.objects.create(owner=cast["rep"], name="Everyone", columns=["name"])


def periods_of(contact) -> int:
    return Period.objects.filter(contact=contact).count()


def new_customer(cast):
    return {"organisation": OrganisationFactory(owner=cast["rep"], name="Helix Labs"),
            "partner": PartnerOrganisationFactory(name="Northwind")}


def filling(**values) -> Callable[[Any, dict], dict]:
    return lambda scene, data: {**data, **values}


CREATE_FORMS = [
    CreateForm("new contact", "contact_create", "rep", lambda cast: cast["rep"], fixed("contact_create"),
               lambda rep, data: {**data, "kind": "person", "name": "Once Only", "owner": rep.pk},
               lambda scene: Contact.objects.filter(name="Once Only").count()),
    CreateForm("new smart list", "smartlists:create", "rep", lambda cast: None, fixed("smartlists:create"),
               filling(name="Once only"), lambda scene: SmartList.objects.filter(name="Once only").count()),
    CreateForm("ready-made smart list", "smartlists:ready_made", "rep", with_subscriptions,
               fixed("smartlists:ready_made"), filling(),
               lambda scene: SmartList.objects.exclude(preset="").count(), page_url=fixed("smartlists:index")),
    CreateForm("add subscription", "subscriptions:period_create", "rep", with_subscriptions,
               for_contact("subscriptions:period_create"),
               filling(mrr="120.00", start_date="2027-01-01", end="after", term_months="12"), periods_of, htmx=True,
               separate_forms_make_two=False),
    CreateForm("change subscription", "subscriptions:period_change", "rep", with_subscriptions,
               for_contact("subscriptions:period_change"), filling(mrr="150.00"), periods_of, htmx=True,
               separate_forms_make_two=False),
    CreateForm("exchange rate", "subscriptions:rate_create", "admin", with_subscriptions, fixed("subscriptions:rate_create"),
               filling(currency="USD", rate="0.92", valid_from="2026-01-01"), lambda scene: ExchangeRate.objects.count(),
               separate_forms_make_two=False),  # a second rate of the same currency and day is refused
    CreateForm("new API token", "api_tokens", "rep", lambda cast: None, fixed("api_tokens"),
               filling(name="Once only", scope="read"), lambda scene: ApiToken.objects.filter(name="Once only").count()),
    CreateForm("background export", "smartlists:export_start", "rep", a_list_to_export,
               lambda sl: reverse("smartlists:export_start", args=[sl.pk]), filling(),
               lambda sl: ExportJob.objects.filter(smartlist=sl).count(),
               page_url=lambda sl: reverse("smartlists:export", args=[sl.pk])),
    # the Django admin's add forms
    admin_form(Contact, filling(kind="person", name="Once Only", owner="{rep}"),
               lambda scene: Contact.objects.filter(name="Once Only").count()),
    admin_form(ContractChange,
               lambda scene, data: {**data, "customer": scene.pk, "type": "renewal", "start_date": "2027-03-01",
                                    "billing_frequency": "monthly", "term_months": "12"},
               lambda scene: ContractChange.objects.filter(customer=scene).count(),
               arrange=lambda cast: CustomerAccountFactory(contact__owner=cast["rep"])),
    admin_form(Group, filling(name="Support"), lambda scene: Group.objects.filter(name="Support").count(),
               natural_key="Group with this Name already exists."),
    admin_form(User, filling(username="newrep", password1="a-Str0ng-passphrase", password2="a-Str0ng-passphrase",
                             usable_password="true", role="rep"),
               lambda scene: User.objects.filter(username="newrep").count(),
               natural_key="A user with that username already exists."),
    admin_form(Team, filling(name="Team Z", manager="{manager}"), lambda scene: Team.objects.filter(name="Team Z").count(),
               natural_key="Team with this Name already exists."),
    admin_form(PartnerOrganisation, filling(name="Eastwind"),
               lambda scene: PartnerOrganisation.objects.filter(name="Eastwind").count(),
               natural_key="Partner organisation with this Name already exists."),
    admin_form(CustomerAccount,
               lambda scene, data: {**data, "contact": scene["organisation"].pk, "account_id": "ACC-ONCE",
                                    "max_contacts": "100", "email_send_limit": "1000", "products": "[]"},
               lambda scene: CustomerAccount.objects.filter(account_id="ACC-ONCE").count(),
               natural_key="Customer account with this Organisation already exists.", arrange=new_customer),
    admin_form(Association,
               lambda scene, data: {**data, "partner": scene.partner_id, "customer": scene.customer_id},
               lambda scene: Association.objects.filter(customer_id=scene.customer_id).count(),
               natural_key="already looks after this customer. End that association first.",
               arrange=lambda cast: AssociationFactory.build(customer=CustomerAccountFactory(),
                                                             partner=PartnerOrganisationFactory())),
]


def _placeholders(data: dict, cast: dict) -> dict:
    return {k: v.format(**{name: user.pk for name, user in cast.items()}) if isinstance(v, str) and "{" in v else v
            for k, v in data.items()}


@pytest.mark.parametrize("form", CREATE_FORMS, ids=lambda form: form.name)
def test_the_same_submission_posted_twice_makes_one_row(form, cast):
    scene = form.arrange(cast)
    client = logged_in(cast[form.role])
    before = form.made(scene)
    data = _placeholders(form.fill(scene, form.read(client, scene)), cast)
    first = form.post(client, scene, data)
    assert first.status_code in (200, 302), first.content.decode()[:2000]
    assert form.made(scene) == before + 1

    second = form.post(client, scene, data)
    assert form.made(scene) == before + 1
    if form.natural_key:  # refused by the unique check, with a message
        assert second.status_code == 200 and form.natural_key in second.text
    else:  # lands on the same result as the first
        assert second.status_code == first.status_code
        assert second.get("Location") == first.get("Location")
        if first.status_code == 200:
            assert second.get("HX-Trigger") == first.get("HX-Trigger")


TOKENED = [form for form in CREATE_FORMS if form.natural_key is None and form.separate_forms_make_two
           and form.url_name != "smartlists:ready_made"]


@pytest.mark.parametrize("form", TOKENED, ids=lambda form: form.name)
def test_two_forms_shown_separately_make_two_rows(form, cast):
    scene = form.arrange(cast)
    client = logged_in(cast[form.role])
    before = form.made(scene)
    filled = [_placeholders(form.fill(scene, form.read(client, scene)), cast) for _ in range(2)]
    assert filled[0]["submission"] != filled[1]["submission"]
    for data in filled:
        assert form.post(client, scene, data).status_code in (200, 302)
    assert form.made(scene) == before + 2


def test_a_period_form_posted_twice_adds_one_period_and_one_audit_row(cast):
    contact = with_subscriptions(cast)
    client = logged_in(cast["rep"])
    url = reverse("subscriptions:period_change", args=[contact.pk])
    data = {**read_form(client.get(url, headers=HTMX).text, action=url, page=url), "mrr": "150.00"}
    for _ in range(2):
        assert client.post(url, data, headers=HTMX).status_code == 200
    assert PeriodChange.objects.filter(contact=contact, action="created").count() == 1
    assert PeriodChange.objects.filter(contact=contact, action="updated").count() == 0  # the 2026 period ends as it did


def test_a_token_that_made_someone_elses_row_is_refused(cast):
    """A token copied into another person's form answers a clear 422, neither their list nor a new one."""
    owner, other = logged_in(cast["rep"]), logged_in(cast["manager"])
    url = reverse("smartlists:create")
    data = {**read_form(owner.get(url).text, action=url, page=url), "name": "Mine"}
    assert owner.post(url, data).status_code == 302
    response = other.post(url, {**data, "name": "Theirs"})
    assert response.status_code == 422 and "This form was already used" in response.text
    assert list(SmartList.objects.values_list("name", flat=True)) == ["Mine"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url_name", ["contact_create", "smartlists:create"])
def test_the_same_submission_posted_at_the_same_moment_makes_one_row(rep, url_name):
    """Both requests find no row with the token; the unique column lets one insert, the other answers with it."""
    url = reverse(url_name)
    data = {**read_form(logged_in(rep).get(url).text, action=url, page=url), "name": "Raced", "owner": rep.pk}
    connections.close_all()

    results, errors = run_at_once(4, lambda index: logged_in(rep).post(url, data)["Location"])
    assert errors == []
    assert len(set(results)) == 1  # every request lands on the one row
    model = Contact if url_name == "contact_create" else SmartList
    assert model.objects.filter(name="Raced").count() == 1


# The REST API's creates: an Idempotency-Key is the create's one-time token ------------------------


def with_token(user, scope="write") -> Client:
    from api.tokens import token_create

    _token, plain = token_create(user=user, name="create once", scope=scope)
    return Client(headers={"Authorization": f"Bearer {plain}"})


@dataclass(frozen=True)
class ApiCreate:
    name: str
    url_name: str  # the API URL the create posts to, as the schema and the matrix name it
    role: str
    arrange: Callable[[dict], Any]  # the cast -> what the URL and the body need
    url: Callable[[Any], str]
    body: Callable[[int], dict]  # the n-th body (bodies alike but for what two rows may not share)
    made: Callable[[Any], int]
    refused: dict  # a body the form refuses

    def post(self, client: Client, scene, index: int = 0, key: str = "once-42"):
        return client.post(self.url(scene), self.body(index), content_type="application/json",
                           headers={"Idempotency-Key": key})


API_CREATES = [
    ApiCreate("API: new contact", "api:contacts", "rep", lambda cast: None, fixed("api:contacts"),
              lambda index: {"name": "Once Only"}, lambda scene: Contact.objects.filter(name="Once Only").count(),
              refused={"name": ""}),
    ApiCreate("API: add a period", "api:contact_periods", "rep", with_subscriptions, for_contact("api:contact_periods"),
              # two periods of one contact must not share a day: the n-th starts in year 2030 + n
              lambda index: {"mrr": "120.00", "start_date": f"{2030 + index}-01-01", "term_months": 12}, periods_of,
              refused={"mrr": "-1", "start_date": "2030-01-01"}),
]


@pytest.mark.parametrize("create", API_CREATES, ids=lambda create: create.name)
def test_the_same_idempotency_key_twice_makes_one_row(create, cast):
    scene = create.arrange(cast)
    client = with_token(cast[create.role])
    before = create.made(scene)
    first, again = create.post(client, scene), create.post(client, scene)
    assert (first.status_code, again.status_code) == (201, 200), first.content
    assert first.json()["id"] == again.json()["id"] and again["Location"] == first["Location"]
    assert create.made(scene) == before + 1
    # another key is another create
    assert create.post(client, scene, index=1, key="once-43").status_code == 201
    assert create.made(scene) == before + 2


@pytest.mark.parametrize("create", API_CREATES, ids=lambda create: create.name)
def test_a_refused_create_keeps_its_key_unused(create, cast):
    """A body the form refuses makes nothing, and the same key then makes the row once it is right."""
    scene = create.arrange(cast)
    client = with_token(cast[create.role])
    before = create.made(scene)
    refused = client.post(create.url(scene), create.refused, content_type="application/json",
                          headers={"Idempotency-Key": "fix-and-resend"})
    assert refused.status_code == 422 and create.made(scene) == before
    assert create.post(client, scene, key="fix-and-resend").status_code == 201
    assert create.made(scene) == before + 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("create", API_CREATES, ids=lambda create: create.name)
def test_the_same_idempotency_key_at_the_same_moment_makes_one_row(create, admin_user, manager, rep):
    cast = {"admin": admin_user, "manager": manager, "rep": rep}
    scene = create.arrange(cast)
    before = create.made(scene)
    clients = [with_token(cast[create.role]) for _ in range(4)]
    connections.close_all()

    results, errors = run_at_once(4, lambda index: create.post(clients[index], scene).json()["id"])
    assert errors == []
    assert len(set(results)) == 1  # every request answers with the one row
    assert create.made(scene) == before + 1
