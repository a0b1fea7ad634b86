"""A partner's renewal settings: the defaults of each partner organisation they belong to."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crm.access import partner_required
from crm.http import HtmxHttpRequest
from renewals import services
from renewals.forms import PartnerDefaultsForm
from renewals.models import PartnerOrganisation

TEMPLATE = "renewals/settings.html"


@require_http_methods(["GET", "POST"])
@login_required
@partner_required
def organisation_settings(request: HtmxHttpRequest):
    """One form per organisation; a POST saves the one it names (one the partner is not in: 404)."""
    organisations = list(request.user.partner_organisations.order_by("name", "pk"))
    forms = [PartnerDefaultsForm(organisation=organisation) for organisation in organisations]
    if request.method == "GET":
        return render(request, TEMPLATE, {"forms": forms})
    posted = request.POST.get("organisation")
    organisation = next((o for o in organisations if str(o.pk) == posted), None)
    if organisation is None:
        raise Http404
    form, status = PartnerDefaultsForm(request.POST, organisation=organisation), 400
    if form.is_valid():
        try:
            services.partner_defaults_save(
                organisation=organisation, version=form.cleaned_data["version"],
                default_communication_owner=form.cleaned_data["default_communication_owner"],
            )
        except ValidationError as error:
            # The settings as saved now, with the error on them.
            saved = PartnerOrganisation.objects.get(pk=organisation.pk)
            form = PartnerDefaultsForm(PartnerDefaultsForm.saved(saved), organisation=saved)
            form.is_valid()
            form.add_error(None, error)
            status = 409
        else:
            messages.success(request, _("Settings of %(organisation)s saved.") % {"organisation": organisation})
            return redirect("renewals:settings")
    forms = [form if other.partner.pk == organisation.pk else other for other in forms]
    return render(request, TEMPLATE, {"forms": forms}, status=status)
