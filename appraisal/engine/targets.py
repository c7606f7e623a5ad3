"""Targets resolved in SQL: overrides → sheet → targets table → by role → default.

A target rule's values are for periods of its own grain (``period: quarter``,
or one period code).  Evaluating a shorter period phases the value: a
quarterly target evaluated for its second month is the quarter's value ×
``shares[1] / 100`` (equal shares when no phasing is declared).  A longer
evaluated period than the rule's has no target.  The phased value is rounded
like the indicator (:func:`effective_rounding`).

Sheets (CSV or XLSX next to the rule file) are read once, before compiling,
and become a ``CASE`` on the subject; the ``targets`` table is pivoted in one
statement for every indicator that reads it.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from appraisal.engine.exact import places_of
from appraisal.engine.numeric import MoneyAmount
from appraisal.errors import UserError
from appraisal.expr.sqltypes import ExprMoney, ExprNumber
from appraisal.periods import Granularity, Period
from appraisal.spec.enums import PeriodGrain, SubjectKind, Unit
from appraisal.spec.models import AnyIndicator, RuleSet, TargetRule, TargetSheet
from appraisal.store.sources import Catalog

HUNDRED = Decimal(100)

SheetValues = Mapping[str, Mapping[str, Decimal]]
"""Indicator id → subject id → target value read from its sheet."""


@dataclass(frozen=True)
class TargetPlan:
    """Where an indicator's target for the evaluated period comes from."""

    rule: TargetRule
    source: Period
    """The period the rule's values are for (the evaluated one, or the one containing it)."""
    factor: Decimal
    """Phasing share of the source period's value (1 when not phased)."""


def _rule_grain(rule: TargetRule, default: PeriodGrain) -> tuple[PeriodGrain, str | None]:
    """The grain of the rule's values, and the one period code it is limited to."""
    if rule.period is None:
        return default, None
    try:
        return PeriodGrain(rule.period), None
    except ValueError:
        code = Period.parse(rule.period)
        return code.granularity, code.code


def plan_target(ruleset: RuleSet, indicator_id: str, period: Period) -> TargetPlan | None:
    """The source period and phasing factor of an indicator's target, or None."""
    rule = ruleset.target_rule(indicator_id)
    if rule is None:
        return None
    grain, only = _rule_grain(rule, ruleset.settings.period)
    months = period.granularity.months
    if months > grain.months or grain.months % months:
        return None
    source = Period.containing(period.start, Granularity(grain.value))
    if only is not None and source.code != only:
        return None
    parts = grain.months // months
    if parts == 1:
        return TargetPlan(rule, source, Decimal(1))
    position = (period.start.month - source.start.month) // months
    phasing = rule.phasing
    if phasing is not None and phasing.grain.months == months and len(phasing.shares) == parts:
        return TargetPlan(rule, source, phasing.shares[position] / HUNDRED)
    return TargetPlan(rule, source, Decimal(1) / Decimal(parts))


# ── sheets ──────────────────────────────────────────────────────────────────────


def _number(text: object, where: str) -> Decimal | None:
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if isinstance(text, bool):
        raise UserError(f"{where}: expected a number, got {text}")
    if isinstance(text, int | Decimal):
        return Decimal(text)
    if isinstance(text, float):
        return Decimal(repr(text))
    raw = str(text).strip().replace(",", "")
    try:
        if raw.endswith("%"):
            return Decimal(raw[:-1]).scaleb(-2)
        value = Decimal(raw)
    except InvalidOperation:
        raise UserError(f"{where}: {raw!r} is not a number") from None
    if not value.is_finite():
        raise UserError(f"{where}: {raw!r} is not a finite number")
    return value


def _sheet_rows(path: Path, sheet: TargetSheet) -> list[dict[str, object]]:
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [dict(row) for row in csv.DictReader(handle)]
    import openpyxl
    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
        raise UserError("reading XLSX target sheets needs defusedxml installed")
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        worksheet = workbook[sheet.sheet] if sheet.sheet else workbook.worksheets[0]
        rows = worksheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        return [dict(zip(header, row, strict=False)) for row in rows]
    finally:
        workbook.close()


def read_sheet(
    path: Path, sheet: TargetSheet, indicator_id: str, period: str
) -> dict[str, Decimal]:
    """Subject → value from a target sheet, filtered by indicator and period columns."""
    name = path.name
    values: dict[str, Decimal] = {}
    for line, row in enumerate(_sheet_rows(path, sheet), start=2):
        for column in (sheet.subject_column, sheet.value_column):
            if column not in row:
                raise UserError(f"{name}: no column {column!r} (found {', '.join(map(str, row))})")
        if sheet.indicator_column and str(row.get(sheet.indicator_column) or "") != indicator_id:
            continue
        if sheet.period_column and str(row.get(sheet.period_column) or "") != period:
            continue
        subject = str(row[sheet.subject_column] or "").strip()
        value = _number(row[sheet.value_column], f"{name} row {line}")
        if subject and value is not None:
            values[subject] = value
    return values


