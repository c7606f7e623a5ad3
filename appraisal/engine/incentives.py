"""Incentives: bonus, commission, pools and awards, computed in SQL from the subject rows.

* **Bonus** = base (by role, else default) × the final tier's multiplier (0 for
  a tier without one), capped, rounded.  No base or no tier: 0.
* **Commission** on a money indicator's value: ``step`` pays the whole amount at
  the rate of the highest bracket reached, ``marginal`` each slice at its own
  bracket's rate.  An ``excess`` accelerator multiplies the commission earned
  above ``from_attainment × target`` (the highest threshold reached wins for a
  slice); a ``whole`` accelerator multiplies the whole commission once the
  amount reaches its threshold.  Without a target no accelerator applies; an
  amount ≤ 0 earns 0.  Then the cap, then rounding.
* **Pool**: the (rounded) pool is cut into money quanta (cents) and shared in
  proportion to the weights of the eligible subjects (final tier among
  ``eligible_tiers``, not withheld): each gets the whole quanta of its exact
  share, and the quanta left go one each to the largest remainders, ties by
  subject id.  The shares always add up to the pool; if every weight is 0
  nothing is paid.
* **Award**: the best ``top`` subjects by total (or an indicator, in its
  direction) among those at ``min_tier`` or better, per team or overall, ties
  by subject id.  Awards are not money and are never withheld.

A fired ``no_incentive`` gate pays 0 of bonus and commission and leaves the
subject out of pools.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import reduce
from typing import Any, assert_never

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from appraisal.engine import exact as x
from appraisal.engine.cardrun import CardRun
from appraisal.engine.exact import Fixed, Layer, integer
from appraisal.engine.operands import target_of
from appraisal.engine.run_tables import RUN_INCENTIVES
from appraisal.engine.tiers import at_least
from appraisal.spec.enums import (
    AcceleratorScope,
    AwardRankBy,
    CommissionSchedule,
    Direction,
    GroupScope,
    PoolAllocation,
)
from appraisal.spec.models import (
    Accelerator,
    AnyIncentive,
    AwardIncentive,
    BonusIncentive,
    CommissionIncentive,
    PoolIncentive,
    Rounding,
)

_COLUMNS = (
    "run_id",
    "scorecard_id",
    "subject_id",
    "incentive_id",
    "kind",
    "amount",
    "award_rank",
    "basis",
    "withheld",
)


def money_rounding(card: CardRun, incentive: AnyIncentive) -> Rounding:
    """The incentive's own rounding, else the rule set's money rounding."""
    own = None if isinstance(incentive, AwardIncentive) else incentive.rounding
    return own or card.ruleset.settings.money_rounding


def _insert(card: CardRun, select: sa.Select[Any]) -> None:
    t = RUN_INCENTIVES
    card.conn.execute(t.insert().from_select([t.c[c] for c in _COLUMNS], select))


def _subjects_with_scores(card: CardRun) -> tuple[Any, Any]:
    """This run's subject rows joined to the scored work table."""
    subjects, scored = card.subjects(), card.scored.table
    joined = subjects.join(scored, scored.c.subject_id == subjects.c.subject_id)
    return subjects, joined


def _paid(
    card: CardRun, incentive: AnyIncentive, layer: Layer, amount: Fixed, basis: Fixed
) -> None:
    """Insert bonus/commission rows: ``amount`` rounded, 0 when withheld."""
    rounding = money_rounding(card, incentive)
    withheld = layer.c("withheld")
    rounded = x.round_to(amount, rounding.places, rounding.mode)
    paid = x.case([(withheld == sa.true(), Fixed.const(0))], rounded)
    _insert(
        card,
        sa.select(
            card.run_literal(),
            card.card_literal(),
            layer.c("subject_id"),
            sa.literal(incentive.id),
            sa.literal(incentive.kind),
            paid.money(),
            sa.cast(sa.null(), sa.Integer()),
            basis.number(),
            withheld,
        ),
    )


# ── bonus ──────────────────────────────────────────────────────────────────────


def _by_code(
    column: ColumnElement[Any], values: dict[str, Decimal], default: Decimal | None
) -> Fixed:
    arms = [(column == code, Fixed.const(v)) for code, v in sorted(values.items())]
    otherwise = Fixed.const(default) if default is not None else Fixed.null()
    return x.case(arms, otherwise) if arms else otherwise


