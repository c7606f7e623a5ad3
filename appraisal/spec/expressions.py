"""Every expression of a rule set, with the scope it resolves against.

Rule models keep expressions as the text the author wrote.  This module lists
them (:func:`expression_sites`) with their path, scope and expected result type,
so the validator can type-check each one and the engine can obtain the typed
trees (:func:`typed_expressions`) without repeating the rules of which names are
visible where.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from appraisal.errors import IssuesError
from appraisal.expr import (
    EntityScope,
    ExprLocation,
    ExprType,
    MappingScope,
    Scope,
    TypedExpr,
    check,
    parse_with_issues,
    references,
)
from appraisal.spec.enums import Aggregation, SubjectKind
from appraisal.spec.models import (
    AggregateIndicator,
    AnyIndicator,
    AttainmentIndicator,
    FormulaIndicator,
    RuleSet,
    Scorecard,
    Segmentation,
)
from appraisal.spec.scopes import indicator_scope
from appraisal.spec.yaml_loader import DocPath, LoadedDocument
from appraisal.store.schema import ENTITIES

NUMERIC_RESULT = frozenset({ExprType.NUMBER, ExprType.INTEGER, ExprType.MONEY})
ANY_VALUE = frozenset(
    {
        ExprType.NUMBER,
        ExprType.INTEGER,
        ExprType.MONEY,
        ExprType.TEXT,
        ExprType.DATE,
        ExprType.INSTANT,
    }
)
BOOLEAN = frozenset({ExprType.BOOLEAN})

RFM_NAMES = ("r_score", "f_score", "m_score", "rfm_score")


class ExprRole(StrEnum):
    """What an expression does where it stands."""

    MEASURE = "measure"
    FILTER = "filter"
    SHARE_WHERE = "share_where"
    GROUP_MEASURE = "group_measure"
    FORMULA = "formula"
    GATE = "gate"
    SEGMENT = "segment"


@dataclass(frozen=True)
class ExpressionSite:
    """One expression: where it is, its text, its scope and acceptable result types."""

    path: DocPath
    text: str
    role: ExprRole
    scope: Scope
    expect: frozenset[ExprType]


def _subject_indicators(ruleset: RuleSet, *subjects: SubjectKind) -> list[AnyIndicator]:
    return [i for i in ruleset.indicators if i.subject in subjects]


def _aggregate_sites(indicator: AggregateIndicator, path: DocPath) -> Iterator[ExpressionSite]:
    if indicator.entity not in ENTITIES:
        return  # an unknown entity is reported by the validator; nothing resolves in it
    rows = EntityScope(indicator.entity)
    any_type = indicator.aggregate is Aggregation.COUNT_DISTINCT
    if indicator.per is not None:
        inner = indicator.per
        if inner.measure is not None:
            inner_any = inner.aggregate is Aggregation.COUNT_DISTINCT
            yield ExpressionSite(
                (*path, "per", "measure"),
                inner.measure,
                ExprRole.GROUP_MEASURE,
                rows,
                ANY_VALUE if inner_any else NUMERIC_RESULT,
            )
        counted = inner.aggregate in (Aggregation.COUNT, Aggregation.COUNT_DISTINCT)
        groups: Scope = MappingScope.of(
            {inner.name: ExprType.INTEGER if counted else ExprType.NUMBER}
        )
    else:
        groups = rows
    if indicator.measure is not None:
        expect = ANY_VALUE if any_type else NUMERIC_RESULT
        yield ExpressionSite(
            (*path, "measure"), indicator.measure, ExprRole.MEASURE, groups, expect
        )
    if indicator.filter is not None:
        yield ExpressionSite((*path, "filter"), indicator.filter, ExprRole.FILTER, rows, BOOLEAN)
    if indicator.share_where is not None:
        yield ExpressionSite(
            (*path, "share_where"), indicator.share_where, ExprRole.SHARE_WHERE, groups, BOOLEAN
        )


def gate_scope(ruleset: RuleSet, scorecard: Scorecard) -> MappingScope:
    """Indicators a gate of this scorecard may name (a person card also sees team ones)."""
    if scorecard.subject is SubjectKind.PERSON:
        return indicator_scope(_subject_indicators(ruleset, SubjectKind.PERSON, SubjectKind.TEAM))
    return indicator_scope(_subject_indicators(ruleset, scorecard.subject))


def segment_scope(ruleset: RuleSet, segmentation: Segmentation) -> MappingScope:
    """Client indicators plus, with RFM, ``r_score``, ``f_score``, ``m_score``, ``rfm_score``."""
    extra = dict.fromkeys(RFM_NAMES, ExprType.NUMBER) if segmentation.rfm is not None else {}
    return indicator_scope(_subject_indicators(ruleset, SubjectKind.CLIENT), extra)


def expression_sites(ruleset: RuleSet) -> tuple[ExpressionSite, ...]:
    """Every expression of the rule set, in document order."""
    sites: list[ExpressionSite] = []
    for index, indicator in enumerate(ruleset.indicators):
        path: DocPath = ("indicators", index)
        if isinstance(indicator, AggregateIndicator):
            sites.extend(_aggregate_sites(indicator, path))
        elif isinstance(indicator, FormulaIndicator):
            scope = indicator_scope(_subject_indicators(ruleset, indicator.subject))
            sites.append(
                ExpressionSite(
                    (*path, "formula"), indicator.formula, ExprRole.FORMULA, scope, NUMERIC_RESULT
                )
            )
    for c_index, scorecard in enumerate(ruleset.scorecards):
        scope = gate_scope(ruleset, scorecard)
        for g_index, gate in enumerate(scorecard.gates):
            gate_path = ("scorecards", c_index, "gates", g_index, "when")
            sites.append(ExpressionSite(gate_path, gate.when, ExprRole.GATE, scope, BOOLEAN))
    for s_index, segmentation in enumerate(ruleset.segmentations):
        scope = segment_scope(ruleset, segmentation)
        for index, segment in enumerate(segmentation.segments):
            if segment.when is not None:
                segment_path = ("segmentations", s_index, "segments", index, "when")
                sites.append(
                    ExpressionSite(segment_path, segment.when, ExprRole.SEGMENT, scope, BOOLEAN)
                )
    return tuple(sites)


def typed_expressions(ruleset: RuleSet) -> Mapping[DocPath, TypedExpr]:
    """Parse and type-check every expression; the engine's way to the typed trees.

    Raises :class:`IssuesError` when one fails (a validated rule set never does).
    """
    result: dict[DocPath, TypedExpr] = {}
    for site in expression_sites(ruleset):
        tree, issues = parse_with_issues(site.text)
        if tree is None:
            raise IssuesError(issues)
        checked = check(tree, site.scope, expect=site.expect)
        if checked.typed is None:
            raise IssuesError(checked.issues)
        result[site.path] = checked.typed
    return result


def expression_location(document: LoadedDocument, path: DocPath, render: str) -> ExprLocation:
    """Where an expression scalar's text starts in its file, for relocating issues."""
    info = document.scalars.get(path)
    if info is None:
        span = document.span(path)
        return ExprLocation(span.file, span.line, span.column, render)
    if info.style in ("|", ">"):
        body = info.raw.split("\n")[1:]
        indent = min((len(x) - len(x.lstrip(" ")) for x in body if x.strip()), default=0)
        return ExprLocation(document.file, info.line + 1, indent + 1, render, indent + 1)
    start = info.column + (1 if info.style else 0)
    return ExprLocation(document.file, info.line, start, render, start)


def indicator_dependencies(ruleset: RuleSet) -> Mapping[str, frozenset[str]]:
    """Indicator id → ids it is computed from (formula names, attainment's ``of``)."""
    known = {i.id for i in ruleset.indicators}
    graph: dict[str, frozenset[str]] = {}
    for indicator in ruleset.indicators:
        if isinstance(indicator, FormulaIndicator):
            tree, _ = parse_with_issues(indicator.formula)
            names = {path[0] for path in references(tree)} if tree is not None else set()
            graph[indicator.id] = frozenset(names & known)
        elif isinstance(indicator, AttainmentIndicator):
            graph[indicator.id] = frozenset({indicator.of} & known)
        else:
            graph[indicator.id] = frozenset()
    return graph


def evaluation_order(ruleset: RuleSet) -> tuple[str, ...]:
    """Indicator ids so that each comes after everything it depends on (stable by id).

    Raises ``graphlib.CycleError`` on a cycle (a validated rule set has none).
    """
    sorter = graphlib.TopologicalSorter(indicator_dependencies(ruleset))
    sorter.prepare()
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order.extend(ready)
        sorter.done(*ready)
    return tuple(order)
