"""Run ``bench/handwritten.sql`` against a benchmark database and time its query time.

Each run opens the database afresh (read-only; the results go to temporary
tables), so the first run reads cold DuckDB buffers as an evaluation does; the
best of the later runs is the warm time.  Connecting is not counted.

    .venv/bin/python -m bench.handwritten bench/work/scale-1/data/appraisal.duckdb

Prints a JSON object: cold and warm seconds, peak RSS, row counts and (with
``--values FILE``) every value as text.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

SQL = Path(__file__).resolve().parent / "handwritten.sql"


def statements() -> list[str]:
    """The statements of the SQL file, in order (separated by ``;;`` lines)."""
    text = SQL.read_text(encoding="utf-8")
    return [s.strip() for s in text.split(";;") if s.strip() and not _only_comments(s)]


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in text.splitlines())


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return str(Decimal(repr(value)))
    return str(value)


def run(database: Path) -> tuple[float, duckdb.DuckDBPyConnection]:
    """Seconds of query time for every statement, and the connection holding the results."""
    con = duckdb.connect(str(database), read_only=True)
    started = time.perf_counter()
    for statement in statements():
        con.execute(statement)
    return time.perf_counter() - started, con


def values(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, dict[str, str | None]]]:
    """The results of a run: per staff member and per client, every value as text."""
    found: dict[str, dict[str, dict[str, str | None]]] = {}
    for table, key in (("hand_staff", "staff_id"), ("hand_rfm", "customer_id")):
        cursor = con.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cursor.description]
        rows = {}
        for row in cursor.fetchall():
            record = dict(zip(names, row, strict=True))
            subject = str(record.pop(key))
            rows[subject] = {n: _text(v) for n, v in record.items()}
        found["staff" if table == "hand_staff" else "clients"] = rows
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--values", type=Path, help="write every value as JSON here")
    args = parser.parse_args()
    times = []
    for number in range(args.runs):
        seconds, con = run(args.database)
        times.append(seconds)
        if number == 0:
            found = values(con)
            if args.values is not None:
                args.values.write_text(json.dumps(found))
        con.close()
    print(
        json.dumps(
            {
                "cold_s": round(times[0], 3),
                "warm_s": round(min(times[1:] or times), 3),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "staff": len(found["staff"]),
                "clients": len(found["clients"]),
            }
        )
    )


if __name__ == "__main__":
    main()
