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
