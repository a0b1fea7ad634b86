"""The CSV export: the page's rows in full, formatted in SQL, written by PostgreSQL's COPY."""

import csv
import datetime
import io
import tracemalloc
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.http import QueryDict
from django.db.models import DecimalField, IntegerField, Value
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import urlencode
from hypothesis import given, strategies as st

from bench.customers import add_customers
from crm import fields
from crm.fields import ContactField
from crm.models import Contact
from smartlists.export import csv_chunks
from smartlists.queries import listing
from subscriptions.summary import is_fresh, rebuild
from tests.factories import ContactFactory, OrganisationFactory
from tests.smartlists.conftest import TODAY, days, period, smartlist

pytestmark = pytest.mark.django_db

ALL_COLUMNS = [
    "name", "kind", "organisation_name", "owner_name", "email", "tags_text", "current_mrr", "current_currency",
    "current_end", "upcoming_mrr", "upcoming_start", "upcoming_direction", "remaining_value",
]


def export(client, sl, **params):
    response = client.get(reverse("smartlists:export", args=[sl.pk]) + ("?" + urlencode(params) if params else ""))
    assert response.status_code == 200, response.content[:500]
    return response, b"".join(response.streaming_content)


def parse(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))


class TableParser(HTMLParser):
    """The text of the list table's headings and body cells."""

    def __init__(self):
        super().__init__()
        self.headings, self.rows, self._cell, self._in, self._hidden = [], [], None, None, False

    def handle_starttag(self, tag, attrs):
        if tag == "span" and (("class", "visually-hidden") in attrs or ("aria-hidden", "true") in attrs):
            self._hidden = True  # a sort link's words for screen readers, or its arrow: not the heading
        elif tag in ("thead", "tbody", "tfoot"):
            self._in = tag
        elif tag == "tr" and self._in == "tbody":
            self.rows.append([])
        elif tag in ("td", "th") and self._in in ("thead", "tbody"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "span":
            self._hidden = False
        elif tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).strip()
            (self.headings if self._in == "thead" else self.rows[-1]).append(text)
            self._cell = None
        elif tag in ("thead", "tbody", "tfoot"):
            self._in = None

    def handle_data(self, data):
        if self._cell is not None and not self._hidden:
            self._cell.append(data)


def page_table(client, sl, **params):
    """Every page of the list, walked as a user would: its headings and all its rows."""
    headings, rows, number = None, [], 1
    while True:
        response = client.get(reverse("smartlists:detail", args=[sl.pk]) + "?" + urlencode({**params, "page": number}))
        assert response.status_code == 200
        table = TableParser()
        table.feed(response.text)
        headings = table.headings
        rows += [row for row in table.rows if row != ["No contacts match."]]
        if f"Page {number} of" not in response.text or f"Page {number} of {number}<" in response.text:
            return headings, rows
        number += 1


def as_shown(kinds, csv_row):
    """A CSV row as the (English) page shows it: dates in the locale, decimals with two places."""
    shown = []
    for kind, cell in zip(kinds, csv_row, strict=True):
        if cell and kind == "date":
            cell = date_format(datetime.date.fromisoformat(cell), "SHORT_DATE_FORMAT")
        shown.append(cell)
    return shown


@pytest.fixture
def customers(admin_user, manager, rep, outsider, subscriptions_on):
    """Customers of everyone, enough for two pages, with every kind of value and awkward names."""
    org = OrganisationFactory(owner=rep, name="Società Ünïcode, S.p.A.")
    names = ['José "Pepe" Álvarez', "Zoë, O'Neill", "Line\nbreak Ltd", "Ñandú Ltda.", "Émile Zola"]
    for i in range(60):
        owner = [rep, manager, outsider, admin_user][i % 4]
        contact = ContactFactory(owner=owner, name=f"{names[i % len(names)]} {i:02}", organisation=org if i % 3 == 0 else None)
        if i % 5 == 0:
            contact.tags.create(name=f"tag-{i}")
        if i % 2 == 0:
            period(contact, f"{10 + i}.50", days(-30), days(i * 3), currency="EUR")
        if i % 4 == 0:
            period(contact, f"{20 + i}.25", days(i * 3 + 1), days(i * 3 + 365))
    return org


