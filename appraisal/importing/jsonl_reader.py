"""Read JSON Lines: one JSON object per line, keys as headers.

Numbers are kept as the text written in the file (``parse_float=str``), so
``12.30`` stays exact and ``00123`` cannot arise from a number.  A line that is
not an object of single values is an irregular row, kept verbatim.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from appraisal.importing.decoding import to_utf8
from appraisal.importing.headers import RESERVED
from appraisal.importing.raw import (
    IrregularRow,
    RawTable,
    SourceRef,
    cell_column,
    drop_blank_rows,
)


class _LineError(ValueError):
    """Why one line is not a usable record."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, value in pairs:
        if key in RESERVED:
            continue  # quarantine bookkeeping, never data
        if key in record:
            raise _LineError(f"key {key!r} appears twice")
        record[key] = value
    return record


def _refuse_constant(name: str) -> Any:
    raise _LineError(f"{name} is not a JSON number")


def _value_text(key: str, value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    raise _LineError(f"the value of {key!r} is a list or object, expected a single value")


def parse_line(text: str) -> dict[str, str | None]:
    """One line as key → text, or _LineError saying why it is not a record."""
    try:
        record = json.loads(
            text,
            parse_float=str,
            parse_int=str,
            parse_constant=_refuse_constant,
            object_pairs_hook=_no_duplicates,
        )
    except json.JSONDecodeError as exc:
        raise _LineError(f"not valid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(record, dict):
        raise _LineError(f"a JSON {type(record).__name__}, expected an object")
    return {key: _value_text(key, value) for key, value in record.items()}


def read_jsonl(path: Path, encoding: str | None = None) -> RawTable:
    """Read a JSON Lines file; headers are the keys in order of first appearance."""
    source = SourceRef(path, "jsonl")
    data, used = to_utf8(path.read_bytes(), source, encoding)
    records: list[tuple[int, str, dict[str, str | None]]] = []
    irregular: list[IrregularRow] = []
    for number, text in enumerate(data.decode("utf-8").split("\n"), start=1):
        line = text.removesuffix("\r")
        if not line.strip():
            continue
        try:
            records.append((number, line, parse_line(line)))
        except _LineError as exc:
            irregular.append(IrregularRow(line=number, reason=str(exc), text=line))
    first_seen: dict[str, int] = {}
    for number, _, record in records:
        for key in record:
            first_seen.setdefault(key, number)
    headers = tuple(first_seen)
    rows = [(number, line, record) for number, line, record in records if headers]
    cells = pa.table(
        {
            cell_column(i): pa.array([record.get(key) for _, _, record in rows], pa.string())
            for i, key in enumerate(headers)
        }
    )
    lines = pa.array([number for number, _, _ in rows], pa.int64())
    texts = pa.array([line for _, line, _ in rows], pa.string())
    cells, lines, keep = drop_blank_rows(cells, lines)
    return RawTable(
        source=source,
        headers=headers,
        header_line=0,
        cells=cells,
        lines=lines,
        irregular=tuple(irregular),
        texts=texts.filter(keep),
        header_lines=tuple(first_seen.values()),
        encoding=used,
    )
