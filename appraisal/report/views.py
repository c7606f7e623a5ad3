"""Results → view models: plain, JSON-serialisable data with every value already written.

A view holds strings (numbers, money, dates and percentages formatted for the
language), booleans, ints and tuples of other views, nothing else, so
templates only place text and the JSON of a bundle is the views themselves
(:mod:`appraisal.report.json_out`).  Labels come from the rules (titles, actions, tier and
segment labels, in the chosen language) and :mod:`appraisal.report.i18n`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import assert_never

from appraisal.engine.results import ItemResult, SubjectResult
from appraisal.report.charts import Bar, Trend, progress_bar, scale_bar, trend_chart
from appraisal.report.context import CardContext, tier_tones
from appraisal.report.formatting import NOT_APPLICABLE, Formatter
from appraisal.report.i18n import labels, period_text, phrase, role_label
from appraisal.report.plans import FollowUpView, PlanItemView, earlier_views, plan_views
from appraisal.report.source import EarlierAction, PastResult, SegmentRow, StoredRun
from appraisal.spec.enums import Direction, Language, SubjectKind
from appraisal.spec.fields import decimal_places
from appraisal.spec.models import AwardIncentive, RatingIndicator, Segmentation

SHORT_HASH = 12
STRENGTHS = 3


# ── shared pieces ──────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class RunView:
    """What every page says about the run and the bundle."""

    run_id: str
    ruleset_id: str
    ruleset_title: str
    ruleset_version: str
    period: str
    period_code: str
    official: bool
    status: str
    evaluated_at: str
    results_hash: str
    audience: str
    lang: str
    language: str
    footer: str


@dataclass(frozen=True)
class Fact:
    """A labelled fact in a page header (role, team, manager...)."""

    label: str
    value: str


@dataclass(frozen=True)
class ItemView:
    """One scorecard item: actual against target, attainment, points."""

    indicator_id: str
    title: str
    description: str
    actual: str
    target: str
    attainment: str
    score: str
    weight: str
    contribution: str
    applicable: bool
    lower_is_better: bool
    bar: Bar | None


@dataclass(frozen=True)
class SectionView:
    """A section of a scorecard and its items."""

    section_id: str
    title: str
    share: str
    share_label: str
    score: str
    items: tuple[ItemView, ...]


@dataclass(frozen=True)
class IncentiveView:
    """Money paid by one incentive (or withheld)."""

    incentive_id: str
    title: str
    kind: str
    amount: str
    withheld: bool


@dataclass(frozen=True)
class AwardView:
    """An award won."""

    incentive_id: str
    title: str
    award: str
    rank: str


@dataclass(frozen=True)
class RatingView:
    """A qualitative rating on its scale."""

    indicator_id: str
    title: str
    value: str
    anchor: str
    bar: Bar | None


@dataclass(frozen=True)
class SegmentView:
    """A client's segment, RFM scores, change since the previous run and actions."""

    code: str
    label: str
    change: str
    recency: str
    frequency: str
    monetary: str
    rfm: str
    has_rfm: bool
    actions: tuple[str, ...]
    reward: str


@dataclass(frozen=True)
class ScorecardView:
    """One subject's scorecard page."""

    kind: str
    path: str
    root: str
    scorecard_id: str
    scorecard_title: str
    subject_id: str
    name: str
    team: str
    facts: tuple[Fact, ...]
    total: str
    tier_code: str
    tier_label: str
    tier_tone: str
    gates: tuple[str, ...]
    sections: tuple[SectionView, ...]
    has_not_applicable: bool
    incentives: tuple[IncentiveView, ...]
    awards: tuple[AwardView, ...]
    money_total: str
    trend: Trend
    ratings: tuple[RatingView, ...]
    strengths: tuple[str, ...]
    plan: tuple[PlanItemView, ...]
    earlier: tuple[FollowUpView, ...]
    segment: SegmentView | None


# ── the run ──────────────────────────────────────────────────────────────────


