"""Every URL pattern of the project x every role x GET and POST, with the exact expected status.

The roles: the admin, a manager, a rep of the manager's team, a rep of another team, a partner,
a partner of another organisation, an anonymous visitor and a deactivated user (an admin whose
account was switched off: their old session must count for nothing). "Our" objects belong to
the rep (and the partner's organisation); "their" objects to the other rep (and the other
partner's organisation).

A URL added without a row here, or with a row for only one of GET and POST, fails
`test_every_url_pattern_has_a_get_and_a_post_row`, so no page ships without someone writing down
who may see it. Denied requests must not write anything.

Speed: one test per row; the eight roles run inside it, each in a savepoint that is rolled back,
so every role meets the same data and the fixtures are built once per row, not once per role.
"""

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from crm.models import Feature, User
from tests.factories import UserFactory

ROLES = ("admin", "manager", "rep", "other_rep", "partner", "other_partner", "anonymous", "inactive")
VENDOR = ("admin", "manager", "rep")


def row(name, method, *statuses, kwargs=None, data=None, writes=(), features=()):
    """`statuses` in ROLES order; `data`: a POST's body, a GET's query string; `writes`: the roles
    whose request may change the database; `features`: switched on first."""
    expected = dict(zip(ROLES, statuses, strict=True))
    label = f"{method} {name}" + (f" {'/'.join(str(v) for v in (kwargs or {}).values())}" if kwargs else "")
    label += f" ?{'&'.join(f'{k}={v}' for k, v in data.items())}" if method == "GET" and data else ""
    label += f" [{'+'.join(features)}]" if features else ""
    return pytest.param(name, method, kwargs or {}, data or {}, expected, set(writes), set(features), id=label)


CONTACT_POST = {"kind": "person", "name": "Matrix Person", "owner": "{rep}"}
RENEWAL_COLUMNS = {"columns": ["customer", "communication_owner", "primary_contact", "type", "status", "deadline", "website"], "version": 0}
PARTNER_DEFAULTS = {"organisation": "{renewal_partner}", "default_communication_owner": "partner", "version": "1"}
SUBS = ("subscriptions",)
PERIOD_POST = {"currency": "EUR", "mrr": "120.00", "start_date": "2030-01-01", "end": "after", "term_months": "12",
               "version": "1"}
CONTACT = {"pk": "{contact}"}
PERIOD = {"pk": "{period}"}
RATE = {"pk": "{rate}"}
RATE_POST = {"currency": "USD", "rate": "0.95", "valid_from": "2026-02-01", "against": "EUR"}
OURS = {"pk": "{renewal_customer}"}
THEIRS = {"pk": "{renewal_other_customer}"}
OUR_CHANGE = {"pk": "{renewal_change}"}
THEIR_CHANGE = {"pk": "{renewal_other_change}"}
LIST = {"pk": "{smartlist}"}
EXPORT = {"pk": "{export}"}
BULK_JOB = {"pk": "{bulk_job}"}
BULK_POST = {"action": "tag_add", "tag": "matrix", "ids": "{contact}", "confirmed": "1", "query": ""}
IMPORT = {"pk": "{import}"}
API_TOKEN = {"pk": "{api_token}"}
ACTIONS = [
    ("renewals:change_primary_contact", {"primary_contact": ""}),
    ("renewals:change_communication_owner", {"owner": "partner"}),
    ("renewals:change_agreed", {}),
    ("renewals:change_cancellation", {}),
    ("renewals:change_take_back", {"fact": "agreed"}),
]

