"""What the bench measures, in the order it runs.

Each operation names how it is measured (`kind`) and the targets it is held to, and `prepare`
returns what to request (creating any rows it needs through the ORM). An operation whose app has
not landed yet has no `prepare` and says what it waits for: the table shows it as "not wired yet"
rather than leaving it out. Wiring one later is a `prepare` function and one line in OPERATIONS.
"""

import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass

from bench.generate import HISTORY_CONTACT_NAME, BenchError, manager_username, partner_username, rep_username
from bench.report import CHANGES, P95, PEAK_RSS, SELF, TIME, Target

PAGE = "page"  # requests/s over HTTP, wrk with one user's cookies
USERS = "users"  # requests/s over HTTP, many users at once (bench/mixed.py)
EXPORT = "export"  # rows/s over HTTP: rows / the median time of one download, one at a time
COPY = "copy"  # rows/s of COPY ... TO STDOUT read in-process through psycopg
WRITE = "write"  # rows/s of a write run in-process, each run rolled back (`Prepared.run`)
POSTS = "posts"  # requests/s over HTTP of POSTs that each make a row, wrk with one user's cookies (`Posting`)

SEARCH_TEXT = "ferreira"
PARTNER_SEARCH_TEXT = "acme"


@dataclass(frozen=True)
class Context:
    contacts: int
    today: datetime.date


@dataclass(frozen=True)
class Posting:
    """What each POST of a POSTS operation sends: `body` with each "{day}" a day no other request
    of the run used (bench/wrk_post.lua) and "{csrf}" the session's CSRF secret, as `content_type`;
    `answers`: the statuses of a POST that made its row."""

    body: str
    content_type: str
    answers: tuple[int, ...]


@dataclass(frozen=True)
class Prepared:
    path: str = ""  # PAGE and EXPORT: the URL to request
    username: str = ""  # PAGE and EXPORT: who requests it
    rows: int = 0  # EXPORT: rows in one response
    sql: str = ""  # COPY: the SELECT to copy out
    params: tuple = ()
    workload: object = None  # USERS: a bench.mixed.Workload
    run: Callable[[], int] | None = None  # WRITE: does the write once and returns the rows it changed
    # WRITE: the tables its rolled-back runs leave dead rows in, vacuumed before each run so that
    # every run (and every later bench) meets the same tables, not ones bloated by the runs before
    vacuum: tuple[str, ...] = ()
    # PAGE and POSTS: more request headers (an API token: `Authorization`), as (name, value) pairs
    headers: tuple[tuple[str, str], ...] = ()
    posting: Posting | None = None  # POSTS: what each request sends
    cleanup: Callable[[], None] | None = None  # POSTS: removes the rows the run made, once it is over


@dataclass(frozen=True)
class Serving:
    """How gunicorn serves an operation: `workers` processes of `worker_class`, `threads` each."""

    worker_class: str
    workers: int
    threads: int = 1

    def __str__(self) -> str:
        threads = f" x {self.threads} threads" if self.threads > 1 else ""
        return f"{self.workers} {self.worker_class} workers{threads}"


SYNC = Serving("sync", 2)  # as the Dockerfile runs it
GTHREAD = Serving("gthread", 2, 4)


@dataclass(frozen=True)
class Operation:
    key: str
    label: str
    kind: str
    prepare: Callable[[Context], Prepared] | None = None
    targets: tuple[Target, ...] = ()
    waits_for: str = ""  # why it is not wired yet
    serving: Serving = SYNC  # PAGE, USERS and EXPORT
    limit_of: str = ""  # the key of the page this operation is the limit of (bench/limits.py)
    queries_of: str = ""  # the key of the page whose limit's queries alone this operation runs

    @property
    def unit(self) -> str:
        return "req/s" if self.kind in (PAGE, USERS, POSTS) else "rows/s"


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


API_TOKEN_NAME = "bench"


def api_contact_list_team(context: Context) -> Prepared:
    """The REST API's contact list, 100 rows of manager 1's team, with a read token of theirs (a
    new one each run, the run before's removed)."""
    from api.models import ApiToken
    from api.tokens import token_create
    from crm.models import User

    manager = User.objects.get(username=manager_username(1))
    ApiToken.objects.filter(user=manager, name=API_TOKEN_NAME).delete()
    _token, plain = token_create(user=manager, name=API_TOKEN_NAME, scope="read")
    return Prepared(path="/api/v1/contacts/?limit=100", username=manager.username,
                    headers=(("Authorization", f"Bearer {plain}"),))


