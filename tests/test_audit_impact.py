"""Impact analysis: two rule sets on the same data, compared subject by subject.

Data (period 2026Q1): S1 has 6 orders and S2 9 orders of 12,000 each.  Under
mini.yaml (targets 100,000 and 10 orders, attainment scoring, weights 60/40):

* S1: sales 72 points, orders 60 → 0.6·72 + 0.4·60 = 67.20, tier C; bonus 0,
  commission 2 % of 72,000 = 1,440.
* S2: sales 108, orders 90 → 64.80 + 36 = 100.80, tier A; bonus 1.2 × 10,000 =
  12,000, commission 2 % of 100,000 + 3 % of 8,000 = 2,240.

With the weights swapped to 40/60: S1 28.80 + 36 = 64.80 (C, unchanged);
S2 43.20 + 54 = 97.20, tier B, bonus 10,000.  The bonus pool falls by 2,000.
"""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from appraisal.audit.canonical import content_hash, short_hash
from appraisal.audit.impact import (
    ImpactReport,
    IncentiveTotal,
    SubjectImpact,
    TierMove,
    analyse_impact,
)
from appraisal.audit.impact_render import render_csv, render_html
from appraisal.cli import cli
from appraisal.engine.evaluate import evaluate
from appraisal.engine.fingerprint import data_fingerprint
from appraisal.periods import Period
from appraisal.spec.models import RuleSet
from appraisal.spec.parse import parse_ruleset
from appraisal.store.database import create_schema
from appraisal.store.schema import Customer, Order, Staff
from appraisal.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures" / "audit"
MINI = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")
SWAPPED = (
    MINI.replace("weight: 60", "weight: X")
    .replace("weight: 40", "weight: 60")
    .replace("weight: X", "weight: 40")
)
Q1 = Period.parse("2026Q1")


def seed(engine: Engine, s2_name: str = "Bo") -> None:
    create_schema(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(Staff),
            [
                {"staff_id": "S1", "name": "Ann", "role": "sales_rep"},
                {"staff_id": "S2", "name": s2_name, "role": "sales_rep"},
            ],
        )
        conn.execute(
            sa.insert(Customer),
            [{"customer_id": "C1", "name": "Acme", "acquired_on": date(2025, 1, 5)}],
        )
        conn.execute(
            sa.insert(Order),
            [
                {
                    "order_id": f"O{i:02d}",
                    "customer_id": "C1",
                    "staff_id": "S1" if i < 6 else "S2",
                    "ordered_on": date(2026, 2, 1),
                    "amount": Decimal(12000),
                    "status": "delivered",
                }
                for i in range(15)
            ],
        )


def load(tmp_path: Path, text: str, name: str) -> tuple[Path, RuleSet]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    build = parse_ruleset(path)
    assert build.ruleset is not None
    return path, build.ruleset


def test_impact_by_hand(engine: Engine, tmp_path: Path) -> None:
    seed(engine)
    _, old = load(tmp_path, MINI, "old.yaml")
    _, new = load(tmp_path, SWAPPED, "new.yaml")
    report = analyse_impact(engine, ("old", old), ("new", new), Q1, timezone="Asia/Shanghai")
    assert report.subjects == (
        SubjectImpact(
            "rep", "person", "S1", "Ann",
            Decimal("67.20"), Decimal("64.80"), "C", "C",
            Decimal("1440.00"), Decimal("1440.00"),
        ),
        SubjectImpact(
            "rep", "person", "S2", "Bo",
            Decimal("100.80"), Decimal("97.20"), "A", "B",
            Decimal("14240.00"), Decimal("12240.00"),
        ),
    )  # fmt: skip
    assert report.moves == (TierMove("rep", "A", "B", 1), TierMove("rep", "C", "C", 1))
    assert report.incentives == (
        IncentiveTotal("rep", "bonus", "bonus", Decimal(12000), Decimal(10000)),
        IncentiveTotal("rep", "commission", "commission", Decimal(3680), Decimal(3680)),
    )
    assert (report.total_before, report.total_after) == (Decimal(15680), Decimal(13680))
    assert report.tiers_of("rep") == ("A", "B", "C")
    assert (report.old_hash, report.new_hash) == (content_hash(old), content_hash(new))
    with engine.connect() as conn:  # both evaluations were undone
        assert not sa.inspect(conn).has_table("evaluation_runs") or (
            conn.execute(sa.text("select count(*) from evaluation_runs")).scalar() == 0
        )
        assert report.data_fingerprint == data_fingerprint(conn).digest


