"""Far dates and overflowing numbers in every date and number input the catalogue finds.

For every date field (0001-01-01, 9999-12-31, just outside and just inside 1900..2200, any date
of the calendar) and every number field (1e-100000, 1e100000, NaN, Infinity, -0, forty digits,
more decimals than the column keeps, any integer): the form is refused with a message and a 4xx
and writes nothing, or it is accepted and every page showing the object answers 200. Never a
500, never a partial write. The same for every parameter a view reads from the query string, and
for every URL taking an id (ids past any column's range).

Each harness below says how to reach one catalogued form; `test_every_catalogued_*` fail when
the catalogue finds a date or number field, a parameter or an id URL without one.
"""

import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.dates import EARLIEST, LATEST
from renewals.models import ContractChange, ContractChangeLog, CustomerAccount
from smartlists.models import SmartList
from subscriptions.models import ExchangeRate, ExchangeRateChange, Period, PeriodChange, ReportingCurrency
from tests.factories import ContactFactory
from tests.html_forms import read_form
from tests.reliability import catalogue
from tests.reliability.test_form_fuzz import checksum
from tests.renewals.factories import AssociationFactory, ContractChangeFactory, PartnerOrganisationFactory

# A fifth of the profile's examples per form (20 in `make test`, 200 in `make fuzz`): each example
# posts a form and reads every page showing its object, and the values that matter are few.
FAR = settings(suppress_health_check=list(HealthCheck), database=None,
               max_examples=max(10, settings.default.max_examples // 5))
HTMX = {"HX-Request": "true"}

FAR_DATES = ["0001-01-01", "9999-12-31", "1899-12-31", "1900-01-01", "2200-12-31", "2201-01-01", "0000-01-01",
             "10000-01-01", "2026-02-30", "-2026-01-01"]
far_dates = st.one_of(st.sampled_from(FAR_DATES),
                      st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)).map(str))
FAR_NUMBERS = ["1e-100000", "1e100000", "NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "-0", "0", "-1",
               "9" * 40, "-" + "9" * 40, "0." + "0" * 40 + "1", "1.001", "99.999", "9999999999.99", "10000000000",
               "2147483647", "2147483648", "32767", "32768", "9223372036854775808", "1e3", "1_000", "0x10", "١٢"]
far_numbers = st.one_of(st.sampled_from(FAR_NUMBERS),
                        st.integers(min_value=-(10**30), max_value=10**30).map(str),
                        st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str))
FAR_IDS = [0, 2**31, 2**63, 10**30]


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.UTC), tick=False):
        yield


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def with_token(user) -> Client:
    """A client of the REST API, speaking for `user` through a read-and-write token."""
    from api.tokens import token_create

    _token, plain = token_create(user=user, name="far values", scope="write")
    return Client(headers={"Authorization": f"Bearer {plain}"})


@dataclass(frozen=True)
class Harness:
    """How to post one catalogued form as a person would, and what shows what it saved."""

    form: str  # the catalogue's key of the form
    arrange: Callable[[dict], Any]  # the scene -> the object the form writes (or reads)
    post: Callable[[dict, Any, str, str], Any]  # (scene, object, field, value) -> response
    touched: Callable[[Any], list]  # querysets the form may write: unchanged when refused
    pages: Callable[[dict, Any], list[tuple[Client, str]]]  # the pages showing the object afterwards
    refused: tuple[int, ...] = (422,)
    saved: tuple[int, ...] = (200,)
    # A refusal reads as one: the text a refused answer shows the person
    message: Callable[[Any], bool] = lambda response: "errorlist" in response.text or "error" in response.text


@pytest.fixture
def scene(admin_user, manager, rep, partner, subscriptions_on):
    customer = AssociationFactory(partner=PartnerOrganisationFactory(users=[partner]),
                                  customer__contact__owner=rep, customer__contact__name="Far Customer").customer
    return {"admin": admin_user, "rep": rep, "manager": manager, "partner": partner, "customer": customer,
            "contact": ContactFactory(owner=rep, name="Far Subscriber")}


# Subscription periods ---------------------------------------------------------------------------------

