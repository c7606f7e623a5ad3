"""One numeric policy for every backend: exact quotients, rounded once, by the declared mode.

Every indicator value is ``numerator / denominator`` rounded to the indicator's
places with its rounding mode (a plain value is ``value / 1``).  The division
and the rounding are done together in integer arithmetic, so a value exactly
on a tie (0.125, 2.675, 1/32) rounds as :mod:`decimal` would, on every backend:

* PostgreSQL: ``NUMERIC`` is exact; the quotient is ``div(|n| × 10^p, |d|)``
  and the remainder decides the last digit.
* DuckDB: both sides become ``HUGEINT`` after scaling by 10^10 (``DECIMAL(38,10)``
  first, which also snaps a ``DOUBLE`` — the result of DuckDB's own division —
  to ten places).  HUGEINT division is slow in DuckDB, so the quotient comes
  from DOUBLE division and is then corrected with exact HUGEINT products
  (valid while the rounded value is below 10^15 units of its last place).
* SQLite: integers (counts, money in cents) are used as they are; other values
  are snapped to 10^-6 (ten thousandths of a cent for money) and made integers.

So aggregates of exact inputs (counts, money, decimal columns) and formulas of
``+ - × ÷`` over rounded indicator values are exact; a value that passed
through a backend's binary floating point (a measure such as
``hours_between(...)``) is exact up to that snap.  Money on SQLite stays in
cents: its places are the declared places minus two.
"""

from __future__ import annotations

from typing import Any, assert_never

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from appraisal.engine.exact import Snap
from appraisal.expr.types import ExprType
from appraisal.spec.enums import RoundingMode
from appraisal.store.types import MONEY_SCALE

DUCKDB_SCALE = 10
"""Decimal places DuckDB keeps of a non-integer value before the exact quotient."""

SQLITE_SCALE = {ExprType.INTEGER: 0, ExprType.MONEY: 4, ExprType.NUMBER: 6}
"""Decimal places SQLite keeps of a value of each type (money counted in cents)."""


class RoundQuotient(FunctionElement[Any]):
    """``round(numerator / denominator, places, mode)``; NULL when either is NULL.

    The caller handles a zero denominator (it has a declared meaning); here a
    zero denominator yields NULL (``NULLIF``: DuckDB evaluates every CASE arm).
    ``kind`` and ``denominator_kind`` are the operands' expression types (they
    decide how each side becomes an integer); ``in_cents`` says the result is
    money, which SQLite keeps in cents.
    """

    name = "round_quotient"
    inherit_cache = False

    def __init__(
        self,
        numerator: ColumnElement[Any],
        denominator: ColumnElement[Any] | None,
        places: int,
        mode: RoundingMode,
        kind: ExprType,
        denominator_kind: ExprType = ExprType.INTEGER,
        in_cents: bool = False,
    ) -> None:
        one: ColumnElement[Any] = sa.literal_column("1")
        super().__init__(numerator, denominator if denominator is not None else one)
        self.places = places
        self.mode = mode
        self.kind = kind
        self.denominator_kind = denominator_kind
        self.in_cents = in_cents


def _increment(mode: RoundingMode, q: str, r: str, b: str, negative: str, odd: str) -> str:
    """SQL condition: the truncated quotient ``q`` (of |a| by |b|) must go one up.

    ``odd`` tests the parity of ``q`` as ``q <> 2 * (q div 2)`` (no ``%``, which
    PostgreSQL's driver would take for a placeholder).
    """
    match mode:
        case RoundingMode.HALF_UP:
            return f"2 * {r} >= {b}"
        case RoundingMode.HALF_EVEN:
            return f"(2 * {r} > {b} OR (2 * {r} = {b} AND {odd}))"
        case RoundingMode.HALF_DOWN:
            return f"2 * {r} > {b}"
        case RoundingMode.UP:
            return f"{r} > 0"
        case RoundingMode.DOWN:
            return "1 = 0"
        case RoundingMode.CEILING:
            return f"({r} > 0 AND NOT {negative})"
        case RoundingMode.FLOOR:
            return f"({r} > 0 AND {negative})"
        case _:
            assert_never(mode)


