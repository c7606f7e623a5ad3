"""Target values: the layered resolution order of ``TargetRule`` and its phasing.

First match wins: ``overrides`` → ``sheet`` → the ``targets`` table (when
``from_table``) → ``by_role`` → ``default``.  A rule written for a longer period
(say a quarter) and phased by month gives a month its share of the quarter's
target; a rule for another period code gives no target at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from appraisal.periods import Granularity, Period, PeriodError
from appraisal.spec.enums import SubjectKind
from appraisal.spec.models import AnyIndicator, RuleSet, TargetRule

from .data import Dataset
from .exprs import divide

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class TargetSubject:
    """Who a target is looked up for: the subject id of the indicator's kind, and a role."""

    kind: SubjectKind
    subject_id: str | None
    role: str | None


def rule_grain(rule: TargetRule, ruleset: RuleSet) -> Granularity:
    """The length of the period a target rule's values are for."""
    if rule.period is None:
        return ruleset.settings.period
    try:
        return Granularity(rule.period)
    except ValueError:
        return Period.parse(rule.period).granularity


def _code_matches(rule: TargetRule, period: Period) -> bool:
    """A rule written for one period code applies to that period only."""
    if rule.period is None:
        return True
    try:
        Granularity(rule.period)
    except ValueError:
        try:
            return Period.parse(rule.period) == period
        except PeriodError:
            return False
    return True


def resolve_target(
    ruleset: RuleSet,
    dataset: Dataset,
    indicator: AnyIndicator,
    who: TargetSubject,
    period: Period,
) -> Decimal | None:
    """The target of ``indicator`` for ``who`` in ``period``; None when there is none."""
    rule = ruleset.target_rule(indicator.id)
    if rule is None:
        return None
    grain = rule_grain(rule, ruleset)
    if grain is period.granularity:
        if not _code_matches(rule, period):
            return None
        return _base_value(rule, dataset, indicator, who, period)
    phasing = rule.phasing
    if phasing is None or phasing.grain is not period.granularity:
        return None
    if grain.months <= period.granularity.months:
        return None
    whole = Period.containing(period.start, grain)
    if not _code_matches(rule, whole):
        return None
    base = _base_value(rule, dataset, indicator, who, whole)
    if base is None:
        return None
    index = (period.start.month - whole.start.month) // phasing.grain.months
    return divide(base * phasing.shares[index], HUNDRED)


def _base_value(
    rule: TargetRule,
    dataset: Dataset,
    indicator: AnyIndicator,
    who: TargetSubject,
    period: Period,
) -> Decimal | None:
    for override in rule.overrides:
        if override.subject == who.subject_id and override.period in (None, period.code):
            return override.value
    if rule.sheet is not None:
        raise NotImplementedError("the reference evaluator does not read target sheets")
    if rule.from_table:
        for row in dataset.rows("targets"):
            if (
                row["subject_kind"] == who.kind.value
                and row["subject_id"] == who.subject_id
                and row["indicator"] == indicator.id
                and row["period"] == period.code
            ):
                value = row["value"]
                assert isinstance(value, Decimal)
                return value
    if who.role is not None and who.role in rule.by_role:
        return rule.by_role[who.role]
    return rule.default