PERIOD = {"currency": "EUR", "mrr": "100", "price": "", "billing_frequency": "monthly", "billing_every_months": "",
          "start_date": "2026-01-01", "end": "after", "term_months": "12", "end_date": ""}


def _period_pages(scene, contact):
    client = logged_in(scene["rep"])
    pages = [reverse("contact_detail", args=[contact.pk]), reverse("subscriptions:contact", args=[contact.pk]),
             reverse("subscriptions:history", args=[contact.pk]), reverse("subscriptions:period_change", args=[contact.pk]),
             reverse("subscriptions:pipeline")]
    pages += [reverse("subscriptions:period_edit", args=[pk]) for pk in Period.objects.filter(contact=contact).values_list("pk", flat=True)]
    return [(client, page) for page in pages] + [(logged_in(scene["manager"]), reverse("subscriptions:pipeline"))]


def _with_far(field, value):
    data = {**PERIOD, field: value}
    if field == "end_date":
        data["end"] = "on"
    if field == "billing_every_months":
        data["billing_frequency"] = "every_n_months"
    return data


def _post_period(view):
    def post(scene, contact, field, value):
        client = logged_in(scene["rep"])
        if view == "period_edit":
            period = Period.objects.filter(contact=contact).first()
            data = {**_with_far(field, value), "version": str(period.version)}
            return client.post(reverse("subscriptions:period_edit", args=[period.pk]), data, headers=HTMX)
        data = _with_far(field, value)
        if view == "period_change":
            page = reverse("subscriptions:period_change", args=[contact.pk])
            read = read_form(client.get(page).text, action=page, page=page)
            data = {**data, "last_period": read.get("last_period", ""), "version": read.get("version", "")}
        return client.post(reverse(f"subscriptions:{view}", args=[contact.pk]), data, headers=HTMX)

    return post


def _periods(contact):
    return [Period.objects.filter(contact=contact), PeriodChange.objects.filter(contact=contact)]


def _edited_period(scene):
    contact = scene["contact"]
    Period.objects.create(contact=contact, mrr="100.00", start_date="2026-01-01", end_date="2026-12-31", term_months=12)
    return contact


def period_harness(form, view):
    arrange = _edited_period if view == "period_edit" else lambda scene: scene["contact"]
    return Harness(form, arrange, _post_period(view), _periods, _period_pages)


# The admin's contract changes and customer accounts ----------------------------------------------------


def _admin_post(model, *, add):
    def post(scene, obj, field, value):
        client = logged_in(scene["admin"])
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{'add' if add else 'change'}"
        page = reverse(name) if add else reverse(name, args=[obj.pk])
        data = read_form(client.get(page).text, action=page, page=page)
        if add and model is ContractChange:
            data.update(customer=str(scene["customer"].pk), type="renewal", term_months="12", billing_frequency="monthly")
        if add and model is CustomerAccount:
            data.update(contact=str(ContactFactory(kind="organisation", owner=scene["rep"]).pk), account_id="ACC-FAR",
                        max_contacts="1", email_send_limit="1", contacts_used="0", emails_sent_this_month="0")
        data[field] = value
        return client.post(page, data)

    return post


def _change_pages(scene, change):
    customer = scene["customer"]
    partner, rep = logged_in(scene["partner"]), logged_in(scene["rep"])
    pages = [(partner, reverse("renewals:dashboard")), (partner, reverse("renewals:customer", args=[customer.pk])),
             (rep, reverse("renewals:customer", args=[customer.pk])), (rep, reverse("contact_detail", args=[customer.contact_id]))]
    admin = logged_in(scene["admin"])
    pages += [(admin, reverse("admin:renewals_contractchange_change", args=[pk]))
              for pk in ContractChange.objects.filter(customer=customer).values_list("pk", flat=True)]
    return pages


def _account_pages(scene, account):
    admin = logged_in(scene["admin"])
    return [(admin, reverse("admin:renewals_customeraccount_change", args=[pk]))
            for pk in CustomerAccount.objects.values_list("pk", flat=True)] + [
        (admin, reverse("renewals:customer", args=[pk])) for pk in CustomerAccount.objects.values_list("pk", flat=True)]


