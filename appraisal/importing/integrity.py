"""Referential integrity, checked in SQL between the staging and target tables.

A reference is satisfied by a row already in the database or by a good row of
this import: earlier entities are loaded before later ones (same
transaction), and a table referring to itself (a manager, a referrer, the
order a refund reverses) is checked against its own good staged rows,
repeatedly, until rejecting a row no longer breaks another one's reference.
"""

from __future__ import annotations

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from appraisal.importing.entities import ColumnSpec, EntitySpec
from appraisal.importing.staging import OK, POS
from appraisal.store.schema import ENTITIES

FAILURES = pa.schema([("pos", pa.int64()), ("column", pa.string())])


def _references(spec: EntitySpec) -> list[tuple[ColumnSpec, str, str]]:
    found = []
    for column in spec.columns:
        target = column.references
        if target is not None:
            found.append((column, target[0], target[1]))
    return found


def _missing(
    stage: sa.Table, spec: EntitySpec, column: ColumnSpec, entity: str, key: str
) -> sa.ColumnElement[bool]:
    """The staged value names no row of the referenced table (nor of this import)."""
    value = stage.c[column.name]
    target = ENTITIES[entity]
    condition = sa.and_(
        value.is_not(None),
        ~sa.exists().where(target.c[key] == value),
    )
    if entity == spec.name:
        referent = stage.alias("referent")
        condition = sa.and_(condition, ~sa.exists().where(referent.c[key] == value, referent.c[OK]))
    return condition


def _rejects_table(conn: Connection) -> sa.Table:
    table = sa.Table(
        "appraisal_stage_rejects",
        sa.MetaData(),
        sa.Column(POS, sa.BigInteger, nullable=False),
        sa.Column("column_name", sa.String(64), nullable=False),
        prefixes=["TEMPORARY"],
    )
    table.create(conn)
    return table


def _count(conn: Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _record(
    conn: Connection,
    stage: sa.Table,
    rejects: sa.Table,
    spec: EntitySpec,
    refs: list[tuple[ColumnSpec, str, str]],
    only_good: bool,
) -> int:
    """Add the rows failing any of ``refs`` to ``rejects``; returns the rejects now recorded."""
    selects = []
    for column, entity, key in refs:
        condition = _missing(stage, spec, column, entity, key)
        if only_good:
            condition = sa.and_(condition, stage.c[OK])
        label = sa.literal(column.name, sa.String(64)).label("column_name")
        selects.append(sa.select(stage.c[POS].label(POS), label).where(condition))
    failing = selects[0] if len(selects) == 1 else sa.union_all(*selects)
    conn.execute(sa.insert(rejects).from_select([POS, "column_name"], failing))
    return _count(conn, rejects)


def _mark(conn: Connection, stage: sa.Table, rejects: sa.Table) -> None:
    conn.execute(
        sa.update(stage)
        .where(stage.c[OK], stage.c[POS].in_(sa.select(rejects.c[POS])))
        .values({OK: False})
    )


def reference_failures(conn: Connection, spec: EntitySpec, stage: sa.Table) -> pa.Table:
    """Rows (``pos``) whose ``column`` names a missing record; they are marked not ok."""
    refs = _references(spec)
    if not refs:
        return FAILURES.empty_table()
    rejects = _rejects_table(conn)
    try:
        recorded = _record(conn, stage, rejects, spec, refs, only_good=False)
        if recorded == 0:
            return FAILURES.empty_table()
        _mark(conn, stage, rejects)
        own = [ref for ref in refs if ref[1] == spec.name]
        while own:
            before, recorded = recorded, _record(conn, stage, rejects, spec, own, only_good=True)
            if recorded == before:
                break
            _mark(conn, stage, rejects)
        rows = conn.execute(
            sa.select(rejects.c[POS], rejects.c.column_name).order_by(
                rejects.c[POS], rejects.c.column_name
            )
        ).all()
        return pa.table(
            {
                "pos": pa.array([row[0] for row in rows], pa.int64()),
                "column": pa.array([row[1] for row in rows], pa.string()),
            },
            schema=FAILURES,
        )
    finally:
        rejects.drop(conn)
