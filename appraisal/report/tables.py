"""The bundle's tables (CSV files, XLSX sheets): typed columns and rows produced on demand.

Cells hold raw values (``str``, ``int``, ``Decimal``, ``date`` or ``None``),
not formatted text: CSV writes them plainly and XLSX as numbers with a number
format.  Rows come from a callable so that each writer streams them afresh;
the client table is read from the database a few thousand rows at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, assert_never

from appraisal.engine.results import ItemResult, SubjectResult
from appraisal.expr.sqltypes import to_decimal
from appraisal.report.context import CardContext
from appraisal.report.i18n import labels, phrase, role_label
from appraisal.report.plans import condition_text
from appraisal.report.scoped import award_ids
from appraisal.report.summary import Board, average
from appraisal.spec.enums import SubjectKind, Unit
from appraisal.spec.fields import decimal_places
from appraisal.spec.models import AwardIncentive, Segmentation

Cell = str | int | Decimal | date | None


class Kind(StrEnum):
    """How a column's cells are written."""

    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    MONEY = "money"
    PERCENT = "percent"
    DATE = "date"


@dataclass(frozen=True)
class Column:
    """A column: header, kind, decimal places (numbers) and width in characters."""

    header: str
    kind: Kind
    places: int = 0
    width: int = 12


@dataclass(frozen=True)
class Typed:
    """A cell whose kind differs from its column's (item values of mixed units)."""

    value: Decimal | None
    kind: Kind
    places: int


@dataclass(frozen=True)
class Table:
    """A named table; ``rows()`` yields its rows afresh on every call.

    ``sheet`` is None for tables written to CSV only (the long item table:
    the workbook carries the same values one row per subject instead).
    """

    name: str
    sheet: str | None
    columns: tuple[Column, ...]
    rows: Callable[[], Iterator[tuple[Cell | Typed, ...]]]


def unit_kind(unit: Unit, places: int) -> tuple[Kind, int]:
    """The column kind and places of an indicator unit (percent: places of the percentage)."""
    match unit:
        case Unit.MONEY:
            return Kind.MONEY, places
        case Unit.PERCENT:
            return Kind.PERCENT, max(places - 2, 0)
        case Unit.COUNT:
            return Kind.NUMBER, places
        case Unit.RATIO | Unit.NUMBER | Unit.SCORE | Unit.DAYS | Unit.HOURS:
            return Kind.NUMBER, places
        case _:
            assert_never(unit)


def text(header: str, width: int = 14) -> Column:
    """A text column."""
    return Column(header, Kind.TEXT, 0, width)


def _name(ctx: CardContext, staff_id: str | None) -> str | None:
    if staff_id is None:
        return None
    return ctx.person_name(staff_id, "") or None


def exact(value: Decimal | None, places: int) -> Decimal | None:
    """A number at ``places`` decimals (the same text whatever the backend returned)."""
    return None if value is None else value.quantize(Decimal(1).scaleb(-places))


def plain(value: Decimal | None) -> Decimal | None:
    """A declared number without trailing zeros (``70``, ``12.5``)."""
    if value is None:
        return None
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def _target(ctx: CardContext, indicator_id: str, target: Decimal | None) -> Typed:
    """A target as declared (never rounded to the value's places)."""
    unit, places = ctx.unit_places(indicator_id)
    declared = plain(target)
    kind, shown = unit_kind(unit, max(places, decimal_places(declared) if declared else 0))
    return Typed(declared, kind, shown)


def _typed(ctx: CardContext, indicator_id: str, value: Decimal | None) -> Typed:
    unit, places = ctx.unit_places(indicator_id)
    kind, shown = unit_kind(unit, places)
    return Typed(exact(value, places), kind, shown)


# ── person and team scorecards ─────────────────────────────────────────────────


