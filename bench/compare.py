"""Check that the engine, the pandas script and the hand-written SQL agree, value for value.

The engine's values are its values frames (every indicator of the
account-manager scorecard, and the client scorecard's RFM parts), measured on
the workspace's database; the other two come from the JSON files their scripts
write (``--values``).  Values are compared as exact decimals (``0.50`` equals
``0.5``); not applicable is ``None`` everywhere.

    .venv/bin/python -m bench.compare bench/work/scale-1 pandas.json hand.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from appraisal.engine.context import EvaluationContext
from appraisal.engine.measure import measure
from appraisal.periods import Period
from appraisal.store.database import connect
from appraisal.store.sources import Catalog
from appraisal.validation.validator import load_ruleset
from appraisal.workspace import load_workspace

PERIOD = "2026Q3"
STAFF_RULES = "account-manager-quarterly.yaml"
CLIENT_RULES = "client-scorecard.yaml"
RFM = ("rfm_recency", "rfm_frequency", "rfm_monetary")

Table = dict[str, dict[str, str | None]]


def engine_values(root: Path) -> dict[str, Table]:
    """The engine's measured values: per account manager every indicator, per client RFM."""
    space = load_workspace(root)
    engine = connect(space.database_url)
    found: dict[str, Table] = {}
    try:
        with engine.begin() as conn:
            parts = (("staff", STAFF_RULES, None), ("clients", CLIENT_RULES, RFM))
            for name, rules, wanted in parts:
                path = space.rules_dir / rules
                ctx = EvaluationContext(
                    load_ruleset(path), Period.parse(PERIOD), Catalog(), space.timezone
                )
                (frame,) = measure(conn, ctx, rules_dir=path.parent)
                indicators = [i for i in frame.indicators if wanted is None or i in wanted]
                columns = [frame.table.c.subject_id, *(frame.value(i) for i in indicators)]
                table: Table = {}
                for row in conn.execute(sa.select(*columns)):
                    values = [None if v is None else str(v) for v in row[1:]]
                    table[str(row[0])] = dict(zip(indicators, values, strict=True))
                found[name] = table
    finally:
        engine.dispose()
    return found


def _number(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def differences(
    engine: Mapping[str, Table], other: Mapping[str, Table], label: str, limit: int = 20
) -> tuple[int, list[str]]:
    """How many values were compared, and the first ``limit`` that differ."""
    compared = 0
    problems: list[str] = []
    for part in ("staff", "clients"):
        mine, theirs = engine[part], other[part]
        if set(mine) != set(theirs):
            only = sorted(set(mine) ^ set(theirs))[:5]
            counts = f"{len(mine)} vs {len(theirs)}"
            problems.append(f"{label} {part}: subjects differ ({counts}): {only}")
            continue
        for subject, values in mine.items():
            for indicator, value in values.items():
                compared += 1
                if indicator not in theirs[subject]:
                    problems.append(f"{label} {part} {subject}: no {indicator}")
                    continue
                if _number(value) != _number(theirs[subject][indicator]):
                    problems.append(
                        f"{label} {part} {subject} {indicator}: engine {value}, "
                        f"{label} {theirs[subject][indicator]}"
                    )
    return compared, problems[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("pandas_values", type=Path)
    parser.add_argument("hand_values", type=Path)
    args = parser.parse_args()
    engine = engine_values(args.workspace)
    report: dict[str, object] = {}
    failed = False
    for label, path in (("pandas", args.pandas_values), ("hand_sql", args.hand_values)):
        compared, problems = differences(engine, json.loads(path.read_text()), label)
        report[label] = {"values_compared": compared, "differences": problems}
        failed = failed or bool(problems) or compared == 0
    print(json.dumps(report, ensure_ascii=False, indent=1))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
