"""Semantic rules about identity, references, weights, tiers, dependencies and units.

Each class checks one thing over the whole rule set and returns issues located
at the field concerned.  Codes are stable (documented in docs/rule-language.md).
"""

from __future__ import annotations

import graphlib
import itertools
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from appraisal.errors import Issue
from appraisal.spec.enums import Aggregation, Basis, Direction, SubjectKind, Unit
from appraisal.spec.expressions import indicator_dependencies
from appraisal.spec.models import (
    AggregateIndicator,
    AttainmentIndicator,
    AwardIncentive,
    BandsScoring,
    BelowTargetInARow,
    BelowThreshold,
    BonusIncentive,
    CommissionIncentive,
    FormulaIndicator,
    LinearScoring,
    PoolIncentive,
    RatingIndicator,
    RuleSet,
    ScoreBand,
    Scorecard,
    TierBand,
    TierIn,
    WorstInTeam,
)
from appraisal.spec.yaml_loader import DocPath
from appraisal.validation.base import ValidationContext, did_you_mean, fmt, fmt_ratio

DUPLICATE_ID = "V001"
UNKNOWN_REFERENCE = "V002"
WEIGHTS_NOT_100 = "V003"
BANDS_NOT_CONTIGUOUS = "V004"
FORMULA_CYCLE = "V005"
UNIT_MISMATCH = "V006"
DIRECTION_MISMATCH = "V007"
SUBJECT_MISMATCH = "V012"

HUNDRED = Decimal(100)


def _duplicates(
    ctx: ValidationContext, what: str, entries: Iterable[tuple[str, DocPath]]
) -> Iterator[Issue]:
    first: dict[str, DocPath] = {}
    for value, path in entries:
        if value in first:
            earlier = ctx.sources.span(first[value])
            where = f" (first at line {earlier.line})" if earlier else ""
            yield ctx.issue(DUPLICATE_ID, f"duplicate {what} '{value}'{where}", path)
        else:
            first[value] = path


class UniqueIdsRule:
    """Ids are unique where they are looked up: indicators, scorecards, tiers, ..."""

    name = "unique ids"

    def validate(self, ruleset: RuleSet, ctx: ValidationContext) -> Sequence[Issue]:
        """Duplicates of every id family, located at the later definition."""
        issues: list[Issue] = []
        families: list[tuple[str, list[tuple[str, DocPath]]]] = [
            (
                "indicator id",
                [(x.id, ("indicators", i, "id")) for i, x in enumerate(ruleset.indicators)],
            ),
            (
                "scorecard id",
                [(x.id, ("scorecards", i, "id")) for i, x in enumerate(ruleset.scorecards)],
            ),
            (
                "tier table id",
                [(x.id, ("tier_tables", i, "id")) for i, x in enumerate(ruleset.tier_tables)],
            ),
            (
                "segmentation id",
                [(x.id, ("segmentations", i, "id")) for i, x in enumerate(ruleset.segmentations)],
            ),
            (
                "target for indicator",
                [(x.indicator, ("targets", i, "indicator")) for i, x in enumerate(ruleset.targets)],
            ),
        ]
        for t, table in enumerate(ruleset.tier_tables):
            families.append(
                (
                    "tier code",
                    [
                        (b.code, ("tier_tables", t, "bands", i, "code"))
                        for i, b in enumerate(table.bands)
                    ],
                )
            )
        for c, card in enumerate(ruleset.scorecards):
            families.extend(self._card_families(c, card))
        for s, segmentation in enumerate(ruleset.segmentations):
            families.append(
                (
                    "segment code",
                    [
                        (x.code, ("segmentations", s, "segments", i, "code"))
                        for i, x in enumerate(segmentation.segments)
                    ],
                )
            )
        for what, entries in families:
            issues.extend(_duplicates(ctx, what, entries))
        return issues

    @staticmethod
    def _card_families(c: int, card: Scorecard) -> list[tuple[str, list[tuple[str, DocPath]]]]:
        base: DocPath = ("scorecards", c)
        items = [
            (item.indicator, (*base, "sections", s, "items", i, "indicator"))
            for s, section in enumerate(card.sections)
            for i, item in enumerate(section.items)
        ]
        return [
            (
                "section id",
                [(x.id, (*base, "sections", i, "id")) for i, x in enumerate(card.sections)],
            ),
            ("scorecard item for indicator", items),
            ("gate id", [(x.id, (*base, "gates", i, "id")) for i, x in enumerate(card.gates)]),
            (
                "incentive id",
                [(x.id, (*base, "incentives", i, "id")) for i, x in enumerate(card.incentives)],
            ),
            (
                "improvement rule id",
                [(x.id, (*base, "improvement", i, "id")) for i, x in enumerate(card.improvement)],
            ),
        ]


