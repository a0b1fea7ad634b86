"""The customer page, for partners and vendor staff, and ending an association: on the customer
(its page and the contact-page panel), as HubSpot has it, not on every dashboard row."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect as HttpClientRedirect
from django.views.decorators.http import require_GET, require_http_methods

from crm import dates
from crm.http import HtmxHttpRequest
from renewals import columns as cols
from renewals import queries, services, table
from renewals.models import CustomerAccount


def _visible_customer(request, pk: int) -> CustomerAccount:
    return get_object_or_404(CustomerAccount.objects.visible_to(request.user).select_related("contact"), pk=pk)


def customer_context(request, customer: CustomerAccount) -> dict:
    today = dates.today()
    upcoming = (
        queries.changes_for(request.user, today=today, shown=queries.CUSTOMER_COLUMNS)
        .filter(customer=customer)
        .upcoming(today=today)
        .order_by("start_date", "pk")
    )
    changes = list(table.values_for(upcoming, queries.CUSTOMER_COLUMNS))
    primary_ids = {change["primary_contact_id"] for change in changes}
    people = list(queries.customer_people(customer, request.user).order_by("name", "pk"))
    return {
        "customer": customer,
        "rows": table.change_rows(changes, today=today, shown=queries.CUSTOMER_COLUMNS, user=request.user,
                                  layout="customer"),
        "shown": queries.CUSTOMER_COLUMNS,
        "show": cols.shown_flags(queries.CUSTOMER_COLUMNS),
        "layout": "customer",
        # Main points of contact: the primary contacts of upcoming changes first.
        "people": sorted(people, key=lambda person: person.pk not in primary_ids),
        "primary_ids": primary_ids,
        "association": queries.running_association(customer, request.user),
    }


@require_GET
@login_required
def customer_detail(request: HtmxHttpRequest, pk: int):
    customer = _visible_customer(request, pk)
    return render(request, "renewals/customer_detail.html", customer_context(request, customer))


@require_http_methods(["GET", "POST"])
@login_required
def association_end(request: HtmxHttpRequest, pk: int):
    """GET asks for confirmation; POST ends the association (kept as a row: who, when)."""
    customer = _visible_customer(request, pk)
    association = queries.running_association(customer, request.user)
    if association is None:
        raise Http404
    if request.method == "GET":
        return render(request, "renewals/association_end.html", {"customer": customer, "association": association})
    services.association_end(association=association, by=request.user)
    messages.success(request, _("The association with %(customer)s has ended.") % {"customer": customer.contact.name})
    # A partner can no longer see the customer; vendor staff stay on its page.
    destination = reverse("renewals:dashboard") if request.user.is_partner else reverse("renewals:customer", args=[pk])
    if request.htmx:
        return HttpClientRedirect(destination)
    return redirect(destination)
