"""Item scores, section scores, totals and tiers: pure functions over Decimals.

Each scoring method follows its model docstring word for word; these functions
are also what the property tests exercise.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import assert_never

from appraisal.spec.enums import (
    Basis,
    Boundaries,
    Direction,
    ItemNotApplicable,
    Missing,
    ScaleMapping,
)
from appraisal.spec.models import (
    AnyScoring,
    AttainmentScoring,
    BandsScoring,
    DirectScoring,
    LinearScoring,
    PassFailScoring,
    RatingScale,
    ScaleScoring,
    ScoreBand,
    ScoringPoint,
    TierTable,
)

from .exprs import divide

HUNDRED = Decimal(100)
ZERO = Decimal(0)


def better(direction: Direction, a: Decimal, b: Decimal) -> bool:
    """True when ``a`` is strictly better than ``b``."""
    if direction is Direction.HIGHER:
        return a > b
    if direction is Direction.LOWER:
        return a < b
    assert_never(direction)


def linear_score(scoring: LinearScoring, direction: Direction, x: Decimal) -> Decimal:
    """Threshold → target → stretch, linear between points, flat beyond the last, capped."""
    points: list[ScoringPoint] = [scoring.threshold, scoring.target]
    if scoring.stretch is not None:
        points.append(scoring.stretch)
    top = points[-1].score
    cap = scoring.cap if scoring.cap is not None else top
    if better(direction, points[0].at, x):
        return min(scoring.below_threshold, cap)
    result = top
    for p, q in itertools.pairwise(points):
        if not better(direction, x, q.at):
            result = p.score + divide((x - p.at) * (q.score - p.score), q.at - p.at)
            break
    return min(result, cap)


def attainment_score(
    scoring: AttainmentScoring, direction: Direction, value: Decimal, target: Decimal
) -> Decimal:
    """actual / target × 100 (target / actual when lower is better), within [floor, cap]."""
    if direction is Direction.HIGHER:
        raw = divide(value * HUNDRED, target)
    elif value == 0:
        raw = scoring.cap
    else:
        raw = divide(target * HUNDRED, value)
    return max(scoring.floor, min(scoring.cap, raw))


def in_band(low: Decimal | None, high: Decimal | None, y: Decimal, boundaries: Boundaries) -> bool:
    """Whether y lies in [low, high) (lower_inclusive) or (low, high] (upper_inclusive)."""
    if boundaries is Boundaries.LOWER_INCLUSIVE:
        return (low is None or low <= y) and (high is None or y < high)
    if boundaries is Boundaries.UPPER_INCLUSIVE:
        return (low is None or low < y) and (high is None or y <= high)
    assert_never(boundaries)


def band_score(bands: Sequence[ScoreBand], boundaries: Boundaries, y: Decimal) -> Decimal:
    """The score of the (single) band holding y."""
    found = [b.score for b in bands if in_band(b.min, b.max, y, boundaries)]
    assert len(found) == 1, f"{y} lies in {len(found)} bands"
    return found[0]


def pass_fail_score(scoring: PassFailScoring, direction: Direction, y: Decimal) -> Decimal:
    """Reaching the threshold (≥ higher, ≤ lower) passes."""
    reached = y == scoring.threshold or better(direction, y, scoring.threshold)
    return scoring.pass_score if reached else scoring.fail_score


def scale_score(scoring: ScaleScoring, scale: RatingScale, value: Decimal) -> Decimal:
    """A rating on its scale as 0–100 points."""
    mapping = scoring.mapping
    if mapping is ScaleMapping.PROPORTIONAL:
        return divide(value * HUNDRED, scale.max)
    if mapping is ScaleMapping.LINEAR:
        return divide((value - scale.min) * HUNDRED, scale.max - scale.min)
    assert_never(mapping)


def item_score(
    scoring: AnyScoring,
    direction: Direction,
    value: Decimal | None,
    target: Decimal | None,
    scale: RatingScale | None = None,
) -> Decimal | None:
    """An item's unrounded score; None when it is not applicable."""
    if value is None:
        return None
    if isinstance(scoring, ScaleScoring):
        assert scale is not None, "scale scoring needs the rating's scale"
        return scale_score(scoring, scale, value)
    if isinstance(scoring, DirectScoring):
        return max(scoring.floor, min(scoring.cap, value))
    if scoring.basis is Basis.OF_TARGET:
        if target is None:
            return None
        if target == 0:
            return ZERO if scoring.on_zero_target is Missing.ZERO else None
        if isinstance(scoring, AttainmentScoring):
            return attainment_score(scoring, direction, value, target)
        y = divide(value, target)
    else:
        y = value
    if isinstance(scoring, LinearScoring):
        return linear_score(scoring, direction, y)
    if isinstance(scoring, BandsScoring):
        return band_score(scoring.bands, scoring.boundaries, y)
    if isinstance(scoring, PassFailScoring):
        return pass_fail_score(scoring, direction, y)
    raise AssertionError(f"attainment scoring has basis of_target only: {scoring!r}")


@dataclass(frozen=True)
class WeightedScore:
    """One item as the section sees it."""

    weight: Decimal
    score: Decimal | None
    if_not_applicable: ItemNotApplicable = ItemNotApplicable.REWEIGHT


def section_score(items: Sequence[WeightedScore]) -> Decimal | None:
    """Σ weight × score / Σ weight over the items that count (None: none count).

    A not-applicable item counts as 0 points with ``zero`` and is left out with
    ``reweight`` (the remaining weights are scaled up to 100).
    """
    counted: list[tuple[Decimal, Decimal]] = []
    for item in items:
        if item.score is not None:
            counted.append((item.weight, item.score))
        elif item.if_not_applicable is ItemNotApplicable.ZERO:
            counted.append((item.weight, ZERO))
    if not counted:
        return None
    total_weight = sum((w for w, _ in counted), ZERO)
    return divide(sum((w * s for w, s in counted), ZERO), total_weight)


def weighted_total(sections: Sequence[tuple[Decimal, Decimal | None]]) -> Decimal | None:
    """Σ share × section score / Σ share over sections with a score (None: no section has one)."""
    counted = [(share, score) for share, score in sections if score is not None]
    if not counted:
        return None
    total_share = sum((share for share, _ in counted), ZERO)
    return divide(sum((share * score for share, score in counted), ZERO), total_share)


def tier_of(table: TierTable, total: Decimal) -> str:
    """The code of the one band holding the total."""
    found = [b.code for b in table.bands if in_band(b.min, b.max, total, table.boundaries)]
    assert len(found) == 1, f"total {total} lies in {len(found)} tiers of {table.id}"
    return found[0]


def cap_tier(table: TierTable, tier: str, caps: Sequence[str]) -> str:
    """The tier, lowered to the worst of the caps of the gates that fired."""
    order = [b.code for b in table.ascending()]
    rank = order.index(tier)
    for cap in caps:
        rank = min(rank, order.index(cap))
    return order[rank]


def tier_at_least(table: TierTable, tier: str, minimum: str) -> bool:
    """Whether ``tier`` is ``minimum`` or better."""
    order = [b.code for b in table.ascending()]
    return order.index(tier) >= order.index(minimum)
