"""Evaluations that leave no trace: for impact analysis and reproduction.

Both evaluate rules on the workspace's data without storing anything: the
engine's stages run on one connection inside a transaction that is rolled
back at the end, so the comparison (in SQL, over the run tables) sees the runs
while no run, result or audit record survives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import Connection, Engine

from appraisal.engine.context import EvaluationContext
from appraisal.engine.evaluate import (
    Frames,
    evaluate_frames,
    measure_frames,
    measured_history,
)
from appraisal.engine.results import EvaluationResult
from appraisal.errors import IssuesError
from appraisal.periods import Period
from appraisal.spec.models import RuleSet
from appraisal.store.sources import Catalog
from appraisal.validation.validator import validate_ruleset

T = TypeVar("T")


@contextmanager
def scratch(engine: Engine) -> Iterator[Connection]:
    """A connection whose work is always rolled back."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            yield conn
        finally:
            transaction.rollback()


def evaluate_with_frames(
    conn: Connection,
    ruleset: RuleSet,
    period: Period,
    *,
    timezone: str,
    rules_dir: Path | None = None,
    catalog: Catalog | None = None,
) -> tuple[EvaluationResult, Frames]:
    """Every stage of an evaluation on ``conn`` (the caller owns the transaction).

    The values frames stay on the connection, so every indicator's value (not
    only the scored ones) can be read afterwards.
    """
    results = validate_ruleset(ruleset)
    if results.has_blocking_issues:
        raise IssuesError(results.errors)
    ctx = EvaluationContext(ruleset, period, catalog or Catalog(), timezone)
    frames = measure_frames(conn, ctx, rules_dir)
    history = measured_history(conn, ctx, rules_dir)
    return evaluate_frames(conn, ctx, frames, history=history), frames


def evaluate_on(
    conn: Connection,
    ruleset: RuleSet,
    period: Period,
    *,
    timezone: str,
    rules_dir: Path | None = None,
    catalog: Catalog | None = None,
) -> EvaluationResult:
    """Every stage of an evaluation on ``conn`` (the caller owns the transaction)."""
    result, _frames = evaluate_with_frames(
        conn, ruleset, period, timezone=timezone, rules_dir=rules_dir, catalog=catalog
    )
    return result


def without_trace(engine: Engine, work: Callable[[Connection], T]) -> T:
    """Run ``work`` on a scratch connection and return what it computed."""
    with scratch(engine) as conn:
        return work(conn)
