"""Typed results of a run and their canonical JSON.

What is rendered comes back into Python: every person (and team) with their
items, sections, incentives and plan; for clients, only summaries (the rating
distribution, group rollups, award winners, plan and segment counts) — the
per-client rows stay in the run tables.

Numbers are ``Decimal`` quantized to their declared places (values like their
indicator, scores like ``score_rounding``, money like its rounding), so the
same run gives equal objects and byte-identical JSON on every backend.  The
JSON holds no run id, timestamp or backend: those live in the run record
(:class:`~appraisal.engine.persist.RunRecord`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from appraisal.audit.canonical import decimal_text, sha256_text
from appraisal.engine.persist import RunRecord
from appraisal.engine.run_tables import (
    RUN_GROUP_TIERS,
    RUN_GROUPS,
    RUN_INCENTIVES,
    RUN_ITEMS,
    RUN_PLAN_ITEMS,
    RUN_SECTIONS,
    RUN_SEGMENTS,
    RUN_SUBJECTS,
)
from appraisal.engine.score import ATTAINMENT_ROUNDING
from appraisal.expr.sqltypes import to_decimal
from appraisal.periods import Period
from appraisal.spec.enums import SubjectKind
from appraisal.spec.fields import decimal_places
from appraisal.spec.models import AwardIncentive, RuleSet, Scorecard, effective_rounding

DETAILED = (SubjectKind.PERSON, SubjectKind.TEAM)
"""Subject kinds whose every subject is fetched; clients are summarised."""

GROUP_ORDER = {"all": 0, "team": 1, "lead": 2}


_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(11)}


def at_places(value: Any, places: int) -> Decimal | None:
    """A stored number as Decimal at ``places`` (None stays None)."""
    if value is None:
        return None
    return to_decimal(value).quantize(_QUANTA[places])


def _target(value: Any, places: int) -> Decimal | None:
    """A declared target at least at ``places``, never rounded below its own (2.5 stays 2.5)."""
    if value is None:
        return None
    number = to_decimal(value)
    return at_places(number, max(places, decimal_places(number)))


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _id_key(value: str | None) -> tuple[int, str]:
    return (0, "") if value is None else (1, value)


@dataclass(frozen=True)
class ItemResult:
    """One scorecard item of one subject; ``step`` says which rule gave the points."""

    position: int
    section: str
    indicator: str
    value: Decimal | None
    target: Decimal | None
    attainment: Decimal | None
    score: Decimal | None
    weight: Decimal
    effective_weight: Decimal | None
    contribution: Decimal | None
    applicable: bool
    step: str

    def to_data(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "indicator": self.indicator,
            "section": self.section,
            "value": _text(self.value),
            "target": None if self.target is None else decimal_text(self.target),
            "attainment": _text(self.attainment),
            "score": _text(self.score),
            "weight": decimal_text(self.weight),
            "effective_weight": _text(self.effective_weight),
            "contribution": _text(self.contribution),
            "applicable": self.applicable,
            "step": self.step,
        }


@dataclass(frozen=True)
class SectionResult:
    """A section's score (None: nothing in it applied)."""

    section: str
    share: Decimal
    score: Decimal | None

    def to_data(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "section": self.section,
            "share": decimal_text(self.share),
            "score": _text(self.score),
        }


@dataclass(frozen=True)
class IncentiveResult:
    """Money paid (bonus, commission, pool share) or an award won (``rank``)."""

    incentive: str
    kind: str
    amount: Decimal | None
    rank: int | None
    basis: Decimal | None
    withheld: bool

    def to_data(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "incentive": self.incentive,
            "kind": self.kind,
            "amount": _text(self.amount),
            "rank": self.rank,
            "basis": None if self.basis is None else decimal_text(self.basis),
            "withheld": self.withheld,
        }


