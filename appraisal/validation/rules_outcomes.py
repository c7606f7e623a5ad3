"""Semantic rules about what follows a score: scoring parameters, gates, incentives,
improvement rules, segmentation, and the rule set's own metadata."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from appraisal.errors import Issue
from appraisal.spec.enums import AwardRankBy, PoolAllocation, RfmMethod, ScoreMeasure, SubjectKind
from appraisal.spec.models import (
    AnyIncentive,
    AnyScoring,
    AttainmentScoring,
    AwardIncentive,
    BelowThreshold,
    BonusIncentive,
    CommissionIncentive,
    DirectScoring,
    ImprovementRule,
    LinearScoring,
    PassFailScoring,
    PoolIncentive,
    RatingIndicator,
    Rfm,
    RuleSet,
    ScaleScoring,
    Scorecard,
    TierTable,
    WorstInTeam,
)
from appraisal.spec.yaml_loader import DocPath
from appraisal.validation.base import ValidationContext, fmt

BAD_SCORING = "V020"
BAD_GATE = "V021"
BAD_INCENTIVE = "V016"
BAD_IMPROVEMENT = "V017"
BAD_SEGMENTATION = "V018"
BAD_METADATA = "V019"

OWNER_WORDS = ("self", "manager")


class ScoringParametersRule:
    """Scoring parameters make sense: caps above targets, floors below caps, scales for ratings."""

    name = "scoring parameters"

    def validate(self, ruleset: RuleSet, ctx: ValidationContext) -> Sequence[Issue]:
        """Contradictory scoring parameters, at the parameter concerned."""
        ratings = {i.id for i in ruleset.indicators if isinstance(i, RatingIndicator)}
        issues: list[Issue] = []
        for c, card in enumerate(ruleset.scorecards):
            for s, section in enumerate(card.sections):
                for i, item in enumerate(section.items):
                    path: DocPath = ("scorecards", c, "sections", s, "items", i, "scoring")
                    issues.extend(_scoring(ctx, item.scoring, path))
                    if isinstance(item.scoring, ScaleScoring) and item.indicator not in ratings:
                        message = (
                            "scale scoring maps a rating scale, "
                            f"but '{item.indicator}' is not a rating"
                        )
                        issues.append(ctx.issue(BAD_SCORING, message, (*path, "method")))
        for k, indicator in enumerate(ruleset.indicators):
            if isinstance(indicator, RatingIndicator):
                scale = indicator.scale
                if scale.min >= scale.max:
                    message = (
                        f"rating scale min {fmt(scale.min)} must be below max {fmt(scale.max)}"
                    )
                    issues.append(ctx.issue(BAD_SCORING, message, ("indicators", k, "scale")))
                for a, anchor in enumerate(scale.anchors):
                    if not scale.min <= anchor.value <= scale.max:
                        message = (
                            f"anchor {fmt(anchor.value)} is outside the "
                            f"scale {fmt(scale.min)}–{fmt(scale.max)}"
                        )
                        issues.append(
                            ctx.issue(
                                BAD_SCORING,
                                message,
                                ("indicators", k, "scale", "anchors", a, "value"),
                            )
                        )
        return issues


def _scoring(ctx: ValidationContext, scoring: AnyScoring, path: DocPath) -> list[Issue]:
    issues = []
    if isinstance(scoring, LinearScoring):
        top = scoring.stretch.score if scoring.stretch else scoring.target.score
        if scoring.cap is not None and scoring.cap < scoring.target.score:
            message = (
                f"cap {fmt(scoring.cap)} is below the target score {fmt(scoring.target.score)}"
            )
            issues.append(ctx.issue(BAD_SCORING, message, (*path, "cap")))
        elif scoring.cap is not None and scoring.cap > top:
            message = f"cap {fmt(scoring.cap)} can never be reached: the line ends at {fmt(top)}"
            issues.append(ctx.warning(BAD_SCORING, message, (*path, "cap")))
        if scoring.below_threshold > scoring.threshold.score:
            message = (
                f"below_threshold {fmt(scoring.below_threshold)} is more than the threshold score "
                f"{fmt(scoring.threshold.score)}"
            )
            issues.append(ctx.issue(BAD_SCORING, message, (*path, "below_threshold")))
    elif isinstance(scoring, AttainmentScoring | DirectScoring) and scoring.floor >= scoring.cap:
        message = f"floor {fmt(scoring.floor)} must be below cap {fmt(scoring.cap)}"
        issues.append(ctx.issue(BAD_SCORING, message, (*path, "floor")))
    elif isinstance(scoring, PassFailScoring) and scoring.pass_score < scoring.fail_score:
        message = (
            f"pass_score {fmt(scoring.pass_score)} is less "
            f"than fail_score {fmt(scoring.fail_score)}"
        )
        issues.append(ctx.issue(BAD_SCORING, message, (*path, "pass_score")))
    return issues


class GatesAndIncentivesRule:
    """Gates do something; incentives are complete and ordered; money goes to people."""

    name = "gates and incentives"

    def validate(self, ruleset: RuleSet, ctx: ValidationContext) -> Sequence[Issue]:
        """Issues about each scorecard's gates and incentives."""
        tables = {t.id: t for t in ruleset.tier_tables}
        issues: list[Issue] = []
        for c, card in enumerate(ruleset.scorecards):
            for g, gate in enumerate(card.gates):
                if gate.cap_tier is None and not gate.no_incentive:
                    message = f"gate '{gate.id}' has no effect"
                    hint = "give cap_tier: <tier code> and/or no_incentive: true"
                    issues.append(ctx.issue(BAD_GATE, message, ("scorecards", c, "gates", g), hint))
            for n, incentive in enumerate(card.incentives):
                path: DocPath = ("scorecards", c, "incentives", n)
                issues.extend(_incentive(ctx, card, incentive, tables.get(card.tiers), path))
        return issues


