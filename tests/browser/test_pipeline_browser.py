"""The pipeline report in the browser: it fits the screen, each figure opens its contacts, and the
as-of date redraws the report in place (and works without a script)."""

import datetime
import os
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from crm.dates import today
from subscriptions.models import Period
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.browser
HEIGHT = 800


@pytest.fixture
def team_book(manager, rep, subscriptions_on):
    """A manager's team of three with six-figure MRR in every column of the report."""
    reps = [rep]
    for username, first, last in (("rep2", "Maria Fernanda", "Albuquerque-Vasconcelos"),
                                  ("rep3", "Giovanni Battista", "Santangelo")):
        other = UserFactory(username=username, first_name=first, last_name=last)
        rep.teams.first().members.add(other)
        reps.append(other)
    day = today()
    for n, owner in enumerate(reps):
        for i, (ends, back, currency) in enumerate([(20, 0, "EUR"), (50, 10, "EUR"), (80, 0, "EUR"), (None, None, "EUR"),
                                                     (20, 0, "USD")]):
            contact = ContactFactory(owner=owner, name=f"Customer {n}-{i}")
            end = None if ends is None else day + datetime.timedelta(days=ends)
            Period.objects.create(contact=contact, mrr=Decimal("123456.78") + n, currency=currency,
                                  start_date=day - datetime.timedelta(days=300), end_date=end)
            if back is not None and end is not None:
                Period.objects.create(contact=contact, mrr=Decimal("234567.89"), currency=currency,
                                      start_date=end + datetime.timedelta(days=1 + back))
        starter = ContactFactory(owner=owner, name=f"Starter {n}")
        Period.objects.create(contact=starter, mrr=Decimal("99999.99"), start_date=day + datetime.timedelta(days=5))
    return reps


# Each report table: its scroll region's widths, and where the 90-day column's figures end (each
# row's last cell: a column on a laptop, the card's last line on a phone).
SCROLLS = """() => [...document.querySelectorAll("table.pipeline")].map(t => {
  const region = t.closest(".table-scroll");
  return {scroll: region.scrollWidth, client: region.clientWidth, regionRight: region.getBoundingClientRect().right,
          lastRights: [...t.querySelectorAll('[data-figure="ending90"] a')].map(a => a.getBoundingClientRect().right)};
})"""


@pytest.mark.parametrize("width", [1280, 1366, 390])
def test_the_report_fits_the_screen_with_its_60_and_90_day_columns_in_view(page, log_in, manager, team_book, width):
    log_in(manager)
    page.set_viewport_size({"width": width, "height": HEIGHT})
    page.goto("/subscriptions/pipeline/")
    if os.environ.get("SCREENS_DIR"):
        page.screenshot(path=f"{os.environ['SCREENS_DIR']}/pipeline-{width}.png", full_page=True)
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width  # the page never scrolls sideways
    tables = page.evaluate(SCROLLS)
    assert len(tables) == 2  # EUR, then USD
    for table in tables:
        assert table["scroll"] <= table["client"], table  # nor does the table inside its region
        assert len(table["lastRights"]) >= 4 and max(table["lastRights"]) <= min(table["regionRight"], width), table


def test_a_figure_opens_its_contacts_and_a_chosen_day_redraws_the_report_in_place(page, log_in, rep, subscriptions_on):
    day = today()
    for name, ends in (("Leaves soon", 20), ("Stays on", None)):
        Period.objects.create(contact=ContactFactory(owner=rep, name=name), mrr=Decimal("100.00"),
                              start_date=day - datetime.timedelta(days=100),
                              end_date=None if ends is None else day + datetime.timedelta(days=ends))
    log_in(rep)
    page.goto("/subscriptions/pipeline/")
    as_of = page.get_by_label("As of")
    expect(as_of).to_have_value(day.isoformat())
    churn = page.locator('section[data-currency="EUR"] tbody [data-figure="churn"] a')
    expect(churn).to_have_text("−100.00")
    churn.click()
    expect(page).to_have_url(re.compile(r"/smartlists/\d+/\?owner=rep&pipeline=churn&pipeline_currency=EUR$"))
    expect(page.locator("main table tbody a[href^='/contacts/']")).to_have_text(["Leaves soon"])
    expect(page.get_by_text("1 contact", exact=True)).to_be_visible()
    if os.environ.get("SCREENS_DIR"):
        page.screenshot(path=f"{os.environ['SCREENS_DIR']}/pipeline-figure-list.png", full_page=True)

    page.go_back()
    page.evaluate("window.loadedOnce = true")
    later = day + datetime.timedelta(days=30)
    page.get_by_label("As of").fill(later.isoformat())
    expect(page).to_have_url(re.compile(rf"as_of={later.isoformat()}"))
    expect(churn).to_have_text("0.00")  # "Leaves soon" has left by then
    expect(page.locator('section[data-currency="EUR"] tbody [data-figure="current"] a')).to_have_text("100.00")
    assert page.evaluate("window.loadedOnce") is True  # redrawn in place, not reloaded
    page.locator('section[data-currency="EUR"] tbody [data-figure="current"] a').click()
    expect(page).to_have_url(re.compile(rf"pipeline_on={later.isoformat()}"))
    expect(page.locator("main table tbody a[href^='/contacts/']")).to_have_text(["Stays on"])
