import csv
import datetime
import io
import os
import re
from decimal import Decimal

import pytest
from django.templatetags.static import static
from playwright.sync_api import expect

from crm.dates import today
from subscriptions.models import Period
from tests.browser.test_screens_browser import AXE, AXE_RUN
from tests.factories import ContactFactory

pytestmark = pytest.mark.browser


def test_manager_builds_saves_and_exports_a_list(page, log_in, manager, rep, subscriptions_on):
    soon, later = today() + datetime.timedelta(days=30), today() + datetime.timedelta(days=200)
    ending = ContactFactory(owner=rep, name="Ending Soon S.r.l.")
    Period.objects.create(contact=ending, mrr=Decimal("120.00"), start_date=today() - datetime.timedelta(days=300), end_date=soon)
    # It lapses for two weeks before coming back: "ending" (nothing follows directly), with an upcoming MRR.
    Period.objects.create(contact=ending, mrr=Decimal("150.00"), start_date=soon + datetime.timedelta(days=15))
    staying = ContactFactory(owner=manager, name="Staying Ltd")
    Period.objects.create(contact=staying, mrr=Decimal("80.00"), start_date=today() - datetime.timedelta(days=10), end_date=later)

    log_in(manager)
    page.get_by_role("link", name="Smart lists").click()
    page.get_by_role("button", name="New smart list").click()
    page.get_by_label("Name").fill("Renewals this quarter")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Renewals this quarter")).to_be_visible()
    expect(page.get_by_role("link", name="Staying Ltd")).to_be_visible()

    # A filter added through the picker: the table narrows, the URL follows, the filter is a chip.
    page.get_by_text("Add filter", exact=True).click()
    page.get_by_label("Ends within (days)").fill("90")
    page.get_by_label("Ends within (days)").press("Enter")
    expect(page).to_have_url(re.compile(r"ends_within_days=90"))
    expect(page.get_by_role("listitem").filter(has_text="Ends within (days): 90")).to_be_visible()
    expect(page.get_by_role("link", name="Staying Ltd")).to_have_count(0)
    expect(page.get_by_role("link", name="Ending Soon S.r.l.")).to_be_visible()
    page.get_by_role("button", name="Save filters").click()
    expect(page.get_by_text("Filters saved.")).to_be_visible()

    # The column picker adds both MRR columns, saved to the list.
    page.get_by_text("Columns", exact=True).click()
    for label in ["Current MRR", "Upcoming MRR"]:
        page.get_by_label("Add column").select_option(label=label)
        page.get_by_role("button", name="Add", exact=True).click()
        expect(page.get_by_role("columnheader", name=label)).to_be_visible()

    # A fresh visit shows the saved list; its export has those columns.
    page.goto(page.url.split("?")[0])
    expect(page.get_by_role("link", name="Staying Ltd")).to_have_count(0)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    download = download_info.value
    assert re.fullmatch(r"renewals-this-quarter-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8").read(), newline="")))
    assert rows[0] == ["Name", "Owner", "E-mail", "Current MRR", "Upcoming MRR"]
    assert [(row[0], row[3], row[4]) for row in rows[1:]] == [("Ending Soon S.r.l.", "120.00", "150.00")]


OVERLAPS = """() => {
  // Every pair of the filter form's visible boxes (labels, inputs, selects, help texts) that overlap.
  const form = document.querySelector("#smartlist-filters");
  const boxes = [...form.querySelectorAll("label, input, select, small")]
    .filter(el => el.offsetParent !== null)
    .map(el => ({el, r: el.getBoundingClientRect()}));
  const name = el => `${el.tagName.toLowerCase()}#${el.id || el.htmlFor || ""}`;
  const found = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i].r, b = boxes[j].r;
    if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1)
      found.push(`${name(boxes[i].el)} / ${name(boxes[j].el)}`);
  }
  const after = document.querySelector("#smartlist-region").getBoundingClientRect().top;
  if (form.getBoundingClientRect().bottom > after + 1) found.push("the form runs into the list");
  return found;
}"""