def _incentive(
    ctx: ValidationContext,
    card: Scorecard,
    incentive: AnyIncentive,
    table: TierTable | None,
    path: DocPath,
) -> list[Issue]:
    issues: list[Issue] = []
    monetary = not isinstance(incentive, AwardIncentive)
    if monetary and card.subject is SubjectKind.CLIENT:
        message = f"a {incentive.kind} is paid to staff; client scorecards give awards"
        issues.append(ctx.issue(BAD_INCENTIVE, message, (*path, "kind")))
    if isinstance(incentive, BonusIncentive):
        issues.extend(_bonus(ctx, incentive, table, path))
    elif isinstance(incentive, CommissionIncentive):
        issues.extend(_commission(ctx, incentive, path))
    elif isinstance(incentive, PoolIncentive):
        issues.extend(_pool(ctx, incentive, table, path))
    elif isinstance(incentive, AwardIncentive):
        issues.extend(_award(ctx, incentive, path))
    return issues


def _bonus(
    ctx: ValidationContext, bonus: BonusIncentive, table: TierTable | None, path: DocPath
) -> list[Issue]:
    issues = []
    if bonus.base.default is None and not bonus.base.by_role:
        message = "the bonus base needs a default or by_role amounts"
        issues.append(ctx.issue(BAD_INCENTIVE, message, (*path, "base")))
    if table is not None:
        missing = [b.code for b in table.bands if b.code not in bonus.multiplier_by_tier]
        if missing:
            message = f"no multiplier for tier(s) {', '.join(missing)}"
            hint = f"give {missing[0]}: 0 for tiers that earn no bonus"
            issues.append(
                ctx.issue(BAD_INCENTIVE, message, (*path, "multiplier_by_tier"), hint, at_key=True)
            )
    return issues