# A period added by each POST, to one contact of rep 1's: one day long, each on a day of its own,
# from 1900 on (long before any generated period), so none overlaps another. Both ways of adding
# one meet the same contact; the periods (and their audit rows) go when the operation is over.
BENCH_PERIOD = "bench: one POST, one period"


def _period_contact():
    from crm.models import Contact

    contact = Contact.objects.filter(owner__username=rep_username(1)).order_by("pk").first()
    _remove_bench_periods(contact)  # an interrupted run's
    return contact


def _remove_bench_periods(contact) -> None:
    """The periods a run of these operations added to `contact`, with their audit rows; its stored
    figures are then written again from what is left."""
    from crm.dates import today
    from subscriptions.models import Period, PeriodChange
    from subscriptions.summary import refresh_contacts

    Period.objects.filter(contact=contact, description=BENCH_PERIOD).delete()
    PeriodChange.objects.filter(contact=contact, new_values__description=BENCH_PERIOD).delete()
    refresh_contacts([contact.pk], today=today())


def period_create_form(context: Context) -> Prepared:
    """The subscription widget's "Add" form, posted without JavaScript (answered by a redirect to
    the contact page), by the contact's owner: a one-day period, its end given as a date."""
    from urllib.parse import quote_plus

    contact = _period_contact()
    fields = {"currency": "EUR", "mrr": "100.00", "price": "", "billing_frequency": "", "billing_every_months": "",
              "end": "on", "term_months": "", "description": quote_plus(BENCH_PERIOD)}
    body = "csrfmiddlewaretoken={csrf}&start_date={day}&end_date={day}&" + "&".join(f"{k}={v}" for k, v in fields.items())
    return Prepared(path=f"/subscriptions/contacts/{contact.pk}/periods/new/", username=contact.owner.username,
                    posting=Posting(body, "application/x-www-form-urlencoded", (302,)),
                    cleanup=lambda: _remove_bench_periods(contact))


def period_create_api(context: Context) -> Prepared:
    """The same period added through the REST API (`POST /api/v1/contacts/{id}/periods/`), with a
    read-and-write token of the same person (a new one each run, the run before's removed)."""
    from api.models import ApiToken
    from api.tokens import token_create

    contact = _period_contact()
    ApiToken.objects.filter(user=contact.owner, name=API_TOKEN_NAME).delete()
    _token, plain = token_create(user=contact.owner, name=API_TOKEN_NAME, scope="write")
    body = ('{"currency": "EUR", "mrr": "100.00", "start_date": "{day}", "end_date": "{day}", '
            f'"description": "{BENCH_PERIOD}"}}')
    return Prepared(path=f"/api/v1/contacts/{contact.pk}/periods/", username=contact.owner.username,
                    headers=(("Authorization", f"Bearer {plain}"),),
                    posting=Posting(body, "application/json", (201,)), cleanup=lambda: _remove_bench_periods(contact))


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


def _smartlist(name: str, columns: list[str], query: str = "", sort: str = "name", owner=None):
    from bench.generate import ADMIN_USERNAME
    from crm.models import User
    from smartlists.models import SmartList

    owner = owner or User.objects.get(username=ADMIN_USERNAME)
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
    smartlist = _smartlist(PAGE_LIST, PAGE_COLUMNS, PAGE_QUERY, PAGE_SORT)
    path = _middle_page(smartlist, context)
    if not path:
        raise BenchError(f"the list {PAGE_LIST!r} has a single page: generate more contacts")
    return Prepared(path=path, username=smartlist.owner.username)


