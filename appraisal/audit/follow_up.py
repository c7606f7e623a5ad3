"""Closed-loop plans: was each earlier action's follow-up target met this period?

An improvement plan item stored by a run names a follow-up indicator, a target
value, the better direction and the period by which it is due
(``run_plan_items``).  When that period is evaluated, each item is checked
against the subject's current value of the indicator, in SQL: the value comes
from the values frame of the current evaluation, picked per row by a ``CASE``
over the indicator ids the frame holds.

Status: ``met`` (at least as good as the target: ≥ when higher is better, ≤
when lower is better), ``not_met``, or ``no_value`` (the indicator is not
applicable for the subject now, or the frame does not measure it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, assert_never

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement

from appraisal.audit.canonical import decimal_text
from appraisal.audit.evaluation import without_trace
from appraisal.engine.context import EvaluationContext
from appraisal.engine.evaluate import measure_frames
from appraisal.engine.frame import ValuesFrame
from appraisal.engine.run_tables import EVALUATION_RUNS, RUN_PLAN_ITEMS
from appraisal.expr.sqltypes import ExprMoney, ExprNumber
from appraisal.periods import Period
from appraisal.spec.enums import Direction
from appraisal.spec.models import RuleSet
from appraisal.store.sources import Catalog


class FollowUpStatus(StrEnum):
    """The outcome of one follow-up check."""

    MET = "met"
    NOT_MET = "not_met"
    NO_VALUE = "no_value"


def follow_up_status(
    value: Decimal | None, target: Decimal, direction: Direction
) -> FollowUpStatus:
    """The rule for one item, in Python (the SQL below computes the same)."""
    if value is None:
        return FollowUpStatus.NO_VALUE
    match direction:
        case Direction.HIGHER:
            met = value >= target
        case Direction.LOWER:
            met = value <= target
        case _:
            assert_never(direction)
    return FollowUpStatus.MET if met else FollowUpStatus.NOT_MET


def source_runs(conn: Connection, ruleset_id: str, period: str) -> tuple[str, ...]:
    """The earlier runs whose plan items fall due in ``period``: per earlier period of
    the rule set, its latest run (an official one when there is one)."""
    runs = EVALUATION_RUNS
    due = (
        sa.select(RUN_PLAN_ITEMS.c.run_id)
        .where(RUN_PLAN_ITEMS.c.follow_up_period == period)
        .distinct()
        .subquery()
    )
    rows = conn.execute(
        sa.select(runs.c.run_id, runs.c.period)
        .join(due, due.c.run_id == runs.c.run_id)
        .where(runs.c.ruleset_id == ruleset_id, runs.c.period != period)
        .order_by(runs.c.period, runs.c.official.desc(), runs.c.started_at.desc(), runs.c.run_id)
    ).all()
    chosen: dict[str, str] = {}
    for row in rows:
        chosen.setdefault(str(row.period), str(row.run_id))
    return tuple(chosen[p] for p in sorted(chosen))


class _MoneyUnits(ColumnElement[Any]):
    """A number in the units money has inside SQL (cents on SQLite, see ExprMoney)."""

    inherit_cache = True

    def __init__(self, number: ColumnElement[Any]) -> None:
        self.number = number
        self.type = ExprMoney()


class _MoneyAsNumber(ColumnElement[Any]):
    """A money value inside SQL as a plain number of currency units."""

    inherit_cache = True

    def __init__(self, money: ColumnElement[Any]) -> None:
        self.money = money
        self.type = ExprNumber()


@compiles(_MoneyUnits)
def _money_units(element: _MoneyUnits, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.number, **kw)


@compiles(_MoneyUnits, "sqlite")
def _money_units_sqlite(element: _MoneyUnits, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.number, **kw)} * 100)"


@compiles(_MoneyAsNumber)
def _money_number(element: _MoneyAsNumber, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.money, **kw)


@compiles(_MoneyAsNumber, "sqlite")
def _money_number_sqlite(element: _MoneyAsNumber, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.money, **kw)} / 100.0)"


def _is_money(column: sa.Column[Any]) -> bool:
    return isinstance(column.type, ExprMoney)


def _status(frame: ValuesFrame) -> ColumnElement[Any]:
    plan = RUN_PLAN_ITEMS
    higher = plan.c.follow_up_direction == Direction.HIGHER.value
    lower = plan.c.follow_up_direction == Direction.LOWER.value
    met: list[ColumnElement[bool]] = []
    present: list[ColumnElement[bool]] = []
    for indicator in frame.indicators:
        value = frame.value(indicator)
        target: ColumnElement[Any] = plan.c.follow_up_target
        if _is_money(value):
            target = _MoneyUnits(target)
        this = plan.c.follow_up_indicator == indicator
        present.append(sa.and_(this, value.is_not(None)))
        met.append(
            sa.and_(this, sa.or_(sa.and_(higher, value >= target), sa.and_(lower, value <= target)))
        )
    if not present:
        return sa.literal(FollowUpStatus.NO_VALUE.value)
    return sa.case(
        (sa.not_(sa.or_(*present)), FollowUpStatus.NO_VALUE.value),
        (sa.or_(*met), FollowUpStatus.MET.value),
        else_=FollowUpStatus.NOT_MET.value,
    )


def _value(frame: ValuesFrame) -> ColumnElement[Any]:
    if not frame.indicators:
        return sa.cast(sa.null(), ExprNumber())
    branches: dict[str, ColumnElement[Any]] = {}
    for indicator in frame.indicators:
        value = frame.value(indicator)
        branches[indicator] = (
            _MoneyAsNumber(value) if _is_money(value) else sa.type_coerce(value, ExprNumber())
        )
    return sa.type_coerce(
        sa.case(branches, value=RUN_PLAN_ITEMS.c.follow_up_indicator, else_=sa.null()),
        ExprNumber(),
    )


def follow_up_select(run_ids: Sequence[str], frame: ValuesFrame) -> sa.Select[Any]:
    """Every plan item of ``run_ids`` due in the frame's period, with its status.

    Columns: run_id, scorecard_id, subject_id, rule_id, indicator, baseline,
    target, direction, due_period, value, status.  Ready for ``INSERT ... SELECT``.
    Money is compared exactly in the units the backend keeps it in.
    """
    plan = RUN_PLAN_ITEMS
    values = frame.table
    return (
        sa.select(
            plan.c.run_id,
            plan.c.scorecard_id,
            plan.c.subject_id,
            plan.c.rule_id,
            plan.c.follow_up_indicator.label("indicator"),
            plan.c.follow_up_baseline.label("baseline"),
            plan.c.follow_up_target.label("target"),
            plan.c.follow_up_direction.label("direction"),
            plan.c.follow_up_period.label("due_period"),
            _value(frame).label("value"),
            _status(frame).label("status"),
        )
        .select_from(plan.outerjoin(values, values.c.subject_id == plan.c.subject_id))
        .where(
            plan.c.run_id.in_(list(run_ids)),
            plan.c.scorecard_id == frame.scorecard_id,
            plan.c.follow_up_period == frame.period,
            plan.c.follow_up_indicator.is_not(None),
        )
        .order_by(plan.c.subject_id, plan.c.run_id, plan.c.position)
    )


@dataclass(frozen=True)
class FollowUp:
    """One earlier action's follow-up, checked (for reports; a handful per subject)."""

    run_id: str
    scorecard_id: str
    subject_id: str
    rule_id: str
    indicator: str
    baseline: Decimal | None
    target: Decimal
    direction: Direction
    due_period: str
    value: Decimal | None
    status: FollowUpStatus


