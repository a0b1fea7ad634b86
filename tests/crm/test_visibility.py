import pytest
from django.urls import reverse

from crm.models import Contact


@pytest.mark.parametrize("url_name", ["contact_detail", "contact_edit"])
def test_other_reps_contact_is_404(client_as, rep, outsider_contact, url_name):
    response = client_as(rep).get(reverse(url_name, args=[outsider_contact.pk]))
    assert response.status_code == 404


def test_manager_of_another_team_gets_404(client_as, manager, outsider_contact):
    assert client_as(manager).get(outsider_contact.get_absolute_url()).status_code == 404


def test_forged_edit_of_invisible_contact_changes_nothing(client_as, rep, outsider_contact):
    response = client_as(rep).post(
        reverse("contact_edit", args=[outsider_contact.pk]), {"kind": "person", "name": "Hijacked", "owner": rep.pk}
    )
    assert response.status_code == 404
    outsider_contact.refresh_from_db()
    assert outsider_contact.name != "Hijacked"


def test_visible_to_gate(admin_user, manager, rep, partner, contact, outsider_contact):
    assert set(Contact.objects.visible_to(admin_user)) == {contact, outsider_contact}
    assert set(Contact.objects.visible_to(manager)) == {contact}
    assert set(Contact.objects.visible_to(rep)) == {contact}
    assert set(Contact.objects.visible_to(partner)) == set()


def test_deactivated_user_sees_nothing(rep, contact):
    rep.is_active = False
    rep.save()
    assert not Contact.objects.visible_to(rep).exists()
