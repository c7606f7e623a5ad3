"""The per-item breakdown ``explain`` prints: inputs → rule → step → points, from the run."""

from __future__ import annotations

from decimal import Decimal as D

from sqlalchemy.engine import Engine

from appraisal.engine.breakdown import score_lines, stored_score_lines
from appraisal.engine.persist import latest_run_id
from tests.engine_frames import Row, evaluate_rows, indicator, item, ruleset, scorecard

LINEAR = {
    "method": "linear",
    "threshold": {"at": "80%", "score": 60},
    "stretch": {"at": "120%", "score": 120},
}
BANDS = {
    "method": "bands",
    "basis": "absolute",
    "boundaries": "upper_inclusive",
    "bands": [{"max": 0, "score": 100}, {"min": 0, "max": 2, "score": 60}, {"min": 2, "score": 0}],
}


def _rules() -> object:
    return ruleset(
        [indicator("sales", "money"), indicator("complaints", "count", "lower")],
        [scorecard([item("sales", 70, LINEAR), item("complaints", 30, BANDS)])],
    )


def test_lines_from_the_result_and_from_the_stored_run_agree(engine: Engine) -> None:
    rules = _rules()
    rows = [
        Row("a", {"sales": 180, "complaints": 1}, {"sales": 200}),
        Row("b", {"sales": 180, "complaints": None}, {"sales": 200}),
    ]
    result = evaluate_rows(engine, rules, rows)
    lines = score_lines(result, rules)
    assert list(lines("a", "sales")) == [
        "inputs: value 180.00, target 200, attainment 0.9000",
        "rule: linear: threshold 80% of target → 60, target 100% of target → 100, "
        "stretch 120% of target → 120, below threshold 0 (higher is better)",
        "step: between threshold and target, linear",
        "points: 80.00; weight 70, contributes 56.00 to the total",
    ]
    assert list(lines("a", "complaints")) == [
        "inputs: value 1",
        "rule: bands: (−∞, 0] → 100; (0, 2] → 60; (2, ∞) → 0 (lower is better)",
        "step: in band (0, 2]",
        "points: 60.00; weight 30, contributes 18.00 to the total",
    ]
    assert list(lines("b", "complaints"))[2:] == [
        "step: not applicable (no value or no target)",
        "points: n/a; weight 30",
    ]
    assert list(lines("b", "sales"))[3] == (
        "points: 80.00; weight 70 (reweighted to 100.00), contributes 80.00 to the total"
    )
    with engine.connect() as conn:
        run_id = latest_run_id(conn, result.ruleset_hash, "2026Q3")
        assert result.run is not None and run_id == result.run.run_id
        stored = stored_score_lines(conn, run_id, rules)
        assert list(stored("a", "sales")) == list(lines("a", "sales"))
        assert list(stored("b", "complaints")) == list(lines("b", "complaints"))
        assert list(stored("nobody", "sales")) == []
    assert result.scorecards[0].subject("a").item("sales").score == D("80.00")
