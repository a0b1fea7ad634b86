import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from crm import dates
from renewals.models import Association, ContractChange
from subscriptions.models import Period
from tests.renewals.conftest import make_customer
from tests.renewals.factories import ContractChangeFactory, PartnerOrganisationFactory

pytestmark = pytest.mark.browser


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

    # Live search narrows the list and keeps the search in the address.
    page.get_by_label("Search").fill("helix")
    expect(page).to_have_url(re.compile(r"q=helix"))
    expect(rows).to_have_count(1)
    expect(page.get_by_role("link", name="Helix Labs")).to_be_visible()

    # Add "Current MRR" via Configure columns.
    page.get_by_text("Configure columns").click()
    page.get_by_label("Current MRR").check()
    page.get_by_role("button", name="Save columns").click()
    expect(page.get_by_role("columnheader", name="Current MRR")).to_be_visible()
    expect(page.get_by_role("cell", name="321.00")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=helix"))

    # Set the primary customer contact in place.
    with page.expect_response(re.compile(r"/primary-contact/$")):
        page.get_by_label("Primary customer contact for Helix Labs").select_option(label="Giulia Esposito")
    expect(page.get_by_label("Primary customer contact for Helix Labs")).to_have_value(str(helix.people().get(name="Giulia Esposito").pk))
    change.refresh_from_db()
    assert change.primary_contact.name == "Giulia Esposito"

    # End the association, confirming; the row disappears.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="End association").click()
    expect(page.get_by_role("link", name="Helix Labs")).to_have_count(0)
    expect(page.get_by_text("No contract changes.")).to_be_visible()
    assert Association.objects.get(customer=helix).ended_by == partner
    assert ContractChange.objects.filter(customer=helix).exists()
