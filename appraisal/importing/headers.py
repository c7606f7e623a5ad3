"""Map a file's headers to an entity's columns, or say precisely why not.

A header matches a column by its name, English label, Chinese label or an
alias, compared loosely (case, width, spaces, ``_`` and ``-`` ignored).  An
unknown header, two headers for one column and a missing required column are
errors about the whole file: its rows cannot be read as intended.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import pyarrow.compute as pc

from appraisal.errors import Issue
from appraisal.importing.entities import ColumnSpec, EntitySpec, normalise_name
from appraisal.importing.raw import RawTable, SourceError, cell_column, file_issue

ROW_HEADER = "_row"
REASONS_HEADER = "_reasons"
RESERVED = (ROW_HEADER, REASONS_HEADER)
"""Quarantine columns: a corrected quarantine file can be imported as it is."""


@dataclass(frozen=True)
class HeaderMap:
    """Which header position feeds which column, and the header text users know it by."""

    positions: tuple[tuple[int, str], ...]


def accepted_names(column: ColumnSpec) -> tuple[str, ...]:
    """Every header text that means ``column``: name, labels, aliases."""
    info = column.info
    return tuple(dict.fromkeys((column.name, info.en, info.zh, *info.aliases)))


def name_index(spec: EntitySpec) -> dict[str, str]:
    """Normalised header text → column name."""
    index: dict[str, str] = {}
    for column in spec.columns:
        for name in accepted_names(column):
            index.setdefault(normalise_name(name), column.name)
    return index


def did_you_mean(text: str, spec: EntitySpec) -> str:
    """``did you mean 'amount'?`` for the closest accepted header, or ''."""
    candidates: dict[str, str] = {}
    for column in spec.columns:
        for name in accepted_names(column):
            candidates.setdefault(normalise_name(name), name)
    close = difflib.get_close_matches(normalise_name(text), list(candidates), n=1, cutoff=0.5)
    return f"did you mean {candidates[close[0]]!r}?" if close else ""


def _describe(column: ColumnSpec) -> str:
    return " / ".join(repr(name) for name in accepted_names(column)[:3])


def map_headers(spec: EntitySpec, raw: RawTable) -> HeaderMap:
    """The header map of ``raw`` for ``spec``; raises SourceError listing every problem."""
    index = name_index(spec)
    word = "key" if raw.source.fmt == "jsonl" else "header"
    issues: list[Issue] = []
    positions: list[tuple[int, str]] = []
    first_position: dict[str, int] = {}
    for position, header in enumerate(raw.headers):
        line = raw.header_span_line(position)
        text = header.strip()
        if not text:
            issues.extend(_blank_header(raw, position))
            continue
        if text in RESERVED:
            continue
        column = index.get(normalise_name(text))
        if column is None:
            issues.append(
                file_issue(
                    raw.source,
                    "IMP003",
                    f"unknown {word} {text!r} (column {position + 1}) for {spec.name}",
                    line,
                    position + 1,
                    hint=did_you_mean(text, spec)
                    or f"see the accepted {word}s in docs/importing.md",
                )
            )
        elif column in first_position:
            earlier = first_position[column]
            issues.append(
                file_issue(
                    raw.source,
                    "IMP005",
                    f"{word}s {raw.headers[earlier].strip()!r} (column {earlier + 1}) and "
                    f"{text!r} (column {position + 1}) both mean {column}",
                    line,
                    position + 1,
                    hint=f"keep one of the two {word}s",
                )
            )
        else:
            first_position[column] = position
            positions.append((position, column))
    if raw.headers or raw.source.fmt != "jsonl":  # JSON Lines of bad lines only: quarantine them
        issues.extend(_missing_required(spec, raw, set(first_position), word))
    if issues:
        raise SourceError(*issues)
    return HeaderMap(tuple(positions))


def _blank_header(raw: RawTable, position: int) -> list[Issue]:
    """A column without header is harmless when empty, an error when it holds values."""
    column = raw.cells.column(cell_column(position))
    filled = pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(column), ""), False)
    if not pc.any(filled).as_py():
        return []
    first = raw.lines.filter(filled.combine_chunks())[0].as_py()
    return [
        file_issue(
            raw.source,
            "IMP006",
            f"column {position + 1} has no header but holds values (first on "
            f"{raw.source.row_word} {first})",
            raw.header_line,
            position + 1,
            hint="give the column a header, or delete it",
        )
    ]


def _missing_required(spec: EntitySpec, raw: RawTable, present: set[str], word: str) -> list[Issue]:
    return [
        file_issue(
            raw.source,
            "IMP004",
            f"missing required {word} {column.name} for {spec.name}",
            raw.header_line,
            hint=f"add a {word} {_describe(column)}",
        )
        for column in spec.columns
        if column.info.required and column.name not in present
    ]
