"""``appraisal explain``: commented SQL without data, and a subject's trace on every backend."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from appraisal.cli import cli
from appraisal.engine.explain import explain
from appraisal.periods import Period
from tests.test_engine_measure_data import load, ruleset

RULES = """
indicators:
  - {id: sales_amount, kind: aggregate, title: {en: Sales}, unit: money, direction: higher,
     subject: person, aggregate: sum, entity: orders, measure: amount,
     filter: "status <> 'cancelled'", link: staff_id,
     window: {mode: in_period, column: ordered_on}}
  - {id: attainment, kind: attainment, title: {en: Att}, unit: percent, direction: higher,
     subject: person, of: sales_amount}
targets:
  - indicator: sales_amount
    period: quarter
    overrides: [{subject: A2, value: 1000}]
    from_table: true
    default: 100
tier_tables:
  - {id: t, bands: [{code: A, label: {en: A}, min: 50}, {code: B, label: {en: B}, max: 50}]}
scorecards:
  - id: card
    title: {en: Card}
    subject: person
    roles: [account_manager]
    tiers: t
    sections:
      - id: s
        title: {en: S}
        share: 100
        items:
          - {indicator: attainment, weight: 100, scoring: {method: direct}}
"""

SNAPSHOTS = Path(__file__).parent / "snapshots" / "test_explain"
OVERWRITE = os.environ.get("APPRAISAL_OVERWRITE_SNAPSHOTS") == "1"


def assert_snapshot(name: str, text: str) -> None:
    """Compare with ``tests/snapshots/test_explain/<name>``.

    Regenerate after an intended change with
    ``APPRAISAL_OVERWRITE_SNAPSHOTS=1 pytest tests/test_explain.py`` and review the diff.
    """
    path = SNAPSHOTS / name
    if OVERWRITE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_sql_of_one_indicator_needs_no_data() -> None:
    text = explain(ruleset(RULES), Period.parse("2026Q3"), indicator="sales_amount")
    assert_snapshot("sales_amount.duckdb.sql", text)


@pytest.mark.parametrize("dialect", ["duckdb", "sqlite", "postgresql"])
def test_whole_plan_renders_for_every_dialect(dialect: str) -> None:
    text = explain(ruleset(RULES), Period.parse("2026Q3"), dialect=dialect)
    assert text.startswith("-- Scorecard 'card' (person), period 2026Q3")
    assert "-- Indicator 'attainment': sales_amount / its target, 4 places half_up" in text
    assert "FROM targets AS tt" in text and text.rstrip().endswith(";")


def test_trace_of_a_subject(engine: Engine) -> None:
    load(engine)
    text = explain(ruleset(RULES), Period.parse("2026Q3"), subject="A1", engine=engine)
    assert text == (
        "Subject A1 A1 — scorecard 'card', period 2026Q3\n"
        "\n"
        "sales_amount = 300.01\n"
        "  how: Indicator 'sales_amount': sum of amount over orders, status != 'cancelled', "
        "ordered_on in 2026Q3, per staff_id\n"
        "  target = 800 (targets table (person A1, 2026Q3))\n"
        "  source rows: 2 (showing 2)\n"
        "    order_id | customer_id | staff_id | ordered_on | promised_on | delivered_on | "
        "amount | cost | status | refund_of\n"
        "    O1 | C1 | A1 | 2026-07-01 | n/a | n/a | 100 | n/a | delivered | n/a\n"
        "    O2 | C1 | A1 | 2026-09-30 | n/a | n/a | 200.01 | n/a | open | n/a\n"
        "\n"
        "attainment = 0.375\n"
        "  how: Indicator 'attainment': sales_amount / its target, 4 places half_up, "
        "zero target → not_applicable\n"
        "  input sales_amount = 300.01\n"
        "  input target of sales_amount = 800\n"
    )


def test_cli_sql_and_errors(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("schema_version: v1.0\n" + RULES_FILE, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(
        cli, ["explain", str(rules), "--period", "2026Q3", "--indicator", "sales_amount"]
    )
    assert result.exit_code == 0, result.output
    assert result.output == (SNAPSHOTS / "sales_amount.duckdb.sql").read_text(encoding="utf-8")
    bad = runner.invoke(cli, ["explain", str(rules), "--period", "2026Q3", "--indicator", "nope"])
    assert bad.exit_code == 1
    assert bad.output == "Error: no scorecard of the rule set uses indicator 'nope'\n"
    period = runner.invoke(cli, ["explain", str(rules), "--period", "Q9"])
    assert period.exit_code == 1
    assert period.output.startswith("Error: period 'Q9' is not recognised")


def test_cli_trace(tmp_path: Path, db_url: str) -> None:
    from appraisal.store.database import connect

    engine = connect(db_url)
    load(engine)
    engine.dispose()
    rules = tmp_path / "rules.yaml"
    rules.write_text("schema_version: v1.0\n" + RULES_FILE, encoding="utf-8")
    args = ["--db", db_url, "explain", str(rules), "--period", "2026Q3", "--subject", "A2"]
    result = CliRunner().invoke(cli, [*args, "--indicator", "sales_amount"])
    assert result.exit_code == 0, result.output
    assert "sales_amount = -50\n  how:" in result.output
    assert "  target = 1000 (override for A2)\n" in result.output
    missing = CliRunner().invoke(cli, [*args[:-1], "NOBODY"])
    assert missing.exit_code == 1
    assert missing.output == "Error: 'NOBODY' is not a subject of any scorecard in 2026Q3\n"


RULES_FILE = (
    """
metadata:
  id: test-rules
  title: {en: Test}
  version: "1.0"
  effective_from: 2026-01-01
  owner: Tests
  status: approved
  changelog: [{version: "1.0", date: 2026-01-01, author: T, changes: {en: First}}]
"""
    + RULES
)


def test_example_rule_set_sql_snapshot() -> None:
    """The whole compiled SQL of the sales rep example for DuckDB, as reviewed text."""
    from appraisal.validation.validator import load_ruleset

    path = Path(__file__).parent.parent / "rules" / "sales-rep-quarterly.yaml"
    text = explain(load_ruleset(path), Period.parse("2026Q3"), rules_dir=path.parent)
    assert_snapshot("sales-rep-quarterly.duckdb.sql", text)
