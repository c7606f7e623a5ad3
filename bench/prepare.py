"""Build one benchmark workspace: generate demo data at a scale, write it as CSV, import it.

Run as a script (one process per scale, so peak memory is the preparation's own)::

    .venv/bin/python -m bench.prepare --scale 1

Prints one JSON object: seconds to generate, write and import, rows imported,
rows per second of the import, and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import time
from pathlib import Path

import duckdb

from appraisal.demo.generator import generate
from appraisal.demo.writer import write_files
from appraisal.demo_workspace import copy_example_rules
from appraisal.importing import import_files
from appraisal.store.database import connect, create_schema
from appraisal.store.schema import Base
from appraisal.workspace import init_workspace

WORK = Path(__file__).resolve().parent / "work"


def workspace_dir(scale: float) -> Path:
    """``bench/work/scale-1`` (one workspace per scale)."""
    return WORK / f"scale-{scale:g}"


def database_path(scale: float) -> Path:
    """The workspace's DuckDB file."""
    return workspace_dir(scale) / "data" / "appraisal.duckdb"


def pristine_path(scale: float) -> Path:
    """A copy of the database as imported, before any evaluation stored a run."""
    return WORK / f"pristine-{scale:g}.duckdb"


def save_pristine(scale: float) -> Path:
    """Keep the imported database aside; a database already used loses its run tables."""
    target = pristine_path(scale)
    shutil.copyfile(database_path(scale), target)
    con = duckdb.connect(str(target))
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        for table in sorted(set(tables) - set(Base.metadata.tables)):
            con.execute(f'DROP TABLE "{table}"')
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return target


def restore(scale: float) -> None:
    """Put the imported database back, so every measurement starts from the same state."""
    target = database_path(scale)
    Path(f"{target}.wal").unlink(missing_ok=True)
    shutil.copyfile(pristine_path(scale), target)


def peak_rss_mb() -> float:
    """This process's peak resident set size in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(scale: float, seed: int) -> dict[str, float | int]:
    """Generate, write and import one scale's data into a fresh workspace."""
    root = workspace_dir(scale)
    if root.exists():
        shutil.rmtree(root)
    space = init_workspace(root)
    copy_example_rules(space.rules_dir)
    started = time.perf_counter()
    tables = generate(scale, seed)
    generated = time.perf_counter()
    files = write_files(tables, space.data_dir)
    rows = sum(t.num_rows for t in tables.values())
    del tables
    written = time.perf_counter()
    engine = connect(space.database_url)
    try:
        create_schema(engine)
        began = time.perf_counter()
        report = import_files(engine, files, timezone=space.timezone)
        imported = time.perf_counter()
    finally:
        engine.dispose()
    save_pristine(scale)
    total = report.total
    return {
        "scale": scale,
        "generate_s": round(generated - started, 3),
        "write_s": round(written - generated, 3),
        "import_s": round(imported - began, 3),
        "rows": rows,
        "rows_loaded": total.inserted + total.updated,
        "rows_rejected": total.rejected,
        "import_rows_per_s": round(rows / (imported - began)),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, required=True)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    print(json.dumps(prepare(args.scale, args.seed)))


if __name__ == "__main__":
    main()
