"""Reproducing a stored run: byte-identical on unchanged data, the difference otherwise.

Data as in test_audit_impact: S1 6 orders, S2 9 orders of 12,000 in 2026Q1,
evaluated by mini.yaml (S1 67.20 C, paid 1,440; S2 100.80 A, paid 14,240).
One more order of 30,000 for S1 gives sales 102,000 (102 points) and 7 orders
(70 points): 0.6·102 + 0.4·70 = 89.20, tier B, bonus 10,000 + commission
2,000 + 3 % of 2,000 = 12,060.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from appraisal.audit.canonical import short_hash
from appraisal.audit.reproduce import reproduce
from appraisal.cli import cli
from appraisal.engine.evaluate import evaluate
from appraisal.engine.results import EvaluationResult
from appraisal.engine.run_tables import EVALUATION_RUNS, RUN_SUBJECTS
from appraisal.store.database import create_schema
from appraisal.store.schema import Customer, Order, Staff
from appraisal.workspace import Workspace

MINI = Path(__file__).parent / "fixtures" / "audit" / "mini.yaml"


def seed(engine: Engine) -> None:
    create_schema(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(Staff),
            [
                {"staff_id": "S1", "name": "Ann", "role": "sales_rep"},
                {"staff_id": "S2", "name": "Bo", "role": "sales_rep"},
            ],
        )
        conn.execute(
            sa.insert(Customer),
            [{"customer_id": "C1", "name": "Acme", "acquired_on": date(2025, 1, 5)}],
        )
        conn.execute(sa.insert(Order), [order(f"O{i:02d}", i < 6) for i in range(15)])


def order(order_id: str, s1: bool, amount: int = 12000) -> dict[str, object]:
    return {
        "order_id": order_id,
        "customer_id": "C1",
        "staff_id": "S1" if s1 else "S2",
        "ordered_on": date(2026, 2, 1),
        "amount": Decimal(amount),
        "status": "delivered",
    }


def stored_run(engine: Engine, tmp_path: Path) -> EvaluationResult:
    seed(engine)
    space = Workspace(tmp_path, str(engine.url))
    return evaluate(MINI, "2026Q1", database=engine, workspace=space)


def runs(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(EVALUATION_RUNS)).scalar())


def command(engine: Engine, run_id: str) -> tuple[int, str]:
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli, ["--db", url, "audit", "reproduce", run_id])
    return result.exit_code, result.output


def test_unchanged_data_reproduces_byte_identical(engine: Engine, tmp_path: Path) -> None:
    result = stored_run(engine, tmp_path)
    assert result.run is not None
    run_id = result.run.run_id
    outcome = reproduce(engine, run_id)
    assert outcome.identical
    assert outcome.new_results_hash == result.digest == result.run.results_hash
    assert (outcome.data_changes, outcome.result_changes, outcome.problems) == ((), (), ())
    assert command(engine, run_id) == (
        0,
        f"Reproduced run {run_id} (mini 1.0, sha256 {short_hash(result.ruleset_hash)}, "
        f"2026Q1, draft): byte-identical results (sha256 {short_hash(result.digest)})\n",
    )
    assert runs(engine) == 1  # reproducing stores nothing


def test_a_data_change_is_pinpointed(engine: Engine, tmp_path: Path) -> None:
    result = stored_run(engine, tmp_path)
    assert result.run is not None
    run_id = result.run.run_id
    with engine.begin() as conn:
        conn.execute(sa.insert(Order), [order("X1", True, 30000)])
    outcome = reproduce(engine, run_id)
    assert not outcome.identical
    assert "orders: rows 15 → 16" in outcome.data_changes
    assert "orders.amount: sum 180000 → 210000" in outcome.data_changes
    assert "orders.amount: max 12000 → 30000" in outcome.data_changes
    assert all(line.startswith("orders") for line in outcome.data_changes)
    assert outcome.result_changes == (
        "rep S1: total 67.2 → 89.2, tier C → B, paid 1,440.00 → 12,060.00",
        "rep S1 sales_amount: value 72000 → 102000, score 72 → 102",
        "rep S1 order_count: value 6 → 7, score 60 → 70",
    )
    code, output = command(engine, run_id)
    assert code == 1
    lines = output.splitlines()
    assert lines[0] == (
        f"NOT reproduced: run {run_id} (mini 1.0, sha256 {short_hash(result.ruleset_hash)}, "
        "2026Q1, draft)"
    )
    assert lines[1] == (
        f"  results sha256 {short_hash(result.digest)} → {short_hash(outcome.new_results_hash)}"
    )
    assert lines[2] == "Data changed since the run:"
    assert lines[-4:] == [
        "Results that differ:",
        "  rep S1: total 67.2 → 89.2, tier C → B, paid 1,440.00 → 12,060.00",
        "  rep S1 sales_amount: value 72000 → 102000, score 72 → 102",
        "  rep S1 order_count: value 6 → 7, score 60 → 70",
    ]
    with engine.begin() as conn:
        conn.execute(sa.delete(Order).where(Order.order_id == "X1"))
    assert reproduce(engine, run_id).identical
    assert runs(engine) == 1


def test_altered_stored_results_are_reported(engine: Engine, tmp_path: Path) -> None:
    result = stored_run(engine, tmp_path)
    assert result.run is not None
    with engine.begin() as conn:
        conn.execute(
            sa.update(RUN_SUBJECTS).where(RUN_SUBJECTS.c.subject_id == "S1").values(tier="A")
        )
    outcome = reproduce(engine, result.run.run_id)
    assert outcome.problems == (
        f"the stored results of run {result.run.run_id} no longer match their hash "
        f"{short_hash(result.digest)}: result rows were altered after the run",
    )
    assert outcome.result_changes == ("rep S1: tier A → C",)
    assert outcome.data_changes == ()


def test_unknown_runs_are_explained(engine: Engine, tmp_path: Path) -> None:
    assert command(engine, "nope") == (1, "Error: no runs are stored in this database yet\n")
    stored_run(engine, tmp_path)
    assert command(engine, "nope") == (1, "Error: no run 'nope' in this database\n")
