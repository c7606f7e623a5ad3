"""``import_files``: read, check, stage, verify and load, in one transaction.

The stages, in order::

    open inputs → map headers → check rows (Arrow) → find duplicates (Arrow)
    → BEGIN → create tables → per entity: stage → check references (SQL)
    → update + insert (SQL) → write quarantine files → COMMIT → publish them

Any failure before COMMIT (an exception, a kill) leaves the database as it was
and no quarantine file behind.  The function never prints; pass ``progress``
to follow it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.engine import Engine

from appraisal.errors import Issue, IssuesError, UserError
from appraisal.importing import load
from appraisal.importing.batch import check_entity
from appraisal.importing.decoding import check_encoding
from appraisal.importing.entities import entity_order, entity_spec
from appraisal.importing.headers import HeaderMap, map_headers
from appraisal.importing.raw import SourceError
from appraisal.importing.report import ImportProgress, ImportReport
from appraisal.importing.sources import Input, open_inputs, resolve_entity

ProgressCallback = Callable[[ImportProgress], None]


class _Steps:
    """Counts finished steps and tells the callback."""

    def __init__(self, callback: ProgressCallback | None, total: int) -> None:
        self.callback = callback
        self.total = total
        self.done = 0

    def __call__(self, step: str, subject: str) -> None:
        self.done += 1
        if self.callback is not None:
            self.callback(ImportProgress(step, subject, self.done, max(self.total, self.done)))


def check_timezone(name: str) -> str:
    """The business time zone, validated for Python and Arrow."""
    try:
        ZoneInfo(name)
        pc.assume_timezone(pa.array([0], pa.timestamp("s")), timezone=name)
    except (ZoneInfoNotFoundError, ValueError, pa.ArrowInvalid) as exc:
        raise UserError(f"unknown time zone {name!r} (expected e.g. Asia/Shanghai, UTC)") from exc
    return name


def _unique(paths: Iterable[Path | str]) -> list[Path]:
    seen: dict[Path, Path] = {}
    for path in map(Path, paths):
        seen.setdefault(path.resolve(), path)
    return list(seen.values())


def _open_all(
    paths: Sequence[Path], forced: str | None, encoding: str | None, done: _Steps
) -> list[tuple[Input, HeaderMap]]:
    """Every input with its header map; all file-level problems raised together."""
    issues: list[Issue] = []
    opened: list[tuple[Input, HeaderMap]] = []
    for path in paths:
        try:
            inputs = open_inputs(path, forced, encoding)
        except SourceError as exc:
            issues.extend(exc.issues)
            continue
        finally:
            done("read", str(path))
        for item in inputs:
            try:
                opened.append((item, map_headers(entity_spec(item.entity), item.raw)))
            except SourceError as exc:
                issues.extend(exc.issues)
    if issues:
        raise IssuesError(sorted(issues, key=Issue.sort_key))
    return opened


def import_files(
    engine: Engine,
    paths: Sequence[Path | str],
    *,
    timezone: str,
    entity: str | None = None,
    encoding: str | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import CSV/XLSX/JSONL files into the built-in tables, all or nothing.

    Raises IssuesError (a UserError) for problems with whole files (unknown
    entity or headers, undecodable text) before touching the database.  Rejected
    rows do not raise: they are counted in the report and written to quarantine
    files next to their inputs.
    """
    timezone = check_timezone(timezone)
    forced = resolve_entity(entity) if entity else None
    if encoding is not None:
        check_encoding(encoding)
    files = _unique(paths)
    done = _Steps(progress, len(files))
    opened = _open_all(files, forced, encoding, done)
    names = sorted({item.entity for item, _ in opened}, key=entity_order)
    done.total = len(files) + 4 * len(names) + 2
    batches = []
    for name in names:
        batches.append(check_entity(name, [o for o in opened if o[0].entity == name], timezone))
        done("check", name)
    reports, pending = load.run(engine, batches, done)
    for file in pending:
        file.publish()
    return ImportReport(tuple(reports))
