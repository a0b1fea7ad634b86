"""Reading an uploaded CSV as a stream of rows, refusing what a spreadsheet would not have written.

UTF-8 with or without a byte order mark; comma or semicolon (Italian and Brazilian spreadsheets
write semicolons), detected from the header line; quoted fields, Windows or Unix line ends. A file
that is not UTF-8, has more than `IMPORT_MAX_COLUMNS` columns, a row with more or fewer cells
than its header, a cell longer than `IMPORT_MAX_CELL_CHARS` or a NUL byte raises `FileError`
naming the line: the whole file is refused. Cells are text and stay text: "=1+1" is imported as those four characters. A cell a CSV
of the product neutralised for spreadsheets ("'=1+1", `crm.formulas`) is read as it was before.
"""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from crm.formulas import unneutralise


class FileError(Exception):
    """The file as a whole cannot be imported; the message says why, for the person who sent it."""


@dataclass(frozen=True)
class Row:
    line: int  # the file's line the row starts on; the header is line 1
    cells: list[str]


def detect_delimiter(header_line: str) -> str:
    """Comma or semicolon: whichever the header has more of outside quotes (a comma on a tie).

    Counted rather than sniffed: csv.Sniffer guesses from the consistency of several lines and
    can pick a comma inside "Data, inizio"; a header's separators outside quotes cannot lie."""
    outside = header_line.split('"')[::2]  # the text between quoted parts
    commas = sum(part.count(",") for part in outside)
    semicolons = sum(part.count(";") for part in outside)
    return ";" if semicolons > commas else ","


def _text(binary) -> io.TextIOWrapper:
    # utf-8-sig drops a byte order mark if there is one; newline="" leaves line ends to csv.
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="")


def _first_line(binary) -> str:
    start = binary.read(64 * 1024)
    binary.seek(0)
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(start, final=False)
    except UnicodeDecodeError as error:
        raise not_utf8(1) from error
    return text.splitlines()[0] if text else ""


def not_utf8(line: int) -> FileError:
    return FileError(
        _("Line %(line)d is not UTF-8 text. Save the file as “CSV UTF-8” and upload it again.") % {"line": line}
    )


def read(binary, delimiter: str | None = None) -> tuple[str, list[str], Iterator[Row]]:
    """(delimiter, header, rows) of the binary file `binary`; the rows are read as they are asked for."""
    if delimiter is None:
        delimiter = detect_delimiter(_first_line(binary))
    text = _text(binary)
    reader = csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
    limit = settings.IMPORT_MAX_CELL_CHARS
    state = {"line": 1}

    def next_row():
        start = reader.line_num + 1
        state["line"] = start
        try:
            cells = next(reader)
        except UnicodeDecodeError as error:
            raise not_utf8(start) from error
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise too_long(start, limit) from error
            raise FileError(
                _("Line %(line)d cannot be read as CSV (%(reason)s).") % {"line": start, "reason": error}
            ) from error
        joined = "".join(cells)
        if "'" in joined:  # one search a row: most rows have no apostrophe at all
            cells = [unneutralise(cell) for cell in cells]
        if cells and max(map(len, cells)) > limit:
            raise too_long(start, limit)
        if "\x00" in joined:  # no text column can hold one
            raise FileError(_("Line %(line)d contains a NUL character: this is not a text file.") % {"line": start})
        return Row(start, cells)

    try:
        header = next_row().cells
    except StopIteration:
        raise FileError(_("The file is empty.")) from None
    header = [cell.strip() for cell in header]
    if not any(header):
        raise FileError(_("The first line must name the columns."))
    if len(header) > settings.IMPORT_MAX_COLUMNS:
        # Refused before any row is read: each column is a field of the mapping page.
        raise FileError(
            _("The file has %(columns)d columns; files of at most %(limit)d columns can be imported.")
            % {"columns": len(header), "limit": settings.IMPORT_MAX_COLUMNS}
        )

    def rows() -> Iterator[Row]:
        try:
            yield from all_rows()
        finally:
            text.detach()  # the caller's file stays open: closing it is the caller's business

    def all_rows() -> Iterator[Row]:
        while True:
            try:
                row = next_row()
            except StopIteration:
                return
            if not "".join(row.cells).strip():
                continue  # a blank line, as spreadsheets leave at the end
            if len(row.cells) != len(header):
                raise FileError(
                    _("Line %(line)d has a different number of cells from the header: %(cells)d, not %(columns)d.")
                    % {"line": row.line, "cells": len(row.cells), "columns": len(header)}
                )
            yield row

    return delimiter, header, rows()


def too_long(line: int, limit: int) -> FileError:
    return FileError(
        _("Line %(line)d has a cell longer than %(limit)d characters.") % {"line": line, "limit": limit}
    )


def check(binary) -> tuple[str, list[str], int]:
    """Read the whole file once: (delimiter, header, number of rows), or FileError."""
    delimiter, header, rows = read(binary)
    count = sum(1 for _ in rows)
    return delimiter, header, count
