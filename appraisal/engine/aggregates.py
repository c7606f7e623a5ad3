"""Aggregate indicators → grouped statements, one per entity + link + subject grouping.

Every indicator of a group becomes ``agg(CASE WHEN <filter and window> THEN
measure END)`` in the same ``GROUP BY subject`` statement, whose WHERE is the
union of the windows (so the database reads only the rows some indicator
needs).  The statement yields raw parts per indicator — the aggregate or a
quotient's numerator ``a__i``, its denominator ``d__i`` and a count ``n__i``
telling empty from zero — and a :class:`Recipe` says how the frame turns them
into the rounded value with the declared empty and zero-denominator meanings.

``per`` indicators first aggregate per group (``GROUP BY subject, by``), then
aggregate, or take shares of, the groups.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, assert_never

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from appraisal.engine.numeric import SecondsBetween
from appraisal.engine.paths import Joins, split_path, team_closure
from appraisal.engine.places import Places, column_places, expression_places
from appraisal.engine.windows import window_sql
from appraisal.errors import UserError
from appraisal.expr import ExprParams, TypedExpr, render, to_sql
from appraisal.expr.ast import Arith, ArithOp, Call, Expr, Func, NumberLit
from appraisal.expr.checker import TypedExpr as Checked
from appraisal.expr.sqlfuncs import SafeDivide
from appraisal.expr.types import ExprType
from appraisal.periods import Period
from appraisal.spec.enums import Aggregation, SubjectKind, TeamGrouping
from appraisal.spec.models import AggregateIndicator, PerGroup, Settings
from appraisal.spec.yaml_loader import DocPath
from appraisal.store.sources import Catalog

KEY = "subject_key"
SECONDS_PER_HOUR = Decimal(3600)


@dataclass(frozen=True)
class Recipe:
    """How an indicator's raw columns become its value.

    value = ``a / (d × divisor)`` (or ``a / divisor`` without ``d``), rounded;
    empty when ``n`` is 0 or NULL; zero denominator when ``d`` is 0.
    """

    indicator: str
    numerator: str
    denominator: str | None
    count: str
    numerator_kind: ExprType
    denominator_kind: ExprType
    divisor: Decimal = Decimal(1)
    in_cents: bool = False
    """The value is money (cents on SQLite): false for a share of money."""
    numerator_places: Places = 0
    """Most decimal places of the numerator (None: not known)."""
    denominator_places: Places = 0


@dataclass(frozen=True)
class GroupKey:
    """What makes indicators share a statement."""

    entity: str
    link: str
    subject: SubjectKind
    team_by: TeamGrouping | None
    per_by: str | None

    @property
    def frame_column(self) -> str:
        """The subject column of the frame the statement's key joins to."""
        if self.subject is SubjectKind.TEAM and self.team_by is TeamGrouping.TEAM_COLUMN:
            return "team"
        return "subject_id"

    @property
    def name(self) -> str:
        """A readable, unique CTE name."""
        parts = ["agg", self.entity, self.link.replace(".", "_"), self.subject.value]
        if self.team_by is not None:
            parts.append(self.team_by.value)
        if self.per_by is not None:
            parts.extend(("per", self.per_by.replace(".", "_")))
        return "_".join(parts)


def group_key(indicator: AggregateIndicator) -> GroupKey:
    """The statement an aggregate indicator belongs to."""
    team_by = None
    if indicator.subject is SubjectKind.TEAM:
        team_by = indicator.team_by or TeamGrouping.TEAM_COLUMN
    per_by = indicator.per.by if indicator.per is not None else None
    return GroupKey(indicator.entity, indicator.link, indicator.subject, team_by, per_by)


@dataclass(frozen=True)
class Measure:
    """A measure split into an exact numerator and a constant divisor.

    ``sum(x / 365)`` is ``sum(x) / 365`` and ``avg(hours_between(a, b))`` is
    ``avg(seconds) / 3600``: hoisting the constant keeps the numerator exact.
    """

    expr: ColumnElement[Any]
    kind: ExprType
    divisor: Decimal
    text: str
    places: Places
    """Most decimal places of ``expr``'s values (None: not known)."""


@dataclass
class AggregateContext:
    """What compiling aggregates needs: rules, period, catalog, typed expressions."""

    catalog: Catalog
    period: Period
    settings: Settings
    timezone: str
    typed: Mapping[DocPath, TypedExpr]
    paths: Mapping[str, DocPath]
    """Indicator id → its path in the rule set (to find its typed expressions)."""

    _tree: sa.CTE | None = None

    def team_tree(self) -> sa.CTE:
        """The manager-tree closure, one CTE shared by every statement of the frame."""
        if self._tree is None:
            self._tree = team_closure(self.catalog)
        return self._tree

    @property
    def params(self) -> ExprParams:
        """Values of the period names inside expressions."""
        return ExprParams(self.period.range, self.timezone)

    def expression(self, indicator_id: str, field: str) -> TypedExpr | None:
        """The typed expression of an indicator's field (measure, filter, ...)."""
        path = self.paths[indicator_id]
        if field == "per.measure":
            return self.typed.get((*path, "per", "measure"))
        return self.typed.get((*path, field))