def admin_harness(form, model, *, add):
    if model is ContractChange:
        arrange = (lambda scene: scene["customer"]) if add else (lambda scene: ContractChangeFactory(customer=scene["customer"]))
        touched = lambda obj: [ContractChange.objects.all(), ContractChangeLog.objects.all()]  # noqa: E731
        pages = _change_pages
    else:
        arrange = lambda scene: scene["customer"]  # noqa: E731
        touched = lambda obj: [CustomerAccount.objects.all()]  # noqa: E731
        pages = _account_pages
    # The admin answers a refused form with the form again (200) and its error note; a save redirects.
    return Harness(form, arrange, _admin_post(model, add=add), touched, pages, refused=(200,), saved=(302,),
                   message=lambda response: "errornote" in response.text)


# Smart list filters and the dashboard's page -------------------------------------------------------------


def _smartlist(scene):
    return SmartList.objects.create(owner=scene["rep"], name="Far list", shared=True,
                                    columns=["name", "current_mrr", "upcoming_mrr", "current_end"])


def _save_filter(scene, smartlist, field, value):
    client = logged_in(scene["rep"])
    smartlist.refresh_from_db()
    query = f"{field}={value}" + ("&currency=EUR" if "mrr" in field else "")
    return client.post(reverse("smartlists:save_filters", args=[smartlist.pk]),
                       {"query": query, "sort": "name", "version": smartlist.version})


def _smartlist_pages(scene, smartlist):
    pages = [reverse("smartlists:detail", args=[smartlist.pk]), reverse("smartlists:export", args=[smartlist.pk])]
    return [(logged_in(user), page) for user in (scene["rep"], scene["manager"]) for page in pages]


def _mrr_preview(scene, contact, field, value):
    """The period form's live MRR, asked as the form asks it while a price is typed."""
    query = {"part": "mrr", "price": "120", "billing_frequency": "monthly", "currency": "EUR", field: value}
    if field == "billing_every_months":
        query["billing_frequency"] = "every_n_months"
    return logged_in(scene["rep"]).get(reverse("subscriptions:period_form_part", args=[contact.pk]), query)


def _dashboard_page(scene, _obj, field, value):
    return logged_in(scene["partner"]).get(reverse("renewals:dashboard"), {field: value})


def _pipeline_page(scene, _obj, field, value):
    return logged_in(scene["manager"]).get(reverse("subscriptions:pipeline"), {field: value})


def _api_list(scene, _obj, field, value):
    return with_token(scene["rep"]).get(reverse("api:contacts"), {field: value})


def _movements_page(view):
    def read(scene, _obj, field, value):
        query = {field: value}
        if field == "end":  # a far last month, after a first month that may come before it
            query["start"] = "1900-01"
        return logged_in(scene["manager"]).get(reverse(f"subscriptions:{view}"), query)
    return read


def _api_rows(scene, smartlist, field, value):
    return with_token(scene["rep"]).get(reverse("api:smartlist_rows", args=[smartlist.pk]), {field: value})


def _choice_search(url_name):
    """The contact form's searched choice, asked as its search box asks (htmx)."""
    def ask(scene, _obj, field, value):
        return logged_in(scene["rep"]).get(reverse(url_name), {field: value}, headers=HTMX)
    return ask


# Exchange rates ------------------------------------------------------------------------------------------


def _rated_scene(scene):
    """A period in another currency than the reporting one: the pages then convert at the rates typed."""
    Period.objects.create(contact=scene["contact"], currency="USD", mrr="100.00", start_date="2026-01-01")
    return None


def _post_rate(scene, _obj, field, value):
    client = logged_in(scene["admin"])
    url = reverse("subscriptions:rate_create")
    data = {**read_form(client.get(url).text, action=url, page=url),
            "currency": "USD", "rate": "0.9", "valid_from": "2026-01-01", field: value}
    return client.post(url, data)


def _rate_pages(scene, _obj):
    admin, manager = logged_in(scene["admin"]), logged_in(scene["manager"])
    pages = [(admin, reverse("subscriptions:rates")), (admin, reverse("subscriptions:rate_history")),
             (manager, reverse("subscriptions:pipeline"))]
    return pages + [(admin, reverse(name, args=[pk])) for pk in ExchangeRate.objects.values_list("pk", flat=True)
                    for name in ("subscriptions:rate_edit", "subscriptions:rate_delete")]


