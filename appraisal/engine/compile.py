"""Compile a rule set and a period into an :class:`AppraisalPlan` (no data touched).

For each scorecard (one values frame each) the plan holds:

1. the subjects of the period (:mod:`subjects`);
2. one grouped statement per entity + link + subject grouping for its
   aggregate indicators (:mod:`aggregates`), one for its rating indicators,
   and one pivot of the ``targets`` table (:mod:`targets`);
3. the frame statement: subjects LEFT JOIN those statements, values rounded
   with their declared empty / zero meanings, targets resolved at their own
   places (never the indicator's: :mod:`targets`); then formulas
   and attainments in dependency order (:mod:`formulas`), each layer a
   sub-select over the previous one.

A scorecard's frame holds every indicator it needs: items, gate conditions,
incentives, improvement conditions and follow-ups, awards, the RFM parts and
segment conditions of the rule set's segmentations (client scorecards), and
every formula input.
"""

from __future__ import annotations

import graphlib
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from appraisal.engine.aggregates import (
    KEY,
    AggregateContext,
    CompiledGroup,
    Recipe,
    compile_aggregates,
)
from appraisal.engine.context import EvaluationContext
from appraisal.engine.exact import AsInt, Fixed, Snap, case, round_div, round_to
from appraisal.engine.formulas import (
    attainment_value,
    formula_value,
    from_number,
    missing,
    value_resolver,
)
from appraisal.engine.frame import SUBJECT_COLUMNS, target_column, value_column
from appraisal.engine.frame_types import frame_type
from appraisal.engine.numeric import RoundQuotient
from appraisal.engine.places import Places, type_places
from appraisal.engine.plan import AppraisalPlan, FramePlan, FrameSpec, IndicatorQuery
from appraisal.engine.subjects import subjects_select
from appraisal.engine.targets import (
    TARGET_ROUNDING,
    SheetValues,
    TargetInputs,
    TargetPlan,
    load_sheets,
    pivot_column,
    plan_target,
    share_of,
    source_places,
    target_places,
    target_sources,
    target_words,
    targets_pivot,
)
from appraisal.errors import UserError
from appraisal.expr import TypedExpr, references, render
from appraisal.expr.sqltypes import ExprNumber
from appraisal.expr.types import ExprType
from appraisal.spec.enums import Missing, RatingCombine, SubjectKind, TeamGrouping, Unit
from appraisal.spec.expressions import RFM_NAMES, typed_expressions
from appraisal.spec.models import (
    AggregateIndicator,
    AnyIndicator,
    AttainmentIndicator,
    AwardIncentive,
    BelowTargetInARow,
    BelowThreshold,
    CommissionIncentive,
    FormulaIndicator,
    RatingIndicator,
    Rounding,
    RuleSet,
    Scorecard,
    WorstInTeam,
    effective_rounding,
)
from appraisal.spec.yaml_loader import DocPath

# ── which indicators a frame needs ──────────────────────────────────────────────


def _expression_names(text: str) -> set[str]:
    from appraisal.expr import parse

    return {path[0] for path in references(parse(text))}


def scorecard_indicators(ruleset: RuleSet, card: Scorecard) -> list[str]:
    """Indicators a scorecard names directly (items, gates, incentives, improvement)."""
    names: list[str] = [item.indicator for s in card.sections for item in s.items]
    for gate in card.gates:
        names.extend(sorted(_expression_names(gate.when)))
    for incentive in card.incentives:
        if isinstance(incentive, CommissionIncentive | AwardIncentive) and incentive.indicator:
            names.append(incentive.indicator)
    for rule in card.improvement:
        when = rule.when
        if isinstance(when, BelowThreshold | BelowTargetInARow | WorstInTeam) and when.indicator:
            names.append(when.indicator)
        if rule.follow_up is not None:
            names.append(rule.follow_up.indicator)
    if card.subject is SubjectKind.CLIENT:
        for segmentation in ruleset.segmentations:
            rfm = segmentation.rfm
            if rfm is not None:
                names.extend(p.indicator for p in (rfm.recency, rfm.frequency, rfm.monetary))
            for segment in segmentation.segments:
                if segment.when is not None:
                    names.extend(sorted(_expression_names(segment.when) - set(RFM_NAMES)))
    return names


