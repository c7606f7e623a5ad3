"""Quarantine files: every rejected row, verbatim, with its source row and all reasons.

A CSV or XLSX input gets ``<stem>.rejected.csv`` (``<stem>.<sheet>.rejected.csv``
for a workbook) next to it: UTF-8 with BOM so Excel shows Chinese correctly,
columns ``_row``, ``_reasons`` and then the input's own headers, each field
exactly as read.  A corrected quarantine file can be imported again as it is
(the importer ignores ``_row`` and ``_reasons``).  A JSON Lines input gets
``<stem>.rejected.jsonl`` holding ``{"_row", "_reasons", "_text"}`` per line,
``_text`` being the original line.

Files are written to a temporary name first and renamed only after the
database transaction commits, so a quarantine file never describes an import
that did not happen.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from appraisal.errors import UserError
from appraisal.importing.findings import SEPARATOR
from appraisal.importing.headers import REASONS_HEADER, ROW_HEADER
from appraisal.importing.raw import RawTable, SourceRef, cell_column

Entry = tuple[int, tuple[str, ...], tuple[str, ...]]  # line, reasons, fields (or (text,))


@dataclass(frozen=True)
class PendingFile:
    """A quarantine file written under a temporary name, renamed on commit."""

    temporary: Path
    final: Path
    rows: int

    def publish(self) -> None:
        """Give the file its final name (atomically replacing an older one)."""
        os.replace(self.temporary, self.final)

    def discard(self) -> None:
        """Remove the temporary file (the import did not commit)."""
        self.temporary.unlink(missing_ok=True)


def quarantine_path(source: SourceRef) -> Path:
    """Where the rejected rows of ``source`` go."""
    path = source.path
    if source.fmt == "xlsx":
        sheet = "".join(ch if ch.isalnum() or ch in "-_ " else "_" for ch in source.sheet or "")
        return path.with_name(f"{path.stem}.{sheet}.rejected.csv")
    suffix = ".jsonl" if source.fmt == "jsonl" else ".csv"
    return path.with_name(f"{path.stem}.rejected{suffix}")


def entries(raw: RawTable, offset: int, reasons: pa.Table) -> list[Entry]:
    """Rejected rows of one input, in file order: regular (from findings) and irregular."""
    local = pc.subtract(reasons.column("pos"), offset).combine_chunks()
    lines = pc.take(raw.lines, local).to_pylist()
    messages = reasons.column("messages").to_pylist()
    if raw.texts is not None:
        fields: list[tuple[str, ...]] = [(t,) for t in pc.take(raw.texts, local).to_pylist()]
    else:
        taken = raw.cells.take(local)
        columns = [taken.column(cell_column(i)).to_pylist() for i in range(len(raw.headers))]
        fields = [tuple(v or "" for v in row) for row in zip(*columns, strict=True)] or [
            () for _ in lines
        ]
    found: list[Entry] = [
        (line, tuple(reasons_of_row), row)
        for line, reasons_of_row, row in zip(lines, messages, fields, strict=True)
    ]
    for row in raw.irregular:
        kept = (row.text,) if raw.texts is not None else row.fields
        found.append((row.line, (row.reason,), kept))
    return sorted(found, key=lambda entry: entry[0])


def write_pending(raw: RawTable, rows: list[Entry]) -> PendingFile:
    """Write the quarantine file of ``raw`` under a temporary name."""
    final = quarantine_path(raw.source)
    temporary = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    try:
        temporary.unlink(missing_ok=True)
        if raw.source.fmt == "jsonl":
            _write_jsonl(temporary, rows)
        else:
            _write_csv(temporary, raw.headers, rows)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise UserError(f"cannot write the quarantine file {final}: {exc.strerror}") from exc
    return PendingFile(temporary, final, len(rows))


def _write_csv(path: Path, headers: tuple[str, ...], rows: list[Entry]) -> None:
    with path.open("x", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow((ROW_HEADER, REASONS_HEADER, *headers))
        for line, reasons, fields in rows:
            writer.writerow((line, SEPARATOR.join(reasons), *fields))
        handle.flush()
        os.fsync(handle.fileno())


def _write_jsonl(path: Path, rows: list[Entry]) -> None:
    with path.open("x", encoding="utf-8", newline="\n") as handle:
        for line, reasons, (text,) in rows:
            record = {ROW_HEADER: line, REASONS_HEADER: list(reasons), "_text": text}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
