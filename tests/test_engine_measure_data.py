"""A tiny CRM, worked out by hand, shared by the compile and measure tests.

Staff: L1 leads East; A1 reports to L1 and A2 to A1 (a two-level manager
tree); B1 left before 2026Q3 and N1 joins after it.  Amounts are chosen so
averages land exactly on rounding ties (150.005, 1.125 hours, 12.625).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from appraisal.engine.compile import compile_frame
from appraisal.engine.context import EvaluationContext
from appraisal.engine.measure import materialise
from appraisal.engine.plan import FrameSpec
from appraisal.periods import Period
from appraisal.spec.enums import SubjectKind
from appraisal.spec.models import RuleSet
from appraisal.spec.yaml_loader import load_yaml
from appraisal.store.database import create_schema
from appraisal.store.schema import ENTITIES

D = Decimal


def at(text: str) -> datetime:
    """An instant written in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _staff(sid: str, team: str | None, manager: str | None, role: str, **kw: Any) -> dict[str, Any]:
    row = {"staff_id": sid, "name": sid, "team": team, "manager_id": manager, "role": role}
    return row | {"hired_on": date(2020, 1, 1), "left_on": None} | kw


def _customer(cid: str, owner: str, acquired: date, **kw: Any) -> dict[str, Any]:
    row = {"customer_id": cid, "name": cid, "owner_id": owner, "acquired_on": acquired}
    return row | {"churned_on": None, "acquisition_cost": None, "referred_by": None} | kw


def _order(oid: str, staff: str, cid: str, day: date, amount: str, status: str) -> dict[str, Any]:
    return {
        "order_id": oid,
        "staff_id": staff,
        "customer_id": cid,
        "ordered_on": day,
        "amount": D(amount),
        "status": status,
    }


ROWS: dict[str, list[dict[str, Any]]] = {
    "staff": [
        _staff("L1", "East", None, "team_lead"),
        _staff("A1", "East", "L1", "account_manager"),
        _staff("A2", "East", "A1", "account_manager"),
        _staff("B1", "West", None, "sales_rep", left_on=date(2026, 6, 30)),
        _staff("N1", "West", None, "sales_rep", hired_on=date(2026, 10, 1)),
    ],
    "customers": [
        _customer("C1", "A1", date(2025, 1, 10), acquisition_cost=D("100.00")),
        _customer("C2", "A1", date(2026, 7, 5), acquisition_cost=D("50.50")),
        _customer("C3", "A2", date(2024, 3, 1), churned_on=date(2026, 8, 15)),
        _customer("C4", "A1", date(2026, 9, 30), referred_by="C1"),
        _customer("C5", "A2", date(2026, 10, 1)),
    ],
    "orders": [
        _order("O1", "A1", "C1", date(2026, 7, 1), "100.00", "delivered"),
        _order("O2", "A1", "C1", date(2026, 9, 30), "200.01", "open"),
        _order("O3", "A1", "C2", date(2026, 8, 10), "300.00", "cancelled"),
        _order("O4", "A1", "C2", date(2026, 10, 1), "999.00", "open"),
        _order("O5", "A2", "C3", date(2026, 7, 15), "-50.00", "refund"),
        _order("O6", "A2", "C3", date(2025, 7, 20), "400.00", "delivered"),
        _order("O7", "A1", "C1", date(2026, 6, 30), "77.00", "delivered"),
    ],
    "interactions": [
        # 2026-07-01 01:00 in Shanghai: in 2026Q3
        {
            "interaction_id": "I1",
            "customer_id": "C1",
            "staff_id": "A1",
            "kind": "visit",
            "occurred_at": at("2026-06-30T17:00:00"),
        },
        # 2026-10-01 00:30 in Shanghai: after 2026Q3
        {
            "interaction_id": "I2",
            "customer_id": "C1",
            "staff_id": "A1",
            "kind": "call",
            "occurred_at": at("2026-09-30T16:30:00"),
        },
        # 2026-06-30 23:59:59 in Shanghai: before 2026Q3
        {
            "interaction_id": "I3",
            "customer_id": "C3",
            "staff_id": "A2",
            "kind": "call",
            "occurred_at": at("2026-06-30T15:59:59"),
        },
    ],
    "tickets": [
        {
            "ticket_id": "T1",
            "customer_id": "C1",
            "staff_id": "A1",
            "is_complaint": True,
            "opened_at": at("2026-07-01T00:00:00"),
            "resolved_at": at("2026-07-01T01:30:00"),
        },
        {
            "ticket_id": "T2",
            "customer_id": "C2",
            "staff_id": "A1",
            "is_complaint": False,
            "opened_at": at("2026-07-02T00:00:00"),
            "resolved_at": at("2026-07-02T00:45:00"),
        },
    ],
    "ratings": [
        {
            "staff_id": "A1",
            "period": "2026Q3",
            "criterion": "conduct",
            "rater_id": "L1",
            "score": D("4.0"),
        },
        {
            "staff_id": "A1",
            "period": "2026Q3",
            "criterion": "conduct",
            "rater_id": "A2",
            "score": D("3.5"),
        },
        {
            "staff_id": "A1",
            "period": "2026Q2",
            "criterion": "conduct",
            "rater_id": "L1",
            "score": D("1.0"),
        },
    ],
    "targets": [
        {
            "subject_kind": "person",
            "subject_id": "A1",
            "indicator": "sales_amount",
            "period": "2026Q3",
            "value": D("800"),
        },
        {
            "subject_kind": "team",
            "subject_id": "East",
            "indicator": "team_sales",
            "period": "2026Q3",
            "value": D("5000"),
        },
    ],
}

METADATA = """
metadata:
  id: test-rules
  title: {en: Test}
  version: "1.0"
  effective_from: 2026-01-01
  owner: Tests
"""


def ruleset(body: str) -> RuleSet:
    """A rule set from YAML text (indicators, targets...), metadata added."""
    document, issues = load_yaml(METADATA + body, "test.yaml")
    assert document is not None, issues
    return RuleSet.model_validate(document.data)


def load(engine: Engine, rows: Mapping[str, list[dict[str, Any]]] = ROWS) -> None:
    """Create the schema and insert the fixture rows."""
    create_schema(engine)
    with engine.begin() as conn:
        for entity, table in ENTITIES.items():
            if rows.get(entity):
                columns = [c.name for c in table.columns]
                full = [{c: row.get(c) for c in columns} for row in rows[entity]]
                conn.execute(table.insert(), full)


def frame_rows(
    conn: Connection,
    rules: RuleSet,
    subject: SubjectKind,
    indicators: tuple[str, ...],
    period: str = "2026Q3",
    roles: tuple[str, ...] = (),
) -> dict[str, dict[str, Any]]:
    """Measure a frame and return subject id → column → value."""
    ctx = EvaluationContext(rules, Period.parse(period))
    plan = compile_frame(ctx, FrameSpec("t", subject, indicators, roles))
    frame = materialise(conn, plan)
    rows = conn.execute(sa.select(frame.table)).mappings().all()
    return {str(row["subject_id"]): dict(row) for row in rows}