def pay_bonus(card: CardRun, bonus: BonusIncentive) -> None:
    """Base × tier multiplier, capped (see module docstring)."""
    subjects = card.subjects()
    cols = x.Columns()
    cols.plain(subjects.c.subject_id)
    cols.plain(subjects.c.incentives_withheld, "withheld")
    base = _by_code(subjects.c.role, dict(bonus.base.by_role), bonus.base.default)
    multiplier = _by_code(subjects.c.tier, dict(bonus.multiplier_by_tier), Decimal(0))
    cols.add("base", base)
    raw = x.case([(subjects.c.tier.is_(None), Fixed.const(0))], base * multiplier)
    cols.add("raw", x.case([(base.is_null(), Fixed.const(0))], raw))
    layer = cols.layer("bonus")
    amount = layer.fixed("raw")
    if bonus.cap is not None:
        amount = x.least(amount, Fixed.const(bonus.cap))
    _paid(card, bonus, layer, amount, layer.fixed("base"))


# ── commission ─────────────────────────────────────────────────────────────────


def _rate_at(brackets: Sequence[tuple[Decimal, Decimal]], amount: Fixed) -> Fixed:
    """The rate of the highest bracket whose min ≤ amount (0 below every bracket)."""
    arms = [(amount.ge(Fixed.const(low)), Fixed.const(rate)) for low, rate in reversed(brackets)]
    return x.case(arms, Fixed.const(0))


def _earned(
    schedule: CommissionSchedule,
    brackets: Sequence[tuple[Decimal, Decimal]],
    upto: Fixed,
    step_rate: Fixed,
) -> Fixed:
    """Commission on [0, upto) before accelerators (``upto`` ≥ 0)."""
    match schedule:
        case CommissionSchedule.STEP:
            return step_rate * upto
        case CommissionSchedule.MARGINAL:
            zero = Fixed.const(0)
            parts = []
            for k, (low, rate) in enumerate(brackets):
                above = x.greatest(upto - Fixed.const(low), zero)
                if k + 1 < len(brackets):
                    above = x.least(above, Fixed.const(brackets[k + 1][0] - low))
                parts.append(Fixed.const(rate) * above)
            return reduce(Fixed.__add__, parts)
        case _:
            assert_never(schedule)


def _order(accelerators: Sequence[Accelerator]) -> list[Accelerator]:
    """Lowest threshold first; of equal thresholds the larger multiplier later (it wins)."""
    return sorted(accelerators, key=lambda a: (a.from_attainment, a.multiplier))


def _flat_multiplier(accelerators: Sequence[Accelerator], target: Fixed) -> Fixed:
    """With a target ≤ 0 every threshold is ≤ 0: the last of them by threshold wins."""
    if not accelerators:
        return Fixed.const(1)
    at_zero = max(a.multiplier for a in accelerators)
    lowest = min(a.from_attainment for a in accelerators)
    at_negative = max(a.multiplier for a in accelerators if a.from_attainment == lowest)
    return x.case([(target.eq(Fixed.const(0)), Fixed.const(at_zero))], Fixed.const(at_negative))


def _whole_multiplier(accelerators: Sequence[Accelerator], amount: Fixed, target: Fixed) -> Fixed:
    arms = [
        (amount.ge(Fixed.const(a.from_attainment) * target), Fixed.const(a.multiplier))
        for a in reversed(_order(accelerators))
    ]
    reached = x.case(arms, Fixed.const(1)) if arms else Fixed.const(1)
    positive = target.gt(Fixed.const(0))
    return x.case(
        [(target.is_null(), Fixed.const(1)), (positive, reached)],
        _flat_multiplier(accelerators, target),
    )


def _commission_inputs(card: CardRun, commission: CommissionIncentive) -> Layer:
    subjects, frame = card.subjects(), card.frame.table
    indicator = card.ruleset.indicator(commission.indicator)
    cols = x.Columns()
    cols.plain(subjects.c.subject_id)
    cols.plain(subjects.c.incentives_withheld, "withheld")
    amount = card.value(commission.indicator)
    cols.add("amount", amount)
    cols.add(
        "upto", x.case([(amount.is_null(), Fixed.const(0))], x.greatest(amount, Fixed.const(0)))
    )
    target = target_of(card.frame, indicator, card.dialect)
    cols.add("target", target)
    for j, accelerator in enumerate(_order(_excess(commission))):
        threshold = x.greatest(Fixed.const(accelerator.from_attainment) * target, Fixed.const(0))
        cols.add(f"y{j}", x.case([(target.is_null(), Fixed.null())], threshold))
    source = subjects.join(frame, frame.c.subject_id == subjects.c.subject_id)
    return Layer(
        sa.select(*cols.columns).select_from(source).subquery("commission_in"), dict(cols.scales)
    )