HARNESSES = {h.form: h for h in [
    period_harness("subscriptions.forms.PeriodForm", "period_create"),
    period_harness("subscriptions.forms.PeriodChangeForm", "period_change"),
    admin_harness("admin:renewals_contractchange_add", ContractChange, add=True),
    admin_harness("admin:renewals_contractchange_change", ContractChange, add=False),
    admin_harness("admin:renewals_customeraccount_add", CustomerAccount, add=True),
    admin_harness("admin:renewals_customeraccount_change", CustomerAccount, add=False),
    Harness("filterset:SmartListFilter", _smartlist, _save_filter,
            lambda smartlist: [SmartList.objects.filter(pk=smartlist.pk)], _smartlist_pages, refused=(400, 409, 422),
            saved=(200, 302), message=lambda response: bool(response.text.strip())),
    # Reads only: a far price or month count is a 422 with its reason, never a 500.
    Harness("subscriptions.forms.MrrPreviewForm", lambda scene: scene["contact"], _mrr_preview, _periods, lambda scene, obj: [],
            refused=(422,), saved=(200,), message=lambda response: bool(response.text.strip())),
    Harness("renewals.forms.DashboardQueryForm", lambda scene: None, _dashboard_page, lambda obj: [], lambda scene, obj: [],
            refused=(400,), saved=(200,), message=lambda response: "error" in response.text),
    # Reads only: a far as-of day is a 400 with its reason; a day in range, that day's report.
    Harness("subscriptions.forms.PipelineForm", lambda scene: None, _pipeline_page, lambda obj: [], lambda scene, obj: [],
            refused=(400,), saved=(200,), message=lambda response: "errorlist" in response.text),
    Harness("subscriptions.rate_forms.RateForm", _rated_scene, _post_rate,
            lambda obj: [ExchangeRate.objects.all(), ExchangeRateChange.objects.all(), ReportingCurrency.objects.all()],
            _rate_pages, saved=(302,)),
    # Reads only: the API's page size past its range is a 400 problem naming it, never a 500.
    Harness("api.paging.PageForm", lambda scene: None, _api_list, lambda obj: [], lambda scene, obj: [],
            refused=(400,), saved=(200,), message=lambda response: "limit" in response.json().get("errors", {})),
    # Reads only: a far month is a 400 naming its parameter; one in range, those months' report.
    Harness("subscriptions.forms.MovementsForm", lambda scene: None, _movements_page("movements"), lambda obj: [],
            lambda scene, obj: [(logged_in(scene["manager"]), reverse("subscriptions:movements_csv"))],
            refused=(400,), saved=(200,), message=lambda response: "errorlist" in response.text),
    Harness("api.smartlists.RowsPageForm", _smartlist, _api_rows, lambda obj: [], lambda scene, obj: [],
            refused=(400,), saved=(200,), message=lambda response: "limit" in response.json().get("errors", {})),
    *(Harness(form, lambda scene: None, _choice_search(url_name), lambda obj: [], lambda scene, obj: [],
              refused=(400,), saved=(200,), message=lambda response: "errorlist" in response.text)
      for form, url_name in (("crm.forms.OwnerSearchForm", "contact_owner_choices"),
                             ("crm.forms.OrganisationSearchForm", "contact_organisation_choices"))),
]}
# The period edit form is PeriodForm again, posted to another URL: far values through it too.
EDIT_HARNESS = period_harness("subscriptions.forms.PeriodForm", "period_edit")


def _inputs(fields):
    """Catalogued (form, field) pairs, the hidden version and token fields left to test_two_writers."""
    return sorted({(f.form, f.name) for f in fields if not f.hidden})


DATE_INPUTS = _inputs(catalogue.date_fields())
NUMBER_INPUTS = _inputs(catalogue.number_fields())


def test_every_catalogued_date_and_number_field_has_a_harness():
    assert DATE_INPUTS and NUMBER_INPUTS
    missing = {form for form, _ in DATE_INPUTS + NUMBER_INPUTS} - HARNESSES.keys()
    assert missing == set(), "a form with a date or number input: add its Harness here"


