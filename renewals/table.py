"""What the contract-changes table prints for each row, as plain values and text.

The row's markup is `renewals/_changes_table.html`; this reads each change once into the values
its cells show: URLs reversed through `crm.links` (one per name, not ~11 `{% url %}`s a row), dates
and numbers formatted by `crm.formats.Formats` (built once per table and language), and the
confirmation question as plain text, which the template escapes in its attribute.

The row's owner and primary contact are shown as text; the choices to change them are read when
the row's menu opens (`renewals.views.actions.change_menu`), not for every row up front.
"""

import datetime

from django.conf import settings
from django.utils.translation import gettext

from crm import fields as contact_fields
from crm.formats import Formats
from crm.links import object_url


class ChangeRow:
    def __init__(self, change, fmt: Formats, *, today: datetime.date, shown_keys=()):
        customer = change.customer
        self.change = change
        self.pk = change.pk
        self.version = change.version
        self.name = name = customer.contact.name
        self.customer_url = object_url("renewals:customer", change.customer_id)
        self.owner_url = object_url("renewals:change_communication_owner", change.pk)
        self.primary_url = object_url("renewals:change_primary_contact", change.pk)
        self.agreed_url = object_url("renewals:change_agreed", change.pk)
        self.cancellation_url = object_url("renewals:change_cancellation", change.pk)
        self.menu_url = object_url("renewals:change_menu", change.pk)
        self.owner = change.communication_owner_effective
        self.owner_display = change.get_communication_owner_effective_display()
        self.primary_contact_id = change.primary_contact_id
        # Read through the viewer's gate (`queries.changes_for`): None for a person they may not see.
        self.primary_contact = change.primary_contact if "primary_contact" in shown_keys else None
        self.type = change.get_type_display()
        self.status = change.status
        self.status_display = change.get_status_display()
        self.agreed = change.agreed_at is not None
        self.cancellation_requested = change.cancellation_requested_at is not None
        self.agreed_by = change.agreed_by if self.agreed else None
        self.cancellation_requested_by = change.cancellation_requested_by if self.cancellation_requested else None
        self.agreed_at = fmt.format_date(change.agreed_at, None, fmt.short_datetime_format) if self.agreed else ""
        self.cancellation_requested_at = (
            fmt.format_date(change.cancellation_requested_at, None, fmt.short_datetime_format)
            if self.cancellation_requested else ""
        )
        self.deadline = fmt.date(change.deadline)
        self.deadline_iso = fmt.iso_date(change.deadline)
        # Days since the deadline passed (0: today is the deadline); None while it is ahead.
        self.days_past_deadline = (today - change.deadline).days if change.deadline <= today else None
        self.start_date = fmt.date(change.start_date)
        self.start_date_iso = fmt.iso_date(change.start_date)
        self.website = customer.website
        self.account_id = customer.account_id
        self.max_contacts = fmt.number(customer.max_contacts)
        self.email_limit = fmt.number(customer.email_send_limit)
        self.billing_frequency = change.get_billing_frequency_display()
        self.term = change.get_term_months_display()
        self.current_mrr = _money(change, "current_mrr", fmt)
        self.upcoming_mrr = _money(change, "upcoming_mrr", fmt)
        self.confirm_cancellation = gettext("Record that %(name)s requested cancellation?") % {"name": name}


def _money(change, key: str, fmt: Formats) -> str:
    """An MRR column's amount, naming its currency when it is not the installation's (as smart
    lists do): amounts in two currencies are never shown as one unit."""
    amount = getattr(change, key, None)
    if amount is None:
        return ""
    currency = getattr(change, contact_fields.get(key).currency_key, None)
    return fmt.money(amount) + (f" {currency}" if currency and currency != settings.CRM_CURRENCY else "")


def change_rows(changes, *, today: datetime.date, shown) -> list[ChangeRow]:
    fmt = Formats()
    shown_keys = {column.key for column in shown}
    return [ChangeRow(change, fmt, today=today, shown_keys=shown_keys) for change in changes]
