"""RFM scores 1–5 (bands or quintiles over all clients) and client segments.

Quintile of a value among the n clients that have one:
``1 + floor(5 × k / n)`` where k counts the clients with a strictly worse value
(lower, or higher when lower is better).  Equal values share a score; the best
fifth scores 5.
"""

from __future__ import annotations

from decimal import Decimal
from typing import assert_never

from appraisal.expr import evaluate
from appraisal.periods import Period
from appraisal.spec.enums import Direction, RfmMethod
from appraisal.spec.models import RfmPart, Segmentation

from .exprs import divide
from .measure import Measurer, Subject
from .results import SegmentResult
from .scoring import band_score


def quintile(value: Decimal, population: list[Decimal], direction: Direction) -> Decimal:
    """1–5: the fifth of the population the value falls in (ties share the lower fifth)."""
    if direction is Direction.HIGHER:
        worse = sum(1 for v in population if v < value)
    elif direction is Direction.LOWER:
        worse = sum(1 for v in population if v > value)
    else:
        assert_never(direction)
    return Decimal(1 + (5 * worse) // len(population))


def part_scores(
    measurer: Measurer, part: RfmPart, clients: list[Subject], period: Period
) -> dict[str, Decimal | None]:
    """One RFM dimension's score per client (None when the client has no value)."""
    values = {c.subject_id: measurer.value(part.indicator, c, period) for c in clients}
    present = [v for v in values.values() if v is not None]
    direction = measurer.ruleset.indicator(part.indicator).direction
    scores: dict[str, Decimal | None] = {}
    for client, value in values.items():
        if value is None:
            scores[client] = None
            continue
        method = part.method
        if method is RfmMethod.QUINTILES:
            scores[client] = quintile(value, present, direction)
        elif method is RfmMethod.BANDS:
            scores[client] = band_score(part.bands, part.boundaries, value)
        else:
            assert_never(method)
    return scores


def segment_clients(
    measurer: Measurer,
    segmentation: Segmentation,
    s_index: int,
    clients: list[Subject],
    period: Period,
) -> dict[str, SegmentResult]:
    """Each client's RFM scores and first matching segment."""
    ruleset = measurer.ruleset
    rfm = segmentation.rfm
    parts: dict[str, dict[str, Decimal | None]] = {}
    if rfm is not None:
        parts = {
            "r_score": part_scores(measurer, rfm.recency, clients, period),
            "f_score": part_scores(measurer, rfm.frequency, clients, period),
            "m_score": part_scores(measurer, rfm.monetary, clients, period),
        }
    client_indicators = [i.id for i in ruleset.indicators if i.subject.value == "client"]
    results: dict[str, SegmentResult] = {}
    for client in clients:
        env: dict[str, Decimal | None] = {
            i: measurer.value(i, client, period) for i in client_indicators
        }
        r = f = m = rfm_score = None
        if rfm is not None:
            r, f, m = (parts[k][client.subject_id] for k in ("r_score", "f_score", "m_score"))
            w = rfm.weights
            if r is not None and f is not None and m is not None:
                weighted = w.recency * r + w.frequency * f + w.monetary * m
                raw = divide(weighted, w.recency + w.frequency + w.monetary)
                rfm_score = ruleset.settings.score_rounding.apply(raw)
            env.update({"r_score": r, "f_score": f, "m_score": m, "rfm_score": rfm_score})
        segment = _first_segment(measurer, segmentation, s_index, env, period)
        results[client.subject_id] = SegmentResult(client.subject_id, r, f, m, rfm_score, segment)
    return results


def _first_segment(
    measurer: Measurer,
    segmentation: Segmentation,
    s_index: int,
    env: dict[str, Decimal | None],
    period: Period,
) -> str:
    for k, segment in enumerate(segmentation.segments):
        if segment.when is None:
            return segment.code
        typed = measurer.typed[("segmentations", s_index, "segments", k, "when")]
        names = {".".join(p): env.get(".".join(p)) for p in typed.references}
        if evaluate(typed, names, measurer.params(period)) is True:
            return segment.code
    raise AssertionError("the last segment has no condition and catches everyone")
