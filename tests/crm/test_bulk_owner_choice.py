"""The bulk bar's new owner: read when someone picks "Change owner", never with the list; only people
the viewer may assign; searched and capped for an admin's thousands; offered again without JavaScript."""

import re

import pytest

from crm import bulk
from crm.choices import CHOICES_SHOWN
from crm.models import Contact, ContactChange, User
from smartlists.models import SmartList
from tests.factories import ContactFactory, UserFactory

URL = "/contacts/bulk/owners/"
BULK = "/contacts/bulk/"
HTMX = {"HX-Request": "true", "HX-Target": "bulk-owner"}
SEARCH = {"HX-Request": "true", "HX-Target": "bulk-owner-options"}


@pytest.fixture
def rep2(rep):
    other = UserFactory(username="rep2", first_name="Bruna", last_name="Second", role=User.Role.REP)
    rep.teams.first().members.add(other)
    return other


@pytest.fixture
def people(rep):
    return [ContactFactory(owner=rep, name=f"Person {i:02}", kind=Contact.Kind.PERSON) for i in range(3)]


def offered(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<option value="(\d+)">', html)]


def chooser(client, **params):
    response = client.get(URL, {"action": "owner", **params}, headers=HTMX)
    assert response.status_code == 200
    return response.text


def test_list_pages_carry_no_owner_list(client_as, admin_user, rep, outsider):
    """No list of every user: the bulk bar asks for its choice when "Change owner" is picked, and
    a smart list's owner filter lists at most CHOICES_SHOWN people (more are typed by username)."""
    UserFactory(username="unlisted", first_name="Ulrike", last_name="Unlisted", role=User.Role.REP)
    UserFactory.create_batch(CHOICES_SHOWN, role=User.Role.REP)
    smartlist = SmartList.objects.create(owner=admin_user, name="Everyone", columns=["name"])
    client = client_as(admin_user)
    for path in ("/contacts/", smartlist.get_absolute_url()):
        page = client.get(path).text
        assert '<select name="owner"' not in page and "Ulrike" not in page
        assert f'data-hx-get="{URL}"' in page  # picking "Change owner" asks for it


def test_each_role_is_offered_only_the_people_it_may_assign(client_as, admin_user, manager, rep, rep2, outsider,
                                                            partner):
    UserFactory(username="gone", role=User.Role.REP, is_active=False)
    assert set(offered(chooser(client_as(manager)))) == {manager.pk, rep.pk, rep2.pk}
    # the outsider, a rep of another team, may only keep contacts for themself
    assert offered(chooser(client_as(outsider))) == [outsider.pk]
    everyone = {admin_user.pk, manager.pk, rep.pk, rep2.pk, outsider.pk, outsider.teams.get().manager_id}
    assert set(offered(chooser(client_as(admin_user)))) == everyone
    assert client_as(partner).get(URL, {"action": "owner"}, headers=HTMX).status_code == 404


def test_opened_on_its_own_it_leads_to_the_contact_list(client_as, rep):
    response = client_as(rep).get(URL, {"action": "owner"})
    assert response.status_code == 302 and response["Location"] == "/contacts/"


def test_the_control_is_labelled_and_names_people_as_everywhere(client_as, manager, rep2):
    html = chooser(client_as(manager))
    assert html.lstrip().startswith('<div id="bulk-owner"')
    assert 'aria-label="Find a person"' in html and 'aria-label="New owner"' in html
    assert f'<option value="{rep2.pk}">Bruna Second</option>' in html


def test_another_action_or_none_gets_an_empty_slot(client_as, manager, rep):
    client = client_as(manager)
    for params in ({"action": "tag_add"}, {"action": ""}, {}):
        response = client.get(URL, params, headers=HTMX)
        assert response.status_code == 200
        assert response.text.strip() == '<div id="bulk-owner" class="bulk-owner"></div>'


def test_a_long_list_is_capped_and_searched(client_as, admin_user, partner):
    reps = [UserFactory(username=f"many{i:02}", first_name=f"Many{i:02}", last_name="Rep", role=User.Role.REP)
            for i in range(bulk.OWNER_CHOICES_SHOWN + 10)]
    client = client_as(admin_user)
    html = chooser(client)
    assert len(offered(html)) == bulk.OWNER_CHOICES_SHOWN
    assert f"Only the first {bulk.OWNER_CHOICES_SHOWN} people are listed" in html
    # typed in the box: the list alone comes back, the box keeps its text and focus
    found = client.get(URL, {"owner_q": "many59 r"}, headers=SEARCH)
    assert found.text.lstrip().startswith('<div id="bulk-owner-options"')
    assert offered(found.text) == [reps[59].pk] and "Only the first" not in found.text
    assert offered(client.get(URL, {"owner_q": "MANY07"}, headers=SEARCH).text) == [reps[7].pk]  # the username
    # a partner is no owner of contacts: searched by name, not found
    nobody = client.get(URL, {"owner_q": partner.username}, headers=SEARCH).text
    assert offered(nobody) == [] and "No one you may make the owner has that name." in nobody


def test_an_overlong_search_is_a_clear_400(client_as, manager):
    response = client_as(manager).get(URL, {"owner_q": "x" * 101}, headers=SEARCH)
    assert response.status_code == 400
    assert "Find a person: Ensure this value has at most 100 characters" in response.text


@pytest.mark.parametrize("people_count", [10, 200])
def test_the_query_count_does_not_grow_with_the_people(client_as, admin_user, people_count,
                                                       django_assert_max_num_queries):
    User.objects.bulk_create([User(username=f"bulk{i:03}", role=User.Role.REP) for i in range(people_count)])
    client = client_as(admin_user)
    # session, user, the first people, and the switched-on features (the admin's navigation has an
    # entry of the subscriptions feature; a process reads them once, and each test forgets them)
    with django_assert_max_num_queries(4):
        client.get(URL, {"action": "owner"}, headers=HTMX)


def test_without_javascript_the_next_step_offers_the_owner(client_as, manager, rep, rep2, outsider, people):
    client = client_as(manager)
    chosen = [people[0].pk, people[1].pk]
    step = client.post(BULK, {"action": "owner", "ids": chosen, "query": "q=person"})
    assert step.status_code == 200
    assert "Who should own the 2 selected contacts?" in step.text
    assert set(offered(step.text)) == {manager.pk, rep.pk, rep2.pk}
    assert all(f'name="ids" value="{pk}"' in step.text for pk in chosen)
    assert 'name="query" value="q=person"' in step.text
    searched = client.post(BULK, {"action": "owner", "ids": chosen, "owner_q": "bruna", "owner_search": "1"})
    assert offered(searched.text) == [rep2.pk]
    asked = client.post(BULK, {"action": "owner", "ids": chosen, "owner": rep2.pk, "owner_q": "bruna"})
    assert "Change the owner of 2 contacts to Bruna Second?" in asked.text
    assert not Contact.objects.filter(owner=rep2).exists()  # nothing before the confirmation
    client.post(BULK, {"action": "owner", "ids": chosen, "owner": rep2.pk, "confirmed": "1"})
    assert set(Contact.objects.filter(owner=rep2)) == {people[0], people[1]}


def test_an_owner_the_viewer_may_not_assign_is_refused_at_every_step(client_as, rep, outsider, people):
    client = client_as(rep)
    for data in ({}, {"owner_search": "1"}, {"confirmed": "1"}):
        response = client.post(BULK, {"action": "owner", "owner": outsider.pk, "all_matching": "1", **data})
        assert response.status_code == 400
        assert "You may not make this person the owner of contacts." in response.text
    assert set(Contact.objects.values_list("owner", flat=True)) == {rep.pk}
    assert not ContactChange.objects.exists()


def test_no_action_picked_is_a_clear_400(client_as, rep, people):
    response = client_as(rep).post(BULK, {"action": "", "all_matching": "1"})
    assert response.status_code == 400
    assert "Choose an action." in response.text


def test_in_portuguese(client_as, manager, rep2, people):
    client = client_as(manager)
    html = client.get(URL, {"action": "owner"}, headers={**HTMX, "Accept-Language": "pt-br"}).text
    assert 'aria-label="Encontrar uma pessoa"' in html and "Escolha o novo responsável…" in html
    step = client.post(BULK, {"action": "owner", "ids": [people[0].pk]}, headers={"Accept-Language": "pt-br"})
    assert "Quem deve ser o responsável pelo 1 contato selecionado?" in step.text
