"""Each page's limit (bench/limits.py) shows what its page shows, to the same user at the same URL
parameters, and applies the same visibility gate; the report says whether a limit reaches its target."""

import re
from html.parser import HTMLParser

import pytest

from bench.operations import API, LIMIT_URLS, LIMITS, OPERATIONS, PAGE, PAGE_LIMITS, PAGE_QUERIES, Context
from bench.report import Result, Target, limits_markdown, ratios


class VisibleText(HTMLParser):
    """The words a reader sees in a page's <main>: not what is hidden (the `hidden` attribute,
    .visually-hidden, <noscript>), nor a closed <details> beyond its <summary>; a table row's
    actions cell only by its words (the page's row menu and the limit's link say the same)."""

    SKIPPED = {"noscript", "script", "style"}
    VOID = {"input", "br", "img", "link", "meta", "hr", "line", "path", "circle"}

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, bool, dict]] = []  # (tag, hides its content, its attributes)
        self.in_main = False
        self.words: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self.in_main = True
        if tag in self.VOID:
            return
        in_closed_details = bool(self.stack) and self.stack[-1][0] == "details" and "open" not in self.stack[-1][2]
        hides = (tag in self.SKIPPED or "hidden" in attrs or "visually-hidden" in (attrs.get("class") or "").split()
                 or (in_closed_details and tag != "summary"))
        self.stack.append((tag, hides, attrs))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        while self.stack:
            if self.stack.pop()[0] == tag:
                break
        if tag == "main":
            self.in_main = False

    def handle_data(self, data):
        if self.in_main and not any(hides for _tag, hides, _attrs in self.stack):
            self.words += data.split()


def visible_words(html: bytes) -> list[str]:
    parser = VisibleText()
    parser.feed(html.decode())
    return parser.words


def row_ids(html: bytes) -> set[str]:
    """The contacts a page links to, and the periods and contract changes its rows are."""
    return set(re.findall(r'href="/contacts/(\d+)/"|id="((?:period|change)-\d+)"', html.decode()))


@pytest.fixture
def bench_data(db):
    from bench.generate import ensure_data
    from crm.dates import today
    from subscriptions.summary import refresh_stale

    ensure_data(contacts=2000)
    refresh_stale(today=today())  # as the bench does before it measures
    return Context(contacts=2000, today=today())


@pytest.mark.urls("bench.urls")
def test_each_limit_shows_its_pages_visible_text_and_rows_to_the_same_user(bench_data, client):
    from crm.models import User

    operations = {operation.key: operation for operation in OPERATIONS}
    for page_key, limit_key in PAGE_LIMITS.items():
        if page_key in API_KEYS:
            continue  # JSON: test_the_api_limit_answers_the_endpoints_json
        page, limit = operations[page_key].prepare(bench_data), operations[limit_key].prepare(bench_data)
        assert (page.username, limit.path.removeprefix("/bench/limits")) == (limit.username, _product_path(page.path))
        client.force_login(User.objects.get(username=page.username))
        shown, limited = client.get(page.path), client.get(limit.path)
        assert (shown.status_code, limited.status_code) == (200, 200), page_key
        assert visible_words(limited.content) == visible_words(shown.content), page_key
        assert row_ids(limited.content) == row_ids(shown.content), page_key
        assert row_ids(shown.content), page_key  # rows were compared


