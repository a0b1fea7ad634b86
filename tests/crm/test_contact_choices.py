"""The contact form's owner and organisation: the chosen one and the first few matches of a search,
never every person an admin may assign or every organisation a manager sees; searched as one types
(htmx) or with "Find" without JavaScript; only rows of the viewer's gate, and a choice kept as it is."""

import re

import pytest
from django.urls import reverse

from crm.choices import CHOICES_SHOWN
from crm.models import Contact, User
from tests.factories import ContactFactory, UserFactory

NEW = reverse("contact_create")
ORGANISATIONS = reverse("contact_organisation_choices")
OWNERS = reverse("contact_owner_choices")
HTMX = {"HX-Request": "true"}


def options(html: str, name: str) -> list[str]:
    """The labels of the options `name`'s <select> offers, the empty choice left out."""
    body = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, flags=re.S).group(1)
    return [label for value, label in re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', body) if value]


def selected(html: str, name: str) -> str | None:
    body = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, flags=re.S).group(1)
    found = re.search(r'<option value="(\d+)"[^>]*selected>', body)
    return found and found.group(1)


@pytest.fixture
def many_organisations(rep):
    """More organisations than a choice lists, named so that their order is their number."""
    return [ContactFactory(owner=rep, name=f"Org {n:03d}", kind=Contact.Kind.ORGANISATION)
            for n in range(CHOICES_SHOWN + 5)]


def test_the_form_lists_the_first_organisations_and_offers_a_search_for_the_others(client_as, rep, many_organisations):
    page = client_as(rep).get(NEW).text
    assert options(page, "organisation") == [f"Org {n:03d}" for n in range(CHOICES_SHOWN)]
    assert f"Only the first {CHOICES_SHOWN} are listed" in page
    assert 'name="organisation_q"' in page and f'data-hx-get="{ORGANISATIONS}"' in page
    # the rep's own contacts are few: the owner is a plain list, with no search box
    assert 'name="owner_q"' not in page


def test_the_page_reads_the_same_whatever_the_number_of_organisations(client_as, rep, django_assert_max_num_queries):
    client = client_as(rep)
    client.get(NEW)
    with django_assert_max_num_queries(12) as few:
        client.get(NEW)
    ContactFactory.create_batch(CHOICES_SHOWN * 5, owner=rep, kind=Contact.Kind.ORGANISATION)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(NEW).text
    assert len(options(page, "organisation")) == CHOICES_SHOWN


def test_an_organisation_beyond_the_first_few_stays_chosen_and_is_kept_on_save(client_as, rep, many_organisations):
    last = many_organisations[-1]
    person = ContactFactory(owner=rep, name="Pia Person", organisation=last)
    client = client_as(rep)
    page = client.get(reverse("contact_edit", args=[person.pk])).text
    assert selected(page, "organisation") == str(last.pk)
    assert options(page, "organisation")[0] == last.name  # offered first, before the first matches
    response = client.post(reverse("contact_edit", args=[person.pk]), {
        "kind": "person", "name": "Pia Renamed", "owner": rep.pk, "organisation": last.pk, "version": 1,
    })
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.organisation_id) == ("Pia Renamed", last.pk)


def test_the_search_box_lists_matches_of_the_viewers_organisations_only(client_as, rep, outsider, many_organisations):
    ContactFactory(owner=rep, name="Zeta Works", kind=Contact.Kind.ORGANISATION)
    ContactFactory(owner=outsider, name="Zeta Hidden", kind=Contact.Kind.ORGANISATION)
    chosen = many_organisations[0]
    response = client_as(rep).get(ORGANISATIONS, {"organisation_q": "zeta", "organisation": chosen.pk}, headers=HTMX)
    assert response.status_code == 200
    # the row chosen before the search stays chosen, then the matches
    assert options(response.text, "organisation") == [chosen.name, "Zeta Works"]
    assert selected(response.text, "organisation") == str(chosen.pk)
    nothing = client_as(rep).get(ORGANISATIONS, {"organisation_q": "hidden"}, headers=HTMX).text
    assert options(nothing, "organisation") == [] and "Nothing matches that name." in nothing
    # someone else's organisation named as the chosen one is not offered either
    hidden = Contact.objects.get(name="Zeta Hidden")
    assert "Zeta Hidden" not in client_as(rep).get(ORGANISATIONS, {"organisation": hidden.pk}, headers=HTMX).text


def test_an_admin_is_offered_a_search_among_everyone_they_may_assign(client_as, admin_user, rep):
    for n in range(CHOICES_SHOWN + 3):
        UserFactory(username=f"user{n:03d}", first_name="Anna", last_name=f"Many{n:03d}", role=User.Role.REP)
    UserFactory(username="gone", first_name="Gus", last_name="Gone", role=User.Role.REP, is_active=False)
    admin_user.first_name, admin_user.last_name = "Zoe", "Admin"  # after the first matches, whatever the factory drew
    admin_user.save()
    client = client_as(admin_user)
    page = client.get(NEW).text
    assert len(options(page, "owner")) == CHOICES_SHOWN + 1  # the admin, chosen, and the first matches
    assert selected(page, "owner") == str(admin_user.pk)
    found = client.get(OWNERS, {"owner_q": f"many{CHOICES_SHOWN + 2:03d}"}, headers=HTMX).text
    assert options(found, "owner") == [f"Anna Many{CHOICES_SHOWN + 2:03d}"]
    assert options(client.get(OWNERS, {"owner_q": "gone"}, headers=HTMX).text, "owner") == []


def test_find_without_javascript_shows_the_form_again_unsaved_with_the_matches(client_as, rep, many_organisations):
    client = client_as(rep)
    form = {"kind": "person", "name": "Nina New", "owner": rep.pk, "submission": "a" * 32,
            "organisation_q": f"org {CHOICES_SHOWN + 4:03d}", "organisation_find": "1"}
    response = client.post(NEW, form)
    assert response.status_code == 200 and not Contact.objects.filter(name="Nina New").exists()
    assert options(response.text, "organisation") == [f"Org {CHOICES_SHOWN + 4:03d}"]
    assert 'value="Nina New"' in response.text and 'role="alert"' not in response.text
    token = re.search(r'name="submission" value="([^"]+)"', response.text).group(1)
    assert token == form["submission"]  # the same one-time token: the save that follows makes one contact
    last = many_organisations[-1]
    chosen = {name: value for name, value in form.items() if name != "organisation_find"}
    saved = client.post(NEW, {**chosen, "organisation": last.pk})
    assert saved.status_code == 302
    assert Contact.objects.get(name="Nina New").organisation == last


def test_a_search_it_cannot_read_is_refused_with_a_message(client_as, rep):
    client = client_as(rep)
    too_long = client.get(ORGANISATIONS, {"organisation_q": "x" * 101}, headers=HTMX)
    assert too_long.status_code == 400 and "at most 100 characters" in too_long.text
    not_a_row = client.get(OWNERS, {"owner": "abc"}, headers=HTMX)
    assert not_a_row.status_code == 400 and "Enter a whole number" in not_a_row.text


def test_a_choice_opened_on_its_own_leads_to_the_contact_form(client_as, rep):
    response = client_as(rep).get(ORGANISATIONS)
    assert response.status_code == 302 and response.url == NEW