class IndicatorRefsResolveRule:
    """Every indicator, tier table and tier code named somewhere is defined."""

    name = "references resolve"

    def validate(self, ruleset: RuleSet, ctx: ValidationContext) -> Sequence[Issue]:
        """Unknown names, each with a did-you-mean hint."""
        ids = {i.id for i in ruleset.indicators}
        issues = [
            ctx.issue(
                UNKNOWN_REFERENCE, f"unknown indicator '{name}'", path, did_you_mean(name, ids)
            )
            for name, path in indicator_references(ruleset)
            if name not in ids
        ]
        tables = {t.id: t for t in ruleset.tier_tables}
        for c, card in enumerate(ruleset.scorecards):
            table = tables.get(card.tiers)
            if table is None:
                hint = did_you_mean(card.tiers, tables)
                issues.append(
                    ctx.issue(
                        UNKNOWN_REFERENCE,
                        f"unknown tier table '{card.tiers}'",
                        ("scorecards", c, "tiers"),
                        hint,
                    )
                )
                continue
            codes = {b.code for b in table.bands}
            for code, path in tier_references(card, c):
                if code not in codes:
                    message = (
                        f"unknown tier '{code}' (tier table '{table.id}' "
                        f"has {', '.join(b.code for b in table.bands)})"
                    )
                    issues.append(
                        ctx.issue(UNKNOWN_REFERENCE, message, path, did_you_mean(code, codes))
                    )
        return issues


def indicator_references(ruleset: RuleSet) -> Iterator[tuple[str, DocPath]]:
    """Every place an indicator is named by id (not inside expressions)."""
    for i, indicator in enumerate(ruleset.indicators):
        if isinstance(indicator, AttainmentIndicator):
            yield indicator.of, ("indicators", i, "of")
    for t, target in enumerate(ruleset.targets):
        yield target.indicator, ("targets", t, "indicator")
    for c, card in enumerate(ruleset.scorecards):
        yield from _card_indicator_refs(card, ("scorecards", c))
    for s, segmentation in enumerate(ruleset.segmentations):
        if segmentation.rfm is not None:
            for part in ("recency", "frequency", "monetary"):
                yield (
                    getattr(segmentation.rfm, part).indicator,
                    ("segmentations", s, "rfm", part, "indicator"),
                )


def _card_indicator_refs(card: Scorecard, base: DocPath) -> Iterator[tuple[str, DocPath]]:
    for s, section in enumerate(card.sections):
        for i, item in enumerate(section.items):
            yield item.indicator, (*base, "sections", s, "items", i, "indicator")
    for n, incentive in enumerate(card.incentives):
        if isinstance(incentive, CommissionIncentive):
            yield incentive.indicator, (*base, "incentives", n, "indicator")
        if isinstance(incentive, AwardIncentive) and incentive.indicator is not None:
            yield incentive.indicator, (*base, "incentives", n, "indicator")
    for r, rule in enumerate(card.improvement):
        condition = rule.when
        if (
            isinstance(condition, BelowThreshold | BelowTargetInARow | WorstInTeam)
            and condition.indicator
        ):
            yield condition.indicator, (*base, "improvement", r, "when", "indicator")
        if rule.follow_up is not None:
            yield rule.follow_up.indicator, (*base, "improvement", r, "follow_up", "indicator")


