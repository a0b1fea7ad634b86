"""Every URL pattern of the project x every role, with the exact expected status.

A URL that is added without a row here fails `test_every_url_pattern_has_a_row`, so no page can
ship without someone writing down who may see it. Denied requests must not write anything.
"""

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from crm.models import Feature

ROLES = ("admin", "manager", "rep", "partner", "anonymous")


def row(name, method, admin, manager, rep, partner, anonymous, *, kwargs=None, data=None, writes=(), features=()):
    """`writes` names the roles whose request may change the database; `features` are switched on first."""
    statuses = dict(zip(ROLES, (admin, manager, rep, partner, anonymous), strict=True))
    label = f"{method} {name}" + (f" [{'+'.join(features)}]" if features else "")
    return pytest.param(name, method, kwargs or {}, data or {}, statuses, set(writes), set(features), id=label)


CONTACT_POST = {"kind": "person", "name": "Matrix Person", "owner": "{rep}"}
RENEWAL_COLUMNS = {"columns": ["customer", "communication_owner", "primary_contact", "type", "status", "deadline", "website"]}

# Subscriptions: with the feature on, the contact's visibility decides; with it off, every URL is
# a 404 for everyone, whatever the method.
SUBS = ("subscriptions",)
STAFF_WRITE = ("admin", "manager", "rep")
PERIOD_POST = {"currency": "EUR", "mrr": "120.00", "start_date": "2030-01-01", "end": "after", "term_months": "12",
               "version": "1"}
_SUBSCRIPTION_URLS = [
    # url name, kwargs, GET statuses on, POST statuses on, POST data
    ("subscriptions:pipeline", {}, (200, 200, 200, 404, 302), (405,) * 5, {}),
    ("subscriptions:contact", {"pk": "{contact}"}, (200, 200, 200, 404, 302), (405,) * 5, {}),
    ("subscriptions:history", {"pk": "{contact}"}, (200, 200, 200, 404, 302), (405,) * 5, {}),
    ("subscriptions:period_create", {"pk": "{contact}"}, (200, 200, 200, 404, 302), (302, 302, 302, 404, 302), PERIOD_POST),
    ("subscriptions:period_change", {"pk": "{contact}"}, (200, 200, 200, 404, 302), (302, 302, 302, 404, 302), PERIOD_POST),
    ("subscriptions:period_edit", {"pk": "{period}"}, (200, 200, 200, 404, 302), (302, 302, 302, 404, 302), PERIOD_POST),
    ("subscriptions:period_delete", {"pk": "{period}"}, (200, 200, 200, 404, 302), (302, 302, 302, 404, 302), {"version": "1"}),
]
SUBSCRIPTION_ROWS = [
    row_
    for name, kwargs, get_on, post_on, data in _SUBSCRIPTION_URLS
    for row_ in (
        row(name, "GET", *get_on, kwargs=kwargs, features=SUBS),
        row(name, "POST", *post_on, kwargs=kwargs, data=data, features=SUBS,
            writes=STAFF_WRITE if post_on[0] == 302 else ()),
        row(name, "GET", *(404,) * 5, kwargs=kwargs),
        row(name, "POST", *(404,) * 5, kwargs=kwargs, data=data),
    )
]

