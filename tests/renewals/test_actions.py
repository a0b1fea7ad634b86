"""In-place actions: each is recorded with who and when, refuses stale versions, answers the row."""

import pytest
from django.urls import reverse

from renewals.models import Association, ContractChange, ContractChangeLog

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/renewals/"}


def post(client, name, change, **data):
    payload = {"version": change.version, "layout": "dashboard", **data}
    return client.post(reverse(name, args=[change.pk]), payload, headers=HTMX)


def test_set_primary_contact(client_as, partner, change):
    giulia = change.customer.people().get(name="Giulia Esposito")
    response = post(client_as(partner), "renewals:change_primary_contact", change, primary_contact=giulia.pk)
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="change-{change.pk}"')
    assert f'<option value="{giulia.pk}" selected>Giulia Esposito</option>' in response.text
    # The message is in the contact's cell; focus stays on the dropdown the person used (htmx keeps it by id).
    cell = response.text[response.text.index('<td class="primary-contact"'):]
    cell = cell[:cell.index("</td>")]
    assert '<p class="row-message" role="status">Primary customer contact saved.</p>' in cell
    assert f'<select id="primary-{change.pk}" name="primary_contact"' in cell
    assert "data-focus-after-swap" not in response.text
    assert "<details class=\"row-menu\" data-hx-get=" in response.text
    change.refresh_from_db()
    assert change.primary_contact == giulia and change.version == 2
    log = ContractChangeLog.objects.get(change=change)
    assert (log.action, log.by, log.new_value) == ("primary_contact", partner, "Giulia Esposito")


def test_set_communication_owner_overrides_the_partner_default(client_as, partner, change):
    response = post(client_as(partner), "renewals:change_communication_owner", change, owner="partner")
    assert response.status_code == 200
    assert '<td data-label="Communication owner">Partner</td>' in response.text and "Communication owner saved." in response.text
    change.refresh_from_db()
    assert change.communication_owner == "partner"
    assert ContractChangeLog.objects.get(change=change).by == partner


def test_communication_owner_follows_the_partner_default(client_as, partner, partner_org, change):
    partner_org.default_communication_owner = "partner"
    partner_org.save()
    page = client_as(partner).get(reverse("renewals:dashboard")).text
    assert '<td data-label="Communication owner">Partner</td>' in page
    menu = client_as(partner).get(reverse("renewals:change_menu", args=[change.pk]), headers=HTMX).text
    assert '<option value="partner" selected>' in menu


def test_bad_owner_is_a_422(client_as, partner, change):
    response = post(client_as(partner), "renewals:change_communication_owner", change, owner="nobody")
    assert response.status_code == 422
    # The row comes back with its menu open on the error, which takes focus.
    assert '<details class="row-menu" open>' in response.text
    assert 'role="alert" tabindex="-1" data-focus-after-swap' in response.text
    assert "Select a valid choice" in response.text
    change.refresh_from_db()
    assert change.communication_owner == "" and change.version == 1


def test_customer_agreed_records_who_and_when(client_as, partner, change):
    response = post(client_as(partner), "renewals:change_agreed", change)
    assert response.status_code == 200
    assert "status-renewed" in response.text and "Customer agreed, recorded by" in response.text
    change.refresh_from_db()
    assert change.agreed_by == partner and change.agreed_at is not None


def test_cancellation_requested_records_who_and_when(client_as, rep, change):
    response = post(client_as(rep), "renewals:change_cancellation", change)
    assert response.status_code == 200
    assert "status-cancellation_requested" in response.text
    change.refresh_from_db()
    assert change.cancellation_requested_by == rep and change.cancellation_requested_at is not None


def test_a_stale_version_is_refused_with_a_message(client_as, partner, rep, change):
    stale = change.version
    post(client_as(rep), "renewals:change_communication_owner", change, owner="vendor")
    change.version = stale
    response = post(client_as(partner), "renewals:change_communication_owner", change, owner="partner")
    assert response.status_code == 422
    assert "Someone else changed this contract change" in response.text
    change.refresh_from_db()
    assert change.communication_owner == "vendor" and change.version == 2


def test_missing_version_is_a_422(client_as, partner, change):
    response = client_as(partner).post(reverse("renewals:change_agreed", args=[change.pk]), {}, headers=HTMX)
    assert response.status_code == 422
    change.refresh_from_db()
    assert change.agreed_at is None


def test_without_htmx_an_action_redirects_back(client_as, partner, change):
    response = client_as(partner).post(reverse("renewals:change_agreed", args=[change.pk]), {"version": 1, "layout": "customer"})
    assert response.status_code == 302
    assert response["Location"] == reverse("renewals:customer", args=[change.customer_id])