MATRIX = [
    # url name, method                     admin mgr  rep  o_rep prtnr o_prt anon inactive
    row("home", "GET",                      302, 302, 302, 302, 302, 302, 302, 302),
    row("home", "POST",                     405, 405, 405, 405, 405, 405, 405, 405),
    row("healthz", "GET",                   200, 200, 200, 200, 200, 200, 200, 200),
    row("healthz", "POST",                  405, 405, 405, 405, 405, 405, 405, 405),
    row("login", "GET",                     302, 302, 302, 302, 302, 302, 200, 200),
    row("login", "POST",                    302, 302, 302, 302, 302, 302, 200, 200),
    row("logout", "GET",                    405, 405, 405, 405, 405, 405, 405, 405),
    row("logout", "POST",                   302, 302, 302, 302, 302, 302, 302, 302, writes=ROLES),
    row("set_language", "GET",              302, 302, 302, 302, 302, 302, 302, 302),
    row("set_language", "POST",             302, 302, 302, 302, 302, 302, 302, 302,
        data={"language": "it", "next": "/"}, writes=ROLES),
    row("contact_list", "GET",              200, 200, 200, 200, 404, 404, 302, 302),
    row("contact_list", "POST",             405, 405, 405, 405, 405, 405, 405, 405),
    row("contact_create", "GET",            200, 200, 200, 200, 404, 404, 302, 302),
    # the other rep may not make our rep the owner: the form refuses the choice
    row("contact_create", "POST",           302, 302, 302, 422, 404, 404, 302, 302, data=CONTACT_POST, writes=VENDOR),
    # bulk actions: "{contact}" is the rep's; the other rep's forged id selects nothing and writes nothing
    row("contact_bulk", "GET",              405, 405, 405, 405, 405, 405, 405, 405),
    row("contact_bulk", "POST",             302, 302, 302, 302, 404, 404, 302, 302, data=BULK_POST, writes=VENDOR),
    # the owner choice of the bulk bar (htmx): each role's own assignable people (tests/crm/test_bulk_owner_choice.py);
    # opened on its own, it leads to the contact list
    row("bulk_owner_choices", "GET",     302, 302, 302, 302, 404, 404, 302, 302),
    row("bulk_owner_choices", "POST",    405, 405, 405, 405, 405, 405, 405, 405),
    # the contact form's searched choices (htmx): each role's own assignable people and visible organisations
    # (tests/crm/test_contact_choices.py); opened on its own, it leads to a new contact's form
    row("contact_owner_choices", "GET",     302, 302, 302, 302, 404, 404, 302, 302),
    row("contact_owner_choices", "POST",    405, 405, 405, 405, 405, 405, 405, 405),
    row("contact_organisation_choices", "GET", 302, 302, 302, 302, 404, 404, 302, 302),
    row("contact_organisation_choices", "POST", 405, 405, 405, 405, 405, 405, 405, 405),
    row("bulk_job", "GET",                  404, 404, 200, 404, 404, 404, 302, 302, kwargs=BULK_JOB),
    row("bulk_job", "POST",                 405, 405, 405, 405, 405, 405, 405, 405, kwargs=BULK_JOB),
    # only the job's owner may stop it (a waiting job: cancelled at once)
    row("bulk_job_cancel", "GET",           405, 405, 405, 405, 405, 405, 405, 405, kwargs=BULK_JOB),
    row("bulk_job_cancel", "POST",          404, 404, 302, 404, 404, 404, 302, 302, kwargs=BULK_JOB, writes=("rep",)),
    row("contact_detail", "GET",            200, 200, 200, 404, 404, 404, 302, 302, kwargs=CONTACT),
    row("contact_detail", "POST",           405, 405, 405, 405, 405, 405, 405, 405, kwargs=CONTACT),
    row("contact_edit", "GET",              200, 200, 200, 404, 404, 404, 302, 302, kwargs=CONTACT),
    row("contact_edit", "POST",             302, 302, 302, 404, 404, 404, 302, 302, kwargs=CONTACT,
        data={**CONTACT_POST, "version": 1}, writes=VENDOR),
    row("settings_index", "GET",            200, 404, 404, 404, 404, 404, 302, 302),
    row("settings_index", "POST",           405, 405, 405, 405, 405, 405, 405, 405),
    row("customize_feature", "GET",         200, 404, 404, 404, 404, 404, 302, 302, kwargs={"name": "subscriptions"}),
    row("customize_feature", "POST",        302, 404, 404, 404, 404, 404, 302, 302, kwargs={"name": "subscriptions"},
        data={"active": "1"}, writes=("admin",)),
    row("admin:index", "GET",               200, 302, 302, 302, 302, 302, 302, 302),
    row("admin:index", "POST",              200, 302, 302, 302, 302, 302, 302, 302),
    # subscriptions, switched on: the contact's visibility decides
    # A report stores the pipeline it computed for the owners it shows (`subscriptions.pipeline_store`).
    row("subscriptions:pipeline", "GET",    200, 200, 200, 200, 404, 404, 302, 302, features=SUBS,
        writes=("admin", "manager", "rep", "other_rep")),
    row("subscriptions:pipeline", "POST",   405, 405, 405, 405, 405, 405, 405, 405, features=SUBS),
    # So does the MRR movements report, its page and its CSV (`subscriptions.movements_store`).
    row("subscriptions:movements", "GET",   200, 200, 200, 200, 404, 404, 302, 302, features=SUBS,
        writes=("admin", "manager", "rep", "other_rep")),
    row("subscriptions:movements", "POST",  405, 405, 405, 405, 405, 405, 405, 405, features=SUBS),
    row("subscriptions:movements_csv", "GET", 200, 200, 200, 200, 404, 404, 302, 302, features=SUBS,
        writes=("admin", "manager", "rep", "other_rep")),
    row("subscriptions:movements_csv", "POST", 405, 405, 405, 405, 405, 405, 405, 405, features=SUBS),
    # a rep names only themselves: anyone else is a 400, never a wider report
    row("subscriptions:movements", "GET",   200, 200, 400, 400, 404, 404, 302, 302, features=SUBS,
        data={"owner": "manager"}, writes=("admin", "manager")),
    row("subscriptions:contact", "GET",     200, 200, 200, 404, 404, 404, 302, 302, kwargs=CONTACT, features=SUBS),
    row("subscriptions:contact", "POST",    405, 405, 405, 405, 405, 405, 405, 405, kwargs=CONTACT, features=SUBS),
    row("subscriptions:history", "GET",     200, 200, 200, 404, 404, 404, 302, 302, kwargs=CONTACT, features=SUBS),
    row("subscriptions:history", "POST",    405, 405, 405, 405, 405, 405, 405, 405, kwargs=CONTACT, features=SUBS),
    row("subscriptions:period_create", "GET", 200, 200, 200, 404, 404, 404, 302, 302, kwargs=CONTACT, features=SUBS),
    row("subscriptions:period_create", "POST", 302, 302, 302, 404, 404, 404, 302, 302, kwargs=CONTACT, features=SUBS,
        data=PERIOD_POST, writes=VENDOR),
    row("subscriptions:period_change", "GET", 200, 200, 200, 404, 404, 404, 302, 302, kwargs=CONTACT, features=SUBS),
    # "change" follows the contact's last period as it was read: its id and version
    row("subscriptions:period_change", "POST", 302, 302, 302, 404, 404, 404, 302, 302, kwargs=CONTACT, features=SUBS,
        data={**PERIOD_POST, "last_period": "{period}"}, writes=VENDOR),
    # the period form's live parts: no `part` asked for is a 400 (tests/subscriptions test the parts)
    row("subscriptions:period_form_part", "GET", 400, 400, 400, 404, 404, 404, 302, 302, kwargs=CONTACT, features=SUBS),
    row("subscriptions:period_form_part", "POST", 405, 405, 405, 405, 405, 405, 405, 405, kwargs=CONTACT, features=SUBS),
    row("subscriptions:period_edit", "GET", 200, 200, 200, 404, 404, 404, 302, 302, kwargs=PERIOD, features=SUBS),
    row("subscriptions:period_edit", "POST", 302, 302, 302, 404, 404, 404, 302, 302, kwargs=PERIOD, features=SUBS,
        data=PERIOD_POST, writes=VENDOR),
    row("subscriptions:period_delete", "GET", 200, 200, 200, 404, 404, 404, 302, 302, kwargs=PERIOD, features=SUBS),
    row("subscriptions:period_delete", "POST", 302, 302, 302, 404, 404, 404, 302, 302, kwargs=PERIOD, features=SUBS,
        data={"version": "1"}, writes=VENDOR),
    # the reporting currency and the exchange rates: admins only ("{rate}" is a USD rate into EUR)
    row("subscriptions:rates", "GET",       200, 404, 404, 404, 404, 404, 302, 302, features=SUBS),
    row("subscriptions:rates", "POST",      405, 405, 405, 405, 405, 405, 405, 405, features=SUBS),
    row("subscriptions:rate_history", "GET", 200, 404, 404, 404, 404, 404, 302, 302, features=SUBS),
    row("subscriptions:rate_history", "POST", 405, 405, 405, 405, 405, 405, 405, 405, features=SUBS),
    row("subscriptions:reporting_currency", "GET", 200, 404, 404, 404, 404, 404, 302, 302, features=SUBS),
    row("subscriptions:reporting_currency", "POST", 302, 404, 404, 404, 404, 404, 302, 302, features=SUBS,
        data={"code": "USD", "version": "1"}, writes=("admin",)),
    row("subscriptions:rate_create", "GET", 200, 404, 404, 404, 404, 404, 302, 302, features=SUBS),
    row("subscriptions:rate_create", "POST", 302, 404, 404, 404, 404, 404, 302, 302, features=SUBS,
        data=RATE_POST, writes=("admin",)),
    row("subscriptions:rate_edit", "GET",   200, 404, 404, 404, 404, 404, 302, 302, kwargs=RATE, features=SUBS),
    row("subscriptions:rate_edit", "POST",  302, 404, 404, 404, 404, 404, 302, 302, kwargs=RATE, features=SUBS,
        data={**RATE_POST, "version": "1"}, writes=("admin",)),
    row("subscriptions:rate_delete", "GET", 200, 404, 404, 404, 404, 404, 302, 302, kwargs=RATE, features=SUBS),
    row("subscriptions:rate_delete", "POST", 302, 404, 404, 404, 404, 404, 302, 302, kwargs=RATE, features=SUBS,
        data={"version": "1"}, writes=("admin",)),
    # subscriptions, switched off: no URL exists, for anyone, whatever the method
    row("subscriptions:pipeline", "GET",    404, 404, 404, 404, 404, 404, 404, 404),
    row("subscriptions:pipeline", "POST",   404, 404, 404, 404, 404, 404, 404, 404),
    row("subscriptions:movements", "GET",   404, 404, 404, 404, 404, 404, 404, 404),
    row("subscriptions:movements", "POST",  404, 404, 404, 404, 404, 404, 404, 404),
    row("subscriptions:movements_csv", "GET", 404, 404, 404, 404, 404, 404, 404, 404),
    row("subscriptions:movements_csv", "POST", 404, 404, 404, 404, 404, 404, 404, 404),
    row("subscriptions:contact", "GET",     404, 404, 404, 404, 404, 404, 404, 404, kwargs=CONTACT),
    row("subscriptions:contact", "POST",    404, 404, 404, 404, 404, 404, 404, 404, kwargs=CONTACT),
    row("subscriptions:history", "GET",     404, 404, 404, 404, 404, 404, 404, 404, kwargs=CONTACT),
    row("subscriptions:history", "POST",    404, 404, 404, 404, 404, 404, 404, 404, kwargs=CONTACT),
    row("subscriptions:period_create", "GET", 404, 404, 404, 404, 404, 404, 404, 404, kwargs=CONTACT),
    row("subscriptions:period_create", "POST", 404, 404, 404, 404, 404, 404, 404, 404, kwargs=CONTACT, data=PERIOD_POST),
    row("subscriptions:period_change", "GET", 404, 404, 404, 404, 404, 404, 404, 404, kwargs=CONTACT),
    row("subscriptions:period_change", "POST", 404, 404, 404, 404, 404, 404, 404, 404, kwargs=CONTACT, data=PERIOD_POST),
    row("subscriptions:period_form_part", "GET", 404, 404, 404, 404, 404, 404, 404, 404, kwargs=CONTACT),
    row("subscriptions:period_form_part", "POST", 404, 404, 404, 404, 404, 404, 404, 404, kwargs=CONTACT),
    row("subscriptions:period_edit", "GET", 404, 404, 404, 404, 404, 404, 404, 404, kwargs=PERIOD),
    row("subscriptions:period_edit", "POST", 404, 404, 404, 404, 404, 404, 404, 404, kwargs=PERIOD, data=PERIOD_POST),
    row("subscriptions:period_delete", "GET", 404, 404, 404, 404, 404, 404, 404, 404, kwargs=PERIOD),
    row("subscriptions:period_delete", "POST", 404, 404, 404, 404, 404, 404, 404, 404, kwargs=PERIOD,
        data={"version": "1"}),
    *[
        r
        for name, kwargs, data in (
            ("subscriptions:rates", None, None), ("subscriptions:rate_history", None, None),
            ("subscriptions:reporting_currency", None, {"code": "USD", "version": "1"}),
            ("subscriptions:rate_create", None, RATE_POST), ("subscriptions:rate_edit", RATE, {**RATE_POST, "version": "1"}),
            ("subscriptions:rate_delete", RATE, {"version": "1"}),
        )
        for r in (
            row(name, "GET",                404, 404, 404, 404, 404, 404, 404, 404, kwargs=kwargs),
            row(name, "POST",               404, 404, 404, 404, 404, 404, 404, 404, kwargs=kwargs, data=data),
        )
    ],
    # renewals: a partner's dashboard is their own; an admin chooses a partner's to read (`?partner=`: its
    # rows without their menus, the columns picker refused); a customer page is open to its partner and its
    # vendor staff, who act on its contract changes there as the partner does
    row("renewals:dashboard", "GET",        200, 404, 404, 404, 200, 200, 302, 302),
    row("renewals:dashboard", "GET",        200, 404, 404, 404, 200, 404, 302, 302,
        data={"partner": "{renewal_partner}"}),
    row("renewals:dashboard", "GET",        200, 404, 404, 404, 404, 200, 302, 302,
        data={"partner": "{renewal_other_partner}"}),
    row("renewals:dashboard", "GET",        404, 404, 404, 404, 404, 404, 302, 302, data={"partner": "0"}),
    row("renewals:dashboard", "POST",       405, 405, 405, 405, 405, 405, 405, 405),
    row("renewals:columns", "GET",          405, 405, 405, 405, 405, 405, 405, 405),
    row("renewals:columns", "POST",         404, 404, 404, 404, 302, 302, 302, 302, data=RENEWAL_COLUMNS,
        writes=("partner", "other_partner")),
    # a partner's settings: of their own organisations only (another's, posted: 404)
    row("renewals:settings", "GET",         404, 404, 404, 404, 200, 200, 302, 302),
    row("renewals:settings", "POST",        404, 404, 404, 404, 302, 404, 302, 302, data=PARTNER_DEFAULTS,
        writes=("partner",)),
    row("renewals:customer", "GET",         200, 200, 200, 404, 200, 404, 302, 302, kwargs=OURS),
    row("renewals:customer", "POST",        405, 405, 405, 405, 405, 405, 405, 405, kwargs=OURS),
    row("renewals:customer", "GET",         200, 404, 404, 200, 404, 200, 302, 302, kwargs=THEIRS),
    row("renewals:customer", "POST",        405, 405, 405, 405, 405, 405, 405, 405, kwargs=THEIRS),
    row("renewals:end_association", "GET", 200, 200, 200, 404, 200, 404, 302, 302, kwargs=OURS),
    row("renewals:end_association", "POST", 302, 302, 302, 404, 302, 404, 302, 302, kwargs=OURS,
        writes=(*VENDOR, "partner")),
    row("renewals:end_association", "GET", 200, 404, 404, 200, 404, 200, 302, 302, kwargs=THEIRS),
    row("renewals:end_association", "POST", 302, 404, 404, 302, 404, 302, 302, 302, kwargs=THEIRS,
        writes=("admin", "other_rep", "other_partner")),
    row("renewals:change_menu", "GET",      200, 200, 200, 404, 200, 404, 302, 302, kwargs=OUR_CHANGE),
    row("renewals:change_menu", "POST",     405, 405, 405, 405, 405, 405, 405, 405, kwargs=OUR_CHANGE),
    row("renewals:change_menu", "GET",      200, 404, 404, 200, 404, 200, 302, 302, kwargs=THEIR_CHANGE),
    *[
        r
        for name, extra in ACTIONS
        for r in (
            row(name, "GET",                405, 405, 405, 405, 405, 405, 405, 405, kwargs=OUR_CHANGE),
            row(name, "POST",               302, 302, 302, 404, 302, 404, 302, 302, kwargs=OUR_CHANGE,
                data={"version": "1", "layout": "customer", **extra}, writes=(*VENDOR, "partner")),
            row(name, "POST",               302, 404, 404, 302, 404, 302, 302, 302, kwargs=THEIR_CHANGE,
                data={"version": "1", "layout": "customer", **extra}, writes=("admin", "other_rep", "other_partner")),
        )
    ],
    # smart lists: "{smartlist}" is the rep's list, shared with the team; "{export}" the rep's finished export
    row("smartlists:index", "GET",          200, 200, 200, 200, 404, 404, 302, 302),
    row("smartlists:index", "POST",         405, 405, 405, 405, 405, 405, 405, 405),
    row("smartlists:create", "GET",         200, 200, 200, 200, 404, 404, 302, 302),
    row("smartlists:create", "POST",        302, 302, 302, 302, 404, 404, 302, 302, data={"name": "Matrix list"},
        writes=(*VENDOR, "other_rep")),
    row("smartlists:ready_made", "GET",     405, 405, 405, 405, 405, 405, 405, 405, features=SUBS),
    row("smartlists:ready_made", "POST",    302, 302, 302, 302, 404, 404, 302, 302, features=SUBS,
        writes=(*VENDOR, "other_rep")),
    row("smartlists:ready_made", "POST",    404, 404, 404, 404, 404, 404, 302, 302),
    # a pipeline figure's link: the person's pipeline list, made the first time
    row("smartlists:pipeline", "GET",       302, 302, 302, 302, 404, 404, 302, 302, features=SUBS,
        writes=(*VENDOR, "other_rep")),
    row("smartlists:pipeline", "GET",       404, 404, 404, 404, 404, 404, 302, 302),
    row("smartlists:pipeline", "POST",      405, 405, 405, 405, 405, 405, 405, 405, features=SUBS),
    # a movements figure's link: the person's movements list, made the first time
    row("smartlists:movements", "GET",      302, 302, 302, 302, 404, 404, 302, 302, features=SUBS,
        writes=(*VENDOR, "other_rep")),
    row("smartlists:movements", "GET",      404, 404, 404, 404, 404, 404, 302, 302),
    row("smartlists:movements", "POST",     405, 405, 405, 405, 405, 405, 405, 405, features=SUBS),
    row("smartlists:detail", "GET",         200, 200, 200, 404, 404, 404, 302, 302, kwargs=LIST),
    row("smartlists:detail", "POST",        405, 405, 405, 405, 405, 405, 405, 405, kwargs=LIST),
    row("smartlists:edit", "GET",           404, 404, 200, 404, 404, 404, 302, 302, kwargs=LIST),
    row("smartlists:edit", "POST",          404, 404, 302, 404, 404, 404, 302, 302, kwargs=LIST,
        data={"name": "Renamed", "shared": "on", "version": 1}, writes=("rep",)),
    row("smartlists:delete", "GET",         404, 404, 200, 404, 404, 404, 302, 302, kwargs=LIST),
    row("smartlists:delete", "POST",        404, 404, 302, 404, 404, 404, 302, 302, kwargs=LIST, writes=("rep",)),
    row("smartlists:columns", "GET",        405, 405, 405, 405, 405, 405, 405, 405, kwargs=LIST),
    row("smartlists:columns", "POST",       404, 404, 302, 404, 404, 404, 302, 302, kwargs=LIST,
        data={"add": "phone", "version": 1}, writes=("rep",)),
    row("smartlists:save_filters", "GET",   405, 405, 405, 405, 405, 405, 405, 405, kwargs=LIST),
    row("smartlists:save_filters", "POST",  404, 404, 302, 404, 404, 404, 302, 302, kwargs=LIST,
        data={"query": "kind=person", "version": 1}, writes=("rep",)),
    row("smartlists:bulk", "GET",           405, 405, 405, 405, 405, 405, 405, 405, kwargs=LIST),
    row("smartlists:bulk", "POST",          302, 302, 302, 404, 404, 404, 302, 302, kwargs=LIST,
        data={"action": "tag_add", "tag": "matrix", "all_matching": "1", "confirmed": "1", "query": ""}, writes=VENDOR),
    row("smartlists:export", "GET",         200, 200, 200, 404, 404, 404, 302, 302, kwargs=LIST),
    row("smartlists:export", "POST",        405, 405, 405, 405, 405, 405, 405, 405, kwargs=LIST),
    row("smartlists:export_start", "GET",   405, 405, 405, 405, 405, 405, 405, 405, kwargs=LIST),
    row("smartlists:export_start", "POST",  302, 302, 302, 404, 404, 404, 302, 302, kwargs=LIST,
        data={"query": ""}, writes=VENDOR),
    row("smartlists:export_job", "GET",     404, 404, 200, 404, 404, 404, 302, 302, kwargs=EXPORT),
    row("smartlists:export_job", "POST",    405, 405, 405, 405, 405, 405, 405, 405, kwargs=EXPORT),
    row("smartlists:export_download", "GET", 404, 404, 200, 404, 404, 404, 302, 302, kwargs=EXPORT),
    row("smartlists:export_download", "POST", 405, 405, 405, 405, 405, 405, 405, 405, kwargs=EXPORT),
    # imports: vendor staff import; an import is its uploader's alone. "{import}" is the rep's, checked.
    row("imports:index", "GET",             200, 200, 200, 200, 404, 404, 302, 302),
    # no file: the form refuses it, nothing is stored
    row("imports:index", "POST",            422, 422, 422, 422, 404, 404, 302, 302),
    row("imports:detail", "GET",            404, 404, 200, 404, 404, 404, 302, 302, kwargs=IMPORT),
    row("imports:detail", "POST",           405, 405, 405, 405, 405, 405, 405, 405, kwargs=IMPORT),
    row("imports:mapping", "GET",           404, 404, 200, 404, 404, 404, 302, 302, kwargs=IMPORT),
    row("imports:mapping", "POST",          404, 404, 302, 404, 404, 404, 302, 302, kwargs=IMPORT,
        data={"column_0": "name", "version": "1"}, writes=("rep",)),
    row("imports:run", "GET",               405, 405, 405, 405, 405, 405, 405, 405, kwargs=IMPORT),
    row("imports:run", "POST",              404, 404, 302, 404, 404, 404, 302, 302, kwargs=IMPORT,
        data={"mode": "all", "version": "1"}, writes=("rep",)),
    row("imports:cancel", "GET",            405, 405, 405, 405, 405, 405, 405, 405, kwargs=IMPORT),
    row("imports:cancel", "POST",           404, 404, 302, 404, 404, 404, 302, 302, kwargs=IMPORT, writes=("rep",)),
    row("imports:rejected", "GET",          404, 404, 200, 404, 404, 404, 302, 302, kwargs=IMPORT),
    row("imports:rejected", "POST",         405, 405, 405, 405, 405, 405, 405, 405, kwargs=IMPORT),
    # API tokens: everyone signed in keeps their own; "{api_token}" is the rep's (another's: 404)
    row("api_tokens", "GET",                200, 200, 200, 200, 200, 200, 302, 302),
    row("api_tokens", "POST",               200, 200, 200, 200, 200, 200, 302, 302,
        data={"name": "Matrix token", "scope": "read"}, writes=ROLES[:6]),
    row("api_token_revoke", "GET",          405, 405, 405, 405, 405, 405, 405, 405, kwargs=API_TOKEN),
    row("api_token_revoke", "POST",         404, 404, 302, 404, 404, 404, 302, 302, kwargs=API_TOKEN, writes=("rep",)),
    # the API's reference is public, as its schema is (the data behind it needs a token: API_MATRIX)
    row("api_docs", "GET",                  200, 200, 200, 200, 200, 200, 200, 200),
    row("api_docs", "POST",                 405, 405, 405, 405, 405, 405, 405, 405),
]

