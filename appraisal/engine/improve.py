"""Improvement plans: rule conditions → SMART actions per subject, in SQL.

Conditions (a not-applicable number never fires one):

* ``below_threshold``: the indicator's value (for a lower-is-better value:
  above the threshold), its attainment (value / target, exact) or its item
  score is below ``below``; without an indicator the total score is tested.
* ``below_target_in_a_row``: the value was worse than its target in this
  period and each of the ``periods − 1`` before.  Earlier periods are measured
  again from the data (the caller hands in their values frames), so the
  condition depends on the data alone, not on which runs happened to be stored.
* ``worst_in_team``: the ``k`` subjects with the worst number of each team
  (``team_column``: ``staff.team``; ``manager_tree``: the direct manager),
  ties by subject id; subjects without a team or number are left out.
* ``tier_in``: the final tier is one of ``tiers``.

Each item names who (``self``: the subject; ``manager``: the subject's manager
or a client's owner; a role: the nearest person of that role above the subject,
starting with the manager), by when (the period's last day + ``due_in_days``)
and the follow-up: a concrete target for an indicator and the period it is
checked in (a declared ``target`` is used as declared, like every target;
``improve_by`` moves the current value by that fraction in the better
direction, rounded like the indicator).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, assert_never

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from appraisal.engine import exact as x
from appraisal.engine.cardrun import CardRun
from appraisal.engine.exact import Fixed
from appraisal.engine.frame import ValuesFrame
from appraisal.engine.hierarchy import Hierarchy
from appraisal.engine.operands import target_of, value_of
from appraisal.engine.run_tables import RUN_PLAN_ITEMS
from appraisal.engine.score import basis_ratio
from appraisal.engine.work import create_work_table, drop_work_tables, work_name
from appraisal.expr.sqltypes import ExprNumber
from appraisal.periods import Period
from appraisal.spec.enums import Basis, Direction, ScoreMeasure, TeamGrouping
from appraisal.spec.models import (
    AnyCondition,
    BelowTargetInARow,
    BelowThreshold,
    FollowUp,
    ImprovementRule,
    TierIn,
    WorstInTeam,
    effective_rounding,
)

HistoryFrames = Callable[[Period, tuple[str, ...]], ValuesFrame]
"""Measures the given indicators (values and targets) for an earlier period."""

SELF = "self"
MANAGER = "manager"


def due_on(period: Period, rule: ImprovementRule) -> date:
    """The period's last day plus ``due_in_days``."""
    return period.end - timedelta(days=1) + timedelta(days=rule.due_in_days)


def history_needed(card_rules: tuple[ImprovementRule, ...]) -> dict[int, tuple[str, ...]]:
    """How many periods back each ``below_target_in_a_row`` indicator is needed."""
    depth: dict[str, int] = {}
    for rule in card_rules:
        if isinstance(rule.when, BelowTargetInARow):
            depth[rule.when.indicator] = max(
                depth.get(rule.when.indicator, 0), rule.when.periods - 1
            )
    back: dict[int, list[str]] = {}
    for indicator_id, periods in depth.items():
        for k in range(1, periods + 1):
            back.setdefault(k, []).append(indicator_id)
    return {k: tuple(sorted(v)) for k, v in back.items()}


def _item_score(card: CardRun, indicator_id: str) -> Fixed:
    position = card.scored.layout.position_of(indicator_id)
    if position is None:
        return Fixed.null()
    return card.scored.layout.score(card.scored.table, position)


def _number(card: CardRun, indicator_id: str | None, measure: ScoreMeasure) -> Fixed:
    """The number a condition looks at (NULL: not applicable)."""
    layout, table = card.scored.layout, card.scored.table
    if indicator_id is None:
        return layout.total(table)
    match measure:
        case ScoreMeasure.VALUE:
            return card.value(indicator_id)
        case ScoreMeasure.SCORE:
            return _item_score(card, indicator_id)
        case ScoreMeasure.ATTAINMENT:
            raise ValueError("attainment is a ratio; compare it with _attainment_below")
        case _:
            assert_never(measure)


