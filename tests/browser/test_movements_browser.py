"""The MRR movements report in the browser: a manager chooses the months (the report redrawn in
place), opens a figure and lands on the list of exactly its contacts; the page fits a phone without
sideways scrolling and axe-core finds nothing, in each of the product's languages."""

import datetime
import os
import re
from decimal import Decimal

import pytest
from django.templatetags.static import static
from playwright.sync_api import expect

from crm.dates import today
from subscriptions.dates import add_months, month_end
from subscriptions.models import Period
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.browser
HEIGHT = 800
AXE = "vendor/axe-core-4.14.1.min.js"  # under static/; loaded from the server, as the CSP allows only 'self'
AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "));
}"""


@pytest.fixture
def team_book(manager, rep, subscriptions_on):
    """A manager's team of two reps: one customer leaves last month, one arrived three months ago,
    others stay on (six-figure MRR, a long name), and some pay in dollars."""
    this_month = today().replace(day=1)
    second = UserFactory(username="rep2", first_name="Maria Fernanda", last_name="Albuquerque-Vasconcelos")
    rep.teams.first().members.add(second)

    def subscriber(owner, name, mrr, start, end=None, currency="EUR"):
        Period.objects.create(contact=ContactFactory(owner=owner, name=name), mrr=Decimal(mrr), currency=currency,
                              start_date=start, end_date=end)

    # its last day is in the month before last: it stops running on last month's first day
    subscriber(rep, "Leaves last month", "123456.78", add_months(this_month, -30),
               month_end(add_months(this_month, -2)))
    subscriber(second, "Arrived three months ago", "98765.43", add_months(this_month, -3) + datetime.timedelta(days=9))
    for n in range(4):
        subscriber(rep if n % 2 else second, f"Stays on {n}", f"{234567 + n}.89", add_months(this_month, -40))
    subscriber(rep, "Pays in dollars", "5432.10", add_months(this_month, -20), currency="USD")
    return this_month


def test_a_manager_chooses_the_months_opens_a_figure_and_lands_on_its_contacts(page, log_in, manager, team_book):
    this_month = team_book
    last_month, first = add_months(this_month, -1), add_months(this_month, -6)
    log_in(manager)
    page.goto("/subscriptions/movements/")
    expect(page.get_by_label("From")).to_have_value(add_months(this_month, -11).strftime("%Y-%m"))
    rows = page.locator('[aria-labelledby$="movements-EUR-to-date"] tbody th[scope="row"]')
    expect(rows).to_have_count(12)

    # A later first month: the report is redrawn in place, and the address says which months.
    page.evaluate("window.loadedOnce = true")
    page.get_by_label("From").fill(first.strftime("%Y-%m"))
    expect(page).to_have_url(re.compile(rf"start={first:%Y-%m}"))
    expect(rows).to_have_count(7)  # to this month
    assert page.evaluate("window.loadedOnce") is True

    # Last month's churn: the one customer who left, and no one else.
    churn = page.locator(f'section[data-currency="EUR"] a[href*="movement_month={last_month:%Y-%m}&"]'
                         '[href$="movement=churn"]')
    expect(churn).to_have_text("−123,456.78")
    churn.click()
    expect(page).to_have_url(re.compile(r"/smartlists/\d+/\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Contacts behind the MRR movements' figures")
    expect(page.locator("main table tbody a[href^='/contacts/']")).to_have_text(["Leaves last month"])
    expect(page.get_by_text("1 contact", exact=True)).to_be_visible()

    # Back on the report, a rep's name narrows it to them; their new business is their one arrival.
    page.go_back()
    page.get_by_role("link", name="Maria Fernanda Albuquerque-Vasconcelos").click()
    expect(page).to_have_url(re.compile(r"owner=rep2"))
    expect(page.get_by_label("Owner")).to_have_value("rep2")
    arrived = add_months(this_month, -3)
    page.locator(f'section[data-currency="EUR"] a[href*="movement_month={arrived:%Y-%m}&"][href$="movement=new"]').click()
    expect(page.locator("main table tbody a[href^='/contacts/']")).to_have_text(["Arrived three months ago"])


@pytest.mark.parametrize("language", ["en-GB", "it-IT", "pt-BR"])
def test_the_report_fits_a_phone_and_a_laptop_and_axe_finds_nothing(browser, live_server, manager, team_book,
                                                                    language):
    context = browser.new_context(base_url=live_server.url, locale=language)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto("/accounts/login/")
        page.locator("input[name=username]").fill(manager.username)
        page.locator("input[name=password]").fill("pw")
        page.locator("input[name=password]").press("Enter")
        page.wait_for_load_state()
        page.goto("/subscriptions/movements/")
        assert page.locator("html").get_attribute("lang").lower() == {"en-GB": "en", "it-IT": "it", "pt-BR": "pt-br"}[
            language]
        expect(page.locator('section[data-currency="USD"]')).to_have_count(1)
        page.add_script_tag(url=static(AXE))
        for width in (390, 1366):
            page.set_viewport_size({"width": width, "height": HEIGHT})
            scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll_width <= inner_width, (language, width)  # the page never scrolls sideways
            # the widest table scrolls inside its own region, its month or owner column in view
            regions = page.evaluate("""() => [...document.querySelectorAll("table.movements")].map(t => {
                const region = t.closest(".table-scroll").getBoundingClientRect();
                return {left: region.left, right: region.right, heading: t.querySelector("tbody th").getBoundingClientRect().left};
            })""")
            assert regions and all(r["right"] <= width and r["heading"] >= r["left"] - 1 for r in regions), regions
            assert page.evaluate(AXE_RUN) == [], (language, width)
            if os.environ.get("SCREENS_DIR"):
                page.screenshot(path=f"{os.environ['SCREENS_DIR']}/movements-{language}-{width}.png", full_page=True)
    finally:
        context.close()