# Django's own admin generates its URLs per model; its index stands for them in the table above
# (it checks `is_staff` itself). The API's URLs answer tokens, not sessions: API_MATRIX below.
NOT_IN_MATRIX_PREFIXES = ("admin:", "api:")


def _names(resolver, namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_url_pattern_has_a_get_and_a_post_row():
    project_urls = {name for name in _names(get_resolver()) if not name.startswith(NOT_IN_MATRIX_PREFIXES)}
    for method in ("GET", "POST"):
        covered = {param.values[0] for param in MATRIX if param.values[1] == method}
        assert project_urls - covered == set(), f"add {method} rows for these URLs to MATRIX"


def test_the_matrix_has_hundreds_of_cases():
    assert len(MATRIX) * len(ROLES) >= 600


def _snapshot():
    """Row counts of every table, in one query: what a denied request must leave as it was."""
    tables = sorted({model._meta.db_table for model in apps.get_models()})
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in tables))
        return dict(zip(tables, cursor.fetchone(), strict=True))


@pytest.fixture
def cast(admin_user, manager, rep, outsider, partner):
    other_partner = UserFactory(username="other_partner", role=User.Role.PARTNER)
    inactive = UserFactory(username="gone", role=User.Role.ADMIN, is_staff=True, is_superuser=True, is_active=False)
    return {
        "admin": admin_user, "manager": manager, "rep": rep, "other_rep": outsider, "partner": partner,
        "other_partner": other_partner, "anonymous": None, "inactive": inactive,
    }


