import pytest
from django.urls import reverse

from crm import features
from crm.models import FeatureChange

URL = reverse("customize_feature", args=["subscriptions"])


def test_feature_is_off_on_a_new_installation(db):
    assert not features.is_active("subscriptions")


def test_admin_activates_and_deactivates_and_each_switch_is_recorded(client_as, admin_user):
    client = client_as(admin_user)
    assert "Activate" in client.get(URL).text
    client.post(URL, {"active": "1"})
    assert features.is_active("subscriptions")
    page = client.get(URL)
    assert "Deactivate" in page.text and "Activated" in page.text
    client.post(URL, {"active": "0"})
    assert not features.is_active("subscriptions")
    changes = list(FeatureChange.objects.order_by("pk").values_list("is_active", "changed_by__username"))
    assert changes == [(True, "admin"), (False, "admin")]


def test_repeating_the_same_switch_records_nothing_new(client_as, admin_user):
    client = client_as(admin_user)
    client.post(URL, {"active": "1"})
    client.post(URL, {"active": "1"})
    assert FeatureChange.objects.count() == 1


@pytest.mark.parametrize("data", [{"active": "maybe"}, {}])
def test_bad_switch_value_is_a_400_and_changes_nothing(client_as, admin_user, data):
    response = client_as(admin_user).post(URL, data)
    assert response.status_code == 400
    assert "Choose whether to activate or deactivate" in response.text
    assert not features.is_active("subscriptions") and not FeatureChange.objects.exists()


def test_unknown_feature_is_404(client_as, admin_user):
    assert client_as(admin_user).get(reverse("customize_feature", args=["teleport"])).status_code == 404
