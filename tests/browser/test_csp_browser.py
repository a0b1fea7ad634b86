"""The pages work under the Content-Security-Policy: nothing the browser refuses, and the htmx
interactions and the script-driven bits (language picker, a smart list's filter errors) still work.

A refusal shows in two places, both watched: the `securitypolicyviolation` event (reported to the
console by a script Playwright installs outside the page's policy) and Chromium's own console
error. htmx refusing to eval (`allowEval` is off) logs an error too.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from crm.dates import today
from smartlists.models import SmartList
from subscriptions.models import Period
from tests.factories import ContactFactory
from tests.renewals.conftest import make_customer
from tests.renewals.factories import ContractChangeFactory, PartnerOrganisationFactory

pytestmark = pytest.mark.browser

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def refused(page):
    """Every CSP violation and script error the page reports; a 4xx the page expects is not one."""
    found = []
    page.context.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda message: found.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda error: found.append(str(error)))
    return found


def _visit(page, url, refused):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert refused == [], url


def test_vendor_pages_run_under_the_policy_and_their_htmx_still_works(page, log_in, refused, rep, subscriptions_on):
    _visit(page, reverse("login"), refused)
    log_in(rep)
    customer = ContactFactory(owner=rep, name="Helix Labs")
    ContactFactory(owner=rep, name="Quartz Finance")
    Period.objects.create(contact=customer, mrr=Decimal("120.00"), start_date=today() - datetime.timedelta(days=300),
                          end_date=today() + datetime.timedelta(days=30))
    smartlist = SmartList.objects.create(owner=rep, name="Mine", columns=["name", "current_mrr"])

    _visit(page, customer.get_absolute_url(), refused)
    periods = page.locator("#subscription-periods .scroll-box")
    expect(periods).to_be_visible()
    assert periods.evaluate("box => getComputedStyle(box).maxHeight") != "none"  # the class replaced style=
    expect(page.locator("head style")).to_have_count(0)  # htmx's indicator styles are in app.css

    _visit(page, reverse("subscriptions:pipeline"), refused)

    _visit(page, smartlist.get_absolute_url(), refused)
    names = page.locator("#smartlist-region tbody tr td:first-child")
    expect(names).to_have_text(["Helix Labs", "Quartz Finance"])
    # Sorting swaps the region in place.
    page.locator("#smartlist-region").get_by_role("link", name="Name").click()
    expect(page).to_have_url(re.compile(r"sort=-name"))
    expect(names).to_have_text(["Quartz Finance", "Helix Labs"])
    # A filter the server refuses (400) shows its error in place of the table.
    page.get_by_text("Add filter", exact=True).click()
    page.get_by_label("Current MRR from").fill("10000000000000")
    page.get_by_label("Current MRR from").press("Enter")
    expect(page.locator("#smartlist-region").get_by_role("alert")).to_contain_text("no more than 12 digits")

    # The language picker sends its choice with its button (never on a mere change of the <select>).
    page.get_by_label("Language").select_option("it")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "it")
    expect(page.get_by_role("button", name="Esci")).to_be_visible()
    assert refused == []


def test_the_partner_dashboard_runs_under_the_policy(page, log_in, refused, partner, rep, subscriptions_on):
    partner_org = PartnerOrganisationFactory(users=[partner])
    for name in ("Helix Labs", "Quartz Finance"):
        ContractChangeFactory(customer=make_customer(name, rep, partner_org), start_date=today() + datetime.timedelta(days=30))
    log_in(partner)
    _visit(page, reverse("renewals:dashboard"), refused)
    rows = page.locator("#renewals-results tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_label("Search").fill("helix")
    expect(page).to_have_url(re.compile(r"q=helix"))
    expect(rows).to_have_count(1)
    assert refused == []


def test_the_admin_runs_under_the_policy_from_its_own_files(page, log_in, refused, admin_user, rep, live_server):
    change = ContractChangeFactory(customer=make_customer("Helix Labs", rep), term_months=12)
    log_in(admin_user)
    _visit(page, reverse("admin:renewals_contractchange_changelist"), refused)
    expect(page.get_by_role("link", name=str(change.customer))).to_be_visible()
    _visit(page, reverse("admin:renewals_contractchange_change", args=[change.pk]), refused)
    scripts = page.eval_on_selector_all("script", "scripts => scripts.map(script => script.src)")
    assert scripts and all(src.startswith(live_server.url + "/") for src in scripts), scripts
    page.locator("#id_term_months").select_option("24")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    change.refresh_from_db()
    assert change.term_months == 24
    assert refused == []
