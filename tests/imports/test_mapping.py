"""Columns find their fields by header in English, Italian or Brazilian Portuguese; the page changes them."""

import pytest

from imports import services
from imports.models import Import
from tests.imports.conftest import csv_file

HEADERS = {
    "en": "External ID,Name,E-mail,Phone,Website,Kind,Owner,Organisation,Tags,Address",
    "it": "ID esterno;Nome;E-mail;Telefono;Sito web;Tipo;Responsabile;Organizzazione;Tag;Indirizzo",
    "pt-br": "ID externo;Nome;E-mail;Telefone;Site;Tipo;Responsável;Organização;Tags;Endereço",
}
KEYS = ["external_id", "name", "email", "phone", "website", "kind", "owner", "organisation", "tags", "address"]


@pytest.mark.parametrize("language", list(HEADERS))
def test_headers_in_each_language_map_to_their_fields(rep, language):
    header = HEADERS[language]
    separator = ";" if ";" in header else ","
    row = separator.join(["x1", "Ada", "ada@example.com", "", "", "", "", "", "", ""])
    imp = services.import_create(by=rep, kind=Import.Kind.CONTACTS, upload=csv_file(f"{header}\n{row}\n"))
    assert [imp.mapping.get(str(i)) for i in range(len(KEYS))] == KEYS


def test_headers_match_whatever_the_case_spaces_and_dashes(rep):
    imp = services.import_create(by=rep, kind=Import.Kind.CONTACTS, upload=csv_file(" NAME ,email,e_mail,Unknown\nAda,a@example.com,b,c\n"))
    # one column per field: the second e-mail column and the unknown one are left unmapped
    assert imp.mapping == {"0": "name", "1": "email"}


def test_the_mapping_page_changes_a_column_by_hand(client_as, rep):
    client = client_as(rep)
    response = client.post("/imports/", {"kind": "contacts", "file": csv_file("Full name,Mail\nAda,ada@example.com\n")})
    imp = Import.objects.get()
    assert response.headers["Location"] == f"/imports/{imp.pk}/columns/"
    page = client.get(f"/imports/{imp.pk}/columns/").content.decode()
    assert "Full name" in page and 'name="column_0"' in page
    response = client.post(f"/imports/{imp.pk}/columns/", {"column_0": "name", "column_1": "email", "version": imp.version})
    assert response.status_code == 302
    imp.refresh_from_db()
    assert imp.mapping == {"0": "name", "1": "email"}
    assert imp.status == Import.Status.CHECKED and imp.error_rows == 0


def test_a_stale_mapping_form_is_refused(client_as, rep):
    client = client_as(rep)
    client.post("/imports/", {"kind": "contacts", "file": csv_file("Full name\nAda\n")})
    imp = Import.objects.get()
    client.post(f"/imports/{imp.pk}/columns/", {"column_0": "name", "version": imp.version})
    response = client.post(f"/imports/{imp.pk}/columns/", {"column_0": "", "version": imp.version}, follow=True)
    assert "changed elsewhere" in response.content.decode()
    imp.refresh_from_db()
    assert imp.mapping == {"0": "name"}


def test_a_field_that_cannot_be_imported_is_not_stored(client_as, rep):
    client = client_as(rep)
    client.post("/imports/", {"kind": "contacts", "file": csv_file("a\nAda\n")})
    imp = Import.objects.get()
    response = client.post(f"/imports/{imp.pk}/columns/", {"column_0": "current_mrr", "version": imp.version})
    assert response.status_code == 422
    imp.refresh_from_db()
    assert imp.mapping == {}


def test_with_subscriptions_off_no_subscription_field_or_kind_is_offered(client_as, rep):
    from crm import fields

    assert fields.importable("periods") == []
    assert {f.key for f in fields.importable("contacts")}.isdisjoint({"mrr", "currency", "start_date"})
    page = client_as(rep).get("/imports/").content.decode()
    assert 'value="contacts"' in page and 'value="periods"' not in page
    response = client_as(rep).post("/imports/", {"kind": "periods", "file": csv_file("currency\nEUR\n")})
    assert response.status_code == 422
    assert not Import.objects.exists()


def test_with_subscriptions_on_the_period_fields_are_offered(client_as, rep, subscriptions_on):
    page = client_as(rep).get("/imports/").content.decode()
    assert 'value="periods"' in page
    header = "E-mail del contatto;Valuta;MRR;Data di decorrenza;Data di fine"
    imp = services.import_create(by=rep, kind=Import.Kind.PERIODS, upload=csv_file(f"{header}\na@example.com;EUR;10;2026-01-01;\n"))
    assert imp.mapping == {"0": "contact_email", "1": "currency", "2": "mrr", "3": "start_date", "4": "end_date"}


def test_a_periods_import_is_gone_while_the_feature_is_off(client_as, rep, subscriptions_on):
    from crm.models import Feature

    imp = services.import_create(by=rep, kind=Import.Kind.PERIODS, upload=csv_file("currency\nEUR\n"))
    Feature.objects.filter(name="subscriptions").update(is_active=False)
    assert client_as(rep).get(f"/imports/{imp.pk}/columns/").status_code == 404


@pytest.mark.parametrize("kind, header, keys", [
    (Import.Kind.CONTACTS, "Nome;Tipo;Email;Telefono;Sito web;Proprietario;Etichette",
     ["name", "kind", "email", "phone", "website", "owner", "tags"]),
    (Import.Kind.CONTACTS, "Nome;Proprietário;Etiquetas;Empresa;Celular", ["name", "owner", "tags", "organisation", "phone"]),
    (Import.Kind.CONTACTS, "Company name,Contact owner,Labels,Type,Telephone", ["name", "owner", "tags", "kind", "phone"]),
    (Import.Kind.PERIODS, "Email contatto;Valore mensile;Data inizio;Mesi;Valuta",
     ["contact_email", "mrr", "start_date", "term_months", "currency"]),
    (Import.Kind.PERIODS, "E-mail do contato;Valor mensal;Início;Meses", ["contact_email", "mrr", "start_date", "term_months"]),
    (Import.Kind.PERIODS, "Email,Monthly value,Start,Months,Currency", ["contact_email", "mrr", "start_date", "term_months", "currency"]),
])
def test_headers_other_products_write_find_their_fields_in_each_language(rep, subscriptions_on, kind, header, keys):
    separator = ";" if ";" in header else ","
    row = separator.join(["x"] * len(keys))
    imp = services.import_create(by=rep, kind=kind, upload=csv_file(f"{header}\n{row}\n"))
    assert [imp.mapping.get(str(i)) for i in range(len(keys))] == keys
