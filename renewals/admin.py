from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _

from crm.admin_versions import VersionedAdmin
from renewals import services
from renewals.models import Association, ContractChange, CustomerAccount, Notice, PartnerOrganisation


@admin.register(CustomerAccount)
class CustomerAccountAdmin(VersionedAdmin, admin.ModelAdmin):
    list_display = ["contact", "account_id", "max_contacts", "email_send_limit", "contacts_used", "emails_sent_this_month"]
    search_fields = ["contact__name", "account_id", "website"]
    raw_id_fields = ["contact"]


@admin.register(PartnerOrganisation)
class PartnerOrganisationAdmin(VersionedAdmin, admin.ModelAdmin):
    list_display = ["name", "default_communication_owner"]
    filter_horizontal = ["users"]


class AssociationAdminForm(forms.ModelForm):
    class Meta:
        model = Association
        fields = "__all__"

    def clean(self):
        # The database allows one running association per customer. Django's own check of that
        # constraint is skipped here (its condition reads `ended_at`, which the form does not
        # show), so a second one would reach the database and fail there.
        cleaned = super().clean()
        customer = cleaned.get("customer")
        if customer is not None and self.instance.ended_at is None:
            running = Association.objects.active().filter(customer=customer).exclude(pk=self.instance.pk).first()
            if running is not None:
                self.add_error("customer", _("%(partner)s already looks after this customer. End that association first.")
                               % {"partner": running.partner})
        return cleaned


@admin.register(Association)
class AssociationAdmin(VersionedAdmin, admin.ModelAdmin):
    form = AssociationAdminForm
    list_display = ["partner", "customer", "started_at", "ended_at", "ended_by"]
    list_filter = ["partner"]
    readonly_fields = ["ended_at", "ended_by"]

    def has_delete_permission(self, request, obj=None):
        return False  # associations are ended, never deleted


@admin.register(ContractChange)
class ContractChangeAdmin(VersionedAdmin, admin.ModelAdmin):
    """Writes go through `renewals.services`: audited (ContractChangeLog), versioned, partners told."""

    list_display = ["customer", "type", "start_date", "term_months"]
    list_filter = ["type"]
    raw_id_fields = ["customer", "primary_contact"]
    readonly_fields = ["agreed_at", "agreed_by", "cancellation_requested_at", "cancellation_requested_by"]

    def save_model(self, request, obj, form, change):
        data = {f.name: form.cleaned_data[f.name] for f in ContractChange._meta.fields if f.name in form.cleaned_data}
        if change:
            # The form's check locked the row at the version it was read at (crm.admin_versions).
            row = services.contract_change_update(
                change=obj, data=data, version=int(form.cleaned_data["read_version"]), by=request.user
            )
        else:
            customer = data.pop("customer")
            row = services.contract_change_create(
                customer=customer, data=data, by=request.user, token=form.cleaned_data.get("submission")
            )
        obj.pk, obj.version = row.pk, row.version
        obj._state.adding = False


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
