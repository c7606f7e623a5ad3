"""Queries over the subjects a bundle may show: which clients get a page, the slim
rows summaries are computed from, incentive sums, award winners, plan and segment
counts, and the complete client table (streamed).

Every query takes ``where``: conditions on ``run_subject_results`` from
:func:`visible_clause` (persons by id, clients by owner, teams by name), so a
manager's summary and tables cover their scope only.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, assert_never

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from appraisal.engine.results import Formats, at_places
from appraisal.engine.run_tables import (
    RUN_INCENTIVES,
    RUN_ITEMS,
    RUN_PLAN_ITEMS,
    RUN_SEGMENTS,
    RUN_SUBJECTS,
)
from appraisal.report.source import StoredRun
from appraisal.spec.enums import SubjectKind
from appraisal.spec.models import AwardIncentive, Scorecard


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
            at_places(r.total, f.score),
            r.tier,
            at_places(r.money, money_places) or Decimal(0),
        )


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
            at_places(r.total, f.money(card, r.incentive_id)),
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
