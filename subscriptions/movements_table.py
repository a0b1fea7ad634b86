"""The movements report as its tables and chart show it: each cell's text, label and link, formatted
once per request in the active language (`crm.formats.Formats`, the month names by
`date_format`), so that the template only writes them into markup. A few hundred figures through
the template's filters (`floatformat`, `date`, `{% translate %}` in every cell) were most of the
page's time."""

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from crm.formats import Formats, short_month_format
from subscriptions.movement_figures import FIGURES, figure_query
from subscriptions.movements import GAINS, LOSSES, Section, Totals
from subscriptions.movements_chart import COLOURS, LEVEL_COLOUR, chart

KEYS = tuple(key for key, _label in FIGURES)
# Where a figure's link goes: the person's pipeline list, which the figure's filters narrow.
FIGURE_URL = lru_cache(maxsize=1)(lambda: reverse("smartlists:pipeline"))


class Cell(NamedTuple):  # tuples: the template unpacks them, the cheapest lookup it has
    label: str  # its column's heading, for the card a row becomes on a phone
    text: str
    href: str  # the contacts it adds up: the person's pipeline list, filtered to the figure (`movement=`)


class Row(NamedTuple):
    label: str
    cells: list
    kind: str = ""  # "ahead" (a month after the current one) or "total"


@dataclass(frozen=True)
class Table:
    heading_id: str
    title: str
    first_heading: str
    headings: list  # the figures' column headings
    rows: list
    total: Row | None = None


def labels(*, ahead: bool) -> dict[str, str]:
    """Each figure's heading; ahead of the current month, the committed MRR and churn at risk."""
    found = {key: str(label) for key, label in FIGURES}
    if ahead:
        found.update(opening=_("Opening MRR (committed)"), churn=_("Churn at risk"), closing=_("Committed MRR"))
    return found


def _cells(totals: Totals, names: dict, fmt: Formats, query: str) -> list[Cell]:
    amounts = {"opening": totals.opening, **totals.moves, "closing": totals.closing}
    cells = []
    for key in KEYS:
        amount = amounts[key]
        sign = ("+" if key in GAINS else "−" if key in LOSSES else "") if amount else ""
        cells.append(Cell(names[key], sign + fmt.money(amount), f"{FIGURE_URL()}?movement={key}&{query}"))
    return cells


def _row(label: str, totals: Totals, names: dict, fmt: Formats, query: str, kind: str = "") -> "Row":
    return Row(label, _cells(totals, names, fmt, query), kind)


@lru_cache(maxsize=4096)
def _month_name(month, language) -> str:
    return date_format(month, "F Y")


def month_name(month) -> str:
    """"January 2026" in the active language (read once a process per month and language)."""
    return _month_name(month, get_language())


def section_tables(section: Section, *, first, last, owner: str | None, fmt: Formats) -> list[Table]:
    """A currency's tables: its months to date, its months ahead, and each owner's range with the total."""
    code, tables = section.currency, []
    for ahead, months, title in ((False, section.to_date, _("Month by month")),
                                 (True, section.ahead, _("Months ahead: committed MRR"))):
        if not months:
            continue
        names = labels(ahead=ahead)
        rows = [_row(month_name(m.month), m, names, fmt, figure_query(currency=code, first=m.month, owner=owner),
                     "ahead" if ahead else "") for m in months]
        tables.append(Table(f"movements-{code}-{'ahead' if ahead else 'to-date'}", title, _("Month"),
                            [names[key] for key in KEYS], rows))
    if section.owners:
        names = labels(ahead=False)
        rows = [_row(str(person), totals, names, fmt,
                     figure_query(currency=code, first=first, last=last, owner=person.get_username()))
                for person, totals in section.owners]
        total = _row(_("Total"), section.total, names, fmt,
                     figure_query(currency=code, first=first, last=last, owner=owner), "total")
        title = _("By owner, %(first)s to %(last)s") % {"first": month_name(first), "last": month_name(last)}
        tables.append(Table(f"movements-{code}-owners", title, _("Owner"), [names[key] for key in KEYS], rows, total))
    return tables


def _number(value: float) -> str:
    """A coordinate as SVG reads it: never the language's decimal comma."""
    return f"{value:g}"


def _bars(bars) -> str:
    """SVG path data drawing each of `bars` as a rectangle: one element for many bars."""
    return " ".join(f"M{_number(b.x)},{_number(b.y)}h{_number(b.width)}v{_number(b.height)}h{_number(-b.width)}z"
                    for b in bars if b.height)


def chart_shapes(section: Section, fmt: Formats) -> dict | None:
    """The chart's bars (as one path per kind), ticks and labels as text, from the coordinates
    `movements_chart.chart` gives."""
    drawn = chart(section.months)
    if drawn is None:
        return None
    names = {key: str(label) for key, label in FIGURES}
    return {
        "width": drawn.width, "height": drawn.height, "left": drawn.left, "right": drawn.right_edge,
        "label_x": drawn.left - 6, "label_y": drawn.height - 8, "divider_bottom": drawn.height - 22,
        "closing": _bars(bar for bar in drawn.levels if not bar.month.ahead),
        "committed": _bars(bar for bar in drawn.levels if bar.month.ahead),
        "moves": [(_bars(bar for bar in drawn.moves if bar.kind == key), COLOURS[key]) for key in (*GAINS, *LOSSES)],
        "zero": _number(drawn.zero),
        "divider": None if drawn.divider is None else _number(drawn.divider),
        "level_ticks": [(_number(y), fmt.number(int(value))) for y, value in drawn.level_ticks],
        "move_ticks": [(_number(y), sign + fmt.number(int(value))) for y, value, sign in drawn.move_ticks],
        "x_ticks": [(_number(x), month.strftime("%Y") if drawn.yearly else date_format(month, short_month_format()))
                    for x, month in drawn.x_ticks],
        "legend": [(names[key], COLOURS[key]) for key in (*GAINS, *LOSSES)],
        "level_colour": LEVEL_COLOUR,
    }
