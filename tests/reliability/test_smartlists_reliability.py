"""Smart lists under hostile input: their forms fuzzed, their page and export fed malformed
queries, every text column of the export checked for cells a spreadsheet would run.
"""

import csv
import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from crm import fields
from crm.models import Contact, Tag, User
from smartlists.models import ExportJob, SmartList
from smartlists.services import export_job_create, export_job_run, export_path
from subscriptions.models import Period
from tests.factories import ContactFactory, OrganisationFactory, UserFactory
from tests.reliability.test_form_fuzz import FUZZ, as_list_sometimes, hostile_text, plausible_or_hostile
from tests.reliability.test_query_fuzz import payloads

SIGNS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")


@pytest.fixture(autouse=True)
def frozen(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.UTC), tick=False):
        yield


def parse(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


# Exports: no cell a spreadsheet would execute --------------------------------------------------------

# How to put a text into each text column of the registry. A text field added to the registry
# without an entry here fails `test_every_text_column_is_covered`.
def _set_contact(attr):
    def put(contact, text):
        setattr(contact, attr, text)
        contact.save()
    return put


def _set_organisation(contact, text):
    contact.organisation = OrganisationFactory(owner=contact.owner, name=text)
    contact.save()


def _set_owner(contact, text):
    # the column shows the owner's full name (a name is free text); usernames may start with "+", "-"
    # or "@" too (Django's validator allows them), so the payload goes in both
    contact.owner = UserFactory(username=text.strip()[:150], first_name=text[:150], last_name="", role=User.Role.REP)
    contact.save()


def _set_tags(contact, text):
    contact.tags.add(Tag.objects.get_or_create(name=text[:50])[0], Tag.objects.get_or_create(name="~plain")[0])


def _set_currency(contact, text):
    Period.objects.create(contact=contact, mrr="-0.00", currency=text[:3], start_date="2026-01-01")


def _set_upcoming_currency(contact, text):
    Period.objects.create(contact=contact, mrr="0.00", currency=text[:3], start_date="2027-01-01")


SETTERS = {
    "name": _set_contact("name"), "email": _set_contact("email"), "phone": _set_contact("phone"),
    "website": _set_contact("website"), "organisation_name": _set_organisation, "owner_name": _set_owner,
    "tags_text": _set_tags, "current_currency": _set_currency, "upcoming_currency": _set_upcoming_currency,
}


def text_fields():
    return [f for f in fields._fields.values() if f.kind == "text"]


def test_every_text_column_is_covered():
    assert {f.key for f in text_fields()} == set(SETTERS)


def _spreadsheet_would_run(cell: str) -> bool:
    return cell[:1] in (*SIGNS, "\t", "\r", "\n") or cell.lstrip(" \t\r\n")[:1] in SIGNS


PAYLOADS = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1", "=HYPERLINK(\"http://x\")",
            "\uff1d1+2", "\uff0bSUM(A1)", "\uff0d2+3", "\uff20cmd", "\n=1", " =1+2", "  \uff1d1"]


@pytest.mark.parametrize("key", sorted(SETTERS))
def test_no_exported_text_cell_would_run_in_a_spreadsheet(client, admin_user, rep, subscriptions_on, key):
    for text in PAYLOADS:
        SETTERS[key](ContactFactory(owner=rep, name=f"row {text!r}", email="", phone="", website=""), text)
    number_row = ContactFactory(owner=rep, name="numbers", email="", phone="", website="")
    Period.objects.create(contact=number_row, mrr="12.50", start_date="2026-01-01", end_date="2026-12-31")
    columns = ["name", key, "current_mrr", "remaining_value"] if key != "name" else ["name", "current_mrr"]
    sl = SmartList.objects.create(owner=admin_user, name="Formulas", columns=columns, sort="name")
    client.force_login(admin_user)
    response = client.get(reverse("smartlists:export", args=[sl.pk]), {"bom": "on"})
    assert response.status_code == 200
    streamed = b"".join(response.streaming_content)
    job = export_job_create(smartlist=sl, by=admin_user, query="", sort="name", bom=True, total_rows=0)
    export_job_run(job_id=job.pk)
    assert export_path(job).read_bytes() == streamed  # the background file is the same bytes
    rows = parse(streamed)
    position = columns.index(key)
    cells = [row[position] for row in rows[1:]]
    assert not [cell for cell in cells if _spreadsheet_would_run(cell)], cells
    # every payload reached the file (a tag list leads with its first tag by name: "~plain" before full-width ones)
    leading = [text for text in PAYLOADS if key != "tags_text" or text < "~plain"]
    assert sum(cell.startswith("'") for cell in cells) >= len(leading)
    # numbers stay numbers
    numbers = {row[0]: row for row in rows[1:]}["numbers"]
    assert numbers[columns.index("current_mrr")] == "12.50"


def test_negative_and_zero_numbers_are_untouched(client, rep, subscriptions_on):
    contact = ContactFactory(owner=rep, name="-starts with a minus", phone="-1")
    Period.objects.create(contact=contact, mrr="0.00", start_date="2026-01-01", end_date="2026-12-31")
    sl = SmartList.objects.create(owner=rep, name="N", columns=["name", "phone", "current_mrr", "remaining_value"])
    client.force_login(rep)
    rows = parse(b"".join(client.get(reverse("smartlists:export", args=[sl.pk])).streaming_content))
    assert rows[1] == ["'-starts with a minus", "'-1", "0.00", "0.00"]


# Forms ------------------------------------------------------------------------------------------


@pytest.fixture
def own_list(rep, subscriptions_on):
    ContactFactory(owner=rep, name="Visible Vera", kind=Contact.Kind.PERSON)
    return SmartList.objects.create(owner=rep, name="Fuzzed", columns=["name", "email"], query="kind=person")


def _list_values(pk):
    return SmartList.objects.filter(pk=pk).values().first()


def test_smartlist_create_form_fuzz(client, rep):
    client.force_login(rep)

    @FUZZ
    @given(data=st.fixed_dictionaries({}, optional={
        "name": as_list_sometimes(st.one_of(hostile_text, st.text(min_size=150, max_size=400))),
        "shared": plausible_or_hostile("on", "1", "true", "false", ""),
    }))
    def run(data):
        before = SmartList.objects.count()
        response = client.post(reverse("smartlists:create"), data)
        if response.status_code == 422:
            assert SmartList.objects.count() == before
        else:
            assert response.status_code == 302 and SmartList.objects.count() == before + 1

    run()


def test_smartlist_edit_form_fuzz(client, rep, own_list):
    client.force_login(rep)

    @FUZZ
    @given(data=st.fixed_dictionaries({}, optional={
        "name": as_list_sometimes(st.one_of(hostile_text, st.text(min_size=150, max_size=400))),
        "shared": plausible_or_hostile("on", "1", "", "off"),
        "columns": hostile_text, "query": hostile_text, "owner": plausible_or_hostile("1", "2"),
    }))
    def run(data):
        before = _list_values(own_list.pk)
        response = client.post(reverse("smartlists:edit", args=[own_list.pk]), data)
        after = _list_values(own_list.pk)
        if response.status_code == 422:
            assert after == before
        else:
            assert response.status_code == 302
            # only the name and sharing change; columns, filters and owner are not this form's
            assert {k: v for k, v in after.items() if k not in ("name", "shared", "updated_at")} == {
                k: v for k, v in before.items() if k not in ("name", "shared", "updated_at")
            }

    run()


def test_smartlist_columns_form_fuzz(client, rep, own_list):
    client.force_login(rep)
    keys = list(fields._fields)

    @FUZZ
    @given(data=st.fixed_dictionaries({}, optional={
        name: as_list_sometimes(st.one_of(st.sampled_from(keys), hostile_text)) for name in ("add", "remove", "up", "down")
    } | {"query": hostile_text, "sort": st.one_of(st.sampled_from(keys), hostile_text)}), htmx=st.booleans())
    def run(data, htmx):
        before = _list_values(own_list.pk)
        data = {**data, "version": before["version"]}  # as the page read it: the fuzz is about the step
        response = client.post(reverse("smartlists:columns", args=[own_list.pk]), data,
                               headers={"HX-Request": "true"} if htmx else {})
        after = _list_values(own_list.pk)
        if response.status_code >= 400:
            assert response.status_code in (400, 422) and after == before
        else:
            assert response.status_code == (200 if htmx else 302)
            assert after["columns"] and set(after["columns"]) <= set(keys)
            assert len(after["columns"]) == len(set(after["columns"]))
            assert {k: v for k, v in after.items() if k not in ("columns", "updated_at", "version")} == {
                k: v for k, v in before.items() if k not in ("columns", "updated_at", "version")
            }

    run()


filter_query = st.one_of(
    hostile_text,
    st.lists(st.tuples(st.sampled_from(["kind", "q", "owner", "current_mrr_min", "ends_within_days", "direction",
                                        "page", "_connector", "owner__password"]), hostile_text), max_size=4)
    .map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)),
)


