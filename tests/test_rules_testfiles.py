"""Rule-test files: loaded safely, rows typed strictly, every mistake located."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from appraisal.audit.case_data import case_rows, insert_rows
from appraisal.audit.rule_tests import default_rules_path, load_rule_tests, rule_tests_path
from appraisal.errors import IssuesError
from appraisal.store.database import create_schema
from appraisal.store.schema import Order, Staff, Ticket

GOOD = """\
schema_version: v1.0
cases:
  - name: one rep
    period: 2026Q1
    data:
      staff:
        - {staff_id: S1, name: 张三, role: sales_rep}
      customers:
        - {customer_id: C1, name: 甲, acquired_on: 2026-01-05}
      orders:
        - {order_id: O1, customer_id: C1, staff_id: S1, ordered_on: 2026-02-01,
           amount: 1234.56, status: delivered}
      tickets:
        - {ticket_id: T1, customer_id: C1, opened_at: "2026-02-01T09:30:00",
           resolved_at: "2026-02-01T10:00:00Z", is_complaint: true}
    expect:
      - subject: S1
        values: {sales_amount: 1234.56, on_time: 85%, missing: null}
        total: 90.0
        tier: B
        incentives: {bonus: 1000}
"""


def write(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "rules" / "tests"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mini.tests.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_where_tests_live(tmp_path: Path) -> None:
    rules = tmp_path / "rules" / "mini.yaml"
    assert rule_tests_path(rules) == tmp_path / "rules" / "tests" / "mini.tests.yaml"
    assert default_rules_path(rule_tests_path(rules)) == rules


def test_a_good_file_loads(tmp_path: Path) -> None:
    loaded = load_rule_tests(write(tmp_path, GOOD), "mini.tests.yaml")
    assert loaded.issues == ()
    assert loaded.tests is not None
    assert loaded.rules_path == tmp_path / "rules" / "mini.yaml"
    case = loaded.tests.cases[0]
    expect = case.expect[0]
    assert (case.name, case.period) == ("one rep", "2026Q1")
    assert expect.values == {
        "sales_amount": Decimal("1234.56"),
        "on_time": Decimal("0.85"),
        "missing": None,
    }
    assert (expect.total, expect.tier, expect.incentives) == (
        Decimal("90.0"),
        "B",
        {"bonus": Decimal(1000)},
    )
    assert expect.scores == {} and expect.plan is None


def test_model_mistakes_are_located(tmp_path: Path) -> None:
    text = GOOD.replace("period: 2026Q1", "period: 2026Q5").replace("tier: B", "teir: B")
    loaded = load_rule_tests(write(tmp_path, text), "mini.tests.yaml")
    assert loaded.tests is None
    assert [i.render() for i in loaded.issues] == [
        "mini.tests.yaml:4:13: error[M001] at cases[0].period: expected a period code such "
        "as 2026Q3, 2026H1, 2026-07 or 2026",
        "mini.tests.yaml:20:15: error[M001] at cases[0].expect[0].teir: unknown key 'teir'",
    ]


def test_rows_are_typed_by_the_data_model(tmp_path: Path) -> None:
    loaded = load_rule_tests(write(tmp_path, GOOD), "mini.tests.yaml")
    assert loaded.tests is not None and loaded.document is not None
    case = loaded.tests.cases[0]
    rows = case_rows(case.data, ("cases", 0, "data"), loaded.document, "Asia/Shanghai")
    assert rows["orders"][0]["amount"] == Decimal("1234.56")
    assert rows["orders"][0]["ordered_on"] == date(2026, 2, 1)
    ticket = rows["tickets"][0]
    assert ticket["opened_at"].astimezone(UTC) == datetime(2026, 2, 1, 1, 30, tzinfo=UTC)
    assert ticket["resolved_at"] == datetime(2026, 2, 1, 10, 0, tzinfo=UTC)
    assert ticket["is_complaint"] is True


def test_bad_rows_are_errors_with_places(tmp_path: Path) -> None:
    text = (
        GOOD.replace("ordered_on: 2026-02-01", "ordered_on: 2026-02-30")
        .replace("amount: 1234.56, status", "amount: lots, status")
        .replace(
            "{staff_id: S1, name: 张三, role: sales_rep}", "{staff_id: S1, nam: 张三, role: rep}"
        )
        .replace("      tickets:", "      ticket:")
    )
    loaded = load_rule_tests(write(tmp_path, text), "mini.tests.yaml")
    assert loaded.tests is not None and loaded.document is not None
    with pytest.raises(IssuesError) as caught:
        case_rows(loaded.tests.cases[0].data, ("cases", 0, "data"), loaded.document, "UTC")
    assert str(caught.value).splitlines() == [
        "mini.tests.yaml:7:26: error[T001] at cases[0].data.staff[0].nam: 'staff' has no "
        "column 'nam' (hint: did you mean 'name'?)",
        "mini.tests.yaml:7:11: error[T001] at cases[0].data.staff[0]: missing required "
        "column 'name'",
        "mini.tests.yaml:11:69: error[T001] at cases[0].data.orders[0].ordered_on: expected a "
        "date written YYYY-MM-DD, got '2026-02-30'",
        "mini.tests.yaml:12:20: error[T001] at cases[0].data.orders[0].amount: expected a "
        "number, got 'lots'",
        "mini.tests.yaml:13:7: error[T001] at cases[0].data.ticket: unknown entity 'ticket' "
        "(hint: did you mean 'tickets'?)",
    ]


def test_rows_insert_on_every_backend(engine: Engine, tmp_path: Path) -> None:
    loaded = load_rule_tests(write(tmp_path, GOOD), "mini.tests.yaml")
    assert loaded.tests is not None and loaded.document is not None
    rows = case_rows(loaded.tests.cases[0].data, ("cases", 0, "data"), loaded.document, "UTC")
    create_schema(engine)
    with engine.begin() as conn:
        insert_rows(conn, rows)
        assert conn.execute(sa.select(Staff.name)).scalar_one() == "张三"
        assert conn.execute(sa.select(Order.amount)).scalar_one() == Decimal("1234.56")
        assert conn.execute(sa.select(Ticket.opened_at)).scalar_one() == datetime(
            2026, 2, 1, 9, 30, tzinfo=UTC
        )


def test_the_documented_example_loads(tmp_path: Path) -> None:
    doc = (Path(__file__).parent.parent / "docs" / "auditing.md").read_text(encoding="utf-8")
    section = doc[doc.index("## Rule test files") :]
    example = section[section.index("```yaml\n") + 8 : section.index("```\n", 8)]
    loaded = load_rule_tests(write(tmp_path, example), "example.tests.yaml")
    assert loaded.issues == ()
    assert loaded.tests is not None
    expect = loaded.tests.cases[0].expect[0]
    assert (expect.scorecard, expect.plan, expect.segments) == (
        "rep",
        (),
        {"rfm_segments": "champions"},
    )
