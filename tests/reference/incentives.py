"""Incentives: bonus, step and marginal commission with accelerators, exact pools, awards.

Pools are divided with exact fractions: every subject first gets the whole
money quanta (cents) of its exact share, rounded down, and the cents left over
go one each to the largest remainders, ties by subject id.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

from appraisal.spec.enums import AcceleratorScope, CommissionSchedule
from appraisal.spec.models import BonusIncentive, CommissionIncentive, Rounding

ZERO = Decimal(0)


def bonus_amount(
    bonus: BonusIncentive, role: str | None, tier: str | None, rounding: Rounding
) -> Decimal:
    """base (by role, else default) × the tier's multiplier, capped, rounded."""
    base = bonus.base.by_role.get(role, bonus.base.default) if role else bonus.base.default
    if base is None or tier is None:
        return rounding.apply(ZERO)
    amount = base * bonus.multiplier_by_tier.get(tier, ZERO)
    if bonus.cap is not None:
        amount = min(amount, bonus.cap)
    return (bonus.rounding or rounding).apply(amount)


def _rate_at(commission: CommissionIncentive, amount: Decimal) -> Decimal:
    """The rate of the highest bracket whose min is ≤ amount (0 below every bracket)."""
    rate = ZERO
    for bracket in sorted(commission.brackets, key=lambda b: b.min):
        if bracket.min <= amount:
            rate = bracket.rate
    return rate


def _excess_multiplier(thresholds: Sequence[tuple[Decimal, Decimal]], at: Decimal) -> Decimal:
    """The multiplier of the highest excess threshold ≤ ``at`` (1 when none)."""
    multiplier = Decimal(1)
    for threshold, factor in sorted(thresholds):
        if threshold <= at:
            multiplier = factor
    return multiplier


def commission_amount(
    commission: CommissionIncentive,
    amount: Decimal | None,
    target: Decimal | None,
    rounding: Rounding,
) -> Decimal:
    """Commission on ``amount`` by brackets, accelerated above attainment thresholds.

    The amount is cut into slices at every bracket minimum (marginal) and every
    excess-accelerator threshold; each slice earns its rate (its own bracket's
    for marginal, the reached bracket's for step) times its multiplier.
    A whole-scope accelerator multiplies the sum once the amount reaches its
    threshold.
    """
    chosen = commission.rounding or rounding
    if amount is None or amount <= 0:
        return chosen.apply(ZERO)
    excess: list[tuple[Decimal, Decimal]] = []
    whole: list[tuple[Decimal, Decimal]] = []
    if target is not None:
        for accelerator in commission.accelerators:
            threshold = accelerator.from_attainment * target
            if accelerator.scope is AcceleratorScope.EXCESS:
                excess.append((threshold, accelerator.multiplier))
            else:
                whole.append((threshold, accelerator.multiplier))
    cuts = {ZERO, amount, *(t for t, _ in excess if ZERO < t < amount)}
    if commission.schedule is CommissionSchedule.MARGINAL:
        cuts |= {b.min for b in commission.brackets if ZERO < b.min < amount}
    step_rate = _rate_at(commission, amount)
    total = ZERO
    edges = sorted(cuts)
    for low, high in itertools.pairwise(edges):
        rate = (
            step_rate
            if commission.schedule is CommissionSchedule.STEP
            else _rate_at(commission, low)
        )
        total += (high - low) * rate * _excess_multiplier(excess, low)
    reached = [factor for threshold, factor in sorted(whole) if threshold <= amount]
    if reached:
        total *= reached[-1]
    if commission.cap is not None:
        total = min(total, commission.cap)
    return chosen.apply(total)


def allocate(
    amount: Decimal, weights: Mapping[str, Decimal], quantum: Decimal
) -> dict[str, Decimal]:
    """Split ``amount`` in proportion to ``weights``, exactly, in whole quanta.

    Largest remainder: floor of each exact share, then one quantum each to the
    largest remainders (ties by subject id) until the amount is used up.  When
    all weights are zero nothing is paid.
    """
    total_weight = sum((Fraction(w) for w in weights.values()), Fraction(0))
    if not weights or total_weight == 0:
        return {subject: ZERO * quantum for subject in weights}
    units = Fraction(amount) / Fraction(quantum)
    assert units.denominator == 1, f"pool {amount} is not a whole number of {quantum}"
    exact = {s: units * Fraction(w) / total_weight for s, w in weights.items()}
    floors = {s: share.numerator // share.denominator for s, share in exact.items()}
    left = int(units) - sum(floors.values())
    order = sorted(exact, key=lambda s: (-(exact[s] - floors[s]), s))
    for subject in order[:left]:
        floors[subject] += 1
    return {s: (Decimal(n) * quantum).quantize(quantum) for s, n in floors.items()}


def ranked(
    candidates: Mapping[str, Decimal], higher_is_better: bool, top: int
) -> list[tuple[str, int]]:
    """The best ``top`` subjects with their rank (1 = best); ties by subject id."""
    order = sorted(
        candidates, key=lambda s: ((-candidates[s]) if higher_is_better else candidates[s], s)
    )
    return [(s, k + 1) for k, s in enumerate(order[:top])]
