import datetime
import os
import re
from decimal import Decimal

import pytest
from django.templatetags.static import static
from playwright.sync_api import expect

from crm import dates
from renewals.models import Association, ColumnPreference, ContractChange
from subscriptions.models import Period
from tests.renewals.conftest import make_customer
from tests.browser.test_screens_browser import AXE, AXE_RUN
from tests.renewals.factories import ContractChangeFactory, PartnerOrganisationFactory

pytestmark = pytest.mark.browser


def _axe_and_fit(page, label):
    """axe-core's violations and a sideways page scroll in the page's current htmx state, at a
    phone's width and a laptop's (a screenshot of each in SCREENS_DIR when set)."""
    problems = []
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(url=static(AXE))
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 800})
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            problems.append(f"{label} @{width}: the page scrolls sideways")
        problems += [f"{label} @{width}: axe {v['id']} on {v['targets'][:3]}" for v in page.evaluate(AXE_RUN)]
        if os.environ.get("SCREENS_DIR"):
            page.screenshot(path=f"{os.environ['SCREENS_DIR']}/renewals-{label}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    return problems


def _posts(page):
    """The POST requests the page sends from now on."""
    sent = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    return sent


def helix_change(partner, rep, **customer):
    """A change starting in 60 days, of Helix Labs (`rep`'s), looked after by `partner`'s organisation."""
    partner_org = PartnerOrganisationFactory(users=[partner])
    return ContractChangeFactory(customer=make_customer("Helix Labs", rep, partner_org, **customer),
                                 start_date=dates.today() + datetime.timedelta(days=60))


def test_partner_searches_configures_columns_sets_contact_and_ends_association(
    page, log_in, partner, rep, subscriptions_on
):
    today = dates.today()
    partner_org = PartnerOrganisationFactory(users=[partner])
    helix = make_customer("Helix Labs", rep, partner_org, people=("Giulia Esposito", "Hugo Weber"))
    quartz = make_customer("Quartz Finance", rep, partner_org)
    Period.objects.create(contact=helix.contact, mrr=Decimal("321.00"), start_date=today - datetime.timedelta(days=100))
    change = ContractChangeFactory(customer=helix, start_date=today + datetime.timedelta(days=60))
    ContractChangeFactory(customer=quartz, start_date=today + datetime.timedelta(days=30))

    log_in(partner)
    expect(page).to_have_url(re.compile(r"/renewals/$"))
    expect(page.get_by_role("heading", name="Renewals")).to_be_visible()
    rows = page.locator("#renewals-results tbody tr")
    expect(rows).to_have_count(2)
    # No row carries a permanent "End association" button: it is on the customer.
    expect(page.get_by_text("End association")).to_have_count(0)

    # Live search narrows the list and keeps the search in the address.
    page.get_by_label("Search").fill("helix")
    expect(page).to_have_url(re.compile(r"q=helix"))
    expect(rows).to_have_count(1)
    expect(page.get_by_role("link", name="Helix Labs")).to_be_visible()

    # Add "Current MRR" via Configure columns: saved in place, focus on the message.
    page.get_by_text("Configure columns").click()
    page.get_by_label("Current MRR").check()
    page.get_by_role("button", name="Save columns").click()
    expect(page.get_by_role("columnheader", name="Current MRR")).to_be_visible()
    expect(page.get_by_role("cell", name="321.00")).to_be_visible()
    expect(page.get_by_text("Columns saved.")).to_be_focused()
    expect(page).to_have_url(re.compile(r"q=helix"))
    assert "current_mrr" in ColumnPreference.objects.get(user=partner).columns

    # Set the primary customer contact in its column: choosing saves it.
    row = page.locator(f"#change-{change.pk}")
    contact = row.get_by_label("Primary customer contact for Helix Labs")
    with page.expect_response(re.compile(r"/primary-contact/$")):
        contact.select_option(label="Giulia Esposito")
    expect(row.get_by_text("Primary customer contact saved.")).to_be_visible()
    expect(contact.locator("option:checked")).to_have_text("Giulia Esposito")
    change.refresh_from_db()
    assert change.primary_contact.name == "Giulia Esposito"

    # End the association from the customer page, confirming; back on the dashboard without it.
    page.get_by_role("link", name="Helix Labs").click()
    expect(page.get_by_role("heading", name="Helix Labs")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="End association").click()
    expect(page).to_have_url(re.compile(r"/renewals/$"))
    expect(page.get_by_text("The association with Helix Labs has ended.")).to_be_visible()
    expect(page.get_by_role("link", name="Helix Labs")).to_have_count(0)
    assert Association.objects.get(customer=helix).ended_by == partner
    assert ContractChange.objects.filter(customer=helix).exists()


def test_keyboard_opens_a_row_menu_and_arrow_keys_never_save(page, log_in, partner, rep):
    today = dates.today()
    partner_org = PartnerOrganisationFactory(users=[partner])
    helix = make_customer("Helix Labs", rep, partner_org)
    # A tier upgrade waits for the customer (a renewal renews by itself): deadline 3 days ago, still pending.
    change = ContractChangeFactory(customer=helix, start_date=today + datetime.timedelta(days=42), type="tier_upgrade")

    log_in(partner)
    row = page.locator(f"#change-{change.pk}")
    # A passed deadline says so in words, on a marked cell.
    expect(row.locator("td.deadline-passed")).to_contain_text("Passed 3 days ago")

    posts = _posts(page)
    summary = row.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    owner = row.get_by_label("Communication owner")
    expect(owner).to_be_focused()  # the menu's first field, once it has loaded
    assert _axe_and_fit(page, "menu-open") == []
    owner.focus()

    # Arrow keys on the closed dropdown change its value, never save it.
    expect(owner).to_have_value("vendor")
    page.keyboard.press("ArrowDown")
    expect(owner).to_have_value("partner")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(500)
    assert posts == []
    change.refresh_from_db()
    assert change.communication_owner == "" and change.version == 1

    # The explicit button saves; focus lands on the saved row's message, not the page body.
    page.keyboard.press("Tab")
    expect(row.get_by_role("button", name="Save owner")).to_be_focused()
    with page.expect_response(re.compile(r"/communication-owner/$")):
        page.keyboard.press("Enter")
    message = row.get_by_text("Communication owner saved.")
    expect(message).to_be_focused()
    expect(row.get_by_role("cell", name="Partner", exact=True)).to_be_visible()
    assert page.evaluate("document.activeElement !== document.body")
    change.refresh_from_db()
    assert change.communication_owner == "partner" and len(posts) == 1
    assert _axe_and_fit(page, "row-saved") == []
    message.focus()

    # Shift+Tab from the message goes back to the row's menu, closed again.
    page.keyboard.press("Shift+Tab")
    expect(row.locator("summary")).to_be_focused()
    expect(row.locator("details.row-menu")).not_to_have_attribute("open", "")


def test_a_refused_save_keeps_the_menu_open_with_focus_on_the_error(page, log_in, partner, rep):
    change = helix_change(partner, rep)
    log_in(partner)
    row = page.locator(f"#change-{change.pk}")
    row.locator("summary").click()
    expect(row.get_by_label("Communication owner")).to_be_focused()
    # Someone else saves first: this save is refused as stale.
    ContractChange.objects.filter(pk=change.pk).update(version=2)
    row.get_by_label("Communication owner").select_option("partner")
    with page.expect_response(re.compile(r"/communication-owner/$")):
        row.get_by_role("button", name="Save owner").click()
    alert = row.get_by_role("alert")
    expect(alert).to_contain_text("Someone else changed this contract change")
    expect(alert).to_be_focused()
    expect(row.locator("details.row-menu")).to_have_attribute("open", "")
    assert _axe_and_fit(page, "row-refused") == []


def test_keyboard_sorts_and_configures_columns_without_losing_focus(page, log_in, partner, rep):
    partner_org = PartnerOrganisationFactory(users=[partner])
    for name, days in (("Alpha Corp", 90), ("Zeta Corp", 60)):
        ContractChangeFactory(customer=make_customer(name, rep, partner_org),
                              start_date=dates.today() + datetime.timedelta(days=days))
    log_in(partner)
    posts = _posts(page)

    # A sortable header keeps focus after the table is swapped, and says how it sorts.
    header = page.get_by_role("link", name="Customer", exact=True)
    header.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"sort=customer"))
    expect(page.get_by_role("columnheader", name="Customer", exact=True)).to_have_attribute("aria-sort", "ascending")
    expect(page.get_by_role("link", name="Customer", exact=True)).to_be_focused()

    # Ticking a column sends nothing; the explicit button saves, and focus goes to the message.
    page.get_by_text("Configure columns").focus()
    page.keyboard.press("Enter")
    website = page.get_by_label("Website")
    website.focus()
    page.keyboard.press("Space")
    expect(website).to_be_checked()
    page.wait_for_timeout(300)
    assert posts == []
    page.get_by_role("button", name="Save columns").focus()
    with page.expect_response(re.compile(r"/renewals/columns/$")):
        page.keyboard.press("Enter")
    expect(page.get_by_text("Columns saved.")).to_be_focused()
    expect(page.get_by_role("columnheader", name="Website")).to_be_visible()
    assert _axe_and_fit(page, "columns-saved") == []
    expect(page).to_have_url(re.compile(r"sort=customer"))
    # Taking the optional primary contact off works the same way.
    page.get_by_text("Configure columns").click()
    page.get_by_role("checkbox", name="Primary customer contact").uncheck()
    page.get_by_role("button", name="Save columns").click()
    expect(page.get_by_role("columnheader", name="Primary customer contact")).to_have_count(0)
    expect(page.get_by_text("Columns saved.")).to_be_focused()


