"""A customer's people reach a page or a form only through the contact gate (issue 13).

An admin adds a person owned by another team's rep to `rep`'s organisation: `rep` cannot open that
person's contact page, so no renewals page lists them, no dropdown offers them and no save stores them.
"""

import pytest
from django.urls import reverse

from renewals.models import ContractChangeLog
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/renewals/"}


@pytest.fixture
def stranger(customer, outsider):
    """Someone else's person, put in `rep`'s organisation by an admin."""
    return ContactFactory(
        name="Sven Stranger", email="sven@hidden.example", organisation=customer.contact, owner=outsider
    )


def test_the_person_is_not_the_reps_to_see(client_as, rep, stranger):
    assert client_as(rep).get(reverse("contact_detail", args=[stranger.pk])).status_code == 404


def test_customer_page_leaves_out_people_the_rep_cannot_see(client_as, rep, customer, change, stranger):
    response = client_as(rep).get(reverse("renewals:customer", args=[customer.pk]))
    assert response.status_code == 200
    assert "Giulia Esposito" in response.text
    assert "Sven Stranger" not in response.text and "sven@hidden.example" not in response.text
    assert f'value="{stranger.pk}"' not in response.text


def test_contact_page_dropdown_leaves_them_out(client_as, rep, customer, change, stranger):
    response = client_as(rep).get(reverse("contact_detail", args=[customer.contact.pk]))
    assert response.status_code == 200
    assert "Giulia Esposito" in response.text
    assert "Sven Stranger" not in response.text and f'value="{stranger.pk}"' not in response.text


def test_the_rows_dropdown_leaves_them_out(client_as, rep, customer, change, stranger):
    giulia = customer.people().get(name="Giulia Esposito")
    client = client_as(rep)
    response = client.post(
        reverse("renewals:change_primary_contact", args=[change.pk]),
        {"version": change.version, "layout": "customer", "primary_contact": giulia.pk},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert f'<option value="{giulia.pk}" selected>Giulia Esposito</option>' in response.text
    assert "Sven Stranger" not in response.text and f'value="{stranger.pk}"' not in response.text
    for headers in (HTMX, {}):
        page = client.get(reverse("renewals:customer", args=[customer.pk]), headers=headers)
        assert f'<option value="{giulia.pk}" selected>Giulia Esposito</option>' in page.text
        assert "Sven Stranger" not in page.text and f'value="{stranger.pk}"' not in page.text


def test_a_primary_contact_the_viewer_may_not_see_is_not_named(client_as, partner, rep, change, stranger):
    """The partner may pick every person of their customer; the rep's row does not name one they may not see."""
    response = client_as(partner).post(
        reverse("renewals:change_primary_contact", args=[change.pk]),
        {"version": change.version, "layout": "dashboard", "primary_contact": stranger.pk},
        headers=HTMX,
    )
    assert response.status_code == 200 and f'<option value="{stranger.pk}" selected>Sven Stranger</option>' in response.text
    page = client_as(rep).get(reverse("renewals:customer", args=[change.customer_id])).text
    assert "Sven Stranger" not in page
    row = page[page.index(f'<tr id="change-{change.pk}"'):]
    assert '<option value="">— not set —</option>' in row and " selected>" not in row[:row.index("</tr>")]


def test_saving_them_as_primary_contact_is_refused(client_as, rep, change, stranger):
    response = client_as(rep).post(
        reverse("renewals:change_primary_contact", args=[change.pk]),
        {"version": change.version, "layout": "dashboard", "primary_contact": stranger.pk},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "Sven Stranger" not in response.text
    change.refresh_from_db()
    assert change.primary_contact is None and change.version == 1
    assert not ContractChangeLog.objects.filter(change=change).exists()


def test_partner_still_sees_and_sets_every_person_of_their_customer(client_as, partner, customer, change, stranger):
    page = client_as(partner).get(reverse("renewals:customer", args=[customer.pk])).text
    assert "Sven Stranger" in page and "Giulia Esposito" in page
    response = client_as(partner).post(
        reverse("renewals:change_primary_contact", args=[change.pk]),
        {"version": change.version, "layout": "dashboard", "primary_contact": stranger.pk},
        headers=HTMX,
    )
    assert response.status_code == 200
    change.refresh_from_db()
    assert change.primary_contact == stranger


def test_admin_sees_everyone(client_as, admin_user, customer, change, stranger):
    page = client_as(admin_user).get(reverse("renewals:customer", args=[customer.pk])).text
    assert "Sven Stranger" in page and "sven@hidden.example" in page
