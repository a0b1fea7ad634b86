"""The MRR chart's month labels never overlap, whatever the number of months: they fall on
calendar months (quarters, then years) far enough apart for their text."""

import datetime
import re
from decimal import Decimal

import pytest

from subscriptions.dates import add_months
from subscriptions.history import MONTH_LABEL, YEAR_LABEL, Month, chart


def months(count, first=datetime.date(2017, 3, 1)):
    return [Month(add_months(first, i), Decimal(100 + i), "EUR", Decimal(1)) for i in range(count)]


@pytest.mark.parametrize("count", [1, 2, 9, 13, 16, 24, 36, 59, 60, 120, 240, 600])
def test_labels_are_apart_by_at_least_their_width_and_inside_the_chart(count):
    drawn = chart(months(count))
    xs = [x for x, _ in drawn.x_ticks]
    room = YEAR_LABEL if drawn.yearly else MONTH_LABEL
    assert xs, "at least one label"
    assert all(b - a >= room for a, b in zip(xs, xs[1:]))
    assert all(x + room - 12 <= drawn.width for x in xs)


def test_ten_years_are_labelled_by_year_on_each_january():
    drawn = chart(months(120))
    assert drawn.yearly
    assert [label for _, label in drawn.x_ticks] == [datetime.date(year, 1, 1) for year in range(2018, 2027)]


def test_sixteen_months_are_labelled_every_other_month_and_a_few_months_every_month():
    labels = [label.month for _, label in chart(months(16)).x_ticks]
    assert labels == [3, 5, 7, 9, 11, 1, 3, 5] and not chart(months(16)).yearly
    assert [label.month for _, label in chart(months(6)).x_ticks] == [3, 4, 5, 6, 7, 8]


@pytest.mark.parametrize(("language", "labels", "tooltip"), [
    ("en", ["Oct 2026", "Nov 2026", "Dec 2026"], "December 2026"),
    # Italian and Portuguese write month names in lower case; Django's "M" would print "Dic 2026".
    ("it", ["ott 2026", "nov 2026", "dic 2026"], "dicembre 2026"),
    ("pt-br", ["out 2026", "nov 2026", "dez 2026"], "dezembro 2026"),
])
def test_month_labels_as_each_language_writes_them(language, labels, tooltip):
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override(language):
        html = render_to_string("subscriptions/_chart.html", {"chart": chart(months(3, datetime.date(2026, 10, 1)))})
    assert re.findall(r'fill="#5d6b7d">([^<\d][^<]*)</text>', html) == labels
    assert f"<title>{tooltip}: " in html
