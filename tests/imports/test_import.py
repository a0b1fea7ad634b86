"""The import itself: matches, re-import changes nothing, both modes in one transaction, audit, jobs."""

import pytest
from django.db import connection

from crm.models import Contact
from imports import services
from imports.models import Import, ImportEntry
from subscriptions.models import Period, PeriodChange, SubscriptionSummary
from tests.factories import ContactFactory, UserFactory

CONTACTS = (
    "External ID;Name;E-mail;Kind;Organisation;Tags;Phone\r\n"
    "org-1;Acme S.p.A.;info@acme.example;organisation;;client;\r\n"
    "p-1;Ada Lovelace;ada@acme.example;person;Acme S.p.A.;client, vip;+39 02 000\r\n"
    ";Alan Turing;alan@example.com;;;;\r\n"
)


def _table_state():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT md5(string_agg(t::text, ',' ORDER BY t.id)) FROM crm_contact t"
        )
        contacts = cursor.fetchone()[0]
        cursor.execute("SELECT md5(string_agg(t::text, ',' ORDER BY t.id)) FROM crm_contact_tags t")
        return contacts, cursor.fetchone()[0]


def test_an_import_creates_its_rows_and_audits_each_naming_the_import_and_file(rep, make_import):
    imp = make_import(rep, CONTACTS, name="crm-export.csv")
    imp = services.import_start(imp=imp, mode=Import.Mode.ALL_OR_NOTHING, version=imp.version)
    assert (imp.status, imp.created_rows, imp.updated_rows) == (Import.Status.DONE, 3, 0)
    ada = Contact.objects.get(external_id="p-1")
    assert ada.organisation.name == "Acme S.p.A." and ada.organisation_name_copy == "Acme S.p.A."
    assert ada.owner == rep and ada.phone == "+39 02 000"
    assert sorted(ada.tags.values_list("name", flat=True)) == ["client", "vip"]
    assert Contact.objects.get(email="alan@example.com").kind == "person"
    entries = ImportEntry.objects.filter(import_run=imp)
    assert sorted(entries.values_list("line", "action")) == [(2, "created"), (3, "created"), (4, "created")]
    assert set(entries.values_list("file_name", flat=True)) == {"crm-export.csv"}
    assert entries.get(line=3).object_id == ada.pk


def test_re_importing_the_same_file_changes_nothing(rep, make_import):
    first = make_import(rep, CONTACTS)
    services.import_start(imp=first, mode=Import.Mode.ALL_OR_NOTHING, version=first.version)
    before = _table_state()
    again = make_import(rep, CONTACTS)
    again = services.import_start(imp=again, mode=Import.Mode.ALL_OR_NOTHING, version=again.version)
    assert (again.created_rows, again.updated_rows, again.unchanged_rows) == (0, 0, 3)
    assert _table_state() == before
    assert not ImportEntry.objects.filter(import_run=again).exists()


def test_rows_a_re_import_would_create_again_are_pointed_out_before_importing(client_as, rep, make_import):
    """A row with neither an external ID nor an e-mail matches nothing: the same file again creates it again."""
    content = "name,email,external_id\nAda,ada@example.com,\nNo Keys,,\nBob,,b-1\nAlso None,,\n"
    imp = make_import(rep, content)
    assert imp.error_rows == 0
    assert [(w["line"], w["reason"]) for w in imp.warnings] == [(3, NO_KEY), (5, NO_KEY)]
    page = client_as(rep).get(f"/imports/{imp.pk}/").content.decode()
    assert "2 valid rows have neither an external ID nor an e-mail" in page
    assert NO_KEY in page
    services.import_start(imp=imp, mode=Import.Mode.ALL_OR_NOTHING, version=imp.version)
    again = make_import(rep, content)  # told again, before it creates them a second time
    assert [w["line"] for w in again.warnings] == [3, 5] and again.warning_rows == 2


NO_KEY = "Neither an external ID nor an e-mail: importing this file again would create this contact again."


