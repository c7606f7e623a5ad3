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
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from appraisal.errors import Issue, IssuesError, UserError
from appraisal.importing import findings
from appraisal.importing.checks import CheckedSource, check_source
from appraisal.importing.decoding import check_encoding
from appraisal.importing.duplicates import duplicate_findings
from appraisal.importing.entities import EntitySpec, entity_order, entity_spec
from appraisal.importing.headers import HeaderMap, map_headers
from appraisal.importing.integrity import reference_failures
from appraisal.importing.messages import reference_findings
from appraisal.importing.quarantine import PendingFile, entries, write_pending
from appraisal.importing.raw import SourceError
from appraisal.importing.report import Counts, ImportProgress, ImportReport, SourceReport
from appraisal.importing.sources import Input, open_inputs, resolve_entity
from appraisal.importing.staging import OK, POS, SRC, create_stage, drop_stage, load_stage
from appraisal.importing.upsert import Moved, move_rows
from appraisal.store.schema import ENTITIES, Base

ProgressCallback = Callable[[ImportProgress], None]


class _Steps:
    """Counts finished steps and tells the callback."""

    def __init__(self, callback: ProgressCallback | None, total: int) -> None:
        self.callback = callback
        self.total = total
        self.done = 0

    def finished(self, step: str, subject: str) -> None:
        self.done += 1
        if self.callback is not None:
            self.callback(ImportProgress(step, subject, self.done, max(self.total, self.done)))


@dataclass(frozen=True)
class _EntityBatch:
    """All inputs of one entity, checked, with positions assigned."""

    spec: EntitySpec
    inputs: tuple[Input, ...]
    sources: tuple[CheckedSource, ...]
    findings: pa.Table

    @property
    def num_rows(self) -> int:
        return sum(source.num_rows for source in self.sources)


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
    paths: Sequence[Path], forced: str | None, encoding: str | None, steps: _Steps
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
            steps.finished("read", str(path))
        for item in inputs:
            try:
                opened.append((item, map_headers(entity_spec(item.entity), item.raw)))
            except SourceError as exc:
                issues.extend(exc.issues)
    if issues:
        raise IssuesError(sorted(issues, key=Issue.sort_key))
    return opened


def _check_entity(
    entity: str, opened: list[tuple[Input, HeaderMap]], timezone: str
) -> _EntityBatch:
    spec = entity_spec(entity)
    sources: list[CheckedSource] = []
    offset = 0
    for index, (item, header_map) in enumerate(opened):
        checked = check_source(spec, item.raw, header_map, timezone, index=index, offset=offset)
        sources.append(checked)
        offset += checked.num_rows
    found = findings.combine(
        [*(source.findings for source in sources), duplicate_findings(spec, sources)]
    )
    return _EntityBatch(spec, tuple(item for item, _ in opened), tuple(sources), found)


def _staged_rows(batch: _EntityBatch) -> pa.Table:
    typed = pa.concat_tables([source.typed for source in batch.sources]).combine_chunks()
    positions = pa.array(np.arange(batch.num_rows, dtype=np.int64))
    sources = pa.array(
        np.repeat(
            np.array([s.index for s in batch.sources], dtype=np.int32),
            [s.num_rows for s in batch.sources],
        )
    )
    bad = pc.is_in(positions, value_set=findings.rejected_positions(batch.findings))
    return (
        typed.append_column(POS, positions)
        .append_column(SRC, sources)
        .append_column(OK, pc.invert(bad))
    )


def _load_entity(
    conn: Connection, batch: _EntityBatch, rejected_keys: dict[str, pa.Array], steps: _Steps
) -> tuple[_EntityBatch, dict[int, Moved]]:
    spec = batch.spec
    stage = create_stage(conn, spec)
    try:
        load_stage(conn, stage, _staged_rows(batch))
        steps.finished("stage", spec.name)
        failures = reference_failures(conn, spec, stage)
        found = reference_findings(spec, batch.sources, failures, batch.findings, rejected_keys)
        batch = _EntityBatch(
            spec, batch.inputs, batch.sources, findings.combine([batch.findings, found])
        )
        steps.finished("verify", spec.name)
        present = {source.index: source.present for source in batch.sources}
        moved = move_rows(conn, spec, stage, present)
        steps.finished("load", spec.name)
    finally:
        drop_stage(conn, stage)
    return batch, moved


