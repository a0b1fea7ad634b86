"""Smart list CRUD, who sees which list, and the list page: columns, sort, pages, totals, filters."""

import html
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.http import QueryDict
from django.urls import reverse

from crm.models import Feature, User
from smartlists.models import SmartList
from tests.factories import ContactFactory, TeamFactory, UserFactory
from tests.smartlists.conftest import days, period, smartlist

pytestmark = pytest.mark.django_db


def detail(sl, query=""):
    return reverse("smartlists:detail", args=[sl.pk]) + (f"?{query}" if query else "")


def names(response):
    """The contact names of the page's table, in order."""
    return [html.unescape(name) for name in re.findall(r'<td>(?:<input [^>]*> )?<a href="/contacts/\d+/">([^<]*)</a></td>', response.text)]


# CRUD ------------------------------------------------------------------------------------------


def test_create_then_rename_share_and_delete(client_as, rep):
    client = client_as(rep)
    response = client.post(reverse("smartlists:create"), {"name": "Hot leads"})
    created = SmartList.objects.get()
    assert response.status_code == 302 and response.url == created.get_absolute_url()
    assert (created.owner, created.shared, created.columns) == (rep, False, ["name", "owner_name", "email"])

    response = client.post(reverse("smartlists:edit", args=[created.pk]), {"name": "Warm leads", "shared": "on", "version": 1})
    created.refresh_from_db()
    assert response.status_code == 302 and (created.name, created.shared) == ("Warm leads", True)

    assert client.post(reverse("smartlists:delete", args=[created.pk])).status_code == 302
    assert not SmartList.objects.exists()


def test_a_list_without_a_name_is_refused_with_422(client_as, rep):
    response = client_as(rep).post(reverse("smartlists:create"), {"name": ""})
    assert response.status_code == 422 and "errorlist" in response.text
    assert not SmartList.objects.exists()


def test_only_the_owner_changes_a_shared_list(client_as, rep, manager):
    shared = smartlist(rep, shared=True)
    client = client_as(manager)
    assert client.get(detail(shared)).status_code == 200
    assert client.post(reverse("smartlists:edit", args=[shared.pk]), {"name": "Mine now"}).status_code == 404
    assert client.post(reverse("smartlists:delete", args=[shared.pk])).status_code == 404
    assert client.post(reverse("smartlists:columns", args=[shared.pk]), {"add": "phone", "version": 1}).status_code == 404
    shared.refresh_from_db()
    assert shared.name == "My list" and "phone" not in shared.columns


# Visibility of lists ---------------------------------------------------------------------------


@pytest.fixture
def team_lists(manager, rep, outsider):
    teammate = UserFactory(username="teammate", role=User.Role.REP)
    manager.managed_teams.get().members.add(teammate)
    return {
        "rep_private": smartlist(rep, name="rep private"),
        "rep_shared": smartlist(rep, name="rep shared", shared=True),
        "teammate_shared": smartlist(teammate, name="teammate shared", shared=True),
        "manager_shared": smartlist(manager, name="manager shared", shared=True),
        "manager_private": smartlist(manager, name="manager private"),
        "outsider_shared": smartlist(outsider, name="outsider shared", shared=True),
    }


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("rep", {"rep private", "rep shared", "teammate shared", "manager shared"}),
        ("manager", {"manager shared", "manager private", "rep shared", "teammate shared"}),
        ("outsider", {"outsider shared"}),
    ],
)
def test_own_lists_and_lists_shared_with_the_team(client_as, team_lists, request, who, visible):
    user = request.getfixturevalue(who)
    client = client_as(user)
    index = client.get(reverse("smartlists:index")).text
    for key, sl in team_lists.items():
        assert (sl.name in index) == (sl.name in visible), key
        assert client.get(detail(sl)).status_code == (200 if sl.name in visible else 404), key


def test_a_partner_has_no_smart_lists(client_as, partner, rep):
    sl = smartlist(rep, shared=True)
    client = client_as(partner)
    assert client.get(reverse("smartlists:index")).status_code == 404
    assert client.get(detail(sl)).status_code == 404


def test_a_shared_list_shows_each_viewer_only_their_own_contacts(client_as, manager, rep, outsider):
    ContactFactory(owner=rep, name="Rep's customer")
    ContactFactory(owner=manager, name="Manager's customer")
    ContactFactory(owner=outsider, name="Outsider's customer")
    shared = smartlist(manager, shared=True, columns=["name"])
    assert names(client_as(rep).get(detail(shared))) == ["Rep's customer"]
    assert names(client_as(manager).get(detail(shared))) == ["Manager's customer", "Rep's customer"]


# The page --------------------------------------------------------------------------------------


