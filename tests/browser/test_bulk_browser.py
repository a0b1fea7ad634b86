import pytest
from playwright.sync_api import expect

from crm.models import Contact, ContactChange, User
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.browser


def test_manager_selects_all_matching_contacts_and_changes_their_owner(page, log_in, manager, rep, outsider):
    rep2 = UserFactory(username="rep2", first_name="Bruna", last_name="Second", role=User.Role.REP)
    rep.teams.first().members.add(rep2)
    for i in range(30):  # more than the page of 25
        ContactFactory(owner=rep, name=f"Lumen Person {i:02}")
    ContactFactory(owner=rep, name="Other Customer")
    hidden = ContactFactory(owner=outsider, name="Lumen Hidden")

    log_in(manager)
    page.goto("/contacts/?q=lumen")
    expect(page.get_by_test_id("contact-count")).to_have_text("30 contacts")
    banner = page.get_by_text("Select all 30 contacts matching this filter")
    expect(banner).to_be_hidden()
    page.get_by_label("Select all on this page").check()
    expect(banner).to_be_visible()
    banner.click()
    page.get_by_label("Bulk action").select_option("owner")
    page.get_by_label("New owner").select_option(label="Bruna Second")
    page.get_by_role("button", name="Apply to selected").click()

    expect(page.get_by_test_id("bulk-count")).to_contain_text("Change the owner of 30 contacts to Bruna Second?")
    assert Contact.objects.filter(owner=rep2).count() == 0
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_text("Owner changed on 30 contacts.")).to_be_visible()
    assert "q=lumen" in page.url
    assert Contact.objects.filter(owner=rep2).count() == 30
    assert Contact.objects.get(name="Other Customer").owner == rep
    assert Contact.objects.get(pk=hidden.pk).owner == outsider
    assert ContactChange.objects.filter(action="owner", changed_by=manager).count() == 30