def _excess(commission: CommissionIncentive) -> list[Accelerator]:
    return [a for a in commission.accelerators if a.scope is AcceleratorScope.EXCESS]


def _whole(commission: CommissionIncentive) -> list[Accelerator]:
    return [a for a in commission.accelerators if a.scope is AcceleratorScope.WHOLE]


def pay_commission(card: CardRun, commission: CommissionIncentive) -> None:
    """Brackets, accelerators, cap (see module docstring)."""
    brackets = sorted((b.min, b.rate) for b in commission.brackets)
    inputs = _commission_inputs(card, commission)
    upto = inputs.fixed("upto")
    step_rate = _rate_at(brackets, upto)
    cols = x.Columns()
    cols.keep(inputs)
    cols.add("step_rate", step_rate)
    layer = cols.layer("commission_rate")
    rate = layer.fixed("step_rate")
    upto = layer.fixed("upto")
    earned = x.Columns()
    earned.keep(layer)
    full = _earned(commission.schedule, brackets, upto, rate)
    earned.add("full", full)
    excess = _order(_excess(commission))
    for j, _a in enumerate(excess):
        below = x.least(layer.fixed(f"y{j}"), upto)
        earned.add(f"below{j}", _earned(commission.schedule, brackets, below, rate))
    sums = earned.layer("commission_earned")
    total = sums.fixed("full")
    previous = Decimal(1)
    positive = sums.fixed("target").gt(Fixed.const(0))
    for j, accelerator in enumerate(excess):
        step = Fixed.const(accelerator.multiplier - previous)
        gained = sums.fixed("full") - sums.fixed(f"below{j}")
        total = total + x.case([(positive, step * gained)], Fixed.const(0))
        previous = accelerator.multiplier
    flat = _flat_multiplier(excess, sums.fixed("target"))
    nonpositive = sums.fixed("target").le(Fixed.const(0))
    total = x.case([(nonpositive, sums.fixed("full") * flat)], total)
    total = total * _whole_multiplier(
        _whole(commission), sums.fixed("amount"), sums.fixed("target")
    )
    final = x.Columns()
    final.plain(sums.c("subject_id"))
    final.plain(sums.c("withheld"))
    final.add("amount", sums.fixed("amount"))
    final.add("raw", total)
    out = final.layer("commission")
    amount = out.fixed("raw")
    if commission.cap is not None:
        amount = x.least(amount, Fixed.const(commission.cap))
    basis = out.fixed("amount")
    _paid(card, commission, out, amount, basis)


# ── pool ───────────────────────────────────────────────────────────────────────


def _pool_weight(card: CardRun, pool: PoolIncentive, subjects: Any) -> Fixed:
    match pool.allocation:
        case PoolAllocation.BY_SCORE:
            return card.scored.layout.total(card.scored.table)
        case PoolAllocation.BY_POINTS:
            return _by_code(subjects.c.tier, dict(pool.points_by_tier), Decimal(0))
        case PoolAllocation.EQUAL:
            return Fixed.const(1)
        case _:
            assert_never(pool.allocation)


