"""appraisal test: rule tests beside the rules, PASS / FAIL / ERROR; publishing gated on them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from appraisal.cli import cli

FIXTURES = Path(__file__).parent / "fixtures" / "audit"
TESTS = (FIXTURES / "tests" / "mini.tests.yaml").read_text(encoding="utf-8")
BELOW = "  - name: below target"


@pytest.fixture
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "rules"
    (folder / "tests").mkdir(parents=True)
    shutil.copy(FIXTURES / "mini.yaml", folder / "mini.yaml")
    (folder / "tests" / "mini.tests.yaml").write_text(TESTS, encoding="utf-8")
    return folder


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_hand_computed_cases_pass(rules: Path) -> None:
    assert run("test", "rules") == (
        0,
        "rules/tests/mini.tests.yaml (rules/mini.yaml)\n"
        "  PASS  达标 on target exactly\n"
        "  PASS  below target\n"
        "  PASS  above target, capped\n"
        "3 cases: 3 passed, 0 failed, 0 errors\n",
    )


def test_the_same_cases_pass_on_sqlite(rules: Path) -> None:
    code, output = run("test", "rules/mini.yaml", "--backend", "sqlite")
    assert (code, output.splitlines()[-1]) == (0, "3 cases: 3 passed, 0 failed, 0 errors")


def broken(rules: Path) -> None:
    """Case 2 expects the wrong numbers; case 3 names an unknown indicator and a bad row."""
    text = TESTS.replace("total: 67.2\n        tier: C", "total: 70\n        tier: B")
    text = text.replace("plan: [more_orders]", "plan: []")
    text = text.replace(
        "scores: {sales_amount: 120, order_count: 120}", "scores: {sales_amont: 120}"
    )
    (rules / "tests" / "mini.tests.yaml").write_text(text, encoding="utf-8")
    extra = (
        "  - name: a bad row\n"
        "    period: 2026Q1\n"
        "    data:\n"
        "      staff:\n"
        "        - {staff_id: S1, name: 张三, role: sales_rep, hired_on: 2026-02-30}\n"
        "    expect:\n"
        "      - {subject: S1, total: 0}\n"
    )
    with (rules / "tests" / "mini.tests.yaml").open("a", encoding="utf-8") as handle:
        handle.write(extra)


def test_failures_and_errors_are_reported_apart(rules: Path) -> None:
    broken(rules)
    assert run("test") == (
        1,
        "rules/tests/mini.tests.yaml (rules/mini.yaml)\n"
        "  PASS  达标 on target exactly\n"
        "  FAIL  below target\n"
        "        S1 (rep): total expected 70, got 67.2\n"
        "        S1 (rep): tier expected B, got C\n"
        "        S1 (rep): plan expected [none], got [more_orders]\n"
        "  ERROR above target, capped\n"
        "        scorecard 'rep' has no item 'sales_amont'\n"
        "  ERROR a bad row\n"
        "        rules/tests/mini.tests.yaml:100:63: error[T001] at cases[3].data.staff[0]."
        "hired_on: expected a date written YYYY-MM-DD, got '2026-02-30'\n"
        "4 cases: 1 passed, 1 failed, 2 errors\n",
    )


def test_publish_refuses_rules_whose_tests_fail(rules: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ws.sqlite'}"
    broken(rules)
    code, output = run("--db", db, "rules", "publish", "rules/mini.yaml", "--author", "A")
    assert code == 1
    assert output.splitlines()[0:3] == [
        "Error: the rule tests do not pass; nothing was published",
        "rules/tests/mini.tests.yaml (rules/mini.yaml)",
        "  PASS  达标 on target exactly",
    ]
    assert output.splitlines()[-1] == "4 cases: 1 passed, 1 failed, 2 errors"
    assert run("--db", db, "rules", "log") == (
        0,
        "No published rule versions (appraisal rules publish RULES --author NAME)\n",
    )
    (rules / "tests" / "mini.tests.yaml").write_text(TESTS, encoding="utf-8")
    code, output = run("--db", db, "rules", "publish", "rules/mini.yaml", "--author", "A")
    assert code == 0 and output.startswith("Published mini@1.0 as draft"), output


def test_without_tests(rules: Path) -> None:
    (rules / "tests" / "mini.tests.yaml").unlink()
    assert run("test", "rules") == (
        1,
        "Error: no rule tests in rules (expected tests/<name>.tests.yaml beside the rules)\n",
    )
