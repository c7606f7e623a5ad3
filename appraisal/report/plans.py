"""Improvement plans as views: what, why, who, by when, measured how; and earlier
actions with their follow-up result (met, not met, no value, checked later)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import assert_never

from appraisal.audit.follow_up import FollowUpStatus, follow_up_status
from appraisal.engine.improve import MANAGER, SELF
from appraisal.engine.results import PlanItem, SubjectResult
from appraisal.report.context import CardContext
from appraisal.report.formatting import NOT_APPLICABLE
from appraisal.report.i18n import join_or, labels, period_text, phrase, role_label
from appraisal.report.source import EarlierAction
from appraisal.spec.enums import Direction, ScoreMeasure, SubjectKind
from appraisal.spec.models import (
    BelowTargetInARow,
    BelowThreshold,
    ImprovementRule,
    TierIn,
    WorstInTeam,
)


@dataclass(frozen=True)
class PlanItemView:
    """An improvement action: what, why, who, by when, measured how."""

    rule_id: str
    action: str
    reason: str
    owner: str
    due: str
    follow_up: str


@dataclass(frozen=True)
class FollowUpView:
    """An earlier action and whether its follow-up target is met now."""

    rule_id: str
    set_in: str
    action: str
    target: str
    now: str
    status: str
    result: str


def _indicator_title(ctx: CardContext, indicator_id: str) -> str:
    try:
        return ctx.indicator(indicator_id).title.get(ctx.language)
    except KeyError:
        return indicator_id


def _below_threshold(ctx: CardContext, when: BelowThreshold) -> str:
    """``Sales amount below CN¥8,000.00``; for a lower-is-better value, "above"."""
    lang = ctx.language
    if when.indicator is None:
        threshold = ctx.fmt.number(when.below, ctx.score_places)
        return phrase(lang, "cond_total_below", threshold=threshold)
    title = _indicator_title(ctx, when.indicator)
    key = "cond_below_threshold"
    match when.measure:
        case ScoreMeasure.VALUE:
            threshold = ctx.value_text(when.indicator, when.below)
            if ctx.indicator(when.indicator).direction is Direction.LOWER:
                key = "cond_above_threshold"
        case ScoreMeasure.ATTAINMENT:
            threshold = ctx.fmt.percent(when.below, 1)
            title = phrase(lang, "measure_attainment", indicator=title)
        case ScoreMeasure.SCORE:
            threshold = ctx.fmt.number(when.below, ctx.score_places)
            title = phrase(lang, "measure_score", indicator=title)
        case _:
            assert_never(when.measure)
    return phrase(lang, key, indicator=title, threshold=threshold)


def condition_text(ctx: CardContext, rule: ImprovementRule) -> str:
    """Why an action was triggered, in words."""
    lang, when = ctx.language, rule.when
    match when:
        case BelowThreshold():
            return _below_threshold(ctx, when)
        case BelowTargetInARow():
            title = _indicator_title(ctx, when.indicator)
            return phrase(lang, "cond_in_a_row", indicator=title, periods=str(when.periods))
        case WorstInTeam():
            if when.indicator is None:
                measure = labels(lang)["cond_worst_total"]
            else:
                measure = phrase(
                    lang,
                    f"measure_{when.measure.value}",
                    indicator=_indicator_title(ctx, when.indicator),
                )
            return phrase(lang, "cond_worst_in_team", measure=measure)
        case TierIn():
            tiers = join_or([ctx.tier_label(code) for code in when.tiers], lang)
            return phrase(lang, "cond_tier_in", tiers=tiers)
        case _:
            assert_never(when)


def owner_text(ctx: CardContext, item: PlanItem) -> str:
    """Who acts: a name when the bundle may show it, else the kind of owner."""
    t = labels(ctx.language)
    if item.owner == SELF:
        fallback = t["owner_self"]
    elif item.owner == MANAGER:
        is_client = ctx.card.subject is SubjectKind.CLIENT
        fallback = t["owner_account_manager"] if is_client else t["owner_manager"]
    else:
        fallback = role_label(item.owner, ctx.language)
    if item.owner == SELF and ctx.card.subject is not SubjectKind.PERSON:
        return fallback
    return ctx.person_name(item.owner_id, fallback)


def follow_up_text(ctx: CardContext, item: PlanItem) -> str:
    """``CSAT at least 4.00 by Q4 2026`` (or ``—``)."""
    if item.follow_up_indicator is None or item.follow_up_target is None:
        return labels(ctx.language)["follow_up_none"]
    key = "follow_up_lower" if item.follow_up_direction == "lower" else "follow_up_higher"
    return phrase(
        ctx.language,
        key,
        indicator=_indicator_title(ctx, item.follow_up_indicator),
        target=ctx.target_text(item.follow_up_indicator, item.follow_up_target),
        period=period_text(item.follow_up_period or "", ctx.language),
    )


def plan_views(ctx: CardContext, subject: SubjectResult) -> tuple[PlanItemView, ...]:
    """The subject's improvement plan."""
    rules = {r.id: r for r in ctx.card.improvement}
    views = []
    for item in subject.plan:
        rule = rules.get(item.rule)
        views.append(
            PlanItemView(
                rule_id=item.rule,
                action=rule.action.get(ctx.language) if rule else item.rule,
                reason=condition_text(ctx, rule) if rule else item.condition,
                owner=owner_text(ctx, item),
                due=ctx.fmt.date(item.due_on),
                follow_up=follow_up_text(ctx, item),
            )
        )
    return tuple(views)


def follow_up_state(
    ctx: CardContext, subject: SubjectResult, item: PlanItem
) -> tuple[str, Decimal | None]:
    """(status, current value) of an earlier action, by the audit's follow-up rule.

    Due now: met / not_met / no_value, comparing the current run's stored item
    value with the target; due later: pending; without a measure: no_measure.
    """
    if item.follow_up_indicator is None or item.follow_up_target is None:
        return "no_measure", None
    if item.follow_up_period != ctx.run.period.code:
        return "pending", None
    current = next(
        (i for i in subject.items if i.indicator == item.follow_up_indicator and i.applicable),
        None,
    )
    value = current.value if current is not None else None
    direction = Direction(item.follow_up_direction or Direction.HIGHER.value)
    status = follow_up_status(value, item.follow_up_target, direction)
    match status:
        case FollowUpStatus.MET | FollowUpStatus.NOT_MET | FollowUpStatus.NO_VALUE:
            return status.value, value
        case _:
            assert_never(status)


def earlier_views(
    ctx: CardContext, subject: SubjectResult, actions: Sequence[EarlierAction]
) -> tuple[FollowUpView, ...]:
    """Earlier actions with their follow-up result."""
    rules = {r.id: r for r in ctx.card.improvement}
    t = labels(ctx.language)
    views = []
    for earlier in actions:
        item = earlier.item
        rule = rules.get(item.rule)
        status, value = follow_up_state(ctx, subject, item)
        result = (
            phrase(
                ctx.language,
                "status_pending",
                period=period_text(item.follow_up_period or "", ctx.language),
            )
            if status == "pending"
            else t[f"status_{status}"]
        )
        now = (
            ctx.value_text(item.follow_up_indicator, value)
            if item.follow_up_indicator and status in ("met", "not_met")
            else NOT_APPLICABLE
        )
        views.append(
            FollowUpView(
                rule_id=item.rule,
                set_in=period_text(earlier.period, ctx.language),
                action=rule.action.get(ctx.language) if rule else item.rule,
                target=follow_up_text(ctx, item),
                now=now,
                status=status,
                result=result,
            )
        )
    return tuple(views)