def test_a_changed_row_updates_its_contact_matched_by_external_id_or_email(rep, make_import):
    ada = ContactFactory(owner=rep, external_id="p-1", name="Ada", email="old@example.com")
    alan = ContactFactory(owner=rep, name="Alan", email="Alan@Example.com", phone="1")
    imp = make_import(rep, "external_id,name,email,phone\np-1,Ada L.,ada@example.com,\n,Alan,alan@example.com,2\n")
    imp = services.import_start(imp=imp, mode=Import.Mode.ALL_OR_NOTHING, version=imp.version)
    assert (imp.created_rows, imp.updated_rows) == (0, 2)
    ada.refresh_from_db()
    alan.refresh_from_db()
    assert (ada.name, ada.email, ada.version) == ("Ada L.", "ada@example.com", 2)
    assert (alan.phone, alan.email, alan.owner) == ("2", "alan@example.com", rep)
    assert ImportEntry.objects.filter(import_run=imp, action="updated").count() == 2


def test_all_or_nothing_refuses_a_file_with_an_error_and_writes_nothing(rep, make_import):
    imp = make_import(rep, "name,email\nAda,ada@example.com\nBad,nope\n")
    imp = services.import_start(imp=imp, mode=Import.Mode.ALL_OR_NOTHING, version=imp.version)
    assert (imp.status, imp.error_rows) == (Import.Status.REFUSED, 1)
    assert not Contact.objects.exists() and not ImportEntry.objects.exists()


def test_import_the_valid_rows_skips_the_others(rep, make_import):
    imp = make_import(rep, "name,email\nAda,ada@example.com\nBad,nope\nBob,bob@example.com\n")
    imp = services.import_start(imp=imp, mode=Import.Mode.VALID_ROWS, version=imp.version)
    assert (imp.status, imp.created_rows, imp.skipped_rows) == (Import.Status.DONE, 2, 1)
    assert sorted(Contact.objects.values_list("name", flat=True)) == ["Ada", "Bob"]


@pytest.mark.parametrize("mode", [Import.Mode.ALL_OR_NOTHING, Import.Mode.VALID_ROWS])
def test_a_failure_half_way_leaves_the_database_as_before(rep, make_import, settings, monkeypatch, mode):
    monkeypatch.setattr(services, "BATCH_ROWS", 2)
    ContactFactory(owner=rep, external_id="keep", name="Kept")
    before = _table_state()
    imp = make_import(rep, "external_id,name\nkeep,Changed\na,A\nb,B\nc,C\nd,D\n")
    Import.objects.filter(pk=imp.pk).update(status=Import.Status.PENDING, mode=mode)

    def fail(rows):
        assert Contact.objects.count() == 1 + 1  # one batch written: "keep" changed and "a" added
        raise RuntimeError("the disk is full")

    imp = services.import_run(import_id=imp.pk, on_batch=fail)
    assert imp.status == Import.Status.FAILED
    assert _table_state() == before
    assert not ImportEntry.objects.exists()


def test_cancelling_a_running_import_rolls_back_what_it_wrote(rep, make_import, monkeypatch):
    monkeypatch.setattr(services, "BATCH_ROWS", 2)
    imp = make_import(rep, "name\nA\nB\nC\nD\n")
    Import.objects.filter(pk=imp.pk).update(status=Import.Status.PENDING)

    def cancel(rows):
        Import.objects.filter(pk=imp.pk).update(cancel_requested=True)

    imp = services.import_run(import_id=imp.pk, on_batch=cancel)
    assert imp.status == Import.Status.CANCELLED
    assert not Contact.objects.exists()


def test_a_large_file_runs_as_a_background_job_with_progress(
    client_as, rep, make_import, settings, celery_eager, django_capture_on_commit_callbacks
):
    settings.IMPORT_ASYNC_ROWS = 2
    imp = make_import(rep, "name\nA\nB\nC\n")
    client = client_as(rep)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{imp.pk}/run/", {"mode": "all", "version": imp.version})
    assert response.status_code == 302
    imp.refresh_from_db()
    assert imp.status == Import.Status.DONE and Contact.objects.count() == 3
    page = client.get(f"/imports/{imp.pk}/").content.decode()
    assert "3 created, 0 updated, 0 unchanged, 0 skipped." in page


