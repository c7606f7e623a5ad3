"""Closed-loop plans: earlier actions' follow-up targets checked against current values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import Connection, Engine

from appraisal.audit.follow_up import (
    FollowUpStatus,
    follow_up_report,
    follow_up_select,
    follow_up_status,
    follow_ups,
    source_runs,
)
from appraisal.cli import cli
from appraisal.engine.evaluate import evaluate
from appraisal.engine.frame import ValuesFrame, value_column
from appraisal.engine.run_tables import EVALUATION_RUNS, RUN_PLAN_ITEMS, create_run_tables
from appraisal.expr.sqltypes import ExprInteger, ExprMoney, ExprNumber
from appraisal.periods import Period
from appraisal.spec.enums import Direction, SubjectKind
from appraisal.store.database import create_schema
from appraisal.store.schema import Customer, Order, Staff
from appraisal.validation.validator import load_ruleset
from appraisal.workspace import Workspace

MINI = Path(__file__).parent / "fixtures" / "audit" / "mini.yaml"

M = Direction.HIGHER


def test_the_rule_in_python() -> None:
    assert follow_up_status(Decimal(10), Decimal(10), Direction.HIGHER) is FollowUpStatus.MET
    assert follow_up_status(Decimal("9.99"), Decimal(10), Direction.HIGHER) is (
        FollowUpStatus.NOT_MET
    )
    assert follow_up_status(Decimal(3), Decimal(4), Direction.LOWER) is FollowUpStatus.MET
    assert follow_up_status(Decimal(5), Decimal(4), Direction.LOWER) is FollowUpStatus.NOT_MET
    assert follow_up_status(None, Decimal(4), Direction.LOWER) is FollowUpStatus.NO_VALUE


def add_run(conn: Connection, run_id: str, period: str, official: bool, minute: int) -> None:
    conn.execute(
        EVALUATION_RUNS.insert().values(
            run_id=run_id,
            ruleset_id="mini",
            ruleset_version="1.0",
            ruleset_hash="0" * 64,
            ruleset_json="{}",
            data_fingerprint="1" * 64,
            data_fingerprint_json="{}",
            period=period,
            period_start=date(2026, 1, 1),
            period_end=date(2026, 4, 1),
            timezone="Asia/Shanghai",
            engine_version="0.1.0",
            backend=conn.dialect.name,
            official=official,
            status="done",
            started_at=datetime(2026, 4, 2, 9, minute, tzinfo=UTC),
        )
    )


def add_item(conn: Connection, run_id: str, subject: str, rule: str, **follow: Any) -> None:
    conn.execute(
        RUN_PLAN_ITEMS.insert().values(
            run_id=run_id,
            scorecard_id="rep",
            subject_id=subject,
            rule_id=rule,
            position=1,
            condition="below_threshold",
            owner="self",
            owner_id=subject,
            due_on=date(2026, 5, 1),
            **follow,
        )
    )


def frame(conn: Connection, rows: list[dict[str, Any]]) -> ValuesFrame:
    table = sa.Table(
        "frame_rep_2026q2",
        sa.MetaData(),
        sa.Column("subject_id", sa.String(64), primary_key=True),
        sa.Column(value_column("sales_amount"), ExprMoney()),
        sa.Column(value_column("order_count"), ExprInteger()),
        sa.Column(value_column("complaint_rate"), ExprNumber()),
    )
    table.create(conn)
    conn.execute(table.insert(), [{c.name: r.get(c.name) for c in table.c} for r in rows])
    return ValuesFrame(
        "rep",
        SubjectKind.PERSON,
        "2026Q2",
        table,
        ("sales_amount", "order_count", "complaint_rate"),
        (),
    )


def due(indicator: str, target: str, direction: Direction, period: str = "2026Q2") -> Any:
    return {
        "follow_up_indicator": indicator,
        "follow_up_baseline": Decimal(1),
        "follow_up_target": Decimal(target),
        "follow_up_direction": direction.value,
        "follow_up_period": period,
    }


@pytest.fixture
def conn(engine: Engine) -> Any:
    with engine.begin() as connection:
        create_run_tables(connection)
        yield connection


def test_follow_ups_are_checked_in_sql(conn: Connection) -> None:
    add_run(conn, "r1", "2026Q1", official=False, minute=0)
    add_run(conn, "r2", "2026Q1", official=True, minute=1)  # the official rerun wins
    add_run(conn, "r3", "2026Q1", official=False, minute=2)
    add_run(conn, "r4", "2025Q4", official=False, minute=3)
    add_item(conn, "r2", "S1", "more_sales", **due("sales_amount", "100000.50", M))
    add_item(conn, "r2", "S2", "more_sales", **due("sales_amount", "100000.50", M))
    add_item(conn, "r2", "S3", "fewer_complaints", **due("complaint_rate", "0.05", Direction.LOWER))
    add_item(conn, "r2", "S4", "more_orders", **due("order_count", "10", M))
    add_item(conn, "r2", "S5", "later", **due("order_count", "10", M, period="2026Q3"))
    add_item(conn, "r3", "S1", "ignored", **due("order_count", "1", M))
    add_item(conn, "r4", "S2", "two_quarters", **due("order_count", "3", M))
    add_item(conn, "r4", "S6", "gone", **due("order_count", "3", M))
    values = frame(
        conn,
        [
            {"subject_id": "S1", "v__sales_amount": Decimal("100000.50"), "v__order_count": 4},
            {"subject_id": "S2", "v__sales_amount": Decimal("100000.49"), "v__order_count": 3},
            {"subject_id": "S3", "v__complaint_rate": Decimal("0.0625")},
            {"subject_id": "S4", "v__order_count": None},
        ],
    )
    assert source_runs(conn, "mini", "2026Q2") == ("r4", "r2")
    checked = follow_ups(conn, "mini", values)
    assert [(f.run_id, f.subject_id, f.rule_id, f.value, f.status) for f in checked] == [
        ("r2", "S1", "more_sales", Decimal("100000.5"), FollowUpStatus.MET),
        ("r2", "S2", "more_sales", Decimal("100000.49"), FollowUpStatus.NOT_MET),
        ("r4", "S2", "two_quarters", Decimal(3), FollowUpStatus.MET),
        ("r2", "S3", "fewer_complaints", Decimal("0.0625"), FollowUpStatus.NOT_MET),
        ("r2", "S4", "more_orders", None, FollowUpStatus.NO_VALUE),
        ("r4", "S6", "gone", None, FollowUpStatus.NO_VALUE),
    ]
    for item in checked:
        expected = follow_up_status(item.value, item.target, item.direction)
        assert item.status is expected
    assert checked[0].target == Decimal("100000.5")
    assert checked[0].direction is Direction.HIGHER and checked[0].due_period == "2026Q2"


def test_the_select_feeds_insert_select(conn: Connection) -> None:
    add_run(conn, "r1", "2026Q1", official=True, minute=0)
    add_item(conn, "r1", "S1", "more_orders", **due("order_count", "10", M))
    values = frame(conn, [{"subject_id": "S1", "v__order_count": 12}])
    query = follow_up_select(["r1"], values)
    target = sa.Table(
        "follow_up_results",
        sa.MetaData(),
        sa.Column("run_id", sa.String(64)),
        sa.Column("subject_id", sa.String(64)),
        sa.Column("status", sa.String(10)),
    )
    target.create(conn)
    inner = query.subquery()
    conn.execute(
        target.insert().from_select(
            ["run_id", "subject_id", "status"],
            sa.select(inner.c.run_id, inner.c.subject_id, inner.c.status),
        )
    )
    assert conn.execute(sa.select(target)).all() == [("r1", "S1", "met")]


# ── closing the loop with the engine ──────────────────────────────────────────


def orders(staff_id: str, count: int, day: date, prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "order_id": f"{prefix}{staff_id}-{i:02d}",
            "customer_id": "C1",
            "staff_id": staff_id,
            "ordered_on": day,
            "amount": Decimal(1000),
            "status": "delivered",
        }
        for i in range(count)
    ]


def test_next_period_reports_earlier_actions_met_or_not(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """mini.yaml plans 'more_orders' (follow-up: 10 orders next quarter) for anyone
    below 100 % of the 10-order target.  In 2026Q1 S1 has 6 orders and S2 9: both
    get the action, due 2026Q2.  In 2026Q2 S1 has 12 orders (met), S2 5 (not met)."""
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
        rows = [
            *orders("S1", 6, date(2026, 2, 1), "Q1"),
            *orders("S2", 9, date(2026, 2, 1), "Q1"),
            *orders("S1", 12, date(2026, 5, 1), "Q2"),
            *orders("S2", 5, date(2026, 5, 1), "Q2"),
        ]
        conn.execute(sa.insert(Order), rows)
    url = engine.url.render_as_string(hide_password=False)
    result = evaluate(MINI, "2026Q1", database=engine, workspace=Workspace(tmp_path, url))
    assert result.run is not None
    plan = result.scorecard("rep").subject("S1").plan
    assert [(p.rule, p.follow_up_period, p.follow_up_target) for p in plan] == [
        ("more_orders", "2026Q2", Decimal(10))
    ]
    ruleset = load_ruleset(MINI)
    items = follow_up_report(engine, ruleset, Period.parse("2026Q2"), timezone="Asia/Shanghai")
    assert [(f.subject_id, f.rule_id, f.value, f.status) for f in items] == [
        ("S1", "more_orders", Decimal(12), FollowUpStatus.MET),
        ("S2", "more_orders", Decimal(5), FollowUpStatus.NOT_MET),
    ]
    run_id = result.run.run_id
    monkeypatch.chdir(MINI.parent)
    command = ["--db", url, "audit", "follow-ups", "mini.yaml", "--period", "2026Q2"]
    outcome = CliRunner().invoke(cli, command)
    assert (outcome.exit_code, outcome.output) == (
        0,
        "Improvement actions of mini due in 2026Q2:\n"
        f"  met      rep S1 more_orders (run {run_id}): order_count 12, target >= 10\n"
        f"  not_met  rep S2 more_orders (run {run_id}): order_count 5, target >= 10\n"
        "2 due: 1 met, 1 not met, 0 without a value\n",
    )
    none_due = ["--db", url, "audit", "follow-ups", "mini.yaml", "--period", "2026Q3"]
    assert CliRunner().invoke(cli, none_due).output == (
        "No earlier improvement actions of mini fall due in 2026Q3\n"
    )
