"""Target values: the layered resolution order of ``TargetRule`` and its phasing.

First match wins: ``overrides`` → ``sheet`` → the ``targets`` table (when
``from_table``) → ``by_role`` → ``default``.  A rule written for a longer period
(say a quarter) gives a shorter evaluated period a share of its value: with
phasing, month by month the share of the phasing part holding the month
divided by that part's months; without phasing, an equal split by months.  A
rule for another period code gives no target at all.  A target is used as
declared (never rounded to the indicator's precision); a share needing more
than 6 decimal places is rounded half up to 6.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from fractions import Fraction

from appraisal.periods import Granularity, Period, PeriodError
from appraisal.spec.enums import SubjectKind
from appraisal.spec.models import AnyIndicator, RuleSet, TargetRule

from .data import Dataset

HUNDRED = Decimal(100)
TARGET_PLACES = 6


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
    if grain.months <= period.granularity.months:
        return None
    whole = Period.containing(period.start, grain)
    if not _code_matches(rule, whole):
        return None
    base = _base_value(rule, dataset, indicator, who, whole)
    if base is None:
        return None
    return _share(base, _month_shares(rule, whole, period))


def _months(first: date, day: date) -> int:
    return (day.year - first.year) * 12 + day.month - first.month


def _month_shares(rule: TargetRule, whole: Period, period: Period) -> list[Fraction]:
    """Per month of ``period``, the points of 100 of ``whole``'s value it gets."""
    total_months = whole.granularity.months
    found = []
    for k in range(period.granularity.months):
        month = _months(whole.start, period.start) + k
        if rule.phasing is None:
            found.append(Fraction(100, total_months))
            continue
        size = rule.phasing.grain.months
        found.append(Fraction(rule.phasing.shares[month // size]) / size)
    return found


def _share(base: Decimal, points: list[Fraction]) -> Decimal:
    """base × Σ points / 100, kept exact up to 6 places, else rounded half up to 6."""
    exact = Fraction(base) * sum(points, Fraction(0)) / 100
    with localcontext(Context(prec=60)):
        value = Decimal(exact.numerator) / Decimal(exact.denominator)
        rounded = value.quantize(Decimal(1).scaleb(-TARGET_PLACES), rounding=ROUND_HALF_UP)
    return rounded.normalize() if rounded else Decimal(0)


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
