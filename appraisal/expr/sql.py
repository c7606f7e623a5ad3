"""Compile checked expressions to SQLAlchemy Core.

The caller resolves names to column expressions (it knows the FROM clause and
the joins); everything else is built here from the typed tree.  Literals become
bound parameters, never SQL text.  Constructs whose spelling differs between
backends live in :mod:`appraisal.expr.sqlfuncs`.

Money on SQLite: every money value inside SQL is an integer number of cents,
as the store keeps it.  Money literals therefore bind through
:class:`~appraisal.expr.sqltypes.ExprMoney` (1000 binds as 100000), money
sums, differences, comparisons and money/money ratios work on cents unchanged,
``round(money, n)`` rounds the amount rather than the cents, and results typed
money are converted back to amounts when fetched.  ``resolve`` must therefore
hand money names over in the same convention (a ``Money`` column, or a sum of
one, already is).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, assert_never

import sqlalchemy as sa
from sqlalchemy.sql.elements import BinaryExpression, ColumnElement, Grouping, UnaryExpression

from appraisal.expr import sqlfuncs as f
from appraisal.expr.ast import (
    Arith,
    ArithOp,
    Between,
    BoolLit,
    BoolOp,
    Call,
    Case,
    CmpOp,
    Compare,
    DateLit,
    Expr,
    Func,
    InList,
    InstantLit,
    IsNull,
    Logic,
    Name,
    NullLit,
    NumberLit,
    StringLit,
    Unary,
    UnaryOp,
)
from appraisal.expr.checker import TypedExpr
from appraisal.expr.functions import date_unit, round_digits
from appraisal.expr.params import ExprParams
from appraisal.expr.sqltypes import ExprInteger, ExprMoney, ExprNumber
from appraisal.expr.types import PERIOD_END, PERIOD_START, ExprType
from appraisal.store.types import UtcDateTime

Resolver = Callable[[tuple[str, ...]], ColumnElement[Any]]
"""Maps a name's path to the column expression it stands for."""

PERIOD_PARAMETERS = {
    (PERIOD_START, ExprType.DATE): "period_start",
    (PERIOD_END, ExprType.DATE): "period_end",
    (PERIOD_START, ExprType.INSTANT): "period_start_at",
    (PERIOD_END, ExprType.INSTANT): "period_end_at",
}
"""Names of the bound parameters used for the period when ExprParams has none."""


def sql_type(kind: ExprType | None) -> sa.types.TypeEngine[Any]:
    """The SQLAlchemy type a value of this expression type is carried in."""
    match kind:
        case ExprType.NUMBER:
            return ExprNumber()
        case ExprType.INTEGER:
            return ExprInteger()
        case ExprType.MONEY:
            return ExprMoney()
        case ExprType.DATE:
            return sa.Date()
        case ExprType.INSTANT:
            return UtcDateTime()
        case ExprType.TEXT:
            return sa.String()
        case ExprType.BOOLEAN:
            return sa.Boolean()
        case ExprType.NULL | None:
            return sa.types.NullType()
        case _:
            assert_never(kind)


def to_sql(
    typed: TypedExpr, resolve: Resolver, params: ExprParams | None = None
) -> ColumnElement[Any]:
    """The SQLAlchemy expression for a checked expression, typed for result processing."""
    return _Compiler(resolve, params or ExprParams()).compile(typed.expr)