def tier_references(card: Scorecard, c: int) -> Iterator[tuple[str, DocPath]]:
    """Every tier code a scorecard names (gates, incentives, improvement conditions)."""
    base: DocPath = ("scorecards", c)
    for g, gate in enumerate(card.gates):
        if gate.cap_tier is not None:
            yield gate.cap_tier, (*base, "gates", g, "cap_tier")
    for n, incentive in enumerate(card.incentives):
        where = (*base, "incentives", n)
        if isinstance(incentive, BonusIncentive):
            yield from (
                (code, (*where, "multiplier_by_tier", code))
                for code in incentive.multiplier_by_tier
            )
        elif isinstance(incentive, PoolIncentive):
            yield from (
                (code, (*where, "eligible_tiers", k))
                for k, code in enumerate(incentive.eligible_tiers)
            )
            yield from (
                (code, (*where, "points_by_tier", code)) for code in incentive.points_by_tier
            )
        elif isinstance(incentive, AwardIncentive) and incentive.min_tier is not None:
            yield incentive.min_tier, (*where, "min_tier")
    for r, rule in enumerate(card.improvement):
        if isinstance(rule.when, TierIn):
            yield from (
                (code, (*base, "improvement", r, "when", "tiers", k))
                for k, code in enumerate(rule.when.tiers)
            )


class WeightsSumTo100Rule:
    """Item weights within a section, and section shares, sum to exactly 100."""

    name = "weights sum to 100"

    def validate(self, ruleset: RuleSet, ctx: ValidationContext) -> Sequence[Issue]:
        """One issue per section or scorecard whose weights miss 100."""
        issues = []
        for c, card in enumerate(ruleset.scorecards):
            shares = sum((s.share for s in card.sections), Decimal(0))
            if shares != HUNDRED:
                path: DocPath = ("scorecards", c, "sections")
                detail = " + ".join(fmt(s.share) for s in card.sections)
                detail = f" ({detail})" if len(card.sections) > 1 else ""
                issues.append(
                    ctx.issue(
                        WEIGHTS_NOT_100,
                        f"section shares sum to {fmt(shares)}{detail}, expected exactly 100",
                        path,
                        _balance_hint(shares),
                        at_key=True,
                    )
                )
            for s, section in enumerate(card.sections):
                total = sum((i.weight for i in section.items), Decimal(0))
                if total != HUNDRED:
                    detail = " + ".join(fmt(i.weight) for i in section.items)
                    issues.append(
                        ctx.issue(
                            WEIGHTS_NOT_100,
                            f"weights of section '{section.id}' sum to "
                            f"{fmt(total)} ({detail}), expected exactly 100",
                            ("scorecards", c, "sections", s, "items"),
                            _balance_hint(total),
                            at_key=True,
                        )
                    )
        return issues


def _balance_hint(total: Decimal) -> str:
    gap = HUNDRED - total
    return f"add {fmt(gap)}" if gap > 0 else f"remove {fmt(-gap)}"