def _middle_page(smartlist, context: Context) -> str:
    """The path of the list's middle page, or "" when it has only one."""
    from django.urls import reverse

    from smartlists.paging import PAGE_SIZE, encode

    listing = _listing(smartlist, context)
    queryset = listing.queryset
    count = queryset.count()
    if count <= PAGE_SIZE:
        return ""
    before = max(count // 2 // PAGE_SIZE, 1) * PAGE_SIZE  # rows on the pages before it
    last = queryset[before - 1]
    # the cursor carries every sort term (a money sort: the currency, then the amount)
    cursor = encode([getattr(last, key) for key, _descending in listing.order], last.pk)
    path = reverse("smartlists:detail", args=[smartlist.pk])
    return f"{path}?after={cursor}&page={before // PAGE_SIZE + 1}"


def pipeline(context: Context) -> Prepared:
    """Manager 1's pipeline: current and upcoming MRR per owner of their team."""
    return Prepared(path="/subscriptions/pipeline/", username=manager_username(1))


def movements_team(context: Context) -> Prepared:
    """Manager 1's MRR movements by month, the default 24 months: each rep of the team and the team."""
    return Prepared(path="/subscriptions/movements/", username=manager_username(1))


def movements_company(context: Context) -> Prepared:
    """The admin's MRR movements by month, the default 24 months: the whole company's, its stored
    rows brought up to date first, as the background task keeps them (freshly generated, every
    owner's are out of date: a report would say so rather than answer with figures)."""
    from bench.generate import ADMIN_USERNAME
    from subscriptions.tasks import refresh_stored_reports

    refresh_stored_reports()
    return Prepared(path="/subscriptions/movements/", username=ADMIN_USERNAME)


def layout_only(context: Context) -> Prepared:
    return Prepared(path="/bench/limits/layout/", username=rep_username(1))


def _limit(page: Callable[[Context], Prepared], prefix: str, limit_prefix: str) -> Callable[[Context], Prepared]:
    """The limit of `page`: the same user and URL parameters, at the limit's bench-only URL."""

    def prepare(context: Context) -> Prepared:
        prepared = page(context)
        if not prepared.path.startswith(prefix):
            raise BenchError(f"the page {prepared.path} has no limit under {limit_prefix}")
        return dataclasses.replace(prepared, path=limit_prefix + prepared.path.removeprefix(prefix))

    return prepare


def admin_changelist(context: Context) -> Prepared:
    """The peer of the list pages: Django's admin changelist of every contact, as the admin."""
    from bench.generate import ADMIN_USERNAME

    return Prepared(path="/admin/crm/contact/", username=ADMIN_USERNAME)


def admin_search(context: Context) -> Prepared:
    from bench.generate import ADMIN_USERNAME

    return Prepared(path=f"/admin/crm/contact/?q={SEARCH_TEXT}", username=ADMIN_USERNAME)


def floor_users(context: Context) -> Prepared:
    from bench import mixed

    return Prepared(workload=mixed.floor_workload())


def mixed_workload(context: Context) -> Prepared:
    from bench import mixed

    return Prepared(workload=mixed.mixed_workload(today=context.today, smartlist_paths=_smartlist_paths(context)))


def mixed_at_limits(context: Context) -> Prepared:
    """The mixed workload with each browsed page that has a limit (bench/limits.py) served by its
    limit: the same people, pages and changes, the essential work only. Its p95 against the floor's
    is the most the mixed target can get on this stack."""
    from bench import mixed

    workload = mixed.mixed_workload(today=context.today, smartlist_paths=_smartlist_paths(context))
    return Prepared(workload=mixed.browsing_through(workload, limit_path))


def limit_path(path: str) -> str:
    """`path` at its limit's URL, when one serves it (not a customer's page, which has none)."""
    from django.urls import Resolver404, resolve

    for prefix, limit_prefix in {(prefix, limit_prefix) for _page, prefix, limit_prefix in LIMIT_URLS}:
        if path.startswith(prefix):
            at_limit = limit_prefix + path.removeprefix(prefix)
            try:
                resolve(at_limit.split("?")[0], urlconf="bench.urls")
            except Resolver404:
                continue
            return at_limit
    return path


def _smartlist_paths(context: Context):
    """Each person's own copy of the page list (a rep's rows are their own contacts): page 1, and
    the middle page when there is more than one."""
    from django.urls import reverse

    from crm.models import User

    def paths(username: str) -> tuple[str, ...]:
        smartlist = _smartlist(PAGE_LIST, PAGE_COLUMNS, PAGE_QUERY, PAGE_SORT, owner=User.objects.get(username=username))
        first = reverse("smartlists:detail", args=[smartlist.pk])
        return (first, _middle_page(smartlist, context) or first)

    return paths


def _bulk_rows():
    """The admin's contact list unfiltered, "all matching", and the rep who becomes their owner."""
    from django.http import QueryDict

    from bench.generate import ADMIN_USERNAME
    from crm import bulk
    from crm.models import User

    admin = User.objects.get(username=ADMIN_USERNAME)
    matching = bulk.contact_list_matching(admin, None, QueryDict(""))
    rows = bulk.selection(matching, ids=[], all_matching=True)
    return admin, rows, User.objects.get(username=rep_username(1))


def _tables(*models: str) -> tuple[str, ...]:
    """The quoted tables of `models` ("app.Model"), and of their many-to-many fields."""
    from django.apps import apps
    from django.db import connection

    tables = []
    for label in models:
        meta = apps.get_model(label)._meta
        tables += [meta.db_table] + [field.remote_field.through._meta.db_table for field in meta.local_many_to_many]
    return tuple(connection.ops.quote_name(table) for table in tables)


# What a bulk owner change writes, and what an import writes: vacuumed before each run of either peer.
BULK_TABLES = ("crm.Contact", "crm.ContactChange")
IMPORT_TABLES = ("crm.Contact", "subscriptions.Period", "subscriptions.PeriodChange", "subscriptions.SubscriptionSummary",
                 "imports.ImportEntry")


def bulk_owner(context: Context) -> Prepared:
    """The product's bulk owner change of every matching contact: the visibility gate and filter,
    chunked set-based UPDATEs with one audit row per changed contact (crm.bulk.apply)."""
    from crm import bulk

    admin, rows, new_owner = _bulk_rows()
    plan = bulk.Plan(bulk.OWNER, owner=new_owner)
    return Prepared(run=lambda: bulk.apply(rows, plan, by=admin), vacuum=_tables(*BULK_TABLES))


def bulk_owner_sql(context: Context) -> Prepared:
    """The same rows changed by one plain `UPDATE ... SET owner_id`: no version, no audit."""
    from django.db import connection

    from crm.models import Contact

    _admin, rows, new_owner = _bulk_rows()
    selected_sql, selected_params = rows.exclude(owner=new_owner).values("pk").query.sql_with_params()
    table = connection.ops.quote_name(Contact._meta.db_table)

    def run() -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET owner_id = %s WHERE id IN ({selected_sql})",
                           [new_owner.pk, *selected_params])
            return cursor.rowcount

    return Prepared(run=run, vacuum=_tables(*BULK_TABLES))