@dataclass(frozen=True)
class PlanItem:
    """A SMART improvement action: what rule, who, by when, measured how."""

    rule: str
    condition: str
    owner: str
    owner_id: str | None
    due_on: date
    follow_up_indicator: str | None
    follow_up_baseline: Decimal | None
    follow_up_target: Decimal | None
    follow_up_direction: str | None
    follow_up_period: str | None

    def to_data(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "rule": self.rule,
            "condition": self.condition,
            "owner": self.owner,
            "owner_id": self.owner_id,
            "due_on": self.due_on.isoformat(),
            "follow_up": None
            if self.follow_up_indicator is None
            else {
                "indicator": self.follow_up_indicator,
                "baseline": _text(self.follow_up_baseline),
                "target": _text(self.follow_up_target),
                "direction": self.follow_up_direction,
                "period": self.follow_up_period,
            },
        }


@dataclass(frozen=True)
class SubjectResult:
    """Everything a scorecard says about one subject."""

    subject_id: str
    name: str | None
    role: str | None
    team: str | None
    manager_id: str | None
    total: Decimal | None
    tier_before_gates: str | None
    gates_fired: tuple[str, ...]
    tier: str | None
    incentives_withheld: bool
    sections: tuple[SectionResult, ...] = ()
    items: tuple[ItemResult, ...] = ()
    incentives: tuple[IncentiveResult, ...] = ()
    plan: tuple[PlanItem, ...] = ()

    def item(self, indicator_id: str) -> ItemResult:
        """The first item of an indicator (KeyError when absent)."""
        for found in self.items:
            if found.indicator == indicator_id:
                return found
        raise KeyError(indicator_id)

    def incentive(self, incentive_id: str) -> IncentiveResult | None:
        """The result of one incentive, if the subject has one."""
        return next((i for i in self.incentives if i.incentive == incentive_id), None)

    def to_data(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "subject_id": self.subject_id,
            "name": self.name,
            "role": self.role,
            "team": self.team,
            "manager_id": self.manager_id,
            "total": _text(self.total),
            "tier_before_gates": self.tier_before_gates,
            "gates_fired": list(self.gates_fired),
            "tier": self.tier,
            "incentives_withheld": self.incentives_withheld,
            "sections": [s.to_data() for s in self.sections],
            "items": [i.to_data() for i in self.items],
            "incentives": [i.to_data() for i in self.incentives],
            "plan": [p.to_data() for p in self.plan],
        }


@dataclass(frozen=True)
class TierCount:
    """Subjects in one tier (None: without a tier)."""

    tier: str | None
    subjects: int


@dataclass(frozen=True)
class GroupSummary:
    """A group's size, average total, money paid and rating distribution."""

    kind: str
    group_id: str | None
    subjects: int
    rated: int
    average_total: Decimal | None
    incentive_total: Decimal
    tiers: tuple[TierCount, ...]

    def to_data(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "group": self.group_id,
            "subjects": self.subjects,
            "rated": self.rated,
            "average_total": _text(self.average_total),
            "incentive_total": _text(self.incentive_total),
            "tiers": {t.tier or "": t.subjects for t in self.tiers},
        }


@dataclass(frozen=True)
class IncentiveTotal:
    """One incentive over all subjects: money paid and how many received something."""

    incentive: str
    kind: str
    total: Decimal | None
    recipients: int

    def to_data(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "incentive": self.incentive,
            "kind": self.kind,
            "total": _text(self.total),
            "recipients": self.recipients,
        }


@dataclass(frozen=True)
class AwardWinner:
    """A subject who won an award, with rank and the number ranked by."""

    incentive: str
    subject_id: str
    rank: int
    basis: Decimal | None