def _check(harness, scene, obj, field, value, *, date: bool):
    touched = harness.touched(obj)
    before = checksum(*touched)
    response = harness.post(scene, obj, field, value)
    assert response.status_code < 500, (harness.form, field, value)
    if response.status_code in harness.refused and harness.message(response):
        assert checksum(*touched) == before, (harness.form, field, value, "a refused post wrote")
        return
    assert response.status_code in harness.saved, (harness.form, field, value, response.status_code)
    if date:
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            day = None
        changed = checksum(*touched) != before
        assert not (changed and day and not EARLIEST <= day <= LATEST), (harness.form, field, value, "saved a far date")
    if checksum(*touched) == before and response.status_code != 200:
        return  # nothing written (a repeated value): the pages were read after the write before
    for client, page in harness.pages(scene, obj):
        assert client.get(page).status_code == 200, (harness.form, field, value, page)


def _run(harness, scene, fields, values, *, date):
    obj = harness.arrange(scene)

    @FAR
    @given(field=st.sampled_from(fields), value=values)
    def run(field, value):
        _check(harness, scene, obj, field, value, date=date)

    run()


@pytest.mark.parametrize("form", sorted({form for form, _ in DATE_INPUTS}))
def test_far_dates(scene, form):
    _run(HARNESSES[form], scene, [name for f, name in DATE_INPUTS if f == form], far_dates, date=True)


@pytest.mark.parametrize("form", sorted({form for form, _ in NUMBER_INPUTS}))
def test_overflowing_numbers(scene, form):
    _run(HARNESSES[form], scene, [name for f, name in NUMBER_INPUTS if f == form], far_numbers, date=False)


def test_period_edit_far_dates_and_numbers(scene):
    fields = [name for f, name in DATE_INPUTS + NUMBER_INPUTS if f == EDIT_HARNESS.form]
    _run(EDIT_HARNESS, scene, fields, st.one_of(far_dates, far_numbers), date=True)


# Parameters a view reads itself ------------------------------------------------------------------------

# The API's lists, each read with a token of someone who may read it.
API_LISTS = [("rep_api", "api:contacts", None), ("rep_api", "api:smartlists", None),
             ("rep_api", "api:smartlist_rows", "smartlist"), ("rep_api", "api:contact_periods", "contact"),
             ("partner_api", "api:renewals", None)]
