"""The XLSX workbook: one sheet per table, header frozen and filtered, numbers as
numbers with formats, text written as text only (never a formula or a link).

XlsxWriter runs with ``strings_to_formulas``, ``strings_to_urls`` and
``strings_to_numbers`` off, so a name like ``=HYPERLINK(...)`` stays a
string; text cells are also neutralised (a leading ``'``) in case the sheet
is later saved as CSV.  ``constant_memory`` streams rows to disk, so a sheet
of 200,000 clients does not sit in memory.  The creation date is the run's,
which makes the file byte-identical for the same run.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from appraisal.report.safety import neutralise_cell
from appraisal.report.tables import Cell, Kind, Table, Typed

MAX_SHEET_NAME = 31
_FORBIDDEN = set("[]:*?/\\")


def sheet_name(text: str, used: set[str]) -> str:
    """A valid, unique worksheet name (31 characters, no ``[]:*?/\\``, not quoted)."""
    cleaned = "".join("_" if c in _FORBIDDEN or ord(c) < 32 else c for c in text).strip("'")
    base = cleaned[:MAX_SHEET_NAME] or "Sheet"
    name, n = base, 1
    while name.casefold() in used:
        n += 1
        suffix = f" ({n})"
        name = base[: MAX_SHEET_NAME - len(suffix)] + suffix
    used.add(name.casefold())
    return name


def _number_format(kind: Kind, places: int) -> str:
    decimals = "." + "0" * places if places else ""
    match kind:
        case Kind.MONEY:
            return f"#,##0{decimals}"
        case Kind.PERCENT:
            return f"0{decimals}%"
        case Kind.NUMBER:
            return f"#,##0{decimals}"
        case Kind.INTEGER:
            return "0"
        case Kind.DATE:
            return "yyyy-mm-dd"
        case Kind.TEXT:
            return "@"


class _Formats:
    """Cell formats, created once per (kind, places)."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.cache: dict[tuple[Kind, int], Any] = {}
        self.header = book.add_format(
            {
                "bold": True,
                "font_color": "#FFFFFF",
                "bg_color": "#1F3A5F",
                "text_wrap": True,
                "valign": "top",
                "border": 1,
                "border_color": "#D6DEEA",
            }
        )

    def of(self, kind: Kind, places: int) -> Any:
        key = (kind, places)
        if key not in self.cache:
            self.cache[key] = self.book.add_format({"num_format": _number_format(kind, places)})
        return self.cache[key]


def _write(
    sheet: Any, row: int, col: int, value: Cell | Typed, kind: Kind, places: int, formats: _Formats
) -> None:
    if value is None:
        return
    if type(value) is str:
        sheet.write_string(row, col, neutralise_cell(value))
    elif isinstance(value, Typed):
        _write(sheet, row, col, value.value, value.kind, value.places, formats)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | Decimal):
        sheet.write_number(row, col, float(value), formats.of(kind, places))
    elif isinstance(value, date):
        sheet.write_datetime(row, col, value, formats.of(Kind.DATE, 0))
    else:
        sheet.write_string(row, col, neutralise_cell(str(value)))


class XlsxSheet:
    """One table being written as a worksheet, row by row."""

    def __init__(self, book: Workbook, table: Table, title: str) -> None:
        self.columns = table.columns
        self.formats = book.formats
        self.sheet = book.book.add_worksheet(sheet_name(title, book.used))
        for col, column in enumerate(table.columns):
            self.sheet.set_column(col, col, column.width)
        self.sheet.freeze_panes(1, 0)
        self.sheet.set_row(0, 30)
        for col, column in enumerate(table.columns):
            self.sheet.write_string(0, col, neutralise_cell(column.header), self.formats.header)
        self.last = 0

    def row(self, values: tuple[Cell | Typed, ...]) -> None:
        """Write the next row."""
        self.last += 1
        r, sheet, formats = self.last, self.sheet, self.formats
        for col, (value, column) in enumerate(zip(values, self.columns, strict=True)):
            _write(sheet, r, col, value, column.kind, column.places, formats)

    def close(self) -> None:
        """Add the filter over the rows written."""
        self.sheet.autofilter(0, 0, self.last, len(self.columns) - 1)


class Workbook:
    """The bundle's workbook; sheets are written one after the other."""

    def __init__(self, path: Path, created: datetime, title: str) -> None:
        self.book = xlsxwriter.Workbook(
            str(path),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "constant_memory": True,
            },
        )
        self.book.set_properties(
            {
                "title": neutralise_cell(title),
                "author": "appraisal",
                "created": created.replace(tzinfo=None),
            }
        )
        self.formats = _Formats(self.book)
        self.used: set[str] = set()

    def sheet(self, table: Table) -> XlsxSheet | None:
        """A worksheet for the table (None for CSV-only tables)."""
        return None if table.sheet is None else XlsxSheet(self, table, table.sheet)

    def close(self) -> None:
        """Write the file."""
        self.book.close()


def write_workbook(tables: tuple[Table, ...], path: Path, created: datetime, title: str) -> None:
    """All tables into one workbook at ``path``."""
    book = Workbook(path, created, title)
    for table in tables:
        sheet = book.sheet(table)
        if sheet is not None:
            for row in table.rows():
                sheet.row(row)
            sheet.close()
    book.close()