def dependencies(indicator: AnyIndicator) -> set[str]:
    """Indicators a formula or attainment is computed from."""
    if isinstance(indicator, FormulaIndicator):
        return _expression_names(indicator.formula)
    if isinstance(indicator, AttainmentIndicator):
        return {indicator.of}
    return set()


def with_inputs(ruleset: RuleSet, wanted: Iterable[str]) -> tuple[str, ...]:
    """``wanted`` plus every formula input, recursively, in rule-set order."""
    known = {i.id: i for i in ruleset.indicators}
    found: set[str] = set()
    stack = [w for w in wanted]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        if current not in known:
            raise UserError(f"unknown indicator {current!r}")
        found.add(current)
        stack.extend(dependencies(known[current]))
    return tuple(i.id for i in ruleset.indicators if i.id in found)


def frame_specs(ruleset: RuleSet, scorecard_id: str | None = None) -> tuple[FrameSpec, ...]:
    """One frame per scorecard (or the one named)."""
    cards = ruleset.scorecards
    if scorecard_id is not None:
        cards = tuple(c for c in cards if c.id == scorecard_id)
        if not cards:
            known = ", ".join(c.id for c in ruleset.scorecards) or "none"
            raise UserError(f"no scorecard {scorecard_id!r} in the rule set (scorecards: {known})")
    return tuple(
        FrameSpec(
            name=card.id,
            subject=card.subject,
            indicators=with_inputs(ruleset, scorecard_indicators(ruleset, card)),
            roles=card.roles,
            scorecard_id=card.id,
        )
        for card in cards
    )


# ── frame columns ───────────────────────────────────────────────────────────────


def column_type(indicator: AnyIndicator, ruleset: RuleSet) -> sa.types.TypeEngine[Any]:
    """SQL type of an indicator's value column: exactly its declared places
    (money: cents on SQLite)."""
    places = effective_rounding(indicator, ruleset.settings).places
    return frame_type(indicator.unit is Unit.MONEY, indicator.unit is Unit.COUNT, places)


def target_type(indicator: AnyIndicator, places: int) -> sa.types.TypeEngine[Any]:
    """SQL type of an indicator's target column: the target's own places (not the value's)."""
    return frame_type(indicator.unit is Unit.MONEY, indicator.unit is Unit.COUNT, places)


def value_kind(indicator: AnyIndicator) -> ExprType:
    """The expression type a value column carries."""
    if indicator.unit is Unit.MONEY:
        return ExprType.MONEY
    return ExprType.INTEGER if indicator.unit is Unit.COUNT else ExprType.NUMBER


def table_name(spec: FrameSpec, period: str) -> str:
    """``frame__account_manager__2026q3``: one temporary table per frame and period."""
    return re.sub(r"[^a-z0-9_]", "_", f"frame__{spec.name}__{period}".lower())


def _on_empty(indicator: AnyIndicator) -> Missing:
    return indicator.effective_on_empty()


def raw_fixed(column: ColumnElement[Any], kind: ExprType, places: Places) -> Fixed | None:
    """An aggregate's raw value as an exact integer, or None when its places are not known."""
    if kind is ExprType.INTEGER:
        return Fixed(AsInt(column), 0)
    if places is None:
        return None
    if kind is ExprType.MONEY:
        return from_number(column, places, money=True)
    return Fixed(Snap(column, places), places)


