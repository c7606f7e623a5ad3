"""Open the inputs: pick a reader by file type and an entity by name or option."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from appraisal.errors import UserError
from appraisal.importing.csv_reader import read_csv
from appraisal.importing.entities import (
    ENTITY_NAMES,
    all_entity_names,
    entity_from_name,
    normalise_name,
)
from appraisal.importing.jsonl_reader import read_jsonl
from appraisal.importing.raw import Format, RawTable, SourceError, SourceRef, file_issue
from appraisal.importing.xlsx_reader import read_xlsx

SUFFIXES: dict[str, Format] = {
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


@dataclass(frozen=True)
class Input:
    """A readable input and the entity its rows belong to."""

    raw: RawTable
    entity: str
    encoding: str


def resolve_entity(name: str) -> str:
    """The entity ``--entity`` names (any accepted name, English or Chinese)."""
    wanted = normalise_name(name)
    for entity, aliases in ENTITY_NAMES.items():
        if wanted in (normalise_name(alias) for alias in aliases):
            return entity
    close = difflib.get_close_matches(name, all_entity_names(), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise UserError(f"unknown entity {name!r}{hint}; expected one of {', '.join(ENTITY_NAMES)}")


def _entity_for(raw: RawTable, forced: str | None) -> str:
    entity = forced or raw.sheet_entity or entity_from_name(raw.source.path.stem)
    if entity is None:
        close = difflib.get_close_matches(raw.source.path.stem, all_entity_names(), n=1)
        raise SourceError(
            file_issue(
                raw.source,
                "IMP001",
                f"cannot tell which entity {raw.source.path.name!r} holds",
                hint=(f"did you mean {close[0]!r}? " if close else "")
                + "name the file after an entity (e.g. orders.csv, 订单.csv) or pass --entity",
            )
        )
    return entity


def open_inputs(path: Path, forced: str | None, encoding: str | None) -> list[Input]:
    """Read one file into inputs (a workbook may give several sheets)."""
    fmt = SUFFIXES.get(path.suffix.lower())
    source = SourceRef(path, fmt or "csv")
    if fmt is None:
        raise SourceError(
            file_issue(
                source,
                "IMP001",
                f"unsupported file type {path.suffix or '(none)'!r}",
                hint="import .csv, .xlsx or .jsonl files",
            )
        )
    try:
        if fmt == "xlsx":
            return [Input(raw, _entity_for(raw, forced), "xlsx") for raw in read_xlsx(path, forced)]
        raw = read_csv(path, encoding) if fmt == "csv" else read_jsonl(path, encoding)
    except OSError as exc:
        raise SourceError(
            file_issue(source, "IMP008", f"cannot read the file: {exc.strerror}")
        ) from None
    return [Input(raw, _entity_for(raw, forced), raw.encoding)]