# CSV import: N contacts (at most IMPORT_CONTACTS) and 2.5 periods each, imported by the admin.
IMPORT_CONTACTS = 100_000
IMPORT_PEER_CONTACTS = 10_000  # django-import-export saves row by row: its rows/s from the file's first rows
IMPORT_PREFIX = "bench-import"


def _import_contacts(context: Context) -> int:
    return min(context.contacts, IMPORT_CONTACTS)


def contacts_csv(count: int) -> bytes:
    """A contacts file whose rows no bench contact matches (their own external IDs and e-mails)."""
    owner = rep_username(1)
    lines = ["external_id,name,email,phone,kind,owner"]
    lines += [f"{IMPORT_PREFIX}-{i},Imported Person {i},{IMPORT_PREFIX}-{i}@import.example,+39 02 {i:07},person,{owner}"
              for i in range(count)]
    return ("\r\n".join(lines) + "\r\n").encode()


def periods_csv(count: int) -> bytes:
    """2.5 periods a contact of `contacts_csv(count)`: three yearly ones for even rows, two for odd ones."""
    lines = ["contact_external_id;currency;mrr;start_date;term_months"]
    for i in range(count):
        for year in range(2023 if i % 2 else 2022, 2025):
            lines.append(f"{IMPORT_PREFIX}-{i};EUR;{i % 500},50;{year}-01-01;12")
    return ("\r\n".join(lines) + "\r\n").encode()


