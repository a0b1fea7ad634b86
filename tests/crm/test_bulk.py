"""Bulk actions on the contact list and on smart lists: what changes, what never does, and the counts."""

import pytest
from django.urls import reverse

from crm.models import BulkJob, BulkJobContact, Contact, ContactChange, Tag, User
from smartlists.models import SmartList
from tests.factories import ContactFactory, UserFactory

URL = "/contacts/bulk/"


@pytest.fixture
def rep2(rep, manager):
    other = UserFactory(username="rep2", role=User.Role.REP)
    rep.teams.first().members.add(other)
    return other


@pytest.fixture
def people(rep):
    return [ContactFactory(owner=rep, name=f"Person {i:02}", kind=Contact.Kind.PERSON) for i in range(4)]


def post(client, data):
    return client.post(URL, {"query": "", **data})


def owners(contacts):
    return {c.pk: Contact.objects.get(pk=c.pk).owner.username for c in contacts}


def test_selected_ids_change_owner_after_a_confirmation_that_states_the_count(client_as, manager, rep, rep2, people):
    client = client_as(manager)
    chosen = [people[0].pk, people[1].pk]
    asked = post(client, {"action": "owner", "owner": rep2.pk, "ids": chosen})
    assert asked.status_code == 200
    assert "Change the owner of 2 contacts to" in asked.content.decode()
    assert owners(people) == {c.pk: "rep" for c in people}  # nothing before the confirmation

    done = post(client, {"action": "owner", "owner": rep2.pk, "ids": chosen, "confirmed": "1"})
    assert done.status_code == 302
    assert owners(people) == {people[0].pk: "rep2", people[1].pk: "rep2", people[2].pk: "rep", people[3].pk: "rep"}
    changes = ContactChange.objects.filter(action="owner")
    assert sorted(changes.values_list("contact_pk", flat=True)) == sorted(chosen)
    assert {(c.old_value, c.new_value, c.changed_by_id) for c in changes} == {(str(rep), str(rep2), manager.pk)}
    assert Contact.objects.get(pk=people[0].pk).version == 2


def test_all_matching_acts_on_every_row_of_the_filter_not_only_the_page(client_as, rep, manager, rep2, settings):
    settings.LIST_COUNT_CAP = 5  # the list shows "5+", the action still takes every matching row
    vips = [ContactFactory(owner=rep, name=f"Vip {i:02}") for i in range(30)]
    other = ContactFactory(owner=rep, name="Zed Other")
    client = client_as(manager)
    page = client.get("/contacts/?q=vip")
    assert "Select all contacts matching this filter (more than 5)" in page.content.decode()
    asked = post(client, {"action": "owner", "owner": rep2.pk, "all_matching": "1", "query": "q=vip"})
    assert "Change the owner of 30 contacts" in asked.content.decode()
    post(client, {"action": "owner", "owner": rep2.pk, "all_matching": "1", "query": "q=vip", "confirmed": "1"})
    assert set(owners(vips).values()) == {"rep2"}
    assert owners([other]) == {other.pk: "rep"}
    assert ContactChange.objects.count() == 30


def test_forged_ids_of_another_reps_contacts_are_untouched(client_as, rep, outsider_contact, people):
    client = client_as(rep)
    response = post(client, {"action": "tag_add", "tag": "vip", "ids": [people[0].pk, outsider_contact.pk],
                             "confirmed": "1"})
    assert response.status_code == 302
    assert list(Contact.objects.filter(tags__name="vip")) == [people[0]]
    assert not ContactChange.objects.filter(contact_pk=outsider_contact.pk).exists()
    outsider_contact.refresh_from_db()
    assert outsider_contact.version == 1


def test_a_filter_widened_by_hand_still_only_reaches_visible_rows(client_as, rep, outsider_contact, people):
    client = client_as(rep)
    # no filter at all, "all matching": every contact the rep sees, and not one more
    response = post(client, {"action": "delete", "all_matching": "1", "query": "kind=&q=", "confirmed": "1"})
    assert response.status_code == 302
    assert list(Contact.objects.all()) == [outsider_contact]
    assert ContactChange.objects.filter(action="deleted").count() == len(people)


