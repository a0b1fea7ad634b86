"""What a spreadsheet runs as a formula when it opens a CSV, and the apostrophe that stops it.

A cell starting with one of the four signs ("=", "+", "-", "@", or their full-width forms, which
some spreadsheets fold into them), with a tab or a line break (skipped over), or with spaces before
a sign is run as a formula; an apostrophe in front makes it text. Every CSV the product writes for
a person to open neutralises its text that way (the smart list export, in SQL, from the same
lists; the importer's rejected rows, with `neutralise`), and the importer reads such a cell back
as it was (`unneutralise`), so a file fixed in a spreadsheet imports the person's own values.
"""

FORMULA_SIGNS = ["=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20"]
FORMULA_STARTS = [*FORMULA_SIGNS, "\t", "\r", "\n"]
LEADING_BLANKS = " \t\r\n"  # skipped before a sign by a cell that starts with a space


def runs_as_formula(text: str) -> bool:
    first = text[:1]
    return first in FORMULA_STARTS or (first == " " and text.lstrip(LEADING_BLANKS)[:1] in FORMULA_SIGNS)


def neutralise(text: str) -> str:
    """`text` as a spreadsheet shows it and never runs it."""
    return "'" + text if text and runs_as_formula(text) else text


def unneutralise(cell: str) -> str:
    """The text `neutralise` wrote as `cell` (a cell it did not change is that text already)."""
    return cell[1:] if cell[:1] == "'" and cell[1:] and runs_as_formula(cell[1:]) else cell
