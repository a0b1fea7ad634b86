"""Every POST without a CSRF token answers 403 and changes nothing."""

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse


def _snapshot():
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def csrf_client(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    return client


def post_targets(contact):
    return [
        (reverse("contact_create"), {"kind": "person", "name": "No Token", "owner": contact.owner_id}),
        (reverse("contact_edit", args=[contact.pk]), {"kind": "person", "name": "No Token", "owner": contact.owner_id}),
        (reverse("customize_feature", args=["subscriptions"]), {"active": "1"}),
        (reverse("logout"), {}),
        (reverse("set_language"), {"language": "it"}),
    ]


def test_posts_without_token_are_refused(csrf_client, contact):
    for url, data in post_targets(contact):
        before = _snapshot()
        response = csrf_client.post(url, data)
        assert response.status_code == 403, url
        assert _snapshot() == before, url
    contact.refresh_from_db()
    assert contact.name != "No Token"


def test_post_with_token_from_the_page_is_accepted(csrf_client, contact):
    page = csrf_client.get(reverse("contact_edit", args=[contact.pk]))
    token = page.context["csrf_token"]
    response = csrf_client.post(
        reverse("contact_edit", args=[contact.pk]),
        {"kind": "person", "name": "With Token", "owner": contact.owner_id, "version": 1,
         "csrfmiddlewaretoken": str(token)},
    )
    assert response.status_code == 302
