"""CSV tables: UTF-8 with a byte-order mark (Excel reads it as UTF-8), every field
quoted, ``\\r\\n`` line ends (RFC 4180), formula characters neutralised in text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import IO

from appraisal.report.safety import FileBatch, neutralise_cell
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


def write_csv(table: Table, out: IO[bytes]) -> None:
    """Stream one table into a binary file."""
    text = io.TextIOWrapper(out, encoding=ENCODING, newline="", write_through=False)
    writer = csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for row in csv_rows(table):
        writer.writerow(row)
    text.flush()
    text.detach()


def write_tables(tables: tuple[Table, ...], batch: FileBatch) -> None:
    """Each table as ``<name>.csv`` in the bundle."""
    for table in tables:
        with batch.open(f"{table.name}.csv") as out:
            write_csv(table, out)
