"""Every error list is announced by a `<div role="alert">` around it, never by a role on the list
itself (axe: a <ul> may only hold list items and its role would override the list's)."""

import re

from django.urls import reverse

ALERT_LIST = '<div role="alert"><ul class="errorlist">'


def error_lists(html: str) -> list[str]:
    """Each error list's opening tag with what is just before it."""
    return re.findall(r'.{0,40}<ul class="errorlist"[^>]*>', html)


def assert_wrapped(html: str):
    found = error_lists(html)
    assert found, "an error list on the page"
    for tag in found:
        assert tag.endswith('<ul class="errorlist">') and '<div role="alert"' in tag, tag


def test_login_errors(client, rep):
    response = client.post(reverse("login"), {"username": "rep", "password": "wrong"})
    assert ALERT_LIST in response.text
    assert_wrapped(response.text)


def test_contact_form_errors(client_as, rep):
    response = client_as(rep).post(reverse("contact_create"), {"name": "", "kind": "person", "owner": rep.pk})
    assert response.status_code in (200, 422)
    assert_wrapped(response.text)


def test_contact_list_filter_errors_name_the_filter_s_label(client_as, rep):
    response = client_as(rep).get(reverse("contact_list"), {"kind": "nonsense"}, headers={"Accept-Language": "it"})
    assert_wrapped(response.text)
    assert "<li>Tipo: " in response.text  # the filter's label, not the URL parameter "kind"


def test_bulk_confirmation_errors(client_as, rep):
    response = client_as(rep).post(reverse("contact_bulk"), {"action": "tag_add", "tag": "vip", "query": ""})
    assert "Select at least one contact" in response.text
    assert_wrapped(response.text)
