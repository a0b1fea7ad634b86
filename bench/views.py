from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET


@require_GET
@login_required
def floor(request):
    """The floor: a logged-in request through the whole middleware stack that does nothing else.

    Every page of the product pays for the session and the user lookup too, so this is the fastest
    any of them can be on this stack.
    """
    return HttpResponse(f"ok {request.user.pk}", content_type="text/plain")
