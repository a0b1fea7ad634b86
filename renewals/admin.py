from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from renewals import services
from renewals.models import Association, ContractChange, CustomerAccount, Notice, PartnerOrganisation


@admin.register(CustomerAccount)
class CustomerAccountAdmin(admin.ModelAdmin):
    list_display = ["contact", "account_id", "max_contacts", "email_send_limit", "contacts_used", "emails_sent_this_month"]
    search_fields = ["contact__name", "account_id", "website"]
    raw_id_fields = ["contact"]


@admin.register(PartnerOrganisation)
class PartnerOrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "default_communication_owner"]
    filter_horizontal = ["users"]


@admin.register(Association)
class AssociationAdmin(admin.ModelAdmin):
    list_display = ["partner", "customer", "started_at", "ended_at", "ended_by"]
    list_filter = ["partner"]
    readonly_fields = ["ended_at", "ended_by"]

    def has_delete_permission(self, request, obj=None):
        return False  # associations are ended, never deleted


class ContractChangeAdminForm(forms.ModelForm):
    # The version the admin read: a save based on an older one is refused, as in the product.
    read_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    class Meta:
        model = ContractChange
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["read_version"].initial = self.instance.version
            self.fields["read_version"].required = True

    def clean(self):
        cleaned = super().clean()
        read = cleaned.get("read_version")
        if self.instance.pk and read is not None:
            saved = ContractChange.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            if saved != read:
                # The form holds the values read at `read`: sent again, it would be refused again.
                raise ValidationError(
                    _("Someone else changed this contract change after you opened it, and your changes were not "
                      "saved. Reload the page to see theirs, then make yours again."),
                    code="stale",
                )
        return cleaned


@admin.register(ContractChange)
class ContractChangeAdmin(admin.ModelAdmin):
    """Writes go through `renewals.services`: audited (ContractChangeLog), versioned, partners told."""

    form = ContractChangeAdminForm
    list_display = ["customer", "type", "start_date", "term_months"]
    list_filter = ["type"]
    raw_id_fields = ["customer", "primary_contact"]
    readonly_fields = ["agreed_at", "agreed_by", "cancellation_requested_at", "cancellation_requested_by"]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.Conflict:
            # Someone saved between the form's version check and the write: nothing was written
            # (the services refused, the admin's transaction rolled back). Asked again, the form's
            # check finds the newer version and shows the form with its error, never a 500.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        data = {f.name: form.cleaned_data[f.name] for f in ContractChange._meta.fields if f.name in form.cleaned_data}
        if change:
            # A race after the form's check ends in services.Conflict: see changeform_view.
            row = services.contract_change_update(
                change=obj, data=data, version=form.cleaned_data["read_version"], by=request.user
            )
        else:
            customer = data.pop("customer")
            row = services.contract_change_create(customer=customer, data=data, by=request.user)
        obj.pk, obj.version = row.pk, row.version


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """E-mail notices to partners: failed ones (after Notice.MAX_ATTEMPTS tries) are listed with their error."""

    list_display = ["event_key", "recipient", "kind", "created_at", "sent_at", "skipped_at", "failed_at", "attempts", "last_error"]
    list_filter = ["kind", ("failed_at", admin.EmptyFieldListFilter), ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["event_key", "recipient__username", "last_error"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
