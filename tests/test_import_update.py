"""Re-imports: changed rows update, new rows insert, same rows stay; absent columns are kept."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from appraisal.importing import Counts, import_files
from appraisal.store.schema import ENTITIES

CUSTOMERS = "customer_id,name,acquired_on\nC1,甲,2026-01-01\nC2,乙,2026-01-02\n"
V1 = (
    "order_id,customer_id,ordered_on,amount,cost,status\n"
    "O1,C1,2026-03-01,100.00,60.00,delivered\n"
    "O2,C1,2026-03-02,50.00,30.00,open\n"
    "O3,C2,2026-03-03,70.00,,open\n"
)


def amounts(engine: Engine) -> list[tuple[object, ...]]:
    orders = ENTITIES["orders"]
    with engine.connect() as conn:
        query = sa.select(
            orders.c.order_id, orders.c.customer_id, orders.c.amount, orders.c.cost,
            orders.c.status,
        ).order_by(orders.c.order_id)  # fmt: skip
        return [tuple(row) for row in conn.execute(query)]


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_changed_rows_update_and_new_rows_insert(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    customers = write(folder, "customers.csv", CUSTOMERS)
    first = import_files(engine, [customers, write(folder, "orders.csv", V1)], timezone="UTC")
    assert first.total == Counts(read=5, inserted=5)
    v2 = (
        "order_id,customer_id,ordered_on,amount,status\n"
        "O1,C1,2026-03-01,100.0,delivered\n"  # same value written differently: unchanged
        "O2,C2,2026-03-02,55.5,delivered\n"  # customer, amount and status change
        "O4,C2,2026-03-04,9.99,open\n"  # new
    )
    second = import_files(engine, [write(folder, "orders-v2.csv", v2)], timezone="UTC")
    assert second.total == Counts(read=3, inserted=1, updated=1, unchanged=1)
    assert amounts(engine) == [
        ("O1", "C1", Decimal("100.00"), Decimal("60.00"), "delivered"),
        ("O2", "C2", Decimal("55.50"), Decimal("30.00"), "delivered"),  # cost kept: no column
        ("O3", "C2", Decimal("70.00"), None, "open"),
        ("O4", "C2", Decimal("9.99"), None, "open"),
    ]


def test_an_empty_cell_of_a_present_column_clears_the_value(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    import_files(
        engine,
        [write(folder, "customers.csv", CUSTOMERS), write(folder, "orders.csv", V1)],
        timezone="UTC",
    )
    cleared = (
        "order_id,customer_id,ordered_on,amount,cost,status\nO1,C1,2026-03-01,100,,delivered\n"
    )
    report = import_files(engine, [write(folder, "orders-fix.csv", cleared)], timezone="UTC")
    assert report.total == Counts(read=1, updated=1)
    assert amounts(engine)[0] == ("O1", "C1", Decimal("100.00"), None, "delivered")
    again = import_files(engine, [folder / "orders-fix.csv"], timezone="UTC")
    assert again.total == Counts(read=1, unchanged=1)


def test_files_of_one_entity_load_together(engine: Engine, tmp_path: Path) -> None:
    """Two files of orders: duplicates across them are rejected, each names the other file."""
    folder = tmp_path / "in"
    a = write(folder, "orders-a.csv", "order_id,customer_id,ordered_on,amount,status\n"
              "O1,C1,2026-03-01,1,open\nO2,C1,2026-03-01,2,open\n")  # fmt: skip
    b = write(folder, "orders-b.csv", "order_id,customer_id,ordered_on,amount,cost,status\n"
              "O3,C2,2026-03-01,3,1,open\nO2,C2,2026-03-01,4,1,open\n")  # fmt: skip
    report = import_files(engine, [a, b, write(folder, "customers.csv", CUSTOMERS)], timezone="UTC")
    assert [(s.path.name, s.counts) for s in report.sources] == [
        ("customers.csv", Counts(read=2, inserted=2)),
        ("orders-a.csv", Counts(read=2, inserted=1, rejected=1)),
        ("orders-b.csv", Counts(read=2, inserted=1, rejected=1)),
    ]
    assert (folder / "orders-a.rejected.csv").read_bytes().decode("utf-8-sig").splitlines()[1] == (
        '"3","order_id: duplicate \'O2\' (also on orders-b.csv row 3)",'
        '"O2","C1","2026-03-01","2","open"'
    )
    assert (folder / "orders-b.rejected.csv").read_bytes().decode("utf-8-sig").splitlines()[1] == (
        '"3","order_id: duplicate \'O2\' (also on orders-a.csv row 3)",'
        '"O2","C2","2026-03-01","4","1","open"'
    )
    assert [row[0] for row in amounts(engine)] == ["O1", "O3"]


def test_rows_written_by_sqlalchemy_compare_equal_to_imported_ones(
    engine: Engine, tmp_path: Path
) -> None:
    """Staged values have the storage form of the column types (cents, UTC text, floats)."""
    from datetime import UTC, date, datetime, timedelta, timezone

    from appraisal.store.database import create_schema

    create_schema(engine)
    shanghai = timezone(timedelta(hours=8))
    with engine.begin() as conn:
        conn.execute(
            sa.insert(ENTITIES["customers"]),
            [{"customer_id": "C1", "name": "甲", "acquired_on": date(2026, 1, 1),
              "acquisition_cost": Decimal("12.30")}],
        )  # fmt: skip
        conn.execute(
            sa.insert(ENTITIES["tickets"]),
            [{"ticket_id": "T1", "customer_id": "C1", "is_complaint": True,
              "opened_at": datetime(2026, 3, 1, 8, 30, 0, 250000, tzinfo=shanghai),
              "resolved_at": datetime(2026, 3, 2, tzinfo=UTC)}],
        )  # fmt: skip
        conn.execute(
            sa.insert(ENTITIES["ratings"]),
            [{"staff_id": "S1", "period": "2026-Q1", "criterion": "conduct", "rater_id": "S2",
              "score": Decimal("4.25")}],
        )  # fmt: skip
        conn.execute(
            sa.insert(ENTITIES["staff"]),
            [{"staff_id": s, "name": s, "role": "rep"} for s in ("S1", "S2")],
        )
    folder = tmp_path / "in"
    paths = [
        write(folder, "customers.csv", "customer_id,name,acquired_on,acquisition_cost\n"
              "C1,甲,2026-01-01,12.3\n"),
        write(folder, "tickets.csv", "ticket_id,customer_id,is_complaint,opened_at,resolved_at\n"
              "T1,C1,yes,2026-03-01T08:30:00.25+08:00,2026-03-02T00:00:00Z\n"),
        write(folder, "ratings.csv", "staff_id,period,criterion,rater_id,score\n"
              "S1,2026-Q1,conduct,S2,4.250\n"),
    ]  # fmt: skip
    report = import_files(engine, paths, timezone="UTC")
    assert report.total == Counts(read=3, unchanged=3)
