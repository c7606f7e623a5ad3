"""The benchmark: import, evaluation, ``appraisal run``, pandas and hand-written SQL, per scale.

For each scale (default 0.1, 1 and 5) it builds ``bench/work/scale-<s>`` once
(demo data generated, written as CSV and imported; ``--prepare`` rebuilds),
then measures, each in a process of its own so peak memory never mixes:

* evaluation of the account-manager and the client rule sets for 2026Q3
  (:mod:`bench.evaluate_once`: rules loaded → results stored);
* the whole ``appraisal run`` command for each rule set (start-up included);
* the pandas script (:mod:`bench.pandas_kpis`) and the hand-written SQL
  (:mod:`bench.handwritten`);
* then checks that the engine, pandas and the hand SQL agree on every value
  (:mod:`bench.compare`) and writes ``bench/RESULTS.md``.

    .venv/bin/python -m bench.run                 # every scale
    .venv/bin/python -m bench.run --scales 0.1,1  # some
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from bench.prepare import WORK, pristine_path, restore, save_pristine, workspace_dir

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
PYTHON = sys.executable
APPRAISAL = str(Path(sys.executable).parent / "appraisal")
RULES = ("account-manager-quarterly.yaml", "client-scorecard.yaml")


@dataclass(frozen=True)
class Measured:
    """One child process: its JSON output (if any), wall seconds and peak RSS."""

    output: dict[str, Any]
    wall_s: float
    peak_rss_mb: float


def measure(command: list[str], *, json_output: bool = True) -> Measured:
    """Run a command that prints a JSON report (with its own ``peak_rss_mb``) as its last line."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = child.communicate()
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{err.decode()[-3000:]}")
    output = json.loads(out.decode().strip().splitlines()[-1]) if json_output else {}
    return Measured(output, wall, float(output.get("peak_rss_mb", 0.0)))


def measure_wait4(command: list[str]) -> Measured:
    """Run a command; its peak RSS comes from ``os.wait4`` (it need not report it)."""
    started = time.perf_counter()
    child = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert child.stderr is not None
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    errors = child.stderr.read()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{errors[-3000:]}")
    return Measured({}, wall, usage.ru_maxrss / 1024)


@dataclass
class ScaleResult:
    """Everything measured at one scale."""

    scale: float
    prepare: dict[str, Any] = field(default_factory=dict)
    evaluation: dict[str, list[Measured]] = field(default_factory=dict)
    unloaded: Measured | None = None
    """One account-manager evaluation without pandas imported first."""
    run_command: dict[str, list[Measured]] = field(default_factory=dict)
    pandas: list[Measured] = field(default_factory=list)
    hand: list[Measured] = field(default_factory=list)
    agreement: dict[str, Any] = field(default_factory=dict)


def prepared(scale: float, rebuild: bool) -> dict[str, Any]:
    """The preparation report of a scale, building its workspace when needed."""
    report = WORK / f"prepare-{scale:g}.json"
    database = workspace_dir(scale) / "data" / "appraisal.duckdb"
    if rebuild or not database.exists() or not report.exists():
        result = measure([PYTHON, "-m", "bench.prepare", "--scale", f"{scale:g}"])
        WORK.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(result.output))
    if not pristine_path(scale).exists():
        save_pristine(scale)
    data: dict[str, Any] = json.loads(report.read_text())
    return data


def fresh(scale: float, command: list[str], runner: Any) -> Measured:
    """Measure ``command`` on the database as imported (no run stored before it)."""
    restore(scale)
    result: Measured = runner(command)
    return result


