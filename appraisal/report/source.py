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
from typing import Any, assert_never

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from appraisal.audit.canonical import ruleset_from_canonical
from appraisal.audit.follow_up import source_runs
from appraisal.engine.persist import RunRecord
from appraisal.engine.results import (
    Formats,
    IncentiveResult,
    PlanItem,
    SectionResult,
    SubjectResult,
    item_results,
)
from appraisal.engine.run_tables import (
    EVALUATION_RUNS,
    RUN_INCENTIVES,
    RUN_ITEMS,
    RUN_PLAN_ITEMS,
    RUN_SECTIONS,
    RUN_SEGMENTS,
    RUN_SUBJECTS,
)
from appraisal.errors import UserError
from appraisal.expr.sqltypes import to_decimal
from appraisal.periods import Period
from appraisal.spec.enums import SubjectKind
from appraisal.spec.models import AwardIncentive, RuleSet, Scorecard
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


def _places(value: Any, places: int) -> Decimal | None:
    if value is None:
        return None
    return to_decimal(value).quantize(Decimal(1).scaleb(-places))


def _record(row: Any) -> RunRecord:
    return RunRecord(
        run_id=row.run_id,
        ruleset_id=row.ruleset_id,
        ruleset_version=row.ruleset_version,
        ruleset_hash=row.ruleset_hash,
        data_fingerprint=row.data_fingerprint,
        period=row.period,
        engine_version=row.engine_version,
        backend=row.backend,
        official=bool(row.official),
        started_at=row.started_at,
        finished_at=row.finished_at,
        results_hash=row.results_hash,
    )


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
        record=_record(row),
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


def _where(table: sa.Table, run_id: str, card_id: str, ids: list[str]) -> sa.Select[Any]:
    return sa.select(table).where(
        table.c.run_id == run_id, table.c.scorecard_id == card_id, table.c.subject_id.in_(ids)
    )


def _details(
    conn: Connection, run_id: str, ruleset: RuleSet, card: Scorecard, ids: list[str]
) -> list[SubjectResult]:
    f = Formats(ruleset)
    items = item_results(conn.execute(_where(RUN_ITEMS, run_id, card.id, ids)), f)
    sections: dict[str, list[tuple[int, SectionResult]]] = defaultdict(list)
    for r in conn.execute(_where(RUN_SECTIONS, run_id, card.id, ids)):
        score = _places(r.score, f.score)
        sections[r.subject_id].append((r.position, SectionResult(r.section_id, r.share, score)))
    order = {inc.id: k for k, inc in enumerate(card.incentives)}
    incentives: dict[str, list[IncentiveResult]] = defaultdict(list)
    for r in conn.execute(_where(RUN_INCENTIVES, run_id, card.id, ids)):
        incentives[r.subject_id].append(
            IncentiveResult(
                r.incentive_id,
                r.kind,
                _places(r.amount, f.money(card, r.incentive_id)),
                r.award_rank,
                None if r.basis is None else to_decimal(r.basis),
                bool(r.withheld),
            )
        )
    plans = _plan_rows(conn.execute(_where(RUN_PLAN_ITEMS, run_id, card.id, ids)), f)
    found = []
    for r in conn.execute(_where(RUN_SUBJECTS, run_id, card.id, ids)):
        sid = r.subject_id
        found.append(
            SubjectResult(
                subject_id=sid,
                name=r.subject_name,
                role=r.role,
                team=r.team,
                manager_id=r.manager_id,
                total=_places(r.total, f.score),
                tier_before_gates=r.tier_before_gates,
                gates_fired=tuple(g for g in r.gates_fired.split(",") if g),
                tier=r.tier,
                incentives_withheld=bool(r.incentives_withheld),
                sections=tuple(s for _, s in sorted(sections[sid], key=lambda p: p[0])),
                items=tuple(items.get(sid, [])),
                incentives=tuple(sorted(incentives[sid], key=lambda i: order[i.incentive])),
                plan=tuple(p for _, p in sorted(plans[sid], key=lambda p: p[0])),
            )
        )
    return found


