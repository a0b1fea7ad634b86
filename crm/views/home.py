from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from crm.http import HtmxHttpRequest
from crm.panels import nav_entries


@require_GET
@login_required
def home(request: HtmxHttpRequest):
    """Send each user to the first page their role and the active features give them."""
    entries = nav_entries(request)
    if entries:
        return redirect(entries[0].url_name)
    return render(request, "crm/nothing_here.html")