def test_impact_agrees_with_two_separate_runs(engine: Engine, tmp_path: Path) -> None:
    seed(engine)
    old_path, old = load(tmp_path, MINI, "old.yaml")
    new_path, new = load(tmp_path, SWAPPED, "new.yaml")
    report = analyse_impact(engine, ("old", old), ("new", new), Q1, timezone="Asia/Shanghai")
    space = Workspace(tmp_path, str(engine.url))
    before = evaluate(old_path, Q1, database=engine, workspace=space).scorecard("rep")
    after = evaluate(new_path, Q1, database=engine, workspace=space).scorecard("rep")
    assert len(report.subjects) == len(before.subjects) == len(after.subjects) == 2
    for row in report.subjects:
        a, b = before.subject(row.subject_id), after.subject(row.subject_id)
        assert (row.total_before, row.tier_before) == (a.total, a.tier)
        assert (row.total_after, row.tier_after) == (b.total, b.tier)
        assert row.incentive_before == sum(i.amount or 0 for i in a.incentives)
        assert row.incentive_after == sum(i.amount or 0 for i in b.incentives)
    for total in report.incentives:
        by_id_before = {i.incentive: i.total for i in before.incentives}
        by_id_after = {i.incentive: i.total for i in after.incentives}
        assert (total.before, total.after) == (
            by_id_before[total.incentive_id],
            by_id_after[total.incentive_id],
        )


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules").mkdir()
    shutil.copy(FIXTURES / "mini.yaml", tmp_path / "rules" / "mini.yaml")
    (tmp_path / "new.yaml").write_text(SWAPPED, encoding="utf-8")
    return tmp_path


def test_impact_command_markdown(engine: Engine, workspace: Path) -> None:
    seed(engine)
    old = short_hash(content_hash(load(workspace, MINI, "rules/mini.yaml")[1]))
    new = short_hash(content_hash(load(workspace, SWAPPED, "new.yaml")[1]))
    with engine.connect() as conn:
        data = short_hash(data_fingerprint(conn).digest)
    url = engine.url.render_as_string(hide_password=False)
    args = ["--db", url, "rules", "impact", "rules/mini.yaml", "new.yaml", "--period", "2026Q1"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.output == (
        "# Impact of rules/mini.yaml → new.yaml, 2026Q1\n"
        "\n"
        f"Period 2026Q1; data fingerprint {data}.  \n"
        f"Old rules: rules/mini.yaml — version 1.0, sha256 {old}.  \n"
        f"New rules: new.yaml — version 1.0, sha256 {new}.  \n"
        "\n"
        "2 subjects; 1 change tier; incentives 15,680.00 → 13,680.00 (-2,000.00).\n"
        "\n"
        "## Incentives (bonus pool)\n"
        "\n"
        "| scorecard | incentive | kind | before | after | change |\n"
        "|---|---|---|---|---|---|\n"
        "| rep | bonus | bonus | 12,000.00 | 10,000.00 | -2,000.00 |\n"
        "| rep | commission | commission | 3,680.00 | 3,680.00 | 0.00 |\n"
        "| total |  |  | 15,680.00 | 13,680.00 | -2,000.00 |\n"
        "\n"
        "## Tier movement: rep\n"
        "\n"
        "| before ↓ after → | A | B | C |\n"
        "|---|---|---|---|\n"
        "| A | 0 | 1 | 0 |\n"
        "| B | 0 | 0 | 0 |\n"
        "| C | 0 | 0 | 1 |\n"
        "\n"
        "## Subjects\n"
        "\n"
        "| scorecard | subject | name | total before | total after | Δ total | tier before | "
        "tier after | incentive before | incentive after | Δ incentive |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|\n"
        "| rep | S1 | Ann | 67.20 | 64.80 | -2.40 | C | C | 1,440.00 | 1,440.00 | 0.00 |\n"
        "| rep | S2 | Bo | 100.80 | 97.20 | -3.60 | A | B | 14,240.00 | 12,240.00 | -2,000.00 |\n"
    )


def test_csv_and_html_are_safe() -> None:
    report = ImpactReport(
        old_label="old",
        new_label="new",
        old_version="1.0",
        new_version="1.1",
        old_hash="a" * 64,
        new_hash="b" * 64,
        period="2026Q1",
        data_fingerprint="c" * 64,
        subjects=(
            SubjectImpact(
                "rep", "person", "S1", "Ann",
                Decimal("67.2"), Decimal("64.8"), "C", "C", Decimal(1440), Decimal(1440),
            ),
            SubjectImpact(
                "rep", "person", "S2", "=HYPERLINK(1)<b>",
                Decimal("100.8"), None, "A", None, Decimal(14240), Decimal(0),
            ),
        ),
        moves=(TierMove("rep", "A", None, 1), TierMove("rep", "C", "C", 1)),
        incentives=(IncentiveTotal("rep", "bonus", "bonus", Decimal(12000), Decimal(0)),),
        tier_order=(("rep", ("A", "B", "C")),),
    )  # fmt: skip
    assert render_csv(report).splitlines() == [
        '"scorecard_id","subject_kind","subject_id","name","total_before","total_after",'
        '"total_change","tier_before","tier_after","incentive_before","incentive_after",'
        '"incentive_change"',
        '"rep","person","S1","Ann","67.20","64.80","-2.40","C","C","1440.00","1440.00","0.00"',
        '"rep","person","S2","\'=HYPERLINK(1)<b>","100.80","","","A","","14240.00","0.00",'
        '"-14240.00"',
    ]
    html = render_html(report)
    assert "<td>=HYPERLINK(1)&lt;b&gt;</td>" in html
    assert "<b>" not in html
    assert "<tr><th>before ↓ after →</th><th>A</th><th>B</th><th>C</th><th>—</th></tr>" in html
    assert (
        '<tr><th>A</th><td class="n">0</td><td class="n">0</td><td class="n">0</td>'
        '<td class="n">1</td></tr>'
    ) in html
    assert render_html(report) == html  # no clock, no randomness
