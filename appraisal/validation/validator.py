"""The semantic layer: every registered rule over a rule set, all issues collected.

``DEFAULT_RULES`` lists the checks in a fixed order; each runs under
:func:`validate_safely`, so one faulty check never hides the others' findings.
:func:`validate_paths` runs all three layers (structure, models, meaning) on
rule files and is what ``appraisal validate`` calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from appraisal.errors import IssuesError, ValidationResults
from appraisal.spec.models import RuleSet
from appraisal.spec.parse import RuleSetBuildResult, SourceMap, expand_paths, parse_ruleset
from appraisal.validation.base import (
    HistoryLookup,
    ValidationContext,
    ValidationRule,
    validate_safely,
)
from appraisal.validation.rules import (
    DirectionMatchesScoringRule,
    FormulaCyclesRule,
    IndicatorRefsResolveRule,
    ScorecardSubjectsRule,
    TiersContiguousRule,
    UniqueIdsRule,
    UnitsConsistentRule,
    WeightsSumTo100Rule,
)
from appraisal.validation.rules_data import ExpressionsTypeCheckRule, SourceColumnsExistRule
from appraisal.validation.rules_outcomes import (
    GatesAndIncentivesRule,
    ImprovementRulesRule,
    MetadataRule,
    ScoringParametersRule,
    SegmentationRule,
)
from appraisal.validation.rules_targets import (
    SmartTargetsRule,
    TargetsPresentRule,
    TargetsSoundRule,
)

DEFAULT_RULES: tuple[ValidationRule, ...] = (
    UniqueIdsRule(),
    IndicatorRefsResolveRule(),
    SourceColumnsExistRule(),
    ExpressionsTypeCheckRule(),
    FormulaCyclesRule(),
    UnitsConsistentRule(),
    ScorecardSubjectsRule(),
    WeightsSumTo100Rule(),
    TiersContiguousRule(),
    DirectionMatchesScoringRule(),
    ScoringParametersRule(),
    TargetsPresentRule(),
    TargetsSoundRule(),
    SmartTargetsRule(),
    GatesAndIncentivesRule(),
    ImprovementRulesRule(),
    SegmentationRule(),
    MetadataRule(),
)


def validate_ruleset(
    ruleset: RuleSet,
    context: ValidationContext | None = None,
    rules: Sequence[ValidationRule] = DEFAULT_RULES,
) -> ValidationResults:
    """Run the semantic rules over a built rule set; all issues, sorted."""
    ctx = context or ValidationContext(SourceMap(None))
    return ValidationResults.of(
        issue for rule in rules for issue in validate_safely(rule, ruleset, ctx)
    )


@dataclass(frozen=True)
class RuleSetReport:
    """One rule set's outcome across all three layers."""

    path: Path
    ruleset: RuleSet | None
    results: ValidationResults
    build: RuleSetBuildResult


def check_ruleset(path: Path, history: HistoryLookup | None = None) -> RuleSetReport:
    """Layers 1–3 for the rule set rooted at ``path``; never raises on user error."""
    build = parse_ruleset(path)
    results = ValidationResults.of(build.issues)
    if build.ruleset is not None:
        ctx = ValidationContext(build.sources, path.parent, history)
        results = results.merge(validate_ruleset(build.ruleset, ctx))
    ruleset = build.ruleset if not results.has_blocking_issues else None
    return RuleSetReport(path, ruleset, results, build)


def validate_paths(paths: Iterable[Path]) -> tuple[RuleSetReport, ...]:
    """Check every rule set found under ``paths`` (files, or folders of rule files)."""
    return tuple(check_ruleset(path) for path in expand_paths(paths))


def load_ruleset(path: Path) -> RuleSet:
    """The validated rule set at ``path``; raises :class:`IssuesError` listing the errors."""
    report = check_ruleset(path)
    if report.ruleset is None:
        raise IssuesError(report.results.errors)
    return report.ruleset
