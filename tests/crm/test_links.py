import pytest
from django.urls import reverse, set_script_prefix

from crm.links import object_url


@pytest.mark.parametrize("name", ["contact_detail", "contact_edit", "renewals:customer", "renewals:change_agreed"])
@pytest.mark.parametrize("pk", [1, 7, 2147483646, 10**12])
def test_object_url_is_what_reverse_gives(name, pk):
    assert object_url(name, pk) == reverse(name, args=[pk])


def test_object_url_follows_the_script_prefix():
    try:
        set_script_prefix("/crm/")
        assert object_url("contact_detail", 5) == reverse("contact_detail", args=[5]) == "/crm/contacts/5/"
    finally:
        set_script_prefix("/")
    assert object_url("contact_detail", 5) == "/contacts/5/"