def _plan_rows(rows: Iterable[Any], f: Formats) -> dict[str, list[tuple[int, PlanItem]]]:
    found: dict[str, list[tuple[int, PlanItem]]] = defaultdict(list)
    for r in rows:
        places = f.value(r.follow_up_indicator) if r.follow_up_indicator else 0
        found[r.subject_id].append(
            (
                r.position,
                PlanItem(
                    rule=r.rule_id,
                    condition=r.condition,
                    owner=r.owner,
                    owner_id=r.owner_id,
                    due_on=r.due_on,
                    follow_up_indicator=r.follow_up_indicator,
                    follow_up_baseline=_places(r.follow_up_baseline, places),
                    follow_up_target=_places(r.follow_up_target, places),
                    follow_up_direction=r.follow_up_direction,
                    follow_up_period=r.follow_up_period,
                ),
            )
        )
    return found


def subject_details(
    conn: Connection, run: StoredRun, card: Scorecard, ids: Sequence[str]
) -> Iterator[SubjectResult]:
    """Full results of the given subjects, in the order of ``ids`` (read in chunks)."""
    for chunk in _chunks(ids):
        by_id = {s.subject_id: s for s in _details(conn, run.run_id, run.ruleset, card, chunk)}
        yield from (by_id[i] for i in chunk if i in by_id)


# ── clients: which to render, how many ────────────────────────────────────────


def visible_clause(
    card: Scorecard,
    people: frozenset[str] | None,
    owners: frozenset[str] | None,
    teams: frozenset[str] | None,
) -> list[Any]:
    """Conditions on ``run_subject_results`` keeping the subjects a bundle may show
    (persons by id, clients by owner, teams by name; ``None``: everyone)."""
    s = RUN_SUBJECTS
    match card.subject:
        case SubjectKind.PERSON:
            return [] if people is None else [s.c.subject_id.in_(sorted(people))]
        case SubjectKind.CLIENT:
            return [] if owners is None else [s.c.manager_id.in_(sorted(owners))]
        case SubjectKind.TEAM:
            return [] if teams is None else [s.c.subject_id.in_(sorted(teams))]
        case _:
            assert_never(card.subject)


def count_subjects(conn: Connection, run: StoredRun, card: Scorecard, where: Sequence[Any]) -> int:
    """Subjects of a scorecard, only those owned by ``owners`` when given."""
    s = RUN_SUBJECTS
    query = sa.select(sa.func.count()).where(
        s.c.run_id == run.run_id, s.c.scorecard_id == card.id, *where
    )
    return int(conn.execute(query).scalar_one())


def client_selection(
    conn: Connection,
    run: StoredRun,
    card: Scorecard,
    where: Sequence[Any],
    limit: int | None,
) -> tuple[str, ...]:
    """The clients whose scorecards are rendered, in page order.

    With a limit: award winners first (best rank first), then clients with
    improvement actions (lowest total first), up to ``limit``.  Without: every
    client, by id.
    """
    s = RUN_SUBJECTS
    mine = (s.c.run_id == run.run_id, s.c.scorecard_id == card.id, *where)
    if limit is None:
        return tuple(
            str(r[0])
            for r in conn.execute(sa.select(s.c.subject_id).where(*mine).order_by(s.c.subject_id))
        )
    inc = RUN_INCENTIVES
    awards = (
        sa.select(inc.c.subject_id, sa.func.min(inc.c.award_rank).label("best"))
        .where(inc.c.run_id == run.run_id, inc.c.scorecard_id == card.id)
        .where(inc.c.award_rank.is_not(None))
        .group_by(inc.c.subject_id)
        .subquery("awarded")
    )
    winners = [
        str(r[0])
        for r in conn.execute(
            sa.select(s.c.subject_id)
            .join(awards, awards.c.subject_id == s.c.subject_id)
            .where(*mine)
            .order_by(awards.c.best, s.c.subject_id)
            .limit(limit)
        )
    ]
    plan = RUN_PLAN_ITEMS
    planned = (
        sa.select(plan.c.subject_id)
        .where(plan.c.run_id == run.run_id, plan.c.scorecard_id == card.id)
        .distinct()
        .subquery("planned")
    )
    chosen = dict.fromkeys(winners)
    needy = conn.execute(
        sa.select(s.c.subject_id)
        .join(planned, planned.c.subject_id == s.c.subject_id)
        .where(*mine)
        .order_by(s.c.total.is_(None).desc(), s.c.total, s.c.subject_id)
        .limit(limit + len(winners))
    )
    for r in needy:
        if len(chosen) >= limit:
            break
        chosen.setdefault(str(r[0]))
    return tuple(chosen)


