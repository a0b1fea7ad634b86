"""Which field each column of a file fills: guessed from its header, changed by hand on the mapping page.

A header matches a field when it equals, casefolded and with its spaces, dashes and underscores
ignored, the field's key or one of its names in any of the product's languages (each lazy name is
rendered under `translation.override`): "E-mail", "email", "Nome", "Data de início" all find their
field whatever language the importer uses; so do the other headers a field lists by language
(`ImportField.headers`: "Proprietario", "Valore mensile", "Monthly value").
"""

import re

from django.conf import settings
from django.utils import translation

from crm import fields


def normalise(text: str) -> str:
    return re.sub(r"[\s_\-–.:]+", "", str(text).strip().casefold())


def names_of(import_field) -> set[str]:
    names = {normalise(import_field.key)}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for name in (import_field.label, *import_field.names):
                names.add(normalise(str(name)))
    for headers in import_field.headers.values():
        names.update(normalise(header) for header in headers)
    return names


def guess(headers: list[str], import_fields) -> dict[str, str]:
    """{column number as text: field key} for the headers that name a field; each field at most once."""
    by_name: dict[str, str] = {}
    for import_field in import_fields:
        for name in names_of(import_field):
            by_name.setdefault(name, import_field.key)
    mapping, taken = {}, set()
    for index, header in enumerate(headers):
        key = by_name.get(normalise(header))
        if key and key not in taken:
            mapping[str(index)] = key
            taken.add(key)
    return mapping


def clean(mapping: dict, headers: list[str], import_fields) -> dict[str, str]:
    """Only real columns mapped to fields that can be imported now, each field once (first wins)."""
    allowed = {f.key for f in import_fields}
    cleaned, taken = {}, set()
    for index in range(len(headers)):
        key = mapping.get(str(index)) or ""
        if key in allowed and key not in taken:
            cleaned[str(index)] = key
            taken.add(key)
    return cleaned