def _general_value(
    recipe: Recipe,
    a: ColumnElement[Any],
    d: ColumnElement[Any] | None,
    rounding: Rounding,
) -> Fixed:
    """The rounded quotient when the numerator's places are not known (any measure)."""
    divisor = recipe.divisor
    den_kind = recipe.denominator_kind
    den: ColumnElement[Any] | None = d
    if divisor != 1:
        integral = divisor == divisor.to_integral_value()
        literal = (
            sa.literal_column(str(int(divisor)))
            if integral
            else sa.bindparam(None, divisor, type_=ExprNumber(), unique=True)
        )
        den = literal if d is None else d * literal
        den_kind = den_kind if integral else ExprType.NUMBER
    rounded = RoundQuotient(
        a,
        den,
        rounding.places,
        rounding.mode,
        recipe.numerator_kind,
        den_kind,
        in_cents=recipe.in_cents,
    )
    return from_number(rounded, rounding.places, money=recipe.in_cents)


def recipe_value(
    recipe: Recipe, source: sa.FromClause, indicator: AnyIndicator, ruleset: RuleSet
) -> Fixed:
    """The rounded value from an aggregate's raw columns, with empty/zero meanings."""
    a = source.c[recipe.numerator]
    n = source.c[recipe.count]
    d = source.c[recipe.denominator] if recipe.denominator is not None else None
    rounding = effective_rounding(indicator, ruleset.settings)
    arms: list[tuple[ColumnElement[bool], Fixed]] = [
        (sa.func.coalesce(n, 0) == 0, missing(_on_empty(indicator)))
    ]
    if d is not None:
        arms.append((d == 0, missing(indicator.on_zero_denominator)))
    numerator = raw_fixed(a, recipe.numerator_kind, recipe.numerator_places)
    denominator = (
        None if d is None else raw_fixed(d, recipe.denominator_kind, recipe.denominator_places)
    )
    if numerator is None or (d is not None and denominator is None):
        return case(arms, _general_value(recipe, a, d, rounding))
    divisor = recipe.divisor
    if denominator is None and divisor == 1:
        return case(arms, round_to(numerator, rounding.places, rounding.mode))
    whole = Fixed.const(divisor) if denominator is None else denominator
    if denominator is not None and divisor != 1:
        whole = denominator * Fixed.const(divisor)
    return case(arms, round_div(numerator, whole, rounding.places, rounding.mode))


# ── ratings ─────────────────────────────────────────────────────────────────────


def ratings_query(
    ctx: EvaluationContext, indicators: Sequence[RatingIndicator]
) -> tuple[IndicatorQuery, tuple[Recipe, ...]]:
    """All rating indicators in one statement over the ratings of the period."""
    ratings = ctx.catalog.selectable("ratings").alias("rt")
    columns: list[ColumnElement[Any]] = []
    recipes: list[Recipe] = []
    lines: list[str] = []
    number, integer = ExprType.NUMBER, ExprType.INTEGER
    places = type_places(ratings.c.score.type)
    for indicator in indicators:
        i = indicator.id
        score = sa.case((ratings.c.criterion == indicator.criterion, ratings.c.score))
        combine = indicator.combine
        count = sa.func.count(score).label(f"n__{i}")
        if combine is RatingCombine.AVG:
            columns.extend([sa.func.sum(score).label(f"a__{i}"), count])
            recipes.append(
                Recipe(i, f"a__{i}", f"n__{i}", f"n__{i}", number, integer, numerator_places=places)
            )
        else:
            func = sa.func.min if combine is RatingCombine.MIN else sa.func.max
            columns.extend([func(score).label(f"a__{i}"), count])
            recipes.append(
                Recipe(i, f"a__{i}", None, f"n__{i}", number, integer, numerator_places=places)
            )
        lines.append(
            f"Indicator '{i}': {combine.value} of ratings.score for criterion "
            f"'{indicator.criterion}' in {ctx.period}, per staff_id"
        )
    statement = (
        sa.select(ratings.c.staff_id.label(KEY), *columns)
        .where(
            ratings.c.period == ctx.period.code,
            ratings.c.criterion.in_(sorted({i.criterion for i in indicators})),
        )
        .group_by(ratings.c.staff_id)
    )
    query = IndicatorQuery("ratings", "\n".join(lines), tuple(i.id for i in indicators), statement)
    return query, tuple(recipes)


