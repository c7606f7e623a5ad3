"""Item scores, section scores and totals: SQL over a values frame.

Every scoring method becomes a ``CASE`` over the frame's columns; the result is
a work table with one row per subject holding, per item, the value, target,
the step of the scoring rule taken (:class:`Step`), the score, the effective
weight and the contribution to the total, and per section its score.

Semantics (see :mod:`appraisal.spec.models`):

* Item scores are rounded with ``settings.score_rounding``; a cap or floor is
  applied to the exact score before rounding.
* Basis ``of_target`` compares the ratio value / target, the target read at
  its own places (a count's target of 2.5 stays 2.5); a target of 0 follows
  ``on_zero_target``, a missing value or target makes the item not applicable.
* A section's score is Σ weight × score / Σ weight over the items that count
  (``zero`` items count with 0 points, ``reweight`` items are left out); the
  total is Σ share × section score / Σ share over sections with a score,
  computed exactly from the rounded item scores and rounded once.  Section
  scores, effective weights and contributions are shown rounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import reduce
from typing import Any, assert_never

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from appraisal.engine import exact as x
from appraisal.engine.exact import Fixed, Layer
from appraisal.engine.frame import ValuesFrame
from appraisal.engine.operands import target_of, value_of
from appraisal.engine.work import create_work_table, work_name
from appraisal.spec.enums import (
    Basis,
    Boundaries,
    Direction,
    ItemNotApplicable,
    Missing,
    RoundingMode,
    ScaleMapping,
)
from appraisal.spec.models import (
    AnyIndicator,
    AnyScoring,
    AttainmentScoring,
    BandsScoring,
    DirectScoring,
    LinearScoring,
    PassFailScoring,
    RatingIndicator,
    RatingScale,
    Rounding,
    RuleSet,
    ScaleScoring,
    ScoreBand,
    Scorecard,
    ScorecardItem,
    Section,
    Settings,
)

ATTAINMENT_ROUNDING = Rounding(places=4, mode=RoundingMode.HALF_UP)
"""How the shown attainment (value / target) is rounded: 0.9123 is 91.23 %."""

HUNDRED = Decimal(100)


class Step(StrEnum):
    """Which part of an item's scoring rule gave its points (shown by ``explain``).

    Bands are ``band_1``, ``band_2``... in declared order (see :func:`band_step`).
    """

    NOT_APPLICABLE = "not_applicable"
    ZERO_TARGET = "zero_target"
    BELOW_THRESHOLD = "below_threshold"
    THRESHOLD_TO_TARGET = "threshold_to_target"
    TARGET_TO_STRETCH = "target_to_stretch"
    BEYOND_TARGET = "beyond_target"
    BEYOND_STRETCH = "beyond_stretch"
    RATIO = "ratio"
    ZERO_ACTUAL = "zero_actual"
    NO_BAND = "no_band"
    PASS = "pass"
    FAIL = "fail"
    PROPORTIONAL = "proportional"
    LINEAR = "linear"
    DIRECT = "direct"
    CAPPED = "capped"
    FLOORED = "floored"


UNSCORED = (Step.NOT_APPLICABLE.value, Step.NO_BAND.value)
"""Steps that leave an item without points (``if_not_applicable`` decides)."""


def band_step(index: int) -> str:
    """The step of the band at 0-based ``index``: ``band_1`` is the first declared."""
    return f"band_{index + 1}"


@dataclass(frozen=True)
class ItemSpec:
    """One scorecard item with its place: position over the scorecard, section."""

    position: int
    section_index: int
    section: Section
    item: ScorecardItem
    indicator: AnyIndicator


def item_specs(ruleset: RuleSet, scorecard: Scorecard) -> tuple[ItemSpec, ...]:
    """The scorecard's items in order (positions count across sections)."""
    specs: list[ItemSpec] = []
    for j, section in enumerate(scorecard.sections):
        for item in section.items:
            indicator = ruleset.indicator(item.indicator)
            specs.append(ItemSpec(len(specs), j, section, item, indicator))
    return tuple(specs)


def needs_target(scoring: AnyScoring) -> bool:
    """True when the method compares with the target."""
    if isinstance(scoring, ScaleScoring | DirectScoring):
        return False
    return scoring.basis is Basis.OF_TARGET