@pytest.fixture
def book(rep, subscriptions_on):
    """Three customers of the rep with subscriptions, one without."""
    alpha, beta, gamma, delta = (ContactFactory(owner=rep, name=n) for n in ["Alpha", "Beta", "Gamma", "Delta"])
    period(alpha, "100.00", days(-100), days(30))
    period(alpha, "150.00", days(31), days(400))
    period(beta, "300.00", days(-10), days(80))
    period(gamma, "50.00", days(-10), days(200), currency="USD")
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "delta": delta}


def test_page_shows_the_chosen_columns_in_order(client_as, rep, book):
    sl = smartlist(rep, columns=["current_mrr", "name", "upcoming_direction", "current_end"])
    response = client_as(rep).get(detail(sl))
    headings = re.findall(r'data-hx-push-url="true" aria-label="[^"]*">([^<]*)(?:<span aria-hidden="true"> [▲▼]</span>)?</a>', response.text)
    assert headings == ["Current MRR", "Name", "MRR status", "Subscription end date"]
    assert "4 contacts" in response.text
    alpha_row = response.text.split(">Alpha<")[0].rsplit("<tr>", 1)[1]
    assert "100.00" in alpha_row


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Alpha", "Beta", "Delta", "Gamma"]),
        ("-name", ["Gamma", "Delta", "Beta", "Alpha"]),
        # by currency (A to Z both ways: Gamma's 50 USD is never compared with euros), then amount; nothing last
        ("current_mrr", ["Alpha", "Beta", "Gamma", "Delta"]),
        ("-current_mrr", ["Beta", "Alpha", "Gamma", "Delta"]),
        ("current_end", ["Alpha", "Beta", "Gamma", "Delta"]),
        ("upcoming_direction", ["Beta", "Gamma", "Alpha", "Delta"]),  # by code: "ending" < "up"; none last
    ],
)
def test_sorts_by_any_column_computed_ones_too(client_as, rep, book, sort, expected):
    sl = smartlist(rep)
    assert names(client_as(rep).get(detail(sl, f"sort={sort}"))) == expected


def test_sort_links_toggle_and_keep_the_filters(client_as, rep, book):
    sl = smartlist(rep)
    response = client_as(rep).get(detail(sl, "current_mrr_min=60&sort=current_mrr"))
    # sorted ascending: the header says so, and its link is named for what a click does
    assert re.search(r'<th scope="col" aria-sort="ascending" class="num">\s*<a ', response.text)
    link = re.search(r'href="(\?[^"]*)"[^>]* aria-label="Current MRR, sort descending">Current MRR'
                     r'<span aria-hidden="true"> ▲</span></a>', response.text).group(1)
    assert parse_qs(urlparse(link.replace("&amp;", "&")).query) == {"current_mrr_min": ["60"], "sort": ["-current_mrr"]}


def test_footer_totals_each_currency_on_its_own(client_as, rep, book, settings):
    settings.CRM_CURRENCY = "EUR"
    sl = smartlist(rep, columns=["name", "current_mrr", "upcoming_mrr", "current_currency"])
    response = client_as(rep).get(detail(sl))
    footer = [re.findall(r"<strong>([^<]*)</strong>", cell) for cell in response.text.split("<tfoot>")[1].split("<td")[1:]]
    # 100 + 300 EUR; Gamma's 50 USD is never added to them; the installation's currency first
    assert footer[:2] == [["400.00 EUR", "50.00 USD"], ["150.00 EUR"]]
    assert "50.00 USD" in response.text.split("<tfoot>")[0]  # the row names its foreign currency


def test_no_footer_without_summable_columns(client_as, rep, book):
    sl = smartlist(rep, columns=["name", "current_end"])
    assert "<tfoot>" not in client_as(rep).get(detail(sl)).text


def test_pages_of_fifty_with_the_total_count(client_as, rep):
    for i in range(120):
        ContactFactory(owner=rep, name=f"Contact {i:03}")
    sl = smartlist(rep, columns=["name"])
    client = client_as(rep)
    first = client.get(detail(sl))
    assert "120 contacts" in first.text and "Page 1 of 3" in first.text
    assert len(names(first)) == 50
    last = client.get(detail(sl, "sort=name&page=3"))
    assert names(last)[-1] == "Contact 119" and len(names(last)) == 20


