"""Semantic rules about targets: present where scoring needs them, sound, and SMART.

Missing targets that scoring depends on are errors; SMART gaps (no objective,
no baseline, no period or deadline, a target far above history) are warnings.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

from appraisal.errors import Issue
from appraisal.periods import Period, PeriodError
from appraisal.spec.enums import Basis, PeriodGrain, ScoreMeasure, SubjectKind, Unit
from appraisal.spec.fields import decimal_places
from appraisal.spec.models import (
    MAX_TARGET_PLACES,
    AnyIndicator,
    AnyScoring,
    AttainmentScoring,
    BandsScoring,
    BelowTargetInARow,
    BelowThreshold,
    CommissionIncentive,
    LinearScoring,
    PassFailScoring,
    RatingIndicator,
    RuleSet,
    ScaleScoring,
    TargetRule,
    WorstInTeam,
)
from appraisal.spec.yaml_loader import DocPath
from appraisal.validation.base import ValidationContext, did_you_mean, fmt

MISSING_TARGET = "V008"
SMART_GAP = "V009"
BAD_TARGET = "V010"

HUNDRED = Decimal(100)
DEFAULT_HISTORY_RATIO = Decimal(2)


def needs_target(scoring: AnyScoring) -> bool:
    """True when the scoring method compares the value with a target."""
    if isinstance(scoring, AttainmentScoring):
        return True
    if isinstance(scoring, LinearScoring | BandsScoring | PassFailScoring):
        return scoring.basis is Basis.OF_TARGET
    return False


def _target_users(ruleset: RuleSet) -> Iterator[tuple[str, DocPath, str]]:
    """(indicator id, path, why) for everything that needs a target."""
    for c, card in enumerate(ruleset.scorecards):
        for s, section in enumerate(card.sections):
            for i, item in enumerate(section.items):
                if needs_target(item.scoring):
                    path: DocPath = ("scorecards", c, "sections", s, "items", i, "indicator")
                    why = f"is scored against its target ({item.scoring.method})"
                    yield item.indicator, path, why
        for n, incentive in enumerate(card.incentives):
            if isinstance(incentive, CommissionIncentive) and incentive.accelerators:
                path = ("scorecards", c, "incentives", n, "indicator")
                yield incentive.indicator, path, "has commission accelerators tied to attainment"
        for r, rule in enumerate(card.improvement):
            when = rule.when
            path = ("scorecards", c, "improvement", r, "when", "indicator")
            if isinstance(when, BelowTargetInARow):
                yield when.indicator, path, "is compared with its target in a row of periods"
            elif (
                isinstance(when, BelowThreshold | WorstInTeam)
                and when.indicator is not None
                and when.measure is ScoreMeasure.ATTAINMENT
            ):
                yield when.indicator, path, "is tested on its attainment"


class TargetsPresentRule:
    """Every indicator scored against a target has one, with at least one source."""

    name = "targets present"

    def validate(self, ruleset: RuleSet, ctx: ValidationContext) -> Sequence[Issue]:
        """Missing targets where scoring, accelerators or conditions need them."""
        defined = {t.indicator for t in ruleset.targets}
        known = {i.id for i in ruleset.indicators}
        issues = []
        for indicator, path, why in _target_users(ruleset):
            if indicator in known and indicator not in defined:
                message = f"indicator '{indicator}' {why}, but has no target"
                hint = "add it under targets, or score it with basis: absolute"
                issues.append(ctx.issue(MISSING_TARGET, message, path, hint))
        for t, target in enumerate(ruleset.targets):
            if not _has_source(target):
                message = f"target for '{target.indicator}' gives no value and no source"
                hint = "give default, by_role, overrides, from_table: true or a sheet"
                issues.append(ctx.issue(MISSING_TARGET, message, ("targets", t), hint))
        return issues


def _has_source(target: TargetRule) -> bool:
    return bool(
        target.default is not None
        or target.by_role
        or target.overrides
        or target.from_table
        or target.sheet is not None
    )


class TargetsSoundRule:
    """Target values fit their indicator: roles for people, scales, units, places,
    phasing, sheets; follow-up targets fit the places results keep."""

    name = "targets sound"

    def validate(self, ruleset: RuleSet, ctx: ValidationContext) -> Sequence[Issue]:
        """Issues about each target rule's contents and each follow-up target."""
        roles = {r for card in ruleset.scorecards for r in card.roles}
        issues: list[Issue] = []
        for t, target in enumerate(ruleset.targets):
            path: DocPath = ("targets", t)
            for value, where in _target_values(target):
                issues.extend(_places(ctx, value, (*path, *where)))
            try:
                indicator = ruleset.indicator(target.indicator)
            except KeyError:
                continue
            issues.extend(_roles(ctx, target, indicator, roles, path))
            issues.extend(_values(ctx, target, indicator, path))
            issues.extend(_phasing(ctx, ruleset, target, path))
            issues.extend(_sheet(ctx, target, path))
        for c, card in enumerate(ruleset.scorecards):
            for r, rule in enumerate(card.improvement):
                if rule.follow_up is not None and rule.follow_up.target is not None:
                    where = ("scorecards", c, "improvement", r, "follow_up", "target")
                    issues.extend(_places(ctx, rule.follow_up.target, where))
        return issues


