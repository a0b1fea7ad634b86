"""The validation report: every error of the whole file, with its line, column and reason, before
anything is written; the same rules as the forms; a CSV of the rejected rows."""

import csv
import io

import pytest

from crm.models import Contact, User
from imports.models import Import
from subscriptions.models import Period
from tests.factories import ContactFactory, OrganisationFactory, TeamFactory, UserFactory


def _errors(imp):
    return [(e["line"], e["column"], e["reason"]) for e in imp.errors]


def test_each_error_names_its_line_column_and_reason_and_nothing_is_written(rep, make_import):
    content = (
        "Name,E-mail,Website,Kind\n"
        "Ada,ada@example.com,,person\n"
        ",nobody@example.com,,person\n"
        "Bad Mail,not-an-email,,person\n"
        "Odd Kind,odd@example.com,,robot\n"
        "Bad Site,site@example.com,not a url,\n"
    )
    imp = make_import(rep, content)
    assert imp.total_rows == 5 and imp.error_rows == 4
    lines = {(line, column) for line, column, _reason in _errors(imp)}
    assert lines == {(3, "Name"), (4, "E-mail"), (5, "Kind"), (6, "Website")}
    assert "required" in dict(((l, c), r) for l, c, r in _errors(imp))[(3, "Name")]
    assert not Contact.objects.exists()


def test_a_rep_may_make_only_themselves_the_owner(rep, make_import):
    teammate = UserFactory(username="teammate")
    imp = make_import(rep, f"name,owner\nMine,{rep.username}\nTheirs,{teammate.username}\nNobody,ghost\nDefault,\n")
    assert [(line, column) for line, column, _r in _errors(imp)] == [(3, "owner"), (4, "owner")]
    assert "may not make “teammate” the owner" in imp.errors[0]["reason"]


def test_a_manager_may_assign_their_team_but_not_another(manager, rep, outsider, make_import):
    imp = make_import(manager, f"name,owner\nA,{rep.username}\nB,{manager.username}\nC,{outsider.username}\n")
    assert [line for line, _c, _r in _errors(imp)] == [4]


def test_the_same_contact_twice_in_a_file_is_an_error(rep, make_import):
    imp = make_import(rep, "external id,name,email\nx1,Ada,ada@example.com\nx1,Ada again,\n,Bob,BOB@example.com\n,Bobby,bob@example.com\n")
    assert [(line, column) for line, column, _r in _errors(imp)] == [(3, "external id"), (5, "email")]
    assert "line 2" in imp.errors[0]["reason"]


def test_contacts_the_importer_cannot_see_are_neither_matched_nor_revealed(rep, outsider, make_import, run_import):
    theirs = ContactFactory(owner=outsider, name="Theirs", email="theirs@example.com", external_id="t1")
    ContactFactory(owner=outsider, name="Also theirs", email="shared@example.com")
    mine = ContactFactory(owner=rep, name="Mine", email="shared@example.com")
    imp = make_import(
        rep,
        "external_id,name,email\n"
        "t1,Taken,\n"  # an external ID only an invisible contact has: refused as any unusable value
        ",New person,theirs@example.com\n"  # the invisible contact's e-mail: a new contact of the importer's
        ",Mine renamed,shared@example.com\n",  # one contact with this e-mail among those the importer sees
    )
    assert _errors(imp) == [(2, "external_id", "This external ID cannot be used: leave it empty or give another one.")]
    assert "may not change" not in str(imp.errors) and "More than one" not in str(imp.errors)
    run_import(imp, mode=Import.Mode.VALID_ROWS)
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (theirs.name, theirs.owner) == ("Theirs", outsider)
    assert mine.name == "Mine renamed"
    assert Contact.objects.get(name="New person").owner == rep


def test_names_and_tags_with_invisible_characters_are_refused_as_by_the_form(rep, make_import):
    imp = make_import(rep, "name,tags\nAda \u202egpj.exe,\nBob,\u200b\nCy\u2028Dee,\nFine,vip\n")
    assert [(line, column) for line, column, _r in _errors(imp)] == [(2, "name"), (3, "tags"), (4, "name")]
    assert all("or invisible characters" in reason for _l, _c, reason in _errors(imp))