# ── summaries: one slim row per subject, streamed ─────────────────────────────


@dataclass(frozen=True)
class SlimRow:
    """What summaries need of a subject."""

    subject_id: str
    name: str | None
    team: str | None
    manager_id: str | None
    total: Decimal | None
    tier: str | None
    money: Decimal


def _money_paid(run_id: str, card_id: str) -> Any:
    inc = RUN_INCENTIVES
    return (
        sa.select(inc.c.subject_id, sa.func.sum(inc.c.amount).label("money"))
        .where(inc.c.run_id == run_id, inc.c.scorecard_id == card_id, inc.c.amount.is_not(None))
        .group_by(inc.c.subject_id)
        .subquery("paid")
    )


def slim_rows(
    conn: Connection, run: StoredRun, card: Scorecard, where: Sequence[Any]
) -> Iterator[SlimRow]:
    """Every subject of a scorecard the bundle shows (``where``), by id, streamed."""
    s = RUN_SUBJECTS
    paid = _money_paid(run.run_id, card.id)
    f = Formats(run.ruleset)
    money_places = run.ruleset.settings.money_rounding.places
    query = (
        sa.select(
            s.c.subject_id,
            s.c.subject_name,
            s.c.team,
            s.c.manager_id,
            s.c.total,
            s.c.tier,
            paid.c.money,
        )
        .select_from(s.outerjoin(paid, paid.c.subject_id == s.c.subject_id))
        .where(s.c.run_id == run.run_id, s.c.scorecard_id == card.id, *where)
        .order_by(s.c.subject_id)
    )
    for r in conn.execution_options(yield_per=2000).execute(query):
        yield SlimRow(
            str(r.subject_id),
            r.subject_name,
            r.team,
            r.manager_id,
            _places(r.total, f.score),
            r.tier,
            _places(r.money, money_places) or Decimal(0),
        )


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
            past = PastResult(period_of[r.run_id], _places(r.total, f.score), r.tier)
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
                str(r.segment), r.r_score, r.f_score, r.m_score, _places(r.rfm_score, 2)
            )
    return found


def _in_scope(query: Any, t: Any, run_id: str, card: Scorecard | None, where: Sequence[Any]) -> Any:
    if not where or card is None:
        return query
    s = RUN_SUBJECTS
    return query.join(s, s.c.subject_id == t.c.subject_id).where(
        s.c.run_id == run_id, s.c.scorecard_id == card.id, *where
    )


def segment_moves(
    conn: Connection,
    run_id: str,
    previous_run_id: str,
    segmentation_id: str,
    card: Scorecard | None,
    where: Sequence[Any],
) -> int:
    """How many clients (in scope) are in another segment than in the previous run."""
    t = RUN_SEGMENTS
    prev = t.alias("prev")
    query = (
        sa.select(sa.func.count())
        .select_from(t.join(prev, prev.c.subject_id == t.c.subject_id))
        .where(
            t.c.run_id == run_id,
            t.c.segmentation_id == segmentation_id,
            prev.c.run_id == previous_run_id,
            prev.c.segmentation_id == segmentation_id,
            prev.c.segment != t.c.segment,
        )
    )
    return int(conn.execute(_in_scope(query, t, run_id, card, where)).scalar_one())


