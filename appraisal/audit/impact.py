"""Impact of a rule change: the same data evaluated by two rule sets, compared.

The comparison runs in SQL over the stored results of two runs: each subject
(person or client, per scorecard) with its total, tier and money incentives
before and after; how many subjects moved from each tier to each other tier;
and what every incentive pays in all, before and after.  A subject appraised by
only one side appears with the other side empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from appraisal.audit.evaluation import evaluate_on, without_trace
from appraisal.engine.run_tables import RUN_INCENTIVES, RUN_SUBJECTS
from appraisal.expr.sqltypes import to_decimal
from appraisal.periods import Period
from appraisal.spec.models import RuleSet
from appraisal.store.sources import Catalog


@dataclass(frozen=True)
class SubjectImpact:
    """One subject's result under the old and the new rules."""

    scorecard_id: str
    subject_kind: str
    subject_id: str
    name: str
    total_before: Decimal | None
    total_after: Decimal | None
    tier_before: str | None
    tier_after: str | None
    incentive_before: Decimal
    incentive_after: Decimal

    @property
    def total_change(self) -> Decimal | None:
        """After minus before, when both are rated."""
        if self.total_before is None or self.total_after is None:
            return None
        return self.total_after - self.total_before

    @property
    def incentive_change(self) -> Decimal:
        """Money paid after minus before."""
        return self.incentive_after - self.incentive_before


@dataclass(frozen=True)
class TierMove:
    """How many subjects of a scorecard went from one tier to another (None: unrated)."""

    scorecard_id: str
    tier_before: str | None
    tier_after: str | None
    subjects: int


@dataclass(frozen=True)
class IncentiveTotal:
    """The money one incentive pays in all, before and after."""

    scorecard_id: str
    incentive_id: str
    kind: str
    before: Decimal
    after: Decimal

    @property
    def change(self) -> Decimal:
        """After minus before."""
        return self.after - self.before


@dataclass(frozen=True)
class ImpactReport:
    """Everything ``appraisal rules impact`` reports."""

    old_label: str
    new_label: str
    old_version: str
    new_version: str
    old_hash: str
    new_hash: str
    period: str
    data_fingerprint: str
    subjects: tuple[SubjectImpact, ...]
    moves: tuple[TierMove, ...]
    incentives: tuple[IncentiveTotal, ...]
    tier_order: tuple[tuple[str, tuple[str, ...]], ...]
    """Per scorecard id: its tier codes from best to worst (both sides' tables merged)."""
    score_places: tuple[int, int] = (2, 2)
    """Decimal places of totals under the old and the new rules."""

    @property
    def total_before(self) -> Decimal:
        """Money paid by the old rules."""
        return sum((i.before for i in self.incentives), Decimal(0))

    @property
    def total_after(self) -> Decimal:
        """Money paid by the new rules."""
        return sum((i.after for i in self.incentives), Decimal(0))

    def tiers_of(self, scorecard_id: str) -> tuple[str, ...]:
        """Tier codes of a scorecard, best first."""
        return dict(self.tier_order).get(scorecard_id, ())


def _money(value: Any) -> Decimal:
    return Decimal(0) if value is None else to_decimal(value)


def _number(value: Any) -> Decimal | None:
    return None if value is None else to_decimal(value)


def _paid(run_id: str) -> sa.Subquery:
    t = RUN_INCENTIVES
    return (
        sa.select(
            t.c.scorecard_id,
            t.c.subject_id,
            sa.func.sum(t.c.amount).label("paid"),
        )
        .where(t.c.run_id == run_id, t.c.amount.is_not(None))
        .group_by(t.c.scorecard_id, t.c.subject_id)
        .subquery()
    )


def _side(run_id: str) -> sa.Subquery:
    s = RUN_SUBJECTS
    paid = _paid(run_id)
    return (
        sa.select(
            s.c.scorecard_id,
            s.c.subject_id,
            s.c.subject_kind,
            s.c.subject_name,
            s.c.total,
            s.c.tier,
            paid.c.paid,
        )
        .select_from(
            s.outerjoin(
                paid,
                sa.and_(
                    paid.c.scorecard_id == s.c.scorecard_id, paid.c.subject_id == s.c.subject_id
                ),
            )
        )
        .where(s.c.run_id == run_id)
        .subquery()
    )


def _pairs(old_run: str, new_run: str) -> sa.Select[Any]:
    s = RUN_SUBJECTS
    keys = (
        sa.select(s.c.scorecard_id, s.c.subject_id)
        .where(s.c.run_id.in_([old_run, new_run]))
        .distinct()
        .subquery()
    )
    a, b = _side(old_run), _side(new_run)

    def on(side: sa.Subquery) -> sa.ColumnElement[bool]:
        return sa.and_(
            side.c.scorecard_id == keys.c.scorecard_id, side.c.subject_id == keys.c.subject_id
        )

    return (
        sa.select(
            keys.c.scorecard_id,
            keys.c.subject_id,
            sa.func.coalesce(b.c.subject_kind, a.c.subject_kind).label("kind"),
            sa.func.coalesce(b.c.subject_name, a.c.subject_name).label("name"),
            a.c.total.label("total_before"),
            b.c.total.label("total_after"),
            a.c.tier.label("tier_before"),
            b.c.tier.label("tier_after"),
            a.c.paid.label("paid_before"),
            b.c.paid.label("paid_after"),
        )
        .select_from(keys.outerjoin(a, on(a)).outerjoin(b, on(b)))
        .order_by(keys.c.scorecard_id, keys.c.subject_id)
    )