@pytest.mark.parametrize("width", [390, 1280, 1366])
def test_the_filters_never_overlap_at_any_width(page, log_in, rep, subscriptions_on, width):
    from smartlists.models import SmartList

    sl = SmartList.objects.create(owner=rep, name="Every filter", columns=["name", "current_mrr", "upcoming_mrr"])
    page.set_viewport_size({"width": width, "height": 800})
    log_in(rep)
    page.goto(sl.get_absolute_url())
    page.get_by_text("Add filter", exact=True).click()
    expect(page.get_by_label("Current MRR from")).to_be_visible()
    if os.environ.get("SCREENS_DIR"):
        page.screenshot(path=f"{os.environ['SCREENS_DIR']}/smartlist-filters-{width}.png", full_page=True)
    assert page.evaluate(OVERLAPS) == []

    # An upside-down range, typed: the error names the field, and the page still fits and passes axe.
    page.get_by_label("Current MRR from").fill("500")
    page.get_by_label("Current MRR to").fill("100")
    page.get_by_role("button", name="Apply", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Current MRR to: Must not be less than “Current MRR from”.")
    assert page.evaluate(OVERLAPS) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.add_script_tag(url=static(AXE))
    assert page.evaluate(AXE_RUN) == []


def test_sortable_headers_announce_their_order_and_what_a_click_does(page, log_in, rep, subscriptions_on):
    from smartlists.models import SmartList

    for name, mrr in [("Small Ltd", "10.00"), ("Big Ltd", "12345.50")]:
        Period.objects.create(contact=ContactFactory(owner=rep, name=name), mrr=Decimal(mrr),
                              start_date=today() - datetime.timedelta(days=10))
    sl = SmartList.objects.create(owner=rep, name="By MRR", columns=["name", "current_mrr"])
    log_in(rep)
    page.goto(sl.get_absolute_url())
    name = page.get_by_role("columnheader", name="Name")
    mrr = page.get_by_role("columnheader", name="Current MRR")
    expect(name).to_have_attribute("aria-sort", "ascending")
    expect(mrr).not_to_have_attribute("aria-sort", re.compile(".*"))
    expect(name.get_by_role("link")).to_have_accessible_name("Name, sort descending")
    mrr_link = mrr.get_by_role("link")
    expect(mrr_link).to_have_accessible_name("Current MRR, sort ascending")

    mrr_link.focus()
    page.keyboard.press("Enter")  # by keyboard, through htmx
    mrr = page.get_by_role("columnheader", name="Current MRR")
    expect(mrr).to_have_attribute("aria-sort", "ascending")
    expect(page.get_by_role("columnheader", name="Name")).not_to_have_attribute("aria-sort", re.compile(".*"))
    expect(mrr.get_by_role("link")).to_have_accessible_name("Current MRR, sort descending")
    expect(page.get_by_role("row").nth(1)).to_contain_text("10.00")
    mrr.get_by_role("link").click()
    expect(page.get_by_role("columnheader", name="Current MRR")).to_have_attribute("aria-sort", "descending")
    expect(page.get_by_role("columnheader", name="Current MRR").get_by_role("link")).to_have_accessible_name(
        "Current MRR, sort ascending")
    expect(page.get_by_role("row").nth(1)).to_contain_text("12,345.50")

    # The contact list is always in name order: its header says so.
    page.goto("/contacts/")
    expect(page.get_by_role("columnheader", name="Name")).to_have_attribute("aria-sort", "ascending")


def test_deleting_a_list_asks_first(page, log_in, rep):
    from smartlists.models import SmartList

    sl = SmartList.objects.create(owner=rep, name="Old list")
    log_in(rep)
    page.goto(sl.get_absolute_url())
    page.get_by_role("button", name="Rename or share").click()
    page.get_by_role("button", name="Delete this list").click()
    expect(page.get_by_role("heading", name="Delete smart list")).to_be_visible()
    expect(page.get_by_text("Delete the smart list “Old list”?")).to_be_visible()
    page.get_by_role("button", name="Cancel").click()
    assert SmartList.objects.filter(pk=sl.pk).exists()
    page.get_by_role("button", name="Delete this list").click()
    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page.get_by_text("Smart list “Old list” deleted.")).to_be_visible()
    assert not SmartList.objects.filter(pk=sl.pk).exists()


def test_leaving_a_filter_for_the_column_picker_keeps_the_picker_open(page, log_in, rep, subscriptions_on):
    from smartlists.models import SmartList

    ContactFactory(owner=rep, name="Helix Labs")
    smartlist = SmartList.objects.create(owner=rep, name="Mine")
    log_in(rep)
    page.goto(smartlist.get_absolute_url())
    filters = []
    page.on("request", lambda request: filters.append(request.url) if "q=Helix" in request.url else None)
    page.get_by_label("Search").fill("Helix")
    expect(page).to_have_url(re.compile(r"q=Helix"))
    # Tab to "Columns" and open it: leaving the field sends no second request that would close it.
    page.keyboard.press("Tab")
    while not page.evaluate("document.activeElement.id === 'column-picker-toggle'"):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_timeout(800)  # beyond the filters' delay
    expect(page.get_by_label("Add column")).to_be_visible()
    assert len(filters) == 1, filters


