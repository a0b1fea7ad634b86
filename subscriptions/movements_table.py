"""The movements report as its tables and chart show it: each row's text and links, formatted once
per request in the active language (`crm.formats.Formats`, month names cached per language), so
that the template only writes them into markup.

A row is a flat tuple the template (Jinja2, `jinja2/subscriptions/movements_sections.html`)
unpacks, and writes its seven figures' cells itself, each figure's name written in the template: a
row costs the template one link and one text per figure, no loop, filter or lookup per cell. Every
link of a row shares the row's `href`, which ends in `movement=`: the cell's figure completes it.
The links start from one base per currency (`figure_base`), the month, range and owner appended as
text, rather than a `reverse` and an `urlencode` per cell. Texts stay plain: the template escapes
them (in C, cheaper than a text marked safe here, which it would ask for its markup)."""

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from crm.formats import Formats, short_month_format
from subscriptions.movement_figures import FIGURES
from subscriptions.movements import GAINS, LOSSES, Section, Totals
from subscriptions.movements_chart import COLOURS, LEVEL_COLOUR, chart

KEYS = tuple(key for key, _label in FIGURES)
GAIN, LOSS = "+", "−"  # before a movement's figure (`figure_texts`)


@dataclass(frozen=True)
class Table:
    heading_id: str
    title: str
    headings: tuple  # the figures' column headings, in KEYS order
    rows: list  # (label, narrow, href, *the seven figures' texts); `narrow`: an owner's report alone ("" for a month)
    footer: tuple = ()  # the owners' table's total: one row as above
    ahead: bool = False  # months after the current one: committed MRR, churn at risk


def labels(*, ahead: bool) -> tuple[str, ...]:
    """Each figure's heading; ahead of the current month, the committed MRR and churn at risk (read
    once a process per language)."""
    return _labels(ahead, get_language())


@lru_cache(maxsize=32)
def _labels(ahead: bool, language) -> tuple[str, ...]:
    found = {key: str(label) for key, label in FIGURES}
    if ahead:
        found.update(opening=_("Opening MRR (committed)"), churn=_("Churn at risk"), closing=_("Committed MRR"))
    return tuple(found[key] for key in KEYS)


def figure_texts(fmt: Formats):
    """`texts(totals)`: the seven figures as shown, gains with "+", losses with "−", a zero
    unsigned. Each amount is formatted and signed once a request for each sign: a month's opening
    is the month before's closing, and most rows repeat a zero."""
    shown: dict = {}

    def text(sign, amount):
        found = shown.get((sign, amount))
        if found is None:
            found = shown[sign, amount] = sign + fmt.money(amount) if amount else fmt.money(amount)
        return found

    def texts(totals: Totals) -> tuple:
        moves = totals.moves
        return (text("", totals.opening), text(GAIN, moves["new"]), text(GAIN, moves["expansion"]),
                text(GAIN, moves["reactivation"]), text(LOSS, moves["contraction"]), text(LOSS, moves["churn"]),
                text("", totals.closing))

    return texts


@lru_cache(maxsize=4096)
def _month_name(month, language) -> str:
    return date_format(month, "F Y")


def month_name(month) -> str:
    """"January 2026" in the active language (read once a process per month and language)."""
    return _month_name(month, get_language())


@lru_cache(maxsize=4096)
def _short_month(month, language) -> str:
    return date_format(month, short_month_format())


@lru_cache(maxsize=1)
def figures_url() -> str:
    """Where a figure's link goes: the person's list of the contacts behind the movements' figures,
    which the link's filters narrow (`smartlists:movements`)."""
    return reverse("smartlists:movements")


def figure_base(currency: str) -> str:
    """The start of every figure link of `currency`: the list and the currency, then the month."""
    return f"{figures_url()}?{urlencode({'movement_currency': currency})}&movement_month="


def owner_part(owner: str | None) -> str:
    return "" if owner is None else "&" + urlencode({"owner": owner})


