"""What the bench measures, in the order it runs.

Each operation names how it is measured (`kind`) and the targets it is held to, and `prepare`
returns what to request (creating any rows it needs through the ORM). An operation whose app has
not landed yet has no `prepare` and says what it waits for: the table shows it as "not wired yet"
rather than leaving it out. Wiring one later is a `prepare` function and one line in OPERATIONS.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, replace

from bench.generate import HISTORY_CONTACT_NAME, manager_username, partner_username, rep_username
from bench.report import Target

PAGE = "page"  # requests/s over HTTP
EXPORT = "export"  # rows/s over HTTP: rows / the median time of one download, one at a time
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
    headers: tuple[str, ...] = ()  # sent with every request, as "Name: value"

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


# Smart lists: the admin's lists (every contact), made or updated here through the ORM.
EXPORT_LIST = "Bench export: every contact"
EXPORT_COLUMNS = [
    "name", "kind", "email", "organisation_name", "owner_name", "current_mrr", "current_currency",
    "current_end", "upcoming_mrr", "upcoming_start", "upcoming_direction", "remaining_value",
]
PAGE_LIST = "Bench: ends within 90 days, by current MRR"
PAGE_COLUMNS = ["name", "owner_name", "current_mrr", "current_end", "upcoming_mrr", "upcoming_direction", "remaining_value"]
PAGE_QUERY, PAGE_SORT = "ends_within_days=90", "-current_mrr"
IMPORT_EXPORT_ROWS = 100_000


def _smartlist(name: str, columns: list[str], query: str = "", sort: str = "name"):
    from bench.generate import ADMIN_USERNAME
    from crm.models import User
    from smartlists.models import SmartList

    owner = User.objects.get(username=ADMIN_USERNAME)
    smartlist, _ = SmartList.objects.update_or_create(
        owner=owner, name=name, defaults={"columns": columns, "query": query, "sort": sort}
    )
    return smartlist


def _listing(smartlist, context: Context):
    from django.http import QueryDict

    from smartlists.queries import listing

    return listing(user=smartlist.owner, columns=smartlist.columns, params=QueryDict(smartlist.query),
                   sort=smartlist.sort, today=context.today)


def smartlist_copy(context: Context) -> Prepared:
    """The export's own SQL (`copy_sql`: the list's sorted query, formatted to CSV text in SQL), copied out by psycopg."""
    from smartlists.export import copy_sql

    result = _listing(_smartlist(EXPORT_LIST, EXPORT_COLUMNS), context)
    sql, params = copy_sql(result.queryset, result.columns)
    return Prepared(sql=sql, params=tuple(params))


def smartlist_export(context: Context) -> Prepared:
    from django.urls import reverse

    smartlist = _smartlist(EXPORT_LIST, EXPORT_COLUMNS)
    rows = _listing(smartlist, context).queryset.count()
    return Prepared(path=reverse("smartlists:export", args=[smartlist.pk]), username=smartlist.owner.username, rows=rows)


def import_export(context: Context) -> Prepared:
    """django-import-export over the same queryset (its first 100,000 rows: it reads them one by one)."""
    smartlist = _smartlist(EXPORT_LIST, EXPORT_COLUMNS)
    rows = min(_listing(smartlist, context).queryset.count(), IMPORT_EXPORT_ROWS)
    return Prepared(path=f"/bench/import-export/{smartlist.pk}/?rows={rows}", username=smartlist.owner.username, rows=rows)


def smartlist_page_1(context: Context) -> Prepared:
    from django.urls import reverse

    smartlist = _smartlist(PAGE_LIST, PAGE_COLUMNS, PAGE_QUERY, PAGE_SORT)
    return Prepared(path=reverse("smartlists:detail", args=[smartlist.pk]), username=smartlist.owner.username)


def smartlist_page_deep(context: Context) -> Prepared:
    """The page halfway down the list, reached as the Next links reach it (a cursor on its previous row)."""
    from django.urls import reverse

    from smartlists.paging import PAGE_SIZE, encode

    smartlist = _smartlist(PAGE_LIST, PAGE_COLUMNS, PAGE_QUERY, PAGE_SORT)
    queryset = _listing(smartlist, context).queryset
    before = max(queryset.count() // 2 // PAGE_SIZE, 1) * PAGE_SIZE  # rows on the pages before it
    last = queryset[before - 1]
    key = PAGE_SORT.removeprefix("-")
    path = reverse("smartlists:detail", args=[smartlist.pk])
    return Prepared(path=f"{path}?after={encode(getattr(last, key), last.pk)}&page={before // PAGE_SIZE + 1}",
                    username=smartlist.owner.username)


# Pages are served from the page cache until the next write (crm/pagecache.py); a browser's hard
# reload asks for a fresh render, which is what the first visitor after a write waits for.
FRESH = "Cache-Control: no-cache"


def rendered_afresh(operation: Operation) -> Operation:
    return replace(operation, key=f"{operation.key}_fresh", label=f"{operation.label}, rendered afresh",
                   headers=(FRESH,))


PAGES = [
    Operation("contact_page", "Contact page, 120 monthly periods", PAGE, contact_page, (PAGE_TARGET,)),
    Operation("contact_list", "Contact list, a manager's team", PAGE, contact_list_team, (PAGE_TARGET,)),
    Operation("contact_search", f"Contact search ?q={SEARCH_TEXT}, a manager's team", PAGE, contact_search_team,
              (PAGE_TARGET,)),
    Operation("contact_list_all", "Contact list, admin (every contact)", PAGE, contact_list_all, (PAGE_TARGET,)),
    Operation("smartlist_page_1", "Smart list, ends within 90 days by MRR, page 1", PAGE, smartlist_page_1,
              targets=(PAGE_TARGET,)),
    Operation("smartlist_page_deep", "Smart list, ends within 90 days by MRR, middle page", PAGE,
              smartlist_page_deep, targets=(PAGE_TARGET,)),
    Operation("partner_dashboard", f"Partner dashboard, 100 customers, search ?q={PARTNER_SEARCH_TEXT}", PAGE,
              partner_dashboard, (PAGE_TARGET,)),
    Operation("partner_dashboard_all", "Partner dashboard, 100 customers, by deadline", PAGE,
              partner_dashboard_all, (PAGE_TARGET,)),
]

EXPORTS = [
    Operation("copy_contacts", "COPY baseline: every contact + MRR columns", COPY, copy_all_contacts),
    Operation("smartlist_copy", "COPY of the smart list's SQL, every contact", COPY, smartlist_copy),
    Operation("smartlist_export", "Smart list CSV export, every contact", EXPORT, smartlist_export,
              targets=(Target("smartlist_copy", 0.8), Target("import_export", 50))),
    Operation("import_export", "django-import-export, same queryset (100,000 rows)", EXPORT, import_export),
]

OPERATIONS = [
    Operation("floor", "Floor: minimal logged-in view", PAGE, floor),
    *(twin for page in PAGES for twin in (page, rendered_afresh(page))),
    *EXPORTS,
]