@pytest.fixture
def objects(cast, contact, settings, tmp_path):
    """What URL placeholders like "{contact}" stand for; apps add theirs here."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from crm.models import BulkJob
    from imports.services import import_check, import_create
    from smartlists.models import SmartList
    from smartlists.services import export_job_create, export_job_run
    from subscriptions.models import ExchangeRate, Period
    from tests.renewals.factories import renewals_matrix_objects

    settings.MEDIA_ROOT = tmp_path
    smartlist = SmartList.objects.create(owner=cast["rep"], name="Team list", shared=True, columns=["name", "current_mrr"])
    export = export_job_create(smartlist=smartlist, by=cast["rep"], query="", sort="name", bom=False, total_rows=1)
    export_job_run(job_id=export.pk)

    from api.tokens import token_create

    api_token, _plain = token_create(user=cast["rep"], name="Matrix", scope="read")
    bulk_job = BulkJob.objects.create(owner=cast["rep"], action="tag_add", tag="x", source="contacts", all_matching=True)
    period = Period.objects.create(contact=contact, mrr="100.00", start_date="2026-01-01", end_date="2026-12-31",
                                   term_months=12)
    return {
        "contact": contact,
        "rep": cast["rep"],
        "period": period,
        "rate": ExchangeRate.objects.create(reporting_currency="EUR", currency="USD", rate="0.9", valid_from="2026-01-01"),
        "smartlist": smartlist,
        "export": export,
        "bulk_job": bulk_job,
        "api_token": api_token,
        "import": import_check(imp=import_create(
            by=cast["rep"], kind="contacts", upload=SimpleUploadedFile("matrix.csv", b"name\nMatrix Import\n"))),
        **renewals_matrix_objects(rep=cast["rep"], partner=cast["partner"], other_rep=cast["other_rep"],
                                  other_partner=cast["other_partner"]),
    }


def _fill(value, placeholders):
    return value.format(**placeholders) if isinstance(value, str) else value


@pytest.mark.parametrize(("name", "method", "kwargs", "data", "expected", "writes", "features"), MATRIX)
def test_status_by_role(cast, objects, name, method, kwargs, data, expected, writes, features):
    for feature in features:
        Feature.objects.update_or_create(name=feature, defaults={"is_active": True})
    placeholders = {key: getattr(value, "pk", value) for key, value in objects.items()}
    url = reverse(name, kwargs={key: _fill(value, placeholders) for key, value in kwargs.items()})
    payload = {key: _fill(value, placeholders) for key, value in data.items()}
    actual, wrote = {}, []
    for role in ROLES:
        with transaction.atomic():  # every role meets the same data
            client = Client()
            if cast[role] is not None:
                client.force_login(cast[role])
            before = _snapshot()
            response = client.get(url, payload) if method == "GET" else client.post(url, payload)
            actual[role] = response.status_code
            if role not in writes and _snapshot() != before:
                wrote.append(role)
            transaction.set_rollback(True)
    assert actual == expected, f"{method} {url}"
    assert wrote == [], f"{method} {url}: denied roles wrote to the database"


# The REST API, by token: every URL of the API x every role x every method, with a read token and a
# read-and-write one. "anonymous" sends no token; "inactive" the token of a deactivated person.
# Scope comes before everything but the method: a read token writing is a 403 wherever it writes.
API_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
STAFF_WRITES = ("admin", "manager", "rep")


def api_row(name, method, read, write, *, kwargs=None, data=None, headers=None, writes=(), stores=(), off=()):
    """`read` and `write`: the statuses in ROLES order for a read token and for a read-and-write one;
    `writes`: the roles whose write token may change the database; `stores`: those whose request
    with either token may (a report that stores what it computed); `off`: features switched off."""
    expected = {"read": dict(zip(ROLES, read, strict=True)), "write": dict(zip(ROLES, write, strict=True))}
    label = f"{method} {name}" + (f" {'/'.join(str(v) for v in (kwargs or {}).values())}" if kwargs else "")
    label += f" ?{'&'.join(f'{k}={v}' for k, v in data.items())}" if method == "GET" and data else ""
    label += f" [{'+'.join(off)} off]" if off else ""
    allowed = {"read": set(stores), "write": set(writes) | set(stores)}
    return pytest.param(name, method, kwargs or {}, data, headers or {}, expected, allowed, set(off), id=label)


ALL_405 = (405,) * 8
ALL_404 = (404,) * 8
ALL_200 = (200,) * 8
READ_ONLY_403 = (403, 403, 403, 403, 403, 403, 401, 401)
API_CONTACT = {"contact_id": "{contact}"}
API_PERIOD = {"period_id": "{period}"}
API_LIST = {"smartlist_id": "{smartlist}"}
API_OUR_CHANGE = {"change_id": "{renewal_change}"}
API_THEIR_CHANGE = {"change_id": "{renewal_other_change}"}
IF_MATCH = {"If-Match": '"1"'}
PERIOD_BODY = {"mrr": "120.00", "start_date": "2030-01-01"}
# statuses in ROLES order: admin mgr rep o_rep prtnr o_prt anon inactive
VISIBLE = (200, 200, 200, 404, 404, 404, 401, 401)  # the rep's object: the rep, their manager, an admin
NOT_THERE = (404, 404, 404, 404, 404, 404, 401, 401)
STAFF_200 = (200, 200, 200, 200, 404, 404, 401, 401)
RENEWALS = (400, 404, 404, 404, 200, 200, 401, 401)
OUR_RENEWALS = (200, 404, 404, 404, 200, 404, 401, 401)
OUR_CHANGE_ROLES = (200, 200, 200, 404, 200, 404, 401, 401)
THEIR_CHANGE_ROLES = (200, 404, 404, 200, 404, 200, 401, 401)
API_ACTIONS = [  # (url name, the methods it takes, a body)
    ("api:renewal_agreed", ("POST", "DELETE"), {"version": 1}),
    ("api:renewal_cancellation", ("POST", "DELETE"), {"version": 1}),
    ("api:renewal_communication_owner", ("POST",), {"owner": "partner", "version": 1}),
    ("api:renewal_primary_contact", ("POST",), {"primary_contact": None, "version": 1}),
]
API_MATRIX = [
    # url name, method            read token: admin mgr rep o_rep prtnr o_prt anon inactive / write token
    api_row("api:contacts", "GET",    (200, 200, 200, 200, 404, 404, 401, 401), (200, 200, 200, 200, 404, 404, 401, 401)),
    api_row("api:contacts", "POST",   READ_ONLY_403, (201, 201, 201, 201, 404, 404, 401, 401),
            data={"name": "Matrix API"}, writes=(*STAFF_WRITES, "other_rep")),
    api_row("api:contacts", "PUT",    ALL_405, ALL_405, data={}),
    api_row("api:contacts", "PATCH",  ALL_405, ALL_405, data={}),
    api_row("api:contacts", "DELETE", ALL_405, ALL_405),
    api_row("api:contact", "GET",     (200, 200, 200, 404, 404, 404, 401, 401), (200, 200, 200, 404, 404, 404, 401, 401),
            kwargs=API_CONTACT),
    api_row("api:contact", "POST",    ALL_405, ALL_405, kwargs=API_CONTACT, data={}),
    api_row("api:contact", "PUT",     READ_ONLY_403, (200, 200, 200, 404, 404, 404, 401, 401), kwargs=API_CONTACT,
            data={"kind": "person", "name": "Matrix Put", "owner": "{rep}", "version": 1}, writes=STAFF_WRITES),
    api_row("api:contact", "PATCH",   READ_ONLY_403, (200, 200, 200, 404, 404, 404, 401, 401), kwargs=API_CONTACT,
            data={"name": "Matrix Patch"}, headers=IF_MATCH, writes=STAFF_WRITES),
    api_row("api:contact", "DELETE",  READ_ONLY_403, (204, 204, 204, 404, 404, 404, 401, 401), kwargs=API_CONTACT,
            headers=IF_MATCH, writes=STAFF_WRITES),
    # a contact's subscription, while Subscriptions is on: the contact's visibility decides
    api_row("api:contact_periods", "GET", VISIBLE, VISIBLE, kwargs=API_CONTACT),
    api_row("api:contact_periods", "POST", READ_ONLY_403, (201, 201, 201, 404, 404, 404, 401, 401), kwargs=API_CONTACT,
            data=PERIOD_BODY, writes=STAFF_WRITES),
    *(api_row("api:contact_periods", method, ALL_405, ALL_405, kwargs=API_CONTACT, data={})
      for method in ("PUT", "PATCH", "DELETE")),
    api_row("api:period", "GET", VISIBLE, VISIBLE, kwargs=API_PERIOD),
    api_row("api:period", "POST", ALL_405, ALL_405, kwargs=API_PERIOD, data={}),
    api_row("api:period", "PUT", READ_ONLY_403, VISIBLE, kwargs=API_PERIOD,
            data={**PERIOD_BODY, "currency": "EUR", "start_date": "2026-01-01", "term_months": 12, "version": 1},
            writes=STAFF_WRITES),
    api_row("api:period", "PATCH", READ_ONLY_403, VISIBLE, kwargs=API_PERIOD, data={"mrr": "110.00"},
            headers=IF_MATCH, writes=STAFF_WRITES),
    api_row("api:period", "DELETE", READ_ONLY_403, (204, 204, 204, 404, 404, 404, 401, 401), kwargs=API_PERIOD,
            headers=IF_MATCH, writes=STAFF_WRITES),
    api_row("api:contact_subscription", "GET", VISIBLE, VISIBLE, kwargs=API_CONTACT),
    *(api_row("api:contact_subscription", method, ALL_405, ALL_405, kwargs=API_CONTACT, data={})
      for method in API_METHODS[1:]),
    # switched off, none of it is there (a read token writing is refused first, as anywhere)
    api_row("api:contact_periods", "GET", NOT_THERE, NOT_THERE, kwargs=API_CONTACT, off=SUBS),
    api_row("api:contact_periods", "POST", READ_ONLY_403, NOT_THERE, kwargs=API_CONTACT, data=PERIOD_BODY, off=SUBS),
    api_row("api:period", "GET", NOT_THERE, NOT_THERE, kwargs=API_PERIOD, off=SUBS),
    api_row("api:period", "PATCH", READ_ONLY_403, NOT_THERE, kwargs=API_PERIOD, data={"mrr": "110.00"},
            headers=IF_MATCH, off=SUBS),
    api_row("api:period", "DELETE", READ_ONLY_403, NOT_THERE, kwargs=API_PERIOD, headers=IF_MATCH, off=SUBS),
    api_row("api:contact_subscription", "GET", NOT_THERE, NOT_THERE, kwargs=API_CONTACT, off=SUBS),
    # the pipeline: vendor staff's own owners; the report stores what it computed (either token)
    api_row("api:pipeline", "GET", STAFF_200, STAFF_200, stores=(*STAFF_WRITES, "other_rep")),
    api_row("api:pipeline", "GET", NOT_THERE, NOT_THERE, off=SUBS),
    *(api_row("api:pipeline", method, ALL_405, ALL_405, data={}) for method in API_METHODS[1:]),
    # smart lists: "{smartlist}" is the rep's list, shared with the team
    api_row("api:smartlists", "GET", STAFF_200, STAFF_200),
    *(api_row("api:smartlists", method, ALL_405, ALL_405, data={}) for method in API_METHODS[1:]),
    api_row("api:smartlist_rows", "GET", VISIBLE, VISIBLE, kwargs=API_LIST),
    *(api_row("api:smartlist_rows", method, ALL_405, ALL_405, kwargs=API_LIST, data={}) for method in API_METHODS[1:]),
    # renewals: a partner's own dashboard; an admin names the partner (without one: 400), as on the page
    api_row("api:renewals", "GET", RENEWALS, RENEWALS),
    api_row("api:renewals", "GET", OUR_RENEWALS, OUR_RENEWALS, data={"partner": "{renewal_partner}"}),
    *(api_row("api:renewals", method, ALL_405, ALL_405, data={}) for method in API_METHODS[1:]),
    # a contract change and its row actions: whoever may act on it from its row (the customer page's gate)
    api_row("api:renewal", "GET", OUR_CHANGE_ROLES, OUR_CHANGE_ROLES, kwargs=API_OUR_CHANGE),
    api_row("api:renewal", "GET", THEIR_CHANGE_ROLES, THEIR_CHANGE_ROLES, kwargs=API_THEIR_CHANGE),
    *(api_row("api:renewal", method, ALL_405, ALL_405, kwargs=API_OUR_CHANGE, data={}) for method in API_METHODS[1:]),
    *[
        r
        for name, methods, body in API_ACTIONS
        for r in (
            *(api_row(name, method, READ_ONLY_403, OUR_CHANGE_ROLES, kwargs=API_OUR_CHANGE, data=body,
                      writes=(*STAFF_WRITES, "partner")) for method in methods),
            *(api_row(name, method, READ_ONLY_403, THEIR_CHANGE_ROLES, kwargs=API_THEIR_CHANGE, data=body,
                      writes=("admin", "other_rep", "other_partner")) for method in methods),
            *(api_row(name, method, ALL_405, ALL_405, kwargs=API_OUR_CHANGE, data={})
              for method in API_METHODS if method not in methods),
        )
    ],
    # the schema is public and read-only; the API's root is no resource
    api_row("api:openapi-json", "GET", ALL_200, ALL_200),
    *(api_row("api:openapi-json", method, ALL_405, ALL_405, data={}) for method in API_METHODS[1:]),
    *(api_row("api:api-root", method, ALL_404, ALL_404, data={} if method != "GET" else None) for method in API_METHODS),
]


def test_every_api_url_has_a_row_for_every_method_and_role():
    api_urls = {name for name in _names(get_resolver()) if name.startswith("api:")}
    for method in API_METHODS:
        covered = {param.values[0] for param in API_MATRIX if param.values[1] == method}
        assert api_urls - covered == set(), f"add {method} rows for these URLs to API_MATRIX"


@pytest.mark.parametrize(("name", "method", "kwargs", "data", "headers", "expected", "writes", "off"), API_MATRIX)
def test_api_status_by_role_and_scope(cast, objects, name, method, kwargs, data, headers, expected, writes, off):
    from api.tokens import token_create

    Feature.objects.update_or_create(name="subscriptions", defaults={"is_active": True})
    for feature in off:
        Feature.objects.update_or_create(name=feature, defaults={"is_active": False})
    placeholders = {key: getattr(value, "pk", value) for key, value in objects.items()}
    url = reverse(name, kwargs={key: _fill(value, placeholders) for key, value in kwargs.items()})
    body = {key: _fill(value, placeholders) for key, value in data.items()} if data is not None else None
    if isinstance(body, dict) and isinstance(body.get("owner"), str) and body["owner"].isdigit():  # a person's id
        body["owner"] = int(body["owner"])
    tokens = {(role, scope): token_create(user=user, name=f"matrix {scope}", scope=scope)[1]
              for role, user in cast.items() if user is not None for scope in ("read", "write")}
    for scope in ("read", "write"):
        actual, wrote = {}, []
        for role in ROLES:
            with transaction.atomic():  # every role meets the same data
                sent = dict(headers)
                if cast[role] is not None:
                    sent["Authorization"] = f"Bearer {tokens[role, scope]}"
                before = _snapshot()
                kwargs = {"headers": sent}
                if body is not None:
                    kwargs.update(data=body, content_type="application/json")
                response = getattr(Client(), method.lower())(url, **kwargs)
                actual[role] = response.status_code
                if role not in writes[scope] and _snapshot() != before:
                    wrote.append(role)
                transaction.set_rollback(True)
        assert actual == expected[scope], f"{method} {url} with a {scope} token"
        assert wrote == [], f"{method} {url} with a {scope} token: denied roles wrote to the database"