def _places(ctx: ValidationContext, value: Decimal, where: DocPath) -> list[Issue]:
    """A target is used as declared, with at most 6 decimal places (what results keep)."""
    places = decimal_places(value)
    if places <= MAX_TARGET_PLACES:
        return []
    message = (
        f"target {fmt(value)} has {places} decimal places; "
        f"a target keeps at most {MAX_TARGET_PLACES}"
    )
    hint = f"write it with at most {MAX_TARGET_PLACES} decimal places"
    return [ctx.issue(BAD_TARGET, message, where, hint)]


def _roles(
    ctx: ValidationContext,
    target: TargetRule,
    indicator: AnyIndicator,
    roles: set[str],
    path: DocPath,
) -> list[Issue]:
    if not target.by_role:
        return []
    if indicator.subject is not SubjectKind.PERSON:
        message = (
            "by_role applies to person indicators; "
            f"'{indicator.id}' is about a {indicator.subject.value}"
        )
        return [ctx.issue(BAD_TARGET, message, (*path, "by_role"), at_key=True)]
    issues = []
    for role in target.by_role:
        if roles and role not in roles:
            message = f"no scorecard appraises role '{role}'"
            where = (*path, "by_role", role)
            issues.append(ctx.warning(BAD_TARGET, message, where, did_you_mean(role, roles)))
    return issues


def _target_values(target: TargetRule) -> Iterator[tuple[Decimal, DocPath]]:
    if target.default is not None:
        yield target.default, ("default",)
    for role, value in target.by_role.items():
        yield value, ("by_role", role)
    for k, override in enumerate(target.overrides):
        yield override.value, ("overrides", k, "value")


def _values(
    ctx: ValidationContext, target: TargetRule, indicator: AnyIndicator, path: DocPath
) -> list[Issue]:
    issues = []
    for value, where in _target_values(target):
        if indicator.unit is Unit.PERCENT and value > 10:
            message = f"target {fmt(value)} for a percent indicator means {fmt(value * 100)}%"
            hint = f"write {fmt(value)}% (or {fmt(value / 100)})"
            issues.append(ctx.warning(BAD_TARGET, message, (*path, *where), hint))
        if isinstance(indicator, RatingIndicator):
            scale = indicator.scale
            if not scale.min <= value <= scale.max:
                message = (
                    f"target {fmt(value)} is outside the rating "
                    f"scale {fmt(scale.min)}–{fmt(scale.max)}"
                )
                issues.append(ctx.issue(BAD_TARGET, message, (*path, *where)))
    return issues


def _period_grain(ruleset: RuleSet, target: TargetRule) -> PeriodGrain:
    if target.period is None:
        return ruleset.settings.period
    try:
        return PeriodGrain(target.period)
    except ValueError:
        pass
    try:
        return Period.parse(target.period).granularity
    except PeriodError:
        return ruleset.settings.period


def _phasing(
    ctx: ValidationContext, ruleset: RuleSet, target: TargetRule, path: DocPath
) -> list[Issue]:
    phasing = target.phasing
    if phasing is None:
        return []
    where = (*path, "phasing")
    issues = []
    total = sum(phasing.shares, Decimal(0))
    if total != HUNDRED:
        message = f"phasing shares sum to {fmt(total)}, expected exactly 100"
        issues.append(ctx.issue(BAD_TARGET, message, (*where, "shares")))
    grain = _period_grain(ruleset, target)
    if phasing.grain.months >= grain.months or grain.months % phasing.grain.months:
        message = f"a {grain.value} target cannot be phased by {phasing.grain.value}"
        issues.append(ctx.issue(BAD_TARGET, message, (*where, "grain")))
    else:
        count = grain.months // phasing.grain.months
        if len(phasing.shares) != count:
            message = (
                f"a {grain.value} has {count} {phasing.grain.value}s, "
                f"but {len(phasing.shares)} shares are given"
            )
            issues.append(ctx.issue(BAD_TARGET, message, (*where, "shares")))
    return issues