def test_a_waiting_job_shows_a_progress_bar_and_can_be_cancelled(client_as, rep, make_import, settings):
    settings.IMPORT_ASYNC_ROWS = 2  # handed to Celery after the commit, which never comes in a test: it waits
    imp = make_import(rep, "name\nA\nB\nC\n")
    client = client_as(rep)
    client.post(f"/imports/{imp.pk}/run/", {"mode": "all", "version": imp.version})
    imp.refresh_from_db()
    assert imp.status == Import.Status.PENDING
    page = client.get(f"/imports/{imp.pk}/").content.decode()
    assert "<progress" in page and "Cancel the import" in page
    client.post(f"/imports/{imp.pk}/cancel/")
    imp.refresh_from_db()
    assert imp.status == Import.Status.CANCELLED
    assert services.import_run(import_id=imp.pk).status == Import.Status.CANCELLED
    assert not Contact.objects.exists()


def test_periods_import_matches_on_contact_and_start_and_re_import_changes_nothing(rep, make_import, subscriptions_on):
    ContactFactory(owner=rep, external_id="a1", email="a@example.com")
    ContactFactory(owner=rep, email="b@example.com")
    content = (
        "Contact external ID;Contact e-mail;Currency;MRR;Effective date;End date;Term in months\n"
        "a1;;EUR;100.00;2026-01-01;;12\n"
        ";B@example.com;USD;50;2026-03-01;2026-08-31;\n"
    )
    imp = make_import(rep, content, kind=Import.Kind.PERIODS)
    assert imp.error_rows == 0, imp.errors
    imp = services.import_start(imp=imp, mode=Import.Mode.ALL_OR_NOTHING, version=imp.version)
    assert imp.created_rows == 2
    period = Period.objects.get(contact__external_id="a1")
    assert (str(period.end_date), period.term_months, period.currency) == ("2026-12-31", 12, "EUR")
    assert PeriodChange.objects.filter(action="created").count() == 2
    assert SubscriptionSummary.objects.count() == 2  # the stored figures follow, in the same transaction
    versions = list(Period.objects.order_by("pk").values_list("pk", "version", "updated_at"))

    again = make_import(rep, content, kind=Import.Kind.PERIODS)
    again = services.import_start(imp=again, mode=Import.Mode.ALL_OR_NOTHING, version=again.version)
    assert (again.created_rows, again.updated_rows, again.unchanged_rows) == (0, 0, 2)
    assert list(Period.objects.order_by("pk").values_list("pk", "version", "updated_at")) == versions
    assert PeriodChange.objects.count() == 2

    changed = make_import(rep, content.replace("100.00", "120.00"), kind=Import.Kind.PERIODS)
    changed = services.import_start(imp=changed, mode=Import.Mode.ALL_OR_NOTHING, version=changed.version)
    assert (changed.created_rows, changed.updated_rows) == (0, 1)
    period.refresh_from_db()
    assert (str(period.mrr), period.version) == ("120.00", 2)
    assert PeriodChange.objects.filter(action="updated").get().old_values["mrr"] == "100.00"


def test_another_users_import_is_not_found(client_as, rep, outsider, make_import):
    imp = make_import(rep, "name\nA\n")
    client = client_as(outsider)
    assert client.get(f"/imports/{imp.pk}/").status_code == 404
    assert client.post(f"/imports/{imp.pk}/run/", {"mode": "all", "version": imp.version}).status_code == 404
    assert not Contact.objects.exists()


def test_a_changed_tag_alone_updates_and_a_renamed_organisation_renames_it_on_its_people(rep, make_import):
    first = make_import(rep, CONTACTS)
    services.import_start(imp=first, mode=Import.Mode.ALL_OR_NOTHING, version=first.version)
    changed = CONTACTS.replace("client, vip", "vip").replace("org-1;Acme S.p.A.", "org-1;Acme Group")
    changed = changed.replace("p-1;Ada Lovelace;ada@acme.example;person;Acme S.p.A.", "p-1;Ada Lovelace;ada@acme.example;person;Acme Group")
    again = make_import(rep, changed)
    again = services.import_start(imp=again, mode=Import.Mode.ALL_OR_NOTHING, version=again.version)
    assert (again.created_rows, again.updated_rows, again.unchanged_rows) == (0, 2, 1)
    ada = Contact.objects.get(external_id="p-1")
    assert list(ada.tags.values_list("name", flat=True)) == ["vip"]
    assert (ada.organisation.name, ada.organisation_name_copy, ada.version) == ("Acme Group", "Acme Group", 2)
    assert sorted(ImportEntry.objects.filter(import_run=again).values_list("line", "action")) == [(2, "updated"), (3, "updated")]


