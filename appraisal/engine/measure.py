"""Run a plan: one temporary table per values frame, filled by one INSERT ... SELECT.

The frames live on the caller's connection (temporary tables are per
connection on every backend), so scoring must use the same connection.
Measuring a previous period (``ctx.with_period(...)``) with a subset of
indicators gives the history "below target N periods in a row" and trends
need; each period's frame has its own table name.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from appraisal.engine.compile import compile_plan
from appraisal.engine.context import EvaluationContext
from appraisal.engine.frame import SUBJECT_COLUMNS, ValuesFrame
from appraisal.engine.plan import AppraisalPlan, FramePlan
from appraisal.engine.targets import SheetValues

UNKEYED = ("duckdb",)
"""Backends whose frame tables have no primary key: DuckDB joins by hashing, and
building its index costs almost as much as the frame statement (0.5 s CPU for
150,000 clients)."""


def frame_table(frame: FramePlan, keyed: bool = True) -> sa.Table:
    """The temporary table a frame plan fills (subject_id is its primary key when ``keyed``)."""
    key = SUBJECT_COLUMNS[0]
    columns = [
        sa.Column(c.name, c.type, primary_key=keyed and c.name == key) for c in frame.columns
    ]
    return sa.Table(frame.table_name, sa.MetaData(), *columns, prefixes=["TEMPORARY"])


def materialise(conn: Connection, frame: FramePlan) -> ValuesFrame:
    """Create (or replace) a frame's temporary table and fill it in one statement."""
    table = frame_table(frame, keyed=conn.dialect.name not in UNKEYED)
    conn.execute(sa.schema.DropTable(table, if_exists=True))
    conn.execute(sa.schema.CreateTable(table))
    names = [c.name for c in frame.columns]
    conn.execute(table.insert().from_select(names, frame.statement))
    return ValuesFrame(
        scorecard_id=frame.spec.name,
        subject=frame.spec.subject,
        period=frame.period,
        table=table,
        indicators=frame.indicators,
        targeted=frame.targeted,
    )


def measure(
    conn: Connection,
    ctx: EvaluationContext,
    scorecard_id: str | None = None,
    *,
    indicators: Sequence[str] | None = None,
    rules_dir: Path | None = None,
    sheets: SheetValues | None = None,
    plan: AppraisalPlan | None = None,
) -> tuple[ValuesFrame, ...]:
    """Measure every scorecard's frame (or one) for ``ctx.period``.

    ``indicators`` limits the frames to those indicators and their inputs (for
    history); ``rules_dir`` is where target sheets are read from; a ready
    ``plan`` (from :func:`compile_plan`) skips compiling.
    """
    if plan is None:
        plan = compile_plan(
            ctx, scorecard_id, indicators=indicators, rules_dir=rules_dir, sheets=sheets
        )
    return tuple(materialise(conn, frame) for frame in plan.frames)