@pytest.mark.urls("bench.urls")
def test_each_limits_queries_alone_read_what_the_limit_reads_and_answer_nothing(bench_data, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from crm.models import User

    operations = {operation.key: operation for operation in OPERATIONS}
    for page_key, queries_key in PAGE_QUERIES.items():
        limit, alone = operations[PAGE_LIMITS[page_key]].prepare(bench_data), operations[queries_key].prepare(bench_data)
        assert alone.path == limit.path.replace("/bench/limits/", "/bench/limits/queries/")
        assert alone.username == limit.username
        client.force_login(User.objects.get(username=limit.username))
        headers = dict(alone.headers)  # the API's token: each prepare makes a new one, the one before removed
        client.get(limit.path, headers=headers)  # once, so that both find the same first-request work done
        with CaptureQueriesContext(connection) as limit_reads:
            assert client.get(limit.path, headers=headers).status_code == 200
        with CaptureQueriesContext(connection) as reads:
            response = client.get(alone.path, headers=headers)
        assert (response.status_code, response.content) == (200, b""), page_key
        assert _statements(reads) == _statements(limit_reads), page_key


API_KEYS = {operation.key for operation in API}


@pytest.mark.urls("bench.urls")
def test_the_api_limit_answers_the_endpoints_json(bench_data, client):
    """The same rows, in the same order, with the same next page (at the limit's own URL), to the
    same token; a parameter the limit does not apply is refused, and no token is a 401."""
    operations = {operation.key: operation for operation in OPERATIONS}
    page = operations["api_contact_list"].prepare(bench_data)
    limit = operations["api_contact_list_limit"].prepare(bench_data)  # a new token, the page's removed
    token = dict(limit.headers)
    assert (page.path, limit.path) == ("/api/v1/contacts/?limit=100", "/bench/limits/api/contacts/?limit=100")
    shown, limited = client.get(page.path, headers=token).json(), client.get(limit.path, headers=token).json()
    assert len(shown["results"]) == 100 and limited["results"] == shown["results"]
    assert limited["next"].replace("/bench/limits/api/contacts/", "/api/v1/contacts/") == shown["next"]
    assert client.get("/bench/limits/api/contacts/?q=a", headers=token).status_code == 400
    assert client.get(limit.path).status_code == 401


def _statements(captured) -> list[str]:
    """The statements run, their literal values (a session's expiry moves with the clock) and
    server-side cursors' names left out."""
    return [re.sub(r'"_django_curs_\w+"', "cursor", re.sub(r"'[^']*'", "?", query["sql"])) for query in captured]


def _product_path(path: str) -> str:
    """The page's path as its limit's URL spells it under /bench/limits (the pipeline's is shorter)."""
    return path.replace("/subscriptions/pipeline/", "/pipeline/")


@pytest.mark.urls("bench.urls")
def test_a_reps_limits_show_only_their_own_contacts(rep, outsider_contact, contact, client, subscriptions_on):
    client.force_login(rep)
    for path in ("/bench/limits/contacts/", "/bench/limits/contacts/?q=o", "/bench/limits/pipeline/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert outsider_contact.name not in response.content.decode(), path
    assert contact.name in client.get("/bench/limits/contacts/").content.decode()
    assert client.get(f"/bench/limits/contacts/{outsider_contact.pk}/").status_code == 404
    assert client.get(f"/bench/limits/contacts/{contact.pk}/").status_code == 200
    refused = client.get("/bench/limits/contacts/?kind=person")  # a filter it does not apply: never other rows
    assert refused.status_code == 400 and b"not kind" in refused.content


@pytest.mark.urls("bench.urls")
def test_limits_keep_the_pages_login_and_roles(rep, partner, client):
    assert client.get("/bench/limits/layout/").status_code == 302  # to log in, as the floor
    client.force_login(partner)
    assert client.get("/bench/limits/contacts/").status_code == 404  # vendor staff only, as the page
    assert client.get("/bench/limits/layout/").status_code == 200
    client.force_login(rep)
    assert client.get("/bench/limits/renewals/").status_code == 404  # partners only


def test_the_product_has_no_limit_urls(client, rep):
    client.force_login(rep)
    assert client.get("/bench/limits/layout/").status_code == 404


def test_every_limit_follows_its_page_and_is_held_to_its_floor_target():
    keys = [operation.key for operation in OPERATIONS]
    assert {key for key, _prefix, _limit in LIMIT_URLS} == set(PAGE_LIMITS) == {
        "contact_page", "contact_list", "contact_search", "smartlist_page_1", "smartlist_page_deep",
        "partner_dashboard", "partner_dashboard_all", "pipeline", "api_contact_list",
    }
    assert keys.index("layout_only") > keys.index("pipeline")  # right after the pages
    assert set(PAGE_QUERIES) == set(PAGE_LIMITS)
    for operation in LIMITS:
        assert operation.kind == PAGE
        if operation.limit_of or operation.queries_of:
            page = OPERATIONS[keys.index(operation.limit_of or operation.queries_of)]
            assert operation.targets == tuple(target for target in page.targets if target.reference == "floor")
    assert LIMITS[0].targets == (Target("floor", 0),)


def test_the_report_says_whether_each_limit_reaches_its_pages_target():
    floor = Target("floor", 0.25)
    results = [
        Result("floor", "Floor", "req/s", rate=1000),
        Result("page", "A page", "req/s", rate=130, targets=(floor,)),
        Result("page_limit", "A page (limit)", "req/s", rate=200, targets=(floor,)),
        Result("other", "Another page", "req/s", rate=200, targets=(floor,)),
        Result("other_limit", "Another page (limit)", "req/s", rate=400, targets=(floor,)),
    ]
    table = limits_markdown(results, ratios(results), {"page": "page_limit", "other": "other_limit"})
    assert "| A page | >= 0.25x floor | 0.13x | 0.20x | n/a | no, -20%: the target is out of reach on this stack |" in table
    assert "| Another page | >= 0.25x floor | 0.20x | 0.40x | n/a | yes: the page can reach it |" in table
    missing = limits_markdown(results[:2], ratios(results[:2]), {"page": "page_limit"})
    assert "| A page | >= 0.25x floor | 0.13x | n/a | n/a | not measured |" in missing
    alone = [*results, Result("page_queries", "A page (queries)", "req/s", rate=240, targets=(floor,)),
             Result("other_queries", "Another page (queries)", "req/s", rate=600, targets=(floor,))]
    table = limits_markdown(alone, ratios(alone), {"page": "page_limit", "other": "other_limit"},
                            {"page": "page_queries", "other": "other_queries"})
    assert ("| A page | >= 0.25x floor | 0.13x | 0.20x | 0.24x | no, -20%: the target is out of reach on this stack "
            "(its queries alone miss it by -4%) |") in table
    assert "| Another page | >= 0.25x floor | 0.20x | 0.40x | 0.60x | yes: the page can reach it |" in table