def _uploaded_import(by, kind: str, name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from imports import services

    return services.import_create(by=by, kind=kind, upload=SimpleUploadedFile(name, content, content_type="text/csv"))


def csv_import(context: Context) -> Prepared:
    """The product's import of a contacts file then a periods file (all or nothing), as a background
    job runs it: checked, matched and written set-based in one transaction. Each run is rolled
    back, so every run creates every row again."""
    from bench.generate import ADMIN_USERNAME
    from crm.models import User
    from imports import services
    from imports.models import Import

    admin = User.objects.get(username=ADMIN_USERNAME)
    count = _import_contacts(context)
    imports = [
        _uploaded_import(admin, Import.Kind.CONTACTS, "bench-contacts.csv", contacts_csv(count)),
        _uploaded_import(admin, Import.Kind.PERIODS, "bench-periods.csv", periods_csv(count)),
    ]

    def run() -> int:
        rows = 0
        for imp in imports:
            Import.objects.filter(pk=imp.pk).update(status=Import.Status.PENDING, mode=Import.Mode.ALL_OR_NOTHING)
            done = services.import_run(import_id=imp.pk)
            if done.status != Import.Status.DONE or done.error_rows:
                raise BenchError(f"the bench import {imp.file_name} ended {done.status} ({done.errors[:3]})")
            rows += done.created_rows + done.updated_rows
        return rows

    return Prepared(run=run, vacuum=_tables(*IMPORT_TABLES))


def csv_import_peer(context: Context) -> Prepared:
    """django-import-export importing the same contacts file (its first rows), matching on the
    external ID, with its own transaction handling off (each run is rolled back)."""
    import tablib
    from import_export import fields, resources, widgets

    from crm.models import Contact, User

    class ContactResource(resources.ModelResource):
        owner = fields.Field(attribute="owner", column_name="owner", widget=widgets.ForeignKeyWidget(User, "username"))

        class Meta:
            model = Contact
            fields = ("external_id", "name", "email", "phone", "kind", "owner")
            import_id_fields = ("external_id",)

    count = min(_import_contacts(context), IMPORT_PEER_CONTACTS)
    text = contacts_csv(count).decode()

    def run() -> int:
        dataset = tablib.Dataset().load(text, format="csv")
        result = ContactResource().import_data(dataset, dry_run=False, raise_errors=True, use_transactions=False)
        return result.totals["new"] + result.totals["update"]

    return Prepared(run=run, vacuum=_tables(*IMPORT_TABLES))


# The targets, in one place. Pages: a share of the floor view's requests/s (a minimal logged-in
# view on the same stack), each page rendered afresh.
FLOOR_CONTACTS = Target("floor", 0.25)  # the contact page, the contact list and its search
FLOOR_LISTS = Target("floor", 0.15)  # the smart list's pages, the partner dashboard
FLOOR_PIPELINE = Target("floor", 0.2)
FLOOR_API_LIST = Target("floor", 0.3)  # the API's contact list, 100 rows
FLOOR_MOVEMENTS = Target("floor", 0.15)  # a team's MRR movements by month
FORM_POST = Target("period_create_form", 0.5)  # a period added through the API: within 2x the form's POST
ADMIN_PEER = Target("admin_changelist", 5)  # every list page against the admin's list
ADMIN_SEARCH_PEER = Target("admin_search", 5)
# Flat in data size: a page's time at 1,000,000 contacts within 1.25x of its time at 100,000
# (when that run is there: bench/reference.py).
FLAT_TIME = Target(SELF, 1.25, TIME, across_sizes=True)
EVERY_CHANGE_MADE = Target(SELF, 1, CHANGES)  # the mixed workload's changes: every one started is made
EXPORT_COPY = Target("smartlist_copy", 0.9)  # the export against COPY of its own SQL...
EXPORT_PEER = Target("import_export", 50)
FLAT_MEMORY = Target(SELF, 1.25, PEAK_RSS, across_sizes=True)  # ...with the workers' peak memory flat in size
BULK_PEER = Target("bulk_owner_sql", 0.5)
IMPORT_PEER = Target("csv_import_peer", 20)


def mixed_targets(floor_users: str) -> tuple[Target, ...]:
    """p95 within 4x the floor's p95 under the same client and server, every change made; the
    requests/s against the floor's, reported."""
    return (Target(floor_users, 4, P95), EVERY_CHANGE_MADE, Target(floor_users, 0))


# One operation per page, each a normal request of a returning browser (its session and CSRF
# cookies): what the product renders for it.
PAGES = [
    Operation("contact_page", "Contact page, 120 monthly periods", PAGE, contact_page, (FLOOR_CONTACTS, FLAT_TIME)),
    Operation("contact_list", "Contact list, a manager's team", PAGE, contact_list_team,
              (FLOOR_CONTACTS, ADMIN_PEER, FLAT_TIME)),
    Operation("contact_search", f"Contact search ?q={SEARCH_TEXT}, a manager's team", PAGE, contact_search_team,
              (FLOOR_CONTACTS, ADMIN_SEARCH_PEER, FLAT_TIME)),
    Operation("contact_list_all", "Contact list, admin (every contact)", PAGE, contact_list_all,
              (FLOOR_CONTACTS, ADMIN_PEER, FLAT_TIME)),
    Operation("smartlist_page_1", "Smart list, ends within 90 days by MRR, page 1", PAGE, smartlist_page_1,
              (FLOOR_LISTS, ADMIN_PEER, FLAT_TIME)),
    Operation("smartlist_page_deep", "Smart list, ends within 90 days by MRR, middle page", PAGE,
              smartlist_page_deep, (FLOOR_LISTS, ADMIN_PEER, FLAT_TIME)),
    Operation("partner_dashboard", f"Partner dashboard, 100 customers, search ?q={PARTNER_SEARCH_TEXT}", PAGE,
              partner_dashboard, (FLOOR_LISTS, FLAT_TIME)),
    Operation("partner_dashboard_all", "Partner dashboard, 100 customers, by deadline", PAGE,
              partner_dashboard_all, (FLOOR_LISTS, FLAT_TIME)),
    Operation("pipeline", "Pipeline, a manager's team", PAGE, pipeline, (FLOOR_PIPELINE, FLAT_TIME)),
    Operation("movements_team", "MRR movements by month, a manager's team, 24 months", PAGE, movements_team,
              (FLOOR_MOVEMENTS, FLAT_TIME)),
    # Its target is under 1 s in-process (`python -m bench.profile movements_company`); here, reported.
    Operation("movements_company", "MRR movements by month, admin (the company), 24 months", PAGE,
              movements_company, (Target("floor", 0), FLAT_TIME)),
]

# The REST API (a token, no session: the floor's session is still sent, and not read).
API = [
    Operation("api_contact_list", "API contact list, 100 rows of a manager's team", PAGE, api_contact_list_team,
              (FLOOR_API_LIST, FLAT_TIME)),
    Operation("period_create_form", "Add a period: the widget's form POST (peer)", POSTS, period_create_form),
    Operation("period_create_api", "Add a period: POST /api/v1/contacts/{id}/periods/", POSTS, period_create_api,
              (FORM_POST,)),
]

# Each page's limit (bench/limits.py) at the page's user and URL parameters, held to the page's
# floor target: a limit that misses it shows the target out of reach on this stack.
LIMIT_URLS = [  # (page, its URL's prefix, the limit's)
    ("contact_page", "/contacts/", "/bench/limits/contacts/"),
    ("contact_list", "/contacts/", "/bench/limits/contacts/"),
    ("contact_search", "/contacts/", "/bench/limits/contacts/"),
    ("smartlist_page_1", "/smartlists/", "/bench/limits/smartlists/"),
    ("smartlist_page_deep", "/smartlists/", "/bench/limits/smartlists/"),
    ("partner_dashboard", "/renewals/", "/bench/limits/renewals/"),
    ("partner_dashboard_all", "/renewals/", "/bench/limits/renewals/"),
    ("pipeline", "/subscriptions/pipeline/", "/bench/limits/pipeline/"),
    ("api_contact_list", "/api/v1/contacts/", "/bench/limits/api/contacts/"),
]


def _limit_operation(page: Operation, prefix: str, limit_prefix: str) -> Operation:
    floor_targets = tuple(target for target in page.targets if target.reference == "floor")
    return Operation(f"{page.key}_limit", f"{page.label} (limit)", PAGE, _limit(page.prepare, prefix, limit_prefix),
                     floor_targets, limit_of=page.key)


# The same limits answering with an empty body once their queries are read (bench/urls.py): what
# the page's reads alone leave of the target, whatever its markup.
QUERIES_ONLY = "/bench/limits/queries/"


def _queries_operation(page: Operation, prefix: str, limit_prefix: str) -> Operation:
    floor_targets = tuple(target for target in page.targets if target.reference == "floor")
    queries_prefix = limit_prefix.replace("/bench/limits/", QUERIES_ONLY, 1)
    return Operation(f"{page.key}_queries", f"{page.label} (its limit's queries alone)", PAGE,
                     _limit(page.prepare, prefix, queries_prefix), floor_targets, queries_of=page.key)


_PAGES_BY_KEY = {page.key: page for page in (*PAGES, *API)}
LIMITS = [
    # What the layout alone costs: an empty page on base.html, against the floor.
    Operation("layout_only", "Layout only: an empty page on base.html", PAGE, layout_only, (Target("floor", 0),)),
    *(_limit_operation(_PAGES_BY_KEY[key], prefix, limit_prefix) for key, prefix, limit_prefix in LIMIT_URLS),
    *(_queries_operation(_PAGES_BY_KEY[key], prefix, limit_prefix) for key, prefix, limit_prefix in LIMIT_URLS),
]

PEERS = [
    Operation("admin_changelist", "Django admin changelist, every contact (peer)", PAGE, admin_changelist),
    Operation("admin_search", f"Django admin changelist search ?q={SEARCH_TEXT} (peer)", PAGE, admin_search),
]

# The mixed workload served twice, with the same client: by sync workers as the Dockerfile runs
# them, and by threaded ones; each against the floor requested by the same people from the same server.
MIXED = [
    Operation("floor_users", f"Floor, the mixed workload's 20 users, {SYNC}", USERS, floor_users),
    Operation("mixed", f"Mixed workload: 20 users browsing, 5 changes/s, {SYNC}", USERS, mixed_workload,
              mixed_targets("floor_users")),
    Operation("mixed_limit", f"Mixed workload, each page at its limit (bench/limits.py), {SYNC}", USERS,
              mixed_at_limits, mixed_targets("floor_users")),
    Operation("floor_users_gthread", f"Floor, the mixed workload's 20 users, {GTHREAD}", USERS, floor_users,
              (Target("floor_users", 0),), serving=GTHREAD),
    Operation("mixed_gthread", f"Mixed workload: 20 users browsing, 5 changes/s, {GTHREAD}", USERS, mixed_workload,
              (*mixed_targets("floor_users_gthread"), Target("mixed", 0)), serving=GTHREAD),
]

EXPORTS = [
    Operation("copy_contacts", "COPY baseline: every contact + MRR columns", COPY, copy_all_contacts),
    Operation("smartlist_copy", "COPY of the smart list's SQL, every contact", COPY, smartlist_copy),
    Operation("smartlist_export", "Smart list CSV export, every contact", EXPORT, smartlist_export,
              targets=(EXPORT_COPY, EXPORT_PEER, FLAT_MEMORY)),
    Operation("import_export", "django-import-export, same queryset (100,000 rows)", EXPORT, import_export),
]

WRITES = [
    Operation("bulk_owner_sql", "Plain SQL UPDATE of the owner, every contact (peer)", WRITE, bulk_owner_sql),
    Operation("bulk_owner", "Bulk owner change of all matching contacts (audited)", WRITE, bulk_owner,
              targets=(BULK_PEER,)),
    Operation("csv_import_peer", "django-import-export import of the same contacts file (peer)", WRITE, csv_import_peer),
    Operation("csv_import", "CSV import, N contacts + 2.5N periods (N at most 100,000)", WRITE, csv_import,
              targets=(IMPORT_PEER,)),
]

OPERATIONS = [
    Operation("floor", "Floor: minimal logged-in view", PAGE, floor),
    *PAGES,
    *API,
    *LIMITS,
    *PEERS,
    *MIXED,
    *EXPORTS,
    *WRITES,
]

# {page key: its limit's key}, for the report's section on limits
PAGE_LIMITS = {operation.limit_of: operation.key for operation in LIMITS if operation.limit_of}
PAGE_QUERIES = {operation.queries_of: operation.key for operation in LIMITS if operation.queries_of}
