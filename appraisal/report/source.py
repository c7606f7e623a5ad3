"""Reading a stored run for a report: the run, its rules, subjects, history and staff.

Person and team scorecards come whole from :func:`appraisal.engine.results.scorecard_result`
(a few thousand subjects at most).  Clients can be hundreds of thousands, so
their details are read only for the clients a report renders (in chunks of
ids), and the complete client table is streamed row by row.  Earlier runs of
the same rule set give the trend, last period's segments and the earlier
improvement actions whose follow-up falls due now.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from appraisal.audit.canonical import ruleset_from_canonical
from appraisal.audit.follow_up import source_runs
from appraisal.engine.persist import RunRecord
from appraisal.engine.results import (
    Formats,
    PlanItem,
    SubjectResult,
    at_places,
    plan_items,
    stored_subjects,
)
from appraisal.engine.run_tables import (
    EVALUATION_RUNS,
    RUN_PLAN_ITEMS,
    RUN_SEGMENTS,
    RUN_SUBJECTS,
)
from appraisal.errors import UserError
from appraisal.periods import Period
from appraisal.spec.models import RuleSet, Scorecard
from appraisal.store.sources import Catalog

CHUNK = 500
"""Ids per ``IN (...)`` list when reading details of selected subjects."""

LATEST = "latest"


@dataclass(frozen=True)
class StoredRun:
    """A finished run with the rules it was computed with (from its own record)."""

    record: RunRecord
    ruleset: RuleSet
    period: Period
    timezone: str

    @property
    def run_id(self) -> str:
        """The run's id."""
        return self.record.run_id


def _recent(conn: Connection, count: int) -> list[str]:
    runs = EVALUATION_RUNS
    rows = conn.execute(
        sa.select(runs.c.run_id)
        .where(runs.c.results_hash.is_not(None))
        .order_by(runs.c.started_at.desc(), runs.c.run_id.desc())
        .limit(count)
    )
    return [str(r.run_id) for r in rows]


def resolve_run(conn: Connection, ref: str) -> StoredRun:
    """The finished run ``ref`` (a run id, or ``latest``: the last one started)."""
    if not sa.inspect(conn).has_table(EVALUATION_RUNS.name):
        raise UserError("no runs are stored in this database yet (appraisal run RULES --period P)")
    runs = EVALUATION_RUNS
    query = sa.select(runs).where(runs.c.results_hash.is_not(None))
    if ref == LATEST:
        query = query.order_by(runs.c.started_at.desc(), runs.c.run_id.desc()).limit(1)
    else:
        query = query.where(runs.c.run_id == ref)
    row = conn.execute(query).first()
    if row is None:
        recent = _recent(conn, 5)
        if ref == LATEST or not recent:
            raise UserError("no finished runs are stored in this database yet")
        raise UserError(f"no finished run '{ref}'; the latest are: {', '.join(recent)}")
    return StoredRun(
        record=RunRecord.from_row(row),
        ruleset=ruleset_from_canonical(row.ruleset_json),
        period=Period.parse(row.period),
        timezone=str(row.timezone),
    )


@dataclass(frozen=True)
class EarlierRun:
    """The run chosen for an earlier period: the latest, an official one if any."""

    period: str
    run_id: str


def earlier_runs(conn: Connection, run: StoredRun, count: int) -> tuple[EarlierRun, ...]:
    """Up to ``count`` earlier periods of the same rule set that have a run, oldest first."""
    runs = EVALUATION_RUNS
    rows = conn.execute(
        sa.select(runs.c.run_id, runs.c.period)
        .where(
            runs.c.ruleset_id == run.record.ruleset_id,
            runs.c.results_hash.is_not(None),
            runs.c.period_end <= run.period.start,
        )
        .order_by(
            runs.c.period_start.desc(),
            runs.c.official.desc(),
            runs.c.started_at.desc(),
            runs.c.run_id.desc(),
        )
    ).all()
    chosen: dict[str, str] = {}
    for row in rows:
        if row.period not in chosen:
            if len(chosen) == count:
                break
            chosen[str(row.period)] = str(row.run_id)
    return tuple(EarlierRun(p, r) for p, r in reversed(chosen.items()))


# ── staff ─────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class StaffEntry:
    """One person as the report needs them: name, manager, team, role."""

    staff_id: str
    name: str
    manager_id: str | None
    team: str | None
    role: str | None


@dataclass(frozen=True)
class Directory:
    """Everyone in the staff table, by id; the run's own rows take precedence."""

    entries: Mapping[str, StaffEntry]

    def get(self, staff_id: str | None) -> StaffEntry | None:
        """The entry of ``staff_id``, if known."""
        return None if staff_id is None else self.entries.get(staff_id)

    def children(self) -> Mapping[str, tuple[str, ...]]:
        """Direct reports of every manager, sorted by id."""
        found: dict[str, list[str]] = defaultdict(list)
        for entry in self.entries.values():
            if entry.manager_id is not None and entry.manager_id != entry.staff_id:
                found[entry.manager_id].append(entry.staff_id)
        return {k: tuple(sorted(v)) for k, v in found.items()}

    def overlay(self, subjects: Iterable[SubjectResult]) -> Directory:
        """This directory with names, managers and teams as the run recorded them."""
        entries = dict(self.entries)
        for s in subjects:
            entries[s.subject_id] = StaffEntry(
                s.subject_id, s.name or s.subject_id, s.manager_id, s.team, s.role
            )
        return Directory(entries)