def test_end_association_is_on_the_customer_not_on_each_row(client_as, partner, change):
    client = client_as(partner)
    assert "End association" not in client.get(reverse("renewals:dashboard")).text
    customer_page = client.get(reverse("renewals:customer", args=[change.customer_id])).text
    assert f'data-hx-post="{reverse("renewals:end_association", args=[change.customer_id])}"' in customer_page
    confirm = client.get(reverse("renewals:end_association", args=[change.customer_id]))
    assert confirm.status_code == 200 and "End the association between Northwind Partners and Helix Labs?" in confirm.text
    on_customer_page = {"HX-Request": "true", "HX-Current-URL": f"http://testserver/renewals/customers/{change.customer_id}/"}
    response = client.post(reverse("renewals:end_association", args=[change.customer_id]), headers=on_customer_page)
    # The partner can no longer see the customer: back to the dashboard, with a message.
    assert response.status_code == 200 and response["HX-Redirect"] == reverse("renewals:dashboard")
    assert "The association with Helix Labs has ended." in client.get(reverse("renewals:dashboard")).text
    association = Association.objects.get(customer=change.customer)  # kept, not deleted
    assert association.ended_by == partner and association.ended_at is not None
    assert "Helix Labs" not in client.get(reverse("renewals:dashboard")).text
    assert client.get(reverse("renewals:customer", args=[change.customer_id])).status_code == 404


def test_end_association_without_javascript_redirects(client_as, partner, change):
    response = client_as(partner).post(reverse("renewals:end_association", args=[change.customer_id]))
    assert response.status_code == 302 and response["Location"] == reverse("renewals:dashboard")