def results_table(
    ctx: CardContext, subjects: Sequence[SubjectResult], name: str, sheet: str
) -> Table:
    """One row per subject: who, total, tier, gates, money per incentive, award ranks."""
    t, lang = labels(ctx.language), ctx.language
    money = [i for i in ctx.card.incentives if not isinstance(i, AwardIncentive)]
    awards = [i for i in ctx.card.incentives if isinstance(i, AwardIncentive)]
    person = ctx.card.subject is SubjectKind.PERSON
    indicators = _indicators(ctx)
    who = [text(t["subject_id"], 12), text(t["name"], 20)]
    if person:
        who += [text(t["role"]), text(t["team"], 16), text(t["col_manager_id"], 12)]
        who += [text(t["manager"], 16)]
    columns = (
        *who,
        Column(t["total"], Kind.NUMBER, ctx.score_places),
        text(t["col_tier_code"], 8),
        text(t["tier"]),
        text(t["col_gates"], 24),
        Column(t["paid_total"], Kind.MONEY, ctx.money_places, 14),
        *[Column(i.title.get(lang), Kind.MONEY, ctx.money_places, 14) for i in money],
        *[
            Column(phrase(lang, "col_award", award=i.title.get(lang)), Kind.INTEGER, 0, 10)
            for i in awards
        ],
        Column(t["col_plan_items"], Kind.INTEGER, 0, 10),
        *_item_columns(ctx, indicators),
    )
    gate_titles = {g.id: g.title.get(lang) for g in ctx.card.gates}
    money_quantum = Decimal(1).scaleb(-ctx.money_places)

    def rows() -> Iterator[tuple[Cell | Typed, ...]]:
        for s in subjects:
            values = {i.indicator: i for i in reversed(s.items)}
            by_id = {i.incentive: i for i in s.incentives}
            paid = [by_id[i.id].amount if i.id in by_id else None for i in money]
            paid_total = sum((p or Decimal(0) for p in paid), Decimal(0))
            ranks = [by_id[i.id].rank if i.id in by_id else None for i in awards]
            head: list[Cell] = [s.subject_id, s.name]
            if person:
                head += [role_label(s.role, lang) or None, s.team, s.manager_id]
                head.append(_name(ctx, s.manager_id))
            yield (
                *head,
                s.total,
                s.tier,
                ctx.tier_label(s.tier) if s.tier else None,
                "; ".join(gate_titles.get(g, g) for g in s.gates_fired) or None,
                paid_total.quantize(money_quantum),
                *paid,
                *ranks,
                len(s.plan),
                *_item_cells(ctx, indicators, values),
            )

    return Table(name, sheet, columns, rows)


def _indicators(ctx: CardContext) -> list[str]:
    """The scorecard's indicators in item order, each once."""
    ids = [item.indicator for section in ctx.card.sections for item in section.items]
    return list(dict.fromkeys(ids))


def _item_columns(ctx: CardContext, indicators: list[str]) -> list[Column]:
    """An actual and a score column per indicator."""
    lang = ctx.language
    columns = []
    for indicator_id in indicators:
        unit, places = ctx.unit_places(indicator_id)
        kind, shown = unit_kind(unit, places)
        title = ctx.indicator(indicator_id).title.get(lang)
        columns.append(Column(phrase(lang, "col_item_actual", indicator=title), kind, shown, 14))
        score = phrase(lang, "col_item_score", indicator=title)
        columns.append(Column(score, Kind.NUMBER, ctx.score_places, 10))
    return columns


def _item_cells(
    ctx: CardContext, indicators: list[str], values: Mapping[str, ItemResult]
) -> list[Cell]:
    cells: list[Cell] = []
    for indicator_id in indicators:
        item = values.get(indicator_id)
        cells.append(item.value if item is not None else None)
        cells.append(item.score if item is not None else None)
    return cells


