"""Formula and attainment indicators over already measured (rounded) values.

Measured values travel between the frame's layers as exact integers of a
known scale (:class:`~appraisal.engine.exact.Fixed`: ``12.34`` is ``1234`` at
scale 2).  A formula of ``+ - × ÷``, numbers and indicator ids compiles to an
exact fraction ``numerator / denominator`` of such integers (``a/b + c`` is
``(a + c·b) / b``), divided once and rounded with one integer division
(:func:`~appraisal.engine.exact.round_div`), so no binary floating point and no
wide decimal ever touches it.  Any other formula (``if``, ``coalesce``,
``round``...) compiles with :func:`appraisal.expr.to_sql` over the values as
numbers, and its result is rounded by :class:`RoundQuotient`.

Declared meanings: an input that is not applicable makes the formula not
applicable (``on_empty: zero`` makes it 0).  A division by zero yields
``on_zero_denominator`` at the division itself and the formula goes on from
there: with ``zero``, ``1 - a / 0`` is ``1``; with ``not_applicable`` the whole
formula is not applicable.  (A formula using functions divides in SQL, where a
zero divisor gives NULL; the whole formula then takes ``on_zero_denominator``.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from appraisal.engine.exact import Fixed, Snap, case, round_div, round_to
from appraisal.engine.numeric import MoneyUnits, RoundQuotient
from appraisal.expr import TypedExpr, to_sql
from appraisal.expr.ast import Arith, ArithOp, Expr, Name, NumberLit, Unary, UnaryOp, references
from appraisal.expr.types import ExprType
from appraisal.spec.enums import Missing
from appraisal.spec.models import Rounding
from appraisal.store.types import MONEY_SCALE

Resolver = Callable[[tuple[str, ...]], Fixed]


@dataclass(frozen=True)
class Fraction:
    """An exact value as numerator / denominator; ``den`` None means 1."""

    num: Fixed
    den: Fixed | None


def _times(a: Fixed, b: Fixed | None) -> Fixed:
    return a if b is None else a * b


def _den_product(a: Fraction, b: Fraction) -> Fixed | None:
    if a.den is None:
        return b.den
    if b.den is None:
        return a.den
    return a.den * b.den


def _divide(a: Fraction, b: Fraction, zero_is_zero: bool) -> Fraction:
    """a/b = (a.num × b.den) / (a.den × b.num); with ``zero_is_zero`` a zero divisor
    makes this division 0/1, so the rest of the formula goes on from 0."""
    num, den = _times(a.num, b.den), _times(b.num, a.den)
    if not zero_is_zero:
        return Fraction(num, den)
    divisor_zero = b.num.eq(Fixed.const(0))
    return Fraction(
        case([(divisor_zero, Fixed.const(0))], num), case([(divisor_zero, Fixed.const(1))], den)
    )


def _arith(op: ArithOp, a: Fraction, b: Fraction, zero_is_zero: bool) -> Fraction:
    match op:
        case ArithOp.ADD:
            return Fraction(_times(a.num, b.den) + _times(b.num, a.den), _den_product(a, b))
        case ArithOp.SUB:
            return Fraction(_times(a.num, b.den) - _times(b.num, a.den), _den_product(a, b))
        case ArithOp.MUL:
            return Fraction(a.num * b.num, _den_product(a, b))
        case _:
            return _divide(a, b, zero_is_zero)


def rational(node: Expr, resolve: Resolver, zero_is_zero: bool = False) -> Fraction | None:
    """The formula as an exact fraction, or None when it uses more than arithmetic.

    ``zero_is_zero``: a division by zero counts as 0 where it stands.
    """
    match node:
        case NumberLit(value=value):
            return Fraction(Fixed.const(value), None)
        case Name(path=path):
            return Fraction(resolve(path), None)
        case Unary(op=UnaryOp.NEG, operand=operand):
            inner = rational(operand, resolve, zero_is_zero)
            return None if inner is None else Fraction(-inner.num, inner.den)
        case Arith(op=op, left=left, right=right):
            a, b = rational(left, resolve, zero_is_zero), rational(right, resolve, zero_is_zero)
            if a is None or b is None:
                return None
            return _arith(op, a, b, zero_is_zero)
        case _:
            return None


def missing(value: Missing) -> Fixed:
    """A declared meaning as a value: zero, or not applicable (NULL)."""
    return Fixed.const(0) if value is Missing.ZERO else Fixed.null()


def as_number(value: Fixed, kind: ExprType) -> ColumnElement[Any]:
    """A value as the number SQL expressions expect (money: cents on SQLite)."""
    if kind is ExprType.MONEY:
        return value.money()
    return value.number()


def from_number(value: ColumnElement[Any], places: int, money: bool) -> Fixed:
    """A number already rounded to ``places`` as an exact integer (money: cents on SQLite)."""
    if money:
        scale = max(places, MONEY_SCALE)
        return Fixed(MoneyUnits(value, scale), scale)
    return Fixed(Snap(value, places), places)


def formula_value(
    typed: TypedExpr,
    resolve: Resolver,
    kinds: Mapping[str, ExprType],
    rounding: Rounding,
    on_empty: Missing,
    on_zero: Missing,
) -> Fixed:
    """The rounded value of a formula with its declared empty and zero meanings.

    ``kinds`` gives the type of each indicator the formula may name (money is
    handed to general expressions in the store's convention).
    """
    inputs = sorted(references(typed.expr))
    arms: list[tuple[ColumnElement[bool], Fixed]] = []
    if inputs:
        arms.append((sa.or_(*(resolve(path).is_null() for path in inputs)), missing(on_empty)))
    fraction = rational(typed.expr, resolve, zero_is_zero=on_zero is Missing.ZERO)
    if fraction is None:
        money = typed.type is ExprType.MONEY

        def numbers(path: tuple[str, ...]) -> ColumnElement[Any]:
            return as_number(resolve(path), kinds.get(path[0], ExprType.NUMBER))

        value = to_sql(typed, numbers)
        arms.append((value.is_(None), missing(on_zero)))
        kind = typed.type if typed.type in (ExprType.INTEGER, ExprType.MONEY) else ExprType.NUMBER
        rounded = RoundQuotient(value, None, rounding.places, rounding.mode, kind, in_cents=money)
        return case(arms, from_number(rounded, rounding.places, money))
    if fraction.den is None:
        result = round_to(fraction.num, rounding.places, rounding.mode)
    else:
        arms.append((fraction.den.eq(Fixed.const(0)), missing(on_zero)))
        result = round_div(fraction.num, fraction.den, rounding.places, rounding.mode)
    return case(arms, result) if arms else result


def attainment_value(
    actual: Fixed,
    target: Fixed,
    rounding: Rounding,
    on_empty: Missing,
    on_zero: Missing,
) -> Fixed:
    """actual / target, rounded; no actual or no target: empty; a zero target: zero meaning."""
    ratio = round_div(actual, target, rounding.places, rounding.mode)
    return case(
        [
            (sa.or_(actual.is_null(), target.is_null()), missing(on_empty)),
            (target.eq(Fixed.const(0)), missing(on_zero)),
        ],
        ratio,
    )


def value_resolver(columns: Mapping[str, Fixed]) -> Resolver:
    """Resolve indicator ids to frame values."""

    def resolve(path: tuple[str, ...]) -> Fixed:
        return columns[path[0]]

    return resolve
