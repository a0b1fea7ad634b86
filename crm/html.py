"""What `{{ value }}` and `{{ value|date:format }}` print, for rows built in Python.

Tables format their rows in Python rather than through per-cell template tags (see
`smartlists/views/cells.py`, `renewals/rows.py`, `crm/templatetags/contact_rows.py`); these keep
their output the template's: local time, the active language's formats, escaped.
"""

from django.template.defaultfilters import date as date_filter
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.timezone import template_localtime


def text(value) -> str:
    """`{{ value }}`: local time, localised, escaped."""
    return conditional_escape(localize(template_localtime(value)))


def date(value, format_name: str) -> str:
    """`{{ value|date:format_name }}`, escaped."""
    return conditional_escape(date_filter(template_localtime(value), format_name))
