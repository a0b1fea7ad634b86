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

MATRIX = [
    #    url name               method  admin manager rep partner anon
    row("home", "GET", 302, 302, 302, 200, 302),
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
def objects(contact, rep, settings, tmp_path):
    """What URL placeholders like "{contact}" stand for; apps add theirs here."""
    from smartlists.models import SmartList
    from smartlists.services import export_job_create, export_job_run

    settings.MEDIA_ROOT = tmp_path
    smartlist = SmartList.objects.create(owner=rep, name="Team list", shared=True, columns=["name", "current_mrr"])
    export = export_job_create(smartlist=smartlist, by=rep, query="", sort="name", bom=False, total_rows=1)
    export_job_run(job_id=export.pk)
    return {"contact": contact, "rep": rep, "smartlist": smartlist, "export": export}


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
