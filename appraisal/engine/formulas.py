"""Formula and attainment indicators over already measured (rounded) values.

A formula of ``+ - × ÷``, numbers and indicator ids compiles to an exact
fraction ``numerator / denominator`` of SQL expressions (``a/b + c`` is
``(a + c·b) / b``), divided once and rounded by :class:`RoundQuotient`, so no
binary floating point ever touches it.  Any other formula (``if``,
``coalesce``, ``round``...) compiles with :func:`appraisal.expr.to_sql` and its
result is rounded the same way.

Declared meanings: an input that is not applicable makes the formula not
applicable (``on_empty: zero`` makes it 0); a division by zero anywhere gives
``on_zero_denominator``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from appraisal.engine.numeric import RoundQuotient
from appraisal.expr import TypedExpr, to_sql
from appraisal.expr.ast import Arith, ArithOp, Expr, Name, NumberLit, Unary, UnaryOp, references
from appraisal.expr.sql import sql_type
from appraisal.expr.sqlfuncs import Multiply
from appraisal.expr.types import ExprType
from appraisal.spec.enums import Missing
from appraisal.spec.models import Rounding

Resolver = Callable[[tuple[str, ...]], ColumnElement[Any]]


@dataclass(frozen=True)
class Fraction:
    """An exact value as numerator / denominator; ``den`` None means 1."""

    num: ColumnElement[Any]
    den: ColumnElement[Any] | None
    kind: ExprType
    den_kind: ExprType = ExprType.INTEGER


def _kind(a: ExprType, b: ExprType) -> ExprType:
    return ExprType.INTEGER if a is b is ExprType.INTEGER else ExprType.NUMBER


def _mul(a: ColumnElement[Any], b: ColumnElement[Any], kind: ExprType) -> ColumnElement[Any]:
    return a * b if kind is ExprType.INTEGER else Multiply(a, b)


def _times(x: Fraction, den: ColumnElement[Any] | None, den_kind: ExprType) -> ColumnElement[Any]:
    """``x.num × den`` (just ``x.num`` when ``den`` is 1)."""
    if den is None:
        return x.num
    return _mul(x.num, den, _kind(x.kind, den_kind))


def _den_product(a: Fraction, b: Fraction) -> tuple[ColumnElement[Any] | None, ExprType]:
    if a.den is None:
        return b.den, b.den_kind
    if b.den is None:
        return a.den, a.den_kind
    kind = _kind(a.den_kind, b.den_kind)
    return _mul(a.den, b.den, kind), kind


def _arith(op: ArithOp, a: Fraction, b: Fraction) -> Fraction:
    if op is ArithOp.ADD or op is ArithOp.SUB:
        left = _times(a, b.den, b.den_kind)
        right = _times(b, a.den, a.den_kind)
        den, den_kind = _den_product(a, b)
        num = left + right if op is ArithOp.ADD else left - right
        kind = _kind(_kind(a.kind, b.den_kind), _kind(b.kind, a.den_kind))
        return Fraction(num, den, kind, den_kind)
    if op is ArithOp.MUL:
        den, den_kind = _den_product(a, b)
        kind = _kind(a.kind, b.kind)
        return Fraction(_mul(a.num, b.num, kind), den, kind, den_kind)
    # a/b = (a.num × b.den) / (a.den × b.num)
    num = _times(a, b.den, b.den_kind)
    num_kind = a.kind if b.den is None else _kind(a.kind, b.den_kind)
    if a.den is None:
        return Fraction(num, b.num, num_kind, b.kind)
    den_kind = _kind(a.den_kind, b.kind)
    return Fraction(num, _mul(a.den, b.num, den_kind), num_kind, den_kind)


def _value_kind(kind: ExprType | None) -> ExprType:
    return kind if kind in (ExprType.INTEGER, ExprType.MONEY) else ExprType.NUMBER


def rational(node: Expr, resolve: Resolver) -> Fraction | None:
    """The formula as an exact fraction, or None when it uses more than arithmetic."""
    match node:
        case NumberLit(value=value):
            kind = _value_kind(node.type)
            integral = value == value.to_integral_value() and kind is not ExprType.MONEY
            bound = sa.bindparam(None, value, type_=sql_type(node.type), unique=True)
            return Fraction(bound, None, ExprType.INTEGER if integral else kind)
        case Name(path=path):
            return Fraction(resolve(path), None, _value_kind(node.type))
        case Unary(op=UnaryOp.NEG, operand=operand):
            inner = rational(operand, resolve)
            if inner is None:
                return None
            return Fraction(-inner.num, inner.den, inner.kind, inner.den_kind)
        case Arith(op=op, left=left, right=right):
            a, b = rational(left, resolve), rational(right, resolve)
            if a is None or b is None:
                return None
            return _arith(op, a, b)
        case _:
            return None


def _missing(value: Missing) -> ColumnElement[Any]:
    return sa.literal_column("0") if value is Missing.ZERO else sa.null()


def formula_value(
    typed: TypedExpr,
    resolve: Resolver,
    rounding: Rounding,
    on_empty: Missing,
    on_zero: Missing,
) -> ColumnElement[Any]:
    """The rounded value of a formula with its declared empty and zero meanings."""
    in_cents = typed.type is ExprType.MONEY
    inputs = sorted(references(typed.expr))
    any_missing = sa.or_(*(resolve(path).is_(None) for path in inputs)) if inputs else None
    fraction = rational(typed.expr, resolve)
    arms: list[tuple[ColumnElement[bool], ColumnElement[Any]]] = []
    if any_missing is not None:
        arms.append((any_missing, _missing(on_empty)))
    if fraction is None:
        value = to_sql(typed, resolve)
        arms.append((value.is_(None), _missing(on_zero)))
        kind = _value_kind(typed.type)
        rounded = RoundQuotient(
            value, None, rounding.places, rounding.mode, kind, in_cents=in_cents
        )
    else:
        if fraction.den is not None:
            arms.append((fraction.den == 0, _missing(on_zero)))
        rounded = RoundQuotient(
            fraction.num,
            fraction.den,
            rounding.places,
            rounding.mode,
            fraction.kind,
            fraction.den_kind,
            in_cents=in_cents,
        )
    return sa.case(*arms, else_=rounded) if arms else rounded


def attainment_value(
    actual: ColumnElement[Any],
    target: ColumnElement[Any],
    kind: ExprType,
    rounding: Rounding,
    on_empty: Missing,
    on_zero: Missing,
) -> ColumnElement[Any]:
    """actual / target, rounded; no actual or no target: empty; a zero target: zero meaning."""
    ratio = RoundQuotient(actual, target, rounding.places, rounding.mode, kind, kind)
    return sa.case(
        (sa.or_(actual.is_(None), target.is_(None)), _missing(on_empty)),
        (target == 0, _missing(on_zero)),
        else_=ratio,
    )


def value_resolver(columns: Mapping[str, ColumnElement[Any]]) -> Resolver:
    """Resolve indicator ids to frame columns."""

    def resolve(path: tuple[str, ...]) -> ColumnElement[Any]:
        return columns[path[0]]

    return resolve
