"""Every list of people a page or form offers, as every kind of viewer: only people the gate shows.

The gate is `Contact.objects.visible_to(user)` (through `renewals.queries.people_visible_to`, which
gives partners the people of the customers they look after) and, for owners, `assignable_owners`.
The viewers: an admin, a manager and the manager of another team, a rep and a rep of another team,
a partner, a former team member (still active, no longer in the team) and a deactivated user.

The pages are every page of the product's URLconf that answers GET, opened on every object of the
scene (so a new page with a list of people is swept without being named here); in each, no person
outside the viewer's gate may appear, and every `<select>` of a catalogued people field offers
only ids of the gate. Saving a person outside the gate through such a field is refused.
"""

import datetime
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.urls.converters import IntConverter

from crm.models import Contact, User, assignable_owners
from renewals.models import ContractChange
from renewals.queries import people_visible_to
from smartlists.models import SmartList
from subscriptions.models import ExchangeRate, Period
from tests.factories import ContactFactory, OrganisationFactory, TeamFactory, UserFactory
from tests.html_forms import read_form
from tests.reliability import catalogue
from tests.renewals.factories import AssociationFactory, ContractChangeFactory, PartnerOrganisationFactory

VIEWERS = ["admin", "manager", "other_manager", "rep", "other_rep", "partner", "former_member", "deactivated"]

# What each catalogued people field of the product's forms may offer `user`, by its input's name.
OWNERS = "owners"
OWNER_USERNAMES = "owner usernames"  # the same people, named by username (a smart list's owner filter)
PEOPLE = "people"
ORGANISATIONS = "organisations"
PEOPLE_SELECTS = {
    "crm.forms.ContactForm.owner": ("owner", OWNERS),
    "crm.forms.ContactForm.organisation": ("organisation", ORGANISATIONS),
    "renewals.forms.PrimaryContactForm.primary_contact": ("primary_contact", PEOPLE),
    "filterset:SmartListFilter.owner": ("owner", OWNER_USERNAMES),
    "subscriptions.forms.MovementsForm.owner": ("owner", OWNER_USERNAMES),
}
# The pages whose "owner" <select> names people by username (elsewhere it is a contact form's id).
OWNER_BY_USERNAME_PAGES = ("smartlists:detail", "subscriptions:movements")
# The admin's people fields: its pages are for admins only (anyone else is sent to its login page,
# checked below), and an admin's gate is everyone.
ADMIN_ONLY = "admin:"


def gate(kind: str, user):
    if kind == OWNERS:
        return set(assignable_owners(user).values_list("pk", flat=True))
    if kind == OWNER_USERNAMES:
        return set(assignable_owners(user).values_list("username", flat=True))
    if kind == ORGANISATIONS:
        return set(Contact.objects.visible_to(user).organisations().values_list("pk", flat=True))
    return set(people_visible_to(user).values_list("pk", flat=True))


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def scene(admin_user, manager, rep, outsider, partner, subscriptions_on):
    former = UserFactory(username="former", role=User.Role.REP, first_name="Fiona", last_name="Former")
    deactivated = UserFactory(username="gone", role=User.Role.REP, first_name="Gus", last_name="Gone")
    from crm.models import Team

    team_a = Team.objects.get(name="Team A")
    team_a.members.add(deactivated)
    # the former member's contacts stay theirs; they left the team
    other_manager = Team.objects.get(members=outsider).manager
    acme = OrganisationFactory(owner=rep, name="Acme Visible Org")
    people = {
        "rep": ContactFactory(owner=rep, organisation=acme, name="Pia Repsperson", email="pia@acme.test"),
        "other_rep": ContactFactory(owner=outsider, organisation=acme, name="Oscar Otherteam", email="oscar@acme.test"),
        "former_member": ContactFactory(owner=former, organisation=acme, name="Fred Formerowned", email="fred@acme.test"),
        "deactivated": ContactFactory(owner=deactivated, organisation=acme, name="Dora Deadowned", email="dora@acme.test"),
        "admin": ContactFactory(owner=admin_user, organisation=acme, name="Ada Adminowned", email="ada@acme.test"),
    }
    hidden_org = OrganisationFactory(owner=outsider, name="Zeta Hidden Org")
    ContactFactory(owner=outsider, organisation=hidden_org, name="Hanna Hiddenorg", email="hanna@zeta.test")
    customer = AssociationFactory(partner=PartnerOrganisationFactory(users=[partner]), customer__contact=acme).customer
    change = ContractChangeFactory(customer=customer, primary_contact=people["rep"])
    Period.objects.create(contact=acme, mrr="100.00", start_date="2026-01-01", end_date="2027-06-30")
    deactivated.is_active = False
    deactivated.save()
    users = {"admin": admin_user, "manager": manager, "other_manager": other_manager, "rep": rep, "other_rep": outsider,
             "partner": partner, "former_member": former, "deactivated": deactivated}
    lists = [SmartList.objects.create(owner=user, name=f"List of {role}", shared=True, columns=["name", "email", "owner"])
             for role, user in users.items() if user.is_vendor_staff]
    objects = {"contact": [acme, hidden_org, *people.values()], "customer": [customer], "change": [change],
               "smartlist": lists, "period": list(Period.objects.all()),
               "rate": [ExchangeRate.objects.create(reporting_currency="EUR", currency="USD", rate="0.9", valid_from="2026-01-01")]}
    return {"users": users, "objects": objects, "change": change, "people": people, "hidden_org": hidden_org}


