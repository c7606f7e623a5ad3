"""Indicator values per subject and period, computed one subject at a time.

Deliberately naive: for every subject and indicator the entity's rows are
scanned from the start, the window, filter and link are tested row by row, and
the aggregate is taken with a plain loop in Decimal.  Values are rounded to the
indicator's declared precision (``effective_rounding``); formulas, attainments,
scoring, gates and conditions all read these rounded values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import assert_never

from appraisal.expr import ExprParams, TypedExpr, evaluate
from appraisal.periods import Period
from appraisal.spec.enums import Aggregation, Missing, RatingCombine, SubjectKind, TeamGrouping
from appraisal.spec.expressions import typed_expressions
from appraisal.spec.models import (
    AggregateIndicator,
    AnyIndicator,
    AttainmentIndicator,
    FormulaIndicator,
    RatingIndicator,
    RuleSet,
    effective_rounding,
)
from appraisal.spec.yaml_loader import DocPath

from .data import Dataset, Row
from .exprs import divide, eval_formula, eval_row
from .targets import TargetSubject, resolve_target
from .windows import in_window

Value = Decimal | None


def missing(kind: Missing) -> Value:
    """What ``zero`` / ``not_applicable`` yields."""
    return Decimal(0) if kind is Missing.ZERO else None


def aggregate(how: Aggregation, values: Sequence[object]) -> Value:
    """count / count_distinct / sum / avg / min / max of non-null values (None: no values)."""
    present = [v for v in values if v is not None]
    if how is Aggregation.COUNT:
        return Decimal(len(present))
    if how is Aggregation.COUNT_DISTINCT:
        return Decimal(len(set(present)))
    if how is Aggregation.SHARE:
        raise ValueError("share is not a per-row aggregate")
    if not present:
        return None
    numbers = [_number(v) for v in present]
    if how is Aggregation.SUM:
        return sum(numbers, Decimal(0))
    if how is Aggregation.AVG:
        return divide(sum(numbers, Decimal(0)), Decimal(len(numbers)))
    if how is Aggregation.MIN:
        return min(numbers)
    if how is Aggregation.MAX:
        return max(numbers)
    assert_never(how)


def _number(value: object) -> Decimal:
    if isinstance(value, bool):
        raise TypeError("booleans are not aggregated")
    if isinstance(value, int):
        return Decimal(value)
    assert isinstance(value, Decimal), f"cannot aggregate {value!r}"
    return value


@dataclass(frozen=True)
class Subject:
    """One appraised subject: a person or a client, with the person's team facts."""

    kind: SubjectKind
    subject_id: str
    role: str | None = None
    team: str | None = None
    manager_id: str | None = None


