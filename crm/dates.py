"""The one place "today" comes from, so that tests can move it (time-machine), and the range of
dates the product accepts."""

import datetime

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

# Every date a person types is in this range: wide enough for any real contract, narrow enough
# that month-by-month history stays small and date arithmetic inside Python's calendar.
EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2200, 12, 31)


def today() -> datetime.date:
    return timezone.localdate()


class DateField(forms.DateField):
    """A form's date, refused outside EARLIEST..LATEST with a message that gives the range."""

    def validate(self, value):
        super().validate(value)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(
                _("Enter a date between %(earliest)s and %(latest)s."),
                code="date_range",
                params={"earliest": formats.date_format(EARLIEST), "latest": formats.date_format(LATEST)},
            )


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", **kwargs)


class MonthField(forms.DateField):
    """A month typed as YYYY-MM (`<input type="month">`), read as its first day; refused outside
    the months of EARLIEST..LATEST with a message that gives them."""

    input_formats = ["%Y-%m"]
    widget = MonthInput
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM, such as 2026-03.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MonthInput(attrs={"min": EARLIEST.strftime("%Y-%m"), "max": LATEST.strftime("%Y-%m")}))
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(
                _("Enter a month between %(earliest)s and %(latest)s."),
                code="month_range",
                params={"earliest": EARLIEST.strftime("%Y-%m"), "latest": LATEST.strftime("%Y-%m")},
            )