# ── the frame statement ─────────────────────────────────────────────────────────


class _FrameBuilder:
    """Assembles one frame's statement from its parts."""

    def __init__(
        self,
        ctx: EvaluationContext,
        spec: FrameSpec,
        typed: Mapping[DocPath, TypedExpr],
        sheets: SheetValues,
    ) -> None:
        self.ctx = ctx
        self.ruleset = ctx.ruleset
        complete = with_inputs(ctx.ruleset, spec.indicators)
        self.spec = FrameSpec(spec.name, spec.subject, complete, spec.roles, spec.scorecard_id)
        self.typed = typed
        self.sheets = sheets
        self.indicators = [self.ruleset.indicator(i) for i in complete]
        self.by_id = {i.id: i for i in self.indicators}
        self.subjects = subjects_select(ctx.catalog, spec.subject, spec.roles, ctx.period).cte(
            "subjects"
        )
        self.queries: list[IndicatorQuery] = []
        self.descriptions: dict[str, str] = {}
        self.values: dict[str, Fixed] = {}
        self.targets: dict[str, Fixed] = {}
        self.target_scales: dict[str, int] = {}
        """Places of each target column (:func:`~appraisal.engine.targets.target_places`)."""
        self.from_clause: sa.FromClause = self.subjects

    def join(self, cte: sa.CTE, on: ColumnElement[bool]) -> None:
        self.from_clause = self.from_clause.outerjoin(cte, on)

    def aggregates(self) -> None:
        aggregates = [i for i in self.indicators if isinstance(i, AggregateIndicator)]
        if not aggregates:
            return
        paths = {ind.id: ("indicators", n) for n, ind in enumerate(self.ruleset.indicators)}
        actx = AggregateContext(
            self.ctx.catalog,
            self.ctx.period,
            self.ruleset.settings,
            self.ctx.timezone,
            self.typed,
            paths,
        )
        for group in compile_aggregates(actx, aggregates):
            self.add_group(group)

    def add_group(self, group: CompiledGroup) -> None:
        cte = group.statement.cte(group.key.name)
        text = "\n".join(d for _, d in group.descriptions)
        ids = tuple(i for i, _ in group.descriptions)
        self.queries.append(IndicatorQuery(group.key.name, text, ids, group.statement))
        self.descriptions.update(dict(group.descriptions))
        self.join(cte, cte.c[KEY] == self.subjects.c[group.key.frame_column])
        for recipe in group.recipes:
            indicator = self.by_id[recipe.indicator]
            self.values[indicator.id] = recipe_value(recipe, cte, indicator, self.ruleset)

    def ratings(self) -> None:
        rated = [i for i in self.indicators if isinstance(i, RatingIndicator)]
        if not rated:
            return
        query, recipes = ratings_query(self.ctx, rated)
        cte = query.statement.cte("ratings_of_period")
        self.queries.append(query)
        self.descriptions.update(zip(query.indicators, query.description.split("\n"), strict=True))
        self.join(cte, cte.c[KEY] == self.subjects.c.subject_id)
        for recipe in recipes:
            indicator = self.by_id[recipe.indicator]
            self.values[indicator.id] = recipe_value(recipe, cte, indicator, self.ruleset)

    def target_plans(self) -> dict[str, TargetPlan]:
        wanted = set(self.spec.indicators)
        plans: dict[str, TargetPlan] = {}
        for indicator_id in self.spec.indicators:
            plan = plan_target(self.ruleset, indicator_id, self.ctx.period)
            if plan is not None and indicator_id in wanted:
                plans[indicator_id] = plan
        return plans

    def team_by(self, indicator: AnyIndicator) -> TeamGrouping:
        if isinstance(indicator, AggregateIndicator) and indicator.team_by is not None:
            return indicator.team_by
        return TeamGrouping.TEAM_COLUMN

    def target_inputs(
        self, indicator: AnyIndicator, pivot: sa.CTE | None, aliases: dict[tuple[str, str], Any]
    ) -> TargetInputs:
        s = self.subjects.c
        kind = indicator.subject
        keys = ["subject_id"]
        if kind is SubjectKind.TEAM and self.spec.subject is SubjectKind.PERSON:
            tree = self.team_by(indicator) is TeamGrouping.MANAGER_TREE
            keys = ["subject_id", "team"] if tree else ["team"]
        role = s.role if kind is SubjectKind.PERSON else None
        table_values: list[ColumnElement[Any]] = []
        if pivot is not None and pivot_column(indicator.id) in pivot.c:
            for key in keys:
                alias = aliases.get((kind.value, key))
                if alias is None:
                    alias = pivot.alias(f"tv_{kind.value}_{key}")
                    aliases[(kind.value, key)] = alias
                    on = sa.and_(alias.c.subject_kind == kind.value, alias.c.subject_id == s[key])
                    self.from_clause = self.from_clause.outerjoin(alias, on)
                table_values.append(alias.c[pivot_column(indicator.id)])
        return TargetInputs(s[keys[0]], role, tuple(table_values))

    def resolved_targets(self) -> None:
        plans = self.target_plans()
        if not plans:
            return
        kinds = {i: self.by_id[i].subject for i in plans}
        pivot_statement = targets_pivot(self.ctx.catalog, plans, kinds)
        pivot = pivot_statement.cte("target_values") if pivot_statement is not None else None
        if pivot_statement is not None:
            readers = tuple(i for i, p in sorted(plans.items()) if p.rule.from_table)
            text = f"Targets table for {self.ctx.period}: " + ", ".join(readers)
            self.queries.append(IndicatorQuery("target_values", text, readers, pivot_statement))
        aliases: dict[tuple[str, str], Any] = {}
        for indicator_id, plan in plans.items():
            indicator = self.by_id[indicator_id]
            inputs = self.target_inputs(indicator, pivot, aliases)
            sources = target_sources(plan, indicator, inputs, self.sheets.get(indicator_id))
            if not sources:
                continue
            values = [v for _, v in sources]
            raw = values[0] if len(values) == 1 else sa.func.coalesce(*values)
            places = source_places(plan, self.sheets.get(indicator_id), self.table_places())
            self.targets[indicator_id] = self.target_value(indicator, raw, plan, places)
            self.descriptions[f"target:{indicator_id}"] = target_words(plan, indicator)

    def table_places(self) -> Places:
        """Places of the values in the ``targets`` table."""
        return type_places(self.ctx.catalog.selectable("targets").c.value.type)

    def target_value(
        self, indicator: AnyIndicator, raw: ColumnElement[Any], plan: TargetPlan, sources: Places
    ) -> Fixed:
        """The evaluated period's share of the resolved value, exactly at the target's places.

        ``sources``: most places of the target's sources (None: not known).  The
        indicator's precision is not applied: it rounds values, not targets.
        """
        money = indicator.unit is Unit.MONEY
        places = target_places(plan.share, sources, money)
        self.target_scales[indicator.id] = places
        if isinstance(raw, sa.BindParameter) and isinstance(raw.value, Decimal):
            return Fixed.const(share_of(raw.value, plan.share, places), places)
        times, parts = plan.share.numerator, plan.share.denominator
        if sources is not None:
            exact = from_number(raw, sources, money)
            if times != 1:
                exact = exact * Fixed.const(times)
            if parts == 1:
                return round_to(exact, places, TARGET_ROUNDING)
            return round_div(exact, Fixed.const(parts), places, TARGET_ROUNDING)
        kind = value_kind(indicator)
        kind = ExprType.NUMBER if kind is ExprType.INTEGER else kind
        value = raw
        if times != 1:
            value = sa.type_coerce(raw * sa.literal_column(str(times)), raw.type)
        divisor: ColumnElement[Any] | None = None
        if parts != 1:
            divisor = sa.literal_column(str(parts))
        rounded = RoundQuotient(value, divisor, places, TARGET_ROUNDING, kind, in_cents=money)
        return from_number(rounded, places, money)

    def derived_layers(self) -> list[list[AnyIndicator]]:
        """Formulas and attainments grouped by depth (each depends on earlier layers)."""
        derived = {
            i.id: i
            for i in self.indicators
            if isinstance(i, FormulaIndicator | AttainmentIndicator)
        }
        sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
        for indicator_id, indicator in derived.items():
            sorter.add(indicator_id, *(d for d in dependencies(indicator) if d in derived))
        depth: dict[str, int] = {}
        try:
            order = list(sorter.static_order())
        except graphlib.CycleError as exc:
            raise UserError(f"formulas refer to each other in a cycle: {exc.args[1]}") from exc
        for indicator_id in order:
            deps = [d for d in dependencies(derived[indicator_id]) if d in derived]
            depth[indicator_id] = 1 + max((depth[d] for d in deps), default=0)
        layers: list[list[AnyIndicator]] = [[] for _ in range(max(depth.values(), default=0))]
        for member in self.indicators:
            if member.id in depth:
                layers[depth[member.id] - 1].append(member)
        return layers

    def derived_value(
        self,
        indicator: AnyIndicator,
        columns: Mapping[str, Fixed],
        targets: Mapping[str, Fixed],
    ) -> Fixed:
        rounding = effective_rounding(indicator, self.ruleset.settings)
        on_empty = indicator.effective_on_empty()
        if isinstance(indicator, FormulaIndicator):
            path = ("indicators", self.ruleset.indicators.index(indicator), "formula")
            typed = self.typed[path]
            self.descriptions[indicator.id] = (
                f"Indicator '{indicator.id}': formula {render(typed.expr)}, "
                f"{rounding.places} places {rounding.mode.value}, "
                f"zero denominator → {indicator.on_zero_denominator.value}, "
                f"missing input → {on_empty.value}"
            )
            kinds = {i: value_kind(self.by_id[i]) for i in columns}
            return formula_value(
                typed,
                value_resolver(columns),
                kinds,
                rounding,
                on_empty,
                indicator.on_zero_denominator,
            )
        assert isinstance(indicator, AttainmentIndicator)
        of = self.by_id[indicator.of]
        target = targets.get(of.id)
        self.descriptions[indicator.id] = (
            f"Indicator '{indicator.id}': {of.id} / its target, {rounding.places} places "
            f"{rounding.mode.value}, zero target → {indicator.on_zero_denominator.value}"
        )
        if target is None:
            return missing(on_empty)
        return attainment_value(
            columns[of.id], target, rounding, on_empty, indicator.on_zero_denominator
        )

    def stored(self, layer: sa.CTE, name: str, scales: Mapping[str, int]) -> ColumnElement[Any]:
        """A frame column as the table stores it: the exact integer back to a number."""
        column = layer.c[name]
        if name not in scales:
            return column
        kind, indicator_id = name.split("__", 1)
        indicator = self.by_id[indicator_id]
        if kind == "t":
            places = self.target_scales[indicator_id]
        else:
            places = effective_rounding(indicator, self.ruleset.settings).places
        value = Fixed(column, scales[name]).at(places)
        if indicator.unit is Unit.MONEY:
            return value.money()
        if indicator.unit is Unit.COUNT and places == 0:
            return value.sql
        return value.number()

    def build(self) -> FramePlan:
        self.aggregates()
        self.ratings()
        self.resolved_targets()
        s = self.subjects.c
        layer0_cols: list[ColumnElement[Any]] = [s[c] for c in SUBJECT_COLUMNS]
        layer0_cols += [v.label(value_column(i)) for i, v in self.values.items()]
        layer0_cols += [t.label(target_column(i)) for i, t in self.targets.items()]
        scales = {value_column(i): v.scale for i, v in self.values.items()}
        scales.update({target_column(i): t.scale for i, t in self.targets.items()})
        current = (
            sa.select(*layer0_cols)
            .select_from(self.from_clause)
            .cte("layer_0")
            .prefix_with("MATERIALIZED")
        )
        computed = set(self.values)
        for depth, layer in enumerate(self.derived_layers(), start=1):
            columns = {
                i: Fixed(current.c[value_column(i)], scales[value_column(i)]) for i in computed
            }
            targets = {
                i: Fixed(current.c[target_column(i)], scales[target_column(i)])
                for i in self.targets
            }
            new: list[ColumnElement[Any]] = []
            for ind in layer:
                value = self.derived_value(ind, columns, targets)
                new.append(value.label(value_column(ind.id)))
                scales[value_column(ind.id)] = value.scale
            current = sa.select(*current.c, *new).cte(f"layer_{depth}").prefix_with("MATERIALIZED")
            computed.update(ind.id for ind in layer)
        indicators = tuple(i for i in self.spec.indicators if i in computed)
        targeted = tuple(i for i in self.spec.indicators if i in self.targets)
        table_columns: list[sa.Column[Any]] = [
            sa.Column(c, sa.String(400)) for c in SUBJECT_COLUMNS
        ]
        for i in indicators:
            table_columns.append(
                sa.Column(value_column(i), column_type(self.by_id[i], self.ruleset))
            )
        for i in targeted:
            table_columns.append(
                sa.Column(target_column(i), target_type(self.by_id[i], self.target_scales[i]))
            )
        final = sa.select(
            *(
                sa.type_coerce(self.stored(current, c.name, scales), c.type).label(c.name)
                for c in table_columns
            )
        )
        descriptions = [(i, self.descriptions.get(i, "")) for i in indicators]
        descriptions += [
            (f"target:{i}", self.descriptions.get(f"target:{i}", "")) for i in targeted
        ]
        return FramePlan(
            spec=self.spec,
            period=self.ctx.period.code,
            table_name=table_name(self.spec, self.ctx.period.code),
            queries=tuple(self.queries),
            statement=final,
            columns=tuple(table_columns),
            indicators=indicators,
            targeted=targeted,
            descriptions=tuple(descriptions),
        )


