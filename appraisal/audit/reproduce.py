"""Reproduce a stored run: evaluate it again from its own record and compare.

A run stores the canonical rules it was computed with (and their hash), the
period, the time zone, the data fingerprint (per-entity figures) and the hash
of its results JSON.  Reproduction checks the stored rules and results against
their hashes, evaluates the stored rules again on today's data (in a
transaction that is rolled back, so nothing is stored) and compares:

* byte-identical results JSON → reproduced;
* otherwise: which data figures changed since (entity, column, figure), and
  which subjects' totals, tiers, money and item values differ, found in SQL by
  joining the stored run's rows with the new run's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from appraisal.audit.canonical import ruleset_from_canonical, sha256_text, short_hash
from appraisal.audit.evaluation import evaluate_on, without_trace
from appraisal.audit.impact import subject_impacts
from appraisal.audit.impact_render import money, number, tier
from appraisal.engine.persist import RunRecord
from appraisal.engine.results import fetch_results
from appraisal.engine.run_tables import EVALUATION_RUNS, RUN_ITEMS
from appraisal.errors import UserError
from appraisal.periods import Period
from appraisal.spec.models import RuleSet

MAX_LISTED = 20


@dataclass(frozen=True)
class Reproduction:
    """What re-evaluating a stored run showed."""

    run_id: str
    ruleset_id: str
    ruleset_version: str
    ruleset_hash: str
    period: str
    official: bool
    stored_results_hash: str
    new_results_hash: str
    problems: tuple[str, ...]
    """Stored rules or results that no longer match their hashes."""
    data_changes: tuple[str, ...]
    """Data figures that differ from the stored fingerprint: ``orders: rows 15 → 16``."""
    result_changes: tuple[str, ...]
    """Subjects and items whose results differ: ``rep S2: total 100.8 → 104.4``."""
    engine_change: str = ""

    @property
    def identical(self) -> bool:
        """True when the new results JSON is byte-identical to the stored one."""
        return not self.problems and self.new_results_hash == self.stored_results_hash


def _run_row(conn: Connection, run_id: str) -> Any:
    if not sa.inspect(conn).has_table(EVALUATION_RUNS.name):
        raise UserError("no runs are stored in this database yet")
    row = conn.execute(sa.select(EVALUATION_RUNS).where(EVALUATION_RUNS.c.run_id == run_id)).first()
    if row is None:
        raise UserError(f"no run '{run_id}' in this database")
    if row.results_hash is None:
        raise UserError(f"run '{run_id}' did not finish; there are no results to reproduce")
    return row


def fingerprint_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    """Lines naming each entity, column and figure that differs, ``before → after``."""
    lines: list[str] = []
    for entity in sorted(set(before) | set(after)):
        old, new = before.get(entity), after.get(entity)
        if old is None or new is None:
            lines.append(f"{entity}: {'not measured then' if old is None else 'not measured now'}")
            continue
        if old["rows"] != new["rows"]:
            lines.append(f"{entity}: rows {old['rows']} → {new['rows']}")
        columns_old, columns_new = old["columns"], new["columns"]
        for column in sorted(set(columns_old) | set(columns_new)):
            a, b = columns_old.get(column, {}), columns_new.get(column, {})
            for figure in sorted(set(a) | set(b)):
                if a.get(figure) != b.get(figure):
                    lines.append(
                        f"{entity}.{column}: {figure} {_figure(a.get(figure))} → "
                        f"{_figure(b.get(figure))}"
                    )
    return tuple(lines)


def _figure(value: Any) -> str:
    return "—" if value is None else str(value)


def _subject_changes(conn: Connection, old_run: str, new_run: str) -> list[str]:
    lines = []
    for s in subject_impacts(conn, old_run, new_run):
        parts = []
        if s.total_before != s.total_after:
            parts.append(f"total {number(s.total_before)} → {number(s.total_after)}")
        if s.tier_before != s.tier_after:
            parts.append(f"tier {tier(s.tier_before)} → {tier(s.tier_after)}")
        if s.incentive_before != s.incentive_after:
            parts.append(f"paid {money(s.incentive_before)} → {money(s.incentive_after)}")
        if parts:
            lines.append(f"{s.scorecard_id} {s.subject_id}: " + ", ".join(parts))
    return lines


def _item_changes(conn: Connection, old_run: str, new_run: str) -> list[str]:
    a, b = RUN_ITEMS.alias("a"), RUN_ITEMS.alias("b")
    differs = sa.or_(
        a.c.value.is_distinct_from(b.c.value),
        a.c.target.is_distinct_from(b.c.target),
        a.c.score.is_distinct_from(b.c.score),
    )
    query = (
        sa.select(
            a.c.scorecard_id,
            a.c.subject_id,
            a.c.indicator_id,
            a.c.value,
            b.c.value.label("new_value"),
            a.c.target,
            b.c.target.label("new_target"),
            a.c.score,
            b.c.score.label("new_score"),
        )
        .join(
            b,
            sa.and_(
                b.c.scorecard_id == a.c.scorecard_id,
                b.c.subject_id == a.c.subject_id,
                b.c.position == a.c.position,
            ),
        )
        .where(a.c.run_id == old_run, b.c.run_id == new_run, differs)
        .order_by(a.c.scorecard_id, a.c.subject_id, a.c.position)
    )
    lines = []
    for r in conn.execute(query):
        parts = [
            f"{name} {number(old)} → {number(new)}"
            for name, old, new in (
                ("value", r.value, r.new_value),
                ("target", r.target, r.new_target),
                ("score", r.score, r.new_score),
            )
            if old != new
        ]
        lines.append(f"{r.scorecard_id} {r.subject_id} {r.indicator_id}: " + ", ".join(parts))
    return lines


def _capped(lines: list[str]) -> tuple[str, ...]:
    if len(lines) <= MAX_LISTED:
        return tuple(lines)
    return (*lines[:MAX_LISTED], f"... and {len(lines) - MAX_LISTED} more")


def _stored_rules(row: Any) -> tuple[RuleSet | None, list[str]]:
    if sha256_text(row.ruleset_json) != row.ruleset_hash:
        return None, [
            f"the rules stored with run {row.run_id} no longer match their hash "
            f"{short_hash(row.ruleset_hash)}: the run record was altered"
        ]
    return ruleset_from_canonical(row.ruleset_json), []


def reproduce(engine: Engine, run_id: str, *, rules_dir: Path | None = None) -> Reproduction:
    """Evaluate a stored run again from its record; nothing is stored."""

    def work(conn: Connection) -> Reproduction:
        row = _run_row(conn, run_id)
        ruleset, problems = _stored_rules(row)
        if ruleset is None:
            return _failed(row, problems)
        period = Period.parse(row.period)
        stored = fetch_results(conn, RunRecord.from_row(row), ruleset, period)
        if stored.digest != row.results_hash:
            problems.append(
                f"the stored results of run {run_id} no longer match their hash "
                f"{short_hash(row.results_hash)}: result rows were altered after the run"
            )
        new = evaluate_on(conn, ruleset, period, timezone=row.timezone, rules_dir=rules_dir)
        assert new.run is not None
        new_row = _run_row(conn, new.run.run_id)
        data = fingerprint_changes(
            json.loads(row.data_fingerprint_json), json.loads(new_row.data_fingerprint_json)
        )
        changes = [
            *_subject_changes(conn, run_id, new.run.run_id),
            *_item_changes(conn, run_id, new.run.run_id),
        ]
        engine_change = (
            f"engine {row.engine_version} → {new.engine_version}"
            if row.engine_version != new.engine_version
            else ""
        )
        return Reproduction(
            run_id=run_id,
            ruleset_id=row.ruleset_id,
            ruleset_version=row.ruleset_version,
            ruleset_hash=row.ruleset_hash,
            period=row.period,
            official=bool(row.official),
            stored_results_hash=row.results_hash,
            new_results_hash=new.digest,
            problems=tuple(problems),
            data_changes=_capped(list(data)),
            result_changes=_capped(changes),
            engine_change=engine_change,
        )

    return without_trace(engine, work)


def _failed(row: Any, problems: list[str]) -> Reproduction:
    return Reproduction(
        run_id=row.run_id,
        ruleset_id=row.ruleset_id,
        ruleset_version=row.ruleset_version,
        ruleset_hash=row.ruleset_hash,
        period=row.period,
        official=bool(row.official),
        stored_results_hash=row.results_hash,
        new_results_hash="",
        problems=tuple(problems),
        data_changes=(),
        result_changes=(),
    )


def render_reproduction(r: Reproduction) -> str:
    """The verdict first, then exactly what differs."""
    kind = "official" if r.official else "draft"
    what = (
        f"run {r.run_id} ({r.ruleset_id} {r.ruleset_version}, sha256 "
        f"{short_hash(r.ruleset_hash)}, {r.period}, {kind})"
    )
    if r.identical:
        return (
            f"Reproduced {what}: byte-identical results "
            f"(sha256 {short_hash(r.stored_results_hash)})\n"
        )
    lines = [f"NOT reproduced: {what}"]
    lines.extend(f"  {p}" for p in r.problems)
    if r.new_results_hash:
        lines.append(
            f"  results sha256 {short_hash(r.stored_results_hash)} → "
            f"{short_hash(r.new_results_hash)}"
        )
    if r.engine_change:
        lines.append(f"  {r.engine_change}")
    if r.data_changes:
        lines.append("Data changed since the run:")
        lines.extend(f"  {line}" for line in r.data_changes)
    elif r.new_results_hash:
        lines.append("Data unchanged since the run (same fingerprint).")
    if r.result_changes:
        lines.append("Results that differ:")
        lines.extend(f"  {line}" for line in r.result_changes)
    return "\n".join(lines) + "\n"
