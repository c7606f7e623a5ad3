"""How many decimal places an expression's values can have, known before running it.

An aggregate of a measure is turned into an exact integer (a count of
``10^-places``) before it is divided and rounded.  That is only exact when no
value of the measure has more places than counted, so the places are derived
from the expression: a money column has 2, an integer column 0, a literal its
own, ``a + b`` the larger of the two, ``a × b`` their sum.  Anything else
(division, ``round``, unknown column types) gives ``None``: the value is then
rounded the general way (:class:`~appraisal.engine.numeric.RoundQuotient`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from appraisal.engine.frame_types import FrameMoney
from appraisal.expr.ast import Arith, ArithOp, Call, Expr, Func, Name, NumberLit, Unary, UnaryOp
from appraisal.expr.sqltypes import ExprInteger, ExprMoney, ExprNumber
from appraisal.spec.fields import decimal_places
from appraisal.store.types import MONEY_SCALE, Money

Places = int | None


def type_places(kind: sa.types.TypeEngine[Any]) -> Places:
    """Places of a column type: money 2 (a frame's money its own), integers 0, a decimal
    its scale; else unknown.

    The types of computed values (``ExprNumber``, ``ExprMoney``) say nothing of
    their places: unknown.
    """
    if isinstance(kind, Money):
        return MONEY_SCALE
    if isinstance(kind, FrameMoney):
        return kind.places
    if isinstance(kind, ExprInteger):
        return 0
    if isinstance(kind, ExprNumber | ExprMoney):
        return None
    impl = kind.impl_instance if isinstance(kind, sa.types.TypeDecorator) else kind
    if isinstance(impl, sa.Integer):
        return 0
    if isinstance(impl, sa.Numeric) and not isinstance(impl, sa.Float):
        return impl.scale
    return None


def column_places(
    resolve: Callable[[tuple[str, ...]], ColumnElement[Any]],
) -> Callable[[tuple[str, ...]], Places]:
    """A names → places function from a names → columns resolver."""

    def places(path: tuple[str, ...]) -> Places:
        return type_places(resolve(path).type)

    return places


def _largest(values: Iterable[Places]) -> Places:
    found = list(values)
    if not found or any(v is None for v in found):
        return None
    return max(v for v in found if v is not None)


_SAME = (Func.COALESCE, Func.ABS, Func.LEAST, Func.GREATEST)


def expression_places(node: Expr, names: Callable[[tuple[str, ...]], Places]) -> Places:
    """The most decimal places a value of ``node`` can have, or None when not known."""
    match node:
        case NumberLit(value=value):
            return decimal_places(value)
        case Name(path=path):
            return names(path)
        case Unary(op=UnaryOp.NEG, operand=operand):
            return expression_places(operand, names)
        case Arith(op=ArithOp.ADD | ArithOp.SUB, left=left, right=right):
            return _largest((expression_places(left, names), expression_places(right, names)))
        case Arith(op=ArithOp.MUL, left=left, right=right):
            a, b = expression_places(left, names), expression_places(right, names)
            return None if a is None or b is None else a + b
        case Call(func=func, args=args) if func in _SAME:
            return _largest(expression_places(a, names) for a in args)
        case Call(func=Func.NULLIF, args=args):
            return expression_places(args[0], names)
        case Call(func=Func.IF, args=args):
            return _largest(expression_places(a, names) for a in args[1:])
        case Call(func=Func.DAYS_BETWEEN):
            return 0
        case _:
            return None
