"""Numbers, money and dates as plain text in the active language, for the rows of a table.

Displayed numbers are always grouped as the language writes them (1,234.50 in English, 1.234,50 in
Italian and Brazilian Portuguese), whatever `USE_THOUSAND_SEPARATOR` says: that setting stays off
so ids, versions and attribute values are never grouped, and templates group with
`floatformat:"2g"` / `intcomma` the way this class does.

Django's `{{ value }}`, `floatformat` and `date` filters look up the language's formats on every
call (~5 µs each): over a 50-row table that was most of the page. `Formats()` reads them once (per
request and language) and then formats a value with plain string work. Its output is what those
filters print, as text: the template escapes it like any other value.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import dateformat, formats
from django.utils.dates import MONTHS_3
from django.utils.timezone import template_localtime

CENT = Decimal("0.01")
# `date` format characters this module writes itself; any other one goes through Django's dateformat.
_DATE_PARTS = {
    "d": lambda day: f"{day.day:02d}",
    "j": lambda day: str(day.day),
    "m": lambda day: f"{day.month:02d}",
    "n": lambda day: str(day.month),
    "Y": lambda day: f"{day.year:04d}",
    "y": lambda day: f"{day.year % 100:02d}",
}


class Formats:
    """The active language's number and date formats, read once."""

    def __init__(self):
        self.decimal_separator = formats.get_format("DECIMAL_SEPARATOR")
        self.thousand_separator = formats.get_format("THOUSAND_SEPARATOR")
        self.grouping = formats.get_format("NUMBER_GROUPING")
        self.short_date_format = formats.get_format("SHORT_DATE_FORMAT")
        self.short_datetime_format = formats.get_format("SHORT_DATETIME_FORMAT")
        self._short_date = _compile(self.short_date_format)
        # Groups of three digits (every language the product speaks): Python's own "," grouping,
        # its separators swapped for the language's in one pass, instead of a loop over the digits.
        self._swap = (str.maketrans({",": self.thousand_separator, ".": self.decimal_separator})
                      if self.grouping == 3 else None)

    def number(self, value) -> str:
        """A number grouped and with the decimal separator as the language has them (`intcomma`)."""
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
            return str(value)
        if isinstance(value, int):
            return self._grouped(str(value))
        text = f"{value:f}" if isinstance(value, Decimal) else repr(value)
        if "e" in text or "inf" in text or "nan" in text:
            return formats.number_format(value, force_grouping=True)  # rare shapes: Django's own rules
        return self._localised(text)

    def money(self, value) -> str:
        """`{{ value|floatformat:"2g" }}`: two places, rounded half up, grouped."""
        if value is None:
            return ""
        try:
            rounded = Decimal(value if not isinstance(value, float) else repr(value)).quantize(CENT, ROUND_HALF_UP)
        except (InvalidOperation, TypeError, ValueError):
            return ""
        if not rounded:
            rounded = abs(rounded)  # floatformat prints no "-0.00"
        if self._swap is not None:
            return f"{rounded:,f}".translate(self._swap)
        return self._localised(f"{rounded:f}")

    def date(self, value) -> str:
        """`{{ value|date:"SHORT_DATE_FORMAT" }}`."""
        if not value:
            return ""
        return self.format_date(value, self._short_date, self.short_date_format)

    @staticmethod
    def iso_date(value) -> str:
        """`{{ value|date:"Y-m-d" }}`."""
        return value.isoformat()[:10] if value else ""

    @staticmethod
    def format_date(value, parts, format_string) -> str:
        if isinstance(value, datetime.datetime):
            value = template_localtime(value)
        if parts is None:
            return dateformat.format(value, format_string)
        return "".join(part if isinstance(part, str) else part(value) for part in parts)

    def _grouped(self, integer: str) -> str:
        sign = "-" if integer.startswith("-") else ""
        digits = integer.removeprefix("-")
        if not self.grouping:
            return integer
        return sign + _group(digits, self.grouping, self.thousand_separator)

    def _localised(self, text: str) -> str:
        integer, dot, fraction = text.partition(".")
        integer = self._grouped(integer)
        return f"{integer}{self.decimal_separator}{fraction}" if dot else integer


def short_month_format(lang=None) -> str:
    """The `date` format of a month and year in little room (a chart's axis): the language's format
    module's `SHORT_MONTH_FORMAT` ("b Y": "dic 2026" in Italian), else "M Y" ("Dec 2026").
    Django has no such format setting, so it is read from the same modules `get_format` reads."""
    for module in formats.get_format_modules(lang):
        if hasattr(module, "SHORT_MONTH_FORMAT"):
            return module.SHORT_MONTH_FORMAT
    return "M Y"


def _group(digits: str, grouping, separator: str) -> str:
    """Django's `numberformat.format` grouping of an integer's digits (same loop)."""
    intervals = [grouping, 0] if isinstance(grouping, int) else list(grouping)
    interval = intervals.pop(0)
    grouped, count = "", 0
    for digit in reversed(digits):
        if count and count == interval:
            if intervals:
                interval = intervals.pop(0) or interval
            grouped += separator[::-1]
            count = 0
        grouped += digit
        count += 1
    return grouped[::-1]


def _month_abbreviation():
    """dateformat's "M" ("Dec" in English's short date), the names read once in the active language."""
    names = [""] + [str(MONTHS_3[month]).title() for month in range(1, 13)]
    return lambda day: names[day.month]


def _compile(format_string: str):
    """The format as a list of literal strings and part functions, or None when it needs dateformat.
    Compiled in the language the parts are for (month names are)."""
    parts, escaped = [], False
    for char in format_string:
        if escaped:
            parts.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in _DATE_PARTS:
            parts.append(_DATE_PARTS[char])
        elif char == "M":
            parts.append(_month_abbreviation())
        elif char.isalpha():
            return None
        else:
            parts.append(char)
    return parts
