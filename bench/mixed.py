"""The mixed workload: a team using the product at once.

Twenty people, each with a session of their own (reps of several teams, managers and a partner),
browse a mix of pages (contact list, contact pages, a search, their smart list, the pipeline; the
partner their renewals dashboard and customers), one request after another without pause, while
two other people make 5 changes a second through the product's own forms: each change GETs the
form, POSTs it with the CSRF token the form carries, and follows the redirect to the contact page,
as a browser does. A change starts on time whether or not earlier ones have finished (at most
`MOST_CHANGES_AT_ONCE` at once).

The client is Python threads, one per browsing person, each with its own keep-alive connection
(gunicorn's sync workers close it after each response and http.client opens it again; its gthread
workers keep it). The same client loads either server. Every loop
stops at its deadline and after `MOST_REQUESTS`; everything stays on 127.0.0.1.
"""

import datetime
import http.client
import http.cookies
import re
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from bench.generate import BenchError, manager_username, partner_username, rep_username

USERS = 20
CHANGES_PER_SECOND = 5
MOST_REQUESTS = 100_000  # per person and run: a bound, far above what a run reaches
MOST_CHANGES_AT_ONCE = 10
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Change:
    """One change made through a form: GET `form_path`, POST `data` (+ the CSRF token and the
    version the form carries), follow the redirect. Every other round posts `undo` instead, which
    puts the first value back."""

    form_path: str
    data: tuple[tuple[str, str], ...]
    undo: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Person:
    username: str
    paths: tuple[str, ...] = ()  # browsed in turn, from a different start for each person
    changes: tuple[Change, ...] = ()  # made in turn, CHANGES_PER_SECOND / writers a second each


@dataclass(frozen=True)
class Workload:
    browsers: tuple[Person, ...]
    writers: tuple[Person, ...] = ()


# Who: reps from 13 teams, managers of 6 teams, and partner 1 browse; a rep and a manager of
# other teams write. Rep r owns contacts from 10 r - 9 on, so 2,000 contacts give each of them some.
BROWSING_REPS = [rep_username(1 + 10 * team) for team in range(13)]
BROWSING_MANAGERS = [manager_username(team) for team in range(1, 7)]
BROWSING_PARTNER = partner_username(1)
WRITERS = [rep_username(191), manager_username(18)]


def floor_workload() -> Workload:
    """The floor view, requested by the same twenty people with the same client."""
    return Workload(browsers=tuple(Person(username, ("/bench/floor/",)) for username in _browsing_usernames()))


def mixed_workload(*, today: datetime.date, smartlist_paths) -> Workload:
    """`smartlist_paths(username)` gives the person's smart list pages (page 1 and a deeper one)."""
    from crm.models import Contact, User

    browsers = []
    for username in _browsing_usernames():
        user = User.objects.get(username=username)
        if user.is_partner:
            browsers.append(Person(username, _partner_paths(user)))
            continue
        contacts = [f"/contacts/{pk}/" for pk in Contact.objects.visible_to(user).order_by("pk").values_list("pk", flat=True)[:3]]
        if len(contacts) < 3:
            raise BenchError(f"{username} sees fewer than 3 contacts: the mixed workload needs more data")
        pages = smartlist_paths(username)
        browsers.append(Person(username, (
            "/contacts/", contacts[0], "/contacts/?q=ferreira", contacts[1], pages[0], "/subscriptions/pipeline/",
            contacts[2], pages[-1],
        )))
    writers = tuple(Person(username, changes=_changes(User.objects.get(username=username), today)) for username in WRITERS)
    return Workload(browsers=tuple(browsers), writers=writers)


def browsing_through(workload: Workload, path_of) -> Workload:
    """The same workload with each browsed path `p` requested as `path_of(p)`; the changes as they are."""
    browsers = tuple(replace(person, paths=tuple(path_of(path) for path in person.paths))
                     for person in workload.browsers)
    return replace(workload, browsers=browsers)


def _browsing_usernames() -> list[str]:
    return [*BROWSING_REPS, *BROWSING_MANAGERS, BROWSING_PARTNER]


def _partner_paths(user) -> tuple[str, ...]:
    from renewals.models import CustomerAccount

    customers = [f"/renewals/customers/{pk}/" for pk in
                 CustomerAccount.objects.visible_to(user).order_by("pk").values_list("pk", flat=True)[:2]]
    return ("/renewals/", *customers, "/renewals/?q=acme")


def _changes(user, today: datetime.date) -> tuple[Change, ...]:
    """Alternately a contact's phone through the contact form and a current period's description
    through the period form, over the writer's first contacts."""
    from crm.forms import ContactForm
    from crm.models import Contact
    from subscriptions.forms import PeriodForm
    from subscriptions.models import Period

    changes = []
    contacts = Contact.objects.visible_to(user).order_by("pk")[:10]
    periods = Period.objects.visible_to(user).current(on=today).order_by("contact_id")[:10]
    if not contacts or not periods:
        raise BenchError(f"{user.username} has no contacts or no current periods to change")
    for turn, (contact, period) in enumerate(zip(contacts, periods, strict=False)):
        undo = _form_data(ContactForm(instance=contact, user=user))
        data = {**undo, "phone": f"+39 0{turn:02d} 555 0100"}
        changes.append(Change(f"/contacts/{contact.pk}/edit/", tuple(data.items()), tuple(undo.items())))
        undo = _form_data(PeriodForm(instance=period))
        undo.pop("version")  # read from the form each time: every save bumps it
        undo["description"] = undo["description"].split(EDITED)[0]
        data = {**undo, "description": f"{undo['description']}{EDITED}{turn})"}
        changes.append(Change(f"/subscriptions/periods/{period.pk}/edit/", tuple(data.items()), tuple(undo.items())))
    return tuple(changes)


