"""Read CSV into text cells with exact source line numbers.

pyarrow's C++ reader splits the file (fast: millions of rows per second).  It
does not report line numbers, so they are derived: when every record is one
line (the usual case) record ``i`` is on line ``i + 2``; otherwise (quoted line
breaks, blank or ragged lines) numpy finds the record boundaries from the
quote parity of each line break.  When the two views of the file disagree (a
dialect pyarrow reads differently), the stdlib ``csv`` module reads it instead:
slower, never wrong.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from appraisal.importing.decoding import to_utf8
from appraisal.importing.raw import (
    IrregularRow,
    RawTable,
    SourceError,
    SourceRef,
    cell_column,
    drop_blank_rows,
    file_issue,
)

QUOTE, NEWLINE, COMMA, CR = 34, 10, 44, 13


@dataclass(frozen=True)
class _Parsed:
    table: pa.Table  # header row included, as text
    ragged: int  # rows pyarrow set aside for a wrong field count


@dataclass(frozen=True)
class _Layout:
    header_line: int
    lines: pa.Array
    irregular: tuple[IrregularRow, ...]


def ragged_reason(expected: int, found: int) -> str:
    """The reason given for a row whose field count differs from the header's."""
    return f"expected {expected} fields as in the header, found {found}"


def read_csv(path: Path, encoding: str | None = None) -> RawTable:
    """Read a CSV file: header, text cells, source lines and ragged rows."""
    source = SourceRef(path, "csv")
    data, used = to_utf8(path.read_bytes(), source, encoding)
    if not data or data.isspace():
        raise SourceError(file_issue(source, "IMP007", "the file is empty; expected a header row"))
    parsed = _arrow_parse(data)
    layout = _layout(data, parsed) if parsed is not None else None
    if parsed is None or layout is None:
        return replace(_python_read(data, source), encoding=used)
    headers = tuple(str(value) for value in parsed.table.slice(0, 1).to_pylist()[0].values())
    cells = parsed.table.slice(1).rename_columns([cell_column(i) for i in range(len(headers))])
    cells, lines, _ = drop_blank_rows(cells, layout.lines)
    return RawTable(
        source=source,
        headers=headers,
        header_line=layout.header_line,
        cells=cells,
        lines=lines,
        irregular=layout.irregular,
        encoding=used,
    )


def _header_fields_bound(data: bytes) -> int:
    """An upper bound on the header's field count: its commas (quotes respected) + 1."""
    in_quotes = False
    seen_text = False
    commas = 0
    for byte in data[: 1 << 20]:
        if byte == QUOTE:
            in_quotes = not in_quotes
        elif byte == COMMA:
            commas += 1
        elif byte == NEWLINE and not in_quotes and seen_text:
            break
        seen_text = seen_text or byte > 32
    return commas + 1


def _arrow_parse(data: bytes) -> _Parsed | None:
    ragged = 0

    def set_aside(_row: object) -> str:
        nonlocal ragged
        ragged += 1
        return "skip"

    names = [f"f{i}" for i in range(_header_fields_bound(data))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=True, ignore_empty_lines=True, invalid_row_handler=set_aside
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if any(not pa.types.is_string(field.type) for field in table.schema):
        return None
    return _Parsed(table, ragged)


def _layout(data: bytes, parsed: _Parsed) -> _Layout | None:
    physical_lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if parsed.ragged == 0 and physical_lines == parsed.table.num_rows:
        return _Layout(1, pa.array(np.arange(2, physical_lines + 1, dtype=np.int64)), ())
    return _numpy_layout(data, parsed)


def _numpy_layout(data: bytes, parsed: _Parsed) -> _Layout | None:
    """Record boundaries from quote parity; None when pyarrow saw the file differently."""
    buf = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(buf == QUOTE)
    newlines = np.flatnonzero(buf == NEWLINE)
    ends = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
    if not data.endswith(b"\n"):
        ends = np.append(ends, len(buf))
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    first = buf[np.minimum(starts, len(buf) - 1)]
    blank = (lengths == 0) | ((lengths == 1) & (first == CR))
    commas = np.flatnonzero(buf == COMMA)
    commas = commas[np.searchsorted(quotes, commas) % 2 == 0]
    fields = np.bincount(np.searchsorted(ends, commas), minlength=len(ends))[: len(ends)] + 1
    start_lines = np.searchsorted(newlines, starts) + 1
    nonblank = np.flatnonzero(~blank)
    if len(nonblank) == 0:
        return None
    header = nonblank[0]
    ncols = int(fields[header])
    body = nonblank[1:]
    regular = body[fields[body] == ncols]
    ragged = body[fields[body] != ncols]
    if (
        ncols != parsed.table.num_columns
        or len(regular) != parsed.table.num_rows - 1
        or len(ragged) != parsed.ragged
    ):
        return None
    irregular = tuple(
        _ragged_row(data, int(starts[i]), int(ends[i]), int(start_lines[i]), ncols) for i in ragged
    )
    return _Layout(
        header_line=int(start_lines[header]),
        lines=pa.array(start_lines[regular].astype(np.int64)),
        irregular=tuple(row for row in irregular if any(f.strip() for f in row.fields)),
    )


def _ragged_row(data: bytes, start: int, end: int, line: int, ncols: int) -> IrregularRow:
    text = data[start:end].decode("utf-8").removesuffix("\r")
    fields = tuple(next(csv.reader(io.StringIO(text, newline="")), []))
    return IrregularRow(line=line, reason=ragged_reason(ncols, len(fields)), fields=fields)


def _python_read(data: bytes, source: SourceRef) -> RawTable:
    """The stdlib reader: every dialect detail right, one Python step per row."""
    records = _records(data.decode("utf-8"), source)
    if not records:
        raise SourceError(file_issue(source, "IMP007", "the file is empty; expected a header row"))
    header_line, headers = records[0]
    ncols = len(headers)
    regular = [(line, fields) for line, fields in records[1:] if len(fields) == ncols]
    irregular = tuple(
        IrregularRow(line=line, reason=ragged_reason(ncols, len(fields)), fields=tuple(fields))
        for line, fields in records[1:]
        if len(fields) != ncols
    )
    columns = list(zip(*(fields for _, fields in regular), strict=True)) or [()] * ncols
    cells = pa.table(
        {cell_column(i): pa.array(column, pa.string()) for i, column in enumerate(columns)}
    )
    lines = pa.array([line for line, _ in regular], pa.int64())
    cells, lines, _ = drop_blank_rows(cells, lines)
    return RawTable(
        source=source,
        headers=tuple(headers),
        header_line=header_line,
        cells=cells,
        lines=lines,
        irregular=irregular,
    )


def _records(text: str, source: SourceRef) -> list[tuple[int, list[str]]]:
    """Non-blank records with the line each starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    previous = 0
    try:
        for fields in reader:
            line, previous = previous + 1, reader.line_num
            if any(field.strip() for field in fields):
                records.append((line, fields))
    except csv.Error as exc:
        line = previous + 1
        raise SourceError(
            file_issue(source, "IMP008", f"CSV syntax error from line {line}: {exc}", line)
        ) from None
    return records