def run_view(run: StoredRun, fmt: Formatter, audience: str) -> RunView:
    """The run as every page shows it."""
    record = run.record
    t = labels(fmt.language)
    moment = record.finished_at or record.started_at
    return RunView(
        run_id=record.run_id,
        ruleset_id=record.ruleset_id,
        ruleset_title=run.ruleset.metadata.title.get(fmt.language),
        ruleset_version=record.ruleset_version,
        period=period_text(record.period, fmt.language),
        period_code=record.period,
        official=record.official,
        status=t["status_official"] if record.official else t["status_draft"],
        evaluated_at=fmt.instant(moment),
        results_hash=(record.results_hash or "")[:SHORT_HASH],
        audience=audience,
        lang="zh-CN" if fmt.language is Language.ZH else "en",
        language=fmt.language.value,
        footer=phrase(
            fmt.language,
            "footer",
            run=record.run_id,
            digest=(record.results_hash or "")[:SHORT_HASH],
        ),
    )


# ── items ──────────────────────────────────────────────────────────────────────


def progress(item: ItemResult, direction: Direction) -> Decimal | None:
    """How far an item is towards its target (1 = on target), direction-aware.

    With an attainment (value / target) it is that ratio, inverted when lower
    is better; without one (ratings, direct points) the score out of 100.
    """
    if not item.applicable:
        return None
    if item.attainment is not None:
        match direction:
            case Direction.HIGHER:
                return item.attainment
            case Direction.LOWER:
                return Decimal("1.5") if item.attainment == 0 else 1 / item.attainment
            case _:
                assert_never(direction)
    return None if item.score is None else item.score / 100


def item_view(ctx: CardContext, item: ItemResult) -> ItemView:
    """One item as a table row."""
    indicator = ctx.indicator(item.indicator)
    lang, fmt, places = ctx.language, ctx.fmt, ctx.score_places
    ratio = progress(item, indicator.direction)
    return ItemView(
        indicator_id=item.indicator,
        title=indicator.title.get(lang),
        description=indicator.description.get(lang) if indicator.description else "",
        actual=ctx.value_text(item.indicator, item.value),
        target=ctx.target_text(item.indicator, item.target),
        attainment=fmt.percent(item.attainment, 1),
        score=fmt.number(item.score, places),
        weight=fmt.number(item.weight, decimal_places(item.weight)),
        contribution=fmt.number(item.contribution, places),
        applicable=item.applicable,
        lower_is_better=indicator.direction is Direction.LOWER,
        bar=None if ratio is None else progress_bar(ratio),
    )


def section_views(ctx: CardContext, subject: SubjectResult) -> tuple[SectionView, ...]:
    """Sections with their items, in scorecard order."""
    by_section: dict[str, list[ItemView]] = {}
    for item in subject.items:
        by_section.setdefault(item.section, []).append(item_view(ctx, item))
    scores = {s.section: s.score for s in subject.sections}
    return tuple(
        SectionView(
            section_id=section.id,
            title=section.title.get(ctx.language),
            share=ctx.fmt.number(section.share, decimal_places(section.share)),
            share_label=phrase(
                ctx.language,
                "section_share",
                share=ctx.fmt.percent(section.share / 100, decimal_places(section.share)),
            ),
            score=ctx.fmt.number(scores.get(section.id), ctx.score_places),
            items=tuple(by_section.get(section.id, ())),
        )
        for section in ctx.card.sections
    )


def strengths(ctx: CardContext, subject: SubjectResult) -> tuple[str, ...]:
    """The best items at or beyond target (highest score first), at most three."""
    ranked = []
    for item in subject.items:
        ratio = progress(item, ctx.indicator(item.indicator).direction)
        if ratio is not None and ratio >= 1 and item.score is not None:
            ranked.append((-item.score, item.position, item))
    lines = []
    for _, _, item in sorted(ranked, key=lambda r: (r[0], r[1]))[:STRENGTHS]:
        title = ctx.indicator(item.indicator).title.get(ctx.language)
        actual = ctx.value_text(item.indicator, item.value)
        if item.attainment is not None:
            attainment = ctx.fmt.percent(item.attainment, 1)
            lines.append(
                phrase(
                    ctx.language,
                    "strength_line",
                    indicator=title,
                    actual=actual,
                    attainment=attainment,
                )
            )
        else:
            score = ctx.fmt.number(item.score, ctx.score_places)
            lines.append(
                phrase(
                    ctx.language, "strength_line_score", indicator=title, actual=actual, score=score
                )
            )
    return tuple(lines)


