"""XLSX workbooks and JSON Lines import like CSV, on every backend."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from appraisal.importing import Counts, import_files
from appraisal.store.schema import ENTITIES


def table_rows(engine: Engine, entity: str) -> list[tuple[object, ...]]:
    table = ENTITIES[entity]
    with engine.connect() as conn:
        query = sa.select(table).order_by(*table.primary_key.columns)
        return [tuple(row) for row in conn.execute(query)]


def counts_by_entity(report: object) -> dict[str, Counts]:
    return {e.entity: e.counts for e in report.entities}  # type: ignore[attr-defined]


def make_workbook(path: Path) -> None:
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "说明"
    notes.append(["This sheet is not an entity and is not imported."])
    staff = book.create_sheet("员工")
    staff.append(["工号", "姓名", "岗位"])
    staff.append(["007", "张三", "rep"])
    customers = book.create_sheet("customers")
    customers.append(["Customer ID", "Name", "Acquired on", "Acquisition cost"])
    customers.append(["00123", "甲", datetime(2026, 1, 5), 1200])  # noqa: DTZ001
    customers.append(["00456", "乙", 45300, 800.5])
    orders = book.create_sheet("orders")
    orders.append(["order_id", "customer_id", "staff_id", "ordered_on", "amount", "status"])
    orders.append(["A1", "00123", "007", datetime(2026, 3, 1), 12.3, "Delivered"])  # noqa: DTZ001
    orders.append(["A2", "00456", None, "2026-03-02", 100, "open"])
    orders.append(["A3", "00456", None, "2026-03-03", 12.345, "open"])
    orders.append(["A4", "00999", None, 45352, 5, "open", "stray"])
    book.save(path)


def test_xlsx_sheets_named_like_entities(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "crm.xlsx"
    make_workbook(path)
    report = import_files(engine, [path], timezone="Asia/Shanghai")
    assert counts_by_entity(report) == {
        "staff": Counts(read=1, inserted=1),
        "customers": Counts(read=2, inserted=2),
        "orders": Counts(read=4, inserted=2, rejected=2),
    }
    assert table_rows(engine, "customers") == [
        ("00123", "甲", None, None, None, date(2026, 1, 5), None, Decimal("1200.00"), None),
        ("00456", "乙", None, None, None, date(2024, 1, 9), None, Decimal("800.50"), None),
    ]
    assert [row[:9] for row in table_rows(engine, "orders")] == [
        ("A1", "00123", "007", date(2026, 3, 1), None, None, Decimal("12.30"), None, "delivered"),
        ("A2", "00456", None, date(2026, 3, 2), None, None, Decimal("100.00"), None, "open"),
    ]
    quarantine = tmp_path / "crm.orders.rejected.csv"
    assert [s.quarantine for s in report.sources if s.entity == "orders"] == [quarantine]
    assert quarantine.read_bytes().decode("utf-8-sig") == (
        '"_row","_reasons","order_id","customer_id","staff_id","ordered_on","amount","status"\r\n'
        '"4","amount: \'12.345\' has more than 2 decimal places",'
        '"A3","00456","","2026-03-03","12.345","open"\r\n'
        '"5","has values beyond the last header column (6)",'
        '"A4","00999","","45352","5","open","stray"\r\n'
    )
    again = import_files(engine, [path], timezone="Asia/Shanghai")
    assert counts_by_entity(again)["orders"] == Counts(read=4, unchanged=2, rejected=2)


JSONL = "\n".join(
    [
        '{"customer_id": "C1", "name": "甲", "acquired_on": "2026-01-05"}',
    ]
)
TICKETS = [
    '{"ticket_id": "T1", "customer_id": "C1", "opened_at": "2026-03-01T08:30:00+08:00", '
    '"resolved_at": "2026-03-01T12:00:00Z", "is_complaint": true}',
    '{"ticket_id": "T2", "customer_id": "C1", "opened_at": "2026-03-01 08:30", '
    '"is_complaint": "是", "category": "billing"}',
    '{"ticket_id": "T3", "customer_id": "C1", "opened_at": "2026-03-01", "is_complaint": 2}',
    '{"ticket_id": "T4", "customer_id": "C1", "opened_at": "2026-03-01", "is_complaint": 0',
    "",
    '{"ticket_id": "T5", "customer_id": "C1", "opened_at": "2026-03-02T09:00:00+08:00", '
    '"is_complaint": false}',
]


def test_jsonl_instants_booleans_and_quarantine(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "customers.jsonl").write_text(JSONL + "\n", encoding="utf-8")
    (tmp_path / "tickets.jsonl").write_text("\n".join(TICKETS) + "\n", encoding="utf-8")
    report = import_files(
        engine, [tmp_path / "tickets.jsonl", tmp_path / "customers.jsonl"], timezone="Asia/Shanghai"
    )
    assert counts_by_entity(report) == {
        "customers": Counts(read=1, inserted=1),
        "tickets": Counts(read=5, inserted=3, rejected=2),
    }
    assert table_rows(engine, "tickets") == [
        ("T1", "C1", None, datetime(2026, 3, 1, 0, 30, tzinfo=UTC),
         datetime(2026, 3, 1, 12, 0, tzinfo=UTC), True, None),
        ("T2", "C1", None, datetime(2026, 3, 1, 0, 30, tzinfo=UTC), None, True, "billing"),
        ("T5", "C1", None, datetime(2026, 3, 2, 1, 0, tzinfo=UTC), None, False, None),
    ]  # fmt: skip
    lines = (tmp_path / "tickets.rejected.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {
            "_row": 3,
            "_reasons": [
                "is_complaint: '2' is not yes or no (expected true/false, yes/no, 1/0, 是/否)"
            ],
            "_text": TICKETS[2],
        },
        {
            "_row": 4,
            "_reasons": ["not valid JSON: Expecting ',' delimiter at column 86"],
            "_text": TICKETS[3],
        },
    ]


def test_jsonl_of_only_bad_lines_quarantines_them_all(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_text('not json\n["a list"]\n', encoding="utf-8")
    report = import_files(engine, [path], timezone="UTC")
    assert report.total == Counts(read=2, rejected=2)
    lines = (tmp_path / "orders.rejected.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["_row"] for line in lines] == [1, 2]


def test_a_corrected_workbook_quarantine_imports_as_its_entity(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "crm.xlsx"
    make_workbook(path)
    import_files(engine, [path], timezone="Asia/Shanghai")
    quarantine = tmp_path / "crm.orders.rejected.csv"
    fixed = quarantine.read_bytes().decode("utf-8-sig").replace("12.345", "12.35")
    fixed = fixed.replace('"00999","","45352","5","open","stray"', '"00456","","45352","5","open"')
    quarantine.write_bytes(fixed.encode("utf-8-sig"))
    report = import_files(engine, [quarantine], timezone="Asia/Shanghai")
    assert report.total == Counts(read=2, inserted=2)
    assert [row[0] for row in table_rows(engine, "orders")] == ["A1", "A2", "A3", "A4"]
    assert table_rows(engine, "orders")[3][3] == date(2024, 3, 1)
