"""References resolve against the database and the good rows of the same import."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from appraisal.importing import Counts, import_files
from appraisal.store.schema import ENTITIES


def keys(engine: Engine, entity: str) -> list[str]:
    table = ENTITIES[entity]
    key = next(iter(table.primary_key.columns))
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(sa.select(key).order_by(key))]


def reasons(path: Path) -> list[tuple[str, str]]:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    return [(row[0], row[1]) for row in rows[1:]]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


STAFF = (
    "staff_id,name,role,manager_id\n"
    "S4,丁,rep,S3\n"  # refers to a rejected manager
    "S1,甲,lead,\n"
    "S2,乙,rep,S1\n"
    "S3,丙,rep,S9\n"  # unknown manager
    "S5,戊,rep,S6\n"  # refers forward in the file
    "S6,己,lead,S6\n"  # manages itself
    "S7,庚,rep,S4\n"  # two steps from the unknown manager
)


def test_manager_chains_inside_one_file(engine: Engine, tmp_path: Path) -> None:
    report = import_files(engine, [write(tmp_path, "staff.csv", STAFF)], timezone="UTC")
    assert report.total == Counts(read=7, inserted=4, rejected=3)
    assert keys(engine, "staff") == ["S1", "S2", "S5", "S6"]
    assert reasons(tmp_path / "staff.rejected.csv") == [
        ("2", "manager_id: staff member 'S3' is rejected in this import"),
        ("5", "manager_id: unknown staff member 'S9'"),
        ("8", "manager_id: staff member 'S4' is rejected in this import"),
    ]


def test_references_to_rows_already_in_the_database(engine: Engine, tmp_path: Path) -> None:
    import_files(engine, [write(tmp_path, "staff.csv", STAFF)], timezone="UTC")
    later = write(tmp_path, "staff-2.csv", "staff_id,name,role,manager_id\nS8,辛,rep,S2\n")
    assert import_files(engine, [later], timezone="UTC").total == Counts(read=1, inserted=1)


def test_orders_of_customers_rejected_in_the_same_import(engine: Engine, tmp_path: Path) -> None:
    customers = write(
        tmp_path,
        "customers.csv",
        "customer_id,name,acquired_on,referred_by\n"
        "C1,甲,2026-01-01,\nC2,乙,2026-13-01,\nC3,丙,2026-01-03,C2\n",
    )
    orders = write(
        tmp_path,
        "orders.csv",
        "order_id,customer_id,ordered_on,amount,status,refund_of\n"
        "O1,C1,2026-03-01,10,delivered,\n"
        "O2,C2,2026-03-01,10,delivered,\n"
        "R1,C1,2026-03-05,-10,refund,O1\n"
        "R2,C1,2026-03-05,-10,refund,O2\n"
        "R3,C1,2026-03-05,5,refund,O9\n",
    )
    report = import_files(engine, [orders, customers], timezone="UTC")
    assert {e.entity: e.counts for e in report.entities} == {
        "customers": Counts(read=3, inserted=1, rejected=2),
        "orders": Counts(read=5, inserted=2, rejected=3),
    }
    assert keys(engine, "orders") == ["O1", "R1"]
    assert reasons(tmp_path / "customers.rejected.csv") == [
        (
            "3",
            "acquired_on: '2026-13-01' is not a date (expected YYYY-MM-DD or an Excel date number)",
        ),
        ("4", "referred_by: customer 'C2' is rejected in this import"),
    ]
    assert reasons(tmp_path / "orders.rejected.csv") == [
        ("3", "customer_id: customer 'C2' is rejected in this import"),
        ("5", "refund_of: order 'O2' is rejected in this import"),
        ("6", "amount: '5' must be zero or negative on a refund; refund_of: unknown order 'O9'"),
    ]