def _commission(
    ctx: ValidationContext, commission: CommissionIncentive, path: DocPath
) -> list[Issue]:
    issues = []
    mins = [b.min for b in commission.brackets]
    if mins[0] != 0:
        message = f"the first bracket must start at 0, not {fmt(mins[0])}"
        issues.append(ctx.issue(BAD_INCENTIVE, message, (*path, "brackets", 0, "min")))
    for k in range(1, len(mins)):
        if mins[k] <= mins[k - 1]:
            message = f"bracket minimums must rise: {fmt(mins[k])} follows {fmt(mins[k - 1])}"
            issues.append(ctx.issue(BAD_INCENTIVE, message, (*path, "brackets", k, "min")))
    thresholds = [a.from_attainment for a in commission.accelerators]
    for k in range(1, len(thresholds)):
        if thresholds[k] <= thresholds[k - 1]:
            message = "accelerator thresholds must rise"
            issues.append(
                ctx.issue(BAD_INCENTIVE, message, (*path, "accelerators", k, "from_attainment"))
            )
    return issues


def _pool(
    ctx: ValidationContext, pool: PoolIncentive, table: TierTable | None, path: DocPath
) -> list[Issue]:
    issues = []
    by_points = pool.allocation is PoolAllocation.BY_POINTS
    if by_points and table is not None:
        sharing = pool.eligible_tiers or tuple(b.code for b in table.bands)
        missing = [code for code in sharing if code not in pool.points_by_tier]
        if missing:
            message = f"allocation by_points needs points for tier(s) {', '.join(missing)}"
            issues.append(ctx.issue(BAD_INCENTIVE, message, (*path, "points_by_tier"), at_key=True))
    if not by_points and pool.points_by_tier:
        message = "points_by_tier applies to allocation: by_points only"
        issues.append(ctx.issue(BAD_INCENTIVE, message, (*path, "points_by_tier"), at_key=True))
    return issues


def _award(ctx: ValidationContext, award: AwardIncentive, path: DocPath) -> list[Issue]:
    if award.rank_by is AwardRankBy.INDICATOR and award.indicator is None:
        return [ctx.issue(BAD_INCENTIVE, "rank_by: indicator needs an indicator", path)]
    if award.rank_by is AwardRankBy.TOTAL and award.indicator is not None:
        message = "indicator applies to rank_by: indicator only"
        return [ctx.issue(BAD_INCENTIVE, message, (*path, "indicator"))]
    return []


class ImprovementRulesRule:
    """Improvement rules name a known owner and test what the scorecard produces."""

    name = "improvement rules"

    def validate(self, ruleset: RuleSet, ctx: ValidationContext) -> Sequence[Issue]:
        """Unknown owners (warning), conditions on numbers the scorecard does not have."""
        roles = {r for card in ruleset.scorecards for r in card.roles}
        issues: list[Issue] = []
        for c, card in enumerate(ruleset.scorecards):
            items = {item.indicator for section in card.sections for item in section.items}
            for r, rule in enumerate(card.improvement):
                path: DocPath = ("scorecards", c, "improvement", r)
                issues.extend(_owner(ctx, rule, roles, path))
                issues.extend(_condition(ctx, card, rule, items, path))
        return issues


def _owner(
    ctx: ValidationContext, rule: ImprovementRule, roles: set[str], path: DocPath
) -> list[Issue]:
    """Owners are company role codes we cannot list; only near-misses of known ones warn."""
    known = {*OWNER_WORDS, *roles}
    if rule.owner in known:
        return []
    close = difflib.get_close_matches(rule.owner, sorted(known), n=1, cutoff=0.75)
    if not close:
        return []
    message = f"owner '{rule.owner}' is not a known owner"
    return [ctx.warning(BAD_IMPROVEMENT, message, (*path, "owner"), f"did you mean '{close[0]}'?")]