def _below_threshold(card: CardRun, c: BelowThreshold) -> ColumnElement[bool]:
    if c.indicator is not None and c.measure is ScoreMeasure.ATTAINMENT:
        indicator = card.ruleset.indicator(c.indicator)
        target = target_of(card.frame, indicator, card.dialect)
        ratio = basis_ratio(Basis.OF_TARGET, card.value(c.indicator), target)
        return sa.and_(target.is_not_null(), sa.not_(target.eq(Fixed.const(0))), ratio.lt(c.below))
    number = _number(card, c.indicator, c.measure)
    lower = (
        c.indicator is not None
        and c.measure is ScoreMeasure.VALUE
        and card.ruleset.indicator(c.indicator).direction is Direction.LOWER
    )
    return number.gt(Fixed.const(c.below)) if lower else number.lt(Fixed.const(c.below))


def below_target(value: Fixed, target: Fixed, direction: Direction) -> ColumnElement[bool]:
    """Worse than target (never when either is missing)."""
    match direction:
        case Direction.HIGHER:
            return value.lt(target)
        case Direction.LOWER:
            return value.gt(target)
        case _:
            assert_never(direction)


def _in_a_row(card: CardRun, c: BelowTargetInARow, history: HistoryFrames | None) -> Any:
    """Subject ids below target now and in each of the previous ``periods − 1`` periods."""
    indicator = card.ruleset.indicator(c.indicator)
    settings, dialect = card.ruleset.settings, card.dialect
    frames = [card.frame]
    if history is None:
        raise ValueError("below_target_in_a_row needs the values of earlier periods")
    frames += [history(card.period.previous(k), (c.indicator,)) for k in range(1, c.periods)]
    source: Any = frames[0].table
    tests = []
    for frame in frames:
        if frame is not frames[0]:
            source = source.join(
                frame.table, frame.table.c.subject_id == frames[0].table.c.subject_id
            )
        value = value_of(frame, indicator, settings, dialect)
        tests.append(below_target(value, target_of(frame, indicator, dialect), indicator.direction))
    return sa.select(frames[0].table.c.subject_id).select_from(source).where(*tests)


def _worst_key(card: CardRun, c: WorstInTeam) -> tuple[ColumnElement[Any], bool]:
    """The number ranked and whether its worst end is the highest."""
    if c.indicator is not None and c.measure is ScoreMeasure.ATTAINMENT:
        indicator = card.ruleset.indicator(c.indicator)
        value, target = card.value(c.indicator), target_of(card.frame, indicator, card.dialect)
        return x.SortRatio(value.sql, target.sql), False  # one scale for all rows: order kept
    worst_high = (
        c.indicator is not None
        and c.measure is ScoreMeasure.VALUE
        and card.ruleset.indicator(c.indicator).direction is Direction.LOWER
    )
    return _number(card, c.indicator, c.measure).sql, worst_high


def _worst_in_team(card: CardRun, c: WorstInTeam) -> Any:
    subjects, scored, frame = card.subjects(), card.scored.table, card.frame.table
    team = subjects.c.team if c.team_by is TeamGrouping.TEAM_COLUMN else subjects.c.manager_id
    key, worst_high = _worst_key(card, c)
    order = key.desc() if worst_high else key.asc()
    rank = sa.func.row_number().over(
        partition_by=team, order_by=[order, x.code_point(subjects.c.subject_id)]
    )
    source = subjects.join(scored, scored.c.subject_id == subjects.c.subject_id).join(
        frame, frame.c.subject_id == subjects.c.subject_id
    )
    ranked = (
        sa.select(subjects.c.subject_id, rank.label("rn"))
        .select_from(source)
        .where(team.is_not(None), key.is_not(None))
        .subquery("ranked")
    )
    return sa.select(ranked.c.subject_id).where(ranked.c.rn <= c.k)


def firing(card: CardRun, condition: AnyCondition, history: HistoryFrames | None) -> Any:
    """A SELECT of the subject ids for which the condition holds."""
    subjects = card.subjects()
    match condition:
        case BelowThreshold():
            frame, scored = card.frame.table, card.scored.table
            source = subjects.join(scored, scored.c.subject_id == subjects.c.subject_id).join(
                frame, frame.c.subject_id == subjects.c.subject_id
            )
            return (
                sa.select(subjects.c.subject_id)
                .select_from(source)
                .where(_below_threshold(card, condition))
            )
        case BelowTargetInARow():
            return _in_a_row(card, condition, history)
        case WorstInTeam():
            return _worst_in_team(card, condition)
        case TierIn():
            return sa.select(subjects.c.subject_id).where(subjects.c.tier.in_(condition.tiers))
        case _:
            assert_never(condition)