def items_table(ctx: CardContext, subjects: Sequence[SubjectResult], name: str) -> Table:
    """One row per subject and item: actual, target, attainment, score, weights (CSV only)."""
    t, lang = labels(ctx.language), ctx.language
    sections = {s.id: s.title.get(lang) for s in ctx.card.sections}
    places = ctx.score_places
    columns = (
        text(t["subject_id"], 12),
        text(t["name"], 20),
        text(t["section"], 16),
        text(t["indicator"], 14),
        text(t["indicator"], 24),
        Column(t["actual"], Kind.NUMBER, 2, 14),
        Column(t["target"], Kind.NUMBER, 2, 14),
        Column(t["attainment"], Kind.PERCENT, 2, 11),
        Column(t["score"], Kind.NUMBER, places, 9),
        Column(t["weight"], Kind.NUMBER, 2, 9),
        Column(t["col_effective_weight"], Kind.NUMBER, places, 11),
        Column(t["contribution"], Kind.NUMBER, places, 11),
    )

    def rows() -> Iterator[tuple[Cell | Typed, ...]]:
        for s in subjects:
            for item in s.items:
                indicator = ctx.indicator(item.indicator)
                yield (
                    s.subject_id,
                    s.name,
                    sections.get(item.section, item.section),
                    item.indicator,
                    indicator.title.get(lang),
                    _typed(ctx, item.indicator, item.value),
                    _target(ctx, item.indicator, item.target),
                    item.attainment,
                    item.score,
                    plain(item.weight),
                    item.effective_weight,
                    item.contribution,
                )

    return Table(name, None, columns, rows)


def plans_table(
    ctx: CardContext, subjects: Sequence[SubjectResult], name: str, sheet: str
) -> Table:
    """One row per improvement action."""
    t, lang = labels(ctx.language), ctx.language
    rules = {r.id: r for r in ctx.card.improvement}
    columns = (
        text(t["subject_id"], 12),
        text(t["name"], 20),
        text(t["col_rule"], 16),
        text(t["action"], 40),
        text(t["reason"], 28),
        text(t["col_owner_id"], 12),
        text(t["owner"], 16),
        Column(t["due"], Kind.DATE, 0, 12),
        text(t["col_follow_up_indicator"], 18),
        Column(t["col_follow_up_target"], Kind.NUMBER, 2, 14),
        text(t["col_follow_up_period"], 10),
    )

    def rows() -> Iterator[tuple[Cell | Typed, ...]]:
        for s in subjects:
            for item in s.plan:
                rule = rules.get(item.rule)
                target: Cell | Typed = (
                    _typed(ctx, item.follow_up_indicator, item.follow_up_target)
                    if item.follow_up_indicator
                    else None
                )
                yield (
                    s.subject_id,
                    s.name,
                    item.rule,
                    rule.action.get(lang) if rule else None,
                    condition_text(ctx, rule) if rule else item.condition,
                    item.owner_id,
                    _name(ctx, item.owner_id),
                    item.due_on,
                    item.follow_up_indicator,
                    target,
                    item.follow_up_period,
                )

    return Table(name, sheet, columns, rows)


# ── summaries ──────────────────────────────────────────────────────────────────


def teams_table(ctx: CardContext, board: Board, name: str, sheet: str) -> Table:
    """The team summary: size, rated, average, money, count per tier."""
    t = labels(ctx.language)
    bands = list(reversed(ctx.tiers.ascending()))
    columns = (
        text(t["team"], 18),
        Column(
            t["clients"] if ctx.card.subject is SubjectKind.CLIENT else t["people"], Kind.INTEGER
        ),
        Column(t["rated"], Kind.INTEGER),
        Column(t["average_total"], Kind.NUMBER, ctx.score_places),
        Column(t["paid"], Kind.MONEY, ctx.money_places, 14),
        *[Column(b.label.get(ctx.language), Kind.INTEGER, 0, 10) for b in bands],
    )

    def rows() -> Iterator[tuple[Cell | Typed, ...]]:
        for team, group in board.sorted_teams():
            yield (
                team or None,
                group.subjects,
                group.rated,
                average(ctx, group),
                group.money,
                *[group.tiers.get(b.code, 0) for b in bands],
            )

    return Table(name, sheet, columns, rows)


def distribution_table(ctx: CardContext, board: Board, name: str, sheet: str) -> Table:
    """Tiers best first: code, label, count, share."""
    t = labels(ctx.language)
    group = board.everyone
    columns = (
        text(t["col_tier_code"], 10),
        text(t["tier"], 16),
        Column(t["count"], Kind.INTEGER),
        Column(t["share"], Kind.PERCENT, 1),
    )

    def rows() -> Iterator[tuple[Cell | Typed, ...]]:
        bands = list(reversed(ctx.tiers.ascending()))
        entries: list[tuple[str | None, str]] = [(b.code, b.label.get(ctx.language)) for b in bands]
        if group.tiers.get(None):
            entries.append((None, t["unrated"]))
        for code, label in entries:
            count = group.tiers.get(code, 0)
            share = Decimal(count) / Decimal(group.subjects) if group.subjects else None
            yield (code, label, count, None if share is None else share.quantize(Decimal("0.0001")))

    return Table(name, sheet, columns, rows)