def segment_counts(
    conn: Connection,
    run_id: str,
    segmentation_id: str,
    card: Scorecard | None,
    where: Sequence[Any],
) -> dict[str, int]:
    """Clients (in scope) per segment."""
    t = RUN_SEGMENTS
    query = (
        sa.select(t.c.segment, sa.func.count())
        .where(t.c.run_id == run_id, t.c.segmentation_id == segmentation_id)
        .group_by(t.c.segment)
    )
    return {str(r[0]): int(r[1]) for r in conn.execute(_in_scope(query, t, run_id, card, where))}


# ── incentives, awards and plans over the subjects in scope ───────────────────


@dataclass(frozen=True)
class IncentiveSum:
    """One incentive over the subjects in scope: money paid and who received something."""

    incentive: str
    total: Decimal | None
    recipients: int


def incentive_sums(
    conn: Connection, run: StoredRun, card: Scorecard, where: Sequence[Any]
) -> dict[str, IncentiveSum]:
    """Per incentive: the sum paid and the recipients, over the subjects in scope."""
    t = RUN_INCENTIVES
    received = sa.case((sa.or_(t.c.amount > 0, t.c.award_rank.is_not(None)), 1), else_=0)
    query = _in_scope(
        sa.select(
            t.c.incentive_id,
            sa.func.sum(t.c.amount).label("total"),
            sa.func.sum(received).label("recipients"),
        )
        .where(t.c.run_id == run.run_id, t.c.scorecard_id == card.id)
        .group_by(t.c.incentive_id),
        t,
        run.run_id,
        card,
        where,
    )
    f = Formats(run.ruleset)
    return {
        str(r.incentive_id): IncentiveSum(
            str(r.incentive_id),
            _places(r.total, f.money(card, r.incentive_id)),
            int(r.recipients or 0),
        )
        for r in conn.execute(query)
    }


@dataclass(frozen=True)
class Winner:
    """An award winner in scope."""

    incentive: str
    subject_id: str
    name: str | None
    rank: int


def award_winners(
    conn: Connection, run: StoredRun, card: Scorecard, where: Sequence[Any]
) -> tuple[Winner, ...]:
    """Award winners in scope, by award (declaration order), rank and id."""
    t, s = RUN_INCENTIVES, RUN_SUBJECTS
    query = (
        sa.select(t.c.incentive_id, t.c.subject_id, s.c.subject_name, t.c.award_rank)
        .join(s, s.c.subject_id == t.c.subject_id)
        .where(t.c.run_id == run.run_id, t.c.scorecard_id == card.id)
        .where(s.c.run_id == run.run_id, s.c.scorecard_id == card.id, *where)
        .where(t.c.award_rank.is_not(None))
    )
    order = {inc.id: k for k, inc in enumerate(card.incentives)}
    found = [Winner(str(r[0]), str(r[1]), r[2], int(r[3])) for r in conn.execute(query)]
    return tuple(sorted(found, key=lambda w: (order.get(w.incentive, 0), w.rank, w.subject_id)))


def plan_counts(
    conn: Connection, run: StoredRun, card: Scorecard, where: Sequence[Any]
) -> dict[str, int]:
    """Subjects in scope per improvement rule."""
    t = RUN_PLAN_ITEMS
    query = _in_scope(
        sa.select(t.c.rule_id, sa.func.count())
        .where(t.c.run_id == run.run_id, t.c.scorecard_id == card.id)
        .group_by(t.c.rule_id),
        t,
        run.run_id,
        card,
        where,
    )
    return {str(r[0]): int(r[1]) for r in conn.execute(query)}


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
        items = _plan_rows(rows, f)
        set_in = {(r.subject_id, r.position, r.rule_id): str(r.set_in) for r in rows}
        kept = {(r.subject_id, r.position, r.rule_id): r.run_id for r in rows}
        for subject, pairs in items.items():
            for position, item in pairs:
                key = (subject, position, item.rule)
                if kept[key] == previous_id or item.follow_up_period == run.period.code:
                    action = EarlierAction(set_in[key], item)
                    found[subject].append(((set_in[key], position), action))
    return {k: [a for _, a in sorted(v, key=lambda x: x[0])] for k, v in found.items()}


