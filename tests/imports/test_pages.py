"""Who is offered the import page."""

import pytest


@pytest.mark.parametrize("role", ["admin_user", "manager", "rep"])
def test_vendor_staff_have_an_import_link(request, client_as, role):
    user = request.getfixturevalue(role)
    response = client_as(user).get("/contacts/")
    assert response.status_code == 200
    assert 'href="/imports/"' in response.content.decode()


def test_a_partner_has_no_import_link_and_no_import_page(client_as, partner):
    client = client_as(partner)
    response = client.get("/renewals/")
    assert response.status_code == 200
    assert 'href="/renewals/"' in response.content.decode()  # the partner's own nav is there
    assert 'href="/imports/"' not in response.content.decode()
    assert client.get("/imports/").status_code == 404


def test_the_same_upload_posted_twice_makes_one_import(client_as, rep):
    from imports.models import Import
    from tests.imports.conftest import csv_file

    client = client_as(rep)
    page = client.get("/imports/").content.decode()
    token = page.split('name="submission" value="')[1].split('"')[0]
    for _ in range(2):
        response = client.post("/imports/", {"kind": "contacts", "file": csv_file("name\nAda\n"), "submission": token})
        assert response.status_code == 302
    assert Import.objects.count() == 1


def test_the_run_form_posted_twice_imports_once(client_as, rep, make_import):
    from crm.models import Contact
    from imports.models import Import, ImportEntry

    imp = make_import(rep, "name\nAda\n")
    client = client_as(rep)
    for _ in range(2):
        response = client.post(f"/imports/{imp.pk}/run/", {"mode": "all", "version": imp.version}, follow=True)
    assert "1 created, 0 updated, 0 unchanged, 0 skipped." in response.content.decode()  # the first run's outcome
    assert Contact.objects.count() == 1 and ImportEntry.objects.count() == 1
    imp.refresh_from_db()
    assert imp.status == Import.Status.DONE


def test_an_empty_upload_post_says_what_is_missing(client_as, rep):
    response = client_as(rep).post("/imports/", {})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