def _group(scope: GroupScope, team: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    match scope:
        case GroupScope.ALL:
            return []
        case GroupScope.TEAM:
            return [team]
        case _:
            assert_never(scope)


def pay_pool(card: CardRun, pool: PoolIncentive) -> None:
    """Exact largest-remainder allocation in money quanta (see module docstring)."""
    rounding = money_rounding(card, pool)
    units = Fixed.const(int(rounding.apply(pool.amount).scaleb(rounding.places)))
    subjects, joined = _subjects_with_scores(card)
    tier, weight = subjects.c.tier, _pool_weight(card, pool, subjects)
    eligible = [
        tier.is_not(None),
        subjects.c.incentives_withheld == sa.false(),
        weight.is_not_null(),
    ]
    if pool.eligible_tiers:
        eligible.append(tier.in_(pool.eligible_tiers))
    inner = x.Columns()
    inner.plain(subjects.c.subject_id)
    inner.plain(subjects.c.team)
    inner.add("w", weight)
    base = Layer(
        sa.select(*inner.columns).select_from(joined).where(*eligible).subquery("pool_in"),
        dict(inner.scales),
    )
    group = _group(pool.per, base.c("team"))
    w = base.fixed("w")
    total_w = Fixed(sa.func.sum(w.sql).over(partition_by=group), w.scale)
    shares = x.Columns()
    shares.plain(base.c("subject_id"))
    shares.plain(base.c("team"))
    shares.add("w", w)
    shares.add("tw", total_w)
    summed = shares.layer("pool_weights")
    exact_units = units * summed.fixed("w")
    tw = summed.fixed("tw")
    floor = Fixed(x.IntDiv(exact_units.sql, sa.func.nullif(tw.at(exact_units.scale).sql, 0)), 0)
    parts = x.Columns()
    parts.keep(summed)
    parts.add("fl", floor)
    floors = parts.layer("pool_floors")
    fl = floors.fixed("fl")
    exact_units = units * floors.fixed("w")
    remainder = exact_units - fl * floors.fixed("tw")
    group = _group(pool.per, floors.c("team"))
    left = units - Fixed(sa.func.sum(fl.sql).over(partition_by=group), 0)
    order = sa.func.row_number().over(
        partition_by=group, order_by=[remainder.sql.desc(), x.code_point(floors.c("subject_id"))]
    )
    ranked = x.Columns()
    ranked.plain(floors.c("subject_id"))
    ranked.add("w", floors.fixed("w"))
    ranked.add("fl", fl)
    ranked.add("left", left)
    ranked.plain(order, "rn")
    ranks = ranked.layer("pool_ranks")
    extra = x.case([(ranks.c("rn") <= ranks.fixed("left").sql, Fixed.const(1))], Fixed.const(0))
    share = Fixed((ranks.fixed("fl") + extra).sql, rounding.places)
    outcome = sa.select(
        ranks.c("subject_id"), share.label("units"), ranks.fixed("w").label("w")
    ).subquery("pool_out")
    paid = Fixed(sa.func.coalesce(outcome.c.units, integer(0)), rounding.places)
    _insert(
        card,
        sa.select(
            card.run_literal(),
            card.card_literal(),
            subjects.c.subject_id,
            sa.literal(pool.id),
            sa.literal(pool.kind),
            paid.money(),
            sa.cast(sa.null(), sa.Integer()),
            Fixed(outcome.c.w, w.scale).number(),
            subjects.c.incentives_withheld,
        ).select_from(subjects.outerjoin(outcome, outcome.c.subject_id == subjects.c.subject_id)),
    )


# ── award ──────────────────────────────────────────────────────────────────────


def pay_award(card: CardRun, award: AwardIncentive) -> None:
    """The best ``top`` per group; ties by subject id."""
    subjects, joined = _subjects_with_scores(card)
    frame = card.frame.table
    higher = True
    match award.rank_by:
        case AwardRankBy.TOTAL:
            metric = card.scored.layout.total(card.scored.table)
        case AwardRankBy.INDICATOR:
            assert award.indicator is not None
            metric = card.value(award.indicator)
            higher = card.ruleset.indicator(award.indicator).direction is Direction.HIGHER
        case _:
            assert_never(award.rank_by)
    conditions = [metric.is_not_null()]
    if award.min_tier is not None:
        table = card.ruleset.tier_table(card.scorecard.tiers)
        conditions.append(at_least(table, subjects.c.tier, award.min_tier))
    key = metric.sql.desc() if higher else metric.sql.asc()
    rank = sa.func.row_number().over(
        partition_by=_group(award.per, subjects.c.team),
        order_by=[key, x.code_point(subjects.c.subject_id)],
    )
    cols = x.Columns()
    cols.plain(subjects.c.subject_id)
    cols.add("metric", metric)
    cols.plain(rank, "rn")
    source = joined.join(frame, frame.c.subject_id == subjects.c.subject_id)
    ranked = Layer(
        sa.select(*cols.columns).select_from(source).where(*conditions).subquery("award_rank"),
        dict(cols.scales),
    )
    _insert(
        card,
        sa.select(
            card.run_literal(),
            card.card_literal(),
            ranked.c("subject_id"),
            sa.literal(award.id),
            sa.literal(award.kind),
            sa.cast(sa.null(), RUN_INCENTIVES.c.amount.type),
            ranked.c("rn"),
            ranked.fixed("metric").number(),
            sa.false(),
        ).where(ranked.c("rn") <= award.top),
    )


def pay_incentives(card: CardRun) -> None:
    """Every incentive of the scorecard, in declaration order."""
    for incentive in card.scorecard.incentives:
        match incentive:
            case BonusIncentive():
                pay_bonus(card, incentive)
            case CommissionIncentive():
                pay_commission(card, incentive)
            case PoolIncentive():
                pay_pool(card, incentive)
            case AwardIncentive():
                pay_award(card, incentive)
            case _:
                assert_never(incentive)
