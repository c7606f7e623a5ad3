"""Staging: every checked row, typed, in a temporary table next to the target.

The staging table has the target's columns and types, plus the row's position
in the import (``_pos``), its input (``_src``) and whether it is still good
(``_ok``).  DuckDB scans the Arrow table directly; PostgreSQL gets ``COPY`` of
CSV written by Arrow; SQLite gets driver-level ``executemany`` of values
already in its storage form (what SQLAlchemy's types would write), in chunks.
Reference checks and the upsert then run as set-based SQL between the staging
and target tables.
"""

from __future__ import annotations

import io
import itertools
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from appraisal.importing.entities import EntitySpec
from appraisal.store.types import Money

POS, SRC, OK = "_pos", "_src", "_ok"
CHUNK_ROWS = 20_000
_counter = itertools.count()


def stage_table(spec: EntitySpec, metadata: sa.MetaData) -> sa.Table:
    """A temporary table shaped like the entity's, plus the bookkeeping columns."""
    columns = [sa.Column(column.name, column.type) for column in spec.table.columns]
    return sa.Table(
        f"appraisal_stage_{spec.name}",
        metadata,
        *columns,
        sa.Column(POS, sa.BigInteger, nullable=False),
        sa.Column(SRC, sa.Integer, nullable=False),
        sa.Column(OK, sa.Boolean, nullable=False),
        prefixes=["TEMPORARY"],
        info={"key": spec.key},
    )


def create_stage(conn: Connection, spec: EntitySpec) -> sa.Table:
    """Create the (empty) staging table for ``spec`` on this connection."""
    stage = stage_table(spec, sa.MetaData())
    stage.create(conn)
    return stage


def load_stage(conn: Connection, stage: sa.Table, rows: pa.Table) -> None:
    """Bulk-load typed rows (columns named like the stage's) into the staging table."""
    dialect = conn.dialect.name
    if dialect == "duckdb":
        _load_duckdb(conn, stage, rows)
    elif dialect == "postgresql" and conn.dialect.driver == "psycopg":
        _load_copy(conn, stage, rows)
    elif dialect == "sqlite":
        _load_sqlite(conn, stage, rows)
    else:
        _load_executemany(conn, stage, rows)
    if dialect in ("sqlite", "postgresql"):
        _index(conn, stage)


def _columns(conn: Connection, stage: sa.Table) -> str:
    quote = conn.dialect.identifier_preparer.quote
    return ", ".join(quote(column.name) for column in stage.columns)


def _load_duckdb(conn: Connection, stage: sa.Table, rows: pa.Table) -> None:
    """DuckDB reads the Arrow buffers in place: no Python per row."""
    raw: Any = conn.connection.driver_connection
    view = f"appraisal_arrow_{next(_counter)}"
    raw.register(view, rows)
    try:
        names = _columns(conn, stage)
        conn.exec_driver_sql(f'INSERT INTO "{stage.name}" ({names}) SELECT {names} FROM "{view}"')
    finally:
        raw.unregister(view)


def _load_copy(conn: Connection, stage: sa.Table, rows: pa.Table) -> None:
    """PostgreSQL: Arrow writes CSV (null: empty, empty text: ``""``), COPY reads it."""
    raw: Any = conn.connection.driver_connection
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    statement = f'COPY "{stage.name}" ({_columns(conn, stage)}) FROM STDIN WITH (FORMAT csv)'
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for batch in rows.to_batches(max_chunksize=CHUNK_ROWS * 5):
            buffer = io.BytesIO()
            pacsv.write_csv(pa.Table.from_batches([batch]), buffer, write_options=options)
            copy.write(buffer.getvalue())


def _sqlite_storage(stage: sa.Table, rows: pa.Table) -> pa.Table:
    """Values as SQLAlchemy stores them on SQLite: cents, ISO text, floats for NUMERIC."""
    columns = []
    for column, values in zip(stage.columns, rows.columns, strict=True):
        kind = values.type
        if isinstance(column.type, Money):
            values = pc.cast(pc.multiply(values, pa.scalar(100, pa.decimal128(3, 0))), pa.int64())
        elif pa.types.is_decimal(kind):
            values = pc.cast(values, pa.float64())
        elif pa.types.is_timestamp(kind) or pa.types.is_date(kind):
            values = pc.cast(values, pa.string())  # 2026-03-01 08:30:00.000000 / 2026-03-01
        columns.append(values)
    return pa.table(columns, names=rows.column_names)


def _load_sqlite(conn: Connection, stage: sa.Table, rows: pa.Table) -> None:
    """SQLite: driver-level executemany of plain tuples, no per-value type processing."""
    stored = _sqlite_storage(stage, rows)
    marks = ", ".join("?" for _ in stage.columns)
    statement = f'INSERT INTO "{stage.name}" ({_columns(conn, stage)}) VALUES ({marks})'
    for start in range(0, stored.num_rows, CHUNK_ROWS):
        chunk = stored.slice(start, CHUNK_ROWS)
        values = list(zip(*(column.to_pylist() for column in chunk.columns), strict=True))
        if values:
            conn.exec_driver_sql(statement, values)


def _for_driver(rows: pa.Table) -> pa.Table:
    """Instants become timezone-aware UTC so the UtcDateTime type accepts them."""
    columns = []
    for field, column in zip(rows.schema, rows.columns, strict=True):
        if pa.types.is_timestamp(field.type) and field.type.tz is None:
            column = pc.cast(column, pa.timestamp(field.type.unit, tz="UTC"))
        columns.append(column)
    return pa.table(columns, names=rows.column_names)


def _load_executemany(conn: Connection, stage: sa.Table, rows: pa.Table) -> None:
    """Any other dialect: SQLAlchemy executemany with its own type processing."""
    prepared = _for_driver(rows)
    insert = sa.insert(stage)
    for start in range(0, prepared.num_rows, CHUNK_ROWS):
        chunk = prepared.slice(start, CHUNK_ROWS).to_pylist()
        if chunk:
            conn.execute(insert, chunk)


def _index(conn: Connection, stage: sa.Table) -> None:
    """Row-at-a-time engines need indexes for the reference and upsert joins."""
    keys = [column for column in stage.columns if column.name not in (POS, SRC, OK)]
    primary = [c for c in keys if c.name in _primary_names(stage)]
    sa.Index(f"ix_{stage.name}_key", *primary).create(conn)
    sa.Index(f"ix_{stage.name}_pos", stage.c[POS]).create(conn)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f'ANALYZE "{stage.name}"')


def _primary_names(stage: sa.Table) -> set[str]:
    return set(stage.info.get("key", ()))


def drop_stage(conn: Connection, stage: sa.Table) -> None:
    """Drop the staging table (temporary tables outlive a transaction on pooled connections)."""
    stage.drop(conn)
