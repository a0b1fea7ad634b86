import pytest
from playwright.sync_api import expect

from crm.models import Contact, ContactChange, User
from tests.browser.test_renewals_browser import _axe_and_fit
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.browser


def test_manager_selects_all_matching_contacts_and_changes_their_owner(page, log_in, manager, rep, outsider):
    rep2 = UserFactory(username="rep2", first_name="Bruna", last_name="Second", role=User.Role.REP)
    rep.teams.first().members.add(rep2)
    for i in range(30):  # more than the page of 25
        ContactFactory(owner=rep, name=f"Lumen Person {i:02}")
    ContactFactory(owner=rep, name="Other Customer")
    hidden = ContactFactory(owner=outsider, name="Lumen Hidden")

    log_in(manager)
    page.goto("/contacts/?q=lumen")
    expect(page.get_by_test_id("contact-count")).to_have_text("30 contacts")
    banner = page.get_by_text("Select all 30 contacts matching this filter")
    expect(banner).to_be_hidden()
    page.get_by_label("Select all on this page").check()
    expect(banner).to_be_visible()
    banner.click()
    expect(page.get_by_label("New owner")).to_have_count(0)  # the people are read when the action is picked
    page.get_by_label("Bulk action").select_option("owner")
    # the box arrives by htmx: typed in before htmx has wired it (a loaded machine), it would ask nothing
    expect(page.get_by_label("Find a person")).to_be_visible()
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    page.get_by_label("Find a person").fill("brun")
    owner = page.get_by_label("New owner")
    expect(owner.locator("option")).to_have_count(2)  # "Choose the new owner…" and the one found
    assert _axe_and_fit(page, "bulk-owner-open") == []
    owner.select_option(label="Bruna Second")
    page.get_by_role("button", name="Apply to selected").click()

    expect(page.get_by_test_id("bulk-count")).to_contain_text("Change the owner of 30 contacts to Bruna Second?")
    assert Contact.objects.filter(owner=rep2).count() == 0
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_text("Owner changed on 30 contacts.")).to_be_visible()
    assert "q=lumen" in page.url
    assert Contact.objects.filter(owner=rep2).count() == 30
    assert Contact.objects.get(name="Other Customer").owner == rep
    assert Contact.objects.get(pk=hidden.pk).owner == outsider
    assert ContactChange.objects.filter(action="owner", changed_by=manager).count() == 30


@pytest.mark.parametrize("width", [390, 1280, 1366])
def test_the_bulk_toolbar_button_reads_on_one_line_and_the_count_is_grouped(page, log_in, rep, width):
    Contact.objects.bulk_create([Contact(name=f"Bulk {i:04}", owner=rep, kind=Contact.Kind.PERSON) for i in range(1234)])
    page.set_viewport_size({"width": width, "height": 800})
    log_in(rep)
    page.goto("/contacts/")
    page.get_by_label("Select all on this page").check()
    expect(page.get_by_text("Select all 1,234 contacts matching this filter")).to_be_visible()
    button = page.get_by_role("button", name="Apply to selected")
    height = button.evaluate("b => b.getBoundingClientRect().height")
    line = button.evaluate("b => parseFloat(getComputedStyle(b).lineHeight)")
    chrome = button.evaluate("b => { const s = getComputedStyle(b);"
                             " return parseFloat(s.paddingTop) + parseFloat(s.paddingBottom)"
                             " + parseFloat(s.borderTopWidth) + parseFloat(s.borderBottomWidth); }")
    assert height - chrome < 1.5 * line, f"{height} px high for a {line} px line at {width} px"
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_without_javascript_the_owner_is_chosen_on_the_next_step(browser, live_server, manager, rep, outsider):
    rep2 = UserFactory(username="rep2", first_name="Bruna", last_name="Second", role=User.Role.REP)
    rep.teams.first().members.add(rep2)
    chosen = ContactFactory(owner=rep, name="Lumen Chosen")
    context = browser.new_context(base_url=live_server.url, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(manager.username)
        page.get_by_label("Password").fill("pw")
        page.get_by_role("button", name="Log in").click()
        page.goto("/contacts/?q=lumen")
        page.get_by_label("Select Lumen Chosen").check()
        page.get_by_label("Bulk action").select_option("owner")
        page.get_by_role("button", name="Apply to selected").click()

        expect(page.get_by_test_id("bulk-count")).to_have_text("Who should own the 1 selected contact?")
        page.get_by_label("Find a person").fill("bruna")
        page.get_by_label("Find a person").press("Enter")  # the search button comes first: Enter searches
        owner = page.get_by_label("New owner")
        expect(owner.locator("option")).to_have_count(2)
        assert str(outsider) not in page.content()
        owner.select_option(label="Bruna Second")
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_test_id("bulk-count")).to_contain_text("Change the owner of 1 contact to Bruna Second?")
        page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_text("Owner changed on 1 contact.")).to_be_visible()
        assert Contact.objects.get(pk=chosen.pk).owner == rep2
    finally:
        context.close()