@pytest.mark.parametrize("role", ["admin", "manager", "rep"])
def test_export_equals_the_pages_rows_in_full_for_each_role(client_as, request, rep, customers, role, settings):
    settings.CRM_CURRENCY = "EUR"
    user = request.getfixturevalue({"admin": "admin_user"}.get(role, role))
    sl = smartlist(rep, shared=True, columns=ALL_COLUMNS, sort="-current_mrr")
    client = client_as(user)
    headings, rows = page_table(client, sl)
    _, content = export(client, sl)
    csv_rows = parse(content)
    assert csv_rows[0] == headings
    kinds = [fields.get(key).kind for key in ALL_COLUMNS]
    assert [as_shown(kinds, row) for row in csv_rows[1:]] == rows
    # ...and those are exactly the contacts this user may see.
    assert len(rows) == Contact.objects.visible_to(user).count() > 0


@pytest.mark.parametrize(
    "params",
    [{"ends_within_days": "90", "sort": "-current_end"}, {"tag": "tag-0", "kind": "person", "sort": "upcoming_direction"}],
    ids=["ends within", "tag (distinct rows)"],
)
def test_export_follows_the_pages_filters_and_sort(client_as, rep, customers, params):
    if "ends_within_days" in params:  # the rep's customers above are all renewed without a gap: not ending
        for name in ("Lapsing A", "Lapsing B"):
            period(ContactFactory(owner=rep, name=name), "5.00", days(-30), days(20))
    sl = smartlist(rep, columns=["name", "current_end", "current_mrr", "kind", "upcoming_direction"])
    client = client_as(rep)
    headings, rows = page_table(client, sl, **params)
    _, content = export(client, sl, **params)
    assert [as_shown(["text", "date", "money", "choice", "choice"], row) for row in parse(content)[1:]] == rows
    assert len(rows) >= (2 if "ends_within_days" in params else 1)


@pytest.fixture
def signed_fields(monkeypatch):
    """Two numeric registry fields whose values are negative: numbers a spreadsheet must keep."""
    balance = ContactField(
        key="balance", label="Balance", kind="money",
        expression=lambda today: Value(Decimal("-12.50"), output_field=DecimalField(max_digits=12, decimal_places=2)),
    )
    delta = ContactField(key="delta", label="Delta", kind="number", expression=lambda today: Value(-7, output_field=IntegerField()))
    monkeypatch.setitem(fields._fields, "balance", balance)
    monkeypatch.setitem(fields._fields, "delta", delta)


FORMULAS = ["=SUM(A1:A9)", "+41 22 000", "-2+3", "@cmd", "\tTabbed", "\rReturned", "Plain", "a=b",
            "\uff1dSUM(A1)", "\uff0b1", "\uff0d1", "\uff20cmd", "\n=1+1", "  =1+1", " \t@cmd", "  spaced plain"]


def test_formula_cells_are_neutralised_and_numbers_stay_numbers(client_as, rep, signed_fields):
    for name in FORMULAS:
        ContactFactory(owner=rep, name=name, email="", phone="-5")
    sl = smartlist(rep, columns=["name", "balance", "delta", "phone", "email"], sort="name")
    _, content = export(client_as(rep), sl)
    rows = parse(content)
    assert rows[0] == ["Name", "Balance", "Delta", "Phone", "E-mail"]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {
        "'=SUM(A1:A9)", "'+41 22 000", "'-2+3", "'@cmd", "'\tTabbed", "'\rReturned", "Plain", "a=b",
        "'\uff1dSUM(A1)", "'\uff0b1", "'\uff0d1", "'\uff20cmd", "'\n=1+1", "'  =1+1", "' \t@cmd", "  spaced plain",
    }
    for row in rows[1:]:
        assert row[1:] == ["-12.50", "-7", "'-5", ""]  # numbers untouched; a text "-5" is text


