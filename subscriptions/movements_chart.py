"""The MRR movements report's chart, as coordinates for server-rendered SVG (no script).

Two panels over the same months: above, each month's closing MRR as a bar (months ahead, the
committed MRR, drawn lighter); below, the month's movements from a zero line, gains stacked
upwards (new business, expansion, reactivation) and losses downwards (contraction, churn). The
table beside it gives every figure; the chart only shows their shape.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from subscriptions.history import LABEL_GAP, MONTH_LABEL, YEAR_LABEL, labelled, nice_ceiling, tick_interval
from subscriptions.movements import GAINS, LOSSES, Month

# Fill of each movement's bars (with their legend), and of the closing MRR's.
COLOURS = {"new": "#1b7a3a", "expansion": "#5cb85c", "reactivation": "#7b4fb8", "contraction": "#d08b00",
           "churn": "#c0392b"}
LEVEL_COLOUR = "#0172ad"
MOVES = (*GAINS, *LOSSES)  # gains stacked up from the zero line, then losses down from it


class Bar(NamedTuple):  # a tuple: a hundred of them a chart, made cheaply
    x: float
    y: float
    width: float
    height: float
    month: Month
    kind: str  # "closing" or a movement
    amount: Decimal
    colour: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right_edge: int
    levels: list  # Bar of each month's closing MRR
    level_ticks: list  # (y, value)
    moves: list  # Bar of each month's movements
    zero: float  # the y of the movements' zero line
    move_ticks: list  # (y, value, sign): "+", "" or "−"
    x_ticks: list  # (x, first day of the month)
    yearly: bool
    divider: float | None  # the x where the months ahead begin, if the chart has both kinds


def chart(months: list[Month], *, width=640, height=330) -> Chart | None:
    if not months:
        return None
    left, right, top, gap, bottom = 64, 12, 12, 26, 26
    plot_w = width - left - right
    level_h = 150
    moves_top = top + level_h + gap
    moves_h = height - moves_top - bottom
    step = plot_w / len(months)
    bar_w = round(max(step * 0.7, 1), 1)
    closings = [month.closing for month in months]  # (a sum each time it is read)
    level_top = nice_ceiling(max(max(closings), Decimal(0)))
    swing = max([sum(month.moves[g] for g in GAINS) for month in months]
                + [sum(month.moves[loss] for loss in LOSSES) for month in months])
    move_top = nice_ceiling(swing)
    baseline = top + level_h
    zero = round(moves_top + moves_h / 2, 1)
    half = moves_h / 2
    # one scale each, as floats: a Decimal division per bar was most of the chart's time
    level_scale, move_scale = level_h / float(level_top), half / float(move_top)

    def level_y(value):
        return round(baseline - float(value) * level_scale, 1)

    levels, moves, divider = [], [], None
    for i, (month, closing) in enumerate(zip(months, closings)):
        x = round(left + i * step + (step - bar_w) / 2, 1)
        if month.ahead and divider is None and i:
            divider = round(left + i * step, 1)
        y = level_y(max(closing, Decimal(0)))
        levels.append(Bar(x, y, bar_w, round(baseline - y, 1), month, "closing", closing, LEVEL_COLOUR))
        up = down = zero
        for kind in MOVES:
            amount = month.moves[kind]
            h = round(float(amount) * move_scale, 1) if amount else 0
            if not h:
                continue
            if kind in GAINS:
                up = round(up - h, 1)
                moves.append(Bar(x, up, bar_w, h, month, kind, amount, COLOURS[kind]))
            else:
                moves.append(Bar(x, down, bar_w, h, month, kind, amount, COLOURS[kind]))
                down = round(down + h, 1)
    level_ticks = [(level_y(level_top * k / 2), level_top * k / 2) for k in range(3)]
    move_ticks = [(round(zero - half, 1), move_top, "+"), (zero, Decimal(0), ""), (round(zero + half, 1), move_top, "−")]
    every, yearly = tick_interval(len(months), plot_w)
    room = YEAR_LABEL if yearly else MONTH_LABEL
    x_ticks = [
        (round(left + i * step, 1), month.month)
        for i, month in enumerate(months)
        if labelled(month.month, every) and left + i * step + room - LABEL_GAP <= width
    ]
    return Chart(width, height, left, width - right, levels, level_ticks, moves, zero, move_ticks, x_ticks, yearly,
                 divider)
