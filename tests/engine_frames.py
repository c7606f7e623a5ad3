"""Hand-built values frames and small rule sets for the scoring-stage tests.

A frame here is a real table with the contract's columns (see
:mod:`appraisal.engine.frame`), filled with values worked out by hand, so the
score, tier, incentive, plan and segment stages are tested without measuring.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from appraisal.engine.frame import ValuesFrame, target_column, value_column
from appraisal.expr.sqltypes import ExprInteger, ExprMoney, ExprNumber
from appraisal.spec.enums import SubjectKind, Unit
from appraisal.spec.models import RuleSet

Number = Decimal | int | str | None

BASE_RULESET: dict[str, Any] = {
    "metadata": {
        "id": "test-rules",
        "title": {"en": "Test rules"},
        "version": "1.0",
        "effective_from": "2026-01-01",
        "owner": "HR",
    },
}


def indicator(
    indicator_id: str, unit: str = "number", direction: str = "higher", subject: str = "person"
) -> dict[str, Any]:
    """A formula indicator: its value comes from the hand-built frame anyway."""
    return {
        "id": indicator_id,
        "kind": "formula",
        "title": {"en": indicator_id},
        "unit": unit,
        "direction": direction,
        "subject": subject,
        "formula": "1",
    }


def rating(indicator_id: str, low: int = 1, high: int = 5) -> dict[str, Any]:
    """A rating indicator on a low–high scale."""
    return {
        "id": indicator_id,
        "kind": "rating",
        "title": {"en": indicator_id},
        "unit": "score",
        "direction": "higher",
        "subject": "person",
        "criterion": indicator_id,
        "scale": {"min": low, "max": high},
    }


def tiers(table_id: str = "t", boundaries: str = "lower_inclusive") -> dict[str, Any]:
    """Tiers D < 60 ≤ C < 80 ≤ B < 100 ≤ A (boundaries as given)."""
    return {
        "id": table_id,
        "boundaries": boundaries,
        "bands": [
            {"code": "A", "label": {"en": "A"}, "min": 100},
            {"code": "B", "label": {"en": "B"}, "min": 80, "max": 100},
            {"code": "C", "label": {"en": "C"}, "min": 60, "max": 80},
            {"code": "D", "label": {"en": "D"}, "max": 60},
        ],
    }


def ruleset(
    indicators: Sequence[Mapping[str, Any]],
    scorecards: Sequence[Mapping[str, Any]] = (),
    tier_tables: Sequence[Mapping[str, Any]] = (),
    segmentations: Sequence[Mapping[str, Any]] = (),
    settings: Mapping[str, Any] | None = None,
) -> RuleSet:
    """A rule set from plain data (numbers as int/Decimal, percentages as text)."""
    data: dict[str, Any] = {
        **BASE_RULESET,
        "indicators": list(indicators),
        "scorecards": list(scorecards),
        "tier_tables": list(tier_tables) or [tiers()],
        "segmentations": list(segmentations),
    }
    if settings is not None:
        data["settings"] = dict(settings)
    return RuleSet.model_validate(data)


def scorecard(
    items: Sequence[Mapping[str, Any]] | None = None,
    *,
    sections: Sequence[Mapping[str, Any]] | None = None,
    card_id: str = "card",
    subject: str = "person",
    **extra: Any,
) -> dict[str, Any]:
    """A scorecard of one section (``items``) or of several (``sections``)."""
    if sections is None:
        sections = [
            {"id": "main", "title": {"en": "Main"}, "share": 100, "items": list(items or [])}
        ]
    return {
        "id": card_id,
        "title": {"en": card_id},
        "subject": subject,
        "sections": list(sections),
        "tiers": extra.pop("tiers", "t"),
        **extra,
    }


def item(
    indicator_id: str, weight: int | Decimal, scoring: Mapping[str, Any], **extra: Any
) -> dict[str, Any]:
    """One scorecard item."""
    return {"indicator": indicator_id, "weight": weight, "scoring": dict(scoring), **extra}


@dataclass(frozen=True)
class Row:
    """One subject of a hand-built frame."""

    subject_id: str
    values: Mapping[str, Number] = field(default_factory=dict)
    targets: Mapping[str, Number] = field(default_factory=dict)
    role: str | None = "rep"
    team: str | None = "T1"
    manager_id: str | None = None
    name: str | None = None


def _column_type(unit: Unit) -> Any:
    if unit is Unit.MONEY:
        return ExprMoney()
    if unit is Unit.COUNT:
        return ExprInteger()
    return ExprNumber()


def _number(value: Number) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def build_frame(
    conn: Connection,
    rules: RuleSet,
    rows: Sequence[Row],
    *,
    name: str = "card",
    subject: SubjectKind = SubjectKind.PERSON,
    indicators: Sequence[str] | None = None,
    targeted: Sequence[str] | None = None,
    period: str = "2026Q3",
) -> ValuesFrame:
    """A frame table with the contract's columns filled from ``rows``.

    ``indicators`` default to every indicator a row gives a value for, and
    ``targeted`` to every indicator a row gives a target for.
    """
    wanted = list(indicators) if indicators is not None else _keys(rows, "values")
    with_target = list(targeted) if targeted is not None else _keys(rows, "targets")
    columns: list[sa.Column[Any]] = [
        sa.Column("subject_id", sa.String(64), primary_key=True),
        sa.Column("subject_name", sa.String(200)),
        sa.Column("role", sa.String(40)),
        sa.Column("team", sa.String(200)),
        sa.Column("manager_id", sa.String(64)),
    ]
    for indicator_id in wanted:
        unit = rules.indicator(indicator_id).unit
        columns.append(sa.Column(value_column(indicator_id), _column_type(unit)))
    for indicator_id in with_target:
        unit = rules.indicator(indicator_id).unit
        columns.append(sa.Column(target_column(indicator_id), _column_type(unit)))
    table = sa.Table(f"frame_{name}_{uuid.uuid4().hex[:8]}", sa.MetaData(), *columns)
    table.create(conn)
    payload = []
    for row in rows:
        record: dict[str, Any] = {
            "subject_id": row.subject_id,
            "subject_name": row.name or f"Name {row.subject_id}",
            "role": row.role,
            "team": row.team,
            "manager_id": row.manager_id,
        }
        for indicator_id in wanted:
            record[value_column(indicator_id)] = _number(row.values.get(indicator_id))
        for indicator_id in with_target:
            record[target_column(indicator_id)] = _number(row.targets.get(indicator_id))
        payload.append(record)
    if payload:
        conn.execute(table.insert(), payload)
    return ValuesFrame(name, subject, period, table, tuple(wanted), tuple(with_target))


def _keys(rows: Sequence[Row], attribute: str) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        for key in getattr(row, attribute):
            seen[key] = None
    return list(seen)


def fetch_work(conn: Connection, table: sa.Table, *columns: str) -> dict[str, tuple[Any, ...]]:
    """subject_id → the named columns of a work table."""
    rows = conn.execute(
        sa.select(table.c.subject_id, *(table.c[c] for c in columns)).order_by(table.c.subject_id)
    ).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def evaluate_rows(
    engine: Any,
    rules: RuleSet,
    rows: Sequence[Row],
    *,
    period: str = "2026Q3",
    staff: Sequence[Mapping[str, Any]] = (),
    history: Mapping[str, Sequence[Row]] | None = None,
    segmentation_rows: Sequence[Row] | None = None,
    official: bool = False,
) -> Any:
    """Evaluate the rule set's (single) scorecard over hand-built rows, stored as a run.

    ``history`` maps earlier period codes to their rows (for "in a row"
    conditions); ``staff`` rows fill the staff table (owners, rollups).
    """
    from appraisal.engine.context import EvaluationContext
    from appraisal.engine.evaluate import Frames, evaluate_frames
    from appraisal.periods import Period
    from appraisal.store.database import create_schema
    from appraisal.store.schema import Staff

    create_schema(engine)
    the_period = Period.parse(period)
    with engine.begin() as conn:
        if staff:
            conn.execute(sa.insert(Staff.__table__), [dict(s) for s in staff])
        cards = {}
        segmentations = {}
        for card in rules.scorecards:
            cards[card.id] = build_frame(conn, rules, rows, name=card.id, subject=card.subject)
        for seg in rules.segmentations:
            seg_rows = segmentation_rows if segmentation_rows is not None else rows
            segmentations[seg.id] = build_frame(
                conn, rules, seg_rows, name=seg.id, subject=SubjectKind.CLIENT
            )
        past = {
            code: build_frame(conn, rules, past_rows, name=f"h{code.lower()}", period=code)
            for code, past_rows in (history or {}).items()
        }

        def history_of(_card: Any) -> Any:
            return lambda p, _indicators: past[p.code]

        ctx = EvaluationContext(rules, the_period)
        return evaluate_frames(
            conn,
            ctx,
            Frames(cards, segmentations),
            history=history_of if history is not None else None,
            official=official,
        )


def score_rows(
    conn: Connection, rules: RuleSet, rows: Sequence[Row], card: int = 0
) -> dict[str, dict[str, Any]]:
    """Score hand-built rows with the rule set's scorecard; subject → work-table figures.

    Keys: ``s0``, ``st0``, ``a0``, ``ew0``, ``c0`` per item, ``ss0`` per section,
    ``total`` (numbers as Decimal, None when missing).
    """
    from appraisal.engine.score import score

    scorecard = rules.scorecards[card]
    frame = build_frame(conn, rules, rows, name=scorecard.id, subject=scorecard.subject)
    scored = score(conn, rules, scorecard, frame)
    table, layout = scored.table, scored.layout
    numbers = [name for name in layout.scales if name[0] in "sacet" and not name.startswith("st")]
    picked = [c for c in numbers if c[0] in "sace" or c == "total"]
    steps = [c.name for c in table.c if c.name.startswith("st")]
    query = sa.select(
        table.c.subject_id,
        *(layout.fixed(table, n).number().label(n) for n in picked),
        *(table.c[s] for s in steps),
    )
    found: dict[str, dict[str, Any]] = {}
    for row in conn.execute(query).mappings():
        values = {k: (Decimal(str(v)) if isinstance(v, float) else v) for k, v in row.items()}
        found[row["subject_id"]] = values
    return found