def band_problems(
    bands: Sequence[tuple[Decimal | None, Decimal | None]], labels: Sequence[str]
) -> list[tuple[int, str, str]]:
    """Gaps, overlaps and missing open ends of bands: (band index, message, hint)."""
    problems: list[tuple[int, str, str]] = []
    order = sorted(range(len(bands)), key=lambda k: (bands[k][0] is not None, bands[k][0] or 0))
    for k in range(len(bands)):
        low, high = bands[k]
        if low is not None and high is not None and low >= high:
            problems.append(
                (k, f"band {labels[k]} is empty: min {fmt(low)} is not below max {fmt(high)}", "")
            )
    bottoms = [k for k in order if bands[k][0] is None]
    tops = [k for k in order if bands[k][1] is None]
    if not bottoms:
        problems.append(
            (
                order[0],
                f"the lowest band {labels[order[0]]} must be open below",
                "leave out its min",
            )
        )
    if not tops:
        last = max(range(len(bands)), key=lambda k: bands[k][1] or 0)
        problems.append(
            (last, f"the highest band {labels[last]} must be open above", "leave out its max")
        )
    for a, b in itertools.pairwise(order):
        high, low = bands[a][1], bands[b][0]
        if high is None or low is None:
            continue
        if high < low:
            problems.append(
                (
                    b,
                    f"gap between {fmt(high)} and {fmt(low)} before band {labels[b]}",
                    f"set its min to {fmt(high)}",
                )
            )
        elif high > low:
            problems.append(
                (
                    b,
                    f"band {labels[b]} overlaps band {labels[a]} "
                    f"between {fmt(low)} and {fmt(high)}",
                    f"set its min to {fmt(high)}",
                )
            )
    for extra in bottoms[1:]:
        problems.append(
            (extra, f"band {labels[extra]} has no min, but only the lowest band is open below", "")
        )
    for extra in tops[:-1]:
        problems.append(
            (extra, f"band {labels[extra]} has no max, but only the highest band is open above", "")
        )
    return problems


class TiersContiguousRule:
    """Tier tables and step bands cover every value exactly once (open at both ends)."""

    name = "bands contiguous"

    def validate(self, ruleset: RuleSet, ctx: ValidationContext) -> Sequence[Issue]:
        """Gaps, overlaps, empty bands and closed ends, at the band concerned."""
        issues: list[Issue] = []
        for t, table in enumerate(ruleset.tier_tables):
            issues.extend(
                self._check(
                    ctx,
                    ("tier_tables", t, "bands"),
                    table.bands,
                    [f"'{b.code}'" for b in table.bands],
                )
            )
        for c, card in enumerate(ruleset.scorecards):
            for s, section in enumerate(card.sections):
                for i, item in enumerate(section.items):
                    if isinstance(item.scoring, BandsScoring):
                        path: DocPath = (
                            "scorecards",
                            c,
                            "sections",
                            s,
                            "items",
                            i,
                            "scoring",
                            "bands",
                        )
                        issues.extend(self._check(ctx, path, item.scoring.bands, None))
        for g, segmentation in enumerate(ruleset.segmentations):
            if segmentation.rfm is None:
                continue
            for part in ("recency", "frequency", "monetary"):
                rfm_part = getattr(segmentation.rfm, part)
                if rfm_part.bands:
                    rfm_path: DocPath = ("segmentations", g, "rfm", part, "bands")
                    issues.extend(self._check(ctx, rfm_path, rfm_part.bands, None))
        return issues

    @staticmethod
    def _check(
        ctx: ValidationContext,
        path: DocPath,
        bands: Sequence[TierBand | ScoreBand],
        labels: list[str] | None,
    ) -> list[Issue]:
        names = labels or [f"#{k + 1}" for k in range(len(bands))]
        found = band_problems([(b.min, b.max) for b in bands], names)
        return [
            ctx.issue(BANDS_NOT_CONTIGUOUS, message, (*path, k), hint) for k, message, hint in found
        ]


class FormulaCyclesRule:
    """Formulas and attainments do not depend on themselves, directly or indirectly."""

    name = "no formula cycles"

    def validate(self, ruleset: RuleSet, ctx: ValidationContext) -> Sequence[Issue]:
        """One issue per cycle, at the first indicator of the cycle."""
        deps = indicator_dependencies(ruleset)
        graph = {name: set(needs) for name, needs in deps.items() if needs}
        index = {i.id: k for k, i in enumerate(ruleset.indicators)}
        issues: list[Issue] = []
        while True:
            try:
                graphlib.TopologicalSorter(graph).prepare()
                return issues
            except graphlib.CycleError as exc:
                cycle: list[str] = exc.args[1]
                first = cycle[0]
                chain = " → ".join(cycle)
                field = (
                    "formula" if isinstance(ruleset.indicator(first), FormulaIndicator) else "of"
                )
                issues.append(
                    ctx.issue(
                        FORMULA_CYCLE,
                        f"indicator '{first}' depends on itself: {chain}",
                        ("indicators", index[first], field),
                        "break the cycle: one of these must be computed from data",
                    )
                )
                for name in cycle:
                    graph.pop(name, None)


