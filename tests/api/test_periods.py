"""A contact's periods and subscription figures through the API: the period form's rules, the
services' versions, overlaps and audit rows, the widget's figures, the feature switch."""

import datetime
from decimal import Decimal

import pytest

from crm.models import Feature
from subscriptions.models import Period, PeriodChange
from tests.subscriptions.factories import PeriodFactory

D = datetime.date


@pytest.fixture(autouse=True)
def frozen_today(time_machine, subscriptions_on):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC), tick=False)


def periods_url(contact) -> str:
    return f"/api/v1/contacts/{contact.pk}/periods/"


def url(period) -> str:
    return f"/api/v1/periods/{period.pk}/"


def subscription_url(contact) -> str:
    return f"/api/v1/contacts/{contact.pk}/subscription/"


YEAR = {"currency": "EUR", "mrr": "100.00", "start_date": "2026-01-01", "term_months": 12}


# Adding --------------------------------------------------------------------------------------------


def test_a_period_is_added_as_the_form_adds_it_with_its_audit_row(api_as, rep, contact):
    response = api_as(rep).post(periods_url(contact), {**YEAR, "description": "first year"})
    assert response.status_code == 201, response.content
    period = Period.objects.get(contact=contact)
    # "after 12 months": the form's end, start + 12 months - 1 day, and the term kept
    assert (period.mrr, period.start_date, period.end_date, period.term_months, period.description) == (
        Decimal("100.00"), D(2026, 1, 1), D(2026, 12, 31), 12, "first year")
    body = response.json()
    assert body["mrr"] == "100.00" and body["end_date"] == "2026-12-31" and body["version"] == 1
    assert response["ETag"] == '"1"' and response["Location"] == f"http://testserver{url(period)}"
    audit = PeriodChange.objects.get(contact=contact)
    assert (audit.action, audit.changed_by, audit.new_values["mrr"]) == ("created", rep, "100.00")


def test_mrr_comes_from_price_and_frequency_by_the_forms_function(api_as, rep, contact):
    api = api_as(rep)
    response = api.post(periods_url(contact), {"start_date": "2026-01-01", "term_months": 12, "price": 1200,
                                               "billing_frequency": "annual"})
    assert response.status_code == 201 and response.json()["mrr"] == "100.00"
    every = api.post(periods_url(contact), {"start_date": "2027-01-01", "term_months": 12, "price": "900.00",
                                            "billing_frequency": "every_n_months", "billing_every_months": 9})
    assert every.json()["mrr"] == "100.00"
    refused = api.post(periods_url(contact), {"start_date": "2028-01-01", "mrr": 90, "price": 300,
                                              "billing_frequency": "quarterly"})
    assert refused.status_code == 422
    assert "make an MRR of 100.00" in refused.json()["errors"]["mrr"][0]["message"]
    assert Period.objects.filter(contact=contact).count() == 2


def test_the_end_is_a_term_a_date_or_none(api_as, rep, contact):
    api = api_as(rep)
    on = api.post(periods_url(contact), {"mrr": "10", "start_date": "2026-01-01", "end_date": "2026-03-31"}).json()
    never = api.post(periods_url(contact), {"mrr": "10", "start_date": "2026-04-01"}).json()
    assert (on["end_date"], on["term_months"]) == ("2026-03-31", None)
    assert (never["end_date"], never["term_months"]) == (None, None)


def test_an_overlap_is_refused_with_the_forms_message_and_writes_nothing(api_as, rep, contact):
    PeriodFactory(contact=contact, start_date=D(2026, 1, 1), end_date=D(2026, 12, 31))
    response = api_as(rep).post(periods_url(contact), {"mrr": "5", "start_date": "2026-06-01"})
    assert response.status_code == 422
    assert response.json()["errors"]["__all__"] == [{
        "message": "This period overlaps another period of the same contact. Change its dates or end the other "
                   "period first.", "code": "overlap"}]
    assert Period.objects.count() == 1 and not PeriodChange.objects.exists()


