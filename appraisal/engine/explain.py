"""Explain an evaluation: the compiled SQL, and a trace of every number for one subject.

``explain_sql`` needs no data: it renders the plan for a dialect with literal
values, each statement headed by comments naming the indicators it computes.
``trace_subject`` measures the frames on a connection and, for one subject,
lists each indicator's value, how it is computed (formula and inputs,
aggregate and the source rows that contributed, first rows and their count),
its target and where the target came from.  Scoring steps are appended by
whoever passes ``score_lines`` (the scoring stage owns them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.sql.elements import ColumnElement

from appraisal.engine.aggregates import AggregateContext, GroupCompiler, GroupKey, group_key
from appraisal.engine.compile import compile_plan, dependencies
from appraisal.engine.context import EvaluationContext
from appraisal.engine.frame import ValuesFrame, target_column, value_column
from appraisal.engine.measure import materialise
from appraisal.engine.plan import AppraisalPlan, FramePlan
from appraisal.engine.targets import SheetValues, load_sheets, phased_target, plan_target
from appraisal.errors import UserError
from appraisal.periods import Period
from appraisal.spec.enums import SubjectKind, TeamGrouping, Unit
from appraisal.spec.expressions import typed_expressions
from appraisal.spec.models import (
    AggregateIndicator,
    AnyIndicator,
    AttainmentIndicator,
    FormulaIndicator,
    RatingIndicator,
    RuleSet,
)
from appraisal.store.schema import ENTITIES
from appraisal.store.sources import Catalog
from appraisal.workspace import DEFAULT_TIMEZONE

SOURCE_ROWS = 10
"""How many contributing rows a trace shows per indicator (the count is always given)."""

DIALECTS = ("duckdb", "sqlite", "postgresql")


def dialect_named(name: str) -> Dialect:
    """A SQLAlchemy dialect for rendering SQL without a database."""
    if name == "duckdb":
        import duckdb_engine

        dialect: Dialect = duckdb_engine.Dialect()
        return dialect
    if name == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.dialect()
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

        return PGDialect_psycopg()  # type: ignore[no-untyped-call]
    raise UserError(f"unknown SQL dialect {name!r}; expected one of {', '.join(DIALECTS)}")


def render_sql(statement: sa.ClauseElement, dialect: Dialect) -> str:
    """A statement as SQL text with its values inlined (for reading, never for running)."""
    compiled = statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    return str(compiled).strip()


def _comment(text: str) -> list[str]:
    return [f"-- {line}" for line in text.splitlines() if line.strip()]


def explain_frame(frame: FramePlan, dialect: Dialect, indicator: str | None = None) -> str:
    """One frame's statements, each headed by the indicators it computes."""
    lines = [
        f"-- Scorecard '{frame.spec.name}' ({frame.spec.subject.value}), period {frame.period}: "
        f"values frame {frame.table_name}"
    ]
    for query in frame.queries:
        if indicator is not None and indicator not in query.indicators:
            continue
        lines.append("")
        lines.extend(_comment(query.description))
        lines.append(render_sql(query.statement, dialect) + ";")
    described = dict(frame.descriptions)
    if indicator is not None:
        extra = [described.get(indicator, ""), described.get(f"target:{indicator}", "")]
        if any(extra):
            lines.append("")
            lines.extend(_comment("\n".join(e for e in extra if e)))
        return "\n".join(lines)
    derived = [d for i, d in frame.descriptions if d and not _in_queries(frame, i)]
    lines.append("")
    lines.append("-- Frame: the subjects joined with the statements above; values rounded,")
    lines.append("-- targets resolved, then formulas and attainments in dependency order.")
    lines.extend(_comment("\n".join(derived)))
    lines.append(render_sql(frame.statement, dialect) + ";")
    return "\n".join(lines)


def _in_queries(frame: FramePlan, key: str) -> bool:
    return any(key in q.indicators for q in frame.queries)


def explain_sql(plan: AppraisalPlan, dialect: str = "duckdb", indicator: str | None = None) -> str:
    """The SQL of a whole plan (or of one indicator's statements), commented."""
    target = dialect_named(dialect)
    frames = plan.frames
    if indicator is not None:
        frames = tuple(f for f in frames if indicator in f.indicators)
        if not frames:
            raise UserError(f"no scorecard of the rule set uses indicator {indicator!r}")
    return "\n\n".join(explain_frame(f, target, indicator) for f in frames) + "\n"


# ── one subject's trace ─────────────────────────────────────────────────────────


@dataclass(frozen=True)
class SourceRows:
    """The rows an aggregate read for a subject: a first few, and how many there were."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    total: int


@dataclass(frozen=True)
class IndicatorTrace:
    """How one number of a subject came about."""

    indicator: str
    value: Any
    how: str
    inputs: tuple[tuple[str, Any], ...] = ()
    target: Any = None
    target_source: str | None = None
    source_rows: SourceRows | None = None


@dataclass(frozen=True)
class SubjectTrace:
    """Every number of one subject in one scorecard's frame."""

    scorecard_id: str
    subject_id: str
    subject_name: str
    period: str
    items: tuple[IndicatorTrace, ...]


