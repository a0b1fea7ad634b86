"""Which roles a view is for. Every other signed-in user gets 404, never 403: to them the URL does
not exist, so a page never tells anyone that it is there.

Apply these below `@login_required`, which sends anonymous visitors to the login page first:

    @require_GET
    @login_required
    @vendor_staff_required
    def contact_list(request: HtmxHttpRequest): ...

Which objects a user may see is a separate gate, their querysets' `visible_to(user)`.
"""

from collections.abc import Callable
from functools import wraps

from django.http import Http404

from crm.models import User


def role_required(has_role: Callable[[User], bool]):
    """A view decorator: 404 unless the signed-in user `has_role`."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            # An anonymous user has no role: 404 too, should the decorator ever sit above the login check.
            if not (request.user.is_authenticated and has_role(request.user)):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# Admins, managers and reps: partners have no place in the CRM itself.
vendor_staff_required = role_required(lambda user: user.is_vendor_staff)
# The partner dashboard is the partner's home; vendor staff work from contact pages.
partner_required = role_required(lambda user: user.is_partner)
# A partner's dashboard, opened by an admin too (any partner's, to read: renewals.views.dashboard).
partner_or_admin_required = role_required(lambda user: user.is_partner or user.is_admin)
# Settings: switching features on and off.
admin_required = role_required(lambda user: user.is_admin)