@dataclass(frozen=True)
class ScoreLayout:
    """Where the scored work table keeps what, and at which scale."""

    scorecard: Scorecard
    items: tuple[ItemSpec, ...]
    value_scales: tuple[int, ...]
    target_scales: tuple[int | None, ...]
    """None: the item's indicator has no target column in the frame."""
    score_places: int
    scales: dict[str, int]
    """Scale of every Fixed column of the work table."""

    def fixed(self, table: sa.Table, name: str) -> Fixed:
        """A Fixed column of the work table (``v3``, ``s3``, ``ss0``, ``total``...)."""
        return Fixed(table.c[name], self.scales[name])

    def value(self, table: sa.Table, position: int) -> Fixed:
        """An item's value."""
        return self.fixed(table, f"v{position}")

    def target(self, table: sa.Table, position: int) -> Fixed:
        """An item's target (NULL when the item compares with none)."""
        name = f"t{position}"
        return self.fixed(table, name) if name in self.scales else Fixed.null()

    def score(self, table: sa.Table, position: int) -> Fixed:
        """An item's score (NULL: not applicable and left out)."""
        return self.fixed(table, f"s{position}")

    def total(self, table: sa.Table) -> Fixed:
        """The scorecard total (NULL: nothing applicable)."""
        return self.fixed(table, "total")

    def position_of(self, indicator_id: str) -> int | None:
        """The first item scoring an indicator, if any."""
        return next((s.position for s in self.items if s.indicator.id == indicator_id), None)


@dataclass(frozen=True)
class Scored:
    """A scorecard's scored work table and its layout."""

    table: sa.Table
    layout: ScoreLayout


# ── one item: the rational score before rounding ─────────────────────────────


@dataclass(frozen=True)
class Ratio:
    """The compared quantity as ``num / den`` with ``den > 0``."""

    num: Fixed
    den: Fixed

    def ge(self, c: Decimal) -> ColumnElement[bool]:
        """``ratio >= c``."""
        return self.num.ge(Fixed.const(c) * self.den)

    def gt(self, c: Decimal) -> ColumnElement[bool]:
        """``ratio > c``."""
        return self.num.gt(Fixed.const(c) * self.den)

    def le(self, c: Decimal) -> ColumnElement[bool]:
        """``ratio <= c``."""
        return self.num.le(Fixed.const(c) * self.den)

    def lt(self, c: Decimal) -> ColumnElement[bool]:
        """``ratio < c``."""
        return self.num.lt(Fixed.const(c) * self.den)


@dataclass(frozen=True)
class Branch:
    """One outcome of an item's scoring: the step and the score ``num / den`` (den > 0)."""

    step: str
    num: Fixed
    den: Fixed


def constant(step: str, score: Decimal) -> Branch:
    """A fixed number of points."""
    return Branch(step, Fixed.const(score), Fixed.const(1))


def _positive(value: Fixed) -> ColumnElement[bool]:
    return value.gt(Fixed.const(0))


def _abs(value: Fixed) -> Fixed:
    return x.case([(value.lt(Fixed.const(0)), -value)], value)


def basis_ratio(basis: Basis, value: Fixed, target: Fixed) -> Ratio:
    """value / target (sign moved to the numerator), or the value itself."""
    match basis:
        case Basis.OF_TARGET:
            num = x.case([(target.lt(Fixed.const(0)), -value)], value)
            return Ratio(num, _abs(target))
        case Basis.ABSOLUTE:
            return Ratio(value, Fixed.const(1))
        case _:
            assert_never(basis)


def _better(direction: Direction, ratio: Ratio, at: Decimal) -> ColumnElement[bool]:
    """The compared quantity is strictly better than ``at``."""
    match direction:
        case Direction.HIGHER:
            return ratio.gt(at)
        case Direction.LOWER:
            return ratio.lt(at)
        case _:
            assert_never(direction)


def _worse(direction: Direction, ratio: Ratio, at: Decimal) -> ColumnElement[bool]:
    """The compared quantity is strictly worse than ``at``."""
    match direction:
        case Direction.HIGHER:
            return ratio.lt(at)
        case Direction.LOWER:
            return ratio.gt(at)
        case _:
            assert_never(direction)


def _segment(step: str, p: tuple[Decimal, Decimal], q: tuple[Decimal, Decimal], r: Ratio) -> Branch:
    """p.score + (x − p.at) × (q.score − p.score) / (q.at − p.at), as one fraction."""
    (p_at, p_score), (q_at, q_score) = p, q
    delta = q_at - p_at
    if delta == 0:
        return constant(step, q_score)
    num = Fixed.const(p_score * delta) * r.den + (r.num - Fixed.const(p_at) * r.den) * Fixed.const(
        q_score - p_score
    )
    den = Fixed.const(abs(delta)) * r.den
    return Branch(step, num if delta > 0 else -num, den)