@dataclass(frozen=True)
class ScorecardResult:
    """One scorecard's outcome: subjects (persons, teams) and summaries."""

    scorecard_id: str
    subject_kind: str
    subject_count: int
    subjects: tuple[SubjectResult, ...]
    groups: tuple[GroupSummary, ...]
    incentives: tuple[IncentiveTotal, ...]
    awards: tuple[AwardWinner, ...]
    plans: tuple[tuple[str, int], ...]
    """(rule id, subjects) in rule order."""

    def subject(self, subject_id: str) -> SubjectResult:
        """One subject (KeyError when absent or not fetched)."""
        for found in self.subjects:
            if found.subject_id == subject_id:
                return found
        raise KeyError(subject_id)

    @property
    def distribution(self) -> tuple[TierCount, ...]:
        """The tier distribution over all subjects."""
        return next((g.tiers for g in self.groups if g.kind == "all"), ())

    def to_data(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "scorecard": self.scorecard_id,
            "subject_kind": self.subject_kind,
            "subject_count": self.subject_count,
            "subjects": [s.to_data() for s in self.subjects],
            "groups": [g.to_data() for g in self.groups],
            "incentives": [i.to_data() for i in self.incentives],
            "awards": [
                {
                    "incentive": a.incentive,
                    "subject_id": a.subject_id,
                    "rank": a.rank,
                    "basis": None if a.basis is None else decimal_text(a.basis),
                }
                for a in self.awards
            ],
            "plans": {rule: count for rule, count in self.plans},
        }


@dataclass(frozen=True)
class SegmentationResult:
    """How many clients each segment holds."""

    segmentation_id: str
    clients: int
    segments: tuple[tuple[str, int], ...]

    def to_data(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "segmentation": self.segmentation_id,
            "clients": self.clients,
            "segments": {code: count for code, count in self.segments},
        }


@dataclass(frozen=True)
class EvaluationResult:
    """A run's results; equal for equal rules and data, whatever the backend."""

    ruleset_id: str
    ruleset_version: str
    ruleset_hash: str
    period: str
    data_fingerprint: str
    engine_version: str
    scorecards: tuple[ScorecardResult, ...]
    segmentations: tuple[SegmentationResult, ...]
    run: RunRecord | None = field(default=None, compare=False)
    """The stored run (id, timestamps, backend); not part of the JSON."""

    def scorecard(self, scorecard_id: str) -> ScorecardResult:
        """One scorecard's result (KeyError when absent)."""
        for found in self.scorecards:
            if found.scorecard_id == scorecard_id:
                return found
        raise KeyError(scorecard_id)

    def to_data(self) -> dict[str, Any]:
        """JSON-ready form (deterministic: no run id, time or backend)."""
        return {
            "ruleset": {
                "id": self.ruleset_id,
                "version": self.ruleset_version,
                "hash": self.ruleset_hash,
            },
            "period": self.period,
            "data_fingerprint": self.data_fingerprint,
            "engine_version": self.engine_version,
            "scorecards": [c.to_data() for c in self.scorecards],
            "segmentations": [s.to_data() for s in self.segmentations],
        }

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, no spaces, Decimals as strings, final newline.

        Compact because the text is hashed on every run (the C encoder; an
        indented dump is four times slower); ``jq .`` shows it indented.
        """
        return (
            json.dumps(self.to_data(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            + "\n"
        )

    @property
    def digest(self) -> str:
        """SHA-256 of :meth:`to_json` (stored with the run as ``results_hash``)."""
        return sha256_text(self.to_json())


# ── fetching ───────────────────────────────────────────────────────────────────


class Formats:
    """Places of each kind of number, from the rule set (for reading stored rows)."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        settings = ruleset.settings
        self.score = settings.score_rounding.places
        self._values = {i.id: effective_rounding(i, settings).places for i in ruleset.indicators}
        self._money = {
            (card.id, inc.id): (inc.rounding or settings.money_rounding).places
            for card in ruleset.scorecards
            for inc in card.incentives
            if not isinstance(inc, AwardIncentive)
        }

    def value(self, indicator_id: str) -> int:
        """Places of an indicator's values."""
        return self._values[indicator_id]

    def money(self, card: Scorecard, incentive_id: str) -> int:
        """Places an incentive's amounts are rounded to."""
        default = self.ruleset.settings.money_rounding.places
        return self._money.get((card.id, incentive_id), default)


def _rows(
    conn: Connection,
    table: sa.Table,
    run_id: str,
    card_id: str,
    subjects: Sequence[str] | None = None,
) -> list[Any]:
    query = sa.select(table).where(table.c.run_id == run_id, table.c.scorecard_id == card_id)
    if subjects is not None:
        query = query.where(table.c.subject_id.in_(list(subjects)))
    return list(conn.execute(query).all())


