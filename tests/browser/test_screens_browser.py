"""Every page every role may open, at a phone's width and two laptop widths: the page never
scrolls sideways and axe-core finds no violation.

One browser context per role, reused for all its pages; each page is loaded once and resized to
each width. axe-core (static/vendor, see its README) is injected by the test only: no product page
loads it (the Content-Security-Policy stays on: the script comes from the server, not
inline). Set SCREENS_DIR to a folder to keep a full-page screenshot of every page at every width.
"""

import datetime
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.templatetags.static import static
from django.urls import reverse

from crm import dates
from imports import services as import_services
from imports.models import Import
from smartlists.models import SmartList
from subscriptions import rates
from subscriptions.models import Period
from tests.factories import ContactFactory
from tests.renewals.conftest import make_customer
from tests.renewals.factories import ContractChangeFactory, PartnerOrganisationFactory

pytestmark = pytest.mark.browser

AXE = "vendor/axe-core-4.14.1.min.js"  # under static/; loaded from the server, as the CSP allows only 'self'
WIDTHS = (390, 1280, 1366)
HEIGHT = 800
# A word longer than any screen: a pasted token, a URL without spaces.
UNBROKEN = "Unbroken" + "x" * 160
VENDOR = ("admin", "manager", "rep")
COLUMNS = ["name", "email", "phone", "website", "kind", "organisation_name", "owner_name", "tags_text",
           "current_mrr", "current_currency", "current_end", "upcoming_mrr", "upcoming_start", "upcoming_direction",
           "remaining_value"]


def _pages(role, data):
    """(label, path) of every page `role` may open, as the permission matrix allows."""
    contact, person, period, smartlist = data["customer"].contact, data["person"], data["period"], data["smartlist"]
    missing = [("404", "/no-such-page/")]
    if role == "anonymous":
        return [("login", reverse("login")), *missing]
    if role == "partner":
        return [
            ("renewals-dashboard", reverse("renewals:dashboard")),
            ("renewals-settings", reverse("renewals:settings")),
            ("renewals-customer", reverse("renewals:customer", args=[data["customer"].pk])),
            ("renewals-end-association", reverse("renewals:end_association", args=[data["customer"].pk])),
            ("api-tokens", reverse("api_tokens")),
            *missing,
        ]
    pages = [
        ("contact-list", reverse("contact_list")),
        ("contact-organisation", reverse("contact_detail", args=[contact.pk])),
        ("contact-person", reverse("contact_detail", args=[person.pk])),
        ("contact-create", reverse("contact_create")),
        ("contact-edit", reverse("contact_edit", args=[contact.pk])),
        ("pipeline", reverse("subscriptions:pipeline")),
        ("mrr-movements", reverse("subscriptions:movements")),
        ("subscription", reverse("subscriptions:contact", args=[contact.pk])),
        ("mrr-history", reverse("subscriptions:history", args=[contact.pk])),
        ("period-create", reverse("subscriptions:period_create", args=[contact.pk])),
        ("period-change", reverse("subscriptions:period_change", args=[contact.pk])),
        ("period-edit", reverse("subscriptions:period_edit", args=[period.pk])),
        ("period-delete", reverse("subscriptions:period_delete", args=[period.pk])),
        ("renewals-customer", reverse("renewals:customer", args=[data["customer"].pk])),
        ("renewals-end-association", reverse("renewals:end_association", args=[data["customer"].pk])),
        ("smartlists-index", reverse("smartlists:index")),
        ("smartlist-create", reverse("smartlists:create")),
        ("smartlist", reverse("smartlists:detail", args=[smartlist.pk])),
        ("imports", reverse("imports:index")),
        ("import-report", reverse("imports:detail", args=[data["imports"][role].pk])),
        ("import-mapping", reverse("imports:mapping", args=[data["imports"][role].pk])),
        ("api-tokens", reverse("api_tokens")),
        *missing,
    ]
    if role == "admin":
        pages += [("settings", reverse("settings_index")),
                  ("customize-subscriptions", reverse("customize_feature", args=["subscriptions"])),
                  ("renewals-partner-choice", reverse("renewals:dashboard")),
                  ("renewals-dashboard-read", f"{reverse('renewals:dashboard')}?partner={data['partner_org'].pk}"),
                  ("rates", reverse("subscriptions:rates")),
                  ("rate-history", reverse("subscriptions:rate_history")),
                  ("reporting-currency", reverse("subscriptions:reporting_currency")),
                  ("rate-create", reverse("subscriptions:rate_create")),
                  ("rate-edit", reverse("subscriptions:rate_edit", args=[data["rate"].pk])),
                  ("rate-delete", reverse("subscriptions:rate_delete", args=[data["rate"].pk]))]
    if role == "rep":
        pages += [("smartlist-edit", reverse("smartlists:edit", args=[smartlist.pk])),
                  ("smartlist-delete", reverse("smartlists:delete", args=[smartlist.pk]))]
    return pages