def _get_pages():
    """(name, kind of object) of every product URL, by the object its id names (None: no id)."""
    kinds = {"contacts": "contact", "customers": "customer", "changes": "change", "periods": "period",
             "exports": "export", "smartlists": "smartlist", "jobs": "bulk_job", "imports": "import", "rates": "rate",
             "api-tokens": "api_token", "renewals": "change"}  # the API's /api/v1/renewals/<id>/: a contract change

    pages = []
    for name, route, converters in ((r.name, r.route, r.converters) for r in catalogue.routes() if r.name):
        # pages for everyone, no one's data: the API's reference and schema are public, as the login page
        if name.startswith("admin:") or name in ("login", "logout", "set_language", "healthz", "api_docs",
                                                 "api:openapi-json"):
            continue
        if any(not isinstance(c, IntConverter) for c in converters.values()):
            pages.append((name, "feature"))
            continue
        if not converters:
            pages.append((name, None))
            continue
        segment = re.split(r"<int:\w+>", route)[0].rstrip("/").split("/")[-1]
        pages.append((name, kinds[segment]))
    return pages


PAGES = _get_pages()


def test_every_people_field_the_catalogue_finds_is_checked():
    fields = {f.key for f in catalogue.people_fields()}
    product = {key for key in fields if not key.startswith(ADMIN_ONLY)}
    assert product == PEOPLE_SELECTS.keys(), "a form offers people: say which gate bounds it in PEOPLE_SELECTS"
    assert fields - product, "the admin's people fields are catalogued too (admins only)"


def _urls(scene, name, kind):
    if kind is None:
        return [reverse(name)]
    if kind == "feature":
        return [reverse(name, args=["subscriptions"])]
    return [reverse(name, args=[obj.pk]) for obj in scene["objects"].get(kind, [])]


def _selects(html: str) -> dict[str, list[str]]:
    found = {}
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, flags=re.S):
        found.setdefault(name, []).extend(v for v in re.findall(r'<option[^>]*value="([^"]*)"', body) if v)
    return found


@pytest.mark.parametrize("viewer", VIEWERS)
def test_pages_and_forms_offer_only_people_the_viewer_may_see(scene, viewer):
    user = scene["users"][viewer]
    client = Client()
    client.force_login(user)
    # everyone in the scene who is a person, by the words that would show them
    everyone = {person.pk: (person.name, person.email) for person in Contact.objects.people()}
    seen_people = gate(PEOPLE, user)
    hidden = [words for pk, words in everyone.items() if pk not in seen_people]
    inactive_or_outside = [u for u in User.objects.all() if u.pk not in gate(OWNERS, user)]
    swept = offered_lists = 0
    for name, kind in PAGES:
        for url in _urls(scene, name, kind):
            response = client.get(url)
            if response.status_code != 200 or not response.get("Content-Type", "").startswith(("text/html", "text/csv")):
                continue
            swept += 1
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode("utf-8-sig")
            for words in hidden:
                assert not any(word in text for word in words), (viewer, url, words)
            selects = _selects(text)
            for field, (input_name, kind_of_gate) in PEOPLE_SELECTS.items():
                # "owner" names a person by id in the contact form, by username in a smart list's
                # filters (the scene's usernames are not numbers), a side in a renewal's menu
                by_username = kind_of_gate == OWNER_USERNAMES
                if by_username and name not in OWNER_BY_USERNAME_PAGES:
                    continue
                offered = {value if by_username else int(value) for value in selects.get(input_name, [])
                           if value.isdigit() != by_username}
                assert offered <= gate(kind_of_gate, user), (viewer, url, input_name, offered - gate(kind_of_gate, user))
                if kind_of_gate == OWNERS:
                    assert not offered & {u.pk for u in inactive_or_outside}
                if by_username:
                    assert not offered & {u.username for u in inactive_or_outside}
                    offered_lists += bool(offered)
    if user.is_active:
        assert swept, viewer
    else:
        assert swept == 0, "a deactivated user's session opens nothing"
    assert bool(offered_lists) == user.is_vendor_staff, "every colleague's smart lists offer an owner filter"