def read_directory(conn: Connection, catalog: Catalog | None = None) -> Directory:
    """The staff table (empty when the workspace has none)."""
    staff = (catalog or Catalog()).selectable("staff")
    try:
        rows = conn.execute(
            sa.select(
                staff.c.staff_id, staff.c.name, staff.c.manager_id, staff.c.team, staff.c.role
            )
        ).all()
    except sa.exc.DBAPIError:
        return Directory({})
    return Directory(
        {
            str(r.staff_id): StaffEntry(
                str(r.staff_id), str(r.name or r.staff_id), r.manager_id, r.team, r.role
            )
            for r in rows
        }
    )


# ── selected subjects in detail ───────────────────────────────────────────────


def _chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def subject_details(
    conn: Connection, run: StoredRun, card: Scorecard, ids: Sequence[str]
) -> Iterator[SubjectResult]:
    """Full results of the given subjects, in the order of ``ids`` (read in chunks)."""
    for chunk in _chunks(ids):
        found = stored_subjects(conn, run.run_id, run.ruleset, card.id, chunk)
        by_id = {s.subject_id: s for s in found}
        yield from (by_id[i] for i in chunk if i in by_id)


# ── history ───────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class PastResult:
    """A subject's total and tier in an earlier period."""

    period: str
    total: Decimal | None
    tier: str | None


def history(
    conn: Connection,
    run: StoredRun,
    earlier: Sequence[EarlierRun],
    card: Scorecard,
    ids: Sequence[str] | None,
) -> dict[str, list[PastResult]]:
    """Totals and tiers in the earlier runs, oldest first (every subject when ``ids`` is None)."""
    if not earlier:
        return {}
    period_of = {e.run_id: e.period for e in earlier}
    order = {e.run_id: k for k, e in enumerate(earlier)}
    f = Formats(run.ruleset)
    s = RUN_SUBJECTS
    base = sa.select(s.c.run_id, s.c.subject_id, s.c.total, s.c.tier).where(
        s.c.run_id.in_(list(period_of)), s.c.scorecard_id == card.id
    )
    batches = [base] if ids is None else [base.where(s.c.subject_id.in_(c)) for c in _chunks(ids)]
    found: dict[str, list[tuple[int, PastResult]]] = defaultdict(list)
    for query in batches:
        for r in conn.execute(query):
            past = PastResult(period_of[r.run_id], at_places(r.total, f.score), r.tier)
            found[r.subject_id].append((order[r.run_id], past))
    return {k: [p for _, p in sorted(v, key=lambda x: x[0])] for k, v in found.items()}


@dataclass(frozen=True)
class SegmentRow:
    """A client's RFM scores and segment in one run."""

    segment: str
    r: int | None
    f: int | None
    m: int | None
    rfm: Decimal | None


def segments(
    conn: Connection, run_id: str, segmentation_id: str, ids: Sequence[str]
) -> dict[str, SegmentRow]:
    """The segment rows of the given clients in one run."""
    t = RUN_SEGMENTS
    found = {}
    for chunk in _chunks(ids):
        query = sa.select(t).where(
            t.c.run_id == run_id, t.c.segmentation_id == segmentation_id, t.c.subject_id.in_(chunk)
        )
        for r in conn.execute(query):
            found[str(r.subject_id)] = SegmentRow(
                str(r.segment), r.r_score, r.f_score, r.m_score, at_places(r.rfm_score, 2)
            )
    return found


# ── earlier improvement actions ───────────────────────────────────────────────


@dataclass(frozen=True)
class EarlierAction:
    """An improvement action of an earlier run: the period it was set in and the item."""

    period: str
    item: PlanItem


def earlier_actions(
    conn: Connection,
    run: StoredRun,
    card: Scorecard,
    previous: EarlierRun | None,
    ids: Sequence[str] | None,
) -> dict[str, list[EarlierAction]]:
    """Per subject: every action of the previous period's run, and any earlier action
    whose follow-up falls due in this run's period (runs chosen like ``audit follow-ups``)."""
    due_runs = set(source_runs(conn, run.record.ruleset_id, run.period.code))
    previous_id = previous.run_id if previous else None
    run_ids = due_runs | ({previous_id} if previous_id else set())
    if not run_ids:
        return {}
    p, runs = RUN_PLAN_ITEMS, EVALUATION_RUNS
    base = (
        sa.select(p, runs.c.period.label("set_in"))
        .join(runs, runs.c.run_id == p.c.run_id)
        .where(p.c.run_id.in_(sorted(run_ids)), p.c.scorecard_id == card.id)
    )
    batches = [base] if ids is None else [base.where(p.c.subject_id.in_(c)) for c in _chunks(ids)]
    f = Formats(run.ruleset)
    found: dict[str, list[tuple[tuple[str, int], EarlierAction]]] = defaultdict(list)
    for query in batches:
        rows = conn.execute(query).all()
        items = plan_items(rows, f)
        set_in = {(r.subject_id, r.position, r.rule_id): str(r.set_in) for r in rows}
        kept = {(r.subject_id, r.position, r.rule_id): r.run_id for r in rows}
        for subject, pairs in items.items():
            for position, item in pairs:
                key = (subject, position, item.rule)
                if kept[key] == previous_id or item.follow_up_period == run.period.code:
                    action = EarlierAction(set_in[key], item)
                    found[subject].append(((set_in[key], position), action))
    return {k: [a for _, a in sorted(v, key=lambda x: x[0])] for k, v in found.items()}
