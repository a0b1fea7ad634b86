"""Issue 24: a smart list's filters read as a list of what is in force. Each filter with a value is a
chip ("Kind: Person ×") whose × drops just that filter; the others wait in an "Add filter" picker;
the owner is a choice of the people the viewer may see, and no one else."""

import html
import re

import pytest
from django.http import QueryDict
from django.urls import reverse

from crm.models import Contact, Team, User
from smartlists.models import SmartList
from tests.factories import ContactFactory, UserFactory
from tests.smartlists.conftest import days, period, smartlist
from tests.smartlists.test_smartlists import detail, names

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def chips(text: str) -> dict[str, str]:
    """The chips of the filters form: "Label" -> "value"."""
    form = text.split('id="smartlist-filters"')[1].split("</form>")[0]
    listed = form.split('<ul class="chips"')[1].split("</ul>")[0] if '<ul class="chips"' in form else ""
    return {html.unescape(label): html.unescape(value)
            for label, value in re.findall(r"<span>([^<]*):</span> <strong>([^<]*)</strong>", listed)}


def remove_link(text: str, label: str) -> str:
    chip = text.split(f"<span>{label}:</span>")[1].split("</li>")[0]
    return html.unescape(re.search(r'<a href="([^"]*)"', chip).group(1))


def picker(text: str) -> str:
    return text.split('class="filter-picker"')[1].split("</details>")[0]


def owner_options(text: str) -> set[str]:
    select = picker(text).split('<select name="owner"')[1].split("</select>")[0]
    return {value for value in re.findall(r'<option value="([^"]*)"', select) if value}


@pytest.fixture
def book(rep, manager, subscriptions_on):
    person, org = ContactFactory(owner=rep, name="Paola Person", kind="person"), ContactFactory(owner=rep, name="Orbit Srl", kind="organisation")
    period(person, "100.00", days(-10), days(30))
    period(org, "200.00", days(-10), days(40))
    ContactFactory(owner=rep, name="Later Person", kind="person")
    ContactFactory(owner=manager, name="Manager Person", kind="person")
    return {"person": person, "org": org}


def test_only_the_filters_in_force_are_chips_and_the_others_wait_in_the_picker(client_as, rep, book):
    sl = smartlist(rep, columns=["name"])
    client = client_as(rep)
    unfiltered = client.get(detail(sl))
    assert chips(unfiltered.text) == {}
    assert 'id="id_kind"' in picker(unfiltered.text) and 'id="id_ends_within_days"' in picker(unfiltered.text)

    page = client.get(detail(sl, "kind=person&ends_within_days=90&current_mrr_min=&q="))
    assert chips(page.text) == {"Kind": "Person", "Ends within (days)": "90"}
    assert names(page) == ["Paola Person"]
    # a filter in force is a chip, not a field of the picker too; the empty ones stay there
    assert 'id="id_kind"' not in page.text and 'id="id_ends_within_days"' not in page.text
    assert 'id="id_current_mrr_min"' in picker(page.text)
    # the search box is always there, never a chip
    assert 'id="id_q"' in page.text


def test_a_chips_remove_link_drops_that_filter_alone(client_as, rep, book):
    sl = smartlist(rep, columns=["name"], query="kind=person&ends_within_days=90", sort="-name")
    client = client_as(rep)
    page = client.get(detail(sl))
    assert names(page) == ["Paola Person"]
    link = remove_link(page.text, "Kind")
    assert QueryDict(link.removeprefix("?")) == QueryDict("kind=&ends_within_days=90&sort=-name")
    without_kind = client.get(detail(sl) + link)
    # the other filter and the sort still apply; the list's saved "Kind" does not come back
    assert chips(without_kind.text) == {"Ends within (days)": "90"}
    assert names(without_kind) == ["Paola Person", "Orbit Srl"]
    without_both = client.get(detail(sl) + remove_link(without_kind.text, "Ends within (days)"))
    assert chips(without_both.text) == {}
    assert names(without_both) == ["Paola Person", "Orbit Srl", "Later Person"]
    assert SmartList.objects.get(pk=sl.pk).query == "kind=person&ends_within_days=90"  # saved only by "Save filters"


def test_the_results_bring_the_chips_back_to_the_filters_form_in_place(client_as, rep, book):
    sl = smartlist(rep, columns=["name"])
    answer = client_as(rep).get(detail(sl, "kind=organisation"), headers=HX)
    assert answer.status_code == 200 and 'id="smartlist-filters"' not in answer.text  # the search box is left alone
    bar = answer.text.split('<div id="smartlist-filter-bar"')[1]
    assert bar.startswith(' class="filter-bar" data-filter-bar data-hx-swap-oob="true">')
    assert chips('id="smartlist-filters"' + bar + "</form>") == {"Kind": "Organisation"}
    # the full page has one bar, in the form, and nothing out of band
    full = client_as(rep).get(detail(sl, "kind=organisation")).text
    assert full.count('id="smartlist-filter-bar"') == 1 and "data-hx-swap-oob" not in full


def test_each_money_range_says_its_help_once(client_as, rep, book):
    text = client_as(rep).get(detail(smartlist(rep))).text
    assert text.count("Amounts in other currencies never match.") == 2  # current and upcoming MRR, once each
    assert picker(text).count("<small") == 2


# The owner: a choice of the people the viewer may see ------------------------------------------


@pytest.fixture
def people(rep, manager, outsider, admin_user):
    gone = UserFactory(username="gone", role=User.Role.REP, is_active=False)
    Team.objects.get(manager=manager).members.add(gone)  # still of the team, no longer active
    partner = UserFactory(username="partner-person", role=User.Role.PARTNER)
    return {"gone": gone, "partner": partner}