def _number(value: Any) -> Decimal | None:
    return None if value is None else to_decimal(value)


def item_results(rows: Iterable[Any], f: Formats) -> dict[str, list[ItemResult]]:
    found: dict[str, list[ItemResult]] = defaultdict(list)
    for r in rows:
        found[r.subject_id].append(
            ItemResult(
                position=r.position,
                section=r.section_id,
                indicator=r.indicator_id,
                value=at_places(r.value, f.value(r.indicator_id)),
                target=_number(r.target),
                attainment=at_places(r.attainment, ATTAINMENT_ROUNDING.places),
                score=at_places(r.score, f.score),
                weight=to_decimal(r.weight),
                effective_weight=at_places(r.effective_weight, f.score),
                contribution=at_places(r.contribution, f.score),
                applicable=bool(r.applicable),
                step=r.step,
            )
        )
    return {k: sorted(v, key=lambda i: i.position) for k, v in found.items()}


def _sections(rows: Iterable[Any], f: Formats) -> dict[str, list[tuple[int, SectionResult]]]:
    found: dict[str, list[tuple[int, SectionResult]]] = defaultdict(list)
    for r in rows:
        result = SectionResult(r.section_id, to_decimal(r.share), at_places(r.score, f.score))
        found[r.subject_id].append((r.position, result))
    return found


def _incentives(
    rows: Iterable[Any], card: Scorecard, f: Formats
) -> dict[str, list[IncentiveResult]]:
    order = {inc.id: k for k, inc in enumerate(card.incentives)}
    found: dict[str, list[IncentiveResult]] = defaultdict(list)
    for r in rows:
        found[r.subject_id].append(
            IncentiveResult(
                incentive=r.incentive_id,
                kind=r.kind,
                amount=at_places(r.amount, f.money(card, r.incentive_id)),
                rank=r.award_rank,
                basis=_number(r.basis),
                withheld=bool(r.withheld),
            )
        )
    return {k: sorted(v, key=lambda i: order[i.incentive]) for k, v in found.items()}


def plan_items(rows: Iterable[Any], f: Formats) -> dict[str, list[tuple[int, PlanItem]]]:
    """Stored plan rows → (position, PlanItem) per subject, follow-ups at their places."""
    found: dict[str, list[tuple[int, PlanItem]]] = defaultdict(list)
    for r in rows:
        places = f.value(r.follow_up_indicator) if r.follow_up_indicator else 0
        item = PlanItem(
            rule=r.rule_id,
            condition=r.condition,
            owner=r.owner,
            owner_id=r.owner_id,
            due_on=r.due_on,
            follow_up_indicator=r.follow_up_indicator,
            follow_up_baseline=at_places(r.follow_up_baseline, places),
            follow_up_target=_target(r.follow_up_target, places),
            follow_up_direction=r.follow_up_direction,
            follow_up_period=r.follow_up_period,
        )
        found[r.subject_id].append((r.position, item))
    return found


def _subjects(
    conn: Connection,
    run_id: str,
    card: Scorecard,
    f: Formats,
    only: Sequence[str] | None = None,
) -> tuple[SubjectResult, ...]:
    items = item_results(_rows(conn, RUN_ITEMS, run_id, card.id, only), f)
    sections = _sections(_rows(conn, RUN_SECTIONS, run_id, card.id, only), f)
    incentives = _incentives(_rows(conn, RUN_INCENTIVES, run_id, card.id, only), card, f)
    plans = plan_items(_rows(conn, RUN_PLAN_ITEMS, run_id, card.id, only), f)
    found = []
    for r in _rows(conn, RUN_SUBJECTS, run_id, card.id, only):
        sid = r.subject_id
        found.append(
            SubjectResult(
                subject_id=sid,
                name=r.subject_name,
                role=r.role,
                team=r.team,
                manager_id=r.manager_id,
                total=at_places(r.total, f.score),
                tier_before_gates=r.tier_before_gates,
                gates_fired=tuple(g for g in r.gates_fired.split(",") if g),
                tier=r.tier,
                incentives_withheld=bool(r.incentives_withheld),
                sections=tuple(s for _, s in sorted(sections.get(sid, []), key=lambda p: p[0])),
                items=tuple(items.get(sid, [])),
                incentives=tuple(incentives.get(sid, [])),
                plan=tuple(p for _, p in sorted(plans.get(sid, []), key=lambda p: p[0])),
            )
        )
    return tuple(sorted(found, key=lambda s: s.subject_id))