def linear_branches(
    scoring: LinearScoring, direction: Direction, r: Ratio
) -> list[tuple[ColumnElement[bool], Branch]]:
    """Below threshold, each segment up to the last point, flat beyond it."""
    points = [
        (scoring.threshold.at, scoring.threshold.score),
        (scoring.target.at, scoring.target.score),
    ]
    steps = [Step.THRESHOLD_TO_TARGET.value]
    if scoring.stretch is not None:
        points.append((scoring.stretch.at, scoring.stretch.score))
        steps.append(Step.TARGET_TO_STRETCH.value)
    arms = [
        (
            _worse(direction, r, points[0][0]),
            constant(Step.BELOW_THRESHOLD, scoring.below_threshold),
        )
    ]
    for step, p, q in zip(steps, points, points[1:], strict=False):
        arms.append((sa.not_(_better(direction, r, q[0])), _segment(step, p, q, r)))
    beyond = Step.BEYOND_STRETCH if scoring.stretch is not None else Step.BEYOND_TARGET
    arms.append((sa.true(), constant(beyond, points[-1][1])))
    return arms


def attainment_branches(
    direction: Direction, value: Fixed, target: Fixed, cap: Decimal, r: Ratio
) -> list[tuple[ColumnElement[bool], Branch]]:
    """value / target × 100 (``r``), or target / value × 100 when lower is better."""
    match direction:
        case Direction.HIGHER:
            return [(sa.true(), Branch(Step.RATIO, r.num * Fixed.const(HUNDRED), r.den))]
        case Direction.LOWER:
            num = x.case([(value.lt(Fixed.const(0)), -target)], target) * Fixed.const(HUNDRED)
            return [
                (value.eq(Fixed.const(0)), constant(Step.ZERO_ACTUAL, cap)),
                (sa.true(), Branch(Step.RATIO, num, _abs(value))),
            ]
        case _:
            assert_never(direction)


def in_band(
    band_min: Decimal | None, band_max: Decimal | None, boundaries: Boundaries, r: Ratio
) -> ColumnElement[bool]:
    """[min, max) for lower_inclusive, (min, max] for upper_inclusive; open ends omitted."""
    tests: list[ColumnElement[bool]] = []
    match boundaries:
        case Boundaries.LOWER_INCLUSIVE:
            if band_min is not None:
                tests.append(r.ge(band_min))
            if band_max is not None:
                tests.append(r.lt(band_max))
        case Boundaries.UPPER_INCLUSIVE:
            if band_min is not None:
                tests.append(r.gt(band_min))
            if band_max is not None:
                tests.append(r.le(band_max))
        case _:
            assert_never(boundaries)
    return sa.and_(sa.true(), *tests)


def band_branches(
    bands: Sequence[ScoreBand], boundaries: Boundaries, r: Ratio
) -> list[tuple[ColumnElement[bool], Branch]]:
    """The band holding the compared quantity gives its points; in no band (a gap
    the validator would have reported): not applicable."""
    arms = [
        (in_band(b.min, b.max, boundaries, r), constant(band_step(i), b.score))
        for i, b in enumerate(bands)
    ]
    return [*arms, (sa.true(), Branch(Step.NO_BAND, Fixed.null(), Fixed.null()))]


def pass_fail_branches(
    scoring: PassFailScoring, direction: Direction, r: Ratio
) -> list[tuple[ColumnElement[bool], Branch]]:
    """Reaching the threshold (≥, or ≤ when lower is better) passes."""
    match direction:
        case Direction.HIGHER:
            reached = r.ge(scoring.threshold)
        case Direction.LOWER:
            reached = r.le(scoring.threshold)
        case _:
            assert_never(direction)
    return [
        (reached, constant(Step.PASS, scoring.pass_score)),
        (sa.true(), constant(Step.FAIL, scoring.fail_score)),
    ]


def scale_branch(scoring: ScaleScoring, scale: RatingScale, value: Fixed) -> Branch:
    """A rating as 0–100: value / max × 100, or (value − min) / (max − min) × 100."""
    match scoring.mapping:
        case ScaleMapping.PROPORTIONAL:
            return Branch(Step.PROPORTIONAL, value * Fixed.const(HUNDRED), Fixed.const(scale.max))
        case ScaleMapping.LINEAR:
            num = (value - Fixed.const(scale.min)) * Fixed.const(HUNDRED)
            return Branch(Step.LINEAR, num, Fixed.const(scale.max - scale.min))
        case _:
            assert_never(scoring.mapping)