def test_vendor_staff_manage_from_the_contact_page(client_as, rep, change):
    client = client_as(rep)
    page = client.get(change.customer.contact.get_absolute_url()).text
    assert "Looked after by Northwind Partners" in page
    assert f'id="change-{change.pk}"' in page
    assert f'{reverse("renewals:change_menu", args=[change.pk])}?layout=customer' in page
    assert f'data-hx-post="{reverse("renewals:end_association", args=[change.customer_id])}"' in page
    response = post(client, "renewals:change_agreed", change, layout="customer")
    assert response.status_code == 200
    assert "Customer agreed, recorded by" in response.text
    # Vendor staff may end the association too; they stay on the customer page.
    response = client.post(reverse("renewals:end_association", args=[change.customer_id]),
                           headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/"})
    assert response.status_code == 200 and response["HX-Redirect"] == reverse("renewals:customer", args=[change.customer_id])
    page = client.get(reverse("renewals:customer", args=[change.customer_id])).text
    assert "End association" not in page


def test_no_panel_for_contacts_without_an_account(client_as, rep, contact):
    assert "renewals-panel" not in client_as(rep).get(contact.get_absolute_url()).text


def test_customer_page_shows_usage_products_and_contacts(client_as, partner, change):
    page = client_as(partner).get(reverse("renewals:customer", args=[change.customer_id])).text
    assert "250 of 1,000" in page and "4,000 of 10,000" in page
    assert "E-mail marketing" in page
    assert "Giulia Esposito" in page and "Hugo Weber" in page


def test_partner_home_is_the_dashboard(client_as, partner):
    response = client_as(partner).get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("renewals:dashboard")


def test_each_row_has_one_menu_read_when_it_opens(client_as, partner, change):
    page = client_as(partner).get(reverse("renewals:dashboard")).text
    row = page[page.index(f'<tr id="change-{change.pk}"'):]
    row = row[:row.index("</tr>")]
    menu_url = reverse("renewals:change_menu", args=[change.pk]) + "?layout=dashboard"
    assert row.count("<details") == 1 and row.count("<select") == 1  # the primary contact's, in its cell
    assert "<button" not in row.replace("<noscript><button", "")  # only the no-JavaScript "Save"
    assert f'data-hx-get="{menu_url}" data-hx-trigger="toggle once"' in row
    assert 'aria-label="Actions for Helix Labs">Actions</summary>' in row
    assert f'<a href="{menu_url}">' in row  # without JavaScript, the menu's own page


def test_the_menu_saves_on_its_buttons_and_focuses_its_first_field(client_as, partner, change):
    menu = client_as(partner).get(reverse("renewals:change_menu", args=[change.pk]), {"layout": "dashboard"},
                                  headers=HTMX).text
    assert f'<select id="owner-{change.pk}" name="owner" data-focus-after-swap>' in menu
    assert 'hx-trigger' not in menu  # each form posts on its button (htmx's default for a form: submit)
    for button in ("Save owner", "Customer agreed", "Cancellation requested"):
        assert f">{button}</button>" in menu
    # The primary contact is chosen in its own cell, not here.
    assert "Save contact" not in menu and 'name="primary_contact"' not in menu
    assert menu.count(f'data-hx-target="#change-{change.pk}" data-hx-swap="outerHTML"') == 3
    assert 'name="layout" value="dashboard"' in menu
    # each recorded fact is asked first (and can be taken back: see below)
    assert 'data-hx-confirm="Record that Helix Labs agreed to this change?"' in menu
    assert 'data-hx-confirm="Record that Helix Labs requested cancellation?"' in menu


def test_without_javascript_the_menu_is_a_page_and_a_refusal_shows_it_again(client_as, partner, change):
    client = client_as(partner)
    page = client.get(reverse("renewals:change_menu", args=[change.pk]))
    assert page.status_code == 200
    assert "<h1>Actions for Helix Labs</h1>" in page.text and "<html" in page.text
    response = client.post(reverse("renewals:change_communication_owner", args=[change.pk]),
                           {"version": change.version, "owner": "nobody", "layout": "dashboard"})
    assert response.status_code == 422
    assert "<h1>Actions for Helix Labs</h1>" in response.text and "Select a valid choice" in response.text
    saved = client.post(reverse("renewals:change_communication_owner", args=[change.pk]),
                        {"version": change.version, "owner": "partner", "layout": "dashboard"})
    assert saved.status_code == 302 and saved["Location"] == reverse("renewals:dashboard")


def test_a_stale_save_reopens_the_menu_at_the_current_version(client_as, partner, rep, change):
    post(client_as(rep), "renewals:change_communication_owner", change, owner="partner")
    response = post(client_as(partner), "renewals:change_agreed", change)
    assert response.status_code == 422
    assert '<details class="row-menu" open>' in response.text
    assert "Someone else changed this contract change" in response.text
    assert 'name="version" value="2"' in response.text and 'name="version" value="1"' not in response.text
    assert '<option value="partner" selected>' in response.text


def _cell(html, change):
    row = html[html.index(f'<tr id="change-{change.pk}"'):]
    cell = row[row.index('<td class="primary-contact"'):]
    return cell[:cell.index("</td>")]


def test_the_primary_contact_is_a_dropdown_in_its_column(client_as, partner, change):
    giulia, hugo = change.customer.people().order_by("name")
    change.primary_contact = hugo
    change.save()
    cell = _cell(client_as(partner).get(reverse("renewals:dashboard")).text, change)
    url = reverse("renewals:change_primary_contact", args=[change.pk])
    # Saved by htmx on a change, at the version the row was read at, into the row.
    assert f'data-hx-post="{url}" data-hx-trigger="change delay:600ms"' in cell
    assert f'data-hx-target="#change-{change.pk}"' in cell
    assert f'name="version" value="{change.version}"' in cell and 'name="layout" value="dashboard"' in cell
    assert 'aria-label="Primary customer contact for Helix Labs"' in cell
    options = [
        '<option value="">— not set —</option>',
        f'<option value="{giulia.pk}">Giulia Esposito</option>',
        f'<option value="{hugo.pk}" selected>Hugo Weber</option>',
    ]
    assert "".join(options) in cell.replace("\n", "").replace("      ", "")
    # Without JavaScript, a button posts it; htmx would parse a <noscript> it brings, so its rows have none.
    assert '<noscript><button type="submit" class="secondary">Save contact</button></noscript>' in cell
    results = client_as(partner).get(reverse("renewals:dashboard"), headers=HTMX).text
    assert "<noscript>" not in _cell(results, change) and 'name="primary_contact"' in _cell(results, change)


def test_without_javascript_the_contact_saves_and_comes_back(client_as, partner, change):
    hugo = change.customer.people().get(name="Hugo Weber")
    response = client_as(partner).post(reverse("renewals:change_primary_contact", args=[change.pk]),
                                       {"version": change.version, "layout": "dashboard", "primary_contact": hugo.pk})
    assert response.status_code == 302 and response["Location"] == reverse("renewals:dashboard")
    change.refresh_from_db()
    assert change.primary_contact == hugo


def test_two_people_choosing_the_contact_at_once_lose_nothing_silently(client_as, partner, rep, change):
    giulia, hugo = change.customer.people().order_by("name")
    assert post(client_as(rep), "renewals:change_primary_contact", change, primary_contact=giulia.pk).status_code == 200
    # The partner's row was read before the rep's save: refused, said in the cell, which shows what is saved now.
    response = post(client_as(partner), "renewals:change_primary_contact", change, primary_contact=hugo.pk)
    assert response.status_code == 422
    cell = _cell(response.text, change)
    assert 'role="alert" tabindex="-1" data-focus-after-swap><p>Someone else changed this contract change' in cell
    assert 'aria-invalid="true"' in cell
    assert f'<option value="{giulia.pk}" selected>Giulia Esposito</option>' in cell
    assert 'name="version" value="2"' in cell
    assert '<details class="row-menu" open>' not in response.text  # the menu stays closed
    change.refresh_from_db()
    assert change.primary_contact == giulia and change.version == 2


def _menu(client, change):
    return client.get(reverse("renewals:change_menu", args=[change.pk]), {"layout": "dashboard"}, headers=HTMX).text


def _history(menu):
    """The menu's history, as its entries read."""
    import re

    items = re.findall(r"<li><strong>(.*?)</strong>(.*?)</li>", menu[menu.index('<ul class="history"'):])
    return [(what, re.sub(r"<[^>]+>", "", rest).strip(" ·")) for what, rest in items]


def test_each_recorded_fact_is_in_the_rows_history(client_as, partner, rep, change, frozen_today):
    client = client_as(partner)
    post(client, "renewals:change_agreed", change)
    change.refresh_from_db()
    post(client_as(rep), "renewals:change_cancellation", change)
    menu = _menu(client, change)
    assert 'id="history-%s">History</p>' % change.pk in menu
    # Newest first: what, who, when.
    assert _history(menu) == [
        ("Cancellation requested", f"{rep} · Nov 22, 2026, 12:00 PM"),
        ("Customer agreed", f"{partner} · Nov 22, 2026, 12:00 PM"),
    ]
    italian = client.get(reverse("renewals:change_menu", args=[change.pk]), headers={**HTMX, "Accept-Language": "it"}).text
    assert "<strong>Disdetta richiesta</strong>" in italian and "22/11/2026 12:00" in italian


def test_a_fact_just_recorded_can_be_undone_and_the_history_keeps_both(client_as, partner, change, frozen_today):
    client = client_as(partner)
    recorded = post(client, "renewals:change_agreed", change)
    assert "status-renewed" in recorded.text
    # The row offers "Undo" beside its message, at the version the save left.
    url = reverse("renewals:change_take_back", args=[change.pk])
    assert f'data-hx-post="{url}"' in recorded.text and 'name="fact" value="agreed"' in recorded.text
    assert 'name="version" value="2"' in recorded.text and ">Undo</button>" in recorded.text
    change.refresh_from_db()
    undone = post(client, "renewals:change_take_back", change, fact="agreed")
    assert undone.status_code == 200
    assert "status-pending" in undone.text and "Customer agreed, recorded by" not in undone.text
    assert 'data-focus-after-swap>Customer agreement taken back.</p>' in undone.text
    change.refresh_from_db()
    assert (change.agreed_at, change.agreed_by, change.version) == (None, None, 3)
    log = ContractChangeLog.objects.filter(change=change).first()  # the newest
    assert (log.action, log.by, log.old_value) == ("agreement_taken_back", partner, str(partner))
    menu = _menu(client, change)
    assert [what for what, _who in _history(menu)] == ["Customer agreement taken back", "Customer agreed"]
    assert ">Customer agreed</button>" in menu  # it can be recorded again


def test_a_cancellation_request_is_undone_from_the_menu_back_to_the_status_before(client_as, partner, rep, change):
    client = client_as(partner)
    post(client, "renewals:change_agreed", change)
    change.refresh_from_db()
    post(client, "renewals:change_cancellation", change)
    change.refresh_from_db()
    menu = _menu(client, change)
    # The latest fact is the one taken back first; nothing else is recorded meanwhile.
    assert ">Undo “Cancellation requested”</button>" in menu and "Undo “Customer agreed”" not in menu
    assert ">Cancellation requested</button>" not in menu
    response = post(client_as(rep), "renewals:change_take_back", change, fact="cancellation_requested")
    assert response.status_code == 200 and "status-renewed" in response.text  # agreed, as before
    assert "Cancellation request taken back." in response.text
    change.refresh_from_db()
    assert change.cancellation_requested_at is None and change.agreed_by == partner
    assert ">Undo “Customer agreed”</button>" in _menu(client, change)


def test_a_stale_undo_is_refused(client_as, partner, rep, change):
    post(client_as(partner), "renewals:change_agreed", change)
    change.refresh_from_db()
    read_at = change.version
    post(client_as(rep), "renewals:change_communication_owner", change, owner="partner")
    change.version = read_at
    response = post(client_as(partner), "renewals:change_take_back", change, fact="agreed")
    assert response.status_code == 422 and "Someone else changed this contract change" in response.text
    assert ContractChange.objects.get(pk=change.pk).agreed_at is not None


def test_an_unknown_fact_is_a_422(client_as, partner, change):
    response = post(client_as(partner), "renewals:change_take_back", change, fact="version")
    assert response.status_code == 422 and "Select a valid choice" in response.text