MATRIX = [
    #    url name               method  admin manager rep partner anon
    row("home", "GET", 302, 302, 302, 302, 302),
    row("home", "POST", 405, 405, 405, 405, 405),
    row("healthz", "GET", 200, 200, 200, 200, 200),
    row("healthz", "POST", 405, 405, 405, 405, 405),
    row("login", "GET", 302, 302, 302, 302, 200),
    row("login", "POST", 302, 302, 302, 302, 200),
    row("logout", "GET", 405, 405, 405, 405, 405),
    row("logout", "POST", 302, 302, 302, 302, 302, writes=ROLES),
    row("set_language", "POST", 302, 302, 302, 302, 302, data={"language": "it", "next": "/"}, writes=ROLES),
    row("contact_list", "GET", 200, 200, 200, 404, 302),
    row("contact_list", "POST", 405, 405, 405, 405, 405),
    row("contact_create", "GET", 200, 200, 200, 404, 302),
    row("contact_create", "POST", 302, 302, 302, 404, 302, data=CONTACT_POST, writes=("admin", "manager", "rep")),
    row("contact_detail", "GET", 200, 200, 200, 404, 302, kwargs={"pk": "{contact}"}),
    row("contact_detail", "POST", 405, 405, 405, 405, 405, kwargs={"pk": "{contact}"}),
    row("contact_edit", "GET", 200, 200, 200, 404, 302, kwargs={"pk": "{contact}"}),
    row("contact_edit", "POST", 302, 302, 302, 404, 302, kwargs={"pk": "{contact}"}, data=CONTACT_POST,
        writes=("admin", "manager", "rep")),
    row("settings_index", "GET", 200, 404, 404, 404, 302),
    row("settings_index", "POST", 405, 405, 405, 405, 405),
    row("customize_feature", "GET", 200, 404, 404, 404, 302, kwargs={"name": "subscriptions"}),
    row("customize_feature", "POST", 302, 404, 404, 404, 302, kwargs={"name": "subscriptions"},
        data={"active": "1"}, writes=("admin",)),
    row("admin:index", "GET", 200, 302, 302, 302, 302),
    *SUBSCRIPTION_ROWS,
    # renewals: the dashboard is the partner's; the customer page is also open to its vendor staff
    row("renewals:dashboard", "GET", 404, 404, 404, 200, 302),
    row("renewals:dashboard", "POST", 405, 405, 405, 405, 405),
    row("renewals:columns", "GET", 405, 405, 405, 405, 405),
    row("renewals:columns", "POST", 404, 404, 404, 302, 302, data=RENEWAL_COLUMNS, writes=("partner",)),
    row("renewals:customer", "GET", 200, 200, 200, 200, 302, kwargs={"pk": "{renewal_customer}"}),
    row("renewals:customer", "POST", 405, 405, 405, 405, 405, kwargs={"pk": "{renewal_customer}"}),
    row("renewals:end_association", "GET", 200, 200, 200, 200, 302, kwargs={"pk": "{renewal_customer}"}),
    row("renewals:end_association", "POST", 302, 302, 302, 302, 302, kwargs={"pk": "{renewal_customer}"},
        writes=("admin", "manager", "rep", "partner")),
    row("renewals:customer", "GET", 200, 404, 404, 404, 302, kwargs={"pk": "{renewal_other_customer}"}),
    row("renewals:end_association", "GET", 200, 404, 404, 404, 302, kwargs={"pk": "{renewal_other_customer}"}),
    row("renewals:end_association", "POST", 302, 404, 404, 404, 302, kwargs={"pk": "{renewal_other_customer}"},
        writes=("admin",)),
    *[
        r
        for name, extra in [
            ("renewals:change_primary_contact", {"primary_contact": ""}),
            ("renewals:change_communication_owner", {"owner": "partner"}),
            ("renewals:change_agreed", {}),
            ("renewals:change_cancellation", {}),
        ]
        for r in (
            row(name, "GET", 405, 405, 405, 405, 405, kwargs={"pk": "{renewal_change}"}),
            row(name, "POST", 302, 302, 302, 302, 302, kwargs={"pk": "{renewal_change}"},
                data={"version": "1", "layout": "customer", **extra}, writes=("admin", "manager", "rep", "partner")),
            # another partner's customer, owned by a rep of another team: 404 for all but the admin
            row(name, "POST", 302, 404, 404, 404, 302, kwargs={"pk": "{renewal_other_change}"},
                data={"version": "1", "layout": "customer", **extra}, writes=("admin",)),
        )
    ],
    # Smart lists: "{smartlist}" is the rep's list, shared with the team; "{export}" the rep's finished export.
    row("smartlists:index", "GET", 200, 200, 200, 404, 302),
    row("smartlists:index", "POST", 405, 405, 405, 405, 405),
    row("smartlists:create", "GET", 200, 200, 200, 404, 302),
    row("smartlists:create", "POST", 302, 302, 302, 404, 302, data={"name": "Matrix list"},
        writes=("admin", "manager", "rep")),
    row("smartlists:ready_made", "GET", 405, 405, 405, 405, 405, features=("subscriptions",)),
    row("smartlists:ready_made", "POST", 302, 302, 302, 404, 302, features=("subscriptions",),
        writes=("admin", "manager", "rep")),
    row("smartlists:ready_made", "POST", 404, 404, 404, 404, 302),
    row("smartlists:detail", "GET", 200, 200, 200, 404, 302, kwargs={"pk": "{smartlist}"}),
    row("smartlists:detail", "POST", 405, 405, 405, 405, 405, kwargs={"pk": "{smartlist}"}),
    row("smartlists:edit", "GET", 404, 404, 200, 404, 302, kwargs={"pk": "{smartlist}"}),
    row("smartlists:edit", "POST", 404, 404, 302, 404, 302, kwargs={"pk": "{smartlist}"},
        data={"name": "Renamed", "shared": "on"}, writes=("rep",)),
    row("smartlists:delete", "GET", 405, 405, 405, 405, 405, kwargs={"pk": "{smartlist}"}),
    row("smartlists:delete", "POST", 404, 404, 302, 404, 302, kwargs={"pk": "{smartlist}"}, writes=("rep",)),
    row("smartlists:columns", "GET", 405, 405, 405, 405, 405, kwargs={"pk": "{smartlist}"}),
    row("smartlists:columns", "POST", 404, 404, 302, 404, 302, kwargs={"pk": "{smartlist}"},
        data={"add": "phone"}, writes=("rep",)),
    row("smartlists:save_filters", "GET", 405, 405, 405, 405, 405, kwargs={"pk": "{smartlist}"}),
    row("smartlists:save_filters", "POST", 404, 404, 302, 404, 302, kwargs={"pk": "{smartlist}"},
        data={"query": "kind=person"}, writes=("rep",)),
    row("smartlists:export", "GET", 200, 200, 200, 404, 302, kwargs={"pk": "{smartlist}"}),
    row("smartlists:export", "POST", 405, 405, 405, 405, 405, kwargs={"pk": "{smartlist}"}),
    row("smartlists:export_start", "GET", 405, 405, 405, 405, 405, kwargs={"pk": "{smartlist}"}),
    row("smartlists:export_start", "POST", 302, 302, 302, 404, 302, kwargs={"pk": "{smartlist}"},
        data={"query": ""}, writes=("admin", "manager", "rep")),
    row("smartlists:export_job", "GET", 404, 404, 200, 404, 302, kwargs={"pk": "{export}"}),
    row("smartlists:export_job", "POST", 405, 405, 405, 405, 405, kwargs={"pk": "{export}"}),
    row("smartlists:export_download", "GET", 404, 404, 200, 404, 302, kwargs={"pk": "{export}"}),
    row("smartlists:export_download", "POST", 405, 405, 405, 405, 405, kwargs={"pk": "{export}"}),
]