def test_the_contact_dropdown_saves_where_the_keyboard_stops_and_keeps_focus(page, log_in, partner, rep):
    partner_org = PartnerOrganisationFactory(users=[partner])
    helix = make_customer("Helix Labs", rep, partner_org, people=("Ada First", "Ben Second", "Cleo Third"))
    change = ContractChangeFactory(customer=helix, start_date=dates.today() + datetime.timedelta(days=60))
    log_in(partner)
    row = page.locator(f"#change-{change.pk}")
    # No button beside it with JavaScript on: a change saves.
    expect(row.get_by_role("button", name="Save contact")).to_have_count(0)
    posts = _posts(page)
    contact = row.get_by_label("Primary customer contact for Helix Labs")
    contact.focus()
    # Arrowing through the names saves only the one the person stops on, once.
    with page.expect_response(re.compile(r"/primary-contact/$")):
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
    expect(row.get_by_text("Primary customer contact saved.")).to_be_visible()
    expect(contact).to_be_focused()  # the row came back; focus stayed on the dropdown
    page.wait_for_timeout(800)
    assert len(posts) == 1
    change.refresh_from_db()
    assert change.primary_contact.name == "Ben Second" and change.version == 2
    assert _axe_and_fit(page, "contact-saved") == []

    # Someone else saves meanwhile: the next choice is refused in the cell, which shows what is saved now.
    ContractChange.objects.filter(pk=change.pk).update(primary_contact=helix.people().get(name="Ada First"), version=3)
    contact.focus()
    with page.expect_response(re.compile(r"/primary-contact/$")):
        page.keyboard.press("ArrowDown")
    alert = row.get_by_role("alert")
    expect(alert).to_contain_text("Someone else changed this contract change")
    expect(alert).to_be_focused()
    expect(contact.locator("option:checked")).to_have_text("Ada First")
    change.refresh_from_db()
    assert change.primary_contact.name == "Ada First"


