"""The dashboard's columns: which are locked, which a user may add, and how each sorts.

The MRR columns come from the contact field registry (`crm.fields`), applied to the customer's
organisation contact: renewals never imports the subscriptions app, and a switched-off feature's
columns leave the picker in one place (`crm.fields.pickable`).
"""

import datetime
from dataclasses import dataclass

from django.db.models import CharField, DecimalField, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from crm import fields as contact_fields
from crm.models import Contact


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    order_by: str
    locked: bool = False
    # right-aligned in the table (a registry column is as its field says: `numeric`)
    number: bool = False
    # a key of the contact field registry whose value this column shows, as the field shows it
    contact_field: str | None = None

    @property
    def field(self) -> contact_fields.ContactField | None:
        return contact_fields.get(self.contact_field) if self.contact_field else None

    @property
    def numeric(self) -> bool:
        return self.field.numeric if self.contact_field else self.number

    def sort_terms(self, descending: bool) -> list[tuple[str, bool]]:
        """(annotation or lookup, descending) pairs a sort by this column orders by: an MRR column by
        its currency (A to Z both ways), then its amount, as the contact field registry sorts money."""
        if self.contact_field:
            return self.field.sort_terms(descending)
        return [(self.order_by, descending)]


COLUMNS = [
    Column("customer", _("Customer"), "customer__contact__name", locked=True),
    Column("communication_owner", _("Communication owner"), "communication_owner_effective", locked=True),
    # Optional, as in HubSpot, and shown until a user takes it off (DEFAULT_CHOSEN); chosen in its cell
    # (a dropdown saved on change), not in the row's menu.
    Column("primary_contact", _("Primary customer contact"), "primary_contact__name"),
    Column("type", _("Contract type"), "type", locked=True),
    Column("status", _("Status"), "status", locked=True),
    Column("deadline", _("Renewal deadline"), "deadline", locked=True),
    Column("website", _("Website"), "customer__website"),
    Column("account_id", _("Account ID"), "customer__account_id"),
    Column("start_date", _("Renewal start date"), "start_date"),
    Column("max_contacts", _("Max contacts"), "customer__max_contacts", number=True),
    Column("email_limit", _("E-mail limit"), "customer__email_send_limit", number=True),
    Column("billing_frequency", _("Billing frequency"), "billing_frequency"),
    Column("term", _("Term"), "term_months", number=True),
    # The registry's columns come last: a row prints them in one loop, each cell as its field shows
    # it in every table (`ContactField.shown`, `renewals.table.Table.row`).
    Column("current_mrr", _("Current MRR"), "current_mrr", contact_field="current_mrr"),
    Column("upcoming_mrr", _("Estimated new MRR"), "upcoming_mrr", contact_field="upcoming_mrr"),
]
BY_KEY = {column.key: column for column in COLUMNS}
LOCKED = [column for column in COLUMNS if column.locked]
OPTIONAL = [column for column in COLUMNS if not column.locked]
DEFAULT_SORT = "deadline"
# The optional columns of a user who never saved a choice.
DEFAULT_CHOSEN = ["primary_contact"]


def is_available(column: Column, request) -> bool:
    """An optional column the picker may offer now: registry fields only while their feature is on."""
    if column.contact_field is None:
        return True
    pickable = {field.key for field in contact_fields.pickable(request)}
    return column.contact_field in pickable


def chosen_keys(user) -> list[str]:
    """The optional columns `user` saved, in order, forgetting any that no longer exist; the
    defaults when they never saved any."""
    preference = getattr(user, "renewal_columns", None)
    saved = preference.columns if preference is not None else DEFAULT_CHOSEN
    return [key for key in saved if key in BY_KEY and not BY_KEY[key].locked and _exists(BY_KEY[key])]


def saved_version(user) -> int:
    """The version of the saved choice `chosen_keys` read (the same row, read once); 0: none saved."""
    preference = getattr(user, "renewal_columns", None)
    return preference.version if preference is not None else 0


def _exists(column: Column) -> bool:
    return column.contact_field is None or contact_fields.exists(column.contact_field)


def available_keys(request, chosen: list[str]) -> list[str]:
    """The chosen columns the dashboard shows now: a switched-off feature's stay saved, not shown."""
    return [key for key in chosen if is_available(BY_KEY[key], request)]


def pickable_columns(request) -> list[Column]:
    """What "Configure columns" offers: every optional column available now."""
    return [c for c in OPTIONAL if _exists(c) and is_available(c, request)]


def shown_columns(chosen: list[str]) -> list[Column]:
    """The locked columns and the chosen ones, in the table's one order (`COLUMNS`)."""
    return [column for column in COLUMNS if column.locked or column.key in chosen]


def shown_flags(shown: list[Column]) -> dict[str, bool]:
    """Every column's key, and whether it is among `shown`: what a row's template asks of each cell."""
    keys = {column.key for column in shown}
    return {column.key: column.key in keys for column in COLUMNS}


def annotate_contact_fields(changes: QuerySet, keys, *, today: datetime.date) -> QuerySet:
    """Each registry field among `keys`, computed on the customer's organisation contact, and the
    currency of a money one (`ContactField.currency_key`)."""
    reading = contact_fields.Reading(today)  # what the fields look up, once for all of them
    for key in keys:
        contact_field = contact_fields.get(key)
        contact = contact_fields.annotate(Contact.objects.filter(pk=OuterRef("customer__contact_id")), [key],
                                          today=today, reading=reading)
        changes = changes.annotate(**{key: Subquery(contact.values(key)[:1], output_field=DecimalField(max_digits=14, decimal_places=2))})
        if contact_field.has_currency:
            currency = contact_field.currency_key
            changes = changes.annotate(**{currency: Subquery(contact.values(currency)[:1], output_field=CharField())})
    return changes
