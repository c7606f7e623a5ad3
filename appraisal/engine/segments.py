"""Client segmentation: RFM scores 1–5 and the first matching segment, in SQL.

* ``quintiles``: among the clients with a value, a client scores
  ``1 + floor(5 × k / n)`` where ``k`` counts the clients with a strictly worse
  value (lower; higher when lower is better) and ``n`` those with a value.
  Equal values always share a score (a rank, not ``NTILE``, which would split
  ties by an arbitrary order) and the best fifth scores 5.
* ``bands``: the value's band gives the score.
* ``rfm_score`` is Σ wᵢ·scoreᵢ / Σ wᵢ, rounded like scores; missing when a part is.
* Segments are tried in order and the first whose ``when`` holds wins (a
  condition over a missing value does not hold); the one without ``when``
  catches everyone else.
"""

from __future__ import annotations

from typing import Any, assert_never

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from appraisal.engine import exact as x
from appraisal.engine.exact import Fixed, Layer, integer
from appraisal.engine.frame import ValuesFrame
from appraisal.engine.operands import value_of
from appraisal.engine.run_tables import RUN_SEGMENTS
from appraisal.engine.score import Ratio, in_band
from appraisal.expr import ExprParams, to_sql
from appraisal.spec.enums import Direction, RfmMethod
from appraisal.spec.expressions import RFM_NAMES, typed_expressions
from appraisal.spec.models import RfmPart, RuleSet, Segmentation

PARTS = (("r", "recency"), ("f", "frequency"), ("m", "monetary"))


def quintile(value: Fixed, direction: Direction) -> ColumnElement[Any]:
    """``1 + floor(5 × worse / n)`` over the clients with a value (NULL without one)."""
    match direction:
        case Direction.HIGHER:
            order = value.sql.asc().nulls_last()
        case Direction.LOWER:
            order = value.sql.desc().nulls_last()
        case _:
            assert_never(direction)
    worse = sa.func.rank().over(order_by=order) - integer(1)
    present = sa.func.count(value.sql).over()
    score = integer(1) + x.IntDiv(integer(5) * worse, present)
    return sa.case((value.is_null(), sa.null()), else_=score)


def banded(part: RfmPart, value: Fixed) -> ColumnElement[Any]:
    """The score of the band holding the value (NULL without one)."""
    whole = Ratio(value, Fixed.const(1))
    arms = [
        (in_band(b.min, b.max, part.boundaries, whole), integer(int(b.score))) for b in part.bands
    ]
    return sa.case((value.is_null(), sa.null()), *arms, else_=sa.null())


def part_score(ruleset: RuleSet, part: RfmPart, value: Fixed) -> ColumnElement[Any]:
    """One RFM dimension's score 1–5."""
    match part.method:
        case RfmMethod.QUINTILES:
            return quintile(value, ruleset.indicator(part.indicator).direction)
        case RfmMethod.BANDS:
            return banded(part, value)
        case _:
            assert_never(part.method)


def _rfm_layer(
    ruleset: RuleSet, segmentation: Segmentation, frame: ValuesFrame, dialect: str
) -> Layer:
    cols = x.Columns()
    cols.plain(frame.table.c.subject_id)
    rfm = segmentation.rfm
    if rfm is None:
        return cols.layer("rfm_scores")
    for letter, name in PARTS:
        part: RfmPart = getattr(rfm, name)
        value = value_of(frame, ruleset.indicator(part.indicator), ruleset.settings, dialect)
        cols.plain(part_score(ruleset, part, value), f"{letter}_score")
    return cols.layer("rfm_scores")


def _rfm_score(ruleset: RuleSet, segmentation: Segmentation, scores: Layer) -> Fixed:
    rfm = segmentation.rfm
    assert rfm is not None
    weights = (rfm.weights.recency, rfm.weights.frequency, rfm.weights.monetary)
    parts = [Fixed(scores.c(f"{letter}_score"), 0) for letter, _ in PARTS]
    weighted = [Fixed.const(w) * p for w, p in zip(weights, parts, strict=True)]
    total = weighted[0] + weighted[1] + weighted[2]
    rounding = ruleset.settings.score_rounding
    score = x.round_div(total, Fixed.const(sum(weights)), rounding.places, rounding.mode)
    missing = sa.or_(*(p.is_null() for p in parts))
    return x.case([(missing, Fixed.null())], score)


def segment_clients(
    conn: Connection,
    run_id: str,
    ruleset: RuleSet,
    segmentation: Segmentation,
    frame: ValuesFrame,
    params: ExprParams,
) -> None:
    """Insert one ``run_client_segments`` row per client of the frame."""
    s_index = next(i for i, s in enumerate(ruleset.segmentations) if s.id == segmentation.id)
    scores = _rfm_layer(ruleset, segmentation, frame, conn.dialect.name)
    has_rfm = segmentation.rfm is not None
    names: dict[str, ColumnElement[Any]] = {}
    if has_rfm:
        rfm_score = _rfm_score(ruleset, segmentation, scores)
        names = {
            f"{letter}_score": Fixed(scores.c(f"{letter}_score"), 0).number() for letter, _ in PARTS
        }
        names["rfm_score"] = rfm_score.number()

    def resolve(path: tuple[str, ...]) -> ColumnElement[Any]:
        if path[0] in RFM_NAMES:
            return names[path[0]]
        return frame.value(path[0])

    typed = typed_expressions(ruleset)
    arms = []
    otherwise: ColumnElement[Any] = sa.null()
    for k, segment in enumerate(segmentation.segments):
        if segment.when is None:
            otherwise = sa.literal(segment.code)
            break
        condition = to_sql(
            typed[("segmentations", s_index, "segments", k, "when")], resolve, params
        )
        arms.append((condition, sa.literal(segment.code)))
    code = sa.case(*arms, else_=otherwise) if arms else otherwise
    null_int = sa.cast(sa.null(), sa.Integer())
    select = sa.select(
        sa.literal(run_id, sa.String()),
        sa.literal(segmentation.id),
        frame.table.c.subject_id,
        scores.c("r_score") if has_rfm else null_int,
        scores.c("f_score") if has_rfm else null_int,
        scores.c("m_score") if has_rfm else null_int,
        names["rfm_score"] if has_rfm else sa.cast(sa.null(), RUN_SEGMENTS.c.rfm_score.type),
        code,
    ).select_from(frame.table.join(scores.sub, scores.sub.c.subject_id == frame.table.c.subject_id))
    t = RUN_SEGMENTS
    columns = [
        t.c.run_id,
        t.c.segmentation_id,
        t.c.subject_id,
        t.c.r_score,
        t.c.f_score,
        t.c.m_score,
        t.c.rfm_score,
        t.c.segment,
    ]
    conn.execute(t.insert().from_select(columns, select))
