"""A date in a table is read whole: at 390 px "Jan 15, 2027" stays on one line, not split after
its comma into what reads as two values (issue 24)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.dates import today
from renewals.models import ColumnPreference
from smartlists.models import SmartList
from subscriptions.models import Period
from tests.factories import ContactFactory
from tests.renewals.conftest import make_customer
from tests.renewals.factories import ContractChangeFactory, PartnerOrganisationFactory

pytestmark = pytest.mark.browser

# How many lines each of the selected elements' text takes (a range's client rects: one per line).
LINES = """elements => elements.map(element => {
    const range = document.createRange();
    range.selectNodeContents(element);
    return [element.textContent.trim(), new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size];
})"""


def lines(page, selector):
    found = page.locator(selector).evaluate_all(LINES)
    assert found, f"no date at {selector}"
    return found


def test_dates_in_tables_stay_on_one_line_on_a_phone(page, log_in, rep, partner, subscriptions_on):
    contact = ContactFactory(owner=rep, name="Dora Dates")
    spans = [((2025, 3, 15), (2026, 1, 14)), ((2026, 1, 15), (2027, 1, 14)), ((2027, 1, 15), (2027, 7, 14))]
    for i, (start, end) in enumerate(spans):
        Period.objects.create(contact=contact, mrr=Decimal(100 + i), start_date=datetime.date(*start),
                              end_date=datetime.date(*end))
    smartlist = SmartList.objects.create(owner=rep, name="Dates",
                                         columns=["name", "current_mrr", "current_end", "upcoming_start"])
    customer = make_customer("Helix Labs", rep, PartnerOrganisationFactory(users=[partner]))
    ContractChangeFactory(customer=customer, start_date=today() + datetime.timedelta(days=60))
    ColumnPreference.objects.create(user=partner, columns=["start_date"])
    page.set_viewport_size({"width": 390, "height": 900})

    log_in(rep)
    page.goto(contact.get_absolute_url())
    periods = lines(page, "#subscription-periods tbody time")
    page.goto(reverse("smartlists:detail", args=[smartlist.pk]))
    columns = lines(page, "table tbody td.date")
    page.context.clear_cookies()
    log_in(partner)
    page.goto(reverse("renewals:dashboard"))
    renewals = lines(page, "table tbody time")

    assert len(periods) == 6 and len(renewals) == 2
    assert any(text == "Jan 14, 2027" for text, _ in columns)
    assert [(text, count) for text, count in periods + columns + renewals if text and count != 1] == []
