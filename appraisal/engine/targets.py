"""Targets resolved in SQL: overrides → sheet → targets table → by role → default.

A target rule's values are for periods of its own grain (``period: quarter``,
or one period code).  Evaluating a shorter period gives it a share of the
value (:func:`period_share`): with ``phasing``, the shares of the phasing
sub-periods it covers (a quarterly target phased by month ``[30, 30, 40]``
gives August 30 %; a yearly one phased by quarter gives each month a third of
its quarter's share); without phasing, an equal split by length (a month gets
a third of a quarter's target).  A longer evaluated period than the rule's has
no target.

A target is used as declared: the indicator's precision rounds its values,
never its targets.  A target keeps the decimal places it needs, at most
:data:`MAX_TARGET_PLACES` (the places results are stored with): a declared
value (rule file or sheet) needing more is refused; a share that does not end
within them (10 / 3 = 3.333…) is rounded half up to 6 places (3.333333).
The places of a target column are known before running (:func:`target_places`:
those of its sources plus those of its share), so scoring reads each target
exactly at its own scale.

Sheets (CSV or XLSX next to the rule file) are read once, before compiling,
and become a ``CASE`` on the subject; the ``targets`` table is pivoted in one
statement for every indicator that reads it.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from appraisal.engine.numeric import MoneyAmount
from appraisal.errors import UserError
from appraisal.expr.sqltypes import ExprMoney, ExprNumber
from appraisal.periods import Granularity, Period
from appraisal.spec.enums import PeriodGrain, RoundingMode, SubjectKind, Unit
from appraisal.spec.fields import decimal_places
from appraisal.spec.models import (
    MAX_TARGET_PLACES,
    AnyIndicator,
    Phasing,
    RuleSet,
    TargetRule,
    TargetSheet,
)
from appraisal.store.sources import Catalog
from appraisal.store.types import MONEY_SCALE

TARGET_ROUNDING = RoundingMode.HALF_UP
"""How a share of a target that needs more than 6 places is rounded."""

SheetValues = Mapping[str, Mapping[str, Decimal]]
"""Indicator id → subject id → target value read from its sheet."""


@dataclass(frozen=True)
class TargetPlan:
    """Where an indicator's target for the evaluated period comes from."""

    rule: TargetRule
    source: Period
    """The period the rule's values are for (the evaluated one, or the one containing it)."""
    share: Fraction
    """The part of the source period's value the evaluated period gets (1: all of it)."""
    phased: bool = False
    """True when the share comes from the rule's phasing (else an equal split, or 1)."""

    def share_words(self) -> str:
        """How the source period's value is shared, for explain ("" when it is not)."""
        if self.share == 1:
            return ""
        how = "phased" if self.phased else "split equally"
        percent = self.share * 100
        places = fraction_places(percent)
        if places is None or places > MAX_TARGET_PLACES:
            part = f"{self.share.numerator}/{self.share.denominator}"
        else:
            part = f"{fraction_text(percent)} %"
        return f"{how}: {part} of {self.source.code}"


def fraction_text(value: Fraction) -> str:
    """A fraction that ends (0.125, 30) written as a decimal."""
    return format(Decimal(value.numerator) / Decimal(value.denominator), "f")


def _rule_grain(rule: TargetRule, default: PeriodGrain) -> tuple[PeriodGrain, str | None]:
    """The grain of the rule's values, and the one period code it is limited to."""
    if rule.period is None:
        return default, None
    try:
        return PeriodGrain(rule.period), None
    except ValueError:
        code = Period.parse(rule.period)
        return code.granularity, code.code


def _months_between(start: Period, later: Period) -> int:
    return (later.start.year - start.start.year) * 12 + later.start.month - start.start.month


def usable_phasing(phasing: Phasing | None, grain: PeriodGrain) -> Phasing | None:
    """The phasing when it fits the rule's grain (shares one per sub-period), else None."""
    if phasing is None:
        return None
    size = phasing.grain.months
    if size >= grain.months or grain.months % size:
        return None
    return phasing if len(phasing.shares) == grain.months // size else None


def period_share(rule: TargetRule, grain: PeriodGrain, source: Period, period: Period) -> Fraction:
    """The part of ``source``'s value that ``period`` (inside it) gets.

    Phased: the share of each phasing sub-period times the fraction of it the
    period covers, summed (a month of a quarter phased by month: its share; a
    quarter of a year phased by month: its three shares; a month of a year
    phased by quarter: a third of its quarter's share).  Not phased: the
    period's length over the source's.
    """
    months = period.granularity.months
    phasing = usable_phasing(rule.phasing, grain)
    if phasing is None:
        return Fraction(months, grain.months)
    size = phasing.grain.months
    first = _months_between(source, period)
    total = Fraction(0)
    for index, share in enumerate(phasing.shares):
        low, high = index * size, (index + 1) * size
        covered = max(0, min(high, first + months) - max(low, first))
        total += Fraction(share) * Fraction(covered, size)
    return total / 100


def plan_target(ruleset: RuleSet, indicator_id: str, period: Period) -> TargetPlan | None:
    """The source period and share of an indicator's target, or None."""
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
    if months == grain.months:
        return TargetPlan(rule, source, Fraction(1))
    phased = usable_phasing(rule.phasing, grain) is not None
    return TargetPlan(rule, source, period_share(rule, grain, source, period), phased)


# ── places ──────────────────────────────────────────────────────────────────────


def fraction_places(value: Fraction) -> int | None:
    """Decimal places needed to write ``value`` exactly; None when it never ends (1/3)."""
    rest, twos, fives = value.denominator, 0, 0
    while rest % 2 == 0:
        rest, twos = rest // 2, twos + 1
    while rest % 5 == 0:
        rest, fives = rest // 5, fives + 1
    return max(twos, fives) if rest == 1 else None


def target_places(share: Fraction, sources: int | None, money: bool) -> int:
    """Places of a target: its sources' plus its share's, at most 6 (money: at least 2).

    ``sources`` is the most places any source value can have (None: not known).
    """
    own = fraction_places(share)
    places = MAX_TARGET_PLACES
    if sources is not None and own is not None:
        places = min(MAX_TARGET_PLACES, sources + own)
    return max(places, MONEY_SCALE) if money else places


def share_of(value: Decimal, share: Fraction, places: int) -> Decimal:
    """``value × share`` at ``places`` places, rounded half up when it needs more."""
    exact = Fraction(value) * share
    scaled = exact * 10**places
    magnitude = (2 * abs(scaled.numerator) + scaled.denominator) // (2 * scaled.denominator)
    units = -magnitude if scaled < 0 else magnitude
    return Decimal(units).scaleb(-places)


def phased_target(value: Decimal, plan: TargetPlan, money: bool = False) -> Decimal:
    """A resolved value as the evaluated period's target (what the frame holds)."""
    places = target_places(plan.share, decimal_places(value), money)
    return share_of(value, plan.share, places)


def check_places(value: Decimal, where: str) -> Decimal:
    """``value`` when it has at most 6 places, else a :class:`UserError` saying where."""
    places = decimal_places(value)
    if places > MAX_TARGET_PLACES:
        raise UserError(
            f"{where}: target {value} has {places} decimal places; "
            f"a target keeps at most {MAX_TARGET_PLACES}"
        )
    return value


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
        where = f"{name} row {line}"
        value = _number(row[sheet.value_column], where)
        if subject and value is not None:
            values[subject] = check_places(value, where)
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
    places: list[int | None] = [decimal_places(v) for v in values]
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
    if plan.share != 1:
        text += f"; {plan.share_words()}"
    return text