@pytest.fixture
def screens_data(admin_user, manager, rep, partner, subscriptions_on):
    today = dates.today()
    organisation = PartnerOrganisationFactory(name="Northwind Partners", users=[partner])
    customer = make_customer("Helix Labs International Holdings", rep, organisation,
                             people=("Giulia Esposito", "Hugo Weber"))
    customer.contact.address = f"Via Roma 1\n{UNBROKEN}"
    customer.contact.email = "accounts.payable.department@helix-labs-international-holdings.example"
    customer.contact.save()
    person = ContactFactory(name=f"Person {UNBROKEN}", owner=rep, organisation=customer.contact,
                            email="someone@example.com", address=UNBROKEN)
    period = Period.objects.create(contact=customer.contact, mrr=Decimal("1234.50"),
                                   start_date=today - datetime.timedelta(days=400), term_months=12,
                                   end_date=today + datetime.timedelta(days=40))
    Period.objects.create(contact=customer.contact, mrr=Decimal("1500.00"), start_date=today + datetime.timedelta(days=41),
                          term_months=12)
    ContractChangeFactory(customer=customer, start_date=today + datetime.timedelta(days=40))
    ContractChangeFactory(customer=make_customer("Quartz Finance", rep, organisation),
                          start_date=today - datetime.timedelta(days=3))
    for n in range(12):
        other = ContactFactory(name=f"Customer {n:02d} {UNBROKEN if n == 0 else 'Ltd'}", owner=rep, kind="organisation")
        Period.objects.create(contact=other, mrr=Decimal(100 + n), start_date=today - datetime.timedelta(days=30 * n),
                              term_months=12)
    # Dollars with a rate and pounds without one: the totals show their whole in euros, and what it lacks.
    for name, currency in (("Dollar Customer Inc", "USD"), ("Pound Customer Ltd", "GBP")):
        Period.objects.create(contact=ContactFactory(name=name, owner=rep, kind="organisation"), currency=currency,
                              mrr=Decimal("98765.43"), start_date=today - datetime.timedelta(days=60), term_months=12,
                              end_date=today + datetime.timedelta(days=20))
    rate = rates.rate_create(currency="USD", rate=Decimal("0.92345678"), valid_from=today - datetime.timedelta(days=730),
                             against="EUR", by=admin_user)
    smartlist = SmartList.objects.create(owner=rep, name="Team list with every column", shared=True, columns=COLUMNS)
    # Each person's own import, checked, one row refused: its report, its mapping.
    imports = {role: import_services.import_check(imp=import_services.import_create(
        by=user, kind=Import.Kind.CONTACTS, upload=SimpleUploadedFile(
            f"{role}-contacts-{UNBROKEN}.csv", f"name,email,kind\nAda Imported,ada@example.com,person\n,{UNBROKEN},robot\n".encode(),
            content_type="text/csv")))
        for role, user in (("admin", admin_user), ("manager", manager), ("rep", rep))}
    # Each person's API tokens: one in use, one revoked, with a name that does not break.
    from api.tokens import token_create, token_revoke

    for user in (admin_user, manager, rep, partner):
        token_create(user=user, name=f"Billing sync {UNBROKEN[:80]}", scope="write")
        token_revoke(token=token_create(user=user, name="Old export", scope="read")[0])
    return {"customer": customer, "person": person, "period": period, "smartlist": smartlist, "imports": imports,
            "partner_org": organisation, "rate": rate}


def _check(page, role, label, path):
    """What is wrong with the page at `path`, for every width: a list of sentences."""
    problems = []
    response = page.goto(path)
    expected = 404 if label == "404" else 200
    if response.status != expected:
        return [f"{role} {label}: status {response.status}, not {expected}"]
    page.add_script_tag(url=static(AXE))
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll_width > inner_width:
            widest = page.evaluate(WIDEST)
            problems.append(f"{role} {label} @{width}: page is {scroll_width}px wide ({widest})")
        violations = page.evaluate(AXE_RUN)
        for violation in violations:
            problems.append(f"{role} {label} @{width}: axe {violation['id']} on {', '.join(violation['targets'][:3])}")
        if os.environ.get("SCREENS_DIR"):
            Path(os.environ["SCREENS_DIR"]).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{os.environ['SCREENS_DIR']}/{role}-{label}-{width}.png", full_page=True)
    return problems


AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({id: v.id, targets: v.nodes.map(n => n.target.join(" "))}));
}"""
# The element reaching furthest right, to name in a failure: the one to fix.
WIDEST = """() => {
  let worst = null, right = window.innerWidth;
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect().right;
    if (r > right) { right = r; worst = el; }
  }
  return worst ? `${worst.tagName.toLowerCase()}${worst.id ? "#" + worst.id : ""}.${[...worst.classList].join(".")} reaches ${Math.round(right)}px` : "?";
}"""


@pytest.mark.parametrize("role", [*VENDOR, "partner", "anonymous"])
def test_every_page_fits_every_width_and_passes_axe(page, log_in, screens_data, role, admin_user, manager, rep,
                                                    partner):
    users = {"admin": admin_user, "manager": manager, "rep": rep, "partner": partner}
    if role in users:
        log_in(users[role])
    problems = []
    pages = _pages(role, screens_data)
    for label, path in pages:
        problems += _check(page, role, label, path)
    assert len(pages) * len(WIDTHS) >= 6
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)


def test_on_a_phone_the_menu_reaches_language_and_log_out_and_the_skip_link_comes_first(page, log_in, rep):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 390, "height": HEIGHT})
    log_in(rep)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    log_out = page.get_by_role("button", name="Log out")
    expect(log_out).to_be_hidden()
    page.get_by_text("Menu", exact=True).click()
    for target in (page.get_by_label("Language"), log_out, page.get_by_role("link", name="Smart lists")):
        expect(target).to_be_visible()
        box = target.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.set_viewport_size({"width": 1280, "height": HEIGHT})
    page.reload()
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