def test_applying_owner_change_with_no_owner_picked_offers_the_choice_on_an_accessible_step(page, log_in, rep):
    ContactFactory(owner=rep, name="Lumen Alone")
    log_in(rep)
    page.goto("/contacts/")
    page.get_by_label("Select Lumen Alone").check()
    page.get_by_label("Bulk action").select_option("owner")
    expect(page.get_by_label("New owner")).to_be_visible()
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_test_id("bulk-count")).to_have_text("Who should own the 1 selected contact?")
    expect(page.get_by_label("New owner").locator("option")).to_have_count(2)  # "Choose…" and the rep
    assert _axe_and_fit(page, "bulk-owner-step") == []


def test_a_search_then_select_all_keeps_the_selection_and_the_action_runs(page, log_in, rep):
    for name in ("Lumen Alpha", "Lumen Beta", "Lumen Gamma", "Other Customer"):
        ContactFactory(owner=rep, name=name)
    log_in(rep)
    searches = []
    page.on("request", lambda request: searches.append(request.url) if "q=lumen" in request.url else None)
    page.get_by_label("Search").fill("lumen")
    expect(page.get_by_test_id("contact-count")).to_have_text("3 contacts")
    # Leaving the search box (a click elsewhere) sends nothing more: the results stay as they are.
    select_all = page.get_by_label("Select all on this page")
    select_all.check()
    page.wait_for_timeout(800)  # beyond the search's delay
    expect(select_all).to_be_checked()
    assert len(searches) == 1, searches
    page.get_by_label("Bulk action").select_option("tag_add")
    page.get_by_role("textbox", name="Tag").fill("vip")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_test_id("bulk-count")).to_have_text("Add the tag “vip” to 3 contacts?")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Tag “vip” added to 3 contacts.")).to_be_visible()
    assert set(Contact.objects.filter(tags__name="vip").values_list("name", flat=True)) == {"Lumen Alpha", "Lumen Beta", "Lumen Gamma"}


def test_rows_ticked_stay_ticked_when_the_list_changes_under_them(page, log_in, rep):
    for name in ("Lumen Alpha", "Lumen Beta", "Other Customer"):
        ContactFactory(owner=rep, name=name)
    log_in(rep)
    expect(page.get_by_test_id("contact-count")).to_have_text("3 contacts")
    page.get_by_label("Select Lumen Alpha").check()
    page.get_by_label("Select Other Customer").check()
    page.get_by_label("Search").fill("lumen")  # the rows come again, narrowed
    expect(page.get_by_test_id("contact-count")).to_have_text("2 contacts")
    expect(page.get_by_label("Select Lumen Alpha")).to_be_checked()  # still listed, still ticked
    expect(page.get_by_label("Select Lumen Beta")).not_to_be_checked()
    expect(page.get_by_label("Select all on this page")).not_to_be_checked()