def test_organisations_are_found_by_name_among_those_visible_or_earlier_in_the_file(rep, outsider, make_import):
    OrganisationFactory(owner=rep, name="Acme")
    OrganisationFactory(owner=outsider, name="Hidden Ltd")
    imp = make_import(
        rep,
        "name,kind,organisation\nAda,person,acme\nBob,person,Hidden Ltd\nNew Co,organisation,\nCy,person,New Co\n"
        "Org In Org,organisation,Acme\n",
    )
    assert [(line, column) for line, column, _r in _errors(imp)] == [(3, "organisation"), (6, "organisation")]


@pytest.fixture
def periods_file(rep, subscriptions_on):
    ContactFactory(owner=rep, email="ada@example.com", external_id="a1")

    def make(rows):
        return "contact_external_id;currency;mrr;start_date;end_date;term_months\n" + "\n".join(rows) + "\n"

    return make


def test_period_rows_follow_the_period_form_rules(rep, periods_file, make_import):
    content = periods_file([
        "a1;EUR;10.00;2026-01-01;2026-12-31;",     # valid
        "a1;EURO;10;2027-01-01;;",                  # currency code
        "a1;EUR;10.001;2028-01-01;;",               # money precision
        "a1;EUR;10;1800-01-01;;",                   # date out of range
        "a1;EUR;10;2029-05-01;2029-04-01;",         # end before start
        "a1;EUR;10;2026-06-01;;",                   # overlaps line 2
        "zz;EUR;10;2026-01-01;;",                   # no such contact
        "a1;EUR;12,50;2030-01-01;;12",              # decimal comma is fine
    ])
    imp = make_import(rep, content, kind=Import.Kind.PERIODS)
    columns = {line: column for line, column, _r in _errors(imp)}
    assert columns == {3: "currency", 4: "mrr", 5: "start_date", 6: "end_date", 7: "start_date", 8: "contact_external_id"}
    assert "overlaps the one on line 2" in dict((l, r) for l, _c, r in _errors(imp))[7]
    assert not Period.objects.exists()


def test_a_period_overlapping_a_saved_one_is_an_error(rep, periods_file, make_import):
    contact = Contact.objects.get(external_id="a1")
    Period.objects.create(contact=contact, mrr="5", start_date="2025-01-01", end_date="2025-12-31")
    imp = make_import(rep, periods_file(["a1;EUR;10;2025-06-01;;", "a1;EUR;10;2025-01-01;2025-06-30;"]), kind=Import.Kind.PERIODS)
    # the second row is the saved period (same contact and start): an update, not an overlap
    assert [line for line, _c, _r in _errors(imp)] == [2]