def _condition(
    ctx: ValidationContext, card: Scorecard, rule: ImprovementRule, items: set[str], path: DocPath
) -> list[Issue]:
    condition = rule.when
    where = (*path, "when")
    issues = []
    if isinstance(condition, BelowThreshold | WorstInTeam):
        if condition.indicator is None and condition.measure is not ScoreMeasure.SCORE:
            message = "without an indicator the total is tested: use measure: score"
            issues.append(ctx.issue(BAD_IMPROVEMENT, message, (*where, "measure")))
        scored = condition.measure is not ScoreMeasure.VALUE
        if condition.indicator is not None and scored and condition.indicator not in items:
            message = (
                f"'{condition.indicator}' has no "
                f"{condition.measure.value} on scorecard '{card.id}' "
                "(it is not one of its items)"
            )
            issues.append(ctx.issue(BAD_IMPROVEMENT, message, (*where, "indicator")))
    if isinstance(condition, WorstInTeam) and card.subject is not SubjectKind.PERSON:
        message = "worst_in_team ranks people within their team; use it on person scorecards"
        issues.append(ctx.issue(BAD_IMPROVEMENT, message, (*where, "condition")))
    return issues


class SegmentationRule:
    """Segments end with a catch-all; RFM parts are scored by bands or quintiles."""

    name = "client segmentation"

    def validate(self, ruleset: RuleSet, ctx: ValidationContext) -> Sequence[Issue]:
        """Issues about segment order and RFM scoring."""
        issues: list[Issue] = []
        for g, segmentation in enumerate(ruleset.segmentations):
            base: DocPath = ("segmentations", g)
            last = len(segmentation.segments) - 1
            for k, segment in enumerate(segmentation.segments):
                if k < last and segment.when is None:
                    message = (
                        f"segment '{segment.code}' has no condition, "
                        "so later segments are never reached"
                    )
                    issues.append(
                        ctx.issue(
                            BAD_SEGMENTATION, message, (*base, "segments", k), "give it when: ..."
                        )
                    )
                if k == last and segment.when is not None:
                    message = (
                        f"the last segment '{segment.code}' must have "
                        "no condition: it catches every other client"
                    )
                    issues.append(
                        ctx.issue(
                            BAD_SEGMENTATION,
                            message,
                            (*base, "segments", k, "when"),
                            "remove its when",
                        )
                    )
            if segmentation.rfm is not None:
                issues.extend(self._rfm(ctx, segmentation.rfm, (*base, "rfm")))
        return issues

    @staticmethod
    def _rfm(ctx: ValidationContext, rfm: Rfm, path: DocPath) -> list[Issue]:
        issues = []
        for name in ("recency", "frequency", "monetary"):
            part = getattr(rfm, name)
            where = (*path, name)
            if part.method is RfmMethod.BANDS and not part.bands:
                issues.append(
                    ctx.issue(BAD_SEGMENTATION, "method bands needs bands with scores 1–5", where)
                )
            if part.method is RfmMethod.QUINTILES and part.bands:
                issues.append(
                    ctx.issue(
                        BAD_SEGMENTATION,
                        "bands apply to method: bands only",
                        (*where, "bands"),
                        at_key=True,
                    )
                )
            for k, band in enumerate(part.bands):
                if band.score != band.score.to_integral_value() or not 1 <= band.score <= 5:
                    message = f"RFM scores are whole numbers 1–5, not {fmt(band.score)}"
                    issues.append(
                        ctx.issue(BAD_SEGMENTATION, message, (*where, "bands", k, "score"))
                    )
        return issues


class MetadataRule:
    """Effective dates run forward; the current version is in the changelog."""

    name = "metadata"

    def validate(self, ruleset: RuleSet, ctx: ValidationContext) -> Sequence[Issue]:
        """Issues about the rule set's metadata."""
        meta = ruleset.metadata
        issues = []
        if meta.effective_to is not None and meta.effective_to <= meta.effective_from:
            message = (
                f"effective_to {meta.effective_to} is not "
                f"after effective_from {meta.effective_from}"
            )
            issues.append(ctx.issue(BAD_METADATA, message, ("metadata", "effective_to")))
        if meta.changelog and meta.version not in {e.version for e in meta.changelog}:
            message = f"version {meta.version} has no changelog entry"
            issues.append(ctx.warning(BAD_METADATA, message, ("metadata", "version")))
        return issues
