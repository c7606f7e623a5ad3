"""``appraisal validate`` and ``appraisal schema``: exact output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from appraisal.cli import cli
from appraisal.spec.json_schema import SCHEMAS, render_schema

ROOT = Path(__file__).resolve().parent.parent
GOOD = "\n".join(
    line
    for line in (ROOT / "tests" / "rules_broken" / "weights_not_100.yaml")
    .read_text(encoding="utf-8")
    .replace("weight: 35", "weight: 40")
    .splitlines()
    if not line.startswith("#")
)
NO_OBJECTIVE = GOOD.replace("    objective: {en: Growth}\n", "")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules").mkdir()
    return tmp_path


def test_valid_examples_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert run("validate", "rules") == (
        0,
        "Checked 4 rule sets: all valid. ERRORS: 0, WARNINGS: 0\n",
    )


def test_warnings_are_counted_and_listed_on_request(folder: Path) -> None:
    (folder / "rules" / "a.yaml").write_text(NO_OBJECTIVE, encoding="utf-8")
    assert run("validate", "rules/a.yaml") == (
        0,
        "Checked 1 rule set: all valid. ERRORS: 0, WARNINGS: 1 (--show-warnings lists them)\n",
    )
    assert run("validate", "--show-warnings", "rules/a.yaml") == (
        0,
        "rules/a.yaml:36:5: warning[V009] at targets[1]: target for 'new_customers' has no "
        "objective (SMART: relevant) (hint: say which business objective it serves)\n"
        "Checked 1 rule set: all valid. ERRORS: 0, WARNINGS: 1\n",
    )


def test_errors_exit_1_and_default_to_the_workspace_rules(folder: Path) -> None:
    (folder / "rules" / "a.yaml").write_text(NO_OBJECTIVE, encoding="utf-8")
    (folder / "rules" / "b.yaml").write_text(GOOD.replace("weight: 40", "weight: 30"), "utf-8")
    code, output = run("validate")
    assert code == 1
    assert output == (
        "rules/b.yaml:57:9: error[V003] at scorecards[0].sections[0].items: weights of section "
        "'main' sum to 90 (60 + 30), expected exactly 100 (hint: add 10)\n"
        "Checked 2 rule sets: 1 with errors. ERRORS: 1, WARNINGS: 1 (--show-warnings lists them)\n"
    )


def test_json_output_lists_every_issue(folder: Path) -> None:
    (folder / "rules" / "b.yaml").write_text(GOOD.replace("weight: 40", "weight: 30"), "utf-8")
    code, output = run("validate", "--format", "json", "rules")
    assert code == 1
    assert json.loads(output) == {
        "rule_sets": [
            {"path": "rules/b.yaml", "id": None, "valid": False, "errors": 1, "warnings": 0}
        ],
        "issues": [
            {
                "level": "error",
                "code": "V003",
                "message": "weights of section 'main' sum to 90 (60 + 30), expected exactly 100",
                "file": "rules/b.yaml",
                "line": 57,
                "column": 9,
                "path": "scorecards[0].sections[0].items",
                "hint": "add 10",
            }
        ],
        "errors": 1,
        "warnings": 0,
    }


def test_missing_paths_and_empty_folders_are_user_errors(folder: Path) -> None:
    assert run("validate", "nowhere.yaml") == (1, "Error: no such file or folder: nowhere.yaml\n")
    assert run("validate", "rules") == (1, "Error: no rule files (*.yaml, *.yml) in rules\n")


def test_schema_writes_and_checks_the_files(folder: Path) -> None:
    assert run("schema", "--out", "out") == (
        0,
        "wrote out/rule-file.schema.json\nwrote out/ruleset.schema.json\n",
    )
    for name, build in SCHEMAS.items():
        assert (folder / "out" / name).read_text(encoding="utf-8") == render_schema(build())
    assert run("schema", "--out", "out", "--check") == (0, "out: up to date\n")
    (folder / "out" / "ruleset.schema.json").write_text("{}", encoding="utf-8")
    assert run("schema", "--out", "out", "--check") == (
        1,
        "Error: out of date in out: ruleset.schema.json (run: appraisal schema --out out)\n",
    )


def test_commands_have_help() -> None:
    for command in ("validate", "schema"):
        code, output = run(command, "--help")
        assert code == 0
        assert output.startswith(f"Usage: cli {command} [OPTIONS]")


def test_the_pre_commit_hook_runs_validate_on_the_rules_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import yaml

    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "appraisal-validate"
    program, *command = hook["entry"].split()
    assert program == "appraisal"
    monkeypatch.chdir(ROOT)
    code, output = run(*command, *hook["args"])
    assert (code, output) == (0, "Checked 4 rule sets: all valid. ERRORS: 0, WARNINGS: 0\n")
