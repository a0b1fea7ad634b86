"""A smart list row's cells, formatted in Python.

A page is up to 50 rows of any number of columns: looping the cells through template tags cost
most of the page's time (an {% if %} chain and several variable lookups per cell). The output is
what the template gave: values localised and escaped as `{{ value }}` does, money through
`floatformat:2`, dates through `date:"SHORT_DATE_FORMAT"`, all in the active language.
"""

from dataclasses import dataclass

from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from crm import fields
from crm.html import date, text
from smartlists.queries import currency_alias


@dataclass(frozen=True)
class Cell:
    field: fields.ContactField
    value: object
    display: object
    foreign_currency: str | None = None
    url: str | None = None


def cells(contact, columns, currency):
    for f in columns:
        value = getattr(contact, f.key)
        display = dict(f.choices).get(value) if f.kind == "choice" else value
        foreign = None
        if f.kind == "money" and f.currency and value is not None:
            row_currency = getattr(contact, currency_alias(f))
            foreign = row_currency if row_currency != currency else None
        url = contact.get_absolute_url() if f.key == "name" else None
        yield Cell(f, value, display, foreign, url)


def _cell_html(cell: Cell) -> str:
    kind, value = cell.field.kind, cell.value
    if kind == "money":
        if value is None:
            return '<td class="num"></td>'
        foreign = f" {text(cell.foreign_currency)}" if cell.foreign_currency else ""
        return f'<td class="num">{floatformat(value, 2)}{foreign}</td>'
    if kind == "number":
        return f'<td class="num">{"" if value is None else text(value)}</td>'
    if kind == "date":
        return f"<td>{date(value, 'SHORT_DATE_FORMAT') if value else ''}</td>"
    if cell.url:
        return format_html('<td><a href="{}">{}</a></td>', cell.url, text(cell.display))
    return f"<td>{'' if cell.display is None else text(cell.display)}</td>"


def row_html(row) -> SafeString:
    """The row's `<td>` elements; every value in them is escaped above."""
    return mark_safe("\n        ".join(_cell_html(cell) for cell in row))