def subject_impacts(conn: Connection, old_run: str, new_run: str) -> tuple[SubjectImpact, ...]:
    """Every subject of either run, before and after."""
    return tuple(
        SubjectImpact(
            scorecard_id=row.scorecard_id,
            subject_kind=row.kind,
            subject_id=row.subject_id,
            name=row.name or "",
            total_before=_number(row.total_before),
            total_after=_number(row.total_after),
            tier_before=row.tier_before,
            tier_after=row.tier_after,
            incentive_before=_money(row.paid_before),
            incentive_after=_money(row.paid_after),
        )
        for row in conn.execute(_pairs(old_run, new_run))
    )


def tier_moves(conn: Connection, old_run: str, new_run: str) -> tuple[TierMove, ...]:
    """The tier-movement matrix as counts per (scorecard, before, after)."""
    pairs = _pairs(old_run, new_run).subquery()
    query = (
        sa.select(
            pairs.c.scorecard_id,
            pairs.c.tier_before,
            pairs.c.tier_after,
            sa.func.count().label("subjects"),
        )
        .group_by(pairs.c.scorecard_id, pairs.c.tier_before, pairs.c.tier_after)
        .order_by(pairs.c.scorecard_id, pairs.c.tier_before, pairs.c.tier_after)
    )
    return tuple(
        TierMove(r.scorecard_id, r.tier_before, r.tier_after, int(r.subjects))
        for r in conn.execute(query)
    )


def incentive_totals(conn: Connection, old_run: str, new_run: str) -> tuple[IncentiveTotal, ...]:
    """What each money incentive pays in all, before and after (awards are not money)."""
    t = RUN_INCENTIVES
    paid = sa.func.sum(t.c.amount)
    query = (
        sa.select(
            t.c.scorecard_id,
            t.c.incentive_id,
            t.c.kind,
            sa.func.sum(sa.case((t.c.run_id == old_run, t.c.amount))).label("before"),
            sa.func.sum(sa.case((t.c.run_id == new_run, t.c.amount))).label("after"),
        )
        .where(t.c.run_id.in_([old_run, new_run]))
        .group_by(t.c.scorecard_id, t.c.incentive_id, t.c.kind)
        .having(paid.is_not(None))
        .order_by(t.c.scorecard_id, t.c.incentive_id, t.c.kind)
    )
    return tuple(
        IncentiveTotal(r.scorecard_id, r.incentive_id, r.kind, _money(r.before), _money(r.after))
        for r in conn.execute(query)
    )


def tier_order(*rulesets: RuleSet) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Per scorecard, its tier codes best first, the first rule set's order leading."""
    order: dict[str, list[str]] = {}
    for ruleset in rulesets:
        tables = {t.id: t for t in ruleset.tier_tables}
        for card in ruleset.scorecards:
            table = tables.get(card.tiers)
            codes = [b.code for b in reversed(table.ascending())] if table else []
            known = order.setdefault(card.id, [])
            known.extend(c for c in codes if c not in known)
    return tuple((card, tuple(codes)) for card, codes in sorted(order.items()))


def compare_runs(
    conn: Connection,
    old_run: str,
    new_run: str,
    *,
    old: tuple[str, RuleSet, str],
    new: tuple[str, RuleSet, str],
    period: str,
    data_fingerprint: str,
) -> ImpactReport:
    """The impact report of two stored runs of the same period and data.

    ``old`` and ``new`` are (label as given, rule set, content hash).
    """
    return ImpactReport(
        old_label=old[0],
        new_label=new[0],
        old_version=old[1].metadata.version,
        new_version=new[1].metadata.version,
        old_hash=old[2],
        new_hash=new[2],
        period=period,
        data_fingerprint=data_fingerprint,
        subjects=subject_impacts(conn, old_run, new_run),
        moves=tier_moves(conn, old_run, new_run),
        incentives=incentive_totals(conn, old_run, new_run),
        tier_order=tier_order(old[1], new[1]),
        score_places=(
            old[1].settings.score_rounding.places,
            new[1].settings.score_rounding.places,
        ),
    )


def moved(report: ImpactReport) -> Sequence[SubjectImpact]:
    """Subjects whose tier or money changed, the largest money change first."""
    changed = [
        s for s in report.subjects if s.tier_before != s.tier_after or s.incentive_change != 0
    ]
    return sorted(changed, key=lambda s: (-abs(s.incentive_change), s.scorecard_id, s.subject_id))


def analyse_impact(
    engine: Engine,
    old: tuple[str, RuleSet],
    new: tuple[str, RuleSet],
    period: Period,
    *,
    timezone: str,
    catalog: Catalog | None = None,
    rules_dirs: tuple[Path | None, Path | None] = (None, None),
) -> ImpactReport:
    """Evaluate both rule sets on the same data and compare; nothing is stored.

    ``old`` and ``new`` are (label as given, rule set); ``rules_dirs`` are the
    folders their target sheets are read from.  Both evaluations and the
    comparison run in one transaction that is rolled back.
    """

    def work(conn: Connection) -> ImpactReport:
        before = evaluate_on(
            conn, old[1], period, timezone=timezone, rules_dir=rules_dirs[0], catalog=catalog
        )
        after = evaluate_on(
            conn, new[1], period, timezone=timezone, rules_dir=rules_dirs[1], catalog=catalog
        )
        assert before.run is not None and after.run is not None
        return compare_runs(
            conn,
            before.run.run_id,
            after.run.run_id,
            old=(old[0], old[1], before.ruleset_hash),
            new=(new[0], new[1], after.ruleset_hash),
            period=period.code,
            data_fingerprint=after.data_fingerprint,
        )

    return without_trace(engine, work)