def _rating_scale(indicator: AnyIndicator) -> RatingScale:
    return indicator.scale if isinstance(indicator, RatingIndicator) else RatingScale()


def method_branches(
    spec: ItemSpec, value: Fixed, target: Fixed, ratio: Ratio
) -> list[tuple[ColumnElement[bool], Branch]]:
    """The outcomes of an item's scoring method once value (and target) are usable.

    ``ratio`` is what the method compares: value / target (basis ``of_target``)
    or the value itself (``absolute``), see :func:`basis_ratio`.
    """
    scoring, direction = spec.item.scoring, spec.indicator.direction
    match scoring:
        case LinearScoring():
            return linear_branches(scoring, direction, ratio)
        case AttainmentScoring():
            return attainment_branches(direction, value, target, scoring.cap, ratio)
        case BandsScoring():
            return band_branches(scoring.bands, scoring.boundaries, ratio)
        case PassFailScoring():
            return pass_fail_branches(scoring, direction, ratio)
        case ScaleScoring():
            return [(sa.true(), scale_branch(scoring, _rating_scale(spec.indicator), value))]
        case DirectScoring():
            return [(sa.true(), Branch(Step.DIRECT, value, Fixed.const(1)))]
        case _:
            assert_never(scoring)


def item_branches(
    spec: ItemSpec, value: Fixed, target: Fixed, ratio: Ratio | None = None
) -> list[tuple[ColumnElement[bool], Branch]]:
    """Not applicable and zero-target outcomes first, then the method's."""
    na = Branch(Step.NOT_APPLICABLE, Fixed.null(), Fixed.null())
    arms: list[tuple[ColumnElement[bool], Branch]] = [(value.is_null(), na)]
    scoring = spec.item.scoring
    if needs_target(scoring):
        assert not isinstance(scoring, ScaleScoring | DirectScoring)
        arms.append((target.is_null(), na))
        zero = target.eq(Fixed.const(0))
        if scoring.on_zero_target is Missing.ZERO:
            arms.append((zero, constant(Step.ZERO_TARGET, Decimal(0))))
        else:
            arms.append((zero, na))
    compared = ratio if ratio is not None else item_ratio(spec, value, target)
    return arms + method_branches(spec, value, target, compared)


def item_ratio(spec: ItemSpec, value: Fixed, target: Fixed) -> Ratio:
    """What the item's method compares (value / target, or the value)."""
    scoring = spec.item.scoring
    if isinstance(scoring, ScaleScoring | DirectScoring):
        return Ratio(value, Fixed.const(1))
    return basis_ratio(scoring.basis, value, target)


def cap_and_floor(scoring: AnyScoring) -> tuple[Decimal | None, Decimal | None]:
    """The (cap, floor) a method clamps its exact score to."""
    match scoring:
        case LinearScoring():
            top = scoring.stretch.score if scoring.stretch is not None else scoring.target.score
            return (scoring.cap if scoring.cap is not None else top), None
        case AttainmentScoring() | DirectScoring():
            return scoring.cap, scoring.floor
        case BandsScoring() | PassFailScoring() | ScaleScoring():
            return None, None
        case _:
            assert_never(scoring)


# ── the layered statement ─────────────────────────────────────────────────────


def _inputs(
    items: Sequence[ItemSpec], frame: ValuesFrame, settings: Settings, dialect: str
) -> Layer:
    cols = x.Columns()
    cols.plain(frame.table.c.subject_id)
    for spec in items:
        k = spec.position
        cols.add(f"v{k}", value_of(frame, spec.indicator, settings, dialect))
        if needs_target(spec.item.scoring) or spec.indicator.id in frame.targeted:
            cols.add(f"t{k}", target_of(frame, spec.indicator, dialect))
    return cols.layer("inputs")


def _target(layer: Layer, k: int) -> Fixed:
    return layer.fixed(f"t{k}") if f"t{k}" in layer.scales else Fixed.null()


