"""What the bench measures, in the order it runs.

Each operation names how it is measured (`kind`) and the targets it is held to, and `prepare`
returns what to request (creating any rows it needs through the ORM). An operation whose app has
not landed yet has no `prepare` and says what it waits for: the table shows it as "not wired yet"
rather than leaving it out. Wiring one later is a `prepare` function and one line in OPERATIONS.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from bench.generate import HISTORY_CONTACT_NAME, manager_username, partner_username, rep_username
from bench.report import Target

PAGE = "page"  # requests/s over HTTP
EXPORT = "export"  # rows/s over HTTP, one request at a time
COPY = "copy"  # rows/s of COPY ... TO STDOUT read in-process through psycopg

PAGE_TARGET = Target("floor", 0.4)
SEARCH_TEXT = "ferreira"
PARTNER_SEARCH_TEXT = "acme"


@dataclass(frozen=True)
class Context:
    contacts: int
    today: datetime.date


@dataclass(frozen=True)
class Prepared:
    path: str = ""  # PAGE and EXPORT: the URL to request
    username: str = ""  # PAGE and EXPORT: who requests it
    rows: int = 0  # EXPORT: rows in one response
    sql: str = ""  # COPY: the SELECT to copy out
    params: tuple = ()


@dataclass(frozen=True)
class Operation:
    key: str
    label: str
    kind: str
    prepare: Callable[[Context], Prepared] | None = None
    targets: tuple[Target, ...] = ()
    waits_for: str = ""  # why it is not wired yet

    @property
    def unit(self) -> str:
        return "req/s" if self.kind == PAGE else "rows/s"


def floor(context: Context) -> Prepared:
    return Prepared(path="/bench/floor/", username=rep_username(1))


def contact_page(context: Context) -> Prepared:
    from crm.models import Contact

    contact = Contact.objects.get(name=HISTORY_CONTACT_NAME)
    return Prepared(path=f"/contacts/{contact.pk}/", username=contact.owner.username)


def contact_list_team(context: Context) -> Prepared:
    return Prepared(path="/contacts/", username=manager_username(1))


def contact_search_team(context: Context) -> Prepared:
    return Prepared(path=f"/contacts/?q={SEARCH_TEXT}", username=manager_username(1))


def contact_list_all(context: Context) -> Prepared:
    from bench.generate import ADMIN_USERNAME

    return Prepared(path="/contacts/", username=ADMIN_USERNAME)


COPY_FIELDS = [
    "name", "kind", "email", "organisation_name", "owner_name",
    "current_mrr", "current_currency", "current_end", "upcoming_mrr", "upcoming_start", "upcoming_direction",
]


def copy_all_contacts(context: Context) -> Prepared:
    """Every contact with its current and upcoming MRR, as the field registry defines them."""
    from crm import fields
    from crm.models import Contact

    contacts = fields.annotate(Contact.objects.order_by("pk"), COPY_FIELDS, today=context.today)
    sql, params = contacts.values_list("pk", *COPY_FIELDS).query.sql_with_params()
    return Prepared(sql=sql, params=tuple(params))


def partner_dashboard(context: Context) -> Prepared:
    """Partner 1's "Upcoming renewals" (100 customers at 1,000,000 contacts), searched by name."""
    return Prepared(path=f"/renewals/?q={PARTNER_SEARCH_TEXT}", username=partner_username(1))


def partner_dashboard_all(context: Context) -> Prepared:
    """The same dashboard unsearched: its first page, sorted by deadline (the default)."""
    return Prepared(path="/renewals/", username=partner_username(1))


SMARTLISTS = "needs smart lists (issue #4)"

OPERATIONS = [
    Operation("floor", "Floor: minimal logged-in view", PAGE, floor),
    Operation("contact_page", "Contact page, 120 monthly periods", PAGE, contact_page, (PAGE_TARGET,)),
    Operation("contact_list", "Contact list, a manager's team", PAGE, contact_list_team, (PAGE_TARGET,)),
    Operation("contact_search", f"Contact search ?q={SEARCH_TEXT}, a manager's team", PAGE, contact_search_team,
              (PAGE_TARGET,)),
    Operation("contact_list_all", "Contact list, admin (every contact)", PAGE, contact_list_all, (PAGE_TARGET,)),
    Operation("copy_contacts", "COPY baseline: every contact + MRR columns", COPY, copy_all_contacts),
    Operation("smartlist_copy", "COPY of the smart list's SQL, 100,000 rows", COPY, waits_for=SMARTLISTS),
    Operation("smartlist_export", "Smart list CSV export, 100,000 rows", EXPORT,
              targets=(Target("smartlist_copy", 0.8), Target("import_export", 50)), waits_for=SMARTLISTS),
    Operation("import_export", "django-import-export, same queryset", EXPORT, waits_for=SMARTLISTS),
    Operation("smartlist_page_1", "Smart list, ends within 90 days by MRR, page 1", PAGE,
              targets=(PAGE_TARGET,), waits_for=SMARTLISTS),
    Operation("smartlist_page_deep", "Smart list, ends within 90 days by MRR, deep page", PAGE,
              targets=(PAGE_TARGET,), waits_for=SMARTLISTS),
    Operation("partner_dashboard", f"Partner dashboard, 100 customers, search ?q={PARTNER_SEARCH_TEXT}", PAGE,
              partner_dashboard, (PAGE_TARGET,)),
    Operation("partner_dashboard_all", "Partner dashboard, 100 customers, by deadline", PAGE,
              partner_dashboard_all, (PAGE_TARGET,)),
]
