"""What the contract-changes table prints for each row, as plain values and text.

A row is read as a dict (`values_for`) holding only what the shown columns print: no model
instances, no `get_FOO_display`. `Table` builds what every row of one table shares, once: the
language's formats and choice labels, and each URL's text around the pk (`crm.links.object_urls`).
The row's markup is `renewals/_changes_table.html`; its menu's forms are read when the menu opens
(`renewals.views.actions.change_menu`), so only a menu's row carries the URLs they post to. The
primary customer contact is chosen in its own cell: while that column is shown, every row carries
its customer's people, read for the whole page in one query (`change_rows`).
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext, ngettext

from crm.formats import Formats
from crm.links import object_url, object_urls
from crm.models import person_name
from renewals import columns as cols
from renewals import queries
from renewals.models import CommunicationOwner, ContractChange, ContractChangeLog

# What every row reads: the locked columns (customer, communication owner, type, status with who
# recorded an agreement or a cancellation, deadline), and what the row's menu and label name.
ALWAYS = ["id", "version", "customer_id", "customer__contact_id", "type", "status", "deadline", "communication_owner_effective",
          "agreed_at", "cancellation_requested_at", "primary_contact_id"]
NAMED = {
    "name": F("customer__contact__name"),
    "agreed_by_name": person_name("agreed_by__"),
    "cancellation_requested_by_name": person_name("cancellation_requested_by__"),
}
# What an optional column reads besides; a registry column reads its field and a money field's currency.
# The primary contact's name is read through the people gate (`change_rows`), never joined here.
READS = {
    "website": ["customer__website"],
    "account_id": ["customer__account_id"],
    "start_date": ["start_date"],
    "max_contacts": ["customer__max_contacts"],
    "email_limit": ["customer__email_send_limit"],
    "billing_frequency": ["billing_frequency"],
    "term": ["term_months"],
}


def values_for(changes: QuerySet, shown) -> QuerySet:
    """`changes` (from `queries.changes_for`) as the dicts a row of the `shown` columns reads."""
    fields = list(ALWAYS)
    for column in shown:
        fields += READS.get(column.key, [])
        if field := column.field:
            fields += [field.key, field.currency_key] if field.has_currency else [field.key]
    return changes.values(*fields, **NAMED)


def _labels(choices) -> dict:
    return {value: str(label) for value, label in choices}


class Table:
    """What every row of one table shares, read once per table and language."""

    def __init__(self, *, today: datetime.date, shown, layout: str):
        self.today = today
        self.fmt = Formats()
        self.keys = {column.key for column in shown}
        # The registry's columns, shown as in every table (`ContactField.shown`): last, in the table's order.
        self.fields = [(column.field, str(column.label)) for column in shown if column.contact_field]
        # Each cell names its column: on a phone a row is a card and the header row is out of sight.
        self.labels = {column.key: str(column.label) for column in cols.COLUMNS} | {"actions": gettext("Actions")}
        self.currency = settings.CRM_CURRENCY
        self.customer_url = object_urls("renewals:customer")
        change_menu = object_urls("renewals:change_menu")
        self.menu_url = lambda pk: f"{change_menu(pk)}?layout={layout}"
        self.primary_url = object_urls("renewals:change_primary_contact")
        self.primary_label = gettext("Primary customer contact for %(name)s")
        # The texts a row fills in, translated once (a {% blocktranslate %} a row was most of the table).
        self.menu_label = gettext("Actions for %(name)s")
        self.someone = gettext("someone")
        self.cancellation_note = gettext("Cancellation requested by %(who)s, %(when)s")
        self.agreement_note = gettext("Customer agreed, recorded by %(who)s, %(when)s")
        self.today_note = gettext("Today")
        self.owners = _labels(CommunicationOwner.choices)
        self.types = _labels(ContractChange.Type.choices)
        self.statuses = _labels(ContractChange.Status.choices)
        self.frequencies = _labels(ContractChange._meta.get_field("billing_frequency").choices)
        self.terms = _labels(ContractChange.Term.choices)

    def row(self, change: dict, people: "PagePeople") -> dict:
        """The cells' values of one change; `people`: the page's people the viewer may see."""
        fmt, keys, today = self.fmt, self.keys, self.today
        deadline = change["deadline"]
        # A deadline come or passed is pointed out only on what still needs action.
        status = ContractChange.Status(change["status"])
        days_past = (today - deadline).days if deadline <= today and status.needs_action else None
        row = {
            "pk": str(change["id"]),  # text: an int would be localised on each of its uses
            "name": change["name"],
            "customer_url": self.customer_url(change["customer_id"]),
            "menu_url": self.menu_url(change["id"]),
            "menu_label": self.menu_label % {"name": change["name"]},
            # The menu opened on a refused action, and the message of a saved one (renewals.views.actions).
            "menu_open": False,
            "message": "",
            "owner_display": self.owners[change["communication_owner_effective"]],
            "type": self.types[change["type"]],
            "status": change["status"],
            "status_display": self.statuses[change["status"]],
            "agreed": change["agreed_at"] is not None,
            "agreement_note": self._note(self.agreement_note, change["agreed_by_name"], change["agreed_at"]),
            "cancellation_requested": change["cancellation_requested_at"] is not None,
            "cancellation_note": self._note(
                self.cancellation_note, change["cancellation_requested_by_name"], change["cancellation_requested_at"]
            ),
            "deadline": fmt.date(deadline),
            "deadline_iso": fmt.iso_date(deadline),
            # A deadline that has come or passed says so in words.
            "deadline_passed": days_past is not None,
            "deadline_note": self._days_past(days_past),
        }
        if "primary_contact" in keys:
            # The cell's dropdown saves on change, at the version the row was read at.
            primary_id = change["primary_contact_id"]
            row.update(
                primary_contact=people.names.get(primary_id),
                primary_contact_id=primary_id,
                choices=people.choices(change["customer__contact_id"], primary_id),
                version=change["version"],
                primary_url=self.primary_url(change["id"]),
                primary_label=self.primary_label % {"name": change["name"]},
            )
        if "website" in keys:
            row["website"] = change["customer__website"]
        if "account_id" in keys:
            row["account_id"] = change["customer__account_id"]
        if "start_date" in keys:
            row["start_date"] = fmt.date(change["start_date"])
            row["start_date_iso"] = fmt.iso_date(change["start_date"])
        if "max_contacts" in keys:
            row["max_contacts"] = fmt.number(change["customer__max_contacts"])
        if "email_limit" in keys:
            row["email_limit"] = fmt.number(change["customer__email_send_limit"])
        if "billing_frequency" in keys:
            row["billing_frequency"] = self.frequencies[change["billing_frequency"]]
        if "term" in keys:
            row["term"] = self.terms[change["term_months"]]
        row["fields"] = [{"text": field.shown(change, fmt, self.currency), "num": field.numeric, "date": field.dated,
                          "label": label} for field, label in self.fields]
        row["labels"] = self.labels
        return row

    def _note(self, text: str, who: str | None, when: datetime.datetime | None) -> str:
        """Who recorded a fact, and when ("" while it is not recorded)."""
        if when is None:
            return ""
        return text % {"who": who or self.someone, "when": self.fmt.format_date(when, None, self.fmt.short_datetime_format)}

    def _days_past(self, days: int | None) -> str:
        if days is None:
            return ""
        if days == 0:
            return self.today_note
        return ngettext("Passed %(days)s day ago", "Passed %(days)s days ago", days) % {"days": days}

    def menu_row(self, change: dict, people: "PagePeople") -> dict:
        """A row with what its menu's forms need: the URLs they post to, the version and choices
        they were read at, and the question before a cancellation."""
        row = self.row(change, people)
        pk = change["id"]
        row.update(
            version=change["version"],
            organisation_id=change["customer__contact_id"],
            owner=change["communication_owner_effective"],
            owner_url=object_url("renewals:change_communication_owner", pk),
            agreed_url=object_url("renewals:change_agreed", pk),
            cancellation_url=object_url("renewals:change_cancellation", pk),
            take_back_url=object_url("renewals:change_take_back", pk),
            # Each is asked before it is recorded, and can be taken back ("Undo", in the history).
            confirm_agreement=gettext("Record that %(name)s agreed to this change?") % {"name": row["name"]},
            confirm_cancellation=gettext("Record that %(name)s requested cancellation?") % {"name": row["name"]},
        )
        return row


class PagePeople:
    """The people of a page's customers that the viewer may see, read in one query through the
    people gate: each row's choices of primary contact, and the primary contacts' names (one who
    has since left the customer is still named, and offered as the current choice)."""

    def __init__(self, changes: list[dict], user):
        self.names: dict[int, str] = {}
        self._by_organisation: dict[int, list[tuple[int, str]]] = defaultdict(list)
        organisations = {change["customer__contact_id"] for change in changes}
        primary = {change["primary_contact_id"] for change in changes} - {None}
        if not organisations:
            return
        people = queries.people_visible_to(user).filter(Q(organisation_id__in=organisations) | Q(pk__in=primary))
        for pk, name, organisation_id in people.order_by("name", "pk").values_list("pk", "name", "organisation_id"):
            self.names[pk] = name
            if organisation_id in organisations:
                self._by_organisation[organisation_id].append((pk, name))

    def choices(self, organisation_id: int, current: int | None) -> list[tuple[int, str]]:
        choices = self._by_organisation.get(organisation_id, [])
        if current in self.names and all(pk != current for pk, _name in choices):
            return [(current, self.names[current]), *choices]
        return choices


NOBODY = PagePeople([], None)


def change_rows(changes, *, today: datetime.date, shown, user, layout: str, menu: bool = False) -> list[dict]:
    """The rows of `changes` (dicts from `values_for`). The customers' people are read in one
    query through the people gate, `user`'s, and only while the primary contact's column is shown:
    a person the viewer may not see is neither offered nor named ("not set" to them)."""
    changes = list(changes)
    table = Table(today=today, shown=shown, layout=layout)
    people = PagePeople(changes, user) if "primary_contact" in table.keys else NOBODY
    make = table.menu_row if menu else table.row
    return [make(change, people) for change in changes]


def history_rows(entries) -> list[dict]:
    """A contract change's history (`queries.change_history`) as the menu lists it."""
    fmt = Formats()
    actions = _labels(ContractChangeLog.Action.choices)
    return [
        {
            "what": actions[entry["action"]],
            "who": entry["by_name"] or "",
            "when": fmt.format_date(entry["at"], None, fmt.short_datetime_format),
            "when_iso": entry["at"].isoformat(),
        }
        for entry in entries
    ]