def test_round_trip_of_awkward_names_through_the_csv_module(client_as, rep):
    awkward = ['José "Pepe" Álvarez', "Zoë, O'Neill", "Line\nbreak\r\nLtd", "Ñandú, \"Ltda.\"", "日本語 テスト", "  spaced  "]
    for name in awkward:
        ContactFactory(owner=rep, name=name)
    sl = smartlist(rep, columns=["name", "email"])
    _, content = export(client_as(rep), sl)
    assert sorted(row[0] for row in parse(content)[1:]) == sorted(awkward)


SIGNS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _neutralised(text):
    runs = text[:1] in (*SIGNS, "\t", "\r", "\n") or (text[:1] == " " and text.lstrip(" \t\r\n")[:1] in SIGNS)
    return "'" + text if runs else text


@given(names=st.lists(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=30), min_size=1, max_size=5))
def test_any_name_round_trips_and_is_quoted_as_the_csv_module_quotes(client_as, rep, names):
    Contact.objects.all().delete()
    Contact.objects.bulk_create(Contact(owner=rep, name=name) for name in names)
    sl = smartlist(rep, columns=["name"], sort="name")
    _, content = export(client_as(rep), sl)
    rows = parse(content)
    assert sorted(row[0] if row else "" for row in rows[1:]) == sorted(_neutralised(name) for name in names)
    assert content == as_the_csv_module_writes(rows)


def as_the_csv_module_writes(rows) -> bytes:
    """`rows` quoted by `csv.writer`, each line ending with LF: the bytes COPY writes.

    The writer ends lines with CRLF only so that it quotes any field holding a CR or an LF, as
    COPY does.
    """
    out, lines = io.StringIO(), []
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        if row == ["\\."]:
            lines.append('"\\."\n')  # COPY quotes its end-of-data marker when it stands alone
            continue
        writer.writerow(row)
        lines.append(out.getvalue()[:-2] + "\n")
        out.seek(0)
        out.truncate()
    return "".join(lines).encode()


def csv_output(user, sl):
    """The list's CSV as `csv_chunks` writes it."""
    result = listing(user=user, columns=sl.columns, params=QueryDict(), sort=sl.sort, today=TODAY)
    return b"".join(csv_chunks(result.queryset, result.columns))


GOLDEN = (
    "Name,Current MRR,Subscription end date,MRR status,Tags,Kind\n"
    "'=cmd,,,,,Person\n"
    "\"Ann, \"\"the\"\" first\",100.00,2026-12-31,Up,\"alpha, beta\",Person\n"
    "\"Multi\nline\",0.50,2026-11-30,Ending,,Organisation\n"
    "Zed,,,,,Person\n"
).encode()


@pytest.mark.parametrize("stored", [False, True], ids=["computed", "stored summaries"])
def test_the_csv_is_these_exact_bytes(rep, subscriptions_on, stored):
    ann = ContactFactory(owner=rep, name='Ann, "the" first')
    ann.tags.create(name="beta")
    ann.tags.create(name="alpha")
    period(ann, "100", days(-10), datetime.date(2026, 12, 31))
    period(ann, "120", datetime.date(2027, 1, 1))
    multi = OrganisationFactory(owner=rep, name="Multi\nline")
    period(multi, "0.5", days(-10), days(8))
    ContactFactory(owner=rep, name="Zed")
    ContactFactory(owner=rep, name="=cmd")
    if stored:  # the MRR columns are then the summary's numeric(12, 2) ones, written without ROUND
        rebuild(today=TODAY)
        assert is_fresh(TODAY)
    sl = smartlist(rep, columns=["name", "current_mrr", "current_end", "upcoming_direction", "tags_text", "kind"])
    assert csv_output(rep, sl) == GOLDEN


