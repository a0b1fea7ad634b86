"""The movements report's chart: closing MRR bars above (months ahead apart), gains stacked above
the zero line and losses under it, everything inside its box, and SVG numbers in any language."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from subscriptions.movements import MOVEMENTS, Month
from subscriptions.movements_chart import chart
from tests.factories import ContactFactory
from tests.subscriptions.factories import PeriodFactory

D = datetime.date


def month(day, opening, ahead=False, **moves):
    row = Month(opening=Decimal(opening), month=day, ahead=ahead)
    row.moves = {name: Decimal(moves.get(name, "0")) for name in MOVEMENTS}
    return row


def test_each_month_has_its_closing_bar_and_its_movements_around_the_zero_line():
    months = [month(D(2026, 1, 1), "100", new="50"), month(D(2026, 2, 1), "150", churn="30", contraction="20"),
              month(D(2026, 3, 1), "100", True, expansion="10", reactivation="5")]
    drawn = chart(months)
    assert [bar.amount for bar in drawn.levels] == [Decimal("150"), Decimal("100"), Decimal("115")]
    assert [bar.month.ahead for bar in drawn.levels] == [False, False, True]
    assert drawn.divider == pytest.approx(drawn.left + 2 * (drawn.right_edge - drawn.left) / 3, abs=0.1)
    gains = [bar for bar in drawn.moves if bar.kind in ("new", "expansion", "reactivation")]
    losses = [bar for bar in drawn.moves if bar.kind in ("contraction", "churn")]
    assert all(bar.y + bar.height <= drawn.zero + 0.1 for bar in gains)
    assert all(bar.y >= drawn.zero - 0.1 for bar in losses)
    # stacked: March's reactivation sits on its expansion
    march = [bar for bar in gains if bar.month.month == D(2026, 3, 1)]
    assert [bar.kind for bar in march] == ["expansion", "reactivation"]
    assert march[1].y + march[1].height == pytest.approx(march[0].y, abs=0.1)
    # one scale for both directions: 50 up is as tall as 30 + 20 down
    new = next(bar for bar in gains if bar.kind == "new")
    assert new.height == pytest.approx(sum(bar.height for bar in losses), abs=0.2)


@pytest.mark.parametrize("count", [1, 24, 60])
def test_everything_stays_inside_the_box(count):
    months = [month(D(2020 + i // 12, i % 12 + 1, 1), str(1000 + i), i >= count // 2, new=str(i), churn=str(count - i))
              for i in range(count)]
    drawn = chart(months)
    for bar in [*drawn.levels, *drawn.moves]:
        assert drawn.left <= bar.x and bar.x + bar.width <= drawn.right_edge + 0.1
        assert 0 <= bar.y and bar.y + bar.height <= drawn.height
    assert all(drawn.left <= x <= drawn.width for x, _ in drawn.x_ticks)


def test_nothing_moving_draws_no_movement_bars():
    drawn = chart([month(D(2026, 1, 1), "0"), month(D(2026, 2, 1), "0")])
    assert drawn.moves == [] and [bar.height for bar in drawn.levels] == [0, 0]
    assert chart([]) is None


@pytest.mark.parametrize("language", ["it", "pt-br"])
def test_the_svg_numbers_never_take_the_languages_decimal_comma(client_as, rep, subscriptions_on, language):
    contact = ContactFactory(owner=rep)
    PeriodFactory(contact=contact, mrr=Decimal("1234.56"), start_date=D(2026, 1, 3), end_date=D(2026, 7, 9))
    client = client_as(rep)
    page = client.get(reverse("subscriptions:movements"), {"start": "2025-12", "end": "2026-12"},
                      headers={"Accept-Language": language}).text
    svg = page.split("<svg", 1)[1].split("</svg>")[0]
    bars, lines = re.findall(r'<path d="([^"]*)" fill=', svg), re.findall(r'<path d="([^"]*)" stroke=', svg)
    assert bars and lines and "Movimen" in page  # the page is in the language, its numbers are not
    for path in bars:  # "M64,12h9.5v30h-9.5z": commas only between x and y
        assert re.fullmatch(r"(M-?[\d.]+,-?[\d.]+h-?[\d.]+v-?[\d.]+h-?[\d.]+z ?)+", path), path
    for path in lines:  # the grid, the zero line: "M64,162H628 M64,87H628"
        assert re.fullmatch(r"(M-?[\d.]+,-?[\d.]+[HV]-?[\d.]+ ?)+", path), path
    for attribute in ("x", "y", "x1", "x2", "y1", "y2"):
        assert all(re.fullmatch(r"-?[\d.]+", v) for v in re.findall(rf' {attribute}="([^"]*)"', svg)), attribute