def _row_of(conn: Connection, frame: ValuesFrame, subject_id: str) -> Mapping[str, Any] | None:
    query = sa.select(frame.table).where(frame.table.c.subject_id == subject_id)
    found = conn.execute(query).mappings().first()
    return dict(found) if found is not None else None


def target_origin(
    ctx: EvaluationContext,
    conn: Connection,
    indicator: AnyIndicator,
    row: Mapping[str, Any],
    sheets: SheetValues,
) -> tuple[Decimal | None, str | None]:
    """The target of one subject resolved step by step, and the source that gave it."""
    plan = plan_target(ctx.ruleset, indicator.id, ctx.period)
    if plan is None:
        return None, None
    rule = plan.rule
    keys = [str(row["subject_id"])]
    if indicator.subject is SubjectKind.TEAM and row.get("team"):
        keys.append(str(row["team"]))
    found: tuple[Decimal, str] | None = None
    for override in rule.overrides:
        if override.subject in keys and override.period in (None, plan.source.code):
            found = found or (override.value, f"override for {override.subject}")
    sheet = sheets.get(indicator.id, {})
    for key in keys:
        if found is None and key in sheet:
            found = (sheet[key], f"sheet {rule.sheet.path if rule.sheet else ''} row {key}")
    if found is None and rule.from_table:
        found = _table_target(ctx, conn, indicator, keys, plan.source.code)
    role = row.get("role")
    if found is None and indicator.subject is SubjectKind.PERSON and role in rule.by_role:
        found = (rule.by_role[str(role)], f"by_role {role}")
    if found is None and rule.default is not None:
        found = (rule.default, "default")
    if found is None:
        return None, None
    value, source = found
    if plan.share != 1:
        source += f", {plan.share_words()}"
    return phased_target(value, plan, indicator.unit is Unit.MONEY), source


def _table_target(
    ctx: EvaluationContext,
    conn: Connection,
    indicator: AnyIndicator,
    keys: Sequence[str],
    period: str,
) -> tuple[Decimal, str] | None:
    table = ctx.catalog.selectable("targets")
    for key in keys:
        query = sa.select(table.c.value).where(
            table.c.subject_kind == indicator.subject.value,
            table.c.subject_id == key,
            table.c.indicator == indicator.id,
            table.c.period == period,
        )
        value = conn.execute(query).scalar()
        if value is not None:
            return Decimal(value), f"targets table ({indicator.subject.value} {key}, {period})"
    return None


def source_rows(
    ctx: EvaluationContext,
    conn: Connection,
    indicator: AggregateIndicator,
    key_value: str,
    limit: int = SOURCE_ROWS,
) -> SourceRows:
    """The entity rows an aggregate counted for one subject (or team) key."""
    rules = ctx.ruleset
    paths = {ind.id: ("indicators", n) for n, ind in enumerate(rules.indicators)}
    actx = AggregateContext(
        ctx.catalog, ctx.period, rules.settings, ctx.timezone, typed_expressions(rules), paths
    )
    key: GroupKey = group_key(indicator)
    builder = GroupCompiler(actx, key)
    subject_key = builder.subject_key()
    condition, _ = builder.row_condition(indicator)
    root = builder.joins.root
    tests: list[ColumnElement[bool]] = [subject_key == key_value]
    if condition is not None:
        tests.append(condition)
    primary = [root.c[c.name] for c in ENTITIES[indicator.entity].primary_key.columns]
    base = sa.select(*root.c).select_from(builder.from_clause()).where(*tests)
    total = conn.execute(sa.select(sa.func.count()).select_from(base.subquery())).scalar() or 0
    rows = conn.execute(base.order_by(*primary).limit(limit)).all()
    columns = tuple(c.name for c in ENTITIES[indicator.entity].columns)
    return SourceRows(columns, tuple(tuple(r) for r in rows), int(total))


def _key_for(indicator: AggregateIndicator, row: Mapping[str, Any]) -> str:
    grouping = indicator.team_by or TeamGrouping.TEAM_COLUMN
    if indicator.subject is SubjectKind.TEAM and grouping is TeamGrouping.TEAM_COLUMN:
        return str(row["team"])
    return str(row["subject_id"])