def follow_ups(conn: Connection, ruleset_id: str, frame: ValuesFrame) -> tuple[FollowUp, ...]:
    """The checked follow-ups of every earlier action due in the frame's period."""
    runs = source_runs(conn, ruleset_id, frame.period)
    if not runs:
        return ()
    return tuple(
        FollowUp(
            run_id=row.run_id,
            scorecard_id=row.scorecard_id,
            subject_id=row.subject_id,
            rule_id=row.rule_id,
            indicator=row.indicator,
            baseline=_decimal(row.baseline),
            target=_decimal(row.target) or Decimal(0),
            direction=Direction(row.direction),
            due_period=row.due_period,
            value=_decimal(row.value),
            status=FollowUpStatus(row.status),
        )
        for row in conn.execute(follow_up_select(runs, frame))
    )


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def follow_up_report(
    engine: Engine,
    ruleset: RuleSet,
    period: Period,
    *,
    timezone: str,
    rules_dir: Path | None = None,
    catalog: Catalog | None = None,
) -> tuple[FollowUp, ...]:
    """Measure ``period`` and check every earlier action due in it; nothing is stored."""

    def work(conn: Connection) -> tuple[FollowUp, ...]:
        ctx = EvaluationContext(ruleset, period, catalog or Catalog(), timezone)
        frames = measure_frames(conn, ctx, rules_dir)
        return tuple(
            item
            for frame in frames.scorecards.values()
            for item in follow_ups(conn, ruleset.metadata.id, frame)
        )

    return without_trace(engine, work)


def render_follow_ups(ruleset_id: str, period: str, items: Sequence[FollowUp]) -> str:
    """One line per earlier action due in the period, then the counts."""
    if not items:
        return f"No earlier improvement actions of {ruleset_id} fall due in {period}\n"
    lines = [f"Improvement actions of {ruleset_id} due in {period}:"]
    for f in items:
        sign = ">=" if f.direction is Direction.HIGHER else "<="
        value = "no value" if f.value is None else decimal_text(f.value)
        lines.append(
            f"  {f.status.value:<8} {f.scorecard_id} {f.subject_id} {f.rule_id} "
            f"(run {f.run_id}): {f.indicator} {value}, target {sign} {decimal_text(f.target)}"
        )
    met, missed, unknown = (
        sum(1 for f in items if f.status is s)
        for s in (FollowUpStatus.MET, FollowUpStatus.NOT_MET, FollowUpStatus.NO_VALUE)
    )
    lines.append(f"{len(items)} due: {met} met, {missed} not met, {unknown} without a value")
    return "\n".join(lines) + "\n"