def _sub(node: Expr) -> TypedExpr:
    return Checked(node, node.type or ExprType.NUMBER, frozenset())


def _constant_divisor(node: Expr) -> Decimal | None:
    """``c`` when ``node`` is ``x / c`` with a positive number ``c``."""
    if isinstance(node, Arith) and node.op is ArithOp.DIV and isinstance(node.right, NumberLit):
        return node.right.value if node.right.value > 0 else None
    return None


def _hoist(
    typed: TypedExpr, resolve: Callable[[tuple[str, ...]], ColumnElement[Any]], params: ExprParams
) -> Measure:
    node = typed.expr
    text = render(node)
    constant = _constant_divisor(node)
    if constant is not None and isinstance(node, Arith):
        inner = _hoist(_sub(node.left), resolve, params)
        return Measure(inner.expr, inner.kind, inner.divisor * constant, text, inner.places)
    if isinstance(node, Call) and node.func is Func.HOURS_BETWEEN:
        a, b = (to_sql(_sub(arg), resolve, params) for arg in node.args)
        return Measure(SecondsBetween(a, b), ExprType.INTEGER, SECONDS_PER_HOUR, text, 0)
    kind = typed.type if typed.type in (ExprType.INTEGER, ExprType.MONEY) else ExprType.NUMBER
    places = 0 if kind is ExprType.INTEGER else expression_places(node, column_places(resolve))
    return Measure(to_sql(typed, resolve, params), kind, Decimal(1), text, places)


def _when(condition: ColumnElement[bool] | None, value: ColumnElement[Any]) -> ColumnElement[Any]:
    if condition is None:
        return value
    return sa.case((condition, value))


def _one() -> ColumnElement[Any]:
    return sa.literal_column("1")


@dataclass
class _Parts:
    columns: Sequence[ColumnElement[Any]]
    recipe: Recipe
    words: str


def _aggregate_parts(
    indicator_id: str,
    aggregate: Aggregation,
    condition: ColumnElement[bool] | None,
    measure: Measure | None,
    share_where: ColumnElement[bool] | None,
    money: bool,
) -> _Parts:
    """Raw columns for one aggregation over rows (or groups) passing ``condition``."""
    a, d, n = f"a__{indicator_id}", f"d__{indicator_id}", f"n__{indicator_id}"
    integer = ExprType.INTEGER
    counted = sa.func.count(_when(condition, _one()))
    match aggregate:
        case Aggregation.COUNT:
            recipe = Recipe(indicator_id, a, None, a, integer, integer)
            return _Parts([counted.label(a)], recipe, "count of rows")
        case Aggregation.SHARE:
            assert share_where is not None
            part_test = share_where if condition is None else sa.and_(condition, share_where)
            if measure is None:
                rows = sa.func.count(_when(part_test, _one()))
                recipe = Recipe(indicator_id, a, d, n, integer, integer)
                cols = [rows.label(a), counted.label(d), counted.label(n)]
                return _Parts(cols, recipe, "share of rows")
            whole = sa.func.sum(_when(condition, measure.expr))
            # No row in the part is a part of 0 (not a missing numerator).
            part = sa.func.coalesce(sa.func.sum(_when(part_test, measure.expr)), 0)
            kind, places = measure.kind, measure.places
            recipe = Recipe(
                indicator_id,
                a,
                d,
                n,
                kind,
                kind,
                numerator_places=places,
                denominator_places=places,
            )
            cols = [part.label(a), whole.label(d), counted.label(n)]
            return _Parts(cols, recipe, f"share of the sum of {measure.text}")
        case _:
            pass
    if measure is None:
        raise UserError(f"indicator '{indicator_id}': {aggregate.value} needs a measure")
    values = _when(condition, measure.expr)
    present = sa.func.count(values)
    kind = measure.kind
    match aggregate:
        case Aggregation.COUNT_DISTINCT:
            distinct = sa.func.count(sa.distinct(values))
            recipe = Recipe(indicator_id, a, None, a, integer, integer)
            return _Parts([distinct.label(a)], recipe, f"count of distinct {measure.text}")
        case Aggregation.SUM | Aggregation.MIN | Aggregation.MAX:
            func = _SIMPLE[aggregate]
            recipe = Recipe(
                indicator_id, a, None, n, kind, integer, measure.divisor, money, measure.places
            )
            cols = [func(values).label(a), present.label(n)]
            return _Parts(cols, recipe, f"{aggregate.value} of {measure.text}")
        case Aggregation.AVG:
            recipe = Recipe(
                indicator_id, a, n, n, kind, integer, measure.divisor, money, measure.places
            )
            cols = [sa.func.sum(values).label(a), present.label(n)]
            return _Parts(cols, recipe, f"average of {measure.text}")
        case Aggregation.COUNT | Aggregation.SHARE:  # handled above
            raise AssertionError(aggregate)
        case _:
            assert_never(aggregate)