def load_sheets(
    ruleset: RuleSet, base_dir: Path | None, period: Period
) -> dict[str, dict[str, Decimal]]:
    """Every target sheet of the rule set, read once for ``period`` (its source period)."""
    result: dict[str, dict[str, Decimal]] = {}
    for rule in ruleset.targets:
        if rule.sheet is None:
            continue
        plan = plan_target(ruleset, rule.indicator, period)
        if plan is None:
            continue
        if base_dir is None:
            raise UserError(
                f"target of '{rule.indicator}' reads the sheet '{rule.sheet.path}': "
                "give the rule set's folder to read it"
            )
        base = base_dir.resolve()
        path = (base / rule.sheet.path).resolve()
        if not path.is_relative_to(base) or not path.is_file():
            raise UserError(f"target sheet '{rule.sheet.path}' not found in {base}")
        result[rule.indicator] = read_sheet(path, rule.sheet, rule.indicator, plan.source.code)
    return result


# ── SQL ─────────────────────────────────────────────────────────────────────────


def value_type(indicator: AnyIndicator) -> sa.types.TypeEngine[Any]:
    """The SQL type a literal target of this indicator binds as (money: cents on SQLite)."""
    return ExprMoney() if indicator.unit is Unit.MONEY else ExprNumber()


def _literal(value: Decimal, indicator: AnyIndicator) -> ColumnElement[Any]:
    return sa.bindparam(None, value, type_=value_type(indicator), unique=True)


def _case(
    key: ColumnElement[Any], values: Mapping[str, Decimal], indicator: AnyIndicator
) -> ColumnElement[Any]:
    whens = [(key == subject, _literal(values[subject], indicator)) for subject in sorted(values)]
    return sa.case(*whens)


def pivot_column(indicator_id: str) -> str:
    """The column of the targets pivot holding an indicator's table values."""
    return f"tv__{indicator_id}"


def targets_pivot(
    catalog: Catalog, plans: Mapping[str, TargetPlan], subjects: Mapping[str, SubjectKind]
) -> sa.Select[tuple[object, ...]] | None:
    """One statement pivoting the ``targets`` table for every indicator reading it."""
    reading = {i: p for i, p in plans.items() if p.rule.from_table}
    if not reading:
        return None
    table = catalog.selectable("targets").alias("tt")
    columns = [
        sa.func.max(
            sa.case(
                (
                    sa.and_(
                        table.c.indicator == indicator_id,
                        table.c.period == plan.source.code,
                        table.c.subject_kind == subjects[indicator_id].value,
                    ),
                    table.c.value,
                )
            )
        ).label(pivot_column(indicator_id))
        for indicator_id, plan in sorted(reading.items())
    ]
    periods = sorted({p.source.code for p in reading.values()})
    return (
        sa.select(table.c.subject_kind, table.c.subject_id, *columns)
        .where(table.c.indicator.in_(sorted(reading)), table.c.period.in_(periods))
        .group_by(table.c.subject_kind, table.c.subject_id)
    )


@dataclass(frozen=True)
class TargetInputs:
    """The columns a target resolves against for one subject row."""

    key: ColumnElement[Any]
    """The subject id the target is for (staff id, team id or customer id)."""
    role: ColumnElement[Any] | None
    table_values: tuple[ColumnElement[Any], ...]
    """Values from the targets table, best match first (a team: its lead's id, its name)."""


def target_sources(
    plan: TargetPlan,
    indicator: AnyIndicator,
    inputs: TargetInputs,
    sheet: Mapping[str, Decimal] | None,
) -> list[tuple[str, ColumnElement[Any]]]:
    """Each source of the target as (name, value or NULL), in resolution order."""
    rule = plan.rule
    sources: list[tuple[str, ColumnElement[Any]]] = []
    overrides = {o.subject: o.value for o in rule.overrides if o.period in (None, plan.source.code)}
    if overrides:
        sources.append(("override", _case(inputs.key, overrides, indicator)))
    if sheet:
        sources.append(("sheet", _case(inputs.key, sheet, indicator)))
    for value in inputs.table_values:
        as_type = MoneyAmount(value) if indicator.unit is Unit.MONEY else value
        sources.append(("table", sa.type_coerce(as_type, value_type(indicator))))
    if rule.by_role and inputs.role is not None:
        sources.append(("role", _case(inputs.role, rule.by_role, indicator)))
    if rule.default is not None:
        sources.append(("default", _literal(rule.default, indicator)))
    return sources


def source_places(
    plan: TargetPlan, sheet: Mapping[str, Decimal] | None, table_places: int | None
) -> int | None:
    """Most decimal places a target's sources can have (None: not known)."""
    rule = plan.rule
    values = [o.value for o in rule.overrides if o.period in (None, plan.source.code)]
    values += list((sheet or {}).values())
    values += list(rule.by_role.values())
    if rule.default is not None:
        values.append(rule.default)
    places: list[int | None] = [places_of(v) for v in values]
    if rule.from_table:
        places.append(table_places)
    if not places or any(p is None for p in places):
        return None
    return max(p for p in places if p is not None)


def target_words(plan: TargetPlan, indicator: AnyIndicator) -> str:
    """How the target is found, for explain."""
    rule = plan.rule
    order = []
    if rule.overrides:
        order.append("overrides")
    if rule.sheet is not None:
        order.append(f"sheet {rule.sheet.path}")
    if rule.from_table:
        order.append(f"targets table ({indicator.subject.value}, {plan.source.code})")
    if rule.by_role:
        order.append("by role " + ", ".join(f"{k}={v}" for k, v in sorted(rule.by_role.items())))
    if rule.default is not None:
        order.append(f"default {rule.default}")
    text = f"Target '{indicator.id}': first of " + " → ".join(order)
    if plan.factor != 1:
        text += f"; phased: × {plan.factor} of {plan.source.code}"
    return text