def trace_subject(
    ctx: EvaluationContext,
    conn: Connection,
    frame_plan: FramePlan,
    subject_id: str,
    sheets: SheetValues | None = None,
    indicator: str | None = None,
) -> SubjectTrace | None:
    """Measure a frame and trace one subject's numbers (None: not a subject of it)."""
    frame = materialise(conn, frame_plan)
    row = _row_of(conn, frame, subject_id)
    if row is None:
        return None
    described = dict(frame_plan.descriptions)
    items: list[IndicatorTrace] = []
    for indicator_id in frame.indicators:
        if indicator is not None and indicator_id != indicator:
            continue
        spec = ctx.ruleset.indicator(indicator_id)
        value = row[value_column(indicator_id)]
        target = row.get(target_column(indicator_id))
        _, origin = target_origin(ctx, conn, spec, row, sheets or {})
        inputs: tuple[tuple[str, Any], ...] = ()
        rows = None
        if isinstance(spec, FormulaIndicator | AttainmentIndicator):
            names = sorted(dependencies(spec))
            inputs = tuple((n, row.get(value_column(n))) for n in names)
            if isinstance(spec, AttainmentIndicator):
                inputs += ((f"target of {spec.of}", row.get(target_column(spec.of))),)
        elif isinstance(spec, AggregateIndicator):
            rows = source_rows(ctx, conn, spec, _key_for(spec, row))
        elif isinstance(spec, RatingIndicator):
            rows = _rating_rows(ctx, conn, spec, subject_id)
        items.append(
            IndicatorTrace(
                indicator_id,
                value,
                described.get(indicator_id, ""),
                inputs,
                target,
                origin if target is not None else None,
                rows,
            )
        )
    return SubjectTrace(
        frame.scorecard_id,
        subject_id,
        str(row["subject_name"] or ""),
        frame.period,
        tuple(items),
    )


def _rating_rows(
    ctx: EvaluationContext, conn: Connection, spec: RatingIndicator, subject_id: str
) -> SourceRows:
    ratings = ctx.catalog.selectable("ratings")
    base = sa.select(*ratings.c).where(
        ratings.c.staff_id == subject_id,
        ratings.c.period == ctx.period.code,
        ratings.c.criterion == spec.criterion,
    )
    total = conn.execute(sa.select(sa.func.count()).select_from(base.subquery())).scalar() or 0
    rows = conn.execute(base.order_by(ratings.c.rater_id).limit(SOURCE_ROWS)).all()
    columns = tuple(c.name for c in ENTITIES["ratings"].columns)
    return SourceRows(columns, tuple(tuple(r) for r in rows), int(total))


def _text(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # the same text on every backend
    return str(value)


def render_trace(trace: SubjectTrace, score_lines: Callable[[str], Sequence[str]] | None) -> str:
    """A subject's trace as text; ``score_lines`` adds the scoring steps of an indicator."""
    out = [
        f"Subject {trace.subject_id} {trace.subject_name} — scorecard '{trace.scorecard_id}', "
        f"period {trace.period}"
    ]
    for item in trace.items:
        out.append("")
        out.append(f"{item.indicator} = {_text(item.value)}")
        if item.how:
            out.append(f"  how: {item.how}")
        for name, value in item.inputs:
            out.append(f"  input {name} = {_text(value)}")
        if item.target is not None:
            out.append(
                f"  target = {_text(item.target)} ({item.target_source or 'resolved in SQL'})"
            )
        rows = item.source_rows
        if rows is not None:
            shown = len(rows.rows)
            out.append(f"  source rows: {rows.total} (showing {shown})")
            if shown:
                out.append("    " + " | ".join(rows.columns))
                out.extend("    " + " | ".join(_text(v) for v in r) for r in rows.rows)
        if score_lines is not None:
            out.extend(f"  {line}" for line in score_lines(item.indicator))
    return "\n".join(out) + "\n"


def _bound(
    score_lines: Callable[[str, str], Sequence[str]] | None, subject: str
) -> Callable[[str], Sequence[str]] | None:
    if score_lines is None:
        return None
    return lambda indicator_id: score_lines(subject, indicator_id)


def explain(
    ruleset: RuleSet,
    period: Period,
    *,
    dialect: str = "duckdb",
    indicator: str | None = None,
    subject: str | None = None,
    engine: Engine | None = None,
    timezone: str = DEFAULT_TIMEZONE,
    catalog: Catalog | None = None,
    rules_dir: Path | None = None,
    score_lines: Callable[[str, str], Sequence[str]] | None = None,
) -> str:
    """The commented SQL of an evaluation, or (with ``subject``) the trace of its numbers.

    SQL needs no database.  A trace measures the frames on ``engine`` and
    prints every scorecard the subject appears in; ``score_lines(subject,
    indicator)`` adds the scoring steps of each item when given.
    """
    ctx = EvaluationContext(ruleset, period, catalog or Catalog(), timezone)
    sheets = load_sheets(ruleset, rules_dir, period)
    plan = compile_plan(ctx, sheets=sheets)
    if subject is None:
        return explain_sql(plan, dialect, indicator)
    if engine is None:
        raise UserError("tracing a subject needs a database")
    texts: list[str] = []
    with engine.begin() as conn:
        for frame in plan.frames:
            if indicator is not None and indicator not in frame.indicators:
                continue
            trace = trace_subject(ctx, conn, frame, subject, sheets, indicator)
            if trace is not None:
                texts.append(render_trace(trace, _bound(score_lines, subject)))
    if not texts:
        raise UserError(f"{subject!r} is not a subject of any scorecard in {period}")
    return "\n".join(texts)