# Django's own admin generates its URLs per model; its index stands for them in the table above
# (it checks `is_staff` itself), and `set_language` is POST-only by design.
NOT_IN_MATRIX_PREFIXES = ("admin:",)


def _names(resolver, namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_url_pattern_has_a_row():
    covered = {param.values[0] for param in MATRIX}
    project_urls = {name for name in _names(get_resolver()) if not name.startswith(NOT_IN_MATRIX_PREFIXES)}
    assert project_urls - covered == set(), "add these URLs to MATRIX"


def _snapshot():
    """Row counts of every model: what a denied request must leave as it was."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def cast(admin_user, manager, rep, partner, contact):
    return {"admin": admin_user, "manager": manager, "rep": rep, "partner": partner, "anonymous": None}


@pytest.fixture
def subscription_period(contact):
    from subscriptions.models import Period

    return Period.objects.create(contact=contact, mrr="100.00", start_date="2026-01-01", end_date="2026-12-31", term_months=12)


@pytest.fixture
def objects(contact, rep, partner, subscription_period, settings, tmp_path):
    """What URL placeholders like "{contact}" stand for; apps add theirs here."""
    from smartlists.models import SmartList
    from smartlists.services import export_job_create, export_job_run
    from tests.renewals.factories import renewals_matrix_objects

    settings.MEDIA_ROOT = tmp_path
    smartlist = SmartList.objects.create(owner=rep, name="Team list", shared=True, columns=["name", "current_mrr"])
    export = export_job_create(smartlist=smartlist, by=rep, query="", sort="name", bom=False, total_rows=1)
    export_job_run(job_id=export.pk)
    return {
        "contact": contact,
        "rep": rep,
        "period": subscription_period,
        "smartlist": smartlist,
        "export": export,
        **renewals_matrix_objects(rep=rep, partner=partner),
    }


def _fill(value, placeholders):
    return value.format(**placeholders) if isinstance(value, str) else value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "kwargs", "data", "statuses", "writes", "features"), MATRIX)
def test_status_by_role(client, cast, objects, role, name, method, kwargs, data, statuses, writes, features):
    for feature in features:
        Feature.objects.update_or_create(name=feature, defaults={"is_active": True})
    placeholders = {key: getattr(value, "pk", value) for key, value in objects.items()}
    url = reverse(name, kwargs={key: _fill(value, placeholders) for key, value in kwargs.items()})
    if cast[role] is not None:
        client.force_login(cast[role])
    before = _snapshot()
    payload = {key: _fill(value, placeholders) for key, value in data.items()}
    response = client.get(url) if method == "GET" else client.post(url, payload)
    assert response.status_code == statuses[role], f"{method} {url} as {role}"
    if role not in writes:
        assert _snapshot() == before, f"{method} {url} as {role} wrote to the database"
