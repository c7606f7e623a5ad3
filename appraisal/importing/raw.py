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


def drop_blank_rows(cells: pa.Table, lines: pa.Array) -> tuple[pa.Table, pa.Array, pa.Array]:
    """Remove rows whose every cell is empty or blank; they hold nothing to import or lose.

    Returns the kept cells, their lines and the kept-row mask.
    """
    if cells.num_columns == 0 or cells.num_rows == 0:
        keep = pa.array([True] * cells.num_rows, pa.bool_())
        return cells, lines, keep
    filled = [
        pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(column), ""), False)
        for column in cells.columns
    ]
    keep = filled[0]
    for other in filled[1:]:
        keep = pc.or_(keep, other)
    keep = keep.combine_chunks() if isinstance(keep, pa.ChunkedArray) else keep
    return cells.filter(keep), pc.filter(lines, keep), keep
