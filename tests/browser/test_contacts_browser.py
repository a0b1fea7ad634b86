import re

import pytest
from playwright.sync_api import expect

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

    page.get_by_role("link", name="Giulia Esposito").click()
    expect(page.get_by_role("heading", name="Giulia Esposito")).to_be_visible()
    expect(page.get_by_text("giulia@helix.example")).to_be_visible()
    assert page.url.endswith(mine.get_absolute_url())

    response = page.goto(theirs.get_absolute_url())
    assert response.status == 404
    expect(page.get_by_text("Hidden Person")).to_have_count(0)
