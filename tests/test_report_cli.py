"""``appraisal report`` on the fixture run: exact output, exit codes, options."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from appraisal.audit.audit_log import EventKind, read_log
from appraisal.cli import cli
from tests.test_report_support import RUN_Q3, report_db

__all__ = ["report_db"]


def _report(engine: Engine, tmp_path: Path, *args: str) -> tuple[int, str]:
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli, ["-w", str(tmp_path), "--db", url, "report", *args])
    return result.exit_code, result.output


@pytest.fixture(autouse=True)
def _actor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPRAISAL_ACTOR", "hr-reporter")


def test_report_latest_prints_what_it_wrote(report_db: Engine, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = _report(report_db, tmp_path, "latest", "--out", str(out), "--lang", "en")
    with report_db.connect() as conn:
        record = read_log(conn, EventKind.REPORT)[-1]
    assert (code, record.actor) == (0, "hr-reporter")
    assert output == (
        f"Report of run {RUN_Q3} (report-demo 2.1, 2026Q3, draft) for HR in English\n"
        "  rep: 4 scorecards and a summary\n"
        "  client: 3 of 6 client scorecards (at most 200: award winners, then clients with "
        "actions)\n"
        f"Wrote 31 files to {out} (html, md, csv, xlsx, json)\n"
        f"Open {out / 'index.html'}\n"
        f"Bundle hash {record.payload['output_hash'][:12]} recorded in the audit log\n"
    )


def test_a_managers_bundle_in_chinese(report_db: Engine, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = _report(
        report_db,
        tmp_path,
        RUN_Q3,
        "--out",
        str(out),
        "--audience",
        "manager",
        "--subject",
        "M1",
        "--format",
        "md, csv",
        "--client-pages",
        "all",
    )
    assert code == 0, output
    assert output.splitlines()[:4] == [
        f"Report of run {RUN_Q3} (report-demo 2.1, 2026Q3, draft) for manager M1 in Chinese",
        "  rep: 2 scorecards and a summary",
        "  client: 4 of 4 client scorecards (every client)",
        f"Wrote 18 files to {out} (md, csv)",
    ]
    assert (
        (out / "index.md").read_text(encoding="utf-8").startswith("# 绩效考核报告 · 销售季度考核\n")
    )


def test_custom_templates_override_the_builtin_ones(report_db: Engine, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "scorecard.md").write_text(
        "{{ card.name }}: {{ card.total }} ({{ card.tier_label }})\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    args = ("--out", str(out), "--format", "md", "--lang", "en", "--templates", str(templates))
    code, output = _report(report_db, tmp_path, RUN_Q3, *args)
    assert code == 0, output
    assert (out / "rep" / "E2.md").read_text(encoding="utf-8") == (
        '\\<script\\>alert("x")\\</script\\>: 80.80 (Good)\n'
    )
    assert (out / "index.md").read_text(encoding="utf-8").startswith("# Performance appraisal")


def test_template_mistakes_are_user_errors(report_db: Engine, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "scorecard.html").write_text("<p>\n{{ card.totl }}</p>\n", encoding="utf-8")
    out = tmp_path / "out"
    code, output = _report(report_db, tmp_path, "--out", str(out), "--templates", str(templates))
    assert (code, output) == (
        1,
        "Error: template scorecard.html:2: 'appraisal.report.views.ScorecardView object' "
        "has no attribute 'totl'\n",
    )
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*"))


def test_bad_options_are_usage_errors(report_db: Engine, tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    code, output = _report(report_db, tmp_path, "--out", out, "--format", "html,pdf")
    assert code == 2
    assert output.endswith(
        "Error: Invalid value: unknown format 'pdf'; choose from html, md, csv, xlsx, json\n"
    )
    code, output = _report(report_db, tmp_path, "--out", out, "--client-pages", "many")
    assert code == 2
    assert output.endswith("Error: Invalid value: 'many' is not a number or 'all'\n")
    code, output = _report(report_db, tmp_path, "--out", out, "--audience", "manager")
    assert (code, output) == (
        1,
        "Error: --audience manager needs --subject STAFF_ID (whose bundle)\n",
    )