def test_without_javascript_the_contact_dropdown_has_a_save_button(browser, live_server, partner, rep):
    change = helix_change(partner, rep, people=("Ada First",))
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(partner.username)
        page.get_by_label("Password").fill("pw")
        page.get_by_role("button", name="Log in").click()
        row = page.locator(f"#change-{change.pk}")
        row.get_by_label("Primary customer contact for Helix Labs").select_option(label="Ada First")
        row.get_by_role("button", name="Save contact").click()
        expect(page).to_have_url(re.compile(r"/renewals/$"))
        change.refresh_from_db()
        assert change.primary_contact.name == "Ada First"
    finally:
        context.close()


def test_a_recorded_agreement_is_undone_and_both_are_in_the_rows_history(page, log_in, partner, rep):
    change = helix_change(partner, rep)
    log_in(partner)
    row = page.locator(f"#change-{change.pk}")
    row.locator("summary").click()
    page.once("dialog", lambda dialog: dialog.accept())  # asked first
    with page.expect_response(re.compile(r"/agreed/$")):
        row.get_by_role("button", name="Customer agreed").click()
    expect(row.get_by_text("Customer agreement recorded.")).to_be_focused()
    expect(row.locator(".badge")).to_have_text("Renewed")
    # Recorded by mistake: "Undo", right there, brings the status back.
    page.keyboard.press("Tab")
    expect(row.get_by_role("button", name="Undo")).to_be_focused()
    with page.expect_response(re.compile(r"/take-back/$")):
        page.keyboard.press("Enter")
    expect(row.get_by_text("Customer agreement taken back.")).to_be_focused()
    expect(row.locator(".badge")).to_have_text("Pending")
    change.refresh_from_db()
    assert change.agreed_at is None and change.version == 3
    # The row's menu tells both, newest first, with who.
    row.locator("summary").click()
    history = row.get_by_role("list", name="History").locator("li")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("Customer agreement taken back")
    expect(history.nth(1)).to_contain_text("Customer agreed")
    expect(history.nth(1)).to_contain_text(str(partner))
    assert _axe_and_fit(page, "history") == []


