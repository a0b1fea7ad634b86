"""What files the importer reads, and the hostile ones it refuses whole, storing nothing."""

import pytest
from django.core.exceptions import ValidationError

from crm.models import Contact
from imports import services
from imports.models import Import
from tests.imports.conftest import csv_file


def _import(user, content):
    return services.import_create(by=user, kind=Import.Kind.CONTACTS, upload=csv_file(content))


@pytest.mark.parametrize(
    "content",
    [
        "name,email\r\nAda Lovelace,ada@example.com\r\nAlan Turing,alan@example.com\r\n",  # Windows line ends
        "\ufeffname;email\nAda Lovelace;ada@example.com\nAlan Turing;alan@example.com\n",  # BOM and semicolons
        'name;email\r\n"Lovelace; Ada";ada@example.com\r\n"Turing, ""Alan""";alan@example.com',  # quoted, no final newline
        "\ufeffname,email,address\r\nAda,ada@example.com,\"1 Main St\r\nLondon\"\r\nAlan Turing,alan@example.com,\r\n\r\n",
    ],
    ids=["crlf", "bom-semicolon", "quoted-semicolon", "quoted-newline"],
)
def test_encodings_delimiters_quotes_and_line_ends_are_read(rep, content):
    imp = _import(rep, content)
    assert imp.total_rows == 2
    assert imp.headers[:2] == ["name", "email"]
    assert imp.mapping == {"0": "name", "1": "email", **({"2": "address"} if len(imp.headers) == 3 else {})}
    imp = services.import_check(imp=imp)
    assert imp.error_rows == 0
    assert [row["cells"][1] for row in imp.preview] == ["ada@example.com", "alan@example.com"]


def test_quoted_cells_keep_their_delimiters_and_quotes(rep, run_import):
    imp = services.import_check(imp=_import(rep, 'name;email\r\n"Turing, ""Alan""";alan@example.com\r\n'))
    run_import(imp)
    assert Contact.objects.get().name == 'Turing, "Alan"'


def test_line_numbers_count_a_quoted_line_break(rep):
    imp = services.import_check(imp=_import(rep, 'name,address\nAda,"1 Main St\nLondon"\n,Nowhere\n'))
    assert [(e["line"], e["column"]) for e in imp.errors] == [(4, "name")]


HOSTILE = {
    "latin-1": ("name,email\nJosé,jose@example.com\n".encode("latin-1"), "is not UTF-8"),
    "utf-16": ("name,email\nJosé,jose@example.com\n".encode("utf-16"), "is not UTF-8"),
    "ragged-long": ("name,email\nAda,ada@example.com,extra\n", "Line 2 has a different number of cells from the header: 3, not 2."),
    "ragged-short": ("name,email\nAda,ada@example.com\nAlan\n", "Line 3 has a different number of cells from the header: 1, not 2."),
    "10-MB-cell": ("name,email\n" + "A" * 10_000_000 + ",a@example.com\n", "has a cell longer than 10000 characters"),
    "long-cell": ("name,email\n" + "A" * 10_001 + ",a@example.com\n", "Line 2 has a cell longer than 10000 characters"),
    "NUL-byte": ("name,email\nAda\x00,ada@example.com\n", "Line 2 contains a NUL character"),
    "stray-quote": ('name,email\n"Ada"x,ada@example.com\n', "Line 2 cannot be read as CSV"),
    "empty": ("", "The file is empty"),
    "header-only": ("name,email\n", "no rows"),
    "201-columns": (",".join(f"c{i}" for i in range(201)) + "\n" + "," * 200 + "x\n",
                    "The file has 201 columns; files of at most 200 columns can be imported."),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_file_is_refused_with_a_clear_error_and_nothing_is_stored(rep, media, name):
    content, message = HOSTILE[name]
    with pytest.raises(ValidationError) as error:
        _import(rep, content)
    assert message in error.value.messages[0]
    assert not Import.objects.exists()
    assert not any(media.rglob("*.csv"))


def test_a_file_over_the_size_limit_is_refused(rep, settings, media):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="at most 100 bytes"):
        _import(rep, "name,email\n" + "Ada,ada@example.com\n" * 10)
    assert not Import.objects.exists()


def test_an_upload_declared_over_the_limit_is_refused_before_its_body_is_read(client_as, rep, media):
    """52 MB were read whole before the 50 MB limit refused them: the declared length answers now."""
    # The test client's body refuses to be read past what it holds: the 52 MB declared are never asked for.
    body = b"--b\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ncontacts\r\n--b--\r\n"
    response = client_as(rep).generic("POST", "/imports/", body, content_type="multipart/form-data; boundary=b",
                                      CONTENT_LENGTH=str(52 * 1024 * 1024))
    assert response.status_code == 413
    assert "Files of at most 52428800 bytes can be imported: this one is larger." in response.content.decode()
    assert not Import.objects.exists()


def test_an_upload_is_stopped_as_soon_as_its_file_passes_the_limit(client_as, rep, media, settings):
    settings.IMPORT_MAX_BYTES = 1000  # the body, 2 kB, is under the limit and the room left for the other fields
    response = client_as(rep).post("/imports/", {"kind": "contacts", "file": csv_file("name\n" + "Ada\n" * 500)})
    assert response.status_code == 413
    assert "Files of at most 1000 bytes can be imported: this one is larger." in response.content.decode()
    assert not Import.objects.exists()
    assert not any(media.rglob("*.csv"))


def test_the_upload_page_shows_the_error_and_stores_nothing(client_as, rep, media):
    client = client_as(rep)
    content = "name,email\nJosé,jose@example.com\n".encode("latin-1")
    response = client.post("/imports/", {"kind": "contacts", "file": csv_file(content)})
    assert response.status_code == 422
    assert "is not UTF-8" in response.content.decode()
    assert not Import.objects.exists()


def test_a_file_of_thousands_of_columns_is_refused_at_upload(client_as, rep, media):
    """50,000 columns made the mapping page take 45 s of a worker, and its form could never be saved."""
    header = ",".join(f"c{i}" for i in range(50_000))
    response = client_as(rep).post("/imports/", {"kind": "contacts", "file": csv_file(f"{header}\n{header}\n")})
    assert response.status_code == 422
    assert "The file has 50000 columns; files of at most 200 columns can be imported." in response.content.decode()
    assert not Import.objects.exists()
    assert not any(media.rglob("*.csv"))


def test_the_column_limit_is_a_setting(rep, settings):
    settings.IMPORT_MAX_COLUMNS = 2
    assert _import(rep, "name,email\nAda,ada@example.com\n").headers == ["name", "email"]
    with pytest.raises(ValidationError, match="at most 2 columns"):
        _import(rep, "name,email,phone\nAda,ada@example.com,1\n")


@pytest.mark.parametrize("cell", ["=1+1", "=HYPERLINK(\"http://evil.example\",\"x\")", "+41 79 000", "@SUM(A1)", "-2+3"])
def test_formula_cells_are_stored_as_the_text_they_are(rep, run_import, cell):
    imp = services.import_check(imp=_import(rep, f'name,phone\n"{cell.replace(chr(34), chr(34) * 2)}",{"" if "HYPER" in cell else "1"}\n'))
    assert imp.error_rows == 0, imp.errors
    run_import(imp)
    assert Contact.objects.get().name == cell