def _ratios(items: Sequence[ItemSpec], inputs: Layer) -> Layer:
    """Each compared ratio as ``xn{k} / xd{k}`` columns, so conditions stay short."""
    cols = x.Columns()
    cols.keep(inputs)
    for spec in items:
        k = spec.position
        ratio = item_ratio(spec, inputs.fixed(f"v{k}"), _target(inputs, k))
        cols.add(f"xn{k}", ratio.num)
        cols.add(f"xd{k}", ratio.den)
    return cols.layer("ratios")


def _arms(spec: ItemSpec, layer: Layer) -> list[tuple[ColumnElement[bool], Branch]]:
    k = spec.position
    ratio = Ratio(layer.fixed(f"xn{k}"), layer.fixed(f"xd{k}"))
    return item_branches(spec, layer.fixed(f"v{k}"), _target(layer, k), ratio)


def _rationals(items: Sequence[ItemSpec], inputs: Layer) -> Layer:
    """Step, numerator and denominator per item; the branch is chosen once (``b{k}``)."""
    ratios = _ratios(items, inputs)
    chosen = x.Columns()
    chosen.keep(ratios)
    for spec in items:
        arms = _arms(spec, ratios)
        index = sa.case(*[(c, x.integer(i)) for i, (c, _b) in enumerate(arms)])
        chosen.plain(index, f"b{spec.position}")
    branches = chosen.layer("branches")
    cols = x.Columns()
    cols.keep(branches, skip=[f"{p}{s.position}" for s in items for p in ("xn", "xd", "b")])
    for spec in items:
        k = spec.position
        chosen_arm = branches.c(f"b{k}")
        arms = [(chosen_arm == x.integer(i), b) for i, (_c, b) in enumerate(_arms(spec, branches))]
        cols.plain(sa.case(*[(c, _text(b.step)) for c, b in arms]), f"st{k}")
        cols.add(f"n{k}", x.case([(c, b.num) for c, b in arms]))
        cols.add(f"d{k}", x.case([(c, b.den) for c, b in arms]))
    return cols.layer("rationals")


def _item_score(
    spec: ItemSpec, step: ColumnElement[Any], n: Fixed, d: Fixed, rounding: Rounding
) -> tuple[ColumnElement[Any], Fixed]:
    """The final step and the rounded score of one item."""
    places, mode = rounding.places, rounding.mode
    cap, floor = cap_and_floor(spec.item.scoring)
    na = step.in_(UNSCORED)
    zero_policy = spec.item.if_not_applicable is ItemNotApplicable.ZERO
    steps: list[tuple[ColumnElement[bool], ColumnElement[Any]]] = [(na, step)]
    scores: list[tuple[ColumnElement[bool], Fixed]] = [
        (na, Fixed.const(0) if zero_policy else Fixed.null()),
        (step == Step.ZERO_TARGET.value, Fixed.const(0)),
    ]
    if cap is not None:
        over = n.gt(Fixed.const(cap) * d)
        steps.append((over, _text(Step.CAPPED)))
        scores.append((over, Fixed.const(rounding.apply(cap))))
    if floor is not None:
        under = n.lt(Fixed.const(floor) * d)
        steps.append((under, _text(Step.FLOORED)))
        scores.append((under, Fixed.const(rounding.apply(floor))))
    return sa.case(*steps, else_=step), x.case(scores, x.round_div(n, d, places, mode))


def _scores(items: Sequence[ItemSpec], rationals: Layer, rounding: Rounding) -> Layer:
    cols = x.Columns()
    cols.plain(rationals.c("subject_id"))
    for spec in items:
        k = spec.position
        cols.add(f"v{k}", rationals.fixed(f"v{k}"))
        step, points = _item_score(
            spec,
            rationals.c(f"st{k}"),
            rationals.fixed(f"n{k}"),
            rationals.fixed(f"d{k}"),
            rounding,
        )
        if f"t{k}" in rationals.scales:
            target = rationals.fixed(f"t{k}")
            cols.add(f"t{k}", target)
            shown = ATTAINMENT_ROUNDING
            cols.add(
                f"a{k}", x.round_div(rationals.fixed(f"v{k}"), target, shown.places, shown.mode)
            )
        cols.plain(step, f"st{k}")
        cols.add(f"s{k}", points.at(max(points.scale, rounding.places)))
    return cols.layer("scores")