def compile_frame(
    ctx: EvaluationContext,
    spec: FrameSpec,
    typed: Mapping[DocPath, TypedExpr] | None = None,
    sheets: SheetValues | None = None,
) -> FramePlan:
    """The statements of one values frame."""
    typed = typed if typed is not None else typed_expressions(ctx.ruleset)
    return _FrameBuilder(ctx, spec, typed, sheets or {}).build()


def compile_plan(
    ctx: EvaluationContext,
    scorecard_id: str | None = None,
    *,
    indicators: Sequence[str] | None = None,
    rules_dir: Path | None = None,
    sheets: SheetValues | None = None,
) -> AppraisalPlan:
    """The plan of every scorecard's frame (or one), optionally only some indicators.

    ``indicators`` limits each frame to those (plus their inputs) — e.g. for a
    previous period's history.  Target sheets are read from ``rules_dir`` (the
    rule set's folder) unless already given as ``sheets``.
    """
    ruleset = ctx.ruleset
    if sheets is None:
        sheets = load_sheets(ruleset, rules_dir, ctx.period)
    typed = typed_expressions(ruleset)
    specs = frame_specs(ruleset, scorecard_id)
    if indicators is not None:
        limited = with_inputs(ruleset, indicators)
        specs = tuple(
            FrameSpec(
                s.name, s.subject, _subject_subset(ruleset, s, limited), s.roles, s.scorecard_id
            )
            for s in specs
        )
    frames = tuple(compile_frame(ctx, spec, typed, sheets) for spec in specs)
    return AppraisalPlan(ctx.period.code, frames)


def _subject_subset(ruleset: RuleSet, spec: FrameSpec, limited: tuple[str, ...]) -> tuple[str, ...]:
    allowed = {spec.subject}
    if spec.subject is SubjectKind.PERSON:
        allowed.add(SubjectKind.TEAM)
    return tuple(i for i in limited if ruleset.indicator(i).subject in allowed)