def section_tables(section: Section, *, first, last, owner: str | None, narrow: str, fmt: Formats) -> list[Table]:
    """A currency's tables: its months to date, its months ahead, and each owner's range with the
    total. `narrow`: the report's own URL for the range, to which an owner's username is added."""
    code, tables, texts = section.currency, [], figure_texts(fmt)
    base, mine = figure_base(code), owner_part(owner)
    for ahead, months, title in ((False, section.to_date, _("Month by month")),
                                 (True, section.ahead, _("Months ahead: committed MRR"))):
        if months:
            rows = [(month_name(m.month), "", f"{base}{m.month:%Y-%m}{mine}&movement=", *texts(m))
                    for m in months]
            tables.append(Table(f"movements-{code}-{'ahead' if ahead else 'to-date'}", title, labels(ahead=ahead), rows,
                                ahead=ahead))
    if section.owners:
        span = f"{base}{first:%Y-%m}&movement_until={last:%Y-%m}"
        rows = []
        for person, totals in section.owners:
            them = owner_part(person.get_username())
            rows.append((str(person), narrow + them, f"{span}{them}&movement=", *texts(totals)))
        footer = ((_("Total"), "", f"{span}{mine}&movement=", *texts(section.total)),)
        title = _("By owner, %(first)s to %(last)s") % {"first": month_name(first), "last": month_name(last)}
        tables.append(Table(f"movements-{code}-owners", title, labels(ahead=False), rows, footer))
    return tables


def _number(value: float) -> str:
    """A coordinate as SVG reads it: never the language's decimal comma."""
    return f"{value:g}"


# SVG path data drawing a bar as a rectangle (numbers as `_number` writes them)
BAR = "M%g,%gh%gv%gh%gz"


def _bars(bars) -> str:
    """SVG path data drawing each of `bars` as a rectangle: one element for many bars."""
    return " ".join(BAR % (b.x, b.y, b.width, b.height, -b.width) for b in bars if b.height)


def _moves(bars) -> list[tuple[str, str]]:
    """(path, colour) of each movement with bars, gains then losses: the bars sorted by kind in one pass."""
    by_kind: dict[str, list] = {key: [] for key in (*GAINS, *LOSSES)}
    for b in bars:
        by_kind[b.kind].append(BAR % (b.x, b.y, b.width, b.height, -b.width))
    return [(" ".join(drawn), COLOURS[key]) for key, drawn in by_kind.items() if drawn]


def chart_shapes(section: Section, fmt: Formats) -> dict | None:
    """The chart as the template draws it: the bars as one path per kind, the grid as one path, the
    zero line and the divider before the months ahead, the ticks' labels as text."""
    drawn = chart(section.months)
    if drawn is None:
        return None
    language, names = get_language(), dict(FIGURES)
    return {
        "width": drawn.width, "height": drawn.height, "label_x": drawn.left - 6, "label_y": drawn.height - 8,
        "grid": " ".join(f"M{drawn.left},{_number(y)}H{drawn.right_edge}" for y, _value in drawn.level_ticks),
        "axis": f"M{drawn.left},{_number(drawn.zero)}H{drawn.right_edge}",
        "divider": None if drawn.divider is None else f"M{_number(drawn.divider)},4V{drawn.height - 22}",
        "closing": _bars(bar for bar in drawn.levels if not bar.month.ahead),
        "committed": _bars(bar for bar in drawn.levels if bar.month.ahead),
        "moves": _moves(drawn.moves),
        "ticks": [(_number(y), fmt.number(int(value))) for y, value in drawn.level_ticks]
        + [(_number(y), sign + fmt.number(int(value))) for y, value, sign in drawn.move_ticks],
        "x_ticks": [(_number(x), month.strftime("%Y") if drawn.yearly else _short_month(month, language))
                    for x, month in drawn.x_ticks],
        "legend": [(names[key], COLOURS[key]) for key in (*GAINS, *LOSSES)],
        "level_colour": LEVEL_COLOUR,
    }
