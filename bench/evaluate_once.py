"""Time one evaluation in this process: rules loaded → results stored.

Interpreter start-up, imports and loading the rule file are not counted; the
clock starts at :func:`appraisal.evaluate` and stops when it returns (the run
stored and committed).  The stages are timed from the progress callback.

    .venv/bin/python -m bench.evaluate_once bench/work/scale-1 account-manager-quarterly.yaml

Prints a JSON object: wall and CPU seconds (CPU counts every DuckDB thread),
seconds per stage, subjects per scorecard and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import time
from pathlib import Path

from appraisal.engine.evaluate import evaluate
from appraisal.validation.validator import load_ruleset
from appraisal.workspace import load_workspace

PERIOD = "2026Q3"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("rules", help="rule file name in the workspace's rules/ folder")
    parser.add_argument(
        "--preload",
        action="append",
        default=[],
        help="import this module before the clock starts (e.g. pandas, which DuckDB "
        "imports on the first bound parameter when it is installed)",
    )
    args = parser.parse_args()
    for module in args.preload:
        importlib.import_module(module)
    space = load_workspace(args.workspace)
    path = space.rules_dir / args.rules
    ruleset = load_ruleset(path)
    marks: list[tuple[str, float]] = []
    started, cpu = time.perf_counter(), time.process_time()
    result = evaluate(
        ruleset,
        PERIOD,
        workspace=space,
        rules_dir=path.parent,
        progress=lambda stage: marks.append((stage, time.perf_counter())),
    )
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    stages: dict[str, float] = {}
    ends = [t for _, t in marks[1:]] + [started + seconds]
    for (stage, begin), end in zip(marks, ends, strict=True):
        stages[stage] = round(end - begin, 3)
    print(
        json.dumps(
            {
                "rules": args.rules,
                "evaluation_s": round(seconds, 3),
                "cpu_s": round(cpu_seconds, 3),
                "stages": stages,
                "subjects": {c.scorecard_id: c.subject_count for c in result.scorecards},
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