# Where each view-parsed parameter is read, as the person who may read it.
PARAMETER_PAGES = {
    "page": [("rep", "contact_list", None), ("rep", "subscriptions:history", "contact"), ("rep", "smartlists:detail", "smartlist"),
             ("partner", "renewals:dashboard", None), ("admin", "subscriptions:rates", None),
             ("admin", "subscriptions:rate_history", None)],
    "after": [("rep", "smartlists:detail", "smartlist"), *API_LISTS],
    # the API's page size (its cursor is `after`, above)
    "limit": API_LISTS,
    "before": [("rep", "smartlists:detail", "smartlist")],
    "sort": [("rep", "smartlists:detail", "smartlist"), ("partner", "renewals:dashboard", None)],
    "q": [("partner", "renewals:dashboard", None), ("rep", "contact_list", None), ("partner_api", "api:renewals", None)],
    # Whose renewals dashboard is read (an admin chooses; a partner may name their own)
    "partner": [("partner", "renewals:dashboard", None), ("partner_api", "api:renewals", None)],
    # The bulk bar's owner choice: the action picked and the name searched
    "action": [("rep", "bulk_owner_choices", None)],
    "owner_q": [("rep", "bulk_owner_choices", None), ("rep", "contact_owner_choices", None)],
    # The contact form's searched choices: the row chosen and the words searched
    "owner": [("rep", "contact_owner_choices", None), ("rep", "subscriptions:movements", None),
              ("rep", "subscriptions:movements_csv", None)],
    # The MRR movements report's months, on its page and in its CSV
    "start": [("rep", "subscriptions:movements", None), ("rep", "subscriptions:movements_csv", None)],
    "end": [("rep", "subscriptions:movements", None), ("rep", "subscriptions:movements_csv", None)],
    "organisation": [("rep", "contact_organisation_choices", None)],
    "organisation_q": [("rep", "contact_organisation_choices", None)],
    "part": [("rep", "subscriptions:contact", "contact"), ("rep", "subscriptions:period_form_part", "contact")],
    # The period form's fields, read back by the part of the form that follows what is typed
    **{field: [("rep", "subscriptions:period_form_part", "contact")]
       for field in ("price", "billing_frequency", "billing_every_months", "currency", "mrr", "start_date", "end",
                     "term_months", "end_date", "description", "version")},
    "bom": [("rep", "smartlists:export", "smartlist")],
    "reimport": [("rep", "smartlists:export", "smartlist")],
    "submission": [("rep", "smartlists:export", "smartlist"), ("rep", "subscriptions:period_form_part", "contact")],
    # The MRR ranges in a smart list's URL, with and without their currency
    "current_mrr_min": [("rep", "smartlists:detail", "smartlist")],
    "upcoming_mrr_max": [("rep", "smartlists:detail", "smartlist")],
}
cursors = st.one_of(
    st.sampled_from(["WyJcdTAwMDAiLCAxXQ", "WyIxZS0xMDAwMDAiLDFd", "WyI5OTk5OS0xMi0zMSIsMV0", "WzFd", "W10", "", "=",
                     "WyJOYU4iLDFd", "WyIiLDEsMl0", "WyJhIiwxZTMwMF0", "WyJhIiw5OTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ"]),
    st.binary(max_size=40).map(lambda raw: __import__("base64").urlsafe_b64encode(raw).decode().rstrip("=")),
    st.lists(st.one_of(st.none(), st.text(max_size=8), st.integers(), st.floats()), max_size=3).map(
        lambda values: __import__("base64").urlsafe_b64encode(__import__("json").dumps(values).encode()).decode()),
)


def test_every_view_parsed_parameter_is_tried():
    parsed = set(catalogue.view_parsed_parameters())
    assert parsed - PARAMETER_PAGES.keys() == set(), "a view reads a new query parameter: say where in PARAMETER_PAGES"


def test_far_query_parameters(scene):
    smartlist = _smartlist(scene)
    objects = {"contact": scene["contact"], "smartlist": smartlist}
    Period.objects.create(contact=scene["contact"], mrr="10.00", start_date="2025-06-01", end_date="2026-12-31")
    ContractChangeFactory(customer=scene["customer"])
    clients = {role: logged_in(scene[role]) for role in ("rep", "partner", "admin")}
    clients["rep_api"] = with_token(scene["rep"])
    clients["partner_api"] = with_token(scene["partner"])
    targets = [(parameter, *where) for parameter, places in PARAMETER_PAGES.items() for where in places]

    @FAR
    @given(target=st.sampled_from(targets), value=st.one_of(far_numbers, far_dates, cursors), currency=st.booleans(),
           sort=st.sampled_from(["", "name", "-current_mrr", "current_end"]), htmx=st.booleans())
    def run(target, value, currency, sort, htmx):
        parameter, role, name, obj = target
        url = reverse(name, args=[objects[obj].pk]) if obj else reverse(name)
        query = {parameter: value}
        if currency and "mrr" in parameter:
            query["currency"] = "EUR"
        if sort and parameter in ("after", "before"):
            query["sort"] = sort
        if name == "subscriptions:period_form_part" and parameter != "part":
            query["part"] = "mrr" if parameter in ("price", "billing_frequency", "billing_every_months", "currency") else "end"
        response = clients[role].get(url, query, headers=HTMX if htmx else {})
        # a page number no page has is a 404 where the list is numbered (the subscription history, the rates),
        # the live MRR of a price it cannot read is a 422 with its reason, and a partner no one may
        # open (any value but an id of the viewer's) is a 404, as an object is
        allowed = {"subscriptions:history": (200, 302, 400, 404), "subscriptions:period_form_part": (200, 400, 422),
                   "subscriptions:rates": (200, 404), "subscriptions:rate_history": (200, 404),
                   **dict.fromkeys((name for _role, name, _obj in API_LISTS), (200, 400))}.get(name, (200, 302, 400))
        if parameter == "partner":
            allowed = (200, 404)
        assert response.status_code in allowed, (url, query, response.status_code)

    run()