def test_the_stored_subscription_figures_follow_every_batch_of_a_periods_import(rep, make_import, subscriptions_on,
                                                                                monkeypatch):
    """The summaries are refreshed once, after the last batch: every contact whose periods any
    batch created or changed is brought up to date, and no other."""
    from crm.dates import today
    from imports.checking import PeriodChecker
    from subscriptions.queries import with_subscription

    monkeypatch.setattr(PeriodChecker, "batch_rows", 1)
    contacts = [ContactFactory(owner=rep, external_id=f"c{i}") for i in range(3)]
    untouched = ContactFactory(owner=rep, external_id="other")
    year = today().year
    content = "contact_external_id;currency;mrr;start_date;term_months\n" + "".join(
        f"c{i};EUR;{10 * (i + 1)};{year}-01-01;24\n" for i in range(3)
    )
    imp = make_import(rep, content, kind=Import.Kind.PERIODS)
    services.import_start(imp=imp, mode=Import.Mode.ALL_OR_NOTHING, version=imp.version)
    changed = make_import(rep, content.replace("c1;EUR;20", "c1;EUR;25"), kind=Import.Kind.PERIODS)
    changed = services.import_start(imp=changed, mode=Import.Mode.ALL_OR_NOTHING, version=changed.version)
    assert (changed.updated_rows, changed.unchanged_rows) == (1, 2)

    stored = dict(SubscriptionSummary.objects.values_list("contact_id", "current_mrr"))
    assert stored == {contacts[0].pk: 10, contacts[1].pk: 25, contacts[2].pk: 30}
    assert untouched.pk not in stored
    definitions = with_subscription(Contact.objects.filter(pk__in=stored), on=today())
    assert dict(definitions.values_list("pk", "current_mrr")) == stored


def test_the_audit_entries_outlive_their_import_and_importer(rep, make_import):
    imp = make_import(rep, CONTACTS)
    imp = services.import_start(imp=imp, mode=Import.Mode.ALL_OR_NOTHING, version=imp.version)
    Contact.objects.update(owner=UserFactory())  # no contact of rep's left to protect
    imp.delete()
    rep.delete()
    entries = ImportEntry.objects.order_by("line")
    assert [(e.line, e.file_name, e.import_run, e.by) for e in entries] == [
        (2, "people.csv", None, None), (3, "people.csv", None, None), (4, "people.csv", None, None)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_running_import_holds_its_importer_and_itself_so_neither_can_be_deleted(rep, make_import):
    """The entries' import and importer have no foreign key constraint: the running import locks
    both rows instead, and still lets its cancel through."""
    import psycopg
    from psycopg.errors import LockNotAvailable

    from crm.models import User
    from tests.reliability.processes import server_params

    imp = make_import(rep, "name\nA\nB\n")
    Import.objects.filter(pk=imp.pk).update(status=Import.Status.PENDING)
    seen = []

    def from_another_session(rows):
        with psycopg.connect(**server_params(), autocommit=True) as other:
            for table, pk in ((User._meta.db_table, rep.pk), (Import._meta.db_table, imp.pk)):
                with pytest.raises(LockNotAvailable):
                    other.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [pk])
            other.execute("SET lock_timeout = '2s'")
            other.execute(f"UPDATE {Import._meta.db_table} SET cancel_requested = false WHERE id = %s", [imp.pk])
        seen.append(rows)

    imp = services.import_run(import_id=imp.pk, on_batch=from_another_session)
    assert imp.status == Import.Status.DONE and seen == [2]


