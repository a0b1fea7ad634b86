"""Cached pages: served again while nothing changed, never after a write, never to someone else."""

import datetime

import pytest
from django.urls import reverse

from crm import pagecache
from crm.models import Contact
from tests.factories import ContactFactory

LIST = "/contacts/"


@pytest.fixture
def rep_client(client_as, rep, contact):
    client = client_as(rep)
    client.get(LIST)  # the first page sets the CSRF cookie a cached page is keyed on
    return client


def test_a_repeated_page_is_served_from_the_cache_in_the_floor_views_queries(
    rep_client, django_assert_num_queries
):
    first = rep_client.get(LIST)
    with django_assert_num_queries(2):  # the session and the user, as any logged-in request
        again = rep_client.get(LIST)
    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]


def test_a_write_through_the_orm_retires_the_page(rep_client, contact):
    rep_client.get(LIST)
    contact.name = "Rita Renamed"
    contact.save()
    assert "Rita Renamed" in rep_client.get(LIST).content.decode()


def test_a_write_through_the_edit_form_shows_at_once(rep_client, rep, contact):
    rep_client.get(contact.get_absolute_url())
    data = {"kind": contact.kind, "name": "Rita Edited", "email": "", "phone": "", "owner": rep.pk}
    response = rep_client.post(reverse("contact_edit", args=[contact.pk]), data)
    assert response.status_code == 302
    assert "Rita Edited" in rep_client.get(contact.get_absolute_url()).content.decode()
    assert "Rita Edited" in rep_client.get(LIST).content.decode()


def test_a_bulk_update_is_shown_once_it_says_the_data_changed(rep_client, contact):
    rep_client.get(LIST)
    Contact.objects.filter(pk=contact.pk).update(name="Rita Bulk")  # no signal: the cache cannot know
    assert "Rita Bulk" not in rep_client.get(LIST).content.decode()
    pagecache.data_changed()
    assert "Rita Bulk" in rep_client.get(LIST).content.decode()


def test_a_hard_reload_renders_afresh(rep_client, contact):
    rep_client.get(LIST)
    Contact.objects.filter(pk=contact.pk).update(name="Rita Reloaded")
    fresh = rep_client.get(LIST, headers={"Cache-Control": "no-cache"})
    assert "Rita Reloaded" in fresh.content.decode()
    assert "Rita Reloaded" in rep_client.get(LIST).content.decode()  # and stored for the next one


def test_the_version_is_retired_again_when_the_transaction_commits(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ContactFactory()
        during = pagecache.cache.get(pagecache.VERSION_KEY)
    assert callbacks, "a write schedules a retirement on commit"
    assert pagecache.cache.get(pagecache.VERSION_KEY) != during


def test_one_users_page_is_never_served_to_another(client_as, rep, outsider, contact, outsider_contact):
    rep_page = client_as(rep).get(LIST).content.decode()
    rep_page = client_as(rep).get(LIST).content.decode()
    outsider_page = client_as(outsider).get(LIST).content.decode()
    assert contact.name in rep_page and outsider_contact.name not in rep_page
    assert outsider_contact.name in outsider_page and contact.name not in outsider_page


def test_a_flash_message_is_shown_and_not_cached_away(rep_client, rep):
    data = {"kind": Contact.Kind.PERSON, "name": "Nora New", "email": "", "phone": "", "owner": rep.pk}
    response = rep_client.post(reverse("contact_create"), data, follow=True)
    assert "Nora New" in response.content.decode()
    assert "saved" in response.content.decode()
    assert "saved" not in rep_client.get(response.redirect_chain[-1][0]).content.decode()


def test_htmx_partials_and_full_pages_are_kept_apart(rep_client):
    full = rep_client.get(LIST)
    partial = rep_client.get(LIST, headers={"HX-Request": "true"})
    assert b"<html" in full.content and b"<html" not in partial.content
    assert b"<html" in rep_client.get(LIST).content


def test_each_language_has_its_own_page(rep_client):
    rep_client.get(LIST)
    italian = rep_client.get(LIST, headers={"Accept-Language": "it"}).content.decode()
    assert 'lang="it"' in italian


def test_a_new_day_is_a_new_page(rep_client, time_machine, django_assert_num_queries):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 12, tzinfo=datetime.UTC), tick=False)
    rep_client.get(LIST)
    with django_assert_num_queries(2):
        rep_client.get(LIST)
    time_machine.move_to(datetime.datetime(2026, 11, 23, 12, tzinfo=datetime.UTC), tick=False)
    with pytest.raises(pytest.fail.Exception, match="were done"):  # rendered again: "today" moved on
        with django_assert_num_queries(2):
            rep_client.get(LIST)


def test_turned_off_every_request_runs_the_view(rep_client, settings, django_assert_num_queries):
    settings.CRM_PAGE_CACHE_SECONDS = 0
    rep_client.get(LIST)
    with pytest.raises(pytest.fail.Exception, match="were done"):
        with django_assert_num_queries(2):
            rep_client.get(LIST)


def test_an_error_page_is_not_cached(client_as, partner):
    client = client_as(partner)
    client.get("/renewals/")
    assert client.get(LIST).status_code == 404
    assert client.get(LIST).status_code == 404
