"""A contact's MRR month by month, and its chart as server-rendered SVG.

The MRR of a month is the MRR in force on the month's last day (0 when no period covers it),
from the month the first period starts to the later of this month and the month the last known
period starts, so upcoming changes are on the chart too.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from crm.dates import EARLIEST, LATEST
from subscriptions.dates import month_end, months_between


@dataclass(frozen=True)
class Month:
    month: datetime.date  # the first day
    mrr: Decimal
    currency: str  # its period's; at 0, the currency of the last period started (that ended)
    change: Decimal | None  # from the month before, in `currency`; None when that was in another one


def monthly_mrr(periods: list, today: datetime.date) -> list[Month]:
    """One `Month` per month since the first period began; `periods` sorted by start date."""
    if not periods:
        return []
    # Within the range of dates people can type: a row stored before there was one (year 9999)
    # would otherwise make a page of a hundred thousand months.
    first, last = max(periods[0].start_date, EARLIEST), min(max(today, periods[-1].start_date), LATEST)
    months, previous, previous_currency, index = [], Decimal(0), None, 0
    for first_day in months_between(first, last):
        day = month_end(first_day)
        while index + 1 < len(periods) and periods[index + 1].start_date <= day:
            index += 1
        period = periods[index] if periods[index].covers(day) else None
        mrr = period.mrr if period else Decimal("0.00")
        currency = periods[index].currency
        # Amounts in two currencies are never compared: no change across a change of currency.
        change = mrr - previous if previous_currency in (None, currency) else None
        months.append(Month(first_day, mrr, currency, change))
        previous, previous_currency = mrr, currency
    return months


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    path: str  # a step line through every month
    area: str  # the same line closed along the x axis
    y_ticks: list  # (y, value)
    x_ticks: list  # (x, label)
    points: list  # (x, y, Month)
    baseline: float
    left: int
    yearly: bool  # x labels are years only (else month and year)


def nice_ceiling(value: Decimal) -> Decimal:
    """1, 2 or 5 times a power of ten, at least `value`."""
    if value <= 0:
        return Decimal(100)
    magnitude = Decimal(10) ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def chart(months: list[Month], *, width=640, height=220) -> Chart | None:
    """Coordinates for an SVG step chart of `months`; None for nothing to draw."""
    if not months:
        return None
    left, right, top, bottom = 64, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = nice_ceiling(max(month.mrr for month in months))
    step = plot_w / len(months)

    def y(value: Decimal) -> float:
        return round(top + plot_h - float(value / top_value) * plot_h, 1)

    points, path = [], ""
    for i, month in enumerate(months):
        x0, x1, level = round(left + i * step, 1), round(left + (i + 1) * step, 1), y(month.mrr)
        path += f"M{x0},{level}" if i == 0 else f" V{level}"
        path += f" H{x1}"
        points.append((round(x0 + step / 2, 1), level, month))
    baseline = top + plot_h
    area = f"{path} L{left + plot_w},{baseline} L{left},{baseline} Z"
    y_ticks = [(y(top_value * k / 4), top_value * k / 4) for k in range(5)]
    every, yearly = tick_interval(len(months), plot_w)
    room = YEAR_LABEL if yearly else MONTH_LABEL
    x_ticks = [
        (round(left + i * step, 1), month.month)
        for i, month in enumerate(months)
        if labelled(month.month, every) and left + i * step + room - LABEL_GAP <= width  # the text fits
    ]
    return Chart(width, height, path, area, y_ticks, x_ticks, points, baseline, left, yearly)


# How many months apart the x axis's labels may be, and the room a label takes in the chart's units
# (font size 11, with a gap): "Sep 2026" / "set 2026" (month and year) or "2026" (from a year apart).
TICK_MONTHS = (1, 2, 3, 6, 12, 24, 60, 120, 600, 1200)
MONTH_LABEL, YEAR_LABEL, LABEL_GAP = 62, 40, 12


def tick_interval(count: int, plot_width: float) -> tuple[int, bool]:
    """(months between labels, whether they are years only) for `count` months across
    `plot_width`: the closest interval at which labels never overlap, aligned on calendar quarters
    and years (every 3 months: January, April, July, October; every 24: even years)."""
    month_width = plot_width / count
    for every in TICK_MONTHS:
        yearly = every >= 12
        if every * month_width >= (YEAR_LABEL if yearly else MONTH_LABEL):
            return every, yearly
    return TICK_MONTHS[-1], True


def labelled(month: datetime.date, every: int) -> bool:
    if every < 12:
        return (month.month - 1) % every == 0
    return month.month == 1 and month.year % (every // 12) == 0
