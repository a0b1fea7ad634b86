"""How the product shows people, numbers and dates in each language: full names (never usernames),
numbers grouped as the language groups them, month names as the language writes them, and choices
that read as words."""

import datetime
import re

import pytest
from django.urls import reverse

from crm.models import Contact, ContactChange, User, person_name
from tests.factories import ContactFactory, UserFactory


pytestmark = pytest.mark.usefixtures("compiled_catalogues")


@pytest.fixture
def named_rep(rep):
    rep.first_name, rep.last_name = "Rosa", "Bianchi"
    rep.save()
    return rep


@pytest.fixture
def rep2(rep):
    other = UserFactory(username="rep2", role=User.Role.REP, first_name="Marco", last_name="Verdi")
    rep.teams.first().members.add(other)
    return other


def test_the_query_expression_names_people_as_python_does(db):
    named = UserFactory(username="gverdi", first_name="Giulia", last_name="Verdi")
    unnamed = UserFactory(username="nobody_named", first_name="", last_name="")
    first_only = UserFactory(username="cher", first_name="Cher", last_name="")
    for user in (named, unnamed, first_only):
        ContactFactory(owner=user)
    shown = dict(Contact.objects.annotate(shown=person_name("owner__")).values_list("owner__username", "shown"))
    assert shown == {"gverdi": "Giulia Verdi", "nobody_named": "nobody_named", "cher": "Cher"}
    assert {user.username: str(user) for user in (named, unnamed, first_only)} == shown


def test_owners_show_by_full_name_in_the_list_the_form_and_the_bulk_confirmation(client_as, manager, named_rep, rep2):
    contact = ContactFactory(owner=named_rep, name="Alpha Srl")
    client = client_as(manager)
    listed = client.get(reverse("contact_list")).text
    assert "<td>Rosa Bianchi</td>" in listed and "<td>rep</td>" not in listed
    picker = client.get(reverse("bulk_owner_choices"), {"action": "owner"}, headers={"HX-Request": "true"}).text
    assert re.search(r'<option value="\d+">Marco Verdi</option>', picker)  # the bulk owner picker, read on demand
    form = client.get(reverse("contact_edit", args=[contact.pk])).text
    assert re.search(rf'<option value="{named_rep.pk}" selected>Rosa Bianchi</option>', form)
    asked = client.post(reverse("contact_bulk"), {"action": "owner", "owner": rep2.pk, "ids": contact.pk, "query": ""})
    assert "Change the owner of 1 contact to Marco Verdi?" in asked.text


def test_the_audit_of_a_bulk_owner_change_names_both_owners(client_as, manager, named_rep, rep2):
    contact = ContactFactory(owner=named_rep)
    client_as(manager).post(reverse("contact_bulk"), {"action": "owner", "owner": rep2.pk, "ids": contact.pk,
                                                      "query": "", "confirmed": "1"})
    change = ContactChange.objects.get(contact_pk=contact.pk)
    assert (change.old_value, change.new_value) == ("Rosa Bianchi", "Marco Verdi")


def test_the_owner_column_of_lists_shows_full_names(db, named_rep):
    from crm import fields

    ContactFactory(owner=named_rep)
    shown = fields.annotate(Contact.objects.all(), ["owner_name"], today=datetime.date(2026, 1, 1))
    assert list(shown.values_list("owner_name", flat=True)) == ["Rosa Bianchi"]


@pytest.mark.parametrize(("language", "count", "page"), [
    ("en", "1,205 contacts", "Page 1 of 49"),
    ("it", "1.205 contatti", "Pagina 1 di 49"),
    ("pt-br", "1.205 contatos", "Página 1 de 49"),
])
def test_counts_are_grouped_as_the_language_groups_them(client_as, rep, language, count, page):
    Contact.objects.bulk_create([Contact(name=f"Bulk {i:04}", owner=rep, kind=Contact.Kind.PERSON) for i in range(1205)])
    response = client_as(rep).get(reverse("contact_list"), headers={"Accept-Language": language})
    assert count in response.text
    assert page in response.text


