"""Semantic rules tying indicators to the data model: entities, links, windows, expressions.

Names are checked against the built-in schema (``appraisal.store.schema``):
a workspace's sources mapping only renames physical tables and columns, so the
logical names rules use are always the built-in ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from appraisal.errors import Issue
from appraisal.expr import parse_with_issues, relocate
from appraisal.expr.checker import check
from appraisal.expr.types import ExprType
from appraisal.spec.enums import Aggregation, SubjectKind, Unit, WindowMode
from appraisal.spec.expressions import ExprRole, expression_location, expression_sites
from appraisal.spec.models import AggregateIndicator, AttainmentIndicator, RuleSet
from appraisal.spec.scopes import column_paths, resolve_column_path
from appraisal.spec.yaml_loader import DocPath, render_path
from appraisal.store.schema import ENTITIES
from appraisal.validation.base import ValidationContext, did_you_mean
from appraisal.validation.rules import UNIT_MISMATCH

UNKNOWN_ENTITY = "V011"
BAD_LINK = "V013"
BAD_WINDOW = "V014"
MISSING_PART = "V015"

_SUBJECT_TARGET = {
    SubjectKind.PERSON: "staff.staff_id",
    SubjectKind.TEAM: "staff.staff_id",
    SubjectKind.CLIENT: "customers.customer_id",
}
_SUBJECT_WORDS = {
    SubjectKind.PERSON: "a staff id",
    SubjectKind.TEAM: "a staff id",
    SubjectKind.CLIENT: "a customer id",
}


class ExpressionsTypeCheckRule:
    """Every filter, measure, formula and condition parses and type-checks."""

    name = "expressions type-check"

    def validate(self, ruleset: RuleSet, ctx: ValidationContext) -> Sequence[Issue]:
        """Expression issues, moved to their line and column in the rule file."""
        issues: list[Issue] = []
        for site in expression_sites(ruleset):
            tree, found = parse_with_issues(site.text)
            if tree is not None:
                checked = check(tree, site.scope, expect=site.expect)
                found = checked.issues
                if checked.typed is not None:
                    issues.extend(
                        _unit_of_result(ruleset, ctx, site.path, site.role, checked.typed.type)
                    )
            issues.extend(self._relocated(ctx, site.path, found))
        return issues

    @staticmethod
    def _relocated(
        ctx: ValidationContext, path: DocPath, found: Sequence[Issue]
    ) -> tuple[Issue, ...]:
        if not found:
            return ()
        document = ctx.sources.document(path)
        in_file = ctx.sources.in_file(path)
        if document is None:
            return tuple(found)
        return relocate(found, expression_location(document, in_file, render_path(in_file)))


_MONEY_KEEPING = (Aggregation.SUM, Aggregation.AVG, Aggregation.MIN, Aggregation.MAX)


def _unit_of_result(
    ruleset: RuleSet, ctx: ValidationContext, path: DocPath, role: ExprRole, result: ExprType
) -> list[Issue]:
    """Money in, money out: a money measure or formula must be a money indicator and back."""
    indicator = ruleset.indicators[int(path[1])] if path[0] == "indicators" else None
    if indicator is None:
        return []
    if role is ExprRole.MEASURE and isinstance(indicator, AggregateIndicator):
        if indicator.per is not None or indicator.aggregate not in _MONEY_KEEPING:
            return []
    elif role is not ExprRole.FORMULA:
        return []
    is_money = result is ExprType.MONEY
    if is_money == (indicator.unit is Unit.MONEY):
        return []
    what = "formula" if role is ExprRole.FORMULA else "measure"
    if is_money:
        message = f"the {what} gives money, but the unit is '{indicator.unit.value}'"
        hint = "use unit: money (or divide by another amount for a ratio)"
    else:
        message = f"the unit is money, but the {what} gives a plain number"
        hint = "money is not a count: sum or average an amount column"
    return [ctx.issue(UNIT_MISMATCH, message, (*path[:2], "unit"), hint)]


class SourceColumnsExistRule:
    """Aggregates name a built-in entity, a link to their subject and a date window."""

    name = "entities and columns exist"

    def validate(self, ruleset: RuleSet, ctx: ValidationContext) -> Sequence[Issue]:
        """Unknown entities, links that do not lead to the subject, bad windows."""
        issues: list[Issue] = []
        for k, indicator in enumerate(ruleset.indicators):
            path: DocPath = ("indicators", k)
            if isinstance(indicator, AggregateIndicator):
                issues.extend(self._aggregate(ctx, indicator, path))
            elif isinstance(indicator, AttainmentIndicator):
                issues.extend(_attainment(ruleset, ctx, indicator, path))
        return issues

    def _aggregate(
        self, ctx: ValidationContext, indicator: AggregateIndicator, path: DocPath
    ) -> list[Issue]:
        if indicator.entity not in ENTITIES:
            hint = did_you_mean(indicator.entity, ENTITIES)
            message = f"unknown entity '{indicator.entity}'"
            return [ctx.issue(UNKNOWN_ENTITY, message, (*path, "entity"), hint)]
        issues = _link(ctx, indicator, path)
        issues.extend(_window(ctx, indicator, path))
        issues.extend(_parts(ctx, indicator, path))
        if indicator.per is not None and _column(indicator.entity, indicator.per.by) is None:
            issues.append(
                _unknown_column(ctx, indicator.entity, indicator.per.by, (*path, "per", "by"))
            )
        return issues


def _column(entity: str, dotted: str) -> object | None:
    return resolve_column_path(entity, tuple(dotted.split(".")))


def _unknown_column(ctx: ValidationContext, entity: str, dotted: str, path: DocPath) -> Issue:
    known = [".".join(p) for p in column_paths(entity, depth=dotted.count("."))]
    message = f"'{dotted}' is not a column of {entity}"
    return ctx.issue(UNKNOWN_ENTITY, message, path, did_you_mean(dotted, known))


def _link(ctx: ValidationContext, indicator: AggregateIndicator, path: DocPath) -> list[Issue]:
    where = (*path, "link")
    ref = resolve_column_path(indicator.entity, tuple(indicator.link.split(".")))
    if ref is None:
        return [_unknown_column(ctx, indicator.entity, indicator.link, where)]
    wanted = _SUBJECT_TARGET[indicator.subject]
    own = f"{ref.entity}.{ref.column}"
    issues = []
    if ref.info.references != wanted and own != wanted:
        message = (
            f"link '{indicator.link}' must lead to {_SUBJECT_WORDS[indicator.subject]} "
            f"for a {indicator.subject.value} indicator, but it leads to "
            f"{_target_words(ref.info.references or own)}"
        )
        issues.append(ctx.issue(BAD_LINK, message, where, _link_hint(indicator)))
    if indicator.subject is SubjectKind.TEAM and indicator.team_by is None:
        message = "a team indicator needs team_by: team_column or manager_tree"
        issues.append(ctx.issue(BAD_LINK, message, path))
    if indicator.subject is not SubjectKind.TEAM and indicator.team_by is not None:
        message = "team_by applies to team indicators only"
        issues.append(ctx.issue(BAD_LINK, message, (*path, "team_by")))
    return issues


def _target_words(target: str) -> str:
    if target == "staff.staff_id":
        return "a staff id"
    if target == "customers.customer_id":
        return "a customer id"
    return f"{target} (neither a staff nor a customer id)"


def _link_hint(indicator: AggregateIndicator) -> str:
    """The shortest column paths from the entity that do lead to the subject."""
    wanted = _SUBJECT_TARGET[indicator.subject]
    candidates = []
    for path in column_paths(indicator.entity, depth=1):
        ref = resolve_column_path(indicator.entity, path)
        if ref is None or (ref.via and f"{ref.entity}.{ref.column}" == wanted):
            continue  # staff.staff_id is staff_id again
        if ref.info.references == wanted or f"{ref.entity}.{ref.column}" == wanted:
            candidates.append(".".join(path))
    candidates.sort(key=lambda c: (c.count("."), c))
    return "candidates: " + ", ".join(candidates[:3]) if candidates else ""


def _window(ctx: ValidationContext, indicator: AggregateIndicator, path: DocPath) -> list[Issue]:
    window = indicator.window
    if window is None:
        return []
    where = (*path, "window")
    issues = []
    for name in ("column", "until"):
        dotted = getattr(window, name)
        if dotted is None:
            continue
        ref = resolve_column_path(indicator.entity, tuple(dotted.split(".")))
        if ref is None:
            issues.append(_unknown_column(ctx, indicator.entity, dotted, (*where, name)))
        elif ref.info.kind not in ("date", "instant"):
            message = f"window.{name} must be a date or time column; '{dotted}' is {ref.info.kind}"
            issues.append(ctx.issue(BAD_WINDOW, message, (*where, name)))
    trailing = window.mode is WindowMode.TRAILING
    if trailing and window.periods is None:
        issues.append(ctx.issue(BAD_WINDOW, "a trailing window needs periods: N", where))
    if not trailing and (window.periods is not None or window.grain is not None):
        message = "periods and grain apply to trailing windows only"
        issues.append(ctx.issue(BAD_WINDOW, message, (*where, "mode")))
    as_of = window.mode in (WindowMode.AS_OF_START, WindowMode.AS_OF_END)
    if window.until is not None and not as_of:
        message = "until applies to as_of_start and as_of_end windows only"
        issues.append(ctx.issue(BAD_WINDOW, message, (*where, "until")))
    return issues


_NEEDS_MEASURE = (
    Aggregation.SUM,
    Aggregation.AVG,
    Aggregation.MIN,
    Aggregation.MAX,
    Aggregation.COUNT_DISTINCT,
)


def _parts(ctx: ValidationContext, indicator: AggregateIndicator, path: DocPath) -> list[Issue]:
    issues = []
    aggregate = indicator.aggregate
    if aggregate in _NEEDS_MEASURE and indicator.measure is None:
        message = f"aggregate '{aggregate.value}' needs a measure (what to {aggregate.value})"
        issues.append(ctx.issue(MISSING_PART, message, path))
    if aggregate is Aggregation.COUNT and indicator.measure is not None:
        message = "count counts rows and takes no measure"
        hint = "use count_distinct to count distinct values"
        issues.append(ctx.issue(MISSING_PART, message, (*path, "measure"), hint))
    if aggregate is Aggregation.SHARE and indicator.share_where is None:
        message = "aggregate 'share' needs share_where (which rows form the numerator)"
        issues.append(ctx.issue(MISSING_PART, message, path))
    if aggregate is not Aggregation.SHARE and indicator.share_where is not None:
        message = "share_where applies to aggregate 'share' only"
        issues.append(ctx.issue(MISSING_PART, message, (*path, "share_where")))
    per = indicator.per
    if per is not None and per.aggregate in _NEEDS_MEASURE and per.measure is None:
        message = f"per-group aggregate '{per.aggregate.value}' needs a measure"
        issues.append(ctx.issue(MISSING_PART, message, (*path, "per")))
    return issues


def _attainment(
    ruleset: RuleSet, ctx: ValidationContext, indicator: AttainmentIndicator, path: DocPath
) -> list[Issue]:
    try:
        base = ruleset.indicator(indicator.of)
    except KeyError:
        return []
    issues = []
    if base.subject is not indicator.subject:
        message = (
            f"attainment of '{base.id}' (a {base.subject.value} indicator) "
            f"must itself be a {base.subject.value} indicator"
        )
        issues.append(ctx.issue(MISSING_PART, message, (*path, "subject")))
    if ruleset.target_rule(indicator.of) is None:
        message = f"attainment of '{indicator.of}' needs a target for it"
        issues.append(ctx.issue(MISSING_PART, message, (*path, "of"), "add it under targets"))
    return issues