def test_live_filtering_answers_the_region_only(client_as, rep, book):
    sl = smartlist(rep)
    response = client_as(rep).get(detail(sl, "ends_within_days=90&q="), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="smartlist-region"')
    assert names(response) == ["Beta"]  # Alpha's period is followed directly by the next: not ending


def test_filters_by_mrr_range_and_direction(client_as, rep, book):
    sl = smartlist(rep)
    client = client_as(rep)
    assert names(client.get(detail(sl, "current_mrr_min=60&current_mrr_max=200"))) == ["Alpha"]
    assert names(client.get(detail(sl, "direction=up"))) == ["Alpha"]
    assert names(client.get(detail(sl, "direction=ending"))) == ["Beta", "Gamma"]


def test_saved_filters_apply_until_the_url_brings_its_own(client_as, rep, book):
    sl = smartlist(rep, query="ends_within_days=90")
    client = client_as(rep)
    assert names(client.get(detail(sl))) == ["Beta"]
    # Clearing every filter in the form sends them empty: that is a choice, not "use the saved ones".
    assert names(client.get(detail(sl, "ends_within_days=&q="))) == ["Alpha", "Beta", "Delta", "Gamma"]


def test_save_filters_stores_what_the_page_shows(client_as, rep, book):
    sl = smartlist(rep)
    response = client_as(rep).post(
        reverse("smartlists:save_filters", args=[sl.pk]),
        {"query": "ends_within_days=90&page=2", "sort": "-current_mrr", "version": 1},
    )
    assert response.status_code == 302
    sl.refresh_from_db()
    assert (sl.query, sl.sort) == ("ends_within_days=90", "-current_mrr")


@pytest.mark.parametrize(
    "query",
    [
        "current_mrr_min=lots", "ends_within_days=-5", "direction=sideways", "sort=password", "ends_within_days=1e9",
        # numbers PostgreSQL's numeric cannot hold, or past the column's precision
        "current_mrr_min=1e-100000", "upcoming_mrr_max=1e100000", "current_mrr_max=99999999999999", "current_mrr_min=0.001",
    ],
)
def test_an_invalid_filter_answers_400_and_never_widens(client_as, rep, book, query):
    sl = smartlist(rep, query="ends_within_days=90")
    client = client_as(rep)
    response = client.get(detail(sl, query))
    assert response.status_code == 400
    assert 'role="alert"' in response.text and names(response) == []
    export = client.get(reverse("smartlists:export", args=[sl.pk]) + f"?{query}")
    assert export.status_code == 400 and not export.has_header("Content-Disposition")
    sort = QueryDict(query).get("sort", "")
    saved = client.post(reverse("smartlists:save_filters", args=[sl.pk]), {"query": query, "sort": sort, "version": 1})
    assert saved.status_code == 400
    sl.refresh_from_db()
    assert sl.query == "ends_within_days=90"


def test_a_list_saved_with_a_bad_filter_still_opens_showing_the_error(client_as, rep, manager, book):
    """Saved before filters were checked against the column's precision: shown as an error, never a 500."""
    sl = smartlist(rep, query="current_mrr_min=1e-100000", shared=True)
    for user in (rep, manager):
        client = client_as(user)
        response = client.get(detail(sl))
        assert response.status_code == 400
        assert 'role="alert"' in response.text and "no more than 12 digits" in response.text and names(response) == []
        assert client.get(reverse("smartlists:export", args=[sl.pk])).status_code == 400


# Column picker ---------------------------------------------------------------------------------


def test_column_picker_adds_removes_and_reorders(client_as, rep, book):
    sl = smartlist(rep, columns=["name", "current_mrr"])
    client = client_as(rep)
    url = reverse("smartlists:columns", args=[sl.pk])
    state = {"query": "ends_within_days=90", "sort": "name", "version": 1}
    response = client.post(url, {**state, "add": "upcoming_mrr"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and names(response) == ["Beta"]  # re-rendered as filtered (Alpha is renewed: not ending)
    assert "Upcoming MRR" in response.text and "<details class=\"column-picker\" data-keep-open=\"columns\" open>" in response.text
    assert 'name="version" value="2"' in response.text  # the next step is read at the version this one saved
    client.post(url, {**state, "up": "upcoming_mrr", "version": 2})
    sl.refresh_from_db()
    assert sl.columns == ["name", "upcoming_mrr", "current_mrr"]
    client.post(url, {**state, "down": "name", "version": 3})
    client.post(url, {**state, "remove": "current_mrr", "version": 4})
    sl.refresh_from_db()
    assert (sl.columns, sl.version) == (["upcoming_mrr", "name"], 5)


def test_column_picker_refuses_unknown_columns_and_the_last_one(client_as, rep):
    sl = smartlist(rep, columns=["name"])
    client = client_as(rep)
    url = reverse("smartlists:columns", args=[sl.pk])
    assert client.post(url, {"add": "password", "version": 1}).status_code == 400
    assert client.post(url, {"remove": "name", "version": 1}).status_code == 400
    sl.refresh_from_db()
    assert sl.columns == ["name"]


# Feature off -----------------------------------------------------------------------------------


def test_feature_off_pickers_lack_subscription_fields_but_a_list_keeps_its_columns(client_as, rep, book):
    sl = smartlist(rep, columns=["name", "current_mrr", "upcoming_mrr"], query="ends_within_days=90")
    Feature.objects.filter(name="subscriptions").update(is_active=False)
    client = client_as(rep)
    response = client.get(detail(sl))
    picker = response.text.split('id="add-column"')[1].split("</select>")[0]
    for label in ["Current MRR", "Upcoming MRR", "Subscription end date", "MRR status", "Remaining contract value"]:
        assert label not in picker
    assert "Phone" in picker
    filters = response.text.split('id="smartlist-filters"')[1].split("</form>")[0]
    assert "Current MRR from" not in filters and "MRR status" not in filters
    assert "Ends within (days)" in filters  # in use by this list: shown, so it is not silently applied
    # The existing columns stay, with their values, and the saved filter still narrows the rows.
    assert ">Current MRR<" in response.text and ">Upcoming MRR<" in response.text
    assert names(response) == ["Beta"] and "300.00" in response.text
    export = b"".join(client.get(reverse("smartlists:export", args=[sl.pk])).streaming_content).decode()
    assert export.splitlines() == ["Name,Current MRR,Upcoming MRR", "Beta,300.00,"]
    # ...and a subscription column cannot be added while the feature is off.
    assert client.post(reverse("smartlists:columns", args=[sl.pk]), {"add": "current_end", "version": 1}).status_code == 400


def test_feature_off_index_offers_no_ready_made_list(client_as, rep):
    assert "ending in the next 90 days" not in client_as(rep).get(reverse("smartlists:index")).text
    assert client_as(rep).post(reverse("smartlists:ready_made")).status_code == 404


# Ready-made list -------------------------------------------------------------------------------


def test_ready_made_list_of_subscriptions_ending_in_90_days(client_as, rep, book):
    client = client_as(rep)
    assert "Subscriptions ending in the next 90 days, not renewed" in client.get(reverse("smartlists:index")).text
    response = client.post(reverse("smartlists:ready_made"))
    ready = SmartList.objects.get(owner=rep)
    assert response.status_code == 302 and response.url == ready.get_absolute_url()
    assert ready.name == "Subscriptions ending in the next 90 days, not renewed"
    assert names(client.get(response.url)) == ["Beta"]  # Alpha is renewed without a gap: not ending
    client.post(reverse("smartlists:ready_made"))
    assert SmartList.objects.filter(owner=rep).count() == 1  # asked twice, made once


def test_seed_demo_gives_managers_and_reps_the_ready_made_list(db):
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    owners = set(SmartList.objects.filter(preset="ending_90").values_list("owner__username", flat=True))
    assert owners == {"manager", "rep", "rep2", "rep3"}
    assert SmartList.objects.filter(preset="ending_90").count() == 4


# Query counts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [10, 1000])
def test_page_query_count_does_not_grow_with_rows(client_as, rep, subscriptions_on, django_assert_num_queries, rows):
    from crm.models import Contact
    from subscriptions.models import Period

    contacts = Contact.objects.bulk_create(ContactFactory.build(owner=rep) for _ in range(rows))
    Period.objects.bulk_create(
        Period(contact=c, mrr=10 + i % 7, start_date=days(-30), end_date=days(i % 120)) for i, c in enumerate(contacts)
    )
    sl = smartlist(rep, columns=["name", "owner_name", "tags_text", "current_mrr", "upcoming_mrr", "upcoming_direction", "remaining_value"])
    client = client_as(rep)
    # session, user, the list, features, whether today's stored summaries are recorded (asked
    # once per list), the capped count with the totals, page rows, the tag and owner filters'
    # options: the same nine at any size (the bulk owner choice is read on demand)
    with django_assert_num_queries(9):
        response = client.get(detail(sl, "ends_within_days=90"))
    assert response.status_code == 200


def test_team_membership_is_what_counts_not_the_role_alone(client_as, manager):
    other_manager = UserFactory(username="other-manager", role=User.Role.MANAGER)
    TeamFactory(name="Other", manager=other_manager)
    theirs = smartlist(other_manager, shared=True)
    assert client_as(manager).get(detail(theirs)).status_code == 404


@pytest.mark.parametrize(("language", "heading"), [("it", "Liste intelligenti"), ("pt-br", "Listas inteligentes")])
def test_index_speaks_the_users_language(client_as, rep, language, heading, compiled_catalogues):
    response = client_as(rep).get(reverse("smartlists:index"), headers={"Accept-Language": language})
    assert f"<h1>{heading}</h1>" in response.text