@pytest.mark.parametrize(("viewer", "expected"), [
    ("rep", {"rep"}),
    ("manager", {"manager", "rep"}),
    ("admin_user", None),  # every active colleague: not a partner, not a deactivated rep
])
def test_owner_choices_are_the_active_people_whose_contacts_the_viewer_sees(client_as, request, people, viewer, expected):
    user = request.getfixturevalue(viewer)
    text = client_as(user).get(detail(smartlist(user, columns=["name"]))).text
    if expected is None:
        expected = set(User.objects.exclude(username__in=["gone", "partner-person"]).values_list("username", flat=True))
        assert {"admin", "manager", "rep", "outsider"} < expected
    assert owner_options(text) == expected
    assert 'for="id_owner">Owner</label>' in picker(text)


def test_owner_filter_narrows_by_the_chosen_person_and_shows_their_name(client_as, rep, manager, book):
    sl = smartlist(manager, columns=["name"])
    page = client_as(manager).get(detail(sl, "owner=rep"))
    assert page.status_code == 200
    assert chips(page.text) == {"Owner": str(rep)}
    assert set(names(page)) == {"Paola Person", "Orbit Srl", "Later Person"}


def test_a_list_saved_with_an_owner_still_loads(client_as, rep, manager, book):
    """Lists saved the owner's username before it was a choice: they read the same."""
    sl = smartlist(manager, columns=["name"], query="owner=manager")
    page = client_as(manager).get(detail(sl))
    assert page.status_code == 200 and names(page) == ["Manager Person"]
    assert chips(page.text) == {"Owner": str(manager)}


@pytest.mark.parametrize("htmx", [False, True])
def test_an_owner_the_viewer_may_not_see_is_refused(client_as, rep, outsider, book, htmx):
    ContactFactory(owner=outsider, name="Secret Sam")
    sl = smartlist(rep, columns=["name"])
    client = client_as(rep)
    for stranger in ("outsider", "manager", "gone", "nobody"):
        page = client.get(detail(sl, f"owner={stranger}"), headers=HX if htmx else {})
        assert page.status_code == 400, stranger
        assert "Owner: Select a valid choice." in page.text
        assert "Secret Sam" not in page.text and "Paola Person" not in page.text
        assert str(outsider) not in page.text  # the person's name is never looked up for the chip
    saved = client.post(reverse("smartlists:save_filters", args=[sl.pk]), {"query": "owner=outsider", "sort": "name", "version": 1})
    assert saved.status_code == 400
    assert SmartList.objects.get(pk=sl.pk).query == ""
    exported = client.get(reverse("smartlists:export", args=[sl.pk]), {"owner": "outsider"})
    assert exported.status_code == 400 and b"Secret Sam" not in exported.content


def test_a_page_filtered_by_owner_costs_no_more_queries(client_as, manager, rep, book, django_assert_num_queries):
    sl = smartlist(manager, columns=["name", "owner_name", "current_mrr"])
    client = client_as(manager)
    client.get(detail(sl))
    # session, user, the list, the manager's team, whether today's summaries are recorded, the
    # capped count with the totals, page rows, the tag filter's options and the owner's: the chosen
    # owner is read once, to check it and to name its chip, in place of the picker's owner choices
    with django_assert_num_queries(9):
        assert client.get(detail(sl)).status_code == 200
    with django_assert_num_queries(9):
        assert client.get(detail(sl, "owner=rep")).status_code == 200
    assert Contact.objects.count() == 4


def test_the_pipelines_figures_are_chips_from_its_links_but_not_offered_in_the_picker(client_as, rep, book):
    """A figure's filter only means something as the report's link gives it (with its currency and
    day): the picker does not offer it, the chip of a followed link names it and drops it."""
    sl = smartlist(rep, columns=["name"])
    client = client_as(rep)
    offered = picker(client.get(detail(sl)).text)
    assert 'id="id_kind"' in offered
    assert 'name="pipeline' not in offered and "Pipeline figure" not in offered
    followed = client.get(detail(sl) + "?pipeline=churn&pipeline_currency=EUR").text
    assert set(chips(followed)) == {"Pipeline figure", "Pipeline figure currency"}
    assert 'name="pipeline' not in picker(followed)


def test_beyond_a_short_list_the_owner_is_typed_and_checked_against_the_same_people(client_as, admin_user, rep, book):
    """An admin's company is more people than a page should list: the owner is typed by username
    (one query when given), a visible one filters and names its chip, anyone else is refused."""
    from crm.choices import CHOICES_SHOWN

    UserFactory.create_batch(CHOICES_SHOWN, role=User.Role.REP)
    sl = smartlist(admin_user, columns=["name"])
    client = client_as(admin_user)
    offered = picker(client.get(detail(sl)).text)
    assert '<select name="owner"' not in offered and '<input type="text" name="owner"' in offered
    mine = client.get(detail(sl) + f"?owner={rep.username}")
    assert mine.status_code == 200 and chips(mine.text) == {"Owner": rep.username}
    assert set(names(mine)) == {"Paola Person", "Orbit Srl", "Later Person"}
    partner = UserFactory(username="partner-x", role=User.Role.PARTNER)
    for stranger in (partner.username, "nobody-at-all"):
        refused = client.get(detail(sl) + f"?owner={stranger}")
        assert refused.status_code == 400 and "Select a valid choice" in refused.text
