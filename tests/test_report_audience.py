"""Audiences and hostile names, on every backend.

A manager's bundle must not name anyone of the other team in any file
(pages, tables, the workbook's XML, JSON); a person's holds their own
scorecard only; hostile names stay inert in HTML (text and attributes),
Markdown, CSV, XLSX and file names.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy.engine import Engine

from appraisal.errors import UserError
from appraisal.report.audience import Audience
from appraisal.report.bundle import ReportOptions, write_report
from appraisal.spec.enums import Language
from tests.test_report_support import (
    ATTRIBUTE,
    EAST_NAMES,
    FORMULA,
    RTL,
    RUN_Q3,
    SCRIPT,
    TRAVERSAL,
    WEST_NAMES,
    bundle_text,
    report_db,
)

__all__ = ["report_db"]


def _bundle(engine: Engine, out: Path, **options: object) -> dict[str, str]:
    write_report(engine, RUN_Q3, out, ReportOptions(language=Language.EN, **options), actor="t")
    return bundle_text(out)


def _pages(files: dict[str, str]) -> list[str]:
    return sorted(name for name in files if name.endswith(".html"))


def test_a_managers_bundle_names_nobody_of_the_other_team(
    report_db: Engine, tmp_path: Path
) -> None:
    files = _bundle(report_db, tmp_path, audience=Audience.MANAGER, subject="M1", client_pages=None)
    assert _pages(files) == [
        "client/K1.html",
        "client/K2.html",
        "client/K5.html",
        "client/K6.html",
        "client/summary.html",
        "index.html",
        "rep/E1.html",
        "rep/E2.html",
        "rep/summary.html",
    ]
    for name, text in files.items():
        for west in (*WEST_NAMES, "West", "西区", "W1", "CON", "etc/passwd"):
            assert west not in text, (west, name)
    everything = "\n".join(files.values())
    assert "Erin East" in everything and "Kay One" in everything
    summary = json.loads(files["report.json"])["summaries"][0]
    assert (summary["subjects"], summary["average"], summary["paid"]) == (
        "2",
        "96.00",
        "CN¥5,500.00",
    )
    assert [row["team"] for row in summary["teams"]] == ["华东一组"]


def test_a_persons_bundle_holds_their_own_scorecard_only(report_db: Engine, tmp_path: Path) -> None:
    files = _bundle(report_db, tmp_path, audience=Audience.PERSON, subject="E1")
    assert sorted(files) == [
        "index.html",
        "index.md",
        "manifest.json",
        "rep-items.csv",
        "rep-plans.csv",
        "rep-results.csv",
        "rep/E1.html",
        "rep/E1.md",
        "report.json",
        "report.xlsx",
    ]
    for name, text in files.items():
        for other in (*WEST_NAMES, SCRIPT, "Kay One", "Kit Five", "Max Manager"):
            assert other not in text, (other, name)
    assert "Mia Manager" in files["rep/E1.html"]  # their own manager is named
    book = openpyxl.load_workbook(tmp_path / "report.xlsx")
    assert book.sheetnames == ["rep Results", "rep Plans"]
    assert [r[0] for r in book["rep Results"].iter_rows(min_row=2, values_only=True)] == ["E1"]


def test_an_unknown_viewer_is_named_with_a_suggestion(report_db: Engine, tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        _bundle(report_db, tmp_path, audience=Audience.MANAGER, subject="CONN")
    assert str(caught.value) == "no staff member 'CONN' in this workspace (did you mean 'CON'?)"
    with pytest.raises(UserError) as caught:
        _bundle(report_db, tmp_path, audience=Audience.PERSON)
    assert str(caught.value) == "--audience person needs --subject STAFF_ID (whose bundle)"
    assert not any(tmp_path.iterdir())


def test_html_escapes_hostile_names_in_text_and_attributes(
    report_db: Engine, tmp_path: Path
) -> None:
    files = _bundle(report_db, tmp_path, client_pages=None)
    for name in _pages(files):
        text = files[name]
        assert "<script" not in text.lower(), name
        assert ATTRIBUTE not in text and 'onmouseover="' not in text, name
    index = files["index.html"]
    assert 'title="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"' in index
    assert 'title="&#34; onmouseover=&#34;alert(1)"' in index
    assert "<bdi>&#34; onmouseover=&#34;alert(1)</bdi>" in index
    assert f"<bdi>{RTL}</bdi>" in index
    assert '<h1 title="&#34; onmouseover=&#34;alert(1)">' in files["rep/W1.html"]


def test_markdown_escapes_hostile_names(report_db: Engine, tmp_path: Path) -> None:
    files = _bundle(report_db, tmp_path)
    for name in (n for n in files if n.endswith(".md")):
        assert "<script>" not in files[name], name
    assert '# \\<script\\>alert("x")\\</script\\> · Sales rep scorecard\n' in files["rep/E2.md"]


def test_spreadsheets_neutralise_formulas(report_db: Engine, tmp_path: Path) -> None:
    _bundle(report_db, tmp_path)
    with (tmp_path / "rep-results.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert [row[1] for row in rows[1:]] == [
        "'" + FORMULA,
        "Erin East",
        SCRIPT,
        ATTRIBUTE,
    ]
    for row in rows:
        for cell in row[1:2]:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
    book = openpyxl.load_workbook(tmp_path / "report.xlsx")
    names = [r[1] for r in book["rep Results"].iter_rows(min_row=2, values_only=True)]
    assert names == ["'" + FORMULA, "Erin East", SCRIPT, ATTRIBUTE]
    assert all(c.data_type != "f" for s in book.worksheets for row in s.iter_rows() for c in row)


def test_file_names_come_from_ids_and_stay_in_the_folder(report_db: Engine, tmp_path: Path) -> None:
    files = _bundle(report_db, tmp_path / "out", client_pages=None)
    assert sorted(n for n in files if n.startswith("client/") and n.endswith(".html")) == [
        "client/K1.html",
        "client/K2.html",
        "client/K4.html",
        "client/K5.html",
        "client/K6.html",
        "client/etc_passwd-3754d6cb.html",
        "client/summary.html",
    ]
    assert "rep/_CON-a3dbc4b6.html" in files
    assert not (tmp_path / "etc").exists()
    assert TRAVERSAL in files["client/etc_passwd-3754d6cb.html"]
    assert EAST_NAMES[0] in files["index.html"]