def _groups(conn: Connection, run_id: str, card: Scorecard, f: Formats) -> tuple[GroupSummary, ...]:
    counts: dict[tuple[str, str | None], list[TierCount]] = defaultdict(list)
    for r in _rows(conn, RUN_GROUP_TIERS, run_id, card.id):
        counts[(r.group_kind, r.group_id)].append(TierCount(r.tier, int(r.subjects)))
    money = f.ruleset.settings.money_rounding.places
    groups = [
        GroupSummary(
            kind=r.group_kind,
            group_id=r.group_id,
            subjects=int(r.subjects),
            rated=int(r.rated),
            average_total=at_places(r.average_total, f.score),
            incentive_total=at_places(r.incentive_total, money) or Decimal(0),
            tiers=tuple(sorted(counts[(r.group_kind, r.group_id)], key=lambda t: _id_key(t.tier))),
        )
        for r in _rows(conn, RUN_GROUPS, run_id, card.id)
    ]
    return tuple(sorted(groups, key=lambda g: (GROUP_ORDER[g.kind], _id_key(g.group_id))))


def _incentive_totals(
    conn: Connection, run_id: str, card: Scorecard, f: Formats
) -> tuple[tuple[IncentiveTotal, ...], tuple[AwardWinner, ...]]:
    t = RUN_INCENTIVES
    where = (t.c.run_id == run_id, t.c.scorecard_id == card.id)
    received = sa.case((sa.or_(t.c.amount > 0, t.c.award_rank.is_not(None)), 1), else_=0)
    totals = {
        r.incentive_id: r
        for r in conn.execute(
            sa.select(
                t.c.incentive_id,
                sa.func.sum(t.c.amount).label("total"),
                sa.func.sum(received).label("recipients"),
            )
            .where(*where)
            .group_by(t.c.incentive_id)
        ).all()
    }
    result = []
    for incentive in card.incentives:
        row = totals.get(incentive.id)
        money = None if isinstance(incentive, AwardIncentive) else Decimal(0)
        total = at_places(row.total, f.money(card, incentive.id)) if row is not None else None
        result.append(
            IncentiveTotal(
                incentive.id,
                incentive.kind,
                total if total is not None else money,
                int(row.recipients or 0) if row is not None else 0,
            )
        )
    winners = conn.execute(
        sa.select(t.c.incentive_id, t.c.subject_id, t.c.award_rank, t.c.basis).where(
            *where, t.c.award_rank.is_not(None)
        )
    ).all()
    order = {inc.id: k for k, inc in enumerate(card.incentives)}
    awards = sorted(
        (
            AwardWinner(r.incentive_id, r.subject_id, int(r.award_rank), _number(r.basis))
            for r in winners
        ),
        key=lambda a: (order[a.incentive], a.rank, a.subject_id),
    )
    return tuple(result), tuple(awards)


def _plan_counts(conn: Connection, run_id: str, card: Scorecard) -> tuple[tuple[str, int], ...]:
    t = RUN_PLAN_ITEMS
    query = (
        sa.select(t.c.rule_id, sa.func.count())
        .where(t.c.run_id == run_id, t.c.scorecard_id == card.id)
        .group_by(t.c.rule_id)
    )
    counts = {str(r[0]): int(r[1]) for r in conn.execute(query)}
    return tuple((rule.id, int(counts.get(rule.id, 0))) for rule in card.improvement)


