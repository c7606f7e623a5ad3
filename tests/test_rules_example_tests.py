"""The example rule sets ship with hand-computed rule tests, and they pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from appraisal.audit.rule_runner import Status, run_test_file
from appraisal.audit.rule_tests import rule_tests_path
from appraisal.spec.parse import expand_paths

RULES = Path(__file__).resolve().parent.parent / "rules"


@pytest.mark.parametrize("rules", expand_paths([RULES]), ids=lambda p: p.stem)
def test_every_example_has_tests(rules: Path) -> None:
    assert rule_tests_path(rules).is_file()


@pytest.mark.parametrize(
    "path", sorted((RULES / "tests").glob("*.tests.yaml")), ids=lambda p: p.stem
)
def test_example_tests_pass(path: Path) -> None:
    outcome = run_test_file(path)
    assert [(c.name, c.status, c.messages) for c in outcome.cases] == [
        (c.name, Status.PASS, ()) for c in outcome.cases
    ]
    assert len(outcome.cases) >= 1