def rating_views(ctx: CardContext, subject: SubjectResult) -> tuple[RatingView, ...]:
    """Qualitative ratings (rating indicators) on their scales."""
    views = []
    for item in subject.items:
        indicator = ctx.indicator(item.indicator)
        if not isinstance(indicator, RatingIndicator):
            continue
        scale = indicator.scale
        value = ctx.value_text(item.indicator, item.value)
        anchor = ""
        if item.value is not None and scale.anchors:
            closest = min(scale.anchors, key=lambda a: (abs(a.value - item.value), a.value))  # type: ignore[operator]
            anchor = closest.label.get(ctx.language)
        top = ctx.fmt.number(scale.max, 0)
        views.append(
            RatingView(
                indicator_id=item.indicator,
                title=indicator.title.get(ctx.language),
                value=phrase(ctx.language, "rating_of", value=value, max=top)
                if item.value is not None
                else NOT_APPLICABLE,
                anchor=anchor,
                bar=None if item.value is None else scale_bar(item.value / scale.max),
            )
        )
    return tuple(views)


# ── incentives ─────────────────────────────────────────────────────────────────


def incentive_views(
    ctx: CardContext, subject: SubjectResult
) -> tuple[tuple[IncentiveView, ...], tuple[AwardView, ...], str]:
    """Money incentives, awards won, and the money total."""
    t = labels(ctx.language)
    by_id = {i.id: i for i in ctx.card.incentives}
    money: list[IncentiveView] = []
    awards: list[AwardView] = []
    total = Decimal(0)
    for result in subject.incentives:
        declared = by_id[result.incentive]
        title = declared.title.get(ctx.language)
        if isinstance(declared, AwardIncentive):
            if result.rank is not None:
                rank = phrase(ctx.language, "award_rank", rank=str(result.rank))
                awards.append(
                    AwardView(result.incentive, title, declared.award.get(ctx.language), rank)
                )
            continue
        total += result.amount or Decimal(0)
        money.append(
            IncentiveView(
                incentive_id=result.incentive,
                title=title,
                kind=t[f"kind_{declared.kind}"],
                amount=ctx.fmt.money(result.amount or Decimal(0), ctx.money_places),
                withheld=result.withheld,
            )
        )
    return tuple(money), tuple(awards), ctx.fmt.money(total, ctx.money_places)


def gate_lines(ctx: CardContext, subject: SubjectResult) -> tuple[str, ...]:
    """Gates that fired: their titles, then what they changed."""
    titles = {g.id: g.title.get(ctx.language) for g in ctx.card.gates}
    lines = [titles.get(g, g) for g in subject.gates_fired]
    if subject.tier_before_gates is not None and subject.tier_before_gates != subject.tier:
        lines.append(
            phrase(
                ctx.language,
                "gate_capped",
                before=ctx.tier_label(subject.tier_before_gates),
                after=ctx.tier_label(subject.tier),
            )
        )
    if subject.incentives_withheld:
        lines.append(labels(ctx.language)["gate_withheld"])
    return tuple(lines)


# ── trend and segments ─────────────────────────────────────────────────────────


def trend_view(ctx: CardContext, subject: SubjectResult, past: Sequence[PastResult]) -> Trend:
    """Totals over the earlier periods on record and this one."""
    lang = ctx.language
    entries = [
        (
            p.period,
            period_text(p.period, lang),
            p.total,
            ctx.fmt.number(p.total, ctx.score_places),
            ctx.tier_label(p.tier),
            False,
        )
        for p in past
    ]
    entries.append(
        (
            ctx.run.period.code,
            period_text(ctx.run.period.code, lang),
            subject.total,
            ctx.fmt.number(subject.total, ctx.score_places),
            ctx.tier_label(subject.tier),
            True,
        )
    )
    return trend_chart(entries)


def _rfm_part(score: int | None) -> str:
    return NOT_APPLICABLE if score is None else str(score)


