"""Semantic diff: formatting and order are ignored, every change of meaning is named."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from appraisal.audit.canonical import content_hash, short_hash
from appraisal.audit.diff import Change, ChangeKind, diff_documents, diff_rulesets
from appraisal.audit.diff_render import change_text
from appraisal.cli import cli
from appraisal.spec.models import RuleSet
from appraisal.spec.parse import parse_ruleset

FIXTURES = Path(__file__).parent / "fixtures" / "audit"
MINI = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")


def load(path: Path) -> RuleSet:
    build = parse_ruleset(path)
    assert build.ruleset is not None, [i.render() for i in build.issues]
    return build.ruleset


def h(path: Path) -> str:
    return short_hash(content_hash(load(path)))


@pytest.fixture
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(FIXTURES / "mini.yaml", folder / "mini.yaml")
    shutil.copy(FIXTURES / "mini-reformatted.yaml", tmp_path / "reformatted.yaml")
    return folder


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_reformatting_reordering_and_comments_are_no_change(rules: Path) -> None:
    code, output = run("rules", "diff", "rules/mini.yaml", "reformatted.yaml")
    old, new = h(rules / "mini.yaml"), h(Path("reformatted.yaml"))
    assert old != new  # the item order differs, and the hash keeps order
    assert (code, output) == (
        0,
        "--- rules/mini.yaml\n"
        "+++ reformatted.yaml\n"
        f"mini 1.0 → 1.0 (sha256 {old} → {new}): no changes of meaning "
        "(only item order differs)\n",
    )


def test_a_weight_change_is_caught(rules: Path) -> None:
    Path("new.yaml").write_text(
        MINI.replace("weight: 60", "weight: 65").replace("weight: 40", "weight: 35"),
        encoding="utf-8",
    )
    code, output = run("rules", "diff", "reformatted.yaml", "new.yaml")
    old, new = h(Path("reformatted.yaml")), h(Path("new.yaml"))
    assert (code, output) == (
        0,
        "--- reformatted.yaml\n"
        "+++ new.yaml\n"
        f"mini 1.0 → 1.0 (sha256 {old} → {new}): 2 changes\n"
        "  scorecard rep › results › sales_amount: weight 60 → 65\n"
        "  scorecard rep › results › order_count: weight 40 → 35\n",
    )
    assert run("rules", "diff", "--exit-code", "reformatted.yaml", "new.yaml")[0] == 1
    assert run("rules", "diff", "--exit-code", "rules/mini.yaml", "reformatted.yaml")[0] == 0


def test_every_kind_of_meaning_is_reported(rules: Path) -> None:
    text = (
        MINI.replace("weight: 60", "weight: 65")
        .replace("weight: 40", "weight: 35")
        .replace('version: "1.0"', 'version: "1.1"')
        .replace("effective_from: 2026-01-01", "effective_from: 2026-04-01")
        .replace("min: 80, max: 100}", "min: 85, max: 100}")
        .replace("en: Needs improvement}, max: 80}", "en: Needs improvement}, max: 85}")
        .replace("{min: 100000, rate: 3%}", "{min: 100000, rate: 3.5%}")
        .replace("by_role: {sales_rep: 100000}", "by_role: {sales_rep: 120000, senior: 150000}")
        .replace(
            "filter: status <> 'cancelled'\n    link: staff_id\n    window: {mode: in_period, "
            "column: ordered_on}\n\n  - id: order_count",
            "filter: status not in ('cancelled', 'refund')\n    link: staff_id\n    window: "
            "{mode: in_period, column: ordered_on}\n\n  - id: order_count",
        )
        .replace("due_in_days: 30", "due_in_days: 45")
        .replace(
            "multiplier_by_tier: {A: 1.2, B: 1, C: 0}",
            "multiplier_by_tier: {A: 1.5, B: 1, C: 0}\n        cap: 14000",
        )
    )
    Path("new.yaml").write_text(text, encoding="utf-8")
    diff = diff_rulesets(load(rules / "mini.yaml"), load(Path("new.yaml")))
    assert [change_text(c) for c in diff.changes] == [
        "metadata: version 1.0 → 1.1",
        "metadata: effective_from 2026-01-01 → 2026-04-01",
        "indicator sales_amount: filter status != 'cancelled' → "
        "status not in ('cancelled', 'refund')",
        "target sales_amount: by_role.sales_rep 100000 → 120000",
        "target sales_amount: by_role.senior — → 150000",
        "tier table grades › tier B: min 80 → 85",
        "tier table grades › tier C: max 80 → 85",
        "scorecard rep › results › sales_amount: weight 60 → 65",
        "scorecard rep › results › order_count: weight 40 → 35",
        "scorecard rep › incentive bonus: multiplier_by_tier.A 1.2 → 1.5",
        "scorecard rep › incentive bonus: cap — → 14000",
        "scorecard rep › incentive commission: brackets[1].rate 0.03 → 0.035",
        "scorecard rep › improvement more_orders: due_in_days 30 → 45",
    ]
    assert diff.changes[7] == Change(
        ("scorecard rep", "results", "sales_amount"), "weight", ChangeKind.CHANGED, "60", "65"
    )


def test_added_and_removed_items(rules: Path) -> None:
    block = MINI[MINI.index("  - id: order_count") : MINI.index("targets:")]
    text = MINI.replace(block, block.replace("order_count", "deal_count"))
    text = text.replace("indicator: order_count", "indicator: deal_count")
    Path("new.yaml").write_text(text, encoding="utf-8")
    diff = diff_rulesets(load(rules / "mini.yaml"), load(Path("new.yaml")))
    assert [change_text(c) for c in diff.changes] == [
        "indicator deal_count: added",
        "indicator order_count: removed",
        "target deal_count: added",
        "target order_count: removed",
        "scorecard rep › results › deal_count: added",
        "scorecard rep › results › order_count: removed",
        "scorecard rep › improvement more_orders: when.indicator order_count → deal_count",
        "scorecard rep › improvement more_orders: follow_up.indicator order_count → deal_count",
    ]
    assert diff.changes[1].before["aggregate"] == "count"
    assert diff.changes[1].after is None


def test_segment_order_is_meaning_but_section_order_is_not() -> None:
    segments = [{"code": "vip", "when": "a > 1"}, {"code": "rest", "when": None}]
    old = {"segmentations": [{"id": "s", "segments": segments}]}
    new = {"segmentations": [{"id": "s", "segments": segments[::-1]}]}
    assert [change_text(c) for c in diff_documents(old, new)] == [
        "segmentation s: segments order [vip, rest] → [rest, vip]"
    ]
    sections = [{"id": "a", "share": "50"}, {"id": "b", "share": "50"}]
    card = {"scorecards": [{"id": "c", "sections": sections, "roles": ["x", "y"]}]}
    moved = {"scorecards": [{"id": "c", "sections": sections[::-1], "roles": ["y", "x"]}]}
    assert diff_documents(card, moved) == ()


def test_markdown_and_json_output(rules: Path) -> None:
    Path("new.yaml").write_text(MINI.replace("weight: 60", "weight: 65"), encoding="utf-8")
    old, new = h(rules / "mini.yaml"), h(Path("new.yaml"))
    code, output = run("rules", "diff", "rules/mini.yaml", "new.yaml", "--format", "markdown")
    assert (code, output) == (
        0,
        "# Rule changes: `rules/mini.yaml` → `new.yaml`\n"
        "\n"
        f"## mini 1.0 → 1.0 (sha256 {old} → {new}): 1 change\n"
        "\n"
        "| where | field | change | before | after |\n"
        "|---|---|---|---|---|\n"
        "| scorecard rep › results › sales_amount | weight | changed | 60 | 65 |\n",
    )
    code, output = run("rules", "diff", "rules/mini.yaml", "new.yaml", "--format", "json")
    data = json.loads(output)
    assert data["changed"] is True
    assert data["rule_sets"][0]["status"] == "changed"
    assert data["rule_sets"][0]["old"]["hash"] == content_hash(load(rules / "mini.yaml"))
    assert data["rule_sets"][0]["changes"] == [
        {
            "where": ["scorecard rep", "results", "sales_amount"],
            "field": "weight",
            "change": "changed",
            "before": "60",
            "after": "65",
            "text": "scorecard rep › results › sales_amount: weight 60 → 65",
        }
    ]


def test_folders_pair_rule_sets_by_id(rules: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.yaml").write_text(MINI.replace("id: mini\n", "id: mini-two\n"), "utf-8")
    (other / "b.yaml").write_text(MINI.replace("weight: 60", "weight: 65"), "utf-8")
    code, output = run("rules", "diff", "other", "rules")
    old, new, two = h(other / "b.yaml"), h(rules / "mini.yaml"), h(other / "a.yaml")
    assert (code, output) == (
        0,
        "--- other\n"
        "+++ rules\n"
        f"mini 1.0 → 1.0 (sha256 {old} → {new}): 1 change\n"
        "  scorecard rep › results › sales_amount: weight 65 → 60\n"
        f"mini-two: removed, was 1.0 (sha256 {two})\n",
    )


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_git_revisions(rules: Path, tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "rules")
    git(tmp_path, "commit", "-q", "-m", "first")
    (rules / "mini.yaml").write_text(MINI.replace("weight: 60", "weight: 65"), "utf-8")
    git(tmp_path, "commit", "-q", "-am", "second")
    code, output = run("rules", "diff", "git:HEAD~1:rules/mini.yaml", "git:HEAD:rules")
    assert code == 0, output
    assert output.splitlines()[0:2] == ["--- git:HEAD~1:rules/mini.yaml", "+++ git:HEAD:rules"]
    assert output.splitlines()[3] == "  scorecard rep › results › sales_amount: weight 60 → 65"
    code, output = run("rules", "diff", "git:HEAD~1:rules/mini.yaml", "rules/mini.yaml")
    assert output.splitlines()[3] == "  scorecard rep › results › sales_amount: weight 60 → 65"


def test_bad_references_are_explained(rules: Path, tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    assert run("rules", "diff", "git:--upload-pack=x:rules", "rules") == (
        1,
        "Error: '--upload-pack=x' is not a git revision (expected e.g. HEAD~1, main, v1.2, "
        "a commit hash)\n",
    )
    assert run("rules", "diff", "git:HEAD", "rules") == (
        1,
        "Error: 'git:HEAD' is not a git reference: expected git:REVISION:PATH\n",
    )
    assert run("rules", "diff", "missing.yaml", "rules") == (
        1,
        "Error: no such file or folder: missing.yaml\n",
    )