class Measurer:
    """Indicator values and targets for subjects, memoised per (indicator, subject, period)."""

    def __init__(self, ruleset: RuleSet, dataset: Dataset, timezone: str) -> None:
        self.ruleset = ruleset
        self.dataset = dataset
        self.timezone = timezone
        self.typed: Mapping[DocPath, TypedExpr] = typed_expressions(ruleset)
        self.index = {i.id: k for k, i in enumerate(ruleset.indicators)}
        self.cache: dict[tuple[str, str, str], Value] = {}

    # ── helpers ────────────────────────────────────────────────────────────────

    def params(self, period: Period) -> ExprParams:
        """Period and time zone for expressions."""
        return ExprParams(period=period.range, timezone=self.timezone)

    def expr(self, indicator_id: str, *field: str) -> TypedExpr | None:
        """The typed tree of one of an indicator's expressions."""
        return self.typed.get(("indicators", self.index[indicator_id], *field))

    def team_id(self, indicator: AggregateIndicator, subject: Subject) -> str | None:
        """The team a person's team indicator is read for."""
        grouping = indicator.team_by
        assert grouping is not None, "a team indicator declares team_by"
        if grouping is TeamGrouping.MANAGER_TREE:
            return subject.subject_id
        if grouping is TeamGrouping.TEAM_COLUMN:
            return subject.team
        assert_never(grouping)

    def target_subject(self, indicator: AnyIndicator, subject: Subject) -> TargetSubject:
        """Who an indicator's target is resolved for."""
        if indicator.subject is SubjectKind.TEAM and isinstance(indicator, AggregateIndicator):
            return TargetSubject(SubjectKind.TEAM, self.team_id(indicator, subject), subject.role)
        return TargetSubject(indicator.subject, subject.subject_id, subject.role)

    # ── public ─────────────────────────────────────────────────────────────────

    def target(self, indicator_id: str, subject: Subject, period: Period) -> Value:
        """The resolved target (not rounded)."""
        indicator = self.ruleset.indicator(indicator_id)
        who = self.target_subject(indicator, subject)
        return resolve_target(self.ruleset, self.dataset, indicator, who, period)

    def value(self, indicator_id: str, subject: Subject, period: Period) -> Value:
        """The indicator's value, rounded to its declared precision; None: not applicable."""
        key = (indicator_id, subject.subject_id, period.code)
        if key not in self.cache:
            indicator = self.ruleset.indicator(indicator_id)
            raw = self.compute(indicator, subject, period)
            rounding = effective_rounding(indicator, self.ruleset.settings)
            self.cache[key] = None if raw is None else rounding.apply(raw)
        return self.cache[key]

    def compute(self, indicator: AnyIndicator, subject: Subject, period: Period) -> Value:
        """The unrounded value of one indicator."""
        if isinstance(indicator, AggregateIndicator):
            return self.aggregate_value(indicator, subject, period)
        if isinstance(indicator, FormulaIndicator):
            return self.formula_value(indicator, subject, period)
        if isinstance(indicator, RatingIndicator):
            return self.rating_value(indicator, subject, period)
        if isinstance(indicator, AttainmentIndicator):
            return self.attainment_value(indicator, subject, period)
        assert_never(indicator)

    # ── aggregates ─────────────────────────────────────────────────────────────

    def linked(self, indicator: AggregateIndicator, subject: Subject) -> Callable[[object], bool]:
        """Whether a row's link value (a staff or customer id) belongs to the subject."""
        if indicator.subject is not SubjectKind.TEAM:
            return lambda value: value == subject.subject_id
        team = self.team_id(indicator, subject)
        if team is None:
            return lambda value: False
        if indicator.team_by is TeamGrouping.MANAGER_TREE:
            members = self.dataset.subtree(team)
        else:
            members = frozenset(
                str(r["staff_id"]) for r in self.dataset.rows("staff") if r["team"] == team
            )
        return lambda value: value in members

    def matching_rows(
        self, indicator: AggregateIndicator, subject: Subject, period: Period
    ) -> list[Row]:
        """Rows of the entity in the window, passing the filter, linked to the subject."""
        entity = indicator.entity
        params = self.params(period)
        link_path = tuple(indicator.link.split("."))
        belongs = self.linked(indicator, subject)
        condition = self.expr(indicator.id, "filter")
        rows = []
        for row in self.dataset.rows(entity):
            window = indicator.window
            if window is not None:
                value = self.dataset.follow(entity, row, tuple(window.column.split(".")))
                until = (
                    self.dataset.follow(entity, row, tuple(window.until.split(".")))
                    if window.until
                    else None
                )
                if not in_window(
                    window, value, until, period, self.ruleset.settings.period, params
                ):
                    continue
            if (
                condition is not None
                and eval_row(condition, self.dataset, entity, row, params) is not True
            ):
                continue
            if not belongs(self.dataset.follow(entity, row, link_path)):
                continue
            rows.append(row)
        return rows

    def aggregate_value(
        self, indicator: AggregateIndicator, subject: Subject, period: Period
    ) -> Value:
        """Per-group first (when declared), then the indicator's own aggregate."""
        rows = self.matching_rows(indicator, subject, period)
        if not rows:
            return missing(indicator.effective_on_empty())
        params = self.params(period)
        entity = indicator.entity
        measure = self.expr(indicator.id, "measure")
        share_where = self.expr(indicator.id, "share_where")
        items: list[tuple[object, object]]  # (measure value, share_where value) per row or group
        if indicator.per is None:
            items = [
                (
                    eval_row(measure, self.dataset, entity, r, params) if measure else None,
                    eval_row(share_where, self.dataset, entity, r, params) if share_where else None,
                )
                for r in rows
            ]
        else:
            items = self.group_items(indicator, rows, period, measure, share_where)
        return self.outer(indicator, items, measure is not None)

    def group_items(
        self,
        indicator: AggregateIndicator,
        rows: list[Row],
        period: Period,
        measure: TypedExpr | None,
        share_where: TypedExpr | None,
    ) -> list[tuple[object, object]]:
        """One item per group of ``per.by`` (a null key is a group of its own, as in SQL)."""
        per = indicator.per
        assert per is not None
        params = self.params(period)
        entity = indicator.entity
        inner = self.expr(indicator.id, "per", "measure")
        groups: dict[object, list[Row]] = {}
        for row in rows:
            groups.setdefault(
                self.dataset.follow(entity, row, tuple(per.by.split("."))), []
            ).append(row)
        items: list[tuple[object, object]] = []
        for members in groups.values():
            if inner is None:
                inner_values: list[object] = [Decimal(1)] * len(members)
            else:
                inner_values = [eval_row(inner, self.dataset, entity, r, params) for r in members]
            group_value = aggregate(per.aggregate, inner_values)
            env = {per.name: group_value}
            items.append(
                (
                    evaluate(measure, env, params) if measure else None,
                    evaluate(share_where, env, params) if share_where else None,
                )
            )
        return items

    def outer(
        self, indicator: AggregateIndicator, items: list[tuple[object, object]], has_measure: bool
    ) -> Value:
        """The indicator's aggregate over rows (or groups), with its zero/empty semantics."""
        how = indicator.aggregate
        if how is Aggregation.SHARE:
            if has_measure:
                denominator = sum((_number(m) for m, _ in items if m is not None), Decimal(0))
                numerator = sum(
                    (_number(m) for m, w in items if m is not None and w is True), Decimal(0)
                )
            else:
                denominator = Decimal(len(items))
                numerator = Decimal(sum(1 for _, w in items if w is True))
            if denominator == 0:
                return missing(indicator.on_zero_denominator)
            return divide(numerator, denominator)
        if how is Aggregation.COUNT and not has_measure:
            return Decimal(len(items))
        result = aggregate(how, [m for m, _ in items])
        if result is None:
            return missing(indicator.effective_on_empty())
        return result

    # ── formulas, ratings, attainments ─────────────────────────────────────────

    def formula_value(self, indicator: FormulaIndicator, subject: Subject, period: Period) -> Value:
        """The formula over the subject's (rounded) indicator values."""
        typed = self.expr(indicator.id, "formula")
        assert typed is not None
        env = {path[0]: self.value(path[0], subject, period) for path in typed.references}
        result = eval_formula(typed, env, indicator.on_zero_denominator, self.params(period))
        if result is None and any(v is None for v in env.values()):
            return missing(indicator.effective_on_empty())
        assert result is None or isinstance(result, Decimal)
        return result

    def rating_value(self, indicator: RatingIndicator, subject: Subject, period: Period) -> Value:
        """Raters' scores of the criterion for this person and period code, combined."""
        scores = [
            r["score"]
            for r in self.dataset.rows("ratings")
            if r["staff_id"] == subject.subject_id
            and r["period"] == period.code
            and r["criterion"] == indicator.criterion
        ]
        if not scores:
            return missing(indicator.effective_on_empty())
        combine = indicator.combine
        if combine is RatingCombine.AVG:
            return aggregate(Aggregation.AVG, scores)
        if combine is RatingCombine.MIN:
            return aggregate(Aggregation.MIN, scores)
        if combine is RatingCombine.MAX:
            return aggregate(Aggregation.MAX, scores)
        assert_never(combine)

    def attainment_value(
        self, indicator: AttainmentIndicator, subject: Subject, period: Period
    ) -> Value:
        """Actual / target of another indicator."""
        actual = self.value(indicator.of, subject, period)
        target = self.target(indicator.of, subject, period)
        if actual is None or target is None:
            return missing(indicator.effective_on_empty())
        if target == 0:
            return missing(indicator.on_zero_denominator)
        return divide(actual, target)