# The API's writes ------------------------------------------------------------------------------------

JSON_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?")
API_PERIOD_FIELDS = ("start_date", "end_date", "term_months", "mrr", "price", "billing_every_months")


def _json_body(base: dict, field: str, value: str, as_number: bool) -> str:
    """`base` with `field` set to `value`: as a JSON number where it reads as one and `as_number`, else as text."""
    literal = value if as_number and JSON_NUMBER.fullmatch(value) else json.dumps(value)
    return json.dumps({**base, field: "__far__"}).replace('"__far__"', literal)


def test_far_values_through_the_apis_period_writes(scene):
    """The API binds the period form to JSON: a far date or number, as text or as a JSON number, in
    a new period or an edit, is the form's 422 problem naming what it refuses and writes nothing,
    or it is saved within the accepted dates and every page and resource showing it answers 200."""
    contact = scene["contact"]
    period = Period.objects.create(contact=contact, mrr="100.00", start_date="2026-01-01", end_date="2026-12-31",
                                   term_months=12)
    api = with_token(scene["rep"])
    reads = [(api, reverse("api:contact_subscription", args=[contact.pk])),
             (api, reverse("api:contact_periods", args=[contact.pk])), (api, reverse("api:pipeline")),
             *_period_pages(scene, contact)]

    @FAR
    @given(field=st.sampled_from(API_PERIOD_FIELDS), value=st.one_of(far_dates, far_numbers), as_number=st.booleans(),
           edit=st.booleans())
    def run(field, value, as_number, edit):
        base = {"mrr": "10.00", "start_date": "2027-01-01", "billing_frequency": "every_n_months", "price": "30"}
        if field in ("mrr", "price"):
            base = {"mrr": "10.00", "start_date": "2027-01-01"}
        before = checksum(*_periods(contact))
        if edit:
            version = Period.objects.filter(pk=period.pk).values_list("version", flat=True).first()
            response = api.patch(reverse("api:period", args=[period.pk]), _json_body({}, field, value, as_number),
                                 content_type="application/json", headers={"If-Match": f'"{version}"'})
        else:
            response = api.post(reverse("api:contact_periods", args=[contact.pk]),
                                _json_body(base, field, value, as_number), content_type="application/json")
        assert response.status_code < 500, (field, value, edit)
        if response.status_code == 422:
            assert response.json()["errors"], (field, value)
            assert checksum(*_periods(contact)) == before, (field, value, "a refused write wrote")
            return
        assert response.status_code in (200, 201), (field, value, edit, response.status_code, response.content)
        saved = response.json()
        for day in (saved["start_date"], saved["end_date"]):
            assert day is None or EARLIEST <= datetime.date.fromisoformat(day) <= LATEST, (field, value)
        for client, page in reads:
            assert client.get(page).status_code == 200, (field, value, page)

    run()


# URLs taking an id ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(catalogue.id_urls()))
def test_ids_past_any_column_are_not_found(scene, name):
    """Ids no row can have, in every URL that takes one: 404 (or the admin's redirect), never 500."""
    if name.startswith("api:"):  # the REST API: with a token, every method it may take
        client = with_token(scene["rep"])
        for pk in FAR_IDS:
            for method in (client.get, client.post, client.put, client.patch, client.delete):
                response = method(reverse(name, args=[pk]), data={"name": "Far"}, content_type="application/json",
                                  headers={"If-Match": '"1"'})
                assert response.status_code in (404, 405), (name, pk, response.status_code)
        return
    admins = name.startswith("admin:") or name.startswith("subscriptions:rate_")  # the rates are an admin's
    client = logged_in(scene["admin" if admins else "rep"])
    for pk in FAR_IDS:
        args = [pk] if name != "admin:view_on_site" else [1, pk]
        for method in (client.get, client.post):
            response = method(reverse(name, args=args))
            # the admin refuses a page its user may not use (delete an association, change a notice) with 403, whatever the id
            allowed = (302, 403, 404, 405) if name.startswith("admin:") else (302, 404, 405)
            assert response.status_code in allowed, (name, pk, response.status_code)