@pytest.mark.parametrize("viewer", VIEWERS)
def test_a_person_outside_the_gate_cannot_be_saved_through_a_people_field(scene, viewer):
    user = scene["users"][viewer]
    client = Client()
    client.force_login(user)
    change = scene["change"]
    people = scene["people"]
    seen = gate(PEOPLE, user)
    for person in people.values():
        response = client.post(reverse("renewals:change_primary_contact", args=[change.pk]),
                               {"primary_contact": person.pk, "version": ContractChange.objects.get(pk=change.pk).version,
                                "layout": "customer"}, headers={"HX-Request": "true"})
        stored = ContractChange.objects.get(pk=change.pk).primary_contact_id
        if person.pk not in seen:
            assert response.status_code in (302, 404, 422), (viewer, person.name, response.status_code)
            assert stored != person.pk or person == people["rep"], (viewer, person.name)
    # a smart list's owner filter: a person outside the gate is refused, never filtered on or saved
    own_list = SmartList.objects.filter(owner=user).first()
    if own_list is not None:
        for stranger in User.objects.exclude(username__in=gate(OWNER_USERNAMES, user)):
            shown = client.get(reverse("smartlists:detail", args=[own_list.pk]), {"owner": stranger.username})
            assert shown.status_code == 400 and str(stranger) not in shown.text.split("<main")[1], (viewer, stranger.username)
            saved = client.post(reverse("smartlists:save_filters", args=[own_list.pk]),
                                {"query": f"owner={stranger.username}", "sort": "name", "version": own_list.version})
            assert saved.status_code == 400 and SmartList.objects.get(pk=own_list.pk).query == "", (viewer, stranger.username)
    # the contact form: an owner they may not assign, an organisation they may not see
    new = reverse("contact_create")
    page = client.get(new)
    if page.status_code != 200:
        assert page.status_code in (302, 404)
        return
    form = read_form(page.text, action=new, page=new)
    strangers = [u for u in User.objects.all() if u.pk not in gate(OWNERS, user)]
    for stranger in strangers:
        before = Contact.objects.count()
        response = client.post(new, {**form, "kind": "person", "name": "Nobody New", "owner": stranger.pk})
        assert response.status_code == 422 and Contact.objects.count() == before, (viewer, stranger.username)
    if scene["hidden_org"].pk not in gate(ORGANISATIONS, user):
        before = Contact.objects.count()
        response = client.post(new, {**form, "kind": "person", "name": "Nobody New", "organisation": scene["hidden_org"].pk})
        assert response.status_code == 422 and Contact.objects.count() == before, viewer


def test_the_admins_people_fields_are_for_admins_only(scene):
    names = {f.form for f in catalogue.people_fields() if f.form.startswith(ADMIN_ONLY)}
    for viewer in VIEWERS:
        client = Client()
        client.force_login(scene["users"][viewer])
        for name in names:
            url = reverse(name) if name.endswith("_add") else None
            if url is None:
                continue
            status = client.get(url).status_code
            assert status == (200 if viewer == "admin" else 302), (viewer, name, status)


def test_the_people_seen_are_whose_contacts_the_viewer_sees_and_the_active_ones_the_owners_offered(scene):
    """`people_seen` (a manager's people in one statement): their ids are the viewer's own and their
    teams' reps' (a deactivated member's too: their contacts stay visible), the active ones
    `assignable_owners`'s answer, in the same order; an admin's are everyone's (None)."""
    from crm.models import Team, assignable_of, owner_ids_of, people_seen

    for viewer in VIEWERS:
        user = scene["users"][viewer]
        seen = people_seen(user)
        if viewer == "admin":
            assert seen is None
            continue
        if viewer in ("manager", "other_manager"):
            expected = {user.pk, *Team.objects.filter(manager=user).exclude(members=None).values_list("members", flat=True)}
        else:
            expected = {user.pk} if user.is_rep else set()
        assert set(owner_ids_of(seen)) == expected, viewer
        assert [person.pk for person in assignable_of(seen)] == list(assignable_owners(user).values_list("pk", flat=True)), viewer
    deactivated = scene["users"]["deactivated"].pk
    assert deactivated in owner_ids_of(people_seen(scene["users"]["manager"]))
    assert deactivated not in assignable_owners(scene["users"]["manager"]).values_list("pk", flat=True)