def scorecard_result(
    conn: Connection, run_id: str, ruleset: RuleSet, card: Scorecard
) -> ScorecardResult:
    """One scorecard's results as stored by the run."""
    f = Formats(ruleset)
    detailed = card.subject in DETAILED
    t = RUN_SUBJECTS
    count = conn.execute(
        sa.select(sa.func.count()).where(t.c.run_id == run_id, t.c.scorecard_id == card.id)
    ).scalar_one()
    totals, awards = _incentive_totals(conn, run_id, card, f)
    return ScorecardResult(
        scorecard_id=card.id,
        subject_kind=card.subject.value,
        subject_count=int(count),
        subjects=_subjects(conn, run_id, card, f) if detailed else (),
        groups=_groups(conn, run_id, card, f),
        incentives=totals,
        awards=awards,
        plans=_plan_counts(conn, run_id, card),
    )


def segmentation_result(
    conn: Connection, run_id: str, ruleset: RuleSet, seg_id: str
) -> SegmentationResult:
    """How many clients each segment holds, in segment order."""
    t = RUN_SEGMENTS
    query = (
        sa.select(t.c.segment, sa.func.count())
        .where(t.c.run_id == run_id, t.c.segmentation_id == seg_id)
        .group_by(t.c.segment)
    )
    counts = {str(r[0]): int(r[1]) for r in conn.execute(query)}
    segmentation = next(s for s in ruleset.segmentations if s.id == seg_id)
    segments = tuple((s.code, int(counts.get(s.code, 0))) for s in segmentation.segments)
    return SegmentationResult(seg_id, sum(c for _, c in segments), segments)


def stored_subjects(
    conn: Connection,
    run_id: str,
    ruleset: RuleSet,
    scorecard_id: str,
    subject_ids: Sequence[str] | None = None,
) -> tuple[SubjectResult, ...]:
    """Full results of stored subjects of any scorecard, clients included (all, or the
    ones named: fetching every client of a large company is the caller's choice)."""
    card = next((c for c in ruleset.scorecards if c.id == scorecard_id), None)
    if card is None:
        raise KeyError(scorecard_id)
    return _subjects(conn, run_id, card, Formats(ruleset), subject_ids)


@dataclass(frozen=True)
class ClientSegment:
    """One client's RFM scores (1–5) and segment."""

    subject_id: str
    r_score: int | None
    f_score: int | None
    m_score: int | None
    rfm_score: Decimal | None
    segment: str


def stored_segments(
    conn: Connection,
    run_id: str,
    ruleset: RuleSet,
    segmentation_id: str,
    subject_ids: Sequence[str] | None = None,
) -> tuple[ClientSegment, ...]:
    """Stored RFM scores and segments (all clients, or the ones named), by client id."""
    t = RUN_SEGMENTS
    query = sa.select(t).where(t.c.run_id == run_id, t.c.segmentation_id == segmentation_id)
    if subject_ids is not None:
        query = query.where(t.c.subject_id.in_(list(subject_ids)))
    places = ruleset.settings.score_rounding.places
    found = [
        ClientSegment(
            r.subject_id, r.r_score, r.f_score, r.m_score, at_places(r.rfm_score, places), r.segment
        )
        for r in conn.execute(query)
    ]
    return tuple(sorted(found, key=lambda c: c.subject_id))


def fetch_results(
    conn: Connection, record: RunRecord, ruleset: RuleSet, period: Period
) -> EvaluationResult:
    """The typed results of a stored run."""
    return EvaluationResult(
        ruleset_id=record.ruleset_id,
        ruleset_version=record.ruleset_version,
        ruleset_hash=record.ruleset_hash,
        period=period.code,
        data_fingerprint=record.data_fingerprint,
        engine_version=record.engine_version,
        scorecards=tuple(
            scorecard_result(conn, record.run_id, ruleset, c) for c in ruleset.scorecards
        ),
        segmentations=tuple(
            segmentation_result(conn, record.run_id, ruleset, s.id) for s in ruleset.segmentations
        ),
        run=record,
    )
