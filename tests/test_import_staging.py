"""The fast staging paths (DuckDB Arrow scan, PostgreSQL COPY, SQLite storage values)
store exactly what SQLAlchemy's own types store through the generic path."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from appraisal.importing.entities import entity_spec
from appraisal.importing.parsing import arrow_type
from appraisal.importing.staging import _load_executemany, load_stage, stage_table

# Instants are staged as naive UTC (the Arrow form); Excel-style edge values included.
VALUES: dict[str, dict[str, list[object]]] = {
    "tickets": {
        "ticket_id": ["T1", "T2"],
        "customer_id": ["00123", ""],
        "staff_id": [None, "S 1"],
        "opened_at": [datetime(2026, 3, 1, 0, 30, 0, 250000), datetime(2026, 3, 2)],  # noqa: DTZ001
        "resolved_at": [None, datetime(2026, 3, 3, 23, 59, 59)],  # noqa: DTZ001
        "is_complaint": [True, False],
        "category": ['say "hi", ok\nnext line', None],
    },
    "contracts": {
        "contract_id": ["K1", "K2"],
        "customer_id": ["C1", "C2"],
        "staff_id": [None, None],
        "starts_on": [date(2025, 1, 1), date(1999, 12, 31)],
        "ends_on": [date(2025, 12, 31), date(2000, 2, 29)],
        "renewed_on": [None, date(2000, 1, 1)],
        "value": [Decimal("12000.50"), Decimal("-0.01")],
    },
    "ratings": {
        "staff_id": ["S1", "S1"],
        "period": ["2026-Q1", "2026-Q2"],
        "criterion": ["德", "能"],
        "rater_id": ["S2", "S2"],
        "score": [Decimal("4.2500"), Decimal("-0.0001")],
    },
    "surveys": {
        "survey_id": ["V1", "V2"],
        "customer_id": ["C1", "C1"],
        "staff_id": [None, "S1"],
        "answered_on": [date(2026, 3, 1), date(2026, 3, 2)],
        "satisfaction": [5, None],
        "nps": [0, 10],
    },
}


def staged(name: str) -> pa.Table:
    spec = entity_spec(name)
    table = pa.table(
        {c.name: pa.array(VALUES[name][c.name], arrow_type(c.kind)) for c in spec.columns}
    )
    return (
        table.append_column("_pos", pa.array([0, 1], pa.int64()))
        .append_column("_src", pa.array([0, 1], pa.int32()))
        .append_column("_ok", pa.array([True, False]))
    )


@pytest.mark.parametrize("name", sorted(VALUES))
def test_fast_and_generic_staging_agree(engine: Engine, name: str) -> None:
    spec = entity_spec(name)
    rows = staged(name)
    with engine.begin() as conn:
        fast = stage_table(spec, sa.MetaData())
        fast.create(conn)
        load_stage(conn, fast, rows)
        generic = sa.Table(
            f"generic_{name}", sa.MetaData(), *[sa.Column(c.name, c.type) for c in fast.columns]
        )
        generic.create(conn)
        _load_executemany(conn, generic, rows)
        got_fast = [tuple(r) for r in conn.execute(sa.select(fast).order_by("_pos"))]
        got_generic = [tuple(r) for r in conn.execute(sa.select(generic).order_by("_pos"))]
        raw_fast = conn.execute(sa.text(f'SELECT * FROM "{fast.name}" ORDER BY "_pos"')).all()
        raw_generic = conn.execute(sa.text(f'SELECT * FROM "{generic.name}" ORDER BY "_pos"')).all()
    assert len(got_fast) == 2
    assert got_fast == got_generic
    assert [tuple(r) for r in raw_fast] == [tuple(r) for r in raw_generic]