@pytest.mark.django_db(transaction=True)
def test_an_import_beaten_to_its_contacts_by_another_says_so_on_its_page(client_as, rep, make_import):
    """Two imports of one file at once: the second to write its new contacts meets the first's in the
    unique index once the first commits. It used to end "Failed" with the reason in the worker's log only."""
    import threading
    import time

    import psycopg

    from django.db import connections
    from tests.reliability.processes import server_params

    imp = make_import(rep, "external_id,name\nx-1,Ada\nx-2,Bob\n")
    Import.objects.filter(pk=imp.pk).update(status=Import.Status.PENDING)
    with psycopg.connect(**server_params()) as first:  # the other import, its transaction still open
        first.execute(
            "INSERT INTO crm_contact (kind, name, email, phone, website, address, external_id, owner_id,"
            " organisation_name_copy, created_at, updated_at, version)"
            " VALUES ('person', 'Ada', '', '', '', '', 'x-1', %s, '', now(), now(), 1)", [rep.pk],
        )

        def run():
            try:
                services.import_run(import_id=imp.pk)
            finally:
                connections.close_all()

        second = threading.Thread(target=run)
        second.start()
        with psycopg.connect(**server_params(), autocommit=True) as watch:
            for _attempt in range(200):  # until the second waits on the first's row in the index
                waiting = watch.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
                ).fetchone()[0]
                if waiting:
                    break
                time.sleep(0.05)
        assert waiting
        first.commit()
        second.join(timeout=30)
    imp.refresh_from_db()
    assert imp.status == Import.Status.FAILED
    assert list(Contact.objects.values_list("external_id", flat=True)) == ["x-1"]  # the first's, nothing of its own
    page = client_as(rep).get(f"/imports/{imp.pk}/").content.decode()
    assert "Another import or another person created some of the same contacts while this import ran" in page
    again = services.import_start(imp=imp, mode=Import.Mode.ALL_OR_NOTHING, version=imp.version)
    assert (again.status, again.created_rows, again.unchanged_rows, again.failure) == (Import.Status.DONE, 1, 1, "")


def test_keys_with_quotes_braces_and_accents_match_their_contacts_and_periods(rep, make_import, subscriptions_on):
    """Keys go to the database as one JSON array a batch: any character in them must round-trip."""
    keys = ['a"1', "b\\2", "c,{3}", "dé-ü 4", "e'5", "NULL"]
    content = "external_id;name;email\n" + "".join(
        f'"{key.replace(chr(34), chr(34) * 2)}";Name {i};u{i}@exämple.com\n' for i, key in enumerate(keys)
    )
    first = make_import(rep, content)
    assert first.error_rows == 0, first.errors
    assert services.import_start(imp=first, mode=Import.Mode.ALL_OR_NOTHING, version=first.version).created_rows == 6
    again = make_import(rep, content.replace("Name ", "New name "))
    again = services.import_start(imp=again, mode=Import.Mode.ALL_OR_NOTHING, version=again.version)
    assert (again.created_rows, again.updated_rows) == (0, 6)
    assert sorted(Contact.objects.values_list("external_id", flat=True)) == sorted(keys)
    periods = "contact_external_id;contact_email;mrr;start_date\n" + "".join(
        f'"{key.replace(chr(34), chr(34) * 2)}";;10;2026-01-01\n' for key in keys[:3]
    ) + "".join(f";U{i}@exämple.com;10;2026-01-01\n" for i in range(3, 6))
    imp = make_import(rep, periods, kind=Import.Kind.PERIODS)
    assert imp.error_rows == 0, imp.errors
    imp = services.import_start(imp=imp, mode=Import.Mode.ALL_OR_NOTHING, version=imp.version)
    assert imp.created_rows == 6 and Period.objects.values("contact").distinct().count() == 6


def test_each_entry_keeps_the_cells_its_row_had_in_the_file(rep, make_import, subscriptions_on):
    imp = make_import(rep, CONTACTS)
    services.import_start(imp=imp, mode=Import.Mode.ALL_OR_NOTHING, version=imp.version)
    ada = ImportEntry.objects.get(import_run=imp, line=3)
    assert ada.values == {"external_id": "p-1", "name": "Ada Lovelace", "email": "ada@acme.example", "kind": "person",
                          "organisation": "Acme S.p.A.", "tags": "client, vip", "phone": "+39 02 000"}
    periods = make_import(rep, "Contact external ID;MRR;Effective date;Term in months\np-1; 12,50 ;2026-01-01;12\n",
                          kind=Import.Kind.PERIODS, name="mrr.csv")
    periods = services.import_start(imp=periods, mode=Import.Mode.ALL_OR_NOTHING, version=periods.version)
    entry = ImportEntry.objects.get(import_run=periods)
    assert (entry.file_name, entry.target, entry.action, entry.by) == ("mrr.csv", "periods", "created", rep)
    assert entry.values == {"contact_external_id": "p-1", "mrr": "12,50", "start_date": "2026-01-01", "term_months": "12"}
    assert Period.objects.get(pk=entry.object_id).mrr == 12.5  # the cell as written, the value as read