# ── clients ────────────────────────────────────────────────────────────────────


def clients_table(
    ctx: CardContext,
    segmentation: Segmentation | None,
    source: Callable[[], Iterator[Any]],
    name: str,
    sheet: str,
) -> Table:
    """Every client in scope: owner, total, tier, segment now and before, RFM, item
    values, actions and award ranks (streamed from the database)."""
    t, lang = labels(ctx.language), ctx.language
    indicators = [item.indicator for section in ctx.card.sections for item in section.items]
    awards = award_ids(ctx.card)
    award_titles = {i.id: i.title.get(lang) for i in ctx.card.incentives}
    value_columns = []
    for indicator_id in indicators:
        unit, places = ctx.unit_places(indicator_id)
        kind, shown = unit_kind(unit, places)
        title = ctx.indicator(indicator_id).title.get(lang)
        value_columns.append(Column(title, kind, shown, 14))
    segment_columns: list[Column] = []
    rfm = segmentation is not None and segmentation.rfm is not None
    if segmentation is not None:
        segment_columns = [
            text(t["col_segment_code"], 12),
            text(t["segment"], 14),
            text(t["segment_previous"], 14),
        ]
    if rfm:
        segment_columns += [
            Column(t["rfm_recency"], Kind.INTEGER, 0, 8),
            Column(t["rfm_frequency"], Kind.INTEGER, 0, 8),
            Column(t["rfm_monetary"], Kind.INTEGER, 0, 8),
            Column(t["rfm_score"], Kind.NUMBER, 2, 8),
        ]
    columns = (
        text(t["client_id"], 12),
        text(t["client_name"], 28),
        text(t["col_owner_id"], 12),
        text(t["col_owner_name"], 14),
        text(t["team"], 16),
        Column(t["total"], Kind.NUMBER, ctx.score_places),
        text(t["col_tier_code"], 8),
        text(t["tier"], 12),
        *segment_columns,
        *value_columns,
        Column(t["col_plan_items"], Kind.INTEGER, 0, 10),
        *[
            Column(phrase(lang, "col_award", award=award_titles[a]), Kind.INTEGER, 0, 10)
            for a in awards
        ],
    )
    segment_labels: Mapping[str, str] = (
        {s.code: s.label.get(lang) for s in segmentation.segments} if segmentation else {}
    )
    value_places = [c.places + (2 if c.kind is Kind.PERCENT else 0) for c in value_columns]
    score_quantum = Decimal(1).scaleb(-ctx.score_places)

    def number(value: Any, places: int) -> Decimal | None:
        if value is None:
            return None
        return to_decimal(value).quantize(Decimal(1).scaleb(-places))

    def rows() -> Iterator[tuple[Cell | Typed, ...]]:
        for row in source():
            r = row._mapping
            segment: list[Cell] = []
            if segmentation is not None:
                segment = [
                    r["segment"],
                    segment_labels.get(r["segment"], r["segment"]) if r["segment"] else None,
                    segment_labels.get(r["previous_segment"], r["previous_segment"])
                    if r["previous_segment"]
                    else None,
                ]
            if rfm:
                segment += [r["r_score"], r["f_score"], r["m_score"], number(r["rfm_score"], 2)]
            total = r["total"]
            yield (
                r["subject_id"],
                r["subject_name"],
                r["manager_id"],
                _name(ctx, r["manager_id"]),
                r["team"],
                None if total is None else to_decimal(total).quantize(score_quantum),
                r["tier"],
                ctx.tier_label(r["tier"]) if r["tier"] else None,
                *segment,
                *[number(r[f"v{k}"], p) for k, p in enumerate(value_places)],
                int(r["actions"] or 0),
                *[r[f"award{k}"] for k in range(len(awards))],
            )

    return Table(name, sheet, columns, rows)
