from django.contrib import admin

from renewals import notices
from renewals.models import Association, ContractChange, CustomerAccount, Notice, PartnerOrganisation
from crm import dates


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


@admin.register(ContractChange)
class ContractChangeAdmin(admin.ModelAdmin):
    list_display = ["customer", "type", "start_date", "term_months"]
    list_filter = ["type"]
    raw_id_fields = ["customer", "primary_contact"]
    readonly_fields = ["agreed_at", "agreed_by", "cancellation_requested_at", "cancellation_requested_by"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Tell the partner's users, as the service does for changes created elsewhere.
        if change:
            notices.announce_status(obj, today=dates.today())
        else:
            notices.announce_created(obj, today=dates.today())


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
