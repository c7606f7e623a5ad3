"""The reference evaluator reproduces every golden case's hand-computed values.

This validates the oracle itself: each expectation in ``tests/cases`` was worked
out by hand (the arithmetic is in the case's description).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden import CASES_DIR, GoldenCase, load_case, load_cases, mismatches
from tests.reference import evaluate_reference

CASES = load_cases()


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_rules_are_valid(case: GoldenCase) -> None:
    assert case.validation_errors() == []


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_reference_matches_hand_computation(case: GoldenCase) -> None:
    result = evaluate_reference(case.ruleset(), case.period, case.dataset(), case.timezone)
    assert mismatches(case.expect, result) == []


def test_case_names_are_unique() -> None:
    names = [c.name for c in CASES]
    assert len(set(names)) == len(names)


def test_duplicate_case_names_are_refused(tmp_path: Path) -> None:
    text = (CASES_DIR / "scoring_linear_higher.yaml").read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(text.replace("name: scoring_linear_higher", "name: copy"))
    assert [c.name for c in load_cases(tmp_path)] == ["scoring_linear_higher", "copy"]
    (tmp_path / "c.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate golden case names: scoring_linear_higher"):
        load_cases(tmp_path)


def test_unknown_keys_in_a_case_are_refused(tmp_path: Path) -> None:
    text = (CASES_DIR / "scoring_linear_higher.yaml").read_text(encoding="utf-8")
    path = tmp_path / "scoring_linear_higher.yaml"
    path.write_text(text.replace("expect:\n", "expected_by: hand\nexpect:\n"), encoding="utf-8")
    with pytest.raises(ValueError, match="expected_by"):
        load_case(path)


def test_a_wrong_expectation_is_reported() -> None:
    case = next(c for c in CASES if c.name == "scoring_linear_higher")
    result = evaluate_reference(case.ruleset(), case.period, case.dataset(), case.timezone)
    altered = {"scorecards": {"plain": {"S3": {"total": 85, "tier": "B"}}}}
    wrong = type(case.expect).model_validate(altered)
    assert mismatches(wrong, result) == [
        "scorecard plain: expected subjects ['S3'], got ['S1', 'S2', 'S3', 'S4', 'S5']",
        "plain/S3.total: expected 85, got 84.00",
    ]
