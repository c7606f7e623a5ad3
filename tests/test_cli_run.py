"""``appraisal run`` on a small demo workspace (scale 0.01, DuckDB): exact output and files."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from appraisal.cli import cli
from appraisal.demo import generate, write_files
from appraisal.engine.run_tables import EVALUATION_RUNS
from appraisal.importing import import_files
from appraisal.store.database import connect, create_schema
from appraisal.workspace import init_workspace

RULES = Path(__file__).resolve().parent.parent / "rules"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo workspace at scale 0.01 with the example rule sets, imported once."""
    root = tmp_path_factory.mktemp("demo")
    space = init_workspace(root)
    paths = write_files(generate(0.01), space.data_dir)
    engine = connect(space.database_url)
    try:
        create_schema(engine)
        import_files(engine, paths, timezone=space.timezone)
    finally:
        engine.dispose()
    shutil.copytree(RULES, root / "rules", dirs_exist_ok=True)
    yield root


def _run(workspace: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-w", str(workspace), "run", *args])
    return result.exit_code, result.output


def _last_run(workspace: Path) -> tuple[str, str]:
    engine = connect(f"duckdb:///{workspace / 'data' / 'appraisal.duckdb'}")
    try:
        with engine.connect() as conn:
            row = conn.execute(
                sa.select(EVALUATION_RUNS.c.run_id, EVALUATION_RUNS.c.results_hash)
                .order_by(EVALUATION_RUNS.c.run_id.desc())
                .limit(1)
            ).one()
    finally:
        engine.dispose()
    return row[0], row[1]


def test_account_manager_summary(workspace: Path) -> None:
    out = workspace / "out"
    code, output = _run(
        workspace, "rules/account-manager-quarterly.yaml", "--period", "2026Q3", "--out", str(out)
    )
    run_id, results_hash = _last_run(workspace)
    assert code == 0, output
    assert output == (
        f"Evaluated account-manager-quarterly 1.0 for 2026Q3: draft run {run_id} (duckdb)\n"
        "  account_manager: 8 subjects — S 0 · A 1 · B 6 · C 1 · D 0\n"
        "    incentives paid: 93,600.00 CNY\n"
        "    quarterly_bonus: 93,600.00 CNY to 8\n"
        "    best_account_manager: 1 winner\n"
        "    referral_star: 3 winners\n"
        "    improvement actions: churn_review 2, engagement_visits 8, coaching 2\n"
        f"Results: {out / 'account-manager-quarterly-2026Q3.json'}\n"
    )
    written = (out / "account-manager-quarterly-2026Q3.json").read_bytes()
    assert hashlib.sha256(written).hexdigest() == results_hash


def test_client_scorecard_summary_with_segments(workspace: Path) -> None:
    code, output = _run(workspace, "rules/client-scorecard.yaml", "--period", "2026Q3")
    run_id, _hash = _last_run(workspace)
    assert code == 0, output
    assert output == (
        f"Evaluated client-scorecard 1.0 for 2026Q3: draft run {run_id} (duckdb)\n"
        "  client: 1467 subjects — diamond 89 · gold 44 · silver 225 · bronze 1109\n"
        "    best_customer: 10 winners\n"
        "    ambassador: 5 winners\n"
        "    improvement actions: bronze_recovery 1109, service_recovery 49\n"
        "  rfm_segments: 1467 clients — champions 75 · high_potential 0 · at_risk 12 · "
        "loyal 497 · hibernating 883\n"
    )


def test_json_output_is_the_stored_results_and_repeats_byte_for_byte(workspace: Path) -> None:
    args = ("rules/sales-rep-quarterly.yaml", "--period", "2026Q3", "--format", "json")
    code, first = _run(workspace, *args)
    _run_id, results_hash = _last_run(workspace)
    code_again, second = _run(workspace, *args)
    assert (code, code_again) == (0, 0)
    assert first == second
    data = json.loads(first)
    assert data["ruleset"]["id"] == "sales-rep-quarterly"
    assert data["scorecards"][0]["subject_count"] == 6
    assert hashlib.sha256(first.encode("utf-8")).hexdigest() == results_hash


def test_every_example_rule_set_runs(workspace: Path) -> None:
    for name in ("sales-rep-quarterly", "team-lead-quarterly"):
        code, output = _run(workspace, f"rules/{name}.yaml", "--period", "2026Q3")
        assert code == 0, output
        assert output.startswith(f"Evaluated {name} ")


def test_errors_are_reported_plainly(workspace: Path) -> None:
    code, output = _run(workspace, "rules/account-manager-quarterly.yaml", "--period", "Q9")
    assert (code, output) == (
        1,
        "Error: period 'Q9' is not recognised; expected 2026Q3 (quarter), 2026-07 (month), "
        "2026H1 (half year) or 2026 (year)\n",
    )
    code, output = _run(
        workspace, "rules/team-lead-quarterly.yaml", "--period", "2026Q3", "--official"
    )
    assert (code, output) == (
        1,
        "Error: an official run needs approved rules; team-lead-quarterly 1.0 is draft "
        "(run without --official for a draft)\n",
    )


def test_report_option_writes_the_bundle_of_the_run(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    code, output = _run(
        workspace,
        str(RULES / "sales-rep-quarterly.yaml"),
        "--period",
        "2026Q3",
        "--report",
        str(out),
    )
    assert code == 0, output
    assert output.splitlines()[-1] == f"Report: {out / 'index.html'}"
    run_id, _ = _last_run(workspace)
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    assert run_id in manifest
    assert "<html" in (out / "index.html").read_text(encoding="utf-8")