class UnitsConsistentRule:
    """Units follow from definitions: counts count, money sums money, shares are percent."""

    name = "units consistent"

    def validate(self, ruleset: RuleSet, ctx: ValidationContext) -> Sequence[Issue]:
        """Units contradicting the aggregation, kind or use of an indicator."""
        issues: list[Issue] = []
        for k, indicator in enumerate(ruleset.indicators):
            path: DocPath = ("indicators", k, "unit")
            expected = _expected_unit(indicator)
            if expected is not None and indicator.unit not in expected:
                words = " or ".join(u.value for u in expected)
                issues.append(
                    ctx.issue(
                        UNIT_MISMATCH,
                        f"unit '{indicator.unit.value}' does not fit "
                        f"{_definition(indicator)}; expected {words}",
                        path,
                    )
                )
            if indicator.currency is not None and indicator.unit is not Unit.MONEY:
                issues.append(
                    ctx.issue(
                        UNIT_MISMATCH,
                        "a currency only applies to money indicators",
                        ("indicators", k, "currency"),
                    )
                )
        for c, card in enumerate(ruleset.scorecards):
            for n, incentive in enumerate(card.incentives):
                if isinstance(incentive, CommissionIncentive):
                    issues.extend(
                        _commission_unit(
                            ruleset, ctx, incentive, ("scorecards", c, "incentives", n, "indicator")
                        )
                    )
        return issues


def _expected_unit(indicator: object) -> tuple[Unit, ...] | None:
    if isinstance(indicator, AttainmentIndicator):
        return (Unit.PERCENT, Unit.RATIO)
    if isinstance(indicator, RatingIndicator):
        return (Unit.SCORE,)
    if isinstance(indicator, AggregateIndicator):
        if indicator.per is None and indicator.aggregate in (
            Aggregation.COUNT,
            Aggregation.COUNT_DISTINCT,
        ):
            return (Unit.COUNT,)
        if indicator.aggregate is Aggregation.SHARE:
            return (Unit.PERCENT, Unit.RATIO)
    return None


def _definition(indicator: object) -> str:
    if isinstance(indicator, AggregateIndicator):
        return f"aggregate '{indicator.aggregate.value}'"
    if isinstance(indicator, AttainmentIndicator):
        return "an attainment (actual / target)"
    return "a rating"


def _commission_unit(
    ruleset: RuleSet, ctx: ValidationContext, incentive: CommissionIncentive, path: DocPath
) -> list[Issue]:
    try:
        base = ruleset.indicator(incentive.indicator)
    except KeyError:
        return []
    if base.unit is Unit.MONEY:
        return []
    message = f"commission is paid on money, but '{base.id}' is measured in {base.unit.value}"
    return [ctx.issue(UNIT_MISMATCH, message, path)]


class DirectionMatchesScoringRule:
    """Scoring improves as the value improves: points and bands follow the direction."""

    name = "direction consistent with scoring"

    def validate(self, ruleset: RuleSet, ctx: ValidationContext) -> Sequence[Issue]:
        """Linear points or band scores running against the indicator's direction."""
        issues: list[Issue] = []
        directions = {i.id: i.direction for i in ruleset.indicators}
        for c, card in enumerate(ruleset.scorecards):
            for s, section in enumerate(card.sections):
                for i, item in enumerate(section.items):
                    direction = directions.get(item.indicator)
                    if direction is None:
                        continue
                    path: DocPath = ("scorecards", c, "sections", s, "items", i, "scoring")
                    if isinstance(item.scoring, LinearScoring):
                        issues.extend(_linear_direction(ctx, item.scoring, direction, path))
                    elif isinstance(item.scoring, BandsScoring):
                        issues.extend(_bands_direction(ctx, item.scoring, direction, path))
        return issues