def _inside(page, locator) -> bool:
    box = locator.bounding_box()
    width = page.evaluate("window.innerWidth")
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def test_on_a_phone_each_row_is_a_card_with_its_essentials_on_screen(page, log_in, partner, rep, subscriptions_on):
    today = dates.today()
    partner_org = PartnerOrganisationFactory(users=[partner])
    helix = make_customer("Helix Laboratories International", rep, partner_org, people=("Giulia Esposito",))
    Period.objects.create(contact=helix.contact, mrr=Decimal("1234.50"), start_date=today - datetime.timedelta(days=100))
    change = ContractChangeFactory(customer=helix, start_date=today + datetime.timedelta(days=42), type="tier_upgrade")
    ContractChangeFactory(customer=helix, start_date=today + datetime.timedelta(days=90))
    # Every optional column: the widest row there is.
    ColumnPreference.objects.create(user=partner, columns=[
        "primary_contact", "website", "account_id", "start_date", "max_contacts", "email_limit",
        "billing_frequency", "term", "current_mrr", "upcoming_mrr"])
    page.set_viewport_size({"width": 390, "height": 800})
    log_in(partner)
    row = page.locator(f"#change-{change.pk}")
    essentials = {
        "customer": row.get_by_role("link", name="Helix Laboratories International"),
        "status": row.locator(".badge"),
        "deadline": row.locator("td.deadline-passed"),
        "mrr": row.get_by_text("1,234.50"),
        "actions": row.locator("summary"),
    }
    for name, locator in essentials.items():
        expect(locator).to_be_visible()
        assert _inside(page, locator), f"{name} is off-screen at 390 px"
    # Each value is named in the card: its column's label beside it.
    assert row.locator("td.deadline-passed").evaluate("td => getComputedStyle(td, '::before').content") == '"Renewal deadline"'
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    # The menu opened in a card fits too.
    row.locator("summary").click()
    expect(row.get_by_label("Communication owner")).to_be_focused()
    assert _inside(page, row.get_by_role("button", name="Save owner"))
    assert _axe_and_fit(page, "phone-cards") == []
