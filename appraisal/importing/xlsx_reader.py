"""Read XLSX workbooks with openpyxl in read-only mode (XML parsed by defusedxml).

Cells become the text Excel shows for them: whole numbers without ``.0``,
other numbers with at most 15 significant digits (Excel's own precision, so a
stored 12.299999999999999 reads as 12.3), dates as ``YYYY-MM-DD``, date-times
as ISO 8601, booleans as ``true``/``false``.  Formulas give their cached value.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import openpyxl.xml
import pyarrow as pa

from appraisal.importing.entities import entity_from_name
from appraisal.importing.raw import (
    IrregularRow,
    RawTable,
    SourceError,
    SourceRef,
    cell_column,
    drop_blank_rows,
    file_issue,
)


def cell_text(value: Any) -> str | None:
    """The text of one cell value, as Excel displays it (None for an empty cell)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = f"{value:.15g}"
        return format(Decimal(text), "f") if "e" in text else text
    if isinstance(value, datetime):
        if value.time() == time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def read_xlsx(path: Path, entity: str | None = None) -> tuple[RawTable, ...]:
    """Every sheet named like an entity (or ``entity``'s sheet), else the first sheet."""
    if not openpyxl.xml.DEFUSEDXML:
        raise RuntimeError("defusedxml must be installed to read workbooks safely")
    source = SourceRef(path, "xlsx")
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SourceError(
            file_issue(source, "IMP008", f"not a readable XLSX workbook: {exc}")
        ) from None
    try:
        return tuple(
            _read_sheet(path, workbook[name], hint) for name, hint in _sheets(workbook, entity)
        )
    finally:
        workbook.close()


def _sheets(workbook: Any, entity: str | None) -> Sequence[tuple[str, str | None]]:
    names: list[str] = list(workbook.sheetnames)
    named: list[tuple[str, str | None]] = [(name, entity_from_name(name)) for name in names]
    if entity is not None:
        own = [(name, hint) for name, hint in named if hint == entity]
        return own[:1] or [(names[0], entity)]
    chosen = [(name, hint) for name, hint in named if hint is not None]
    first: list[tuple[str, str | None]] = [(names[0], None)]
    return chosen or first


def _rows(sheet: Any) -> Iterator[tuple[int, tuple[str | None, ...]]]:
    sheet.reset_dimensions()
    for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
        texts = tuple(cell_text(value) for value in values)
        while texts and (texts[-1] is None or not texts[-1].strip()):
            texts = texts[:-1]
        if texts:
            yield number, texts


def _read_sheet(path: Path, sheet: Any, sheet_entity: str | None) -> RawTable:
    source = SourceRef(path, "xlsx", sheet.title)
    rows = _rows(sheet)
    first = next(rows, None)
    if first is None:
        raise SourceError(file_issue(source, "IMP007", "the sheet is empty; expected a header row"))
    header_line, header_cells = first
    headers = tuple(text or "" for text in header_cells)
    regular, irregular = _split(rows, len(headers))
    columns = list(zip(*(cells for _, cells in regular), strict=True)) or [()] * len(headers)
    cells = pa.table(
        {cell_column(i): pa.array(column, pa.string()) for i, column in enumerate(columns)}
    )
    lines = pa.array([line for line, _ in regular], pa.int64())
    cells, lines, _ = drop_blank_rows(cells, lines)
    return RawTable(
        source=source,
        headers=headers,
        header_line=header_line,
        cells=cells,
        lines=lines,
        irregular=irregular,
        sheet_entity=sheet_entity,
    )


def _split(
    rows: Iterable[tuple[int, tuple[str | None, ...]]], width: int
) -> tuple[list[tuple[int, tuple[str | None, ...]]], tuple[IrregularRow, ...]]:
    """Rows padded to the header's width; rows with values beyond it are irregular."""
    regular: list[tuple[int, tuple[str | None, ...]]] = []
    irregular: list[IrregularRow] = []
    for number, texts in rows:
        if len(texts) > width:
            irregular.append(
                IrregularRow(
                    line=number,
                    reason=f"has values beyond the last header column ({width})",
                    fields=tuple(text or "" for text in texts),
                )
            )
        else:
            regular.append((number, texts + (None,) * (width - len(texts))))
    return regular, tuple(irregular)