@pytest.mark.parametrize(("values", "field"), [
    ({"start_date": "2201-01-01"}, "start_date"),
    ({"start_date": "1899-12-31"}, "start_date"),
    ({"end_date": "9999-12-31"}, "end_date"),
    ({"term_months": 601}, "term_months"),
    ({"start_date": "2200-12-01", "term_months": 600}, "term_months"),
    ({"mrr": "1e100000"}, "mrr"),
    ({"mrr": -1}, "mrr"),
    ({"mrr": "NaN"}, "mrr"),
    ({"currency": "E1"}, "currency"),
    ({"mrr": None}, "mrr"),
    ({"mrr": [1]}, "mrr"),
    ({"colour": "red"}, "colour"),
])
def test_far_or_bad_values_are_the_forms_422_and_write_nothing(api_as, rep, contact, values, field):
    response = api_as(rep).post(periods_url(contact), {"mrr": "10", "start_date": "2026-01-01", **values})
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    assert not Period.objects.exists() and not PeriodChange.objects.exists()


def test_the_same_idempotency_key_adds_one_period(api_as, rep, contact, outsider, outsider_contact):
    api = api_as(rep)
    key = {"Idempotency-Key": "billing-sync-7"}
    first = api.post(periods_url(contact), YEAR, headers=key)
    again = api.post(periods_url(contact), YEAR, headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Period.objects.count() == 1 and PeriodChange.objects.count() == 1
    # the same key for another contact of the same person: refused, nothing added
    other = api.post(periods_url(outsider_contact), YEAR, headers=key)
    assert other.status_code == 404  # not theirs
    from tests.factories import ContactFactory

    second_contact = ContactFactory(owner=rep)
    reused = api.post(periods_url(second_contact), YEAR, headers=key)
    assert reused.status_code == 409 and reused.json()["type"] == "/api/v1/problems/idempotency-key-used"
    assert Period.objects.count() == 1
    # another person's same key is their own
    assert api_as(outsider).post(periods_url(outsider_contact), YEAR, headers=key).status_code == 201


# Reading ------------------------------------------------------------------------------------------


def test_a_contacts_periods_are_listed_by_start_in_cursor_pages(api_as, rep, contact):
    for year in (2024, 2022, 2023):
        PeriodFactory(contact=contact, start_date=D(year, 1, 1), end_date=D(year, 12, 31))
    api = api_as(rep)
    first = api.get(periods_url(contact), {"limit": 2}).json()
    assert [row["start_date"] for row in first["results"]] == ["2022-01-01", "2023-01-01"]
    second = api.get(first["next"].removeprefix("http://testserver")).json()
    assert [row["start_date"] for row in second["results"]] == ["2024-01-01"] and second["next"] is None
    assert api.get(periods_url(contact), {"after": "WyJub3QgYSBkYXRlIiwxXQ"}).status_code == 400
    assert api.get(periods_url(contact), {"sort": "mrr"}).status_code == 400


def test_what_one_may_not_see_is_not_found(api_as, rep, partner, outsider_contact, contact):
    theirs = PeriodFactory(contact=outsider_contact)
    api = api_as(rep)
    assert api.get(periods_url(outsider_contact)).status_code == 404
    assert api.get(url(theirs)).status_code == 404
    assert api.patch(url(theirs), {"mrr": "1"}, headers={"If-Match": '"1"'}).status_code == 404
    assert api.delete(url(theirs), headers={"If-Match": '"1"'}).status_code == 404
    assert api.post(periods_url(outsider_contact), YEAR).status_code == 404
    assert api_as(partner).get(periods_url(contact)).status_code == 404
    assert Period.objects.get(pk=theirs.pk).version == 1


def test_while_subscriptions_is_off_the_resource_is_not_there(api_as, rep, contact):
    period = PeriodFactory(contact=contact)
    Feature.objects.update_or_create(name="subscriptions", defaults={"is_active": False})
    api = api_as(rep)
    for response in (api.get(periods_url(contact)), api.get(url(period)), api.get(subscription_url(contact)),
                     api.post(periods_url(contact), YEAR), api.delete(url(period), headers={"If-Match": '"1"'})):
        assert response.status_code == 404
    assert Period.objects.filter(pk=period.pk).exists()
    assert "current_mrr" not in api.get(f"/api/v1/contacts/{contact.pk}/").json()


# Changing and deleting -----------------------------------------------------------------------------


def test_patch_changes_what_is_sent_and_audits_it_as_the_edit_form(api_as, rep, contact):
    period = PeriodFactory(contact=contact, mrr=Decimal("100.00"), start_date=D(2026, 1, 1), end_date=D(2026, 12, 31),
                           term_months=12, description="kept")
    response = api_as(rep).patch(url(period), {"mrr": "120.00"}, headers={"If-Match": '"1"'})
    assert response.status_code == 200, response.content
    period.refresh_from_db()
    assert (period.mrr, period.end_date, period.term_months, period.description, period.version) == (
        Decimal("120.00"), D(2026, 12, 31), 12, "kept", 2)
    assert response["ETag"] == '"2"'
    audit = PeriodChange.objects.get(contact=contact)
    assert (audit.action, audit.old_values["mrr"], audit.new_values["mrr"], audit.changed_by) == (
        "updated", "100.00", "120.00", rep)


def test_an_end_date_sent_alone_replaces_the_term(api_as, rep, contact):
    period = PeriodFactory(contact=contact, start_date=D(2026, 1, 1), end_date=D(2026, 12, 31), term_months=12)
    api = api_as(rep)
    assert api.patch(url(period), {"end_date": "2026-06-30", "version": 1}).json()["term_months"] is None
    period.refresh_from_db()
    assert (period.end_date, period.term_months) == (D(2026, 6, 30), None)
    never = api.patch(url(period), {"end_date": None, "version": 2}).json()
    assert (never["end_date"], never["term_months"]) == (None, None)


def test_a_priced_periods_mrr_is_computed_again(api_as, rep, contact):
    period = PeriodFactory(contact=contact, mrr=Decimal("100.00"), price=Decimal("1200.00"), billing_frequency="annual")
    response = api_as(rep).patch(url(period), {"price": "2400"}, headers={"If-Match": '"1"'})
    assert response.status_code == 200 and response.json()["mrr"] == "200.00"


def test_stale_versions_are_refused_and_change_nothing(api_as, rep, manager, contact):
    period = PeriodFactory(contact=contact, mrr=Decimal("100.00"))
    assert api_as(rep).patch(url(period), {"mrr": "110"}, headers={"If-Match": '"1"'}).status_code == 200
    api = api_as(manager)
    header = api.patch(url(period), {"mrr": "130"}, headers={"If-Match": '"1"'})
    body = api.patch(url(period), {"mrr": "130", "version": 1})
    gone = api.delete(url(period), headers={"If-Match": '"1"'})
    assert (header.status_code, body.status_code, gone.status_code) == (412, 409, 412)
    assert header["ETag"] == '"2"'
    assert api.patch(url(period), {"mrr": "130"}).status_code == 428
    period.refresh_from_db()
    assert (period.mrr, period.version) == (Decimal("110.00"), 2)
    assert PeriodChange.objects.filter(action="updated").count() == 1


def test_an_edit_into_another_period_is_refused_as_an_overlap(api_as, rep, contact):
    PeriodFactory(contact=contact, start_date=D(2025, 1, 1), end_date=D(2025, 12, 31))
    period = PeriodFactory(contact=contact, start_date=D(2026, 1, 1), end_date=D(2026, 12, 31))
    response = api_as(rep).patch(url(period), {"start_date": "2025-12-01"}, headers={"If-Match": '"1"'})
    assert response.status_code == 422 and response.json()["errors"]["__all__"][0]["code"] == "overlap"
    assert Period.objects.get(pk=period.pk).start_date == D(2026, 1, 1)


def test_put_replaces_every_field(api_as, rep, contact):
    period = PeriodFactory(contact=contact, mrr=Decimal("100.00"), description="gone")
    api = api_as(rep)
    refused = api.put(url(period), {"mrr": "5", "version": 1})
    assert refused.status_code == 422 and set(refused.json()["errors"]) == {"currency", "start_date"}
    read = api.get(url(period)).json()
    response = api.put(url(period), {**read, "mrr": "50.00", "description": ""})
    assert response.status_code == 200, response.content
    period.refresh_from_db()
    assert (period.mrr, period.description, period.version) == (Decimal("50.00"), "", 2)


def test_delete_with_its_version_leaves_the_audit_row(api_as, rep, contact):
    period = PeriodFactory(contact=contact, mrr=Decimal("100.00"))
    assert api_as(rep).delete(url(period), {"version": 1}).status_code == 204
    assert not Period.objects.exists()
    audit = PeriodChange.objects.get(contact=contact)
    assert (audit.action, audit.old_values["mrr"], audit.new_values, audit.changed_by) == ("deleted", "100.00", {}, rep)


# The figures ----------------------------------------------------------------------------------------


def test_the_figures_are_the_widgets(api_as, rep, contact):
    PeriodFactory(contact=contact, mrr=Decimal("100.00"), start_date=D(2026, 1, 1), end_date=D(2026, 12, 31))
    PeriodFactory(contact=contact, mrr=Decimal("150.00"), start_date=D(2027, 1, 1), end_date=None)
    response = api_as(rep).get(subscription_url(contact))
    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == "2026-11-22"
    assert body["current"]["mrr"] == "100.00" and body["upcoming"]["mrr"] == "150.00"
    assert (body["status"], body["upcoming_tag"]) == ("up", "expansion")
    # 40 days left (22 November to 31 December): 100 x 40 x 12 / 365
    assert body["remaining_value"] == "131.51"
    assert body["arr"] == "1200.00"
    assert [row["tag"] for row in body["periods"]] == ["new", "expansion"]


def test_an_open_ended_period_has_no_remaining_value(api_as, rep, contact):
    PeriodFactory(contact=contact, mrr=Decimal("100.00"), start_date=D(2026, 1, 1), end_date=None)
    body = api_as(rep).get(subscription_url(contact)).json()
    assert (body["remaining_value"], body["upcoming"], body["status"]) == (None, None, None)


def test_a_contact_without_periods_has_empty_figures(api_as, rep, contact):
    body = api_as(rep).get(subscription_url(contact)).json()
    assert body["current"] is None and body["periods"] == [] and body["accrued"] == {}


def test_the_figures_read_a_constant_number_of_queries(api_as, rep, contact, django_assert_max_num_queries):
    for year in range(2000, 2026):
        PeriodFactory(contact=contact, start_date=D(year, 1, 1), end_date=D(year, 12, 31))
    api = api_as(rep)
    api.get(subscription_url(contact))
    # the token, the feature switches' copy check, the contact, its periods, its stored figures
    with django_assert_max_num_queries(5):
        assert api.get(subscription_url(contact)).status_code == 200


def test_the_list_reads_a_constant_number_of_queries(api_as, rep, contact, django_assert_max_num_queries):
    api = api_as(rep)
    api.get(periods_url(contact))
    for count in (1, 40):
        for year in range(1950 + Period.objects.count(), 1950 + count):
            PeriodFactory(contact=contact, start_date=D(year, 1, 1), end_date=D(year, 12, 31))
        # the token, the feature switches' copy check, the contact, its periods
        with django_assert_max_num_queries(4):
            assert len(api.get(periods_url(contact), {"limit": 100}).json()["results"]) == count


def test_refusals_are_in_the_requests_language(api_as, rep, contact):
    response = api_as(rep).post(periods_url(contact), {**YEAR, "colour": "red"}, headers={"Accept-Language": "it"})
    assert response.json()["errors"]["colour"][0]["message"] == "Un periodo non ha un campo con questo nome."
    response = api_as(rep).post(periods_url(contact), {**YEAR, "colour": "red"}, headers={"Accept-Language": "pt-BR"})
    assert response.json()["errors"]["colour"][0]["message"] == "Um período não tem um campo com este nome."
