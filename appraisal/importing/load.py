"""The database part of an import: one transaction for every entity, in reference order.

Per entity: stage the checked rows, check references in SQL, update and
insert.  Quarantine files are written before the commit (under temporary
names) so that a failure to write one aborts the import; they are renamed
only after the commit succeeded.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from appraisal.importing import findings
from appraisal.importing.batch import EntityBatch
from appraisal.importing.checks import CheckedSource
from appraisal.importing.integrity import reference_failures
from appraisal.importing.messages import reference_findings
from appraisal.importing.quarantine import PendingFile, entries, write_pending
from appraisal.importing.report import Counts, SourceReport
from appraisal.importing.staging import create_stage, drop_stage, load_stage
from appraisal.importing.upsert import Moved, move_rows
from appraisal.store.database import create_schema
from appraisal.store.schema import ENTITIES

StepDone = Callable[[str, str], None]


def create_missing_tables(conn: Connection) -> None:
    """Create the built-in tables inside the import's transaction (a kill undoes them too)."""
    existing = set(sa.inspect(conn).get_table_names())
    if not existing.issuperset(ENTITIES):
        create_schema(conn)


def load_entity(
    conn: Connection, batch: EntityBatch, rejected_keys: dict[str, pa.Array], done: StepDone
) -> tuple[EntityBatch, dict[int, Moved]]:
    """Stage, verify references, then move the good rows; returns the final batch."""
    spec = batch.spec
    stage = create_stage(conn, spec)
    try:
        load_stage(conn, stage, batch.staged_rows())
        done("stage", spec.name)
        failures = reference_failures(conn, spec, stage)
        batch = batch.with_findings(
            reference_findings(spec, batch.sources, failures, batch.findings, rejected_keys)
        )
        done("verify", spec.name)
        moved = move_rows(conn, spec, stage, {s.index: s.present for s in batch.sources})
        done("load", spec.name)
    finally:
        drop_stage(conn, stage)
    return batch, moved


def source_report(
    batch: EntityBatch, source: CheckedSource, moved: Moved, pending: PendingFile | None
) -> SourceReport:
    """What happened to one input's rows; refuses counts that do not add up."""
    raw = source.raw
    mine = batch.rows_of(source, batch.findings)
    counts = Counts(
        read=raw.num_rows,
        inserted=moved.inserted,
        updated=moved.updated,
        unchanged=moved.unchanged,
        rejected=len(pc.unique(mine.column("pos"))) + len(raw.irregular),
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


def quarantine(batch: EntityBatch, reasons: pa.Table, source: CheckedSource) -> PendingFile | None:
    """Write the rejected rows of one input (if any) under a temporary name."""
    mine = batch.rows_of(source, reasons)
    if mine.num_rows == 0 and not source.raw.irregular:
        return None
    return write_pending(source.raw, entries(source.raw, source.offset, mine))


def _entities(
    conn: Connection, batches: list[EntityBatch], done: StepDone, pending: list[PendingFile]
) -> list[SourceReport]:
    reports: list[SourceReport] = []
    rejected_keys: dict[str, pa.Array] = {}
    for batch in batches:
        loaded, moved = load_entity(conn, batch, rejected_keys, done)
        rejected_keys[loaded.spec.name] = loaded.rejected_keys()
        reasons = findings.reasons(loaded.findings)
        for source in loaded.sources:
            file = quarantine(loaded, reasons, source)
            pending.extend([file] if file else [])
            reports.append(source_report(loaded, source, moved.get(source.index, Moved()), file))
    return reports


def run(
    engine: Engine, batches: list[EntityBatch], done: StepDone
) -> tuple[list[SourceReport], list[PendingFile]]:
    """Load every batch in one transaction; quarantine files are left to publish."""
    pending: list[PendingFile] = []
    with engine.connect() as conn:
        try:
            with conn.begin():
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock now
                create_missing_tables(conn)
                reports = _entities(conn, batches, done, pending)
                done("quarantine", f"{len(pending)} files")
        except BaseException:
            for file in pending:
                file.discard()
            raise
    done("commit", "database")
    return reports, pending