EDITED = " (edited "


def _form_data(form) -> dict[str, str]:
    """What a browser submits for the unchanged form: each field's initial value as the widget shows it."""
    data = {}
    for bound in form:
        value = bound.field.prepare_value(bound.value())
        if isinstance(value, datetime.date):
            value = value.isoformat()
        data[bound.name] = "" if value is None else str(value)
    return data


# The client ---------------------------------------------------------------------------------------


@dataclass
class Timings:
    """Seconds each request took, by what it was for, and what went wrong."""

    browsing: list[float] = field(default_factory=list)
    writing: list[float] = field(default_factory=list)  # a whole change: form, POST, redirect
    changes_started: int = 0
    changes_made: int = 0  # of those started: the ones whose form, POST and redirect all answered
    errors: int = 0
    first_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def failed(self, what: str) -> None:
        self.errors += 1
        if len(self.first_errors) < 3:
            self.first_errors.append(what)


class Browser:
    """One person's browser: a connection, and the cookies the server set."""

    def __init__(self, port: int, cookies: dict[str, str]):
        self.connection = http.client.HTTPConnection(HOST, port, timeout=60)
        self.cookies = dict(cookies)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, str]:
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers.get("Location", ""), content

    def close(self) -> None:
        self.connection.close()


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')


def run(workload: Workload, *, port: int, cookies: dict[str, dict[str, str]], seconds: float) -> Timings:
    """Run every person for `seconds`; `cookies` holds each username's session and CSRF cookies."""
    timings = Timings()
    lock = threading.Lock()
    started = time.monotonic()
    deadline = started + seconds

    def browse(person: Person, start: int) -> None:
        browser = Browser(port, cookies[person.username])
        try:
            for turn in range(start, start + MOST_REQUESTS):
                if time.monotonic() >= deadline:
                    return
                path = person.paths[turn % len(person.paths)]
                began = time.perf_counter()
                try:
                    status = browser.request("GET", path)[0]
                except (http.client.HTTPException, OSError) as error:
                    status = f"{type(error).__name__}: {error}"
                    browser.close()  # the next request opens a fresh connection
                took = time.perf_counter() - began
                with lock:
                    timings.browsing.append(took)
                    if status != 200:
                        timings.failed(f"GET {path} as {person.username}: {status}")
        finally:
            browser.close()

    def change(person: Person, turn: int) -> None:
        made = person.changes[turn % len(person.changes)]
        data = made.undo if turn // len(person.changes) % 2 else made.data
        browser = Browser(port, cookies[person.username])
        began = time.perf_counter()
        try:
            problem = _change(browser, made.form_path, dict(data))
        except (http.client.HTTPException, OSError) as error:
            problem = f"{type(error).__name__}: {error}"
        finally:
            browser.close()
        took = time.perf_counter() - began
        with lock:
            timings.writing.append(took)
            if problem:
                timings.failed(f"{made.form_path} as {person.username}: {problem}")
            else:
                timings.changes_made += 1

    def write() -> None:
        """Start a change every 1/CHANGES_PER_SECOND s, the writers in turn, whether or not the
        previous ones have finished (people do not wait for each other)."""
        if not workload.writers:
            return
        with ThreadPoolExecutor(max_workers=MOST_CHANGES_AT_ONCE) as pool:
            for number in range(MOST_REQUESTS):
                due = started + number / CHANGES_PER_SECOND
                time.sleep(max(0.0, due - time.monotonic()))
                if time.monotonic() >= deadline:
                    break
                person = workload.writers[number % len(workload.writers)]
                pool.submit(change, person, number // len(workload.writers))
                timings.changes_started += 1
            pool.shutdown(cancel_futures=True)  # changes still queued at the deadline are not made

    threads = [threading.Thread(target=browse, args=(person, index)) for index, person in enumerate(workload.browsers)]
    writer = threading.Thread(target=write)
    for thread in (*threads, writer):
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    timings.seconds = time.monotonic() - started  # the browsing's; changes still under way may end later
    writer.join(timeout=120)
    if any(thread.is_alive() for thread in (*threads, writer)):
        raise BenchError("a simulated user did not stop within two minutes of the deadline")
    return timings


def _change(browser: Browser, form_path: str, data: dict[str, str]) -> str:
    """One change through its form, as a browser makes it; what went wrong, or ""."""
    status, _, form = browser.request("GET", form_path)
    token, version = TOKEN.search(form), VERSION.search(form)
    if status != 200 or not token:
        return f"the form answered {status}" + ("" if token else " without a CSRF token")
    if version:
        data["version"] = version.group(1)
    data["csrfmiddlewaretoken"] = token.group(1)
    status, location, _ = browser.request("POST", form_path, urllib.parse.urlencode(data))
    if status != 302:
        return f"the POST answered {status}"
    status, _, _ = browser.request("GET", urllib.parse.urlsplit(location).path)
    return "" if status == 200 else f"the redirect answered {status}"


def check(workload: Workload, *, port: int, cookies: dict[str, dict[str, str]]) -> None:
    """Every person's every page answers 200 once, before any load: a broken path fails loudly."""
    for person in workload.browsers:
        browser = Browser(port, cookies[person.username])
        try:
            for path in person.paths:
                status = browser.request("GET", path)[0]
                if status != 200:
                    raise BenchError(f"GET {path} as {person.username} answered {status}")
        finally:
            browser.close()
