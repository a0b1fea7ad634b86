"""Every URL that accepts a POST is accounted for: an edit form with a two-writer test, a create
form with a test that posts it twice, or an action written down below with the reason it needs
neither. A form added without one of those fails here.

Which of the project's own URLs accept a POST comes from the permission matrix, whose rows are
checked against the real answers (a URL that answers every POST with 405 or, switched off, 404
accepts none). The admin's URLs come from the models registered in it.
"""

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.test import RequestFactory

from crm.admin_versions import TOKEN_FIELD, VERSION_FIELD
from tests.reliability import catalogue
from tests.reliability.test_create_once import CREATE_FORMS
from tests.reliability.test_two_writers import EDIT_FORMS
from tests.test_permission_matrix import MATRIX

# POST URLs that are neither edit nor create forms, and why a version or a token would protect
# nothing there.
ACTIONS = {
    "login": "signs in: writes the visitor's own session, no shared record",
    "logout": "signs out: the visitor's own session",
    "set_language": "the visitor's own language cookie and session",
    "customize_feature": "sets a feature to the state asked for, idempotent: two admins switching at once end in "
                         "the last action's state (test_two_writers, two admins switching a feature)",
    "contact_bulk": "a bulk action sets a state on the rows matching when it runs (an owner, a tag present or "
                    "absent, deleted): posted again it changes nothing more; a background job is made once per "
                    "confirmation (its one-time token, test_bulk)",
    "smartlists:bulk": "as contact_bulk, on a smart list's rows",
    "smartlists:delete": "deletes the owner's own list; posted again, or after another tab's delete, it is a 404",
    "renewals:end_association": "ends the association once: ending an ended one changes nothing "
                                "(renewals.services.association_end)",
    # The imports' forms need a file or an import of the user's own, which the shared create and
    # two-writer scenes do not make; tests/imports/test_pages.py holds the same checks for them.
    "imports:index": "uploads a file: a one-time token makes the same submission posted twice one import "
                     "(test_pages.py::test_the_same_upload_posted_twice_makes_one_import)",
    "imports:mapping": "the uploader's own import, versioned: a mapping read at an older version is refused "
                       "(test_mapping.py::test_a_stale_mapping_form_is_refused)",
    "imports:run": "versioned: the import runs once, the same form posted again is refused "
                   "(test_pages.py::test_the_run_form_posted_twice_imports_once)",
    "imports:cancel": "asks the uploader's own import to stop: a state, idempotent",
    "bulk_job_cancel": "asks the owner's own bulk job to stop: a state, idempotent",
    "api_token_revoke": "revokes the person's own API token: a state, idempotent (revoked twice, from two tabs, it "
                        "keeps the first time: tests/api/test_tokens.py)",
    "admin:login": "signs in",
    "admin:logout": "signs out",
    "admin:password_change": "the admin's own password: set to what they type, nothing of anyone else's to lose",
    "admin:auth_user_password_change": "sets a user's password to what the admin types: a state, not an edit of "
                                       "values read before",
}
# Admin URLs that take no POST that writes: pages (the index answers a POST with itself), lookups, redirects.
ADMIN_READS = {"admin:index", "admin:password_change_done", "admin:autocomplete", "admin:jsi18n", "admin:view_on_site",
               "admin:app_list"}


def product_urls_accepting_post() -> set[str]:
    return {
        param.values[0]
        for param in MATRIX
        if param.values[1] == "POST" and set(param.values[4].values()) - {404, 405}
    }


def _superuser_request(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    return request


def admin_url_kinds(admin_user) -> dict[str, str]:
    """Each admin URL of a registered model: "edit", "create", "action" or "read"."""
    request = _superuser_request(admin_user)
    kinds = {}
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        shown = set(flatten_fieldsets(model_admin.get_fieldsets(request, model())))
        editable = shown - set(model_admin.get_readonly_fields(request, model())) - {VERSION_FIELD, TOKEN_FIELD}
        can_change = model_admin.has_change_permission(request) and editable
        kinds[f"{prefix}_change"] = "edit" if can_change else "read"
        kinds[f"{prefix}_add"] = "create" if model_admin.has_add_permission(request) else "read"
        # Actions, not edits: the list's POST runs its bulk actions (delete selected; no list_editable, or
        # it would be an edit form), and the delete page confirms a deletion: posted again, the row is gone.
        assert not model_admin.list_editable, f"{prefix}: list_editable makes the list an edit form"
        kinds[f"{prefix}_changelist"] = "action"
        kinds[f"{prefix}_delete"] = "action"
        kinds[f"{prefix}_history"] = "read"
    return kinds


def test_every_url_that_accepts_a_post_is_an_edit_form_a_create_form_or_a_listed_action(admin_user):
    edit = {case.second.url_name for case in EDIT_FORMS}
    create = {form.url_name for form in CREATE_FORMS}
    admin_kinds = admin_url_kinds(admin_user)
    all_names = {r.name for r in catalogue.routes() if r.name}
    admin_names = {name for name in all_names if name.startswith("admin:")}

    posting = product_urls_accepting_post() | {name for name, kind in admin_kinds.items() if kind != "read"}
    admin_actions = {name for name, kind in admin_kinds.items() if kind == "action"}
    unaccounted = posting - edit - create - ACTIONS.keys() - admin_actions - ADMIN_READS
    assert unaccounted == set(), "add a two-writer test (test_two_writers), a create test (test_create_once) or an ACTIONS entry"

    # the admin's own kinds agree with the tests: every editable model has its two-writer row, every addable one its create row
    assert {name for name, kind in admin_kinds.items() if kind == "edit"} <= edit
    assert {name for name, kind in admin_kinds.items() if kind == "create"} <= create
    assert admin_names - admin_kinds.keys() - ACTIONS.keys() - ADMIN_READS == set(), "a new admin URL: classify it"
    # nothing listed twice, nothing listed that no longer exists
    assert not (ACTIONS.keys() & (edit | create))
    assert (edit | create | ACTIONS.keys()) <= all_names
