"""Why an item scored what it did: inputs → the step of the rule taken → points.

The numbers come from the stored run (computed in SQL); this module only puts
them into words next to the rule's own numbers, so what ``explain`` prints is
exactly what was stored and paid from.  Use :func:`score_lines` with a result,
or :func:`stored_score_lines` with any stored run (clients included).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import assert_never

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from appraisal.audit.canonical import decimal_text
from appraisal.engine.results import EvaluationResult, Formats, ItemResult, item_results
from appraisal.engine.run_tables import RUN_ITEMS
from appraisal.engine.score import Step, needs_target
from appraisal.spec.enums import Basis, Boundaries, Direction
from appraisal.spec.models import (
    AnyScoring,
    AttainmentScoring,
    BandsScoring,
    DirectScoring,
    LinearScoring,
    PassFailScoring,
    RatingIndicator,
    RatingScale,
    RuleSet,
    ScaleScoring,
    Scorecard,
    ScorecardItem,
)

ScoreLines = Callable[[str, str], Sequence[str]]
"""(subject id, indicator id) → the lines explaining that item's score."""


@dataclass(frozen=True)
class ItemBreakdown:
    """One item's score explained: inputs → rule → step → points."""

    indicator: str
    inputs: tuple[tuple[str, str], ...]
    """(name, value) pairs: value, target, attainment."""
    rule: str
    """The scoring rule with its numbers."""
    step: str
    """The part of the rule that applied."""
    points: str
    weighting: str
    """Weight (and reweighting) and the contribution to the total."""

    def lines(self) -> tuple[str, ...]:
        """Plain-text lines for a trace."""
        given = ", ".join(f"{name} {value}" for name, value in self.inputs)
        return (
            f"inputs: {given}",
            f"rule: {self.rule}",
            f"step: {self.step}",
            f"points: {self.points}; {self.weighting}",
        )


def _n(value: Decimal | None) -> str:
    """A stored number as stored (its places kept), or n/a."""
    return "n/a" if value is None else format(value, "f")


def _at(basis: Basis, value: Decimal) -> str:
    match basis:
        case Basis.OF_TARGET:
            return f"{decimal_text(value * 100)}% of target"
        case Basis.ABSOLUTE:
            return decimal_text(value)
        case _:
            assert_never(basis)


def _linear(s: LinearScoring) -> str:
    points = [("threshold", s.threshold), ("target", s.target)]
    if s.stretch is not None:
        points.append(("stretch", s.stretch))
    parts = [f"{name} {_at(s.basis, p.at)} → {decimal_text(p.score)}" for name, p in points]
    cap = f", cap {decimal_text(s.cap)}" if s.cap is not None else ""
    below = f", below threshold {decimal_text(s.below_threshold)}"
    return "linear: " + ", ".join(parts) + below + cap


def _band(
    b_min: Decimal | None, b_max: Decimal | None, boundaries: Boundaries, basis: Basis
) -> str:
    """``[80%, 90%)``-style band text; open ends are ``−∞`` and ``∞``."""
    match boundaries:
        case Boundaries.LOWER_INCLUSIVE:
            left, right = "[", ")"
        case Boundaries.UPPER_INCLUSIVE:
            left, right = "(", "]"
        case _:
            assert_never(boundaries)
    low = "(−∞" if b_min is None else f"{left}{_at(basis, b_min)}"
    high = "∞)" if b_max is None else f"{_at(basis, b_max)}{right}"
    return f"{low}, {high}"


def rule_text(scoring: AnyScoring, scale: RatingScale | None = None) -> str:
    """The scoring rule in words, with its numbers."""
    match scoring:
        case LinearScoring():
            return _linear(scoring)
        case AttainmentScoring():
            return (
                f"attainment × 100 within [{decimal_text(scoring.floor)}, "
                f"{decimal_text(scoring.cap)}]"
            )
        case BandsScoring():
            shown = [
                (_band(b.min, b.max, scoring.boundaries, scoring.basis), decimal_text(b.score))
                for b in scoring.bands
            ]
            bands = "; ".join(f"{band} → {points}" for band, points in shown)
            return f"bands: {bands}"
        case PassFailScoring():
            return (
                f"pass at {_at(scoring.basis, scoring.threshold)} → "
                f"{decimal_text(scoring.pass_score)}, else {decimal_text(scoring.fail_score)}"
            )
        case ScaleScoring():
            s = scale or RatingScale()
            return f"rating on {decimal_text(s.min)}–{decimal_text(s.max)}, {scoring.mapping.value}"
        case DirectScoring():
            low, high = decimal_text(scoring.floor), decimal_text(scoring.cap)
            return f"points as given within [{low}, {high}]"
        case _:
            assert_never(scoring)