def _linear_direction(
    ctx: ValidationContext, scoring: LinearScoring, direction: Direction, path: DocPath
) -> list[Issue]:
    points = [("threshold", scoring.threshold), ("target", scoring.target)]
    if scoring.stretch is not None:
        points.append(("stretch", scoring.stretch))
    issues: list[Issue] = []
    show = fmt_ratio if scoring.basis is Basis.OF_TARGET else fmt
    for (name_a, a), (name_b, b) in itertools.pairwise(points):
        rising = b.at > a.at
        if (direction is Direction.HIGHER) != rising or a.at == b.at:
            better = "above" if direction is Direction.HIGHER else "below"
            message = (
                f"{name_b} at {show(b.at)} must lie {better} {name_a} at {show(a.at)} "
                f"for a {direction.value}-is-better indicator"
            )
            issues.append(
                ctx.issue(
                    DIRECTION_MISMATCH, message, (*path, name_b, "at"), _direction_hint(direction)
                )
            )
        if b.score < a.score:
            message = (
                f"{name_b} scores {fmt(b.score)}, less than {name_a} "
                f"({fmt(a.score)}); scores must not fall as results improve"
            )
            issues.append(ctx.issue(DIRECTION_MISMATCH, message, (*path, name_b, "score")))
    return issues


def _direction_hint(direction: Direction) -> str:
    if direction is Direction.LOWER:
        return (
            "for lower-is-better, put the threshold above the "
            "target (e.g. threshold at 150%, stretch at 80%)"
        )
    return (
        "for higher-is-better, put the threshold below the "
        "target (e.g. threshold at 80%, stretch at 120%)"
    )


def _bands_direction(
    ctx: ValidationContext, scoring: BandsScoring, direction: Direction, path: DocPath
) -> list[Issue]:
    order = sorted(
        range(len(scoring.bands)),
        key=lambda k: (scoring.bands[k].min is not None, scoring.bands[k].min or 0),
    )
    scores = [scoring.bands[k].score for k in order]
    rising = all(b >= a for a, b in itertools.pairwise(scores))
    falling = all(b <= a for a, b in itertools.pairwise(scores))
    ok = rising if direction is Direction.HIGHER else falling
    if ok:
        return []
    way = "rise" if direction is Direction.HIGHER else "fall"
    message = f"band scores must {way} with the value for a {direction.value}-is-better indicator"
    return [ctx.issue(DIRECTION_MISMATCH, message, (*path, "bands"), at_key=True)]


class ScorecardSubjectsRule:
    """A scorecard's items are about its subject; roles only apply to people."""

    name = "scorecard subjects"

    def validate(self, ruleset: RuleSet, ctx: ValidationContext) -> Sequence[Issue]:
        """Items whose indicator is about another kind of subject, misplaced roles."""
        issues: list[Issue] = []
        subjects = {i.id: i.subject for i in ruleset.indicators}
        for c, card in enumerate(ruleset.scorecards):
            allowed = {card.subject}
            if card.subject is SubjectKind.PERSON:
                allowed.add(SubjectKind.TEAM)
            if card.roles and card.subject is not SubjectKind.PERSON:
                issues.append(
                    ctx.issue(
                        SUBJECT_MISMATCH,
                        f"roles apply to person scorecards, not {card.subject.value}",
                        ("scorecards", c, "roles"),
                    )
                )
            for indicator_id, path in _card_indicator_refs(card, ("scorecards", c)):
                subject = subjects.get(indicator_id)
                if subject is not None and subject not in allowed:
                    message = (
                        f"indicator '{indicator_id}' is about a {subject.value}, "
                        f"but scorecard '{card.id}' appraises a {card.subject.value}"
                    )
                    issues.append(ctx.issue(SUBJECT_MISMATCH, message, path))
        return issues