def run_scale(scale: float, repeat: int, rebuild: bool) -> ScaleResult:
    """Measure one scale (``repeat`` times each, keeping every run).

    Every evaluation and ``appraisal run`` starts from the database as imported;
    pandas and the hand SQL read that copy (read-only).
    """
    result = ScaleResult(scale, prepared(scale, rebuild))
    space = workspace_dir(scale)
    database = pristine_path(scale)
    evaluate = [PYTHON, "-m", "bench.evaluate_once", str(space)]
    for rules in RULES:
        result.evaluation[rules] = [
            fresh(scale, [*evaluate, rules, "--preload", "pandas"], measure) for _ in range(repeat)
        ]
        command = [APPRAISAL, "--workspace", str(space), "run", f"{space}/rules/{rules}"]
        result.run_command[rules] = [
            fresh(scale, [*command, "--period", "2026Q3"], measure_wait4) for _ in range(repeat)
        ]
    result.unloaded = fresh(scale, [*evaluate, RULES[0]], measure)
    pandas_values, hand_values = WORK / f"pandas-{scale:g}.json", WORK / f"hand-{scale:g}.json"
    result.pandas = [
        measure([PYTHON, "-m", "bench.pandas_kpis", str(database), "--values", str(pandas_values)])
        for _ in range(repeat)
    ]
    result.hand = [
        measure([PYTHON, "-m", "bench.handwritten", str(database), "--values", str(hand_values)])
        for _ in range(repeat)
    ]
    restore(scale)
    check = subprocess.run(
        [PYTHON, "-m", "bench.compare", str(space), str(pandas_values), str(hand_values)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if not check.stdout.strip():
        raise RuntimeError(f"bench.compare failed:\n{check.stderr[-3000:]}")
    result.agreement = {"ok": check.returncode == 0, "report": json.loads(check.stdout)}
    return result


# ── RESULTS.md ──────────────────────────────────────────────────────────────────


def best(values: list[float]) -> float:
    """The fastest of repeated runs (the least disturbed by other load)."""
    return min(values)


def _eval_s(r: ScaleResult, rules: str) -> float:
    return best([m.output["evaluation_s"] for m in r.evaluation[rules]])


def _eval_rss(r: ScaleResult) -> float:
    return max(m.peak_rss_mb for runs in r.evaluation.values() for m in runs)


def _run_s(r: ScaleResult, rules: str) -> float:
    return best([m.wall_s for m in r.run_command[rules]])


def _run_rss(r: ScaleResult) -> float:
    return max(m.peak_rss_mb for runs in r.run_command.values() for m in runs)


def _pandas_s(r: ScaleResult) -> float:
    return best([m.output["load_s"] + m.output["compute_s"] for m in r.pandas])


def _pandas_compute_s(r: ScaleResult) -> float:
    return best([m.output["compute_s"] for m in r.pandas])


def _hand_s(r: ScaleResult) -> float:
    return best([m.output["cold_s"] for m in r.hand])


def _hand_warm_s(r: ScaleResult) -> float:
    return best([m.output["warm_s"] for m in r.hand])


def _total_eval(r: ScaleResult) -> float:
    return sum(_eval_s(r, rules) for rules in RULES)


def table(results: list[ScaleResult]) -> list[str]:
    """The results table, one row per scale."""
    lines = [
        "| scale | rows | import s | rows/s | eval AM s | eval client s | eval total s "
        "| `appraisal run` AM / client s | peak RSS eval / run MB | pandas s (compute) "
        "| pandas RSS MB | hand SQL s cold (warm) | values agree |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        p = r.prepare
        agree = r.agreement["report"]
        compared = agree["pandas"]["values_compared"]
        lines.append(
            f"| {r.scale:g} | {p['rows']:,} | {p['import_s']:.1f} | {p['import_rows_per_s']:,} "
            f"| {_eval_s(r, RULES[0]):.2f} | {_eval_s(r, RULES[1]):.2f} | {_total_eval(r):.2f} "
            f"| {_run_s(r, RULES[0]):.2f} / {_run_s(r, RULES[1]):.2f} "
            f"| {_eval_rss(r):.0f} / {_run_rss(r):.0f} "
            f"| {_pandas_s(r):.2f} ({_pandas_compute_s(r):.2f}) "
            f"| {max(m.peak_rss_mb for m in r.pandas):.0f} "
            f"| {_hand_s(r):.2f} ({_hand_warm_s(r):.2f}) "
            f"| {'yes' if r.agreement['ok'] else 'NO'} ({compared:,} values) |"
        )
    return lines


def targets(results: list[ScaleResult]) -> list[str]:
    """Each target against the measurement at scale 1 (and scale 5 / scale 1)."""
    by_scale = {r.scale: r for r in results}
    one = by_scale.get(1.0)
    if one is None:
        return ["(scale 1 was not measured: no target check)"]
    hand, total = _hand_s(one), _total_eval(one)
    run_s = max(_run_s(one, rules) for rules in RULES)
    pandas = _pandas_s(one)
    rss = max(_eval_rss(one), _run_rss(one))

    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    lines = [
        "| target (scale 1) | measured | |",
        "|---|---|---|",
        f"| evaluation ≤ 1.5 × hand SQL ({1.5 * hand:.2f} s) | {total:.2f} s "
        f"({total / hand:.1f} ×) | {verdict(total <= 1.5 * hand)} |",
        f"| `appraisal run` ≤ 2 s | {run_s:.2f} s (slower rule set) | {verdict(run_s <= 2)} |",
        f"| ≥ 3 × faster than pandas ({pandas:.2f} s load + compute) | {pandas / total:.1f} × "
        f"| {verdict(pandas >= 3 * total)} |",
        f"| peak RSS ≤ 400 MB | {rss:.0f} MB | {verdict(rss <= 400)} |",
    ]
    five = by_scale.get(5.0)
    if five is not None:
        ratio = _total_eval(five) / total
        lines.append(f"| scale 5 ≤ 5.5 × scale 1 | {ratio:.1f} × | {verdict(ratio <= 5.5)} |")
    return lines


def pandas_import_lines(results: list[ScaleResult]) -> list[str]:
    """What DuckDB's lazy ``import pandas`` adds to an evaluation in this environment."""
    lines = []
    for r in results:
        if r.unloaded is None:
            continue
        loaded = _eval_s(r, RULES[0])
        alone = float(r.unloaded.output["evaluation_s"])
        lines.append(
            f"- scale {r.scale:g}: account-manager evaluation {alone:.2f} s without pandas "
            f"imported first, {loaded:.2f} s with it (+{alone - loaded:.2f} s)"
        )
    return lines


def stage_lines(results: list[ScaleResult]) -> list[str]:
    """Where the evaluation time goes (fastest run of each rule set)."""
    lines = ["| scale | rule set | CPU s | stages (s) |", "|---|---|---|---|"]
    for r in results:
        for rules in RULES:
            fastest = min(r.evaluation[rules], key=lambda m: float(m.output["evaluation_s"]))
            stages = ", ".join(f"{k} {v:.2f}" for k, v in fastest.output["stages"].items())
            lines.append(f"| {r.scale:g} | {rules} | {fastest.output['cpu_s']:.2f} | {stages} |")
    return lines


def environment() -> list[str]:
    """The machine and versions the numbers come from."""
    load = os.getloadavg()
    return [
        f"- machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()}; "
        f"load average when written {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}",
        f"- Python {platform.python_version()}, DuckDB {duckdb.__version__}",
    ]


ANALYSIS = [
    "## Why the targets are not met",
    "",
    "From the stage table above and per-statement profiles of single evaluations at scale 1",
    "(`EXPLAIN ANALYZE`, SQLAlchemy cursor events, cProfile; 2026-11-22, same machine, each",
    "starting from the database as imported):",
    "",
    "- **The hand SQL does a fraction of the work.** It computes the staff KPIs and RFM for",
    "  clients and stores nothing; an evaluation also measures twelve client indicators,",
    "  scores, tiers, pays, plans, rolls up and stores every subject's results: 1.9 million",
    "  rows at scale 1 (895,596 item rows, 447,798 section rows, 149,266 subject and segment",
    "  rows, 118,165 plan items). Measuring alone takes 0.42 s for clients and 0.58 s for",
    "  account managers (with the previous quarter for `below_target_in_a_row`).",
    "- **Writing the client results dominates** (client scorecard, 4.3 s): item rows 1.3 s,",
    "  subject rows 0.36 s, the scores work table 0.27 s, section rows 0.25 s, segments",
    "  0.24 s, plan items 0.39 s. DuckDB's cost is in its string columns (run, scorecard,",
    "  subject, section and indicator ids, step): the same item rows without section id,",
    "  indicator id, weight and the applicable flag (all derivable from the rules stored",
    "  with the run) insert in 0.9 s instead of 1.3 s; that leaner table is the next step,",
    "  at the price of rows that no longer name their indicator.",
    "- **What was fixed in this round**: result rows are written by one scan of the scored",
    "  work table crossed with the item positions instead of a UNION ALL per item (DuckDB",
    "  then writes whole row groups: the checkpoint at commit fell from 1.0 s to 0.2 s);",
    "  plan items go through a work table (rows straight out of a join went through the",
    "  write-ahead log: 0.6 s at commit); the results JSON is compact canonical text (the",
    "  indented form had no C encoder: 0.5 s for 995 account managers); `appraisal --help`",
    "  takes 0.12 s and `run` imports no report code (0.5 s less per run).",
    "- **Fixed costs of every run**: the data fingerprint scans every column of all eleven",
    "  tables (0.22 s at scale 1, 0.9 s at scale 5); compiling the scoring statements takes",
    "  0.25 s of Python; reading back the 995 account managers' results and hashing their",
    "  JSON 0.7 s. `appraisal run` adds 0.75 s of imports (engine, rule language, pydantic",
    "  models, lark) and, where pandas is installed, DuckDB's own `import pandas`.",
    "- **Memory**: an evaluation's DuckDB is capped by `evaluation_memory` (default 256MB,",
    "  spilling to disk beyond it). Python with DuckDB, SQLAlchemy and the engine starts at",
    "  90 MB, 172 MB with pandas (installed here as a dev dependency, imported by DuckDB).",
    "  With pandas kept out (as in an install without dev dependencies) the evaluations",
    "  peak at 320 MB (account managers) and 408 MB (clients), and `appraisal run` takes",
    "  2.98 s and 5.28 s at 325 and 410 MB (best of 3). The cap costs time at scale",
    "  5 (client scorecard 28.7 s with 256MB, 21.4 s with 512MB, 20.6 s with 1GB, measured",
    "  the same day), which is why scale 5 / scale 1 is 5.8 × with the default and about",
    '  4.6 × with `evaluation_memory = "1GB"`, the setting a company of that size should use.',
    "- **Import** after the importer gained its date-order check (a delivery before its",
    "  order, a ticket resolved before it was opened...): scale 1 in 24.0 s (218,406 rows/s,",
    "  no row rejected) against 23.1 s in the table, within this machine's noise.",
    "- Baselines: on this machine the hand SQL takes 0.46-0.56 s at scale 1 (the target's",
    "  reference: 0.25 s) and the pandas script 3.3-3.8 s, 1.2-1.4 s of it loading the tables",
    "  from DuckDB (reference: 1.6 s); the target table compares with this machine's numbers",
    "  on both sides.",
]


def write_results(results: list[ScaleResult], repeat: int, large: int, command: str) -> None:
    """``bench/RESULTS.md``: the table, the targets, the stages and how to reproduce."""
    text = [
        "# Benchmark results",
        "",
        "Demo data (seed 2026) evaluated for 2026Q3 on DuckDB: the account-manager rule set",
        "(every account manager) and the client scorecard (every client alive in the quarter).",
        f"Times are the fastest of {repeat} runs ({large} above scale 1), each in a fresh process",
        "on the database as imported (no earlier run stored). *Evaluation* is",
        "rules loaded → results stored (`appraisal.evaluate`); *`appraisal run`* is the whole",
        "command, interpreter start-up included, without reports. *Hand SQL* is the query time",
        "of `bench/handwritten.sql` (14+ staff KPIs and per-client RFM) on a fresh connection",
        "(cold), warm in brackets; *pandas* is `bench/pandas_kpis.py`, loading the tables from",
        "DuckDB plus computing (computing alone in brackets). Peak RSS is each process's own.",
        "",
        "DuckDB's Python client imports pandas, when it is installed, the first time a",
        "statement binds a parameter; the development environment has pandas (a dev",
        "dependency), so evaluations are timed with pandas imported before the clock starts",
        "(`--preload pandas`), and `appraisal run` (a plain subprocess) pays it:",
        "",
        *pandas_import_lines(results),
        "",
        *table(results),
        "",
        "## Targets",
        "",
        *targets(results),
        "",
        "## Where evaluation time goes",
        "",
        *stage_lines(results),
        "",
        *ANALYSIS,
        "",
        "## Environment",
        "",
        *environment(),
        "",
        "## Reproduce",
        "",
        "```",
        command,
        "```",
        "",
    ]
    RESULTS.write_text("\n".join(text), encoding="utf-8")


SAVED = WORK / "results.json"


def save(results: list[ScaleResult]) -> None:
    """Keep every measurement (``--rewrite`` writes RESULTS.md from them again)."""

    def measured(m: Measured) -> dict[str, Any]:
        return {"output": m.output, "wall_s": m.wall_s, "peak_rss_mb": m.peak_rss_mb}

    data = [
        {
            "scale": r.scale,
            "prepare": r.prepare,
            "evaluation": {k: [measured(m) for m in v] for k, v in r.evaluation.items()},
            "unloaded": measured(r.unloaded) if r.unloaded else None,
            "run_command": {k: [measured(m) for m in v] for k, v in r.run_command.items()},
            "pandas": [measured(m) for m in r.pandas],
            "hand": [measured(m) for m in r.hand],
            "agreement": r.agreement,
        }
        for r in results
    ]
    SAVED.write_text(json.dumps(data, indent=1))


def load_saved() -> list[ScaleResult]:
    """The measurements of the last run."""

    def measured(d: dict[str, Any]) -> Measured:
        return Measured(d["output"], d["wall_s"], d["peak_rss_mb"])

    results = []
    for d in json.loads(SAVED.read_text()):
        r = ScaleResult(d["scale"], d["prepare"])
        r.evaluation = {k: [measured(m) for m in v] for k, v in d["evaluation"].items()}
        r.unloaded = measured(d["unloaded"]) if d["unloaded"] else None
        r.run_command = {k: [measured(m) for m in v] for k, v in d["run_command"].items()}
        r.pandas = [measured(m) for m in d["pandas"]]
        r.hand = [measured(m) for m in d["hand"]]
        r.agreement = d["agreement"]
        results.append(r)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="0.1,1,5")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--repeat-large", type=int, default=1, help="repeats at scales above 1 (they take minutes)"
    )
    parser.add_argument("--prepare", action="store_true", help="rebuild the workspaces")
    parser.add_argument(
        "--rewrite", action="store_true", help="write RESULTS.md from the last run's measurements"
    )
    args = parser.parse_args()
    scales = [float(s) for s in args.scales.split(",")]
    results = load_saved() if args.rewrite else []
    for scale in [] if args.rewrite else scales:
        print(f"scale {scale:g} …", file=sys.stderr, flush=True)
        repeat = args.repeat if scale <= 1 else args.repeat_large
        results.append(run_scale(scale, repeat, args.prepare))
        save(results)
    command = (
        f".venv/bin/python -m bench.run --scales {args.scales} --repeat {args.repeat} "
        f"--repeat-large {args.repeat_large}"
    )
    write_results(results, args.repeat, args.repeat_large, command)
    print("\n".join([*table(results), "", *targets(results)]))


if __name__ == "__main__":
    main()
