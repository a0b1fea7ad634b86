"""One set of rules: the same changes made through the pages' forms and through the API leave the
same rows and the same audit entries.

Two twin contacts live side by side: one changed through the pages (the contact form, then the
subscription widget's add, edit and delete forms, read from the pages as a browser gets them),
the other through the API with the same values. After each step the two contacts, their periods,
their stored subscription figures and their periods' audit rows are compared, field by field, but
for what names the row itself (ids, the contact, timestamps, the create's one-time token).
"""

import datetime

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from crm.models import Contact, ContactChange
from subscriptions.models import Period, PeriodChange, SubscriptionSummary
from tests.html_forms import read_form

HTMX = {"HX-Request": "true"}
CONTACT_FIELDS = ["kind", "name", "email", "phone", "website", "address", "external_id", "owner", "organisation",
                  "version"]
ROW_NAMES = {"id", "contact", "creation_token", "created_at", "updated_at"}


@pytest.fixture(autouse=True)
def frozen_today(time_machine, subscriptions_on):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC), tick=False)


def contact_state(contact) -> dict:
    contact = Contact.objects.get(pk=contact.pk)
    return {**model_to_dict(contact, fields=CONTACT_FIELDS), "tags": sorted(contact.tags.values_list("name", flat=True))}


def periods_state(contact) -> list[dict]:
    return [{name: value for name, value in model_to_dict(period).items() if name not in ROW_NAMES}
            | {"version": period.version} for period in Period.objects.filter(contact=contact).order_by("start_date")]


def audit_state(contact) -> list[tuple]:
    changes = PeriodChange.objects.filter(contact=contact).order_by("pk")
    return list(changes.values_list("action", "old_values", "new_values", "changed_by", "imported_from"))


def figures_state(contact) -> dict:
    summary = SubscriptionSummary.objects.filter(contact=contact).values().first() or {}
    return {name: value for name, value in summary.items() if name != "contact_id"}


def assert_twins(by_form, by_api):
    assert contact_state(by_form) == contact_state(by_api)
    assert periods_state(by_form) == periods_state(by_api)
    assert audit_state(by_form) == audit_state(by_api)
    assert figures_state(by_form) == figures_state(by_api)


def test_the_same_changes_through_the_forms_and_the_api_leave_the_same_rows_and_audit(client_as, api_as, rep):
    page, api = client_as(rep), api_as(rep)

    # a new contact: the contact form, and POST /api/v1/contacts/
    values = {"kind": "person", "name": "Twin", "email": "twin@example.com", "phone": "+39 02 1", "owner": rep.pk,
              "website": "https://twin.example", "address": "Via Roma 1\nMilano"}
    new = reverse("contact_create")
    assert page.post(new, {**read_form(page.get(new).text, action=new, page=new), **values,
                           "tags": "vip, b2b"}).status_code == 302
    made = api.post("/api/v1/contacts/", {**values, "tags": ["vip", "b2b"]})
    assert made.status_code == 201, made.content
    by_form, by_api = Contact.objects.filter(name="Twin").order_by("pk")
    assert by_api.pk == made.json()["id"]
    assert_twins(by_form, by_api)

    # an edit: the contact form at its version, and a PATCH with If-Match
    edit = reverse("contact_edit", args=[by_form.pk])
    form = read_form(page.get(edit).text, action=edit, page=edit)
    assert page.post(edit, {**form, "phone": "+39 02 2", "tags": "vip"}).status_code == 302
    patched = api.patch(f"/api/v1/contacts/{by_api.pk}/", {"phone": "+39 02 2", "tags": ["vip"]},
                        headers={"If-Match": made["ETag"]})
    assert patched.status_code == 200, patched.content
    assert_twins(by_form, by_api)

    # a period: the widget's add form, and POST .../periods/ (MRR from a price billed quarterly)
    add = reverse("subscriptions:period_create", args=[by_form.pk])
    form = read_form(page.get(add).text, action=add, page=add)
    period = {"currency": "EUR", "mrr": "", "price": "300.00", "billing_frequency": "quarterly",
              "start_date": "2026-01-01", "end": "after", "term_months": "12", "description": "first year"}
    assert page.post(add, {**form, **period}, headers=HTMX).status_code == 200
    added = api.post(f"/api/v1/contacts/{by_api.pk}/periods/",
                     {"price": "300.00", "billing_frequency": "quarterly", "start_date": "2026-01-01", "term_months": 12,
                      "description": "first year"})
    assert added.status_code == 201, added.content
    next_year = {"currency": "EUR", "mrr": "120.00", "price": "", "billing_frequency": "", "start_date": "2027-01-01",
                 "end": "never", "term_months": "", "end_date": "", "description": ""}
    form = read_form(page.get(add).text, action=add, page=add)
    assert page.post(add, {**form, **next_year}, headers=HTMX).status_code == 200
    second = api.post(f"/api/v1/contacts/{by_api.pk}/periods/", {"mrr": "120.00", "start_date": "2027-01-01"})
    assert second.status_code == 201
    assert_twins(by_form, by_api)
    assert periods_state(by_api)[0]["mrr"] == 100  # 300 a quarter

    # an edit of the first period: the widget's edit form at its version, and a PATCH
    first_by_form = Period.objects.filter(contact=by_form).order_by("start_date").first()
    edit = reverse("subscriptions:period_edit", args=[first_by_form.pk])
    form = read_form(page.get(edit).text, action=edit, page=edit)
    assert page.post(edit, {**form, "price": "360.00", "description": "repriced"}, headers=HTMX).status_code == 200
    patched = api.patch(added.json()["url"].removeprefix("http://testserver"),
                        {"price": "360.00", "description": "repriced"}, headers={"If-Match": added["ETag"]})
    assert patched.status_code == 200, patched.content
    assert_twins(by_form, by_api)

    # a delete of the second period: the widget's delete form at its version, and a DELETE
    second_by_form = Period.objects.filter(contact=by_form).order_by("start_date").last()
    delete = reverse("subscriptions:period_delete", args=[second_by_form.pk])
    form = read_form(page.get(delete).text, action=delete, page=delete)
    assert page.post(delete, form, headers=HTMX).status_code == 200
    assert api.delete(second.json()["url"].removeprefix("http://testserver"), {"version": 1}).status_code == 204
    assert_twins(by_form, by_api)

    assert [action for action, *_ in audit_state(by_api)] == ["created", "created", "updated", "deleted"]
    assert not ContactChange.objects.exists()  # neither writes a bulk change's audit row