def test_smartlist_save_filters_form_fuzz(client, rep, own_list):
    client.force_login(rep)

    @FUZZ
    @given(query=as_list_sometimes(filter_query), sort=as_list_sometimes(st.one_of(
        st.sampled_from(["name", "-name", "current_mrr", "-email"]), hostile_text)))
    def run(query, sort):
        before = _list_values(own_list.pk)
        response = client.post(reverse("smartlists:save_filters", args=[own_list.pk]),
                               {"query": query, "sort": sort, "version": before["version"]})
        after = _list_values(own_list.pk)
        if response.status_code == 302:
            assert {k: v for k, v in after.items() if k not in ("query", "sort", "updated_at", "version")} == {
                k: v for k, v in before.items() if k not in ("query", "sort", "updated_at", "version")
            }
            assert client.get(reverse("smartlists:detail", args=[own_list.pk])).status_code == 200
        else:
            assert response.status_code in (200, 400) and after == before

    run()


def test_smartlist_export_start_form_fuzz(client, rep, own_list):
    client.force_login(rep)

    @FUZZ
    @given(query=as_list_sometimes(filter_query), sort=hostile_text, bom=plausible_or_hostile("on", "", "1"))
    def run(query, sort, bom):
        before = ExportJob.objects.count()
        response = client.post(reverse("smartlists:export_start", args=[own_list.pk]),
                               {"query": query, "sort": sort, "bom": bom})
        if response.status_code == 302:
            job = ExportJob.objects.latest("pk")
            assert ExportJob.objects.count() == before + 1 and job.owner == rep
        else:
            assert response.status_code in (200, 400) and ExportJob.objects.count() == before

    run()


