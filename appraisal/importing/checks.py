"""Row checks that need nothing but the file: required values, types, ranges, signs,
the order of a row's dates.

The result keeps the typed values of every entity column (absent columns are
null and, on update, left alone), the trimmed text of present columns (for
messages) and the findings.  Everything is computed column by column with
Arrow kernels.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pyarrow as pa
import pyarrow.compute as pc

from appraisal.importing import findings
from appraisal.importing.entities import CHRONOLOGY, REFUND_STATUS, ColumnSpec, EntitySpec
from appraisal.importing.headers import HeaderMap
from appraisal.importing.parsing import (
    mask,
    null_text,
    parse_column,
    problem,
    typed_null,
)
from appraisal.importing.raw import RawTable, cell_column

ORDER_REQUIRED, ORDER_TYPE, ORDER_SIGN, ORDER_CHRONOLOGY = 0, 1, 2, 3
ORDER_STEP = 10


@dataclass(frozen=True)
class CheckedSource:
    """One input after the file-only checks, placed at ``offset`` in its entity's rows."""

    raw: RawTable
    index: int
    offset: int
    present: tuple[str, ...]
    labels: tuple[tuple[str, str], ...]
    typed: pa.Table
    text: pa.Table
    findings: pa.Table

    @property
    def num_rows(self) -> int:
        """Regular rows (irregular ones never reach the checks)."""
        return int(self.typed.num_rows)

    def label(self, column: str) -> str:
        """The header this input calls ``column`` by."""
        return dict(self.labels).get(column, column)

    def order(self, column: str) -> int:
        """Sort key base for findings about ``column`` (its position in the file)."""
        positions = {name: i for i, name in enumerate(self.present)}
        return positions.get(column, len(self.present)) * ORDER_STEP


def trimmed(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Cell text without surrounding blanks; empty cells become null."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    stripped = pc.utf8_trim_whitespace(column)
    empty = mask(pc.equal(pc.binary_length(stripped), 0))
    if not pc.any(empty).as_py():
        return stripped
    return pc.if_else(empty, null_text(), stripped)


def check_source(
    spec: EntitySpec,
    raw: RawTable,
    header_map: HeaderMap,
    timezone: str,
    *,
    index: int,
    offset: int,
) -> CheckedSource:
    """Parse and check every mapped column of one input."""
    ordered = sorted(header_map.positions)
    present = tuple(column for _, column in ordered)
    labels = tuple((column, raw.headers[position].strip()) for position, column in ordered)
    length = raw.cells.num_rows
    texts: dict[str, pa.Array] = {}
    typed: dict[str, pa.Array] = {}
    found: list[pa.Table] = []
    for order, (position, name) in enumerate(ordered):
        column = spec.column(name)
        text = trimmed(raw.cells.column(cell_column(position)))
        prefix = f"{raw.headers[position].strip()}: "
        base = order * ORDER_STEP
        if column.info.required:
            empty = pc.if_else(mask(pc.is_null(text)), "required but empty", null_text())
            found.append(findings.from_problems(empty, offset, base + ORDER_REQUIRED, prefix))
        parsed = parse_column(column, text, timezone)
        found.append(findings.from_problems(parsed.problems, offset, base + ORDER_TYPE, prefix))
        texts[name] = text
        typed[name] = parsed.values
    for column in spec.columns:
        typed.setdefault(column.name, typed_null(length, column.kind))
    source = CheckedSource(
        raw=raw,
        index=index,
        offset=offset,
        present=present,
        labels=labels,
        typed=pa.table({column.name: typed[column.name] for column in spec.columns}),
        text=pa.table(texts) if texts else pa.table({"_": pa.nulls(length, pa.string())}),
        findings=findings.empty(),
    )
    found.extend(sign_findings(spec, source))
    found.extend(chronology_findings(spec, source))
    return replace(source, findings=findings.combine(found))


def _money_columns(spec: EntitySpec, present: tuple[str, ...]) -> list[ColumnSpec]:
    return [column for column in spec.columns if column.kind == "money" and column.name in present]


def sign_findings(spec: EntitySpec, source: CheckedSource) -> list[pa.Table]:
    """Money is never negative, except on refund rows, whose money is never positive."""
    refund = REFUND_STATUS.get(spec.name)
    is_refund = pa.array([False] * source.num_rows)
    known = pa.array([True] * source.num_rows)
    if refund is not None:
        status = source.typed.column(refund[0]).combine_chunks()
        is_refund = mask(pc.equal(status, refund[1]))
        known = mask(pc.is_valid(status))
    found = []
    for column in _money_columns(spec, source.present):
        values = source.typed.column(column.name).combine_chunks()
        text = source.text.column(column.name).combine_chunks()
        zero = pa.scalar(0, values.type)
        negative = mask(pc.and_(pc.less(values, zero), pc.and_(known, pc.invert(is_refund))))
        positive = mask(pc.and_(pc.greater(values, zero), is_refund))
        after = " is negative (only refunds may be negative)" if refund else " is negative"
        problems = pc.coalesce(
            problem(negative, text, after),
            problem(positive, text, " must be zero or negative on a refund"),
        )
        order = source.order(column.name) + ORDER_SIGN
        prefix = f"{source.label(column.name)}: "
        found.append(findings.from_problems(problems, source.offset, order, prefix))
    return found


def chronology_findings(spec: EntitySpec, source: CheckedSource) -> list[pa.Table]:
    """A later date of a row (delivered, closed, resolved...) before its earlier one.

    Checked where the file holds both columns (an update of one column alone
    leaves the other as stored).
    """
    found = []
    for earlier, later in CHRONOLOGY.get(spec.name, ()):
        if earlier not in source.present or later not in source.present:
            continue
        wrong = pc.less(source.typed.column(later), source.typed.column(earlier))
        problems = problem(
            wrong,
            source.text.column(later).combine_chunks(),
            f" is before {source.label(earlier)} ",
            source.text.column(earlier).combine_chunks(),
        )
        order = source.order(later) + ORDER_CHRONOLOGY
        prefix = f"{source.label(later)}: "
        found.append(findings.from_problems(problems, source.offset, order, prefix))
    return found