def _sheet(ctx: ValidationContext, target: TargetRule, path: DocPath) -> list[Issue]:
    sheet = target.sheet
    if sheet is None or ctx.base_dir is None:
        return []
    where = (*path, "sheet", "path")
    base = ctx.base_dir.resolve()
    file = (base / sheet.path).resolve()
    if not file.is_relative_to(base):
        return [
            ctx.issue(BAD_TARGET, f"target sheet '{sheet.path}' is outside the rules folder", where)
        ]
    if file.suffix.lower() not in (".csv", ".xlsx"):
        return [ctx.issue(BAD_TARGET, f"target sheet '{sheet.path}' must be .csv or .xlsx", where)]
    if not file.is_file():
        return [ctx.issue(BAD_TARGET, f"target sheet '{sheet.path}' does not exist", where)]
    return []


class SmartTargetsRule:
    """SMART gaps as warnings: relevant, achievable and time-bound need saying."""

    name = "SMART targets"

    def validate(self, ruleset: RuleSet, ctx: ValidationContext) -> Sequence[Issue]:
        """Warnings for missing objective, baseline, period or deadline; unrealistic targets."""
        issues: list[Issue] = []
        for t, target in enumerate(ruleset.targets):
            path: DocPath = ("targets", t)
            name = target.indicator
            if target.objective is None:
                issues.append(
                    ctx.warning(
                        SMART_GAP,
                        f"target for '{name}' has no objective (SMART: relevant)",
                        path,
                        "say which business objective it serves",
                    )
                )
            if target.baseline is None:
                issues.append(
                    ctx.warning(
                        SMART_GAP,
                        f"target for '{name}' has no baseline (SMART: achievable)",
                        path,
                        "give baseline: {value: ...} or {history: previous_period}",
                    )
                )
            if target.period is None and target.deadline is None:
                issues.append(
                    ctx.warning(
                        SMART_GAP,
                        f"target for '{name}' has no period or deadline (SMART: time-bound)",
                        path,
                        "give period: quarter (or a code such as 2026Q3) or a deadline",
                    )
                )
            issues.extend(_above_baseline(ctx, target, path))
            issues.extend(_above_history(ruleset, ctx, target, path))
        issues.extend(_unscored_targets(ruleset, ctx))
        return issues


def _above_baseline(ctx: ValidationContext, target: TargetRule, path: DocPath) -> list[Issue]:
    baseline = target.baseline
    if baseline is None or baseline.value is None or baseline.value <= 0:
        return []
    ratio = target.max_ratio_to_history or DEFAULT_HISTORY_RATIO
    issues = []
    for value, where in _target_values(target):
        if value > baseline.value * ratio:
            message = (
                f"target {fmt(value)} is more than {fmt(ratio)}× "
                f"the baseline {fmt(baseline.value)} "
                "(SMART: achievable)"
            )
            issues.append(ctx.warning(SMART_GAP, message, (*path, *where)))
    return issues


def _above_history(
    ruleset: RuleSet, ctx: ValidationContext, target: TargetRule, path: DocPath
) -> list[Issue]:
    if ctx.history is None:
        return []
    ratio = target.max_ratio_to_history or DEFAULT_HISTORY_RATIO
    issues = []
    for subject, (value, history) in sorted(ctx.history(ruleset, target).items()):
        if history > 0 and value > history * ratio:
            message = (
                f"target {fmt(value)} for '{subject}' is more than {fmt(ratio)}× their history "
                f"{fmt(history)} (SMART: achievable)"
            )
            issues.append(ctx.warning(SMART_GAP, message, path))
    return issues


def _unscored_targets(ruleset: RuleSet, ctx: ValidationContext) -> list[Issue]:
    """Scored quantitative items without any target (measurable goal missing)."""
    defined = {t.indicator for t in ruleset.targets}
    ratings = {i.id for i in ruleset.indicators if isinstance(i, RatingIndicator)}
    issues = []
    for c, card in enumerate(ruleset.scorecards):
        for s, section in enumerate(card.sections):
            for i, item in enumerate(section.items):
                if item.indicator in defined or item.indicator in ratings:
                    continue
                if needs_target(item.scoring) or isinstance(item.scoring, ScaleScoring):
                    continue
                path = ("scorecards", c, "sections", s, "items", i, "indicator")
                message = f"scored indicator '{item.indicator}' has no target (SMART: measurable)"
                issues.append(ctx.warning(SMART_GAP, message, path, "add it under targets"))
    return issues
