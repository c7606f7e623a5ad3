"""`appraisal demo` builds a workspace and evaluates it end to end, as the README promises."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from appraisal.cli import cli

RULE_SETS = (
    "account-manager-quarterly",
    "client-scorecard",
    "sales-rep-quarterly",
    "team-lead-quarterly",
)


def test_demo_builds_evaluates_and_reports(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", str(target), "--scale", "0.01"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        f"Demo workspace: {target.resolve()}",
        f"Rules:          {target.resolve() / 'rules'}",
        "Period:         2026Q3",
        "Scorecards (open the index pages in a browser):",
    ]
    assert not list((target / "data").glob("*.rejected.csv")), "demo data must import cleanly"
    for ruleset_id in RULE_SETS:
        for language in ("zh", "en"):
            index = target / "reports" / ruleset_id / language / "index.html"
            assert f"    {index.resolve()}" in lines
            assert "<html" in index.read_text(encoding="utf-8")
            manifest = json.loads(index.with_name("manifest.json").read_text(encoding="utf-8"))
            assert manifest
    assert "==> importing" in result.stderr