def _rejected_keys(batch: _EntityBatch) -> pa.Array:
    """Key values of this entity's rejected rows (for 'rejected in this import' messages)."""
    if len(batch.spec.key) != 1:
        return pa.array([], pa.string())
    keys = pa.concat_arrays(
        [source.typed.column(batch.spec.key[0]).combine_chunks() for source in batch.sources]
        or [pa.array([], pa.string())]
    )
    return pc.take(keys, findings.rejected_positions(batch.findings)).drop_null()


def _source_report(
    batch: _EntityBatch, source: CheckedSource, moved: Moved, pending: PendingFile | None
) -> SourceReport:
    raw = source.raw
    inside = pc.and_(
        pc.greater_equal(batch.findings.column("pos"), source.offset),
        pc.less(batch.findings.column("pos"), source.offset + source.num_rows),
    )
    rejected_regular = len(pc.unique(batch.findings.column("pos").filter(inside)))
    counts = Counts(
        read=raw.num_rows,
        inserted=moved.inserted,
        updated=moved.updated,
        unchanged=moved.unchanged,
        rejected=rejected_regular + len(raw.irregular),
    )
    if not counts.balanced:
        raise RuntimeError(f"internal error: rows of {raw.source.display} do not add up: {counts}")
    return SourceReport(
        path=raw.source.path,
        sheet=raw.source.sheet,
        entity=batch.spec.name,
        encoding=batch.inputs[source.index].encoding,
        counts=counts,
        quarantine=pending.final if pending else None,
    )


def _quarantine(batch: _EntityBatch, source: CheckedSource) -> PendingFile | None:
    reasons = findings.reasons(batch.findings)
    position = reasons.column("pos")
    inside = pc.and_(
        pc.greater_equal(position, source.offset),
        pc.less(position, source.offset + source.num_rows),
    )
    mine = reasons.filter(inside)
    if mine.num_rows == 0 and not source.raw.irregular:
        return None
    return write_pending(source.raw, entries(source.raw, source.offset, mine))


def _create_missing_tables(conn: Connection) -> None:
    """Create the built-in tables inside the import's transaction (so a kill undoes them too)."""
    existing = set(sa.inspect(conn).get_table_names())
    if not existing.issuperset(ENTITIES):
        Base.metadata.create_all(conn)


def _transaction(
    engine: Engine, batches: list[_EntityBatch], steps: _Steps
) -> tuple[list[SourceReport], list[PendingFile]]:
    reports: list[SourceReport] = []
    pending: list[PendingFile] = []
    rejected_keys: dict[str, pa.Array] = {}
    with engine.connect() as conn:
        try:
            with conn.begin():
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock now
                _create_missing_tables(conn)
                for batch in batches:
                    loaded, moved = _load_entity(conn, batch, rejected_keys, steps)
                    rejected_keys[loaded.spec.name] = _rejected_keys(loaded)
                    for source in loaded.sources:
                        file = _quarantine(loaded, source)
                        pending.extend([file] if file else [])
                        reports.append(
                            _source_report(loaded, source, moved.get(source.index, Moved()), file)
                        )
                steps.finished("quarantine", f"{len(pending)} files")
        except BaseException:
            for file in pending:
                file.discard()
            raise
    steps.finished("commit", "database")
    return reports, pending


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
    steps = _Steps(progress, len(files))
    opened = _open_all(files, forced, encoding, steps)
    names = sorted({item.entity for item, _ in opened}, key=entity_order)
    steps.total = len(files) + 4 * len(names) + 2
    batches = []
    for name in names:
        batches.append(_check_entity(name, [o for o in opened if o[0].entity == name], timezone))
        steps.finished("check", name)
    reports, pending = _transaction(engine, batches, steps)
    for file in pending:
        file.publish()
    return ImportReport(tuple(reports))