def _render(
    element: RoundQuotient,
    n: str,
    d: str,
    places: int,
    idiv: str,
    scale_result: str,
) -> str:
    """The integer rounding of ``n / d`` (both integer-valued SQL) to ``places``.

    ``idiv`` formats an integer division of two non-negative operands;
    ``scale_result`` turns the signed integer result into the value.
    """
    negative = f"(({n}) < 0) <> (({d}) < 0)"
    shift = 10 ** max(places, 0)
    widen = 10 ** max(-places, 0)
    a = f"(ABS({n}) * {shift})"
    b = f"NULLIF(ABS({d}) * {widen}, 0)"
    q = idiv.format(a=a, b=b)
    r = f"({a} - {q} * {b})"
    odd = f"{q} <> 2 * {idiv.format(a=q, b='2')}"
    up = _increment(element.mode, q, r, b, negative, odd)
    magnitude = f"({q} + CASE WHEN {up} THEN 1 ELSE 0 END)"
    signed = f"({magnitude} * CASE WHEN {negative} THEN -1 ELSE 1 END)"
    return scale_result.format(x=signed)


def _places(element: RoundQuotient, in_cents: bool) -> int:
    return element.places - MONEY_SCALE if in_cents else element.places


@compiles(RoundQuotient)
def _round_pg(element: RoundQuotient, compiler: SQLCompiler, **kw: Any) -> str:
    n, d = (f"CAST({compiler.process(c, **kw)} AS NUMERIC)" for c in element.clauses)
    places = element.places
    result = "{x}" if places == 0 else f"({{x}} * CAST(1e-{places} AS NUMERIC))"
    return _render(element, n, d, places, "div({a}, {b})", result)


def _duckdb_magnitude(mode: RoundingMode, a: str, b: str, negative: str) -> str:
    """|a / b| rounded to an integer, exactly, without HUGEINT division (slow in DuckDB).

    A candidate comes from DOUBLE division (off by at most one below 10^15) and
    is corrected with exact HUGEINT products: ``c`` is the half-up rounding,
    ``f`` the floor; ties (``2a = (2c - 1) b``) and exactness (``f b = a``) are
    then decided exactly.
    """
    t = f"(CAST({a} AS DOUBLE) / CAST({b} AS DOUBLE))"
    if mode in (RoundingMode.HALF_UP, RoundingMode.HALF_EVEN, RoundingMode.HALF_DOWN):
        c0 = f"CAST(FLOOR({t} + 0.5) AS HUGEINT)"
        c = (
            f"({c0} - CASE WHEN 2 * {a} < (2 * {c0} - 1) * {b} THEN 1 ELSE 0 END"
            f" + CASE WHEN 2 * {a} >= (2 * {c0} + 1) * {b} THEN 1 ELSE 0 END)"
        )
        if mode is RoundingMode.HALF_UP:
            return c
        tie = f"2 * {a} = (2 * {c} - 1) * {b}"
        if mode is RoundingMode.HALF_DOWN:
            return f"({c} - CASE WHEN {tie} THEN 1 ELSE 0 END)"
        odd = f"CAST({c} AS DOUBLE) / 2 <> FLOOR(CAST({c} AS DOUBLE) / 2)"
        return f"({c} - CASE WHEN {tie} AND {odd} THEN 1 ELSE 0 END)"
    f0 = f"CAST(FLOOR({t}) AS HUGEINT)"
    f = (
        f"({f0} - CASE WHEN {f0} * {b} > {a} THEN 1 ELSE 0 END"
        f" + CASE WHEN ({f0} + 1) * {b} <= {a} THEN 1 ELSE 0 END)"
    )
    inexact = f"CASE WHEN {f} * {b} <> {a} THEN 1 ELSE 0 END"
    match mode:
        case RoundingMode.DOWN:
            return f
        case RoundingMode.UP:
            return f"({f} + {inexact})"
        case RoundingMode.CEILING:
            return f"({f} + CASE WHEN {negative} THEN 0 ELSE {inexact} END)"
        case RoundingMode.FLOOR:
            return f"({f} + CASE WHEN {negative} THEN {inexact} ELSE 0 END)"
        case _:  # pragma: no cover - the half modes returned above
            raise AssertionError(mode)