_SIMPLE: dict[Aggregation, Callable[[ColumnElement[Any]], ColumnElement[Any]]] = {
    Aggregation.SUM: sa.func.sum,
    Aggregation.MIN: sa.func.min,
    Aggregation.MAX: sa.func.max,
}


@dataclass(frozen=True)
class CompiledGroup:
    """A grouped statement and the recipes of its indicators."""

    key: GroupKey
    statement: sa.Select[tuple[object, ...]]
    recipes: tuple[Recipe, ...]
    descriptions: tuple[tuple[str, str], ...]


class GroupCompiler:
    """Builds one statement for the indicators of a group key."""

    def __init__(self, ctx: AggregateContext, key: GroupKey) -> None:
        self.ctx = ctx
        self.key = key
        self.joins = Joins(ctx.catalog, key.entity)
        self.windows: list[ColumnElement[bool] | None] = []
        self.team_join: tuple[sa.FromClause, ColumnElement[bool]] | None = None

    def subject_key(self) -> ColumnElement[Any]:
        """The link, mapped to the team key for team subjects."""
        link = self.joins.resolve(split_path(self.key.link))
        team_by = self.key.team_by
        if team_by is None:
            return link.column
        if team_by is TeamGrouping.TEAM_COLUMN:
            staff = self.ctx.catalog.selectable("staff").alias("credited")
            self.team_join = (staff, staff.c.staff_id == link.column)
            return staff.c.team
        tree = self.ctx.team_tree()
        self.team_join = (tree, tree.c.member_id == link.column)
        return tree.c.lead_id

    def row_condition(
        self, indicator: AggregateIndicator
    ) -> tuple[ColumnElement[bool] | None, list[str]]:
        """Filter and window of one indicator, and their words."""
        parts: list[ColumnElement[bool]] = []
        words: list[str] = []
        filt = self.ctx.expression(indicator.id, "filter")
        if filt is not None:
            parts.append(to_sql(filt, self.joins.column, self.ctx.params))
            words.append(render(filt.expr))
        window = indicator.window
        if window is not None:
            sql = window_sql(
                window, self.joins, self.ctx.period, self.ctx.settings.period, self.ctx.timezone
            )
            parts.append(sql.condition)
            words.append(sql.text)
            self.windows.append(sql.condition)
        else:
            self.windows.append(None)
        condition = sa.and_(*parts) if parts else None
        return condition, words

    def from_clause(self) -> sa.FromClause:
        clause = self.joins.from_clause()
        if self.team_join is not None:
            clause = clause.join(*self.team_join)
        return clause

    def where(self) -> ColumnElement[bool] | None:
        if not self.windows or any(w is None for w in self.windows):
            return None
        return sa.or_(*(w for w in self.windows if w is not None))

    def compile(self, indicators: Sequence[AggregateIndicator]) -> CompiledGroup:
        if self.key.per_by is not None:
            return self.compile_per(indicators)
        key = self.subject_key()
        columns: list[ColumnElement[Any]] = []
        recipes: list[Recipe] = []
        descriptions: list[tuple[str, str]] = []
        for indicator in indicators:
            condition, words = self.row_condition(indicator)
            typed_measure = self.ctx.expression(indicator.id, "measure")
            measure = None
            if typed_measure is not None:
                measure = _hoist(typed_measure, self.joins.column, self.ctx.params)
            share = self.ctx.expression(indicator.id, "share_where")
            share_sql = to_sql(share, self.joins.column, self.ctx.params) if share else None
            parts = _aggregate_parts(
                indicator.id,
                indicator.aggregate,
                condition,
                measure,
                share_sql,
                money=_is_money(indicator, measure),
            )
            if share is not None:
                words.insert(0, f"numerator where {render(share.expr)}")
            columns.extend(parts.columns)
            recipes.append(parts.recipe)
            descriptions.append((indicator.id, self.describe(indicator, parts.words, words)))
        statement = sa.select(key.label(KEY), *columns).select_from(self.from_clause())
        where = self.where()
        if where is not None:
            statement = statement.where(where)
        statement = statement.group_by(key)
        return CompiledGroup(self.key, statement, tuple(recipes), tuple(descriptions))

    def compile_per(self, indicators: Sequence[AggregateIndicator]) -> CompiledGroup:
        key = self.subject_key()
        by = self.joins.column(split_path(self.key.per_by or ""))
        inner_cols: list[ColumnElement[Any]] = []
        row_words: dict[str, list[str]] = {}
        for indicator in indicators:
            condition, row_words[indicator.id] = self.row_condition(indicator)
            per = indicator.per
            assert per is not None
            inner_cols.extend(self.inner_columns(indicator.id, per, condition))
        inner = sa.select(key.label(KEY), by.label("group_key"), *inner_cols).select_from(
            self.from_clause()
        )
        where = self.where()
        if where is not None:
            inner = inner.where(where)
        groups = inner.group_by(key, by).subquery(f"{self.key.name}_groups")
        columns: list[ColumnElement[Any]] = []
        recipes: list[Recipe] = []
        descriptions: list[tuple[str, str]] = []
        for indicator in indicators:
            per = indicator.per
            assert per is not None
            value = groups.c[f"g__{indicator.id}"]
            condition = groups.c[f"gn__{indicator.id}"] > 0

            def resolve(path: tuple[str, ...], value: ColumnElement[Any] = value) -> Any:
                return value

            typed_measure = self.ctx.expression(indicator.id, "measure")
            measure = None
            if typed_measure is not None:
                measure = _hoist(typed_measure, resolve, self.ctx.params)
            share = self.ctx.expression(indicator.id, "share_where")
            share_sql = to_sql(share, resolve, self.ctx.params) if share else None
            parts = _aggregate_parts(
                indicator.id, indicator.aggregate, condition, measure, share_sql, money=False
            )
            columns.extend(parts.columns)
            recipes.append(parts.recipe)
            words = row_words[indicator.id]
            inner_words = f"{per.aggregate.value} per {per.by} as {per.name}"
            if share is not None:
                words.insert(0, f"numerator where {render(share.expr)}")
            text = self.describe(indicator, f"{parts.words} of groups ({inner_words})", words)
            descriptions.append((indicator.id, text))
        statement = sa.select(groups.c[KEY], *columns).group_by(groups.c[KEY])
        return CompiledGroup(self.key, statement, tuple(recipes), tuple(descriptions))

    def inner_columns(
        self, indicator_id: str, per: PerGroup, condition: ColumnElement[bool] | None
    ) -> list[ColumnElement[Any]]:
        """Per group: the inner aggregate ``g__i`` and the rows it saw ``gn__i``."""
        rows = sa.func.count(_when(condition, _one())).label(f"gn__{indicator_id}")
        typed = self.ctx.expression(indicator_id, "per.measure")
        measure = to_sql(typed, self.joins.column, self.ctx.params) if typed else None
        values = _when(condition, measure if measure is not None else _one())
        agg = per.aggregate
        inner: ColumnElement[Any]
        match agg:
            case Aggregation.COUNT:
                inner = sa.func.count(_when(condition, _one()))
            case Aggregation.COUNT_DISTINCT:
                inner = sa.func.count(sa.distinct(values))
            case Aggregation.SUM:
                inner = sa.func.sum(values)
            case Aggregation.MIN:
                inner = sa.func.min(values)
            case Aggregation.MAX:
                inner = sa.func.max(values)
            case Aggregation.AVG:
                inner = SafeDivide(sa.func.sum(values), sa.func.count(values))
            case Aggregation.SHARE:
                inner = SafeDivide(sa.func.count(values), sa.func.count(_when(condition, _one())))
            case _:
                assert_never(agg)
        return [inner.label(f"g__{indicator_id}"), rows]

    def describe(self, indicator: AggregateIndicator, what: str, words: list[str]) -> str:
        subject = f"per {self.key.link}"
        if self.key.team_by is TeamGrouping.MANAGER_TREE:
            subject = f"per team (manager tree) of {self.key.link}"
        elif self.key.team_by is TeamGrouping.TEAM_COLUMN:
            subject = f"per team (staff.team) of {self.key.link}"
        details = ", ".join([*words, subject])
        return f"Indicator '{indicator.id}': {what} over {self.key.entity}, {details}"


def _is_money(indicator: AggregateIndicator, measure: Measure | None) -> bool:
    if indicator.aggregate is Aggregation.SHARE:
        return False
    return measure is not None and measure.kind is ExprType.MONEY


def compile_aggregates(
    ctx: AggregateContext, indicators: Sequence[AggregateIndicator]
) -> tuple[CompiledGroup, ...]:
    """One grouped statement per entity + link + subject grouping (+ per group)."""
    groups: dict[GroupKey, list[AggregateIndicator]] = {}
    for indicator in indicators:
        groups.setdefault(group_key(indicator), []).append(indicator)
    return tuple(GroupCompiler(ctx, key).compile(members) for key, members in groups.items())
