import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from crm.dates import today
from subscriptions.models import Period
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

    # Live filtering: the table narrows and the URL follows.
    page.get_by_label("Ends within (days)").fill("90")
    expect(page).to_have_url(re.compile(r"ends_within_days=90"))
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
