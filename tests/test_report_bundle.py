"""Report bundles of the fixture run on every backend: snapshots, tables, JSON, audit, files."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy.engine import Engine

from appraisal.audit.audit_log import EventKind, read_log
from appraisal.errors import UserError
from appraisal.report.bundle import OutputFormat, ReportOptions, write_report
from appraisal.spec.enums import Language
from tests.test_report_support import (
    FORMULA,
    RUN_Q3,
    SCRIPT,
    assert_snapshot,
    report_db,
)

__all__ = ["report_db"]

EN = ReportOptions(language=Language.EN)
ZH = ReportOptions(language=Language.ZH)


def _write(engine: Engine, out: Path, options: ReportOptions = EN) -> Path:
    write_report(engine, RUN_Q3, out, options, actor="reporter")
    return out


def test_bundle_holds_every_page_table_and_the_manifest(report_db: Engine, tmp_path: Path) -> None:
    outcome = write_report(report_db, RUN_Q3, tmp_path / "b", EN, actor="reporter")
    files = sorted(p.relative_to(tmp_path / "b").as_posix() for p in (tmp_path / "b").rglob("*"))
    assert files == [
        "client",
        "client-clients.csv",
        "client-distribution.csv",
        "client-teams.csv",
        "client/K1.html",
        "client/K1.md",
        "client/K5.html",
        "client/K5.md",
        "client/K6.html",
        "client/K6.md",
        "client/summary.html",
        "client/summary.md",
        "index.html",
        "index.md",
        "manifest.json",
        "rep",
        "rep-distribution.csv",
        "rep-items.csv",
        "rep-plans.csv",
        "rep-results.csv",
        "rep-teams.csv",
        "rep/E1.html",
        "rep/E1.md",
        "rep/E2.html",
        "rep/E2.md",
        "rep/W1.html",
        "rep/W1.md",
        "rep/_CON-a3dbc4b6.html",
        "rep/_CON-a3dbc4b6.md",
        "rep/summary.html",
        "rep/summary.md",
        "report.json",
        "report.xlsx",
    ]
    # client pages: the award winner K1, then the bronze clients with an action, K5 and K6
    assert outcome.pages_by_card == {"rep": 4, "client": 3}
    assert outcome.subjects_by_card == {"rep": 4, "client": 6}
    manifest = (tmp_path / "b" / "manifest.json").read_bytes()
    assert outcome.output_hash == hashlib.sha256(manifest).hexdigest()
    listed = json.loads(manifest)
    assert listed["run_id"] == RUN_Q3
    for entry in listed["files"]:
        data = (tmp_path / "b" / entry["path"]).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (entry["sha256"], entry["bytes"])
    assert len(listed["files"]) == len(outcome.files) - 1  # all but the manifest itself


def test_the_same_run_gives_byte_identical_bundles(report_db: Engine, tmp_path: Path) -> None:
    first, second = _write(report_db, tmp_path / "1", ZH), _write(report_db, tmp_path / "2", ZH)
    names = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert names == sorted(
        p.relative_to(second).as_posix() for p in second.rglob("*") if p.is_file()
    )
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@pytest.mark.parametrize("language", ["en", "zh"])
def test_rendered_pages_match_the_snapshots(
    report_db: Engine, tmp_path: Path, language: str
) -> None:
    """Person (met follow-up), client (moved segment), summary and index, HTML and Markdown."""
    options = ReportOptions(language=Language(language), client_pages=None)
    out = _write(report_db, tmp_path / "b", options)
    for page in ("rep/E2", "client/K4", "rep/summary", "index"):
        for extension in ("html", "md"):
            text = (out / f"{page}.{extension}").read_text(encoding="utf-8")
            assert_snapshot(
                "test_report_bundle", f"{page.replace('/', '-')}.{language}.{extension}", text
            )


def test_workbook_sheets_values_frozen_header_and_no_formulas(
    report_db: Engine, tmp_path: Path
) -> None:
    out = _write(report_db, tmp_path / "b")
    book = openpyxl.load_workbook(out / "report.xlsx")
    assert book.sheetnames == [
        "rep Results",
        "rep Plans",
        "rep Teams",
        "rep Distribution",
        "client Clients",
        "client Teams",
        "client Distribution",
    ]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
    results = book["rep Results"]
    header = [c.value for c in results[1]]
    assert header[:15] == [
        "ID",
        "Name",
        "Role",
        "Team",
        "Manager ID",
        "Manager",
        "Total score",
        "Rating code",
        "Rating",
        "Gates fired",
        "Total paid",
        "Quarterly bonus",
        "Team pool",
        "Best rep rank",
        "Actions",
    ]
    rows = {r[0]: r for r in results.iter_rows(min_row=2, values_only=True)}
    assert rows["E1"][6:15] == (111.2, "A", "Excellent", None, 3237.5, 1500, 1737.5, 1, 0)
    assert rows["E2"][6:15] == (80.8, "B", "Good", None, 2262.5, 1000, 1262.5, None, 0)
    assert rows["CON"][1] == "'" + FORMULA
    assert rows["CON"][6:15] == (28.4, "D", "Needs improvement", "Conduct floor", 0, 0, 0, None, 2)
    assert results["G2"].number_format == "#,##0.00"
    distribution = [r for r in book["rep Distribution"].iter_rows(min_row=2, values_only=True)]
    assert distribution == [
        ("A", "Excellent", 1, 0.25),
        ("B", "Good", 1, 0.25),
        ("C", "Fair", 1, 0.25),
        ("D", "Needs improvement", 1, 0.25),
    ]
    clients = {r[0]: r for r in book["client Clients"].iter_rows(min_row=2, values_only=True)}
    assert sorted(clients) == ["../../etc/passwd", "K1", "K2", "K4", "K5", "K6"]
    assert clients["K4"][5:11] == (80, "gold", "Gold", "small", "Small", "Big")


def _csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_csv_tables_read_back_with_exact_values(report_db: Engine, tmp_path: Path) -> None:
    out = _write(report_db, tmp_path / "b")
    raw = (out / "rep-plans.csv").read_bytes()
    assert raw.startswith(b'\xef\xbb\xbf"ID","Name",')
    assert b"\r\n" in raw
    plans = _csv(out / "rep-plans.csv")
    assert plans[0] == [
        "ID",
        "Name",
        "Rule",
        "Action",
        "Why",
        "Owner ID",
        "Owner",
        "Due",
        "Follow-up indicator",
        "Follow-up target",
        "Follow-up period",
    ]
    hostile, formula = '" onmouseover="alert(1)', "'" + FORMULA
    low = ["low_sales", "Build a pipeline plan", "Sales amount below CN¥8,000.00"]
    coaching = ["coaching", "One-to-one coaching", "Rated Fair or Needs improvement"]
    follow_up = ["2026-10-30", "sales_amount", "9000.00", "2026Q4"]
    by_manager = ["M2", "Max Manager", "2026-10-14", "", "", ""]
    assert plans[1:] == [
        ["CON", formula, *low, "CON", formula, *follow_up],
        ["CON", formula, *coaching, *by_manager],
        ["W1", hostile, *low, "W1", hostile, *follow_up],
        ["W1", hostile, *coaching, *by_manager],
    ]
    items = _csv(out / "rep-items.csv")
    e2 = [row for row in items if row[0] == "E2"]
    assert [row[3:] for row in e2] == [
        [
            "sales_amount",
            "Sales amount",
            "9000.00",
            "10000",
            "0.9000",
            "90.00",
            "70",
            "70.00",
            "50.40",
        ],
        ["complaints", "Complaints", "1", "", "", "60.00", "30", "30.00", "14.40"],
        ["conduct", "Conduct", "4.00", "", "", "80.00", "100", "100.00", "16.00"],
    ]
    assert e2[0][1] == SCRIPT


def test_json_holds_every_page_view(report_db: Engine, tmp_path: Path) -> None:
    out = _write(report_db, tmp_path / "b")
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert list(data) == ["run", "summaries", "scorecards", "index"]
    assert data["run"]["period"] == "Q3 2026"
    assert data["run"]["official"] is False
    cards = {c["subject_id"]: c for c in data["scorecards"]}
    assert sorted(cards) == ["CON", "E1", "E2", "K1", "K5", "K6", "W1"]
    assert (cards["E1"]["total"], cards["E1"]["tier_label"], cards["E1"]["money_total"]) == (
        "111.20",
        "Excellent",
        "CN¥3,237.50",
    )
    assert [(e["status"], e["now"]) for e in cards["E2"]["earlier"]] == [("met", "CN¥9,000.00")]
    assert [(e["rule_id"], e["status"], e["now"]) for e in cards["CON"]["earlier"]] == [
        ("low_sales", "not_met", "CN¥4,000.00"),
        ("coaching", "no_measure", "—"),
    ]
    trend = [(p["period"], p["total"]) for p in cards["E2"]["trend"]["points"]]
    assert trend == [("2026Q2", "79.20"), ("2026Q3", "80.80")]
    summary = data["summaries"][0]
    assert (summary["average"], summary["paid"]) == ("72.50", "CN¥6,000.00")
    assert summary["pool_notes"] == ["Team pool: CN¥3,000.00 in the pool, CN¥3,000.00 allocated."]


def test_each_bundle_is_recorded_in_the_audit_log(report_db: Engine, tmp_path: Path) -> None:
    outcome = write_report(
        report_db, RUN_Q3, tmp_path / "b", ReportOptions(formats=(OutputFormat.HTML,)), actor="ann"
    )
    with report_db.connect() as conn:
        last = read_log(conn, EventKind.REPORT)[-1]
    assert (last.actor, last.subject) == ("ann", f"run {RUN_Q3}")
    assert last.payload == {
        "run_id": RUN_Q3,
        "report": "hr:*:zh",
        "format": "html",
        "output_hash": outcome.output_hash,
    }


def test_rewriting_removes_files_the_new_bundle_lacks(report_db: Engine, tmp_path: Path) -> None:
    out = _write(report_db, tmp_path / "b")
    assert (out / "rep" / "W1.html").exists()
    options = ReportOptions(formats=(OutputFormat.CSV,), audience=EN.audience)
    write_report(report_db, RUN_Q3, out, options, actor="reporter")
    left = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    assert left == [
        "client-clients.csv",
        "client-distribution.csv",
        "client-teams.csv",
        "manifest.json",
        "rep-distribution.csv",
        "rep-items.csv",
        "rep-plans.csv",
        "rep-results.csv",
        "rep-teams.csv",
    ]


def test_a_folder_with_other_files_is_refused(report_db: Engine, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UserError) as caught:
        write_report(report_db, RUN_Q3, tmp_path, EN, actor="reporter")
    assert str(caught.value) == (
        f"--out {tmp_path} is not empty and holds no earlier report bundle (manifest.json); "
        "choose an empty or new folder"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_unknown_runs_are_named_with_the_latest_ones(report_db: Engine, tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        write_report(report_db, "2026-nope", tmp_path / "b", EN, actor="reporter")
    assert str(caught.value) == (
        f"no finished run '2026-nope'; the latest are: {RUN_Q3}, 20260701T000000000000Z-q2q2q2"
    )


def test_markdown_tables_stay_intact_with_hostile_names(report_db: Engine, tmp_path: Path) -> None:
    out = _write(report_db, tmp_path / "b")
    text = (out / "rep" / "summary.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "西区" in line]
    for row in rows:
        cells = row.replace("\\|", "").split("|")
        assert len(cells) in (7, 11), row  # leaderboard and team rows keep their columns
    assert io.StringIO(text).read().count("\\<script\\>") >= 1


def test_summaries_agree_with_the_engines_rollups(report_db: Engine) -> None:
    """The streamed tally over everyone equals the engine's stored ``all`` group."""
    from appraisal.engine.results import scorecard_result
    from appraisal.report.scoped import slim_rows
    from appraisal.report.source import resolve_run
    from appraisal.report.summary import tally

    with report_db.connect() as conn:
        run = resolve_run(conn, RUN_Q3)
        for card in run.ruleset.scorecards:
            stored = next(
                g
                for g in scorecard_result(conn, RUN_Q3, run.ruleset, card).groups
                if g.kind == "all"
            )
            board = tally(slim_rows(conn, run, card, []))
            group = board.everyone
            rounding = run.ruleset.settings.score_rounding
            assert (group.subjects, group.rated) == (stored.subjects, stored.rated)
            assert rounding.apply(group.total_sum / group.rated) == stored.average_total
            assert group.money == stored.incentive_total
            assert dict(group.tiers) == {t.tier: t.subjects for t in stored.tiers}


def test_an_official_run_carries_no_draft_mark(report_db: Engine, tmp_path: Path) -> None:
    from appraisal.engine.run_tables import EVALUATION_RUNS

    def official(value: bool) -> None:
        with report_db.begin() as conn:
            conn.execute(
                EVALUATION_RUNS.update()
                .where(EVALUATION_RUNS.c.run_id == RUN_Q3)
                .values(official=value, status="official" if value else "draft")
            )

    official(True)
    try:
        out = _write(report_db, tmp_path / "b", ReportOptions(language=Language.EN))
    finally:
        official(False)
    page = (out / "rep" / "E1.html").read_text(encoding="utf-8")
    assert '<span class="status official">Official</span>' in page
    assert "watermark" not in page.split("</style>")[1]
    assert "DRAFT" not in page and "Not official yet" not in page
    assert "DRAFT" not in (out / "rep" / "E1.md").read_text(encoding="utf-8")