def test_an_owner_the_user_may_not_assign_is_refused_and_nothing_changes(client_as, rep, outsider, people):
    response = post(client_as(rep), {"action": "owner", "owner": outsider.pk, "all_matching": "1", "confirmed": "1"})
    assert response.status_code == 400
    assert "You may not make this person the owner" in response.content.decode()
    assert set(owners(people).values()) == {"rep"}
    assert not ContactChange.objects.exists()


UNKNOWN = "The list has no filter called “%s”: nothing was changed."


def test_a_parameter_no_smart_list_filters_on_is_refused_as_on_the_contact_list(client_as, rep, people):
    smartlist = SmartList.objects.create(owner=rep, name="Everyone", columns=["name"])
    url = reverse("smartlists:bulk", args=[smartlist.pk])
    response = client_as(rep).post(url, {"action": "delete", "all_matching": "1", "query": "id__in=1", "confirmed": "1"})
    assert response.status_code == 400
    assert UNKNOWN % "id__in" in response.content.decode()
    assert Contact.objects.count() == len(people)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "explode", "all_matching": "1"}, "Unknown action."),
        ({"action": "owner", "all_matching": "1"}, "Choose the new owner."),
        ({"action": "tag_add", "all_matching": "1"}, "Type the tag."),
        ({"action": "delete"}, "Select at least one contact"),
        ({"action": "delete", "ids": ["1", "abc"]}, "The selected rows are not valid"),
        ({"action": "delete", "ids": ["-4"]}, "The selected rows are not valid"),
        ({"action": "tag_remove", "tag": "never-made", "all_matching": "1"}, "No tag is called"),
        ({"action": "delete", "all_matching": "1", "query": "kind=alien"}, "filters are not valid"),
        # Parameters the contact list does not filter on: refused, not dropped (which acted on every row).
        ({"action": "delete", "all_matching": "1", "query": "owner=4"}, UNKNOWN % "owner"),
        ({"action": "delete", "all_matching": "1", "query": "q=Person&id__in=1,2"}, UNKNOWN % "id__in"),
        ({"action": "delete", "all_matching": "1", "query": "current_mrr_min=5"}, UNKNOWN % "current_mrr_min"),
    ],
)
def test_bad_input_is_a_clear_400_and_writes_nothing(client_as, rep, people, data, message):
    response = post(client_as(rep), {**data, "confirmed": "1"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Contact.objects.count() == len(people)
    assert not ContactChange.objects.exists()


def test_tags_are_added_and_removed_with_one_audit_row_per_changed_contact(client_as, rep, people):
    client = client_as(rep)
    people[0].tags.add(Tag.objects.create(name="vip"))
    ids = [p.pk for p in people[:3]]
    asked = post(client, {"action": "tag_add", "tag": "vip", "ids": ids})
    assert "Add the tag “vip” to 2 contacts?" in asked.content.decode()  # one has it already
    post(client, {"action": "tag_add", "tag": "vip", "ids": ids, "confirmed": "1"})
    assert set(Contact.objects.filter(tags__name="vip").values_list("pk", flat=True)) == set(ids)
    assert ContactChange.objects.filter(action="tag_added").count() == 2

    asked = post(client, {"action": "tag_remove", "tag": "vip", "all_matching": "1"})
    assert "Remove the tag “vip” from 3 contacts?" in asked.content.decode()
    post(client, {"action": "tag_remove", "tag": "vip", "all_matching": "1", "confirmed": "1"})
    assert not Contact.objects.filter(tags__name="vip").exists()
    assert ContactChange.objects.filter(action="tag_removed").count() == 3


def test_delete_confirmation_states_the_count_and_the_audit_keeps_the_deleted(client_as, rep, people):
    client = client_as(rep)
    asked = post(client, {"action": "delete", "all_matching": "1", "query": "q=Person 0"})
    assert "Delete 4 contacts? This cannot be undone." in asked.content.decode()
    assert Contact.objects.count() == 4
    post(client, {"action": "delete", "all_matching": "1", "query": "q=Person 0", "confirmed": "1"})
    assert not Contact.objects.exists()
    assert set(ContactChange.objects.values_list("contact_name", flat=True)) == {p.name for p in people}


def test_the_confirmation_is_a_partial_of_the_same_template_for_htmx(client_as, rep, people):
    response = client_as(rep).post(URL, {"action": "delete", "ids": [people[0].pk]}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="bulk-confirm"' in body and "<html" not in body
    assert "Delete 1 contact?" in body


@pytest.mark.parametrize("rows", [10, 200])
def test_query_count_does_not_grow_with_the_rows(client_as, rep, manager, rep2, rows, django_assert_max_num_queries):
    Contact.objects.bulk_create([Contact(owner=rep, name=f"Row {i:04}") for i in range(rows)])
    client = client_as(manager)
    with django_assert_max_num_queries(14):
        response = post(client, {"action": "owner", "owner": rep2.pk, "all_matching": "1", "confirmed": "1"})
    assert response.status_code == 302
    assert Contact.objects.filter(owner=rep2).count() == rows
    assert ContactChange.objects.count() == rows
    with django_assert_max_num_queries(14):
        post(client, {"action": "tag_add", "tag": "bulk", "all_matching": "1", "confirmed": "1"})
    assert ContactChange.objects.filter(action="tag_added").count() == rows


def test_above_the_threshold_it_runs_as_a_background_job_with_progress(client_as, rep, manager, rep2, settings,
                                                                     celery_eager, django_capture_on_commit_callbacks):
    settings.BULK_ASYNC_ROWS = 5
    many = [ContactFactory(owner=rep, name=f"Many {i:02}") for i in range(8)]
    client = client_as(manager)
    asked = post(client, {"action": "owner", "owner": rep2.pk, "all_matching": "1"})
    assert "changed in the background" in asked.content.decode()
    token = asked.context["submission"]
    data = {"action": "owner", "owner": rep2.pk, "all_matching": "1", "confirmed": "1", "submission": token}
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, data)
    job = BulkJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    job.refresh_from_db()
    assert (job.status, job.rows_changed, job.total_rows) == ("done", 8, 8)
    assert set(owners(many).values()) == {"rep2"}
    assert ContactChange.objects.filter(job=job).count() == 8
    page = client.get(job.get_absolute_url())
    assert "8 of 8 rows" in page.content.decode() and "8 contacts changed." in page.content.decode()
    post(client, data)  # the same confirmation again: still one job
    assert BulkJob.objects.count() == 1
    assert client_as(rep2).get(job.get_absolute_url()).status_code == 404


def test_a_background_job_reselects_through_the_gate_and_chunks_in_one_transaction(rep, outsider_contact, people):
    from crm import bulk

    job = BulkJob.objects.create(owner=rep, action="tag_add", tag="chunked", source="contacts", query="",
                                 all_matching=True, total_rows=4)
    # held: every contact, the outsider's too, which the gate still leaves out
    BulkJobContact.objects.bulk_create(
        BulkJobContact(job=job, contact_id=pk) for pk in Contact.objects.values_list("pk", flat=True)
    )
    bulk.job_run(job_id=job.pk, chunk_rows=3)  # two chunks
    job.refresh_from_db()
    assert (job.status, job.rows_changed) == ("done", 4)
    assert set(Contact.objects.filter(tags__name="chunked")) == set(people)


def test_smart_list_bulk_change_owner_of_all_matching(client_as, rep, manager, rep2, people):
    ContactFactory(owner=rep, name="An organisation", kind=Contact.Kind.ORGANISATION)
    smartlist = SmartList.objects.create(owner=manager, name="People", columns=["name"], query="kind=person")
    client = client_as(manager)
    page = client.get(smartlist.get_absolute_url())
    assert "Select all 4 contacts matching this filter" in page.content.decode()
    url = reverse("smartlists:bulk", args=[smartlist.pk])
    asked = client.post(url, {"action": "owner", "owner": rep2.pk, "all_matching": "1", "query": "kind=person"})
    assert "Change the owner of 4 contacts" in asked.content.decode()
    done = client.post(url, {"action": "owner", "owner": rep2.pk, "all_matching": "1", "query": "kind=person",
                             "confirmed": "1"})
    assert done.status_code == 302
    assert set(owners(people).values()) == {"rep2"}
    assert Contact.objects.get(name="An organisation").owner == rep


def test_export_of_selected_rows_reuses_the_csv_export(client_as, rep, people):
    response = post(client_as(rep), {"action": "export", "ids": [people[1].pk, people[2].pk]})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    lines = body.strip().splitlines()
    assert len(lines) == 3 and people[1].name in body and people[2].name in body and people[0].name not in body
    # the columns the contact list shows, in its order
    assert lines[0].removeprefix("\ufeff") == "Name,Kind,Organisation,E-mail,Owner"
