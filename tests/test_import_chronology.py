"""A row's dates come in order: delivered after ordered, resolved after opened, ..."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from appraisal.importing import Counts, import_files
from appraisal.store.schema import ENTITIES
from tests.test_import_update import CUSTOMERS, write


def ids(engine: Engine, entity: str) -> list[str]:
    table = ENTITIES[entity]
    key = table.primary_key.columns[0]
    with engine.connect() as conn:
        return [str(v) for v in conn.execute(sa.select(key).order_by(key)).scalars()]


def quarantined(path: Path) -> list[str]:
    return path.read_bytes().decode("utf-8-sig").splitlines()[1:]


def test_a_later_date_before_the_earlier_one_is_rejected(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    orders = write(
        folder,
        "orders.csv",
        "order_id,customer_id,ordered_on,promised_on,delivered_on,amount,status\n"
        "O1,C1,2026-03-05,2026-03-10,2026-03-09,100,delivered\n"  # in order
        "O2,C1,2026-03-05,,2026-03-05,100,delivered\n"  # same day: fine
        "O3,C1,2026-03-05,2026-03-04,2026-03-01,100,delivered\n"  # both before the order
        "O4,C2,2026-03-05,,,100,open\n",  # not delivered yet
    )
    tickets = write(
        folder,
        "tickets.csv",
        "ticket_id,customer_id,opened_at,resolved_at,is_complaint\n"
        "T1,C1,2026-03-01T10:00:00+08:00,2026-03-01T09:30:00+08:00,no\n"
        "T2,C1,2026-03-01T10:00:00+08:00,2026-03-01T03:00:00Z,no\n",  # 11:00 in Shanghai
    )
    report = import_files(
        engine, [write(folder, "customers.csv", CUSTOMERS), orders, tickets], timezone="UTC"
    )
    counts = {s.entity: s.counts for s in report.sources}
    assert counts["orders"] == Counts(read=4, inserted=3, rejected=1)
    assert counts["tickets"] == Counts(read=2, inserted=1, rejected=1)
    assert ids(engine, "orders") == ["O1", "O2", "O4"]
    assert ids(engine, "tickets") == ["T2"]
    assert quarantined(folder / "orders.rejected.csv") == [
        "\"4\",\"promised_on: '2026-03-04' is before ordered_on '2026-03-05'; "
        "delivered_on: '2026-03-01' is before ordered_on '2026-03-05'\","
        '"O3","C1","2026-03-05","2026-03-04","2026-03-01","100","delivered"'
    ]
    assert quarantined(folder / "tickets.rejected.csv") == [
        '"2","resolved_at: \'2026-03-01T09:30:00+08:00\' is before opened_at '
        "'2026-03-01T10:00:00+08:00'\","
        '"T1","C1","2026-03-01T10:00:00+08:00","2026-03-01T09:30:00+08:00","no"'
    ]
