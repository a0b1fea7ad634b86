import re

import pytest
from playwright.sync_api import expect

from crm.choices import CHOICES_SHOWN
from crm.models import Contact
from tests.factories import ContactFactory, OrganisationFactory

pytestmark = pytest.mark.browser


def test_rep_browses_contacts_and_cannot_reach_another_reps_contact(page, log_in, rep, outsider):
    org = OrganisationFactory(owner=rep, name="Helix Labs")
    mine = ContactFactory(owner=rep, name="Giulia Esposito", organisation=org, email="giulia@helix.example")
    theirs = ContactFactory(owner=outsider, name="Hidden Person")

    log_in(rep)
    expect(page).to_have_url(re.compile(r"/contacts/$"))
    expect(page.get_by_role("heading", name="Contacts")).to_be_visible()
    expect(page.get_by_role("link", name="Giulia Esposito")).to_be_visible()
    expect(page.get_by_text("Hidden Person")).to_have_count(0)

    # Live search narrows the list without a page load.
    page.get_by_label("Search").fill("helix")
    expect(page).to_have_url(re.compile(r"q=helix"))
    expect(page.get_by_role("link", name="Helix Labs").first).to_be_visible()

    # Choosing a kind filters at once.
    page.get_by_label("Kind", exact=True).select_option("organisation")
    expect(page).to_have_url(re.compile(r"kind=organisation"))
    expect(page.get_by_test_id("contact-count")).to_have_text("1 contact")
    page.get_by_label("Kind", exact=True).select_option("")
    # Wait for that list to land: its history push would cancel a navigation begun before it.
    expect(page).to_have_url(re.compile(r"kind=(&|$)"))
    expect(page.get_by_test_id("contact-count")).to_have_text("2 contacts")

    page.get_by_role("link", name="Giulia Esposito").click()
    expect(page.get_by_role("heading", name="Giulia Esposito")).to_be_visible()
    expect(page.get_by_text("giulia@helix.example")).to_be_visible()
    assert page.url.endswith(mine.get_absolute_url())

    response = page.goto(theirs.get_absolute_url())
    assert response.status == 404
    expect(page.get_by_text("Hidden Person")).to_have_count(0)


def test_the_language_menu_waits_for_its_button_not_each_arrow_key(page, log_in, rep):
    log_in(rep)
    expect(page.get_by_role("heading", name="Contacts")).to_be_visible()
    before = page.url
    menu = page.get_by_label("Language")
    menu.focus()
    page.keyboard.press("ArrowDown")  # a closed <select> changes its value on each arrow key in Chromium
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(500)
    assert menu.input_value() != "en"  # the choice moved...
    expect(page.locator("html")).to_have_attribute("lang", "en")  # ...and nothing was sent
    assert page.url == before
    menu.select_option("it")
    page.get_by_role("button", name="Change").click()
    expect(page.get_by_role("heading", name="Contatti")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "it")


def _focused(page) -> str:
    return page.evaluate("() => { const e = document.activeElement; return e === document.body ? 'body' :"
                         " e.tagName.toLowerCase() + (e.dataset.testid ? '#' + e.dataset.testid : '') + ':' + e.textContent.trim().slice(0, 40) }")


def test_after_each_htmx_swap_focus_lands_on_something_meaningful_never_the_body(page, log_in, rep):
    for n in range(30):
        ContactFactory(owner=rep, name=f"Customer {n:02d}", kind="organisation" if n % 2 else "person")
    log_in(rep)
    count = page.get_by_test_id("contact-count")
    expect(count).to_have_text("30 contacts")

    # Keyboard on "Next": the link goes away with the old results; focus goes to the new results' count.
    page.get_by_role("link", name="Next").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(count).to_be_focused()
    # A click does the same.
    page.get_by_role("link", name="Previous").click()
    expect(page).to_have_url(re.compile(r"page=1"))
    expect(count).to_be_focused()

    # A filter's own control is not swapped: focus stays on it while the results change.
    kind = page.get_by_label("Kind", exact=True)
    kind.focus()
    kind.select_option("organisation")
    expect(count).to_have_text("15 contacts")
    expect(kind).to_be_focused()

    # Typing in the search box: the results change under it, the caret stays in it.
    search = page.get_by_label("Search")
    search.click()
    page.keyboard.type("Customer 1")
    expect(count).to_have_text("5 contacts")
    expect(search).to_be_focused()
    assert _focused(page) != "body"


def test_a_rep_finds_an_organisation_beyond_the_first_few_by_typing_and_saves_it(page, log_in, rep):
    for n in range(CHOICES_SHOWN + 5):
        OrganisationFactory(owner=rep, name=f"Acme {n:02d}")
    target = OrganisationFactory(owner=rep, name="Zephyr Labs")
    log_in(rep)
    page.goto("/contacts/new/")
    choice = page.get_by_label("Organisation", exact=True)
    expect(choice.locator("option", has_text="Zephyr Labs")).to_have_count(0)  # beyond the first few
    expect(page.get_by_text(f"Only the first {CHOICES_SHOWN} are listed")).to_be_visible()
    page.get_by_label("Find an organisation").fill("zeph")  # the list comes again as one types
    expect(choice.locator("option", has_text="Zephyr Labs")).to_have_count(1)
    expect(choice.locator("option", has_text="Acme 00")).to_have_count(0)
    choice.select_option(label="Zephyr Labs")
    page.get_by_label("Name").fill("Paula Typed")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Paula Typed")).to_be_visible()
    expect(page.get_by_role("link", name="Zephyr Labs")).to_be_visible()
    assert Contact.objects.get(name="Paula Typed").organisation == target
