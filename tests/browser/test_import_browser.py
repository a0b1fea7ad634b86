import re

import pytest
from playwright.sync_api import expect

from crm.models import Contact
from imports.models import ImportEntry

pytestmark = pytest.mark.browser

# Semicolons and a BOM, as a spreadsheet in Italy saves it; "Full name" is no field's name.
FILE = "\ufeffFull name;E-mail;Tag\r\nAda Lovelace;ada@example.com;vip\r\nAlan Turing;alan@example.com;\r\n".encode()


def _upload_and_map(page):
    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_label("CSV file").set_input_files(files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": FILE}])
    page.get_by_role("button", name="Upload and map the columns").click()
    expect(page.get_by_role("heading", name="Map the columns of people.csv")).to_be_visible()
    expect(page.get_by_label("E-mail")).to_have_value("email")
    expect(page.get_by_label("Tag")).to_have_value("tags")  # Italian for "Tags"
    expect(page.get_by_label("Full name")).to_have_value("")


def test_upload_map_preview_fix_import_and_re_import_changes_nothing(page, log_in, rep, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    log_in(rep)

    _upload_and_map(page)
    page.get_by_role("button", name="Check the file").click()
    # The preview: every row lacks a name, line by line, and nothing is written yet.
    expect(page.get_by_text("2 rows: 0 valid, 2 with errors.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^2 name This field is required\.", re.I))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^3 name This field is required\.", re.I))).to_be_visible()
    assert not Contact.objects.exists()

    # The fix: the first column is the name.
    page.get_by_role("link", name="Change the columns").click()
    page.get_by_label("Full name").select_option("name")
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("2 rows: 2 valid, 0 with errors.")).to_be_visible()
    expect(page.get_by_role("cell", name="ada@example.com")).to_be_visible()

    page.get_by_label("Import the valid rows and skip the others").check()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("2 created, 0 updated, 0 unchanged, 0 skipped.")).to_be_visible()
    ada = Contact.objects.get(email="ada@example.com")
    assert (ada.name, ada.owner, list(ada.tags.values_list("name", flat=True))) == ("Ada Lovelace", rep, ["vip"])
    saved = list(Contact.objects.order_by("pk").values())

    # The same file again: nothing changes.
    _upload_and_map(page)
    page.get_by_label("Full name").select_option("name")
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("0 created, 0 updated, 2 unchanged, 0 skipped.")).to_be_visible()
    assert list(Contact.objects.order_by("pk").values()) == saved
    assert ImportEntry.objects.count() == 2
