"""CSV tables: UTF-8 with a byte-order mark (Excel reads it as UTF-8), every field
quoted, ``\\r\\n`` line ends (RFC 4180), formula characters neutralised in text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import IO

from appraisal.report.safety import neutralise_cell
from appraisal.report.tables import Cell, Kind, Table, Typed

ENCODING = "utf-8-sig"


def cell_text(value: Cell | Typed, kind: Kind) -> str:
    """A cell as CSV text: numbers plain (``1234.50``, fractions for percentages),
    dates ISO, text neutralised, empty for none."""
    if isinstance(value, Typed):
        return cell_text(value.value, value.kind)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return neutralise_cell(value) if kind is Kind.TEXT else neutralise_cell(str(value))


def csv_rows(table: Table) -> Iterator[list[str]]:
    """The header, then every row as text."""
    yield [neutralise_cell(c.header) for c in table.columns]
    kinds = [c.kind for c in table.columns]
    for row in table.rows():
        yield [cell_text(value, kind) for value, kind in zip(row, kinds, strict=True)]


class CsvSheet:
    """One table being written as CSV, row by row."""

    def __init__(self, table: Table, out: IO[bytes]) -> None:
        self.kinds = [c.kind for c in table.columns]
        self._text = io.TextIOWrapper(out, encoding=ENCODING, newline="", write_through=False)
        self._writer = csv.writer(self._text, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        self._writer.writerow([neutralise_cell(c.header) for c in table.columns])

    def row(self, values: tuple[Cell | Typed, ...]) -> None:
        """Write one row."""
        self._writer.writerow(
            [cell_text(value, kind) for value, kind in zip(values, self.kinds, strict=True)]
        )

    def close(self) -> None:
        """Flush, leaving the underlying file open for its owner."""
        self._text.flush()
        self._text.detach()


def write_csv(table: Table, out: IO[bytes]) -> None:
    """Stream one table into a binary file."""
    sheet = CsvSheet(table, out)
    for row in table.rows():
        sheet.row(row)
    sheet.close()