def test_dates_are_iso_whatever_the_servers_date_style(rep, subscriptions_on):
    """The export writes a date's own text output: the server's other styles must not reach the file."""
    ann = ContactFactory(owner=rep, name="Ann")
    period(ann, "100", days(-10), datetime.date(2026, 12, 31))
    sl = smartlist(rep, columns=["name", "current_end"])
    with connection.cursor() as cursor:
        cursor.execute("SET DateStyle TO 'SQL, DMY'")
        try:
            assert csv_output(rep, sl) == b"Name,Subscription end date\nAnn,2026-12-31\n"
        finally:
            cursor.execute("RESET DateStyle")


def test_single_column_with_empty_values_and_the_copy_end_marker(rep):
    ContactFactory(owner=rep, name="\\.", email="")
    ContactFactory(owner=rep, name="b", email="")
    ContactFactory(owner=rep, name="c", email="x@example.com")
    sl = smartlist(rep, columns=["email"], sort="name")
    assert csv_output(rep, sl) == b"E-mail\n\n\nx@example.com\n"
    sl = smartlist(rep, columns=["name"], sort="name")
    assert csv_output(rep, sl) == b'Name\n"\\."\nb\nc\n'


def test_bom_option_and_file_name(client_as, rep):
    ContactFactory(owner=rep, name="Ann")
    sl = smartlist(rep, name="Rinnovi: Q1/2027", columns=["name"])
    client = client_as(rep)
    response, content = export(client, sl)
    assert not content.startswith(b"\xef\xbb\xbf") and content.startswith(b"Name\n")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="rinnovi-q12027-2026-11-22.csv"'
    _, with_bom = export(client, sl, bom="1")
    assert with_bom == b"\xef\xbb\xbf" + content


def test_export_of_an_invisible_list_is_404(client_as, rep, outsider):
    sl = smartlist(rep, shared=True)
    assert client_as(outsider).get(reverse("smartlists:export", args=[sl.pk])).status_code == 404


def _peak_while_exporting(client, sl) -> tuple[int, int]:
    tracemalloc.start()
    tracemalloc.reset_peak()
    response = client.get(reverse("smartlists:export", args=[sl.pk]))
    size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, size


def test_memory_does_not_grow_with_rows(client_as, rep, subscriptions_on, settings):
    """50,000 rows take no measurably more memory than 5,000: the file is streamed, never held."""
    settings.SMARTLIST_EXPORT_ASYNC_ROWS = 1_000_000
    sl = smartlist(rep, columns=["name", "email", "current_mrr", "current_end", "upcoming_direction"])
    client = client_as(rep)
    _peak_while_exporting(client, sl)  # warm up: first-use imports and caches are not the export's

    add_customers(owner=rep, count=5_000, start=days(-30), end=days(60))
    small_peak, small_size = _peak_while_exporting(client, sl)
    add_customers(owner=rep, count=45_000, start=days(-30), end=days(60))
    large_peak, large_size = _peak_while_exporting(client, sl)
    assert large_size > 9 * small_size
    # A chunk is 64 KiB; allow a few of them and nothing that grows with the rows.
    assert large_peak - small_peak < 256 * 1024, (small_peak, large_peak)


def test_an_abandoned_export_leaves_the_connection_usable(rep):
    for i in range(1500):
        ContactFactory(owner=rep, name=f"Customer {i:04} " + "x" * 60)
    sl = smartlist(rep, columns=["name", "email"])
    result = listing(user=rep, columns=sl.columns, params=QueryDict(), sort=sl.sort, today=TODAY)
    chunks = csv_chunks(result.queryset, result.columns)
    assert 64 * 1024 <= len(next(chunks)) < 80 * 1024
    chunks.close()  # the browser went away half-way: the COPY ends, then its transaction
    assert Contact.objects.filter(owner=rep).count() == 1500
