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


def test_a_list_filtered_by_tag_exported_for_re_import_imports_back_unchanged(page, log_in, rep, settings, tmp_path):
    from crm.models import Tag
    from smartlists.models import SmartList
    from tests.factories import ContactFactory

    settings.MEDIA_ROOT = tmp_path
    vip = Tag.objects.create(name="vip")
    for name in ("Ada Lovelace", "Alan Turing", "Grace Hopper"):
        ContactFactory(owner=rep, name=name, email=f"{name.split()[0].lower()}@example.com").tags.add(vip)
    ContactFactory(owner=rep, name="Not Tagged", email="not@example.com")
    smartlist = SmartList.objects.create(owner=rep, name="VIPs", columns=["name", "email"])
    log_in(rep)
    page.goto(smartlist.get_absolute_url())
    page.get_by_text("Add filter", exact=True).click()
    page.get_by_role("combobox", name="Tag").select_option("vip")
    expect(page).to_have_url(re.compile(r"tag=vip"))
    expect(page.get_by_role("link", name="Not Tagged")).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_role("button", name="CSV for re-import").click()
    content = open(download.value.path(), "rb").read()
    saved = list(Contact.objects.order_by("pk").values())

    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_label("CSV file").set_input_files(files=[{"name": "vips.csv", "mimeType": "text/csv", "buffer": content}])
    page.get_by_role("button", name="Upload and map the columns").click()
    page.get_by_role("button", name="Check the file").click()  # it maps itself: its header is the fields' keys
    expect(page.get_by_text("3 rows: 3 valid, 0 with errors.")).to_be_visible()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("0 created, 0 updated, 3 unchanged, 0 skipped.")).to_be_visible()
    assert list(Contact.objects.order_by("pk").values()) == saved