def test_the_rejected_rows_download_as_csv_with_line_and_reasons(client_as, rep, make_import):
    imp = make_import(rep, "name;email\nAda;ada@example.com\n;x@example.com\nBad;nope\n")
    response = client_as(rep).get(f"/imports/{imp.pk}/rejected.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="people-rejected.csv"')
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Line", "name", "email", "Errors"]
    assert [row[:3] for row in rows[1:]] == [["3", "", "x@example.com"], ["4", "Bad", "nope"]]
    assert "email: Enter a valid email address." in rows[2][3]


FORMULAS = ['=HYPERLINK("http://evil.example","x")', "@SUM(1)", "+1+1", "-2+3", "\t=1", " =1", "\uff1d1"]


def test_the_rejected_rows_never_make_a_spreadsheet_run_a_formula_and_a_fixed_file_imports_back(
    client_as, rep, make_import, run_import
):
    rows = "".join(f'"{cell.replace(chr(34), chr(34) * 2)}",nope{i}\n' for i, cell in enumerate(FORMULAS))
    imp = make_import(rep, "name,=cmd|' /C calc'!A0\n" + rows, mapping={"0": "name", "1": "email"})
    assert imp.error_rows == len(FORMULAS)
    response = client_as(rep).get(f"/imports/{imp.pk}/rejected.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    written = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in written for cell in row]
    assert "'=cmd|' /C calc'!A0" in written[0]  # the file's own header too
    assert [row[1] for row in written[1:]] == ["'" + cell for cell in FORMULAS]
    assert all(row[-1].startswith("'=cmd") for row in written[1:])  # the reasons name the column
    assert not [cell for cell in cells if cell[:1] in "=+-@\t\r\uff1d" or cell.lstrip()[:1] in "=+-@"]

    # The person fixes the e-mails in a spreadsheet and imports the file: the names are theirs again.
    fixed = io.StringIO()
    writer = csv.writer(fixed)
    writer.writerow(written[0][1:-1])
    for i, row in enumerate(written[1:]):
        writer.writerow([row[1], f"person{i}@example.com"])
    again = make_import(rep, fixed.getvalue(), name="fixed.csv", mapping={"0": "name", "1": "email"})
    assert again.error_rows == 0, again.errors
    run_import(again)
    assert sorted(Contact.objects.values_list("name", flat=True)) == sorted(cell.strip() for cell in FORMULAS)


def test_the_preview_page_shows_the_report_and_the_first_rows(client_as, rep, make_import):
    imp = make_import(rep, "name,email\nAda,ada@example.com\nBad,nope\n")
    page = client_as(rep).get(f"/imports/{imp.pk}/").content.decode()
    assert "2 rows: 1 valid, 1 with errors." in page
    assert "Enter a valid email address." in page and "ada@example.com" in page


def test_checking_costs_the_same_queries_for_10_or_200_rows(rep, make_import, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from imports import services

    OrganisationFactory(owner=rep, name="Acme")
    counts = []
    for rows in (10, 200):
        content = "external_id,name,email,organisation,owner,tags\n" + "".join(
            f"x{rows}-{i},Person {i},p{rows}-{i}@example.com,Acme,{rep.username},a, b\n".replace(",a, b", ',"a, b"')
            for i in range(rows)
        )
        imp = make_import(rep, content)
        assert imp.error_rows == 0, imp.errors
        with CaptureQueriesContext(connection) as queries:
            services.import_check(imp=imp)
        counts.append(len(queries))
        with CaptureQueriesContext(connection) as queries:
            services.import_start(imp=imp, mode=Import.Mode.ALL_OR_NOTHING, version=imp.version)
        counts.append(len(queries))
        assert Contact.objects.filter(external_id__startswith=f"x{rows}-").count() == rows
    assert counts[0] == counts[2]  # checking
    assert counts[1] == counts[3]  # importing


def test_periods_cost_the_same_queries_for_10_or_200_rows(rep, make_import, subscriptions_on):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from imports import services

    counts = []
    for rows in (10, 200):
        for i in range(rows):
            ContactFactory(owner=rep, external_id=f"c{rows}-{i}")
        content = "contact_external_id;currency;mrr;start_date;term_months\n" + "".join(
            f"c{rows}-{i};EUR;{i}.50;2026-01-01;12\n" for i in range(rows)
        )
        imp = make_import(rep, content, kind=Import.Kind.PERIODS)
        assert imp.error_rows == 0, imp.errors
        with CaptureQueriesContext(connection) as queries:
            services.import_start(imp=imp, mode=Import.Mode.ALL_OR_NOTHING, version=imp.version)
        counts.append(len(queries))
        assert Period.objects.filter(contact__external_id__startswith=f"c{rows}-").count() == rows
    assert counts[0] == counts[1]


def test_period_rows_match_their_contact_by_name_when_exactly_one_visible_contact_has_it(
        rep, make_import, run_import, subscriptions_on):
    """A billing export rarely has our IDs or e-mails: "Contatto" (any case) finds the one contact
    the importer sees with that name; two of them, or none the importer sees, is the row's error."""
    lumen = ContactFactory(owner=rep, name="Lumen Srl")
    ContactFactory(owner=rep, name="Twin Spa")
    ContactFactory(owner=rep, name="twin spa")
    ContactFactory(owner=UserFactory(username="outsider"), name="Hidden Ltd")
    content = ("Contatto;Valore mensile;Data inizio;Mesi;Currency\n"
               "LUMEN SRL;50;2026-01-01;12;EUR\n"
               "Twin Spa;10;2026-01-01;12;EUR\n"
               "Hidden Ltd;10;2026-01-01;12;EUR\n")
    imp = make_import(rep, content, kind=Import.Kind.PERIODS)
    assert imp.mapping["0"] == "contact_name"
    reasons = {line: (column, reason) for line, column, reason in _errors(imp)}
    assert set(reasons) == {3, 4}
    assert reasons[3] == ("Contatto", "More than one contact you can see has this name: give the contact's external ID or e-mail.")
    assert reasons[4] == ("Contatto", "No contact you can see has this name.")
    run_import(imp, mode=Import.Mode.VALID_ROWS)
    assert list(Period.objects.values_list("contact", "mrr")) == [(lumen.pk, 50)]
