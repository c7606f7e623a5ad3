"""What a reader hands on: the file's cells as text, with their source rows.

Readers never interpret values.  Every cell stays the text the file holds, so
ids keep their leading zeros and a rejected row can be written back verbatim.
Rows that cannot be split into the header's columns (a ragged CSV line, a JSON
line that is not an object) are kept aside as :class:`IrregularRow`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from appraisal.errors import Issue, IssueLevel, SourceSpan, UserError

Format = Literal["csv", "xlsx", "jsonl"]


@dataclass(frozen=True)
class SourceRef:
    """One input: a file, and for a workbook the sheet."""

    path: Path
    fmt: Format
    sheet: str | None = None

    @property
    def display(self) -> str:
        """How messages name the input: ``orders.csv`` or ``book.xlsx[orders]``."""
        return f"{self.path}[{self.sheet}]" if self.sheet else str(self.path)

    @property
    def short(self) -> str:
        """The file name (and sheet), for messages inside quarantine files."""
        return f"{self.path.name}[{self.sheet}]" if self.sheet else self.path.name

    @property
    def row_word(self) -> str:
        """``line`` for JSON Lines, ``row`` for tables."""
        return "line" if self.fmt == "jsonl" else "row"


@dataclass(frozen=True)
class IrregularRow:
    """A row that could not be split into the header's columns."""

    line: int
    reason: str
    fields: tuple[str, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class RawTable:
    """A file's header and cells as text: column ``c<i>`` holds header ``i``'s cells."""

    source: SourceRef
    headers: tuple[str, ...]
    header_line: int
    cells: pa.Table
    lines: pa.Array
    irregular: tuple[IrregularRow, ...] = ()
    texts: pa.Array | None = None
    sheet_entity: str | None = None
    header_lines: tuple[int, ...] = ()
    encoding: str = "utf-8"

    def header_span_line(self, position: int) -> int:
        """The line a header error points at (JSON Lines: where the key first appears)."""
        return self.header_lines[position] if self.header_lines else self.header_line

    @property
    def num_rows(self) -> int:
        """Rows read: regular and irregular."""
        return int(self.cells.num_rows) + len(self.irregular)


class SourceError(UserError):
    """A whole input is unusable (encoding, syntax, headers); carries its issues."""

    def __init__(self, *issues: Issue) -> None:
        self.issues = issues
        super().__init__("\n".join(issue.render() for issue in issues))


def file_issue(
    source: SourceRef, code: str, message: str, line: int = 0, column: int = 0, hint: str = ""
) -> Issue:
    """An error about a whole input, located as precisely as known."""
    return Issue(
        IssueLevel.ERROR,
        code,
        message,
        SourceSpan(source.display, line, column),
        hint=hint,
    )


def cell_column(position: int) -> str:
    """Name of the cells column holding header ``position`` (0-based)."""
    return f"c{position}"


def _blank(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Cells that are missing, empty or only blanks."""
    return pc.fill_null(pc.match_substring_regex(column, r"^\s*$"), True)


def drop_blank_rows(cells: pa.Table, lines: pa.Array) -> tuple[pa.Table, pa.Array, pa.Array]:
    """Remove rows whose every cell is empty or blank; they hold nothing to import or lose.

    Returns the kept cells, their lines and the kept-row mask.  Only rows blank in
    the first column are looked at further, so a file without blank rows costs
    one pass over one column.
    """
    blank = _blank(cells.column(0)).combine_chunks() if cells.num_columns else None
    if blank is None or not pc.any(blank).as_py():
        return cells, lines, pa.array(np.ones(cells.num_rows, dtype=bool))
    candidates = pc.indices_nonzero(blank)
    still = pa.array(np.ones(len(candidates), dtype=bool))
    for column in cells.columns[1:]:
        still = pc.and_(still, _blank(pc.take(column, candidates)))
    drop = pc.take(candidates, pc.indices_nonzero(still))
    keep = np.ones(cells.num_rows, dtype=bool)
    keep[drop.to_numpy()] = False
    kept = pa.array(keep)
    return cells.filter(kept), pc.filter(lines, kept), kept
