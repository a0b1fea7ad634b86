import datetime

import pytest
from playwright.sync_api import expect

from crm.dates import today

pytestmark = pytest.mark.browser


def test_rep_adds_and_expands_a_subscription_then_the_admin_switches_the_feature_off(
    page, log_in, browser, live_server, rep, admin_user, contact, subscriptions_on
):
    log_in(rep)
    page.goto(contact.get_absolute_url())
    widget = page.locator("#subscriptions-panel")
    expect(widget.get_by_text("No subscription yet.")).to_be_visible()

    # Add: the form opens in place, and the widget updates without a page load.
    widget.get_by_role("button", name="Add subscription").click()
    form = page.locator("#period-form-slot form")
    form.get_by_label("MRR", exact=True).fill("100")
    start = today() - datetime.timedelta(days=30)
    form.get_by_label("Effective date").fill(start.isoformat())
    form.get_by_label("Number of months", exact=True).fill("12")
    page.evaluate("window.loadedOnce = true")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Subscription added.")
    summary = page.locator("#subscription-summary")
    expect(summary.get_by_text("100.00 EUR", exact=True)).to_be_visible()

    # A bad value is answered inline, in place.
    widget.get_by_role("button", name="Change subscription").click()
    form = page.locator("#period-form-slot form")
    form.get_by_label("MRR", exact=True).fill("-3")
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_role("alert")).to_contain_text("greater than or equal to 0")

    # Change to a higher value: the next period starts where the current one ends.
    form.get_by_label("MRR", exact=True).fill("150")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Subscription changed.")
    expect(summary.get_by_text("150.00 EUR", exact=True)).to_be_visible()
    expect(summary.get_by_text("Expansion")).to_be_visible()
    expect(summary.get_by_role("img", name="MRR month by month")).to_be_visible()
    expect(page.locator("#subscription-periods tbody tr")).to_have_count(2)
    assert page.evaluate("window.loadedOnce") is True  # all of it without reloading the page

    # The admin, in another browser, deactivates the feature.
    admin = browser.new_context(base_url=live_server.url, locale="en-GB")
    admin_page = admin.new_page()
    admin_page.goto("/accounts/login/")
    admin_page.get_by_label("Username").fill(admin_user.username)
    admin_page.get_by_label("Password").fill("pw")
    admin_page.get_by_role("button", name="Log in").click()
    admin_page.goto("/settings/customize/subscriptions/")
    admin_page.get_by_role("button", name="Deactivate").click()
    expect(admin_page.locator("#feature-state")).to_have_text("Inactive")
    admin.close()

    page.reload()
    expect(page.get_by_role("heading", name=contact.name)).to_be_visible()
    expect(page.locator("#subscriptions-panel")).to_have_count(0)
    expect(page.get_by_role("link", name="Pipeline")).to_have_count(0)
