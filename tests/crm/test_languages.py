from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


pytestmark = pytest.mark.usefixtures("compiled_catalogues")


@pytest.mark.parametrize(("language", "word"), [("it", "Contatti"), ("pt-br", "Contatos"), ("en", "Contacts")])
def test_browser_language_picks_the_catalogue(client_as, rep, language, word):
    response = client_as(rep).get(reverse("contact_list"), headers={"Accept-Language": language})
    assert f"<h1>{word}</h1>" in response.text


def test_language_picker_switches_language(client_as, rep):
    client = client_as(rep)
    client.post(reverse("set_language"), {"language": "it", "next": "/contacts/"})
    assert "<h1>Contatti</h1>" in client.get(reverse("contact_list")).text


CATALOGUES = sorted(ROOT.glob("*/locale/*/LC_MESSAGES/django.po"))


def test_each_app_ships_italian_and_portuguese():
    assert {(path.parts[-5], path.parts[-3]) for path in CATALOGUES} >= {("crm", "it"), ("crm", "pt_BR")}
    for app in {path.parts[-5] for path in CATALOGUES}:
        assert {path.parts[-3] for path in CATALOGUES if path.parts[-5] == app} == {"it", "pt_BR"}, app


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: "/".join(path.parts[-5:-2]))
def test_every_string_is_translated(path):
    po = path.read_text()
    entries = po.split("\n\n")[1:]  # the first block is the header
    untranslated = [e for e in entries if e.rstrip().endswith('msgstr ""') and "#, fuzzy" not in e]
    assert untranslated == []
    assert "#, fuzzy" not in po
