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


AXE = "vendor/axe-core-4.14.1.min.js"
AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "));
}"""


def _axe(page):
    from django.templatetags.static import static

    page.add_script_tag(url=static(AXE))
    return page.evaluate(AXE_RUN)


def test_the_period_form_shows_the_end_field_chosen_and_the_mrr_as_you_type_then_focus_follows_the_save(
    page, log_in, rep, contact, subscriptions_on
):
    from subscriptions.models import Period

    log_in(rep)
    page.goto(contact.get_absolute_url())
    add = page.get_by_role("button", name="Add subscription")
    add.click()
    form = page.locator("#period-form-slot form")
    # The form opens in place and takes focus on its heading.
    expect(page.get_by_role("heading", name="Add subscription")).to_be_focused()
    assert _axe(page) == []  # the panel with the form open

    # "After a number of months" (the default) shows only the number of months; "On a date" only the date.
    months, end_date = form.get_by_label("Number of months", exact=True), form.get_by_label("End date", exact=True)
    expect(months).to_be_visible()
    expect(end_date).to_have_count(0)
    form.get_by_label("On a date").check()
    expect(end_date).to_be_visible()
    expect(months).to_have_count(0)
    expect(form.get_by_label("On a date")).to_be_focused()  # the choice keeps focus while the field changes
    form.get_by_label("Never").check()
    expect(end_date).to_have_count(0)
    expect(months).to_have_count(0)
    form.get_by_label("On a date").check()

    # The MRR the price makes shows as it is typed, computed by the server.
    form.get_by_label("Billing frequency").select_option("annual")
    form.get_by_label("Price").press_sequentially("1200")
    expect(page.locator("#mrr-preview")).to_have_text("MRR from this price: 100.00 EUR")
    form.get_by_label("Price").fill("-5")
    expect(page.locator("#mrr-preview")).to_have_text("Ensure this value is greater than or equal to 0.")
    form.get_by_label("Price").fill("2400")
    expect(page.locator("#mrr-preview")).to_have_text("MRR from this price: 200.00 EUR")

    start = today() - datetime.timedelta(days=30)
    form.get_by_label("Effective date").fill(start.isoformat())
    form.get_by_label("End date", exact=True).fill((start + datetime.timedelta(days=364)).isoformat())
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Subscription added.")
    period = Period.objects.get(contact=contact)
    assert (period.mrr, period.term_months) == (200, None)
    # Focus is on the saved row, not on the page's body.
    row = page.locator(f"#period-{period.pk}")
    expect(row).to_be_focused()
    expect(row).to_contain_text("200.00 EUR")

    # Edit, then Cancel: focus goes back to the Edit link that opened the form. Once the save's
    # swaps have settled: a click before the last one lands on a row it replaces (CI, loaded).
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    edit = row.get_by_role("link", name="Edit")
    edit.click()
    expect(page.get_by_role("heading", name="Edit period")).to_be_focused()
    expect(page.locator("#period-form-slot form").get_by_label("End date", exact=True)).to_be_visible()
    expect(page.locator("#mrr-preview")).to_have_text("MRR from this price: 200.00 EUR")
    page.locator("#period-form-slot").get_by_role("button", name="Cancel").click()
    expect(page.locator("#period-form-slot form")).to_have_count(0)
    expect(edit).to_be_focused()

    # A refused save puts focus on the first field in error.
    edit.click()
    expect(page.get_by_role("heading", name="Edit period")).to_be_focused()  # the form is in, and settled
    form = page.locator("#period-form-slot form")
    form.get_by_label("Price").fill("")
    # As a person reads it before saving: a Save within the preview's 400 ms raced its request.
    expect(page.locator("#mrr-preview")).to_have_text("Give the price billed at this frequency.")
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_label("Price")).to_be_focused()
    page.locator("#period-form-slot").get_by_role("button", name="Cancel").click()

    # Delete: the row is gone, focus is on the message.
    page.locator(f"#period-{period.pk}").get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", name="Delete period")).to_be_focused()
    page.locator("#period-form-slot").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_have_text("Period deleted.")
    expect(page.get_by_role("status")).to_be_focused()
    expect(page.locator(f"#period-{period.pk}")).to_have_count(0)


def test_browsing_the_history_keeps_focus_on_the_months(page, log_in, rep, contact, subscriptions_on):
    from tests.subscriptions.factories import monthly_periods

    monthly_periods(contact, 30, first=datetime.date(2020, 1, 1))
    log_in(rep)
    page.goto(f"/subscriptions/contacts/{contact.pk}/history/")
    page.get_by_role("link", name="Older").click()
    expect(page.get_by_role("heading", name="Month by month")).to_be_focused()
    expect(page.get_by_text("Page 2 of 7")).to_be_visible()


def test_ten_years_of_chart_labels_never_overlap_at_any_width(page, log_in, rep, contact, subscriptions_on):
    from tests.subscriptions.factories import monthly_periods

    monthly_periods(contact, 120, first=datetime.date(2017, 1, 1))
    log_in(rep)
    for path in (contact.get_absolute_url(), f"/subscriptions/contacts/{contact.pk}/history/"):
        page.goto(path)
        for width in (390, 1280, 1366):
            page.set_viewport_size({"width": width, "height": 800})
            boxes = page.eval_on_selector_all(
                "figure.mrr-chart svg text[text-anchor='start'], figure.mrr-chart svg text:not([text-anchor])",
                "texts => texts.map(t => { const r = t.getBoundingClientRect(); return [r.left, r.right, t.textContent]; })",
            )
            assert len(boxes) >= 5, boxes
            assert [text for *_, text in boxes][:2] == ["2017", "2018"]
            for (_, right, text), (left, _, following) in zip(boxes, boxes[1:]):
                assert right < left, f"{path} @{width}: {text!r} overlaps {following!r}"
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_enter_in_a_field_of_the_subscription_form_saves_it(page, log_in, rep, contact, subscriptions_on):
    log_in(rep)
    page.goto(contact.get_absolute_url())
    widget = page.locator("#subscriptions-panel")
    widget.get_by_role("button", name="Add subscription").click()
    form = page.locator("#period-form-slot form")
    form.get_by_label("MRR", exact=True).fill("80")
    form.get_by_label("Effective date").fill((today() - datetime.timedelta(days=10)).isoformat())
    form.get_by_label("Number of months", exact=True).fill("12")
    form.get_by_label("Number of months", exact=True).press("Enter")
    expect(page.get_by_role("status")).to_have_text("Subscription added.")
    expect(page.locator("#subscription-summary").get_by_text("80.00 EUR", exact=True)).to_be_visible()
    assert contact.periods.get().mrr == 80
