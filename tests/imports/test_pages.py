"""Who is offered the import page."""

import pytest


@pytest.mark.parametrize("role", ["admin_user", "manager", "rep"])
def test_vendor_staff_have_an_import_link(request, client_as, role):
    user = request.getfixturevalue(role)
    page = client_as(user).get("/contacts/").content.decode()
    assert 'href="/imports/"' in page


def test_a_partner_has_no_import_link_and_no_import_page(client_as, partner):
    client = client_as(partner)
    page = client.get("/renewals/").content.decode()
    assert 'href="/imports/"' not in page
    assert client.get("/imports/").status_code == 404