def _owner(rule: ImprovementRule, subjects: Any, hierarchy: Hierarchy | None) -> tuple[Any, Any]:
    """(owner id expression, extra FROM join) for the rule's owner."""
    if rule.owner == SELF:
        return subjects.c.subject_id, None
    if rule.owner == MANAGER:
        return subjects.c.manager_id, None
    if hierarchy is None:
        return sa.cast(sa.null(), sa.String()), None
    nearest = hierarchy.nearest_with_role(rule.owner)
    return nearest.c.owner_id, nearest


def _follow_up(card: CardRun, follow: FollowUp | None) -> list[Any]:
    """baseline, target, direction, period of the follow-up (NULLs without one)."""
    number_null = sa.cast(sa.null(), ExprNumber())
    if follow is None:
        return [
            sa.cast(sa.null(), sa.String()),
            number_null,
            number_null,
            sa.cast(sa.null(), sa.String()),
            sa.cast(sa.null(), sa.String()),
        ]
    indicator = card.ruleset.indicator(follow.indicator)
    current = card.value(follow.indicator)
    if follow.target is not None:
        goal: ColumnElement[Any] = sa.literal(follow.target, ExprNumber())
    else:
        assert follow.improve_by is not None
        sign = 1 if indicator.direction is Direction.HIGHER else -1
        factor = Fixed.const(1 + sign * follow.improve_by)
        rounding = effective_rounding(indicator, card.ruleset.settings)
        goal = x.round_to(current * factor, rounding.places, rounding.mode).number()
    return [
        sa.literal(follow.indicator),
        current.number(),
        goal,
        sa.literal(indicator.direction.value),
        sa.literal(card.period.shift(follow.within_periods).code),
    ]


def plan_improvements(
    card: CardRun, history: HistoryFrames | None = None, hierarchy: Hierarchy | None = None
) -> None:
    """Insert one ``run_plan_items`` row per subject and improvement rule that fires.

    The rows are gathered in a work table first and copied by one plain scan:
    DuckDB writes such an insert straight into row groups, while rows coming
    out of a join go through its write-ahead log (0.6 s at commit for 118,000
    plan items).
    """
    if not card.scorecard.improvement:
        return
    t = RUN_PLAN_ITEMS
    names = [
        "run_id",
        "scorecard_id",
        "subject_id",
        "rule_id",
        "position",
        "condition",
        "owner",
        "owner_id",
        "due_on",
        "follow_up_indicator",
        "follow_up_baseline",
        "follow_up_target",
        "follow_up_direction",
        "follow_up_period",
    ]
    frame = card.frame.table
    selects = []
    for position, rule in enumerate(card.scorecard.improvement):
        subjects = card.subjects()
        fired = firing(card, rule.when, history).subquery("fired")
        owner, nearest = _owner(rule, subjects, hierarchy)
        source: Any = subjects.join(fired, fired.c.subject_id == subjects.c.subject_id).join(
            frame, frame.c.subject_id == subjects.c.subject_id
        )
        if nearest is not None:
            source = source.outerjoin(nearest, nearest.c.start_id == subjects.c.manager_id)
        values = [
            card.run_literal(),
            card.card_literal(),
            subjects.c.subject_id,
            sa.literal(rule.id),
            sa.literal(position),
            sa.literal(rule.when.condition),
            sa.literal(rule.owner),
            owner,
            sa.literal(due_on(card.period, rule), sa.Date()),
            *_follow_up(card, rule.follow_up),
        ]
        labelled = [v.label(n) for v, n in zip(values, names, strict=True)]
        selects.append(sa.select(*labelled).select_from(source))
    name = work_name("plan", card.scorecard.id)
    work = create_work_table(card.conn, name, sa.select(sa.union_all(*selects).subquery("plan")))
    card.conn.execute(
        t.insert().from_select([t.c[n] for n in names], sa.select(*[work.c[n] for n in names]))
    )
    drop_work_tables(card.conn, [name])