def _section_sums(card: Scorecard, items: Sequence[ItemSpec], scores: Layer) -> Layer:
    cols = x.Columns()
    cols.keep(scores)
    zero = Fixed.const(0)
    for j, _section in enumerate(card.sections):
        points, weights = [], []
        for spec in (s for s in items if s.section_index == j):
            item_score = scores.fixed(f"s{spec.position}")
            weight = Fixed.const(spec.item.weight)
            points.append(x.case([(item_score.is_null(), zero)], weight * item_score))
            weights.append(x.case([(item_score.is_null(), zero)], weight))
        cols.add(f"p{j}", reduce(Fixed.__add__, points))
        cols.add(f"w{j}", reduce(Fixed.__add__, weights))
    return cols.layer("sections")


def _counted_shares(card: Scorecard, sums: Layer) -> Layer:
    """Σ share of the sections with something counted (``shares``)."""
    cols = x.Columns()
    cols.keep(sums)
    zero = Fixed.const(0)
    shares = [
        x.case([(sums.fixed(f"w{j}").eq(zero), zero)], Fixed.const(s.share))
        for j, s in enumerate(card.sections)
    ]
    cols.add("shares", reduce(Fixed.__add__, shares))
    return cols.layer("shares")


def _totals(card: Scorecard, items: Sequence[ItemSpec], sums: Layer, rounding: Rounding) -> Layer:
    """Section scores, effective weights, contributions and the total as num / den."""
    places, mode = rounding.places, rounding.mode
    count = len(card.sections)
    p = [sums.fixed(f"p{j}") for j in range(count)]
    w = [sums.fixed(f"w{j}") for j in range(count)]
    zero, one = Fixed.const(0), Fixed.const(1)
    present = [x.case([(wj.eq(zero), one)], wj) for wj in w]
    share_sum = sums.fixed("shares")
    terms = [
        reduce(
            Fixed.__mul__, [present[i] for i in range(count) if i != j], Fixed.const(s.share) * p[j]
        )
        for j, s in enumerate(card.sections)
    ]
    cols = x.Columns()
    skip = ["shares", *(f"p{j}" for j in range(count)), *(f"w{j}" for j in range(count))]
    cols.keep(sums, skip=skip)
    cols.add("tn", reduce(Fixed.__add__, terms))
    cols.add("td", reduce(Fixed.__mul__, present, share_sum))
    for j in range(count):
        cols.add(f"ss{j}", x.round_div(p[j], w[j], places, mode))
    for spec in items:
        k, j = spec.position, spec.section_index
        item_score = sums.fixed(f"s{k}")
        weight = Fixed.const(spec.item.weight)
        shown = x.round_div(weight * Fixed.const(HUNDRED), w[j], places, mode)
        cols.add(f"ew{k}", x.case([(item_score.is_null(), Fixed.null())], shown))
        part = Fixed.const(spec.section.share) * weight * item_score
        cols.add(f"c{k}", x.round_div(part, share_sum * w[j], places, mode))
    return cols.layer("totals")


def scored_statement(
    ruleset: RuleSet, scorecard: Scorecard, frame: ValuesFrame, dialect: str
) -> tuple[sa.Select[Any], ScoreLayout]:
    """The SELECT that scores every subject of the frame, and where it puts what."""
    settings = ruleset.settings
    rounding = settings.score_rounding
    items = item_specs(ruleset, scorecard)
    inputs = _inputs(items, frame, settings, dialect)
    sums = _section_sums(scorecard, items, _scores(items, _rationals(items, inputs), rounding))
    totals = _totals(scorecard, items, _counted_shares(scorecard, sums), rounding)
    cols = x.Columns()
    cols.keep(totals, skip=("tn", "td"))
    total = x.round_div(totals.fixed("tn"), totals.fixed("td"), rounding.places, rounding.mode)
    cols.add("total", total)
    layout = ScoreLayout(
        scorecard=scorecard,
        items=items,
        value_scales=tuple(inputs.scales[f"v{s.position}"] for s in items),
        target_scales=tuple(inputs.scales.get(f"t{s.position}") for s in items),
        score_places=rounding.places,
        scales=dict(cols.scales),
    )
    return cols.select(), layout


def score(conn: Connection, ruleset: RuleSet, scorecard: Scorecard, frame: ValuesFrame) -> Scored:
    """Score every subject of ``frame`` into a work table (one row per subject)."""
    statement, layout = scored_statement(ruleset, scorecard, frame, conn.dialect.name)
    table = create_work_table(conn, work_name("scores", scorecard.id), statement)
    return Scored(table, layout)


def _text(step: str) -> ColumnElement[Any]:
    """A step code as a bound text value."""
    return sa.literal(str(step), sa.String())
