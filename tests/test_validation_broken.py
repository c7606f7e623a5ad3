"""Each broken rule file yields exactly the messages written in it, at the right places.

Every file in ``tests/rules_broken/`` holds one kind of mistake (``many_mistakes``
holds several) and ends with ``# expect:`` lines: the exact output of
``appraisal validate`` for it.  All issues are reported at once and the command
exits with 1.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from appraisal.cli import cli

ROOT = Path(__file__).resolve().parent.parent
BROKEN = sorted((ROOT / "tests" / "rules_broken").glob("*.yaml"))


def expected_output(path: Path) -> str:
    lines = [
        line.removeprefix("# expect: ")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("# expect: ")
    ]
    return "".join(f"{line}\n" for line in lines)


def test_there_is_a_broken_file_per_kind_of_mistake() -> None:
    names = {p.stem for p in BROKEN}
    assert len(names) >= 30
    for kind in ("yaml_syntax", "duplicate_key", "unknown_key", "weights_not_100", "tier_gap"):
        assert kind in names


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_file_reports_exact_issues(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    expected = expected_output(path)
    assert "error[" in expected
    result = CliRunner().invoke(cli, ["validate", path.relative_to(ROOT).as_posix()])
    assert result.output == expected
    assert result.exit_code == 1


def test_all_broken_files_at_once_report_every_issue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, ["validate", "tests/rules_broken"])
    issue_lines = [line for line in result.output.splitlines() if "error[" in line]
    expected = [
        line for path in BROKEN for line in expected_output(path).splitlines() if "error[" in line
    ]
    assert issue_lines == sorted(expected, key=lambda line: _sort_key(line))
    assert result.output.splitlines()[-1] == (
        f"Checked {len(BROKEN)} rule sets: {len(BROKEN)} with errors. "
        f"ERRORS: {len(expected)}, WARNINGS: 0"
    )
    assert result.exit_code == 1


def _sort_key(line: str) -> tuple[str, int, int]:
    file, line_no, column = line.split(":")[:3]
    return (file, int(line_no), int(column))
