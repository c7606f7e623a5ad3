"""The reference evaluation: a rule set, a period and rows in, every number out.

Reads like the specification, one subject at a time: values → item scores →
section scores → total → tier → gates → incentives → improvement plan, then the
client segmentations.  See README.md for how each ambiguous point is read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, assert_never

from appraisal.expr import TypedExpr, evaluate
from appraisal.periods import Period
from appraisal.spec.enums import (
    AwardRankBy,
    Direction,
    GroupScope,
    ItemNotApplicable,
    PoolAllocation,
    ScoreMeasure,
    SubjectKind,
    TeamGrouping,
)
from appraisal.spec.models import (
    AnyCondition,
    AwardIncentive,
    BelowTargetInARow,
    BelowThreshold,
    BonusIncentive,
    CommissionIncentive,
    ImprovementRule,
    PoolIncentive,
    RatingIndicator,
    RuleSet,
    Scorecard,
    TierIn,
    WorstInTeam,
    effective_rounding,
)

from .data import Dataset
from .exprs import divide
from .incentives import allocate, bonus_amount, commission_amount, ranked
from .measure import Measurer, Subject
from .results import (
    ItemResult,
    PlanItem,
    ReferenceResult,
    ScorecardResult,
    SubjectResult,
)
from .rfm import segment_clients
from .scoring import (
    WeightedScore,
    cap_tier,
    item_score,
    section_score,
    tier_at_least,
    tier_of,
    weighted_total,
)

DEFAULT_TIMEZONE = "Asia/Shanghai"


def evaluate_reference(
    ruleset: RuleSet,
    period: Period | str,
    rows: Dataset | Mapping[str, Sequence[Mapping[str, Any]]],
    timezone: str = DEFAULT_TIMEZONE,
) -> ReferenceResult:
    """Every scorecard and segmentation of ``ruleset`` for ``period`` over ``rows``."""
    the_period = period if isinstance(period, Period) else Period.parse(period)
    dataset = rows if isinstance(rows, Dataset) else Dataset.from_plain(rows)
    evaluator = _Evaluator(ruleset, dataset, timezone, the_period)
    cards = {card.id: evaluator.scorecard(c, card) for c, card in enumerate(ruleset.scorecards)}
    segmentations = {
        seg.id: segment_clients(evaluator.measurer, seg, s, evaluator.clients(), the_period)
        for s, seg in enumerate(ruleset.segmentations)
    }
    return ReferenceResult(the_period.code, cards, segmentations)


class _Evaluator:
    def __init__(self, ruleset: RuleSet, dataset: Dataset, timezone: str, period: Period) -> None:
        self.ruleset = ruleset
        self.dataset = dataset
        self.period = period
        self.measurer = Measurer(ruleset, dataset, timezone)

    # ── subjects ───────────────────────────────────────────────────────────────

    def active(self, since: object, until: object, period: Period | None = None) -> bool:
        """Related to the company at some time in the period: since < E and (until ≥ S or null)."""
        period = period or self.period
        started = since is None or (isinstance(since, date) and since < period.end)
        ended = until is not None and isinstance(until, date) and until < period.start
        return started and not ended

    def people(self, roles: Sequence[str]) -> list[Subject]:
        """Staff of the appraised roles employed at some time in the period."""
        found = []
        for row in self.dataset.rows("staff"):
            if roles and row["role"] not in roles:
                continue
            if not self.active(row["hired_on"], row["left_on"]):
                continue
            found.append(
                Subject(
                    SubjectKind.PERSON,
                    str(row["staff_id"]),
                    _text(row["role"]),
                    _text(row["team"]),
                    _text(row["manager_id"]),
                )
            )
        return sorted(found, key=lambda s: s.subject_id)

    def clients(self) -> list[Subject]:
        """Customers acquired before the period's end and not churned before its start;
        a client's team is its owner's team."""
        found = []
        for row in self.dataset.rows("customers"):
            if not self.active(row["acquired_on"], row["churned_on"]):
                continue
            owner = self.dataset.staff(row["owner_id"])
            team = _text(owner["team"]) if owner else None
            found.append(
                Subject(
                    SubjectKind.CLIENT,
                    str(row["customer_id"]),
                    None,
                    team,
                    _text(row["owner_id"]),
                )
            )
        return sorted(found, key=lambda s: s.subject_id)

    def subjects(self, card: Scorecard) -> list[Subject]:
        kind = card.subject
        if kind is SubjectKind.PERSON:
            return self.people(card.roles)
        if kind is SubjectKind.CLIENT:
            return self.clients()
        if kind is SubjectKind.TEAM:
            raise NotImplementedError("team scorecards are not covered by the reference")
        assert_never(kind)

    def visible(self, card: Scorecard) -> list[str]:
        """Indicator ids a scorecard's subject has (a person also sees team indicators)."""
        kinds = {card.subject}
        if card.subject is SubjectKind.PERSON:
            kinds.add(SubjectKind.TEAM)
        return [i.id for i in self.ruleset.indicators if i.subject in kinds]

    # ── one scorecard ──────────────────────────────────────────────────────────

    def scorecard(self, c: int, card: Scorecard) -> ScorecardResult:
        subjects = self.subjects(card)
        results = {s.subject_id: self.subject(c, card, s) for s in subjects}
        results = self.incentives(card, subjects, results)
        results = self.improvement(card, subjects, results)
        return ScorecardResult(card.id, results)

    def subject(self, c: int, card: Scorecard, subject: Subject) -> SubjectResult:
        m, p, settings = self.measurer, self.period, self.ruleset.settings
        visible = self.visible(card)
        values = {i: m.value(i, subject, p) for i in visible}
        targets = {i: m.target(i, subject, p) for i in visible if self.ruleset.target_rule(i)}
        items: list[ItemResult] = []
        sections: dict[str, Decimal | None] = {}
        section_list: list[tuple[Decimal, Decimal | None]] = []
        for section in card.sections:
            weighted = []
            for item in section.items:
                indicator = self.ruleset.indicator(item.indicator)
                scale = indicator.scale if isinstance(indicator, RatingIndicator) else None
                value = values[item.indicator]
                target = m.target(item.indicator, subject, p)
                raw = item_score(item.scoring, indicator.direction, value, target, scale)
                if raw is None and item.if_not_applicable is ItemNotApplicable.ZERO:
                    raw = Decimal(0)
                score = None if raw is None else settings.score_rounding.apply(raw)
                items.append(
                    ItemResult(section.id, item.indicator, item.weight, value, target, score)
                )
                weighted.append(WeightedScore(item.weight, score, item.if_not_applicable))
            sections[section.id] = section_score(weighted)
            section_list.append((section.share, sections[section.id]))
        raw_total = weighted_total(section_list)
        total = None if raw_total is None else settings.score_rounding.apply(raw_total)
        table = self.ruleset.tier_table(card.tiers)
        tier_before = None if total is None else tier_of(table, total)
        fired = [
            g
            for k, g in enumerate(card.gates)
            if self.holds(("scorecards", c, "gates", k, "when"), values)
        ]
        caps = [g.cap_tier for g in fired if g.cap_tier is not None]
        tier = None if tier_before is None else cap_tier(table, tier_before, caps)
        return SubjectResult(
            subject_id=subject.subject_id,
            values=values,
            targets=targets,
            items=tuple(items),
            sections=sections,
            total=total,
            tier_before_gates=tier_before,
            gates=tuple(g.id for g in fired),
            tier=tier,
            withheld=any(g.no_incentive for g in fired),
        )

    def holds(self, path: tuple[str | int, ...], env: Mapping[str, Decimal | None]) -> bool:
        """A gate or segment condition; a condition over a not-applicable value does not hold."""
        typed: TypedExpr = self.measurer.typed[path]
        names = {".".join(p): env.get(".".join(p)) for p in typed.references}
        return evaluate(typed, names, self.measurer.params(self.period)) is True

    # ── incentives ─────────────────────────────────────────────────────────────

    def incentives(
        self, card: Scorecard, subjects: list[Subject], results: dict[str, SubjectResult]
    ) -> dict[str, SubjectResult]:
        money: dict[str, dict[str, Decimal]] = {s.subject_id: {} for s in subjects}
        awards: dict[str, dict[str, int]] = {s.subject_id: {} for s in subjects}
        rounding = self.ruleset.settings.money_rounding
        for incentive in card.incentives:
            if isinstance(incentive, BonusIncentive):
                for s in subjects:
                    r = results[s.subject_id]
                    amount = bonus_amount(incentive, s.role, r.tier, rounding)
                    money[s.subject_id][incentive.id] = _withhold(
                        r, amount, incentive.rounding or rounding
                    )
            elif isinstance(incentive, CommissionIncentive):
                for s in subjects:
                    r = results[s.subject_id]
                    base = r.values[incentive.indicator]
                    target = self.measurer.target(incentive.indicator, s, self.period)
                    amount = commission_amount(incentive, base, target, rounding)
                    money[s.subject_id][incentive.id] = _withhold(
                        r, amount, incentive.rounding or rounding
                    )
            elif isinstance(incentive, PoolIncentive):
                for subject_id, amount in self.pool(incentive, subjects, results).items():
                    money[subject_id][incentive.id] = amount
            elif isinstance(incentive, AwardIncentive):
                for subject_id, rank in self.award(card, incentive, subjects, results).items():
                    awards[subject_id][incentive.id] = rank
            else:
                assert_never(incentive)
        return {k: _replace(r, incentives=money[k], awards=awards[k]) for k, r in results.items()}

    def pool(
        self, pool: PoolIncentive, subjects: list[Subject], results: Mapping[str, SubjectResult]
    ) -> dict[str, Decimal]:
        rounding = pool.rounding or self.ruleset.settings.money_rounding
        quantum = rounding.quantum()
        paid = {s.subject_id: rounding.apply(Decimal(0)) for s in subjects}
        groups: dict[str | None, dict[str, Decimal]] = {}
        for s in subjects:
            r = results[s.subject_id]
            if r.tier is None or r.withheld:
                continue
            if pool.eligible_tiers and r.tier not in pool.eligible_tiers:
                continue
            weight = self.pool_weight(pool, r)
            if weight is None:
                continue
            key = s.team if pool.per is GroupScope.TEAM else None
            groups.setdefault(key, {})[s.subject_id] = weight
        amount = rounding.apply(pool.amount)
        for weights in groups.values():
            paid.update(allocate(amount, weights, quantum))
        return paid

    @staticmethod
    def pool_weight(pool: PoolIncentive, r: SubjectResult) -> Decimal | None:
        allocation = pool.allocation
        if allocation is PoolAllocation.BY_SCORE:
            return r.total
        if allocation is PoolAllocation.BY_POINTS:
            assert r.tier is not None
            return pool.points_by_tier.get(r.tier, Decimal(0))
        if allocation is PoolAllocation.EQUAL:
            return Decimal(1)
        assert_never(allocation)

    def award(
        self,
        card: Scorecard,
        award: AwardIncentive,
        subjects: list[Subject],
        results: Mapping[str, SubjectResult],
    ) -> dict[str, int]:
        table = self.ruleset.tier_table(card.tiers)
        groups: dict[str | None, dict[str, Decimal]] = {}
        higher = True
        for s in subjects:
            r = results[s.subject_id]
            if award.min_tier is not None and (
                r.tier is None or not tier_at_least(table, r.tier, award.min_tier)
            ):
                continue
            if award.rank_by is AwardRankBy.TOTAL:
                key_value = r.total
            else:
                assert award.indicator is not None
                key_value = r.values[award.indicator]
                higher = self.ruleset.indicator(award.indicator).direction is Direction.HIGHER
            if key_value is None:
                continue
            group = s.team if award.per is GroupScope.TEAM else None
            groups.setdefault(group, {})[s.subject_id] = key_value
        won: dict[str, int] = {}
        for candidates in groups.values():
            won.update(ranked(candidates, higher, award.top))
        return won

    # ── improvement ────────────────────────────────────────────────────────────

    def improvement(
        self, card: Scorecard, subjects: list[Subject], results: dict[str, SubjectResult]
    ) -> dict[str, SubjectResult]:
        plans: dict[str, list[PlanItem]] = {s.subject_id: [] for s in subjects}
        for rule in card.improvement:
            firing = self.firing(card, rule.when, subjects, results)
            for s in subjects:
                if s.subject_id in firing:
                    plans[s.subject_id].append(self.plan_item(rule, s, results[s.subject_id]))
        return {k: _replace(r, plan=tuple(plans[k])) for k, r in results.items()}

    def firing(
        self,
        card: Scorecard,
        condition: AnyCondition,
        subjects: list[Subject],
        results: Mapping[str, SubjectResult],
    ) -> set[str]:
        if isinstance(condition, WorstInTeam):
            return self.worst_in_team(condition, subjects, results)
        return {
            s.subject_id
            for s in subjects
            if self.condition_holds(condition, s, results[s.subject_id])
        }

    def measure_of(
        self, indicator: str | None, measure: ScoreMeasure, r: SubjectResult
    ) -> Decimal | None:
        """The number a condition looks at: a value, an attainment, an item score or the total."""
        if indicator is None:
            return r.total
        if measure is ScoreMeasure.VALUE:
            return r.values[indicator]
        if measure is ScoreMeasure.SCORE:
            return r.score(indicator)
        if measure is ScoreMeasure.ATTAINMENT:
            item = next(i for i in r.items if i.indicator == indicator)
            if item.value is None or item.target is None or item.target == 0:
                return None
            return divide(item.value, item.target)
        assert_never(measure)

    def condition_holds(self, condition: AnyCondition, s: Subject, r: SubjectResult) -> bool:
        if isinstance(condition, BelowThreshold):
            x = self.measure_of(condition.indicator, condition.measure, r)
            if x is None:
                return False
            lower = (
                condition.indicator is not None
                and condition.measure is ScoreMeasure.VALUE
                and self.ruleset.indicator(condition.indicator).direction is Direction.LOWER
            )
            return x > condition.below if lower else x < condition.below
        if isinstance(condition, BelowTargetInARow):
            return all(
                self.below_target(condition.indicator, s, p)
                for p in self.period.history(condition.periods)
            )
        if isinstance(condition, TierIn):
            return r.tier is not None and r.tier in condition.tiers
        if isinstance(condition, WorstInTeam):
            raise AssertionError("worst_in_team is decided over the whole team")
        assert_never(condition)

    def below_target(self, indicator_id: str, s: Subject, period: Period) -> bool:
        """Worse than target in ``period``; never when not appraised then or not applicable."""
        if not self.appraised_in(s, period):
            return False
        value = self.measurer.value(indicator_id, s, period)
        target = self.measurer.target(indicator_id, s, period)
        if value is None or target is None:
            return False
        if self.ruleset.indicator(indicator_id).direction is Direction.HIGHER:
            return value < target
        return value > target

    def appraised_in(self, s: Subject, period: Period) -> bool:
        """Whether the subject was employed (a person) or held (a client) in ``period``."""
        if s.kind is SubjectKind.PERSON:
            row = self.dataset.staff(s.subject_id)
            return row is not None and self.active(row["hired_on"], row["left_on"], period)
        row = self.dataset.customer(s.subject_id)
        return row is not None and self.active(row["acquired_on"], row["churned_on"], period)

    def worst_in_team(
        self, condition: WorstInTeam, subjects: list[Subject], results: Mapping[str, SubjectResult]
    ) -> set[str]:
        higher = True
        if condition.indicator is not None and condition.measure is ScoreMeasure.VALUE:
            direction = self.ruleset.indicator(condition.indicator).direction
            higher = direction is Direction.HIGHER
        teams: dict[str, dict[str, Decimal]] = {}
        for s in subjects:
            team = s.team if condition.team_by is TeamGrouping.TEAM_COLUMN else s.manager_id
            x = self.measure_of(condition.indicator, condition.measure, results[s.subject_id])
            if team is None or x is None:
                continue
            teams.setdefault(team, {})[s.subject_id] = x
        worst: set[str] = set()
        for members in teams.values():
            worst.update(k for k, _ in ranked(members, not higher, condition.k))
        return worst

    def plan_item(self, rule: ImprovementRule, s: Subject, r: SubjectResult) -> PlanItem:
        due = self.period.end - timedelta(days=1) + timedelta(days=rule.due_in_days)
        owner = self.owner(rule.owner, s)
        follow = rule.follow_up
        if follow is None:
            return PlanItem(rule.id, owner, due)
        indicator = self.ruleset.indicator(follow.indicator)
        goal: Decimal | None
        if follow.target is not None:
            goal = follow.target
        else:
            assert follow.improve_by is not None
            current = r.values.get(follow.indicator)
            if current is None:
                goal = None
            else:
                sign = 1 if indicator.direction is Direction.HIGHER else -1
                raw = current * (1 + sign * follow.improve_by)
                goal = effective_rounding(indicator, self.ruleset.settings).apply(raw)
        by = self.period.shift(follow.within_periods).code
        return PlanItem(rule.id, owner, due, follow.indicator, goal, by)

    def owner(self, owner: str, s: Subject) -> str | None:
        """self → the subject; manager → their manager (a client's owner); a role → the
        nearest superior with that role."""
        if owner == "self":
            return s.subject_id
        if owner == "manager":
            return s.manager_id
        seen: set[str] = set()
        current = s.manager_id
        while current is not None and current not in seen:
            seen.add(current)
            row = self.dataset.staff(current)
            if row is None:
                return None
            if row["role"] == owner:
                return current
            current = _text(row["manager_id"])
        return None


def _withhold(r: SubjectResult, amount: Decimal, rounding: Any) -> Decimal:
    return rounding.apply(Decimal(0)) if r.withheld else amount


def _replace(r: SubjectResult, **changes: Any) -> SubjectResult:
    return dataclasses.replace(r, **changes)


def _text(value: object) -> str | None:
    return None if value is None else str(value)
