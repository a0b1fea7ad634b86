"""A smart list row's cells, formatted in Python.

A page is up to 50 rows of any number of columns: looping the cells through template tags cost
most of the page's time (an {% if %} chain and several variable lookups per cell). The output is
what the template gave: values localised and escaped as `{{ value }}` does, money through
`floatformat:2`, dates through `date:"SHORT_DATE_FORMAT"`, all in the active language.
"""

from dataclasses import dataclass

from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from crm import fields
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


def _text(value) -> str:
    """`{{ value }}` in a template: local time, localised, escaped."""
    return conditional_escape(localize(template_localtime(value)))


def _cell_html(cell: Cell) -> str:
    kind, value = cell.field.kind, cell.value
    if kind == "money":
        if value is None:
            return '<td class="num"></td>'
        foreign = f" {_text(cell.foreign_currency)}" if cell.foreign_currency else ""
        return f'<td class="num">{floatformat(value, 2)}{foreign}</td>'
    if kind == "number":
        return f'<td class="num">{"" if value is None else _text(value)}</td>'
    if kind == "date":
        return f"<td>{conditional_escape(date_filter(template_localtime(value), 'SHORT_DATE_FORMAT')) if value else ''}</td>"
    if cell.url:
        return format_html('<td><a href="{}">{}</a></td>', cell.url, _text(cell.display))
    return f"<td>{'' if cell.display is None else _text(cell.display)}</td>"


def row_html(row) -> SafeString:
    """The row's `<td>` elements; every value in them is escaped above."""
    return mark_safe("\n        ".join(_cell_html(cell) for cell in row))
