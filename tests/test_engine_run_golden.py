"""Every golden case evaluated end to end by the engine, on every backend.

The stored run (items, subjects, incentives, plans, segments) is read back and
put in the reference evaluator's shape, then compared with the case's
hand-computed expectations, field by field (values of indicators that are not
scorecard items live in the values frames and are checked with them).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from appraisal.engine.evaluate import evaluate
from appraisal.engine.results import EvaluationResult
from appraisal.engine.run_tables import (
    RUN_INCENTIVES,
    RUN_ITEMS,
    RUN_PLAN_ITEMS,
    RUN_SECTIONS,
    RUN_SEGMENTS,
    RUN_SUBJECTS,
)
from appraisal.expr.sqltypes import to_decimal
from appraisal.store.database import create_schema
from appraisal.store.schema import ENTITIES
from appraisal.workspace import Workspace
from tests.golden import GoldenCase, load_cases, mismatches
from tests.reference import PlanItem, ReferenceResult, ScorecardResult, SegmentResult, SubjectResult
from tests.reference.results import ItemResult

CASES = [c for c in load_cases() if c.expect.scorecards or c.expect.segments]


def _number(value: Any) -> Decimal | None:
    return None if value is None else to_decimal(value)


def _rows(engine: Engine, table: sa.Table, run_id: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(table).where(table.c.run_id == run_id)).all())


def _subjects(engine: Engine, run_id: str) -> dict[str, dict[str, SubjectResult]]:
    items: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for r in sorted(_rows(engine, RUN_ITEMS, run_id), key=lambda r: r.position):
        items[(r.scorecard_id, r.subject_id)].append(r)
    sections: dict[tuple[str, str], dict[str, Decimal | None]] = defaultdict(dict)
    for r in _rows(engine, RUN_SECTIONS, run_id):
        sections[(r.scorecard_id, r.subject_id)][r.section_id] = _number(r.score)
    money: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
    awards: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for r in _rows(engine, RUN_INCENTIVES, run_id):
        key = (r.scorecard_id, r.subject_id)
        if r.kind == "award":
            awards[key][r.incentive_id] = r.award_rank
        else:
            money[key][r.incentive_id] = r.amount
    plans: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for r in sorted(_rows(engine, RUN_PLAN_ITEMS, run_id), key=lambda r: r.position):
        plans[(r.scorecard_id, r.subject_id)].append(
            PlanItem(
                r.rule_id,
                r.owner_id,
                r.due_on,
                r.follow_up_indicator,
                _number(r.follow_up_target),
                r.follow_up_period,
            )
        )
    cards: dict[str, dict[str, SubjectResult]] = defaultdict(dict)
    for r in _rows(engine, RUN_SUBJECTS, run_id):
        key = (r.scorecard_id, r.subject_id)
        rows = items[key]
        cards[r.scorecard_id][r.subject_id] = SubjectResult(
            subject_id=r.subject_id,
            values={i.indicator_id: _number(i.value) for i in rows},
            targets={i.indicator_id: _number(i.target) for i in rows},
            items=tuple(
                ItemResult(
                    i.section_id,
                    i.indicator_id,
                    to_decimal(i.weight),
                    _number(i.value),
                    _number(i.target),
                    _number(i.score),
                )
                for i in rows
            ),
            sections=sections[key],
            total=_number(r.total),
            tier_before_gates=r.tier_before_gates,
            gates=tuple(g for g in r.gates_fired.split(",") if g),
            tier=r.tier,
            withheld=bool(r.incentives_withheld),
            incentives=money[key],
            awards=awards[key],
            plan=tuple(plans[key]),
        )
    return cards


def _segments(engine: Engine, run_id: str) -> dict[str, dict[str, SegmentResult]]:
    found: dict[str, dict[str, SegmentResult]] = defaultdict(dict)
    for r in _rows(engine, RUN_SEGMENTS, run_id):
        found[r.segmentation_id][r.subject_id] = SegmentResult(
            r.subject_id,
            _number(r.r_score),
            _number(r.f_score),
            _number(r.m_score),
            _number(r.rfm_score),
            r.segment,
        )
    return found


def as_reference(engine: Engine, result: EvaluationResult) -> ReferenceResult:
    """A stored run in the reference evaluator's shape."""
    assert result.run is not None
    run_id = result.run.run_id
    cards = {k: ScorecardResult(k, v) for k, v in _subjects(engine, run_id).items()}
    for card in result.scorecards:
        cards.setdefault(card.scorecard_id, ScorecardResult(card.scorecard_id, {}))
    return ReferenceResult(result.period, cards, _segments(engine, run_id))


def _item_values_only(case: GoldenCase) -> Any:
    """The case's expectations, values and targets limited to scorecard items."""
    rules = case.ruleset()
    items = {c.id: {i.indicator for s in c.sections for i in s.items} for c in rules.scorecards}
    cards = {
        card_id: {
            subject_id: want.model_copy(
                update={
                    "values": {k: v for k, v in want.values.items() if k in items[card_id]},
                    "targets": {k: v for k, v in want.targets.items() if k in items[card_id]},
                    "sections": {},
                }
            )
            for subject_id, want in subjects.items()
        }
        for card_id, subjects in case.expect.scorecards.items()
    }
    return case.expect.model_copy(update={"scorecards": cards})


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_case_end_to_end(
    engine: Engine, case: GoldenCase, tmp_path: Any, request: pytest.FixtureRequest
) -> None:
    if case.engine_disagreement:  # a documented, known difference: must still fail
        request.applymarker(pytest.mark.xfail(reason=case.engine_disagreement, strict=True))
    create_schema(engine)
    dataset = case.dataset()
    with engine.begin() as conn:
        for entity, table in ENTITIES.items():
            rows = dataset.rows(entity)
            if rows:
                conn.execute(table.insert(), [dict(r) for r in rows])
    space = Workspace(tmp_path, str(engine.url), timezone=case.timezone)
    result = evaluate(case.ruleset(), case.period, database=engine, workspace=space)
    assert mismatches(_item_values_only(case), as_reference(engine, result)) == []
