"""The converted section of the movements report as its tables show it: each cell's text, label and
link formatted once per request (`crm.formats.Formats`), as `movements_table` does for each
currency's tables; a month or an owner's range without every rate says which rates it lacks."""

from dataclasses import dataclass
from typing import NamedTuple

from django.utils.translation import gettext as _

from crm.formats import Formats
from subscriptions.movement_figures import EXCHANGE_RATE, FIGURES, figure_query
from subscriptions.movements_converted import GAINS, LOSSES, Converted, ConvertedSection
from subscriptions.movements_table import KEYS as REPORT_KEYS
from subscriptions.movements_table import figures_url, labels, month_name

# The converted tables' columns: the movements, the exchange rate, then the closing MRR.
KEYS = (*(key for key, _label in FIGURES[:-1]), EXCHANGE_RATE[0], FIGURES[-1][0])


class Cell(NamedTuple):  # tuples: the template unpacks them, the cheapest lookup it has
    label: str  # its column's heading, for the card a row becomes on a phone
    text: str
    href: str  # the contacts it adds up: the person's list, filtered to the figure (`movement=`)


class Row(NamedTuple):
    label: str
    cells: list  # Cell, none while a rate is missing
    kind: str  # "ahead" (a month after the current one), "total" or ""
    missing: list  # (currency, the earliest day without a rate) instead of the figures


@dataclass(frozen=True)
class Table:
    heading_id: str
    title: str
    first_heading: str
    headings: list
    rows: list
    total: Row | None = None


def _names(*, ahead: bool) -> dict[str, str]:
    return {**dict(zip(REPORT_KEYS, labels(ahead=ahead))), EXCHANGE_RATE[0]: str(EXCHANGE_RATE[1])}


def _signed(key: str, amount) -> tuple[str, object]:
    """A movement's sign and size: gains up, losses down, the exchange rate either way."""
    if not amount or key not in (*GAINS, *LOSSES, EXCHANGE_RATE[0]):
        return "", amount
    if key == EXCHANGE_RATE[0]:
        return ("+" if amount > 0 else "−"), abs(amount)
    return ("+" if key in GAINS else "−"), amount


def _row(label: str, totals: Converted, names: dict, fmt: Formats, query: str, kind: str = "") -> Row:
    if not totals.complete:
        return Row(label, [], kind, totals.missing_rates)
    amounts = {"opening": totals.opening, **totals.moves, "closing": totals.closing}
    cells = []
    for key in KEYS:
        sign, amount = _signed(key, amounts[key])
        cells.append(Cell(names[key], sign + fmt.money(amount), f"{figures_url()}?movement={key}&{query}"))
    return Row(label, cells, kind, [])


def converted_tables(section: ConvertedSection, *, first, last, owner: str | None, fmt: Formats) -> list[Table]:
    """The converted section's tables: its months to date, its months ahead, each owner's range and the total."""
    tables = []
    for ahead, months, title in ((False, section.to_date, _("Month by month")),
                                 (True, section.ahead, _("Months ahead: committed MRR"))):
        if not months:
            continue
        names = _names(ahead=ahead)
        rows = [_row(month_name(m.month), m, names, fmt, figure_query(currency=None, first=m.month, owner=owner),
                     "ahead" if ahead else "") for m in months]
        tables.append(Table(f"movements-converted-{'ahead' if ahead else 'to-date'}", title, _("Month"),
                            [names[key] for key in KEYS], rows))
    if section.owners:
        names = _names(ahead=False)
        rows = [_row(str(person), totals, names, fmt,
                     figure_query(currency=None, first=first, last=last, owner=person.get_username()))
                for person, totals in section.owners]
        total = _row(_("Total"), section.total, names, fmt, figure_query(currency=None, first=first, last=last, owner=owner),
                     "total")
        title = _("By owner, %(first)s to %(last)s") % {"first": month_name(first), "last": month_name(last)}
        tables.append(Table("movements-converted-owners", title, _("Owner"), [names[key] for key in KEYS], rows, total))
    return tables


def missing_rates(section: ConvertedSection) -> list:
    """(currency, the earliest day without a rate) of every figure shown, A to Z."""
    missing = dict(section.total.missing)
    for _owner, totals in section.owners:
        missing.update(totals.missing)
    return sorted(missing.items())