_STEPS: dict[str, str] = {
    Step.NOT_APPLICABLE: "not applicable (no value or no target)",
    Step.ZERO_TARGET: "target is 0: scores 0 as declared",
    Step.BELOW_THRESHOLD: "worse than the threshold",
    Step.THRESHOLD_TO_TARGET: "between threshold and target, linear",
    Step.TARGET_TO_STRETCH: "between target and stretch, linear",
    Step.BEYOND_TARGET: "at or beyond the target: the target's score",
    Step.BEYOND_STRETCH: "beyond the stretch point: the stretch score",
    Step.RATIO: "value / target × 100",
    Step.ZERO_ACTUAL: "actual 0 on a lower-is-better indicator: the cap",
    Step.NO_BAND: "in no band",
    Step.PASS: "threshold reached: pass",
    Step.FAIL: "threshold not reached: fail",
    Step.PROPORTIONAL: "rating / max × 100",
    Step.LINEAR: "(rating − min) / (max − min) × 100",
    Step.DIRECT: "the value is the points",
    Step.CAPPED: "capped",
    Step.FLOORED: "raised to the floor",
}


def step_text(step: str, scoring: AnyScoring) -> str:
    """A step code in words (bands name the band)."""
    if step.startswith("band_") and isinstance(scoring, BandsScoring):
        band = scoring.bands[int(step.removeprefix("band_")) - 1]
        return f"in band {_band(band.min, band.max, scoring.boundaries, scoring.basis)}"
    return _STEPS.get(step, step)


def breakdown(ruleset: RuleSet, spec: ScorecardItem, item: ItemResult) -> ItemBreakdown:
    """One stored item result explained against its rule."""
    indicator = ruleset.indicator(spec.indicator)
    scale = indicator.scale if isinstance(indicator, RatingIndicator) else None
    inputs = [("value", _n(item.value))]
    if needs_target(spec.scoring) or item.target is not None:
        inputs.append(("target", "n/a" if item.target is None else decimal_text(item.target)))
    if item.attainment is not None:
        inputs.append(("attainment", _n(item.attainment)))
    direction = "lower is better" if indicator.direction is Direction.LOWER else "higher is better"
    weighting = f"weight {decimal_text(item.weight)}"
    if item.effective_weight is not None and item.effective_weight != item.weight:
        weighting += f" (reweighted to {_n(item.effective_weight)})"
    if item.contribution is not None:
        weighting += f", contributes {_n(item.contribution)} to the total"
    return ItemBreakdown(
        indicator=item.indicator,
        inputs=tuple(inputs),
        rule=f"{rule_text(spec.scoring, scale)} ({direction})",
        step=step_text(item.step, spec.scoring),
        points=_n(item.score),
        weighting=weighting,
    )


def _item_rule(card: Scorecard, position: int) -> ScorecardItem:
    return [i for s in card.sections for i in s.items][position]


def score_lines(result: EvaluationResult, ruleset: RuleSet) -> ScoreLines:
    """Lines for items of the subjects held in a result (persons and teams)."""

    def lines(subject_id: str, indicator_id: str) -> Sequence[str]:
        for card, card_result in zip(ruleset.scorecards, result.scorecards, strict=True):
            for subject in card_result.subjects:
                if subject.subject_id != subject_id:
                    continue
                for item in subject.items:
                    if item.indicator == indicator_id:
                        return breakdown(ruleset, _item_rule(card, item.position), item).lines()
        return ()

    return lines


def stored_score_lines(conn: Connection, run_id: str, ruleset: RuleSet) -> ScoreLines:
    """Lines for any subject of a stored run, read from ``run_item_results`` on demand."""

    def lines(subject_id: str, indicator_id: str) -> Sequence[str]:
        t = RUN_ITEMS
        rows = conn.execute(
            sa.select(t).where(
                t.c.run_id == run_id, t.c.subject_id == subject_id, t.c.indicator_id == indicator_id
            )
        ).all()
        out: list[str] = []
        for row in rows:
            card = next(c for c in ruleset.scorecards if c.id == row.scorecard_id)
            (item,) = item_results([row], Formats(ruleset))[subject_id]
            out.extend(breakdown(ruleset, _item_rule(card, item.position), item).lines())
        return out

    return lines


__all__ = [
    "ItemBreakdown",
    "ScoreLines",
    "breakdown",
    "rule_text",
    "score_lines",
    "step_text",
    "stored_score_lines",
]