def test_a_bulk_confirmation_groups_its_count(client_as, rep):
    Contact.objects.bulk_create([Contact(name=f"Bulk {i:04}", owner=rep, kind=Contact.Kind.PERSON) for i in range(1205)])
    asked = client_as(rep).post(reverse("contact_bulk"), {"action": "tag_add", "tag": "vip", "all_matching": "1",
                                                          "query": ""}, headers={"Accept-Language": "it"})
    assert asked.status_code == 200
    assert "1.205 contatti?" in asked.text


@pytest.mark.parametrize(("language", "words"), [("it", "Nessuna organizzazione"), ("pt-br", "Nenhuma organização"),
                                                 ("en", "No organisation")])
def test_the_empty_choice_reads_as_a_word(client_as, rep, language, words):
    page = client_as(rep).get(reverse("contact_create"), headers={"Accept-Language": language}).text
    assert "---------" not in page
    assert f'<option value="" selected>{words}</option>' in page


@pytest.mark.parametrize(("language", "title", "text"), [
    ("it", "Pagina non trovata", "Vai alla pagina iniziale"),
    ("pt-br", "Página não encontrada", "Ir para a página inicial"),
])
def test_the_404_page_speaks_the_language_of_visitors_and_of_people_logged_in(client, rep, language, title, text):
    anonymous = client.get("/no-such-page/", headers={"Accept-Language": language})
    assert anonymous.status_code == 404 and f"<h1>{title}</h1>" in anonymous.text and text in anonymous.text
    client.force_login(rep)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    missing_contact = client.get(reverse("contact_detail", args=[987654]))
    assert missing_contact.status_code == 404 and f"<h1>{title}</h1>" in missing_contact.text
    assert f'<html lang="{language}">' in missing_contact.text


@pytest.mark.parametrize(("language", "date"), [
    ("it", "4 dicembre 2026"), ("pt-br", "4 de dezembro de 2026"), ("en", "December 4, 2026"),
])
def test_month_names_are_written_as_the_language_writes_them(client_as, rep, subscriptions_on, time_machine, language,
                                                              date):
    time_machine.move_to(datetime.datetime(2026, 12, 4, 12, tzinfo=datetime.UTC), tick=False)
    page = client_as(rep).get(reverse("subscriptions:pipeline"), headers={"Accept-Language": language}).text
    assert date in page
    assert "Dicembre" not in page and "Dezembro" not in page


def test_crm_s_histories_show_people_dates_and_values_as_the_page_does(client_as, manager, named_rep, rep2):
    """The audit rows crm shows (a feature's switches on its settings page) and keeps (a bulk
    owner change): people by full name, dates in the language's format, actions in words."""
    import time_machine

    from crm.models import FeatureChange

    admin = UserFactory(username="root", first_name="Ada", last_name="Rossi", role=User.Role.ADMIN,
                        is_staff=True, is_superuser=True)
    client = client_as(admin)
    with time_machine.travel(datetime.datetime(2026, 12, 4, 9, 5, tzinfo=datetime.UTC), tick=False):
        client.post(reverse("customize_feature", args=["subscriptions"]), {"active": "1"})
    assert FeatureChange.objects.get().changed_by == admin
    page = client.get(reverse("customize_feature", args=["subscriptions"]), headers={"Accept-Language": "it"}).text
    assert "<li>Attivata · Ada Rossi · 04/12/2026 09:05</li>" in page
    contact = ContactFactory(owner=named_rep)
    client_as(manager).post(reverse("contact_bulk"), {"action": "owner", "owner": rep2.pk, "ids": contact.pk,
                                                      "query": "", "confirmed": "1"})
    change = ContactChange.objects.get(contact_pk=contact.pk)
    assert (change.get_action_display(), change.old_value, change.new_value) == ("Owner changed", "Rosa Bianchi", "Marco Verdi")