# ── the complete client table ─────────────────────────────────────────────────


def award_ids(card: Scorecard) -> tuple[str, ...]:
    """The ids of the scorecard's awards, in declaration order."""
    return tuple(i.id for i in card.incentives if isinstance(i, AwardIncentive))


def client_table_rows(
    conn: Connection,
    run: StoredRun,
    card: Scorecard,
    segmentation_id: str | None,
    previous_run_id: str | None,
    where: Sequence[Any],
) -> Iterator[Any]:
    """One row per client, streamed by id: subject columns, segment now and before,
    ``v0``, ``v1``… the item values in item order, ``actions`` and ``award0``…"""
    s, i, plan, inc = RUN_SUBJECTS, RUN_ITEMS, RUN_PLAN_ITEMS, RUN_INCENTIVES
    indicators = [item.indicator for section in card.sections for item in section.items]
    values = (
        sa.select(
            i.c.subject_id,
            *[
                sa.func.max(sa.case((i.c.indicator_id == ind, i.c.value))).label(f"v{k}")
                for k, ind in enumerate(indicators)
            ],
        )
        .where(i.c.run_id == run.run_id, i.c.scorecard_id == card.id)
        .group_by(i.c.subject_id)
        .subquery("values_")
    )
    actions = (
        sa.select(plan.c.subject_id, sa.func.count().label("actions"))
        .where(plan.c.run_id == run.run_id, plan.c.scorecard_id == card.id)
        .group_by(plan.c.subject_id)
        .subquery("actions")
    )
    awards = award_ids(card)
    ranks = (
        sa.select(
            inc.c.subject_id,
            *[
                sa.func.min(sa.case((inc.c.incentive_id == a, inc.c.award_rank))).label(f"award{k}")
                for k, a in enumerate(awards)
            ],
        )
        .where(inc.c.run_id == run.run_id, inc.c.scorecard_id == card.id)
        .group_by(inc.c.subject_id)
        .subquery("ranks")
    )
    joined = (
        s.outerjoin(values, values.c.subject_id == s.c.subject_id)
        .outerjoin(actions, actions.c.subject_id == s.c.subject_id)
        .outerjoin(ranks, ranks.c.subject_id == s.c.subject_id)
    )
    columns: list[Any] = [
        s.c.subject_id,
        s.c.subject_name,
        s.c.manager_id,
        s.c.team,
        s.c.total,
        s.c.tier,
        *[values.c[f"v{k}"] for k in range(len(indicators))],
        actions.c.actions,
        *[ranks.c[f"award{k}"] for k in range(len(awards))],
    ]
    if segmentation_id is not None:
        seg = RUN_SEGMENTS.alias("seg")
        joined = joined.outerjoin(
            seg,
            sa.and_(
                seg.c.subject_id == s.c.subject_id,
                seg.c.run_id == run.run_id,
                seg.c.segmentation_id == segmentation_id,
            ),
        )
        columns += [seg.c.segment, seg.c.r_score, seg.c.f_score, seg.c.m_score, seg.c.rfm_score]
        prev = RUN_SEGMENTS.alias("prev")
        joined = joined.outerjoin(
            prev,
            sa.and_(
                prev.c.subject_id == s.c.subject_id,
                prev.c.run_id == (previous_run_id or ""),
                prev.c.segmentation_id == segmentation_id,
            ),
        )
        columns.append(prev.c.segment.label("previous_segment"))
    query = (
        sa.select(*columns)
        .select_from(joined)
        .where(s.c.run_id == run.run_id, s.c.scorecard_id == card.id, *where)
        .order_by(s.c.subject_id)
    )
    yield from conn.execution_options(yield_per=2000).execute(query)