def test_an_import_whose_worker_died_is_taken_over_a_minute_after_its_last_heartbeat(rep, make_import):
    """It used to wait two hours: the redelivered task returned at once, doing nothing."""
    import datetime

    import time_machine
    from django.utils import timezone

    imp = make_import(rep, "name\nA\nB\n")
    died = timezone.now()
    Import.objects.filter(pk=imp.pk).update(status=Import.Status.RUNNING, attempts=1, started_at=died,
                                            heartbeat_at=died)
    with time_machine.travel(died + datetime.timedelta(seconds=30)):
        assert services.import_run(import_id=imp.pk).status == Import.Status.RUNNING  # it may still be alive
    with time_machine.travel(died + datetime.timedelta(seconds=61)):
        imp = services.import_run(import_id=imp.pk)
    assert (imp.status, imp.attempts, imp.created_rows) == (Import.Status.DONE, 2, 2)
    assert Contact.objects.count() == 2 == ImportEntry.objects.count()


def test_a_running_import_is_cancelled_from_its_page_and_rolls_back(client_as, rep, make_import, monkeypatch):
    monkeypatch.setattr(services, "BATCH_ROWS", 2)
    imp = make_import(rep, "name\nA\nB\nC\nD\n")
    Import.objects.filter(pk=imp.pk).update(status=Import.Status.PENDING)
    client = client_as(rep)
    pages = []

    def cancel_from_the_page(rows):
        pages.append(client.get(f"/imports/{imp.pk}/").content.decode())
        client.post(f"/imports/{imp.pk}/cancel/")

    imp = services.import_run(import_id=imp.pk, on_batch=cancel_from_the_page)
    assert "Importing" in pages[0] and "Cancel the import" in pages[0] and len(pages) == 1
    assert (imp.status, imp.cancel_requested) == (Import.Status.CANCELLED, False)
    assert not Contact.objects.exists() and not ImportEntry.objects.exists()
    assert "Cancelled: nothing was imported." in client.get(f"/imports/{imp.pk}/").content.decode()


def test_an_import_cancelled_after_its_worker_died_is_cancelled_when_taken_over(client_as, rep, make_import):
    import datetime

    import time_machine
    from django.utils import timezone

    imp = make_import(rep, "name\nA\n")
    died = timezone.now()
    Import.objects.filter(pk=imp.pk).update(status=Import.Status.RUNNING, attempts=1, started_at=died,
                                            heartbeat_at=died)
    client = client_as(rep)
    client.post(f"/imports/{imp.pk}/cancel/")
    page = client.get(f"/imports/{imp.pk}/").content.decode()
    assert "Stopping: what was done so far is being undone." in page and "Cancel the import" not in page
    with time_machine.travel(died + datetime.timedelta(minutes=2)):
        imp = services.import_run(import_id=imp.pk)
    assert imp.status == Import.Status.CANCELLED and not Contact.objects.exists()


def test_the_history_names_the_import_that_wrote_a_period(client_as, rep, make_import, subscriptions_on):
    from django.urls import reverse

    contact = ContactFactory(owner=rep, external_id="a1")
    content = "Contact external ID;Currency;MRR;Effective date\na1;EUR;100.00;2026-01-01\n"
    imp = make_import(rep, content, kind=Import.Kind.PERIODS, name="billing export.csv")
    services.import_start(imp=imp, mode=Import.Mode.ALL_OR_NOTHING, version=imp.version)
    changed = make_import(rep, content.replace("100.00", "120.00"), kind=Import.Kind.PERIODS, name="march.csv")
    services.import_start(imp=changed, mode=Import.Mode.ALL_OR_NOTHING, version=changed.version)
    assert list(PeriodChange.objects.order_by("pk").values_list("action", "imported_from")) == [
        ("created", "billing export.csv"), ("updated", "march.csv"),
    ]
    url = reverse("subscriptions:history", args=[contact.pk])
    page = client_as(rep).get(url).text
    assert "by the import of “billing export.csv”" in page and "by the import of “march.csv”" in page
    assert "dall'importazione di “march.csv”" in client_as(rep).get(url, headers={"Accept-Language": "it"}).text