@compiles(RoundQuotient, "duckdb")
def _round_duckdb(element: RoundQuotient, compiler: SQLCompiler, **kw: Any) -> str:
    raw_n, raw_d = (compiler.process(c, **kw) for c in element.clauses)
    integral = element.kind is ExprType.INTEGER and element.denominator_kind is ExprType.INTEGER
    if integral:
        n, d = f"CAST({raw_n} AS HUGEINT)", f"CAST({raw_d} AS HUGEINT)"
    else:
        factor = 10**DUCKDB_SCALE
        n = f"CAST(CAST({raw_n} AS DECIMAL(38, {DUCKDB_SCALE})) * {factor} AS HUGEINT)"
        d = f"CAST(CAST({raw_d} AS DECIMAL(38, {DUCKDB_SCALE})) * {factor} AS HUGEINT)"
    places = element.places
    negative = f"(({n}) < 0) <> (({d}) < 0)"
    a = f"(ABS({n}) * {10**places})"
    b = f"NULLIF(ABS({d}), 0)"
    magnitude = _duckdb_magnitude(element.mode, a, b, negative)
    signed = f"({magnitude} * CASE WHEN {negative} THEN -1 ELSE 1 END)"
    if places == 0:
        return f"CAST({signed} AS DECIMAL(38, 0))"
    return f"(CAST({signed} AS DECIMAL(38, 0)) * CAST(1e-{places} AS DECIMAL(38, {places})))"


def _sqlite_integer(value: str, kind: ExprType) -> tuple[str, int]:
    scale = SQLITE_SCALE[kind if kind in SQLITE_SCALE else ExprType.NUMBER]
    if scale == 0:
        return f"CAST({value} AS INTEGER)", 0
    return f"CAST(ROUND(({value}) * {10**scale}) AS INTEGER)", scale


@compiles(RoundQuotient, "sqlite")
def _round_sqlite(element: RoundQuotient, compiler: SQLCompiler, **kw: Any) -> str:
    raw_n, raw_d = (compiler.process(c, **kw) for c in element.clauses)
    n, n_scale = _sqlite_integer(raw_n, element.kind)
    d, d_scale = _sqlite_integer(raw_d, element.denominator_kind)
    out = _places(element, element.in_cents)
    if out > 0:
        result = f"({{x}} / {10**out}.0)"
    elif out == 0:
        result = "{x}"
    else:
        result = f"({{x}} * {10**-out})"
    # n / d = (n_int / d_int) * 10^(d_scale - n_scale): shift the places by the gap.
    shift = out + d_scale - n_scale
    return _render(element, n, d, shift, "({a} / {b})", result)


class SecondsBetween(FunctionElement[Any]):
    """Whole seconds from one instant to another (fractions of a second dropped).

    ``hours_between(a, b)`` is this divided by 3600; keeping the seconds as the
    exact numerator lets an average of hours be rounded exactly.
    """

    name = "seconds_between"
    inherit_cache = True


@compiles(SecondsBetween)
def _seconds_pg(element: SecondsBetween, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    seconds = f"EXTRACT(EPOCH FROM (date_trunc('second', {b}) - date_trunc('second', {a})))"
    return f"CAST({seconds} AS BIGINT)"


@compiles(SecondsBetween, "duckdb")
def _seconds_duckdb(element: SecondsBetween, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"date_diff('second', {a}, {b})"


@compiles(SecondsBetween, "sqlite")
def _seconds_sqlite(element: SecondsBetween, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST(strftime('%s', {b}) AS INTEGER) - CAST(strftime('%s', {a}) AS INTEGER))"


class MoneyAmount(FunctionElement[Any]):
    """A money amount in the store's convention: ``x × 100`` (cents) on SQLite.

    For amounts read from a plain decimal column, e.g. ``targets.value``.
    """

    name = "money_amount"
    inherit_cache = True


@compiles(MoneyAmount)
def _money_amount(element: MoneyAmount, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = (compiler.process(c, **kw) for c in element.clauses)
    return x


@compiles(MoneyAmount, "sqlite")
def _money_amount_sqlite(element: MoneyAmount, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"({x} * {10**MONEY_SCALE})"


class MoneyUnits(FunctionElement[Any]):
    """A money value in the store's convention as an integer count of ``10^-places``.

    Money is integer cents on SQLite and a decimal elsewhere; either way the
    result is the exact integer (``places`` ≥ 2, and the value has no more
    places than that).  It is an :class:`~appraisal.engine.exact.Snap` of the
    amount, or of the cents on SQLite.
    """

    name = "money_units"
    inherit_cache = False
    type = sa.BigInteger()

    def __init__(self, value: ColumnElement[Any], places: int) -> None:
        if places < MONEY_SCALE:
            raise ValueError("money units have at least two places")
        super().__init__(value)
        self.places = places


@compiles(MoneyUnits)
def _money_units(element: MoneyUnits, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = element.clauses.clauses
    return compiler.process(Snap(value, element.places), **kw)


@compiles(MoneyUnits, "sqlite")
def _money_units_sqlite(element: MoneyUnits, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = element.clauses.clauses
    return compiler.process(Snap(value, element.places - MONEY_SCALE), **kw)
