"""A killed import leaves the database exactly as it was (and publishes no quarantine file).

A subprocess imports new data and is SIGKILLed while paused inside the
transaction, after it has already written staff, customers and orders.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from appraisal.importing import Counts, import_files
from appraisal.store.database import connect
from appraisal.store.schema import ENTITIES

IMPORT_AND_PAUSE = """
import sys, time
from pathlib import Path
from appraisal.store.database import connect
from appraisal.importing import import_files

url, folder, marker = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])

def pause(event):
    if event.step == "load" and event.subject == "orders":
        marker.write_text("orders written, not committed")
        time.sleep(300)

import_files(connect(url), sorted(folder.glob("*.csv")), timezone="UTC", progress=pause)
"""

V1 = {
    "staff.csv": "staff_id,name,role\nS1,甲,rep\n",
    "customers.csv": "customer_id,name,owner_id,acquired_on\nC1,甲,S1,2026-01-01\n",
    "orders.csv": "order_id,customer_id,ordered_on,amount,status\nO1,C1,2026-03-01,10,open\n",
}
V2 = {
    "staff.csv": "staff_id,name,role\nS1,甲,lead\nS2,乙,rep\n",
    "customers.csv": "customer_id,name,owner_id,acquired_on\n"
    "C1,甲改,S2,2026-01-01\nC2,乙,S2,2026-02-30\nC3,丙,S1,2026-02-01\n",
    "orders.csv": "order_id,customer_id,ordered_on,amount,status\n"
    "O1,C1,2026-03-01,99,delivered\nO2,C3,2026-03-02,5,open\n",
}


def write_all(folder: Path, files: dict[str, str]) -> list[Path]:
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return sorted(folder.glob("*.csv"))


def snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = connect(url)
    try:
        with engine.connect() as conn:
            return {
                name: [
                    tuple(row)
                    for row in conn.execute(sa.select(table).order_by(*table.primary_key.columns))
                ]
                for name, table in ENTITIES.items()
            }
    finally:
        engine.dispose()


def wait_for(marker: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while not marker.exists():
        if process.poll() is not None:
            raise AssertionError(f"import ended early: {process.stderr.read()!r}")  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("import never reached the pause")
        time.sleep(0.05)


def test_kill_mid_import_leaves_the_database_unchanged(db_url: str, tmp_path: Path) -> None:
    engine = connect(db_url)
    first = import_files(engine, write_all(tmp_path / "v1", V1), timezone="UTC")
    engine.dispose()
    assert first.total == Counts(read=3, inserted=3)
    before = snapshot(db_url)
    newer = tmp_path / "v2"
    write_all(newer, V2)
    marker = tmp_path / "paused"
    process = subprocess.Popen(
        [sys.executable, "-c", IMPORT_AND_PAUSE, db_url, str(newer), str(marker)],
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        wait_for(marker, process)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        assert process.stderr is not None
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    assert snapshot(db_url) == before
    assert not (newer / "customers.rejected.csv").exists()
    engine = connect(db_url)
    try:
        report = import_files(engine, sorted(newer.glob("*.csv")), timezone="UTC")
    finally:
        engine.dispose()
    assert {e.entity: e.counts for e in report.entities} == {
        "staff": Counts(read=2, inserted=1, updated=1),
        "customers": Counts(read=3, inserted=1, updated=1, rejected=1),
        "orders": Counts(read=2, inserted=1, updated=1),
    }
    assert (newer / "customers.rejected.csv").exists()
