"""Write generated tables as import files: one ``<entity>.csv`` or ``<entity>.jsonl`` each.

CSV: UTF-8 without BOM, a header of column names, ``\\n`` line ends, RFC 4180
quoting only where a value needs it, ISO dates (``2026-09-30``), instants in ISO
8601 with ``+00:00``, money with two decimals (``1234.50``), other decimals
without trailing zeros (``4.5``), ``true``/``false``, and an empty field for null.
JSON Lines: one object per row with the same text for dates and instants,
numbers for money, decimals and integers, ``true``/``false`` and ``null``.

Lines are assembled column-wise by pyarrow and written straight from its
buffers, so millions of rows cost no Python loop and the bytes depend only on
the table.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from appraisal.store.schema import ENTITIES

Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl")
CHUNK_ROWS = 250_000
WRITERS = 2


def _instant_text(column: pa.Array) -> pa.Array:
    """``2026-09-30T08:15:00+00:00``; sub-second instants keep their fraction."""
    utc = column.cast(pa.timestamp(column.type.unit))  # drops the zone; values are UTC
    with contextlib.suppress(pa.ArrowInvalid):
        utc = utc.cast(pa.timestamp("s"), safe=True)
    text = pc.utf8_replace_slice(utc.cast(pa.string()), start=10, stop=11, replacement="T")
    return pc.binary_join_element_wise(text, "+00:00", "")


def _decimal_text(column: pa.Array) -> pa.Array:
    """Plain decimal text: money keeps two places, other scales drop trailing zeros."""
    text = column.cast(pa.string())
    if column.type.scale in (0, 2):
        return text
    trimmed = pc.replace_substring_regex(text, r"(\.\d*?)0+$", r"\1")
    return pc.replace_substring_regex(trimmed, r"\.$", "")


def value_text(column: pa.Array) -> tuple[pa.Array, bool]:
    """Each value as text, and whether it is a string that needs quoting/escaping."""
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column.cast(pa.string()), True
    if pa.types.is_timestamp(kind):
        return _instant_text(column), True
    if pa.types.is_date32(kind):
        return column.cast(pa.string()), True
    if pa.types.is_decimal(kind):
        return _decimal_text(column), False
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        return column.cast(pa.string()), False
    raise TypeError(f"cannot write a column of type {kind}")


def _csv_field(column: pa.Array) -> pa.Array:
    """A CSV field: quoted (with doubled quotes) only when it holds , " CR or LF."""
    text, textual = value_text(column)
    if not textual:
        return text
    needs = pc.match_substring_regex(text, r'[,"\r\n]')
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, text)


_JSON_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))


def _json_field(name: str, column: pa.Array) -> pa.Array:
    """``"name":value`` with strings escaped and null as ``null``."""
    text, textual = value_text(column)
    if textual:
        if pc.any(pc.match_substring_regex(text, r'[\\"\x00-\x1f]')).as_py():
            for raw, escaped in _JSON_ESCAPES:
                text = pc.replace_substring(text, raw, escaped)
            if pc.any(pc.match_substring_regex(text, r"[\x00-\x1f]")).as_py():
                raise ValueError(f"column {name} holds control characters")
        text = pc.binary_join_element_wise('"', text, '"', "")
    return pc.binary_join_element_wise(f'"{name}":', pc.fill_null(text, "null"), "")


def _csv_lines(table: pa.Table) -> pa.Array:
    fields = [_csv_field(column.combine_chunks()) for column in table.columns]
    joined = pc.binary_join_element_wise(*fields, ",", null_handling="replace", null_replacement="")
    return pc.binary_join_element_wise(joined, "\n", "")


def _jsonl_lines(table: pa.Table) -> pa.Array:
    fields = [
        _json_field(name, column.combine_chunks())
        for name, column in zip(table.column_names, table.columns, strict=True)
    ]
    return pc.binary_join_element_wise("{", pc.binary_join_element_wise(*fields, ","), "}\n", "")


def _payload(lines: pa.Array) -> memoryview:
    """The concatenated bytes of a string array, read directly from its buffers."""
    lines = lines.cast(pa.large_string())
    _, offsets, data = lines.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[lines.offset : lines.offset + len(lines) + 1]
    if data is None or len(lines) == 0:
        return memoryview(b"")
    return memoryview(data)[int(bounds[0]) : int(bounds[-1])]


def write_table(table: pa.Table, path: Path, fmt: Format = "csv") -> None:
    """Write one table to ``path`` in the given format, in bounded chunks."""
    encode: Callable[[pa.Table], pa.Array] = _csv_lines if fmt == "csv" else _jsonl_lines
    with path.open("wb") as handle:
        if fmt == "csv":
            handle.write((",".join(table.column_names) + "\n").encode("utf-8"))
        for start in range(0, table.num_rows, CHUNK_ROWS):
            handle.write(_payload(encode(table.slice(start, CHUNK_ROWS))))


def write_files(tables: Mapping[str, pa.Table], directory: Path, fmt: Format = "csv") -> list[Path]:
    """Write each entity to ``directory/<entity>.<fmt>`` in ``ENTITIES`` order
    (referenced entities first) and return the paths written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    unknown = sorted(set(tables) - set(ENTITIES))
    if unknown:
        raise ValueError(f"not entities of the data model: {', '.join(unknown)}")
    directory.mkdir(parents=True, exist_ok=True)
    jobs = [(tables[name], directory / f"{name}.{fmt}") for name in ENTITIES if name in tables]
    # Arrow kernels release the GIL, so files are encoded side by side; each file's
    # bytes depend on its table alone, whatever the interleaving.
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        list(pool.map(lambda job: write_table(job[0], job[1], fmt), jobs))
    return [path for _, path in jobs]