# Malformed queries: the page and the export -----------------------------------------------------


@pytest.fixture
def filtered_list(rep, outsider, subscriptions_on):
    ContactFactory(owner=rep, name="Visible Vera", kind=Contact.Kind.PERSON)
    ContactFactory(owner=outsider, name="Secret Sam", kind=Contact.Kind.PERSON)
    return SmartList.objects.create(owner=rep, name="People", columns=["name", "current_mrr"], query="kind=person")


OWN_KEYS = ["kind", "owner", "current_mrr_min", "current_mrr_max", "ends_within_days", "direction", "sort", "page"]


@pytest.mark.parametrize("view", ["detail", "export"])
def test_smartlist_page_and_export_malformed_queries(client, rep, filtered_list, view):
    client.force_login(rep)
    url = reverse(f"smartlists:{view}", args=[filtered_list.pk])
    tried = 0
    for index, query in enumerate(payloads(OWN_KEYS)):
        response = client.get(url, query, headers={"HX-Request": "true"} if index % 2 else {})
        tried += 1
        assert response.status_code in (200, 400), (query, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"Secret Sam" not in body, query
        if response.status_code == 400:
            assert b"Visible Vera" not in body, (query, "an invalid filter fell back to the unfiltered list")
            assert response["Content-Type"].startswith("text/html")  # no CSV for an invalid filter
    assert tried >= 500


def test_an_invalid_filter_in_a_saved_list_never_exports_everything(client, rep, filtered_list):
    SmartList.objects.filter(pk=filtered_list.pk).update(query="current_mrr_min=abc&kind=person")
    client.force_login(rep)
    response = client.get(reverse("smartlists:export", args=[filtered_list.pk]))
    assert response.status_code == 400 and b"Visible Vera" not in response.content
    response = client.post(reverse("smartlists:export_start", args=[filtered_list.pk]),
                           {"query": "current_mrr_min=abc", "sort": "name"})
    assert response.status_code == 400 and ExportJob.objects.count() == 0


def test_removing_and_moving_one_column_in_the_same_post_is_not_a_server_error(client, rep, own_list):
    # Found by the columns fuzz: "remove" and "up" of the same column used to raise ValueError (500).
    client.force_login(rep)
    response = client.post(reverse("smartlists:columns", args=[own_list.pk]), {"remove": "email", "up": "email", "version": 1})
    assert response.status_code == 302
    assert SmartList.objects.get(pk=own_list.pk).columns == ["name"]


@pytest.mark.parametrize("htmx", [True, False])
def test_a_column_change_with_an_invalid_sort_or_filter_saves_nothing(client, rep, own_list, htmx):
    # Found by the columns fuzz: the columns were saved, then the answer was a 400 for the bad sort.
    client.force_login(rep)
    for state in ({"sort": "<script>"}, {"query": "current_mrr_min=abc"}):
        response = client.post(reverse("smartlists:columns", args=[own_list.pk]), {"remove": "email", "version": 1, **state},
                               headers={"HX-Request": "true"} if htmx else {})
        assert response.status_code == 400
        assert SmartList.objects.get(pk=own_list.pk).columns == ["name", "email"]
