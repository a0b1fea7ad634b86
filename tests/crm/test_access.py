"""The role decorators themselves; tests/test_permission_matrix.py checks every URL that uses them."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from crm.access import admin_required, partner_required, vendor_staff_required


def _view(request):
    return HttpResponse("ok")


@pytest.mark.parametrize(
    ("decorator", "allowed"),
    [
        (vendor_staff_required, {"admin_user", "manager", "rep"}),
        (partner_required, {"partner"}),
        (admin_required, {"admin_user"}),
    ],
)
def test_other_roles_and_anonymous_visitors_get_404(request, decorator, allowed):
    view = decorator(_view)
    for name in ("admin_user", "manager", "rep", "partner", None):
        http_request = RequestFactory().get("/")
        http_request.user = request.getfixturevalue(name) if name else AnonymousUser()
        if name in allowed:
            assert view(http_request).status_code == 200
        else:
            with pytest.raises(Http404):
                view(http_request)


def test_a_deactivated_user_has_no_role(admin_user):
    admin_user.is_active = False
    http_request = RequestFactory().get("/")
    http_request.user = admin_user
    with pytest.raises(Http404):
        admin_required(_view)(http_request)
