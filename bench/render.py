"""Time rendering a report bundle: every account manager's scorecard at a scale.

Evaluates the account-manager rule set for 2026Q3 on a copy of the benchmark's
imported database (``bench/work/pristine-<scale>.duckdb``, made by ``bench.run``),
then times ``write_report`` (HTML, Markdown, CSV, XLSX, JSON for HR) alone and
records wall time, CPU time and peak RSS in ``bench/RENDER.md``.

    .venv/bin/python -m bench.render --scale 1
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from appraisal.engine.evaluate import evaluate
from appraisal.report.bundle import write_report
from appraisal.report.options import ReportOptions
from appraisal.store.database import connect
from appraisal.workspace import init_workspace
from bench.prepare import pristine_path

RULES = Path(__file__).resolve().parent.parent / "rules" / "account-manager-quarterly.yaml"
OUT = Path(__file__).resolve().parent / "RENDER.md"
TARGET_SECONDS = 10.0


def measure(scale: float) -> str:
    """One markdown table row: scale, people, pages, files, wall s, CPU s, peak RSS MB."""
    with tempfile.TemporaryDirectory() as tmp:
        space = init_workspace(Path(tmp) / "ws")
        database = space.data_dir / "appraisal.duckdb"
        shutil.copyfile(pristine_path(scale), database)
        engine = connect(f"duckdb:///{database}")
        result = evaluate(RULES, "2026Q3", database=engine, workspace=space)
        assert result.run is not None
        people = sum(card.subject_count for card in result.scorecards)
        wall, cpu = time.perf_counter(), time.process_time()
        outcome = write_report(
            engine, result.run.run_id, Path(tmp) / "bundle", ReportOptions(), actor="bench"
        )
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        engine.dispose()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    verdict = "met" if wall <= TARGET_SECONDS else "**not met**"
    return (
        f"| {scale:g} | {people:,} | {outcome.pages:,} | {len(outcome.files):,} "
        f"| {wall:.2f} | {cpu:.2f} | {rss:.0f} | {verdict} |"
    )


def main() -> None:
    """Measure the given scales and write bench/RENDER.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", action="append", type=float, required=True)
    args = parser.parse_args()
    rows = [measure(scale) for scale in args.scale]
    OUT.write_text(
        "# Report rendering\n\n"
        "Account-manager rule set, 2026Q3, HR bundle in every format (HTML, Markdown, CSV,\n"
        "XLSX, JSON), rendering alone timed (the evaluation before it is not). Target:\n"
        f"≤ {TARGET_SECONDS:g} s for the scale-1 bundle.\n\n"
        "| scale | people | pages | files | wall s | CPU s | peak RSS MB | target |\n"
        "|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
        "Reproduce (after `python -m bench.run` has imported the scales):\n\n"
        "```\n.venv/bin/python -m bench.render --scale 0.1 --scale 1\n```\n",
        encoding="utf-8",
    )
    print(OUT.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