def test_after_a_column_is_added_or_removed_focus_stays_on_the_picker(page, log_in, rep, subscriptions_on):
    from smartlists.models import SmartList

    ContactFactory(owner=rep, name="Helix Labs")
    smartlist = SmartList.objects.create(owner=rep, name="Mine", columns=["name"])
    log_in(rep)
    page.goto(smartlist.get_absolute_url())
    page.get_by_text("Columns", exact=True).click()
    page.get_by_label("Add column").select_option(label="Current MRR")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("columnheader", name="Current MRR")).to_be_visible()
    expect(page.get_by_label("Add column")).to_be_focused()  # the next one is added from here
    page.get_by_role("button", name="Remove Current MRR").click()
    expect(page.get_by_role("columnheader", name="Current MRR")).to_have_count(0)
    expect(page.locator("#column-picker-toggle")).to_be_focused()
    expect(page.get_by_label("Add column")).to_be_visible()  # still open


def test_escape_closes_the_phone_menu_and_focus_returns_to_its_toggle(page, log_in, rep):
    page.set_viewport_size({"width": 390, "height": 800})
    log_in(rep)
    toggle = page.locator("details.nav-menu > summary")
    toggle.click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link").first.focus()
    page.keyboard.press("Escape")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(toggle).to_be_focused()


def test_a_filter_is_added_through_the_picker_shown_as_a_chip_and_removed(page, log_in, rep, subscriptions_on):
    from smartlists.models import SmartList

    ContactFactory(owner=rep, name="Paola Person", kind="person")
    ContactFactory(owner=rep, name="Orbit Srl", kind="organisation")
    smartlist = SmartList.objects.create(owner=rep, name="Everyone", columns=["name", "owner_name"])
    log_in(rep)
    page.goto(smartlist.get_absolute_url())
    chips = page.get_by_role("list", name="Filters in force")
    expect(chips).to_have_count(0)
    expect(page.get_by_role("link", name="Orbit Srl")).to_be_visible()

    # A choice applies once chosen; the picker stays open for the next one, focus on its toggle.
    page.get_by_text("Add filter", exact=True).click()
    page.get_by_label("Kind", exact=True).select_option(label="Person")
    expect(chips.get_by_role("listitem")).to_have_count(1)
    expect(chips.get_by_role("listitem")).to_contain_text("Kind: Person")
    expect(page.get_by_role("link", name="Orbit Srl")).to_have_count(0)
    expect(page.get_by_role("link", name="Paola Person")).to_be_visible()
    expect(page).to_have_url(re.compile(r"kind=person"))
    expect(page.get_by_label("Kind", exact=True)).to_have_count(0)  # in force: a chip, no longer in the picker
    expect(page.get_by_text("Add filter", exact=True)).to_be_focused()
    # the owner is a choice of the people the rep may see: the rep alone
    owners = page.get_by_label("Owner").locator("option")
    expect(owners).to_have_text(["Any owner", str(rep)])

    # Its × drops it: every row is back, and the URL says the filter is cleared.
    page.get_by_role("link", name="Remove the filter Kind: Person").click()
    expect(chips).to_have_count(0)
    expect(page.get_by_role("link", name="Orbit Srl")).to_be_visible()
    expect(page).to_have_url(re.compile(r"kind=(&|$)"))
    expect(page.get_by_label("Kind", exact=True)).to_be_visible()  # offered again, in the picker still open


@pytest.mark.parametrize("width", [390, 1366])
def test_on_a_phone_the_first_screen_shows_rows(page, log_in, rep, subscriptions_on, width):
    from smartlists.models import SmartList

    for index in range(30):
        contact = ContactFactory(owner=rep, kind="organisation", name=f"Customer {index:02d} with a longer company name S.p.A.")
        Period.objects.create(contact=contact, mrr=Decimal("100.00") + index, start_date=today() - datetime.timedelta(days=10),
                              end_date=today() + datetime.timedelta(days=20 + index))
    smartlist = SmartList.objects.create(owner=rep, name="Ending soon", columns=["name", "owner_name", "current_mrr", "current_end"],
                                         query="ends_within_days=90&kind=organisation")
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 768})
    log_in(rep)
    page.goto(smartlist.get_absolute_url())
    expect(page.get_by_role("list", name="Filters in force").get_by_role("listitem")).to_have_count(2)
    if os.environ.get("SCREENS_DIR"):
        page.screenshot(path=f"{os.environ['SCREENS_DIR']}/smartlist-chips-{width}.png")
    first_row = page.get_by_role("row").nth(1)
    expect(first_row).to_contain_text("Customer 00")
    top = first_row.bounding_box()["y"]
    assert top < page.viewport_size["height"], f"the first row starts at {top}px, below the first screen"
    # A long company name (45 letters) takes three lines at most: it took six before.
    name = first_row.get_by_role("link", name="Customer 00")
    lines = page.evaluate("(link) => link.getClientRects().length", name.element_handle())
    assert lines <= 3, f"the name wraps over {lines} lines"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.add_script_tag(url=static(AXE))
    assert page.evaluate(AXE_RUN) == []