def segment_view(
    ctx: CardContext,
    segmentation: Segmentation,
    now: SegmentRow | None,
    before: SegmentRow | None,
    previous_period: str | None,
) -> SegmentView:
    """A client's segment, its change since the previous run, and what to do."""
    lang, t = ctx.language, labels(ctx.language)
    by_code = {s.code: s for s in segmentation.segments}

    def label(code: str) -> str:
        found = by_code.get(code)
        return found.label.get(lang) if found else code

    if now is None:
        return SegmentView("", t["no_segment"], "", "", "", "", "", False, (), "")
    segment = by_code.get(now.segment)
    if before is None:
        change = t["segment_new"] if previous_period else ""
    elif before.segment == now.segment:
        change = phrase(lang, "segment_same", period=period_text(previous_period or "", lang))
    else:
        change = phrase(
            lang, "segment_moved", before=label(before.segment), after=label(now.segment)
        )
    return SegmentView(
        code=now.segment,
        label=label(now.segment),
        change=change,
        recency=_rfm_part(now.r),
        frequency=_rfm_part(now.f),
        monetary=_rfm_part(now.m),
        rfm=ctx.fmt.number(now.rfm, 2),
        has_rfm=segmentation.rfm is not None,
        actions=tuple(a.get(lang) for a in segment.actions) if segment else (),
        reward=segment.reward.get(lang) if segment and segment.reward else "",
    )


# ── the page ───────────────────────────────────────────────────────────────────


def facts(ctx: CardContext, subject: SubjectResult) -> tuple[Fact, ...]:
    """Header facts: role, team and manager (person); owner and team (client)."""
    t = labels(ctx.language)
    none = t["none"]
    match ctx.card.subject:
        case SubjectKind.PERSON:
            return (
                Fact(t["staff_id"], subject.subject_id),
                Fact(t["role"], role_label(subject.role, ctx.language) or none),
                Fact(t["team"], subject.team or none),
                Fact(t["manager"], ctx.person_name(subject.manager_id, none)),
                Fact(t["period"], period_text(ctx.run.period.code, ctx.language)),
            )
        case SubjectKind.CLIENT:
            return (
                Fact(t["client_id"], subject.subject_id),
                Fact(t["account_manager"], ctx.person_name(subject.manager_id, none)),
                Fact(t["team"], subject.team or none),
                Fact(t["period"], period_text(ctx.run.period.code, ctx.language)),
            )
        case SubjectKind.TEAM:
            return (
                Fact(t["team_name"], subject.subject_id),
                Fact(t["period"], period_text(ctx.run.period.code, ctx.language)),
            )
        case _:
            assert_never(ctx.card.subject)


@dataclass(frozen=True)
class Extras:
    """What a page adds beyond the subject's own results."""

    past: Sequence[PastResult] = ()
    earlier: Sequence[EarlierAction] = ()
    segmentation: Segmentation | None = None
    segment: SegmentRow | None = None
    segment_before: SegmentRow | None = None
    previous_period: str | None = None


def scorecard_view(
    ctx: CardContext, subject: SubjectResult, path: str, extras: Extras
) -> ScorecardView:
    """One subject's whole page."""
    money, awards, money_total = incentive_views(ctx, subject)
    sections = section_views(ctx, subject)
    segment = (
        segment_view(
            ctx, extras.segmentation, extras.segment, extras.segment_before, extras.previous_period
        )
        if extras.segmentation is not None
        else None
    )
    return ScorecardView(
        kind=ctx.card.subject.value,
        path=path,
        root="../",
        scorecard_id=ctx.card.id,
        scorecard_title=ctx.card.title.get(ctx.language),
        subject_id=subject.subject_id,
        name=subject.name or subject.subject_id,
        team=subject.team or labels(ctx.language)["none"],
        facts=facts(ctx, subject),
        total=ctx.fmt.number(subject.total, ctx.score_places),
        tier_code=subject.tier or "",
        tier_label=ctx.tier_label(subject.tier),
        tier_tone=tier_tones(ctx.tiers).get(subject.tier or "", "none"),
        gates=gate_lines(ctx, subject),
        sections=sections,
        has_not_applicable=any(not i.applicable for s in sections for i in s.items),
        incentives=money,
        awards=awards,
        money_total=money_total,
        trend=trend_view(ctx, subject, extras.past),
        ratings=rating_views(ctx, subject),
        strengths=strengths(ctx, subject),
        plan=plan_views(ctx, subject),
        earlier=earlier_views(ctx, subject, extras.earlier),
        segment=segment,
    )
