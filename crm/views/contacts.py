from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from crm import bulk, services
from crm.access import vendor_staff_required
from crm.contact_rows import contact_rows
from crm.filters import ContactFilter
from crm.forms import BulkForm, ContactForm, OrganisationSearchForm, OwnerSearchForm
from crm.http import HtmxHttpRequest
from crm.models import Contact
from crm.pagination import CappedPaginator
from crm.panels import contact_panels
from crm.views.bulk import contact_filter_params

PAGE_SIZE = 25


@require_GET
@login_required
@vendor_staff_required
def contact_list(request: HtmxHttpRequest):
    filterset = ContactFilter(request.GET, queryset=Contact.objects.visible_to(request.user))
    if not filterset.is_valid():
        return render(request, "crm/contact_list.html", {"filter": filterset}, status=400)
    # Counted on the contacts alone; only the page's rows read the columns shown.
    page = CappedPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "crm/contact_list.html#results" if request.htmx else "crm/contact_list.html"
    bulk_form = BulkForm(user=request.user, can_export=bulk.exporter() is not None)
    return render(request, template, {
        "filter": filterset, "page": page, "rows": contact_rows(page.object_list), "bulk_form": bulk_form,
        "bulk_query": contact_filter_params(request.GET).urlencode(),
    })


@require_GET
@login_required
@vendor_staff_required
def contact_detail(request: HtmxHttpRequest, pk: int):
    contact = get_object_or_404(
        Contact.objects.visible_to(request.user).select_related("owner", "organisation"), pk=pk
    )
    return render(
        request,
        "crm/contact_detail.html",
        {
            "contact": contact,
            "tags": contact.tags.all(),
            "people": contact.people.visible_to(request.user) if contact.is_organisation else None,
            "panels": contact_panels(request, contact),
        },
    )


def _contact_form(request, form, *, status=200, theirs=None):
    return render(request, "crm/contact_form.html", {"form": form, "theirs": theirs}, status=status)


def _their_values(form, contact_pk: int) -> list[tuple[str, object]]:
    """The saved values someone else wrote, field by field, to show beside a refused edit."""
    current = Contact.objects.select_related("owner", "organisation").get(pk=contact_pk)
    values = [(form.fields[name].label, getattr(current, name) or "") for name in ContactForm.Meta.fields]
    values[0] = (values[0][0], current.get_kind_display())
    values.append((form.fields["tags"].label, ", ".join(tag.name for tag in current.tags.all())))
    return values


def _saved(request: HtmxHttpRequest, contact):
    messages.success(request, _("Contact “%(name)s” saved.") % {"name": contact.name})
    if request.htmx:
        return HttpResponseClientRedirect(contact.get_absolute_url())
    return redirect(contact)


@require_http_methods(["GET", "POST"])
@login_required
@vendor_staff_required
def contact_create(request: HtmxHttpRequest):
    form = ContactForm(request.POST or None, user=request.user)
    if form.finding():
        return _contact_form(request, form.again())
    if request.method == "POST":
        if form.is_valid():
            contact, _created = services.contact_create(
                contact=form.save(commit=False), tags=form.cleaned_data["tags"], token=form.cleaned_data["submission"]
            )
            return _saved(request, contact)
        return _contact_form(request, form, status=422)
    return _contact_form(request, form)


@require_http_methods(["GET", "POST"])
@login_required
@vendor_staff_required
def contact_edit(request: HtmxHttpRequest, pk: int):
    contact = get_object_or_404(Contact.objects.visible_to(request.user), pk=pk)
    form = ContactForm(request.POST or None, instance=contact, user=request.user)
    if form.finding():
        return _contact_form(request, form.again())
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.contact_update(
                    contact=form.save(commit=False), tags=form.cleaned_data["tags"], version=form.cleaned_data["version"]
                )
            except ValidationError as error:
                form.add_error(None, error)
                return _contact_form(request, form, status=409, theirs=_their_values(form, pk))
            return _saved(request, saved)
        return _contact_form(request, form, status=422)
    return _contact_form(request, form)


def _choices(request: HtmxHttpRequest, name: str, search: forms.Form):
    """A contact form's choice (`crm.choices`) listed again for its search box: the whole control
    is rendered, and the box swaps its list in (hx-select). It is a part of the contact form:
    opened on its own, it leads to a new contact's form."""
    if not request.htmx:
        return redirect("contact_create")
    if not search.is_valid():
        return render(request, "crm/_choice_problem.html", {"form": search, "name": name}, status=400)
    form = ContactForm(user=request.user, initial=search.cleaned_data)
    return render(request, "crm/_contact_choice.html", {"field": form[name]})


@require_GET
@login_required
@vendor_staff_required
def contact_owner_choices(request: HtmxHttpRequest):
    return _choices(request, "owner", OwnerSearchForm(request.GET))


@require_GET
@login_required
@vendor_staff_required
def contact_organisation_choices(request: HtmxHttpRequest):
    return _choices(request, "organisation", OrganisationSearchForm(request.GET))