def _compare(op: CmpOp, a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[bool]:
    if op is CmpOp.EQ:
        return a == b
    if op is CmpOp.NE:
        return a != b
    if op is CmpOp.LT:
        return a < b
    if op is CmpOp.LE:
        return a <= b
    if op is CmpOp.GT:
        return a > b
    if op is CmpOp.GE:
        return a >= b
    assert_never(op)


class _Compiler:
    def __init__(self, resolve: Resolver, params: ExprParams) -> None:
        self.resolve = resolve
        self.params = params

    def compile(self, node: Expr) -> ColumnElement[Any]:
        """Compile a node and give it its SQL type, keeping operator precedence intact.

        Conditions keep SQLAlchemy's own Boolean type (wrapping them would hide
        their precedence from ``not``); arithmetic is typed and parenthesised.
        """
        element = self._compile(node)
        if node.type is ExprType.BOOLEAN and isinstance(
            node, Compare | Logic | InList | Between | IsNull | Unary
        ):
            return element
        coerced = sa.type_coerce(element, sql_type(node.type))
        compound = isinstance(element, BinaryExpression | UnaryExpression)
        return Grouping(coerced) if compound else coerced

    def _compile(self, node: Expr) -> ColumnElement[Any]:  # noqa: C901 - one arm per node
        match node:
            case NumberLit(value=value):
                return self.bind(value, node.type)
            case StringLit(value=value) | BoolLit(value=value):
                return self.bind(value, node.type)
            case DateLit(value=value):
                return self.date_value(value, node.type)
            case InstantLit(value=value):
                return self.bind(value, ExprType.INSTANT)
            case NullLit():
                kind = node.type
                null = sa.null()
                return null if kind in (None, ExprType.NULL) else sa.cast(null, sql_type(kind))
            case Name():
                return self.name(node)
            case Unary(op=op, operand=operand):
                inner = self.compile(operand)
                return sa.not_(inner) if op is UnaryOp.NOT else -inner
            case Arith():
                return self.arith(node)
            case Logic(op=op, left=left, right=right):
                parts = (self.compile(left), self.compile(right))
                return sa.and_(*parts) if op is BoolOp.AND else sa.or_(*parts)
            case Compare(op=op, left=left, right=right):
                return _compare(op, self.compile(left), self.compile(right))
            case InList(operand=operand, items=items, negated=negated):
                column = self.compile(operand)
                values = [self.compile(item) for item in items]
                return column.not_in(values) if negated else column.in_(values)
            case Between(operand=operand, low=low, high=high, negated=negated):
                test = self.compile(operand).between(self.compile(low), self.compile(high))
                return sa.not_(test) if negated else test
            case IsNull(operand=operand, negated=negated):
                column = self.compile(operand)
                return column.is_not(None) if negated else column.is_(None)
            case Call():
                return self.call(node)
            case Case(whens=whens, default=default):
                arms = [(self.compile(w.condition), self.compile(w.value)) for w in whens]
                otherwise = self.compile(default) if default is not None else None
                return sa.case(*arms, else_=otherwise)

    def bind(self, value: object, kind: ExprType | None) -> ColumnElement[Any]:
        """A literal as an anonymous bound parameter of the node's SQL type."""
        return sa.bindparam(None, value, type_=sql_type(kind), unique=True)

    def date_value(self, day: date, kind: ExprType | None) -> ColumnElement[Any]:
        """A date, or the instant it starts at when compared with instants."""
        if kind is ExprType.INSTANT:
            return self.bind(self.params.instant(day), kind)
        return self.bind(day, ExprType.DATE)

    def name(self, node: Name) -> ColumnElement[Any]:
        if node.path in ((PERIOD_START,), (PERIOD_END,)):
            return self.period_bound(node.path[0], node.type or ExprType.DATE)
        return self.resolve(node.path)

    def period_bound(self, which: str, kind: ExprType) -> ColumnElement[Any]:
        period = self.params.period
        if period is None:
            placeholder = PERIOD_PARAMETERS[(which, kind)]
            return sa.bindparam(placeholder, type_=sql_type(kind))
        return self.date_value(period.end if which == PERIOD_END else period.start, kind)

    def arith(self, node: Arith) -> ColumnElement[Any]:
        left, right = self.compile(node.left), self.compile(node.right)
        op = node.op
        if op is ArithOp.ADD:
            return left + right
        if op is ArithOp.SUB:
            return left - right
        if op is ArithOp.MUL:
            return left * right if node.type is ExprType.INTEGER else f.Multiply(left, right)
        if op is ArithOp.DIV:
            return f.SafeDivide(left, right)
        assert_never(op)

    def call(self, node: Call) -> ColumnElement[Any]:  # noqa: C901 - one arm per function
        func = node.func
        args = [self.compile(arg) for arg in node.args]
        if func is Func.COALESCE:
            return sa.func.coalesce(*args)
        if func is Func.IF:
            return sa.case((args[0], args[1]), else_=args[2])
        if func is Func.ABS:
            return sa.func.abs(args[0])
        if func is Func.ROUND:
            digits: ColumnElement[Any] = sa.literal_column(
                str(round_digits(node))
            )  # a checked small integer
            money = node.args[0].type is ExprType.MONEY
            return (f.RoundCents if money else f.RoundTo)(args[0], digits)
        if func is Func.LEAST:
            return f.Least(*args)
        if func is Func.GREATEST:
            return f.Greatest(*args)
        if func is Func.NULLIF:
            return sa.func.nullif(args[0], args[1])
        if func is Func.DAYS_BETWEEN:
            return f.DaysBetween(*args)
        if func is Func.HOURS_BETWEEN:
            return f.HoursBetween(*args)
        if func is Func.DATE_ADD:
            return self.date_add(node, args)
        if func is Func.YEAR:
            return f.YearOf(args[0])
        if func is Func.MONTH:
            return f.MonthOf(args[0])
        if func is Func.QUARTER:
            return f.QuarterOf(args[0])
        if func is Func.LOWER:
            return sa.func.lower(args[0])
        if func is Func.UPPER:
            return sa.func.upper(args[0])
        if func is Func.LENGTH:
            return f.TextLength(args[0])
        if func is Func.IN_PERIOD:
            return self.in_period(node, args[0])
        assert_never(func)

    def date_add(self, node: Call, args: list[ColumnElement[Any]]) -> ColumnElement[Any]:
        unit = date_unit(node)
        if unit == "day":
            return f.AddDays(args[0], args[1])
        count = args[1] * 12 if unit == "year" else args[1]
        return f.AddMonths(args[0], count)

    def in_period(self, node: Call, value: ColumnElement[Any]) -> ColumnElement[Any]:
        kind = ExprType.INSTANT if node.args[0].type is ExprType.INSTANT else ExprType.DATE
        start = self.period_bound(PERIOD_START, kind)
        end = self.period_bound(PERIOD_END, kind)
        return sa.and_(value >= start, value < end)
