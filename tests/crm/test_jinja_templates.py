"""The Jinja2 templates (`crm/jinja_env.py`, the apps' `jinja2/` folders): every text they show is
in each language's catalogue, and written in the one shape Django's `makemessages` reads from a
template, so the catalogues keep it."""

from pathlib import Path

import pytest
from django.template import engines
from django.utils import translation
from django.utils.translation.template import templatize

from crm.jinja_env import ENGINE

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(path for path in ROOT.glob("*/jinja2/**/*.html"))


def texts(path: Path) -> list[str]:
    """The texts a template translates, as Jinja2 reads them."""
    return [message for _line, _function, message in engines[ENGINE].env.extract_translations(path.read_text())]


def test_there_are_jinja_templates_to_check():
    assert TEMPLATES and all(texts(path) for path in TEMPLATES)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_makemessages_reads_every_text_and_no_trans_block(path):
    source = path.read_text()
    assert "{% trans" not in source  # Jinja's block: Django's template reader would take it for its own tag
    read = templatize(source)
    missing = [text for text in texts(path) if f"_({text!r})" not in read and f'_("{text}")' not in read]
    assert missing == []


@pytest.mark.parametrize("language", ["it", "pt-br"])
@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_text_is_translated(compiled_catalogues, path, language):
    with translation.override(language):
        untranslated = [text for text in texts(path) if translation.gettext(text) == text and text not in SAME]
    assert untranslated == []


# Texts written the same in a language as in English.
SAME = {"In %(currency)s"}
