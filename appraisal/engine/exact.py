"""Exact decimal arithmetic in SQL: integers with a scale known when compiling.

Scores, tiers, incentives and segments are computed inside the database, and
must come out the same on DuckDB, SQLite and PostgreSQL as exact ``Decimal``
arithmetic followed by the declared rounding.  DuckDB turns a DECIMAL quotient
into DOUBLE and SQLite has nothing but REAL, so every number is carried as an
integer count of ``10^-scale`` (a :class:`Fixed`), where the scale is decided
here, in Python, from the rule set:

* ``+ - ×`` are integer operations (scales add up under ``×``);
* a quotient is never computed on its own: :func:`round_div` rounds
  ``n / d`` to the declared places with one integer division of non-negative
  integers (``floor((2a + b) / 2b)`` rounds half up), so a value exactly on a
  tie (84.5, 0.125) rounds as ``decimal`` does;
* comparisons are integer comparisons after aligning scales, so a value exactly
  on a band or tier boundary falls on the documented side;
* arithmetic between literals is done in Python (:class:`Fixed` keeps their value).

The integers are ``NUMERIC`` on PostgreSQL (unbounded) and 64-bit ``BIGINT``
/ ``INTEGER`` on DuckDB and SQLite (DuckDB's 128-bit division costs
microseconds per value).  A 64-bit overflow is an error on DuckDB; on SQLite,
which silently turns it into REAL, a result that overflowed is refused with an
"integer overflow" error rather than stored rounded (see :class:`ToNumber`).
So a result is exact or the evaluation fails; it is never silently rounded.
Stored numbers are read back with :func:`of_column` at the places they were
rounded to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal, localcontext
from typing import Any, assert_never

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from appraisal.expr.sqltypes import ExprMoney, ExprNumber
from appraisal.spec.enums import RoundingMode
from appraisal.spec.fields import decimal_places
from appraisal.store.types import MONEY_SCALE

INT_TYPE = sa.BigInteger()
"""The SQLAlchemy type given to integer expressions (operators only; never fetched)."""

SQLITE_INT_MAX = 9223372036854775807


def integer(value: int) -> ColumnElement[Any]:
    """An integer literal computed by the engine (never rule text), rendered inline."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected an int, got {value!r}")
    text = str(value) if value >= 0 else f"({value})"
    return sa.literal_column(text, type_=INT_TYPE)


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    """The compiled arguments, each parenthesised (they are spliced into infix SQL)."""
    return [f"({compiler.process(arg, **kw)})" for arg in element.clauses]


class _Func(FunctionElement[Any]):
    inherit_cache = True
    type: sa.types.TypeEngine[Any] = INT_TYPE


class AsInt(_Func):
    """An integer-valued expression in the backend's exact integer type."""

    name = "as_int"
    inherit_cache = True


@compiles(AsInt)
def _as_int_pg(element: AsInt, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, **kw)
    return f"CAST({x} AS NUMERIC)"


@compiles(AsInt, "duckdb")
def _as_int_duckdb(element: AsInt, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, **kw)
    return f"CAST({x} AS BIGINT)"


@compiles(AsInt, "sqlite")
def _as_int_sqlite(element: AsInt, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, **kw)
    return f"CAST({x} AS INTEGER)"


class Snap(_Func):
    """A stored number as an integer count of ``10^-places``: ``round(x × 10^places)``.

    Exact for NUMERIC and DECIMAL columns; for a REAL (SQLite) holding a value
    rounded to at most ``places`` it recovers that value exactly.
    """

    name = "snap"
    inherit_cache = False

    def __init__(self, value: ColumnElement[Any], places: int) -> None:
        super().__init__(value)
        self.places = places


@compiles(Snap)
def _snap_pg(element: Snap, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, **kw)
    return f"ROUND(CAST({x} AS NUMERIC) * {10**element.places})"


def _storage(kind: sa.types.TypeEngine[Any]) -> str:
    """``integer``, ``narrow`` (a decimal of ≤ 18 digits) or ``wide`` (anything else)."""
    impl = kind.impl_instance if isinstance(kind, sa.types.TypeDecorator) else kind
    if isinstance(impl, sa.Integer):
        return "integer"
    if isinstance(impl, sa.Numeric) and not isinstance(impl, sa.Float):
        precision = impl.precision
        if precision is not None and precision <= DUCKDB_NARROW_DIGITS:
            return "narrow"
    return "wide"


DUCKDB_NARROW_DIGITS = 18
"""DuckDB keeps decimals of up to 18 digits in 64 bits (fast); wider ones in 128 (slow)."""

DUCKDB_DOUBLE_EXACT = 2**52
"""Integers below this survive a trip through DOUBLE exactly."""


@compiles(Snap, "duckdb")
def _snap_duckdb(element: Snap, compiler: SQLCompiler, **kw: Any) -> str:
    # 128-bit DECIMAL arithmetic that lowers the scale (ROUND, casts) costs
    # microseconds per value in DuckDB; a value with at most ``places`` places
    # survives DOUBLE exactly below 2^52 units, so only larger ones go the slow way.
    (x,) = _args(element, compiler, **kw)
    factor = 10**element.places
    match _storage(element.clauses.clauses[0].type):
        case "integer":
            return f"(CAST({x} AS BIGINT) * {factor})"
        case "narrow":
            return f"CAST(ROUND({x} * {factor}) AS BIGINT)"
        case _:
            limit = DUCKDB_DOUBLE_EXACT // factor
            fast = f"CAST(round(CAST({x} AS DOUBLE) * {factor}) AS BIGINT)"
            slow = f"CAST(ROUND({x} * {factor}) AS BIGINT)"
            return f"(CASE WHEN abs(CAST({x} AS DOUBLE)) < {limit} THEN {fast} ELSE {slow} END)"


@compiles(Snap, "sqlite")
def _snap_sqlite(element: Snap, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, **kw)
    scaled = x if element.places == 0 else f"{x} * {10**element.places}"
    return f"CAST(ROUND({scaled}) AS INTEGER)"


class IntDiv(_Func):
    """``a div b`` for non-negative integers (truncating = flooring here)."""

    name = "int_div"
    inherit_cache = True


@compiles(IntDiv)
def _div_pg(element: IntDiv, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"div({a}, {b})"


@compiles(IntDiv, "duckdb")
def _div_duckdb(element: IntDiv, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"({a} // {b})"


@compiles(IntDiv, "sqlite")
def _div_sqlite(element: IntDiv, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"({a} / {b})"


class ToNumber(_Func):
    """An integer count of ``10^-scale`` as a number: exact NUMERIC/DECIMAL, REAL on SQLite.

    On SQLite an integer that overflowed 64 bits has silently become REAL; the
    result is then refused with an "integer overflow" error instead of being
    stored rounded.
    """

    name = "to_number"
    inherit_cache = False
    type = ExprNumber()

    def __init__(self, value: ColumnElement[Any], scale: int) -> None:
        super().__init__(value)
        self.scale = scale


@compiles(ToNumber)
def _number_pg(element: ToNumber, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, **kw)
    if element.scale == 0:
        return f"CAST({x} AS NUMERIC)"
    return f"(CAST({x} AS NUMERIC) * CAST(1e-{element.scale} AS NUMERIC))"


@compiles(ToNumber, "duckdb")
def _number_duckdb(element: ToNumber, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, **kw)
    s = element.scale
    if s == 0:
        return f"CAST({x} AS DECIMAL(18, 0))"
    return f"(CAST({x} AS DECIMAL(18, 0)) * CAST(1e-{s} AS DECIMAL(18, {s})))"


def sqlite_checked(x: str) -> str:
    """SQLite: ``x`` when it is still an integer, else an "integer overflow" error."""
    overflow = f"abs(-{SQLITE_INT_MAX} - ({x} IS NULL) - 1)"
    return f"(CASE WHEN typeof({x}) IN ('integer', 'null') THEN {x} ELSE {overflow} END)"


@compiles(ToNumber, "sqlite")
def _number_sqlite(element: ToNumber, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, **kw)
    checked = sqlite_checked(x)
    if element.scale == 0:
        return checked
    return f"({checked} / {10**element.scale}.0)"


class ToCents(_Func):
    """Money for a money column: exact NUMERIC/DECIMAL; cents on SQLite (an integer at
    scale 2, a REAL when more places leave a fraction of a cent)."""

    name = "to_cents"
    inherit_cache = False
    type = ExprMoney()

    def __init__(self, value: ColumnElement[Any], scale: int) -> None:
        super().__init__(value)
        self.scale = scale


@compiles(ToCents)
def _cents_pg(element: ToCents, compiler: SQLCompiler, **kw: Any) -> str:
    return _number_pg(element, compiler, **kw)  # type: ignore[arg-type]


@compiles(ToCents, "duckdb")
def _cents_duckdb(element: ToCents, compiler: SQLCompiler, **kw: Any) -> str:
    return _number_duckdb(element, compiler, **kw)  # type: ignore[arg-type]


@compiles(ToCents, "sqlite")
def _cents_sqlite(element: ToCents, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, **kw)
    if element.scale < MONEY_SCALE:
        raise ValueError("money is stored in cents on SQLite: give it at scale 2 or more")
    checked = sqlite_checked(x)
    if element.scale == MONEY_SCALE:
        return checked
    return f"({checked} / {10 ** (element.scale - MONEY_SCALE)}.0)"


class SortRatio(_Func):
    """``a / b`` as an ordering key (equal quotients give equal keys; never stored)."""

    name = "sort_ratio"
    inherit_cache = True
    type = sa.Float()


@compiles(SortRatio)
def _ratio_pg(element: SortRatio, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"(CAST({a} AS NUMERIC) / NULLIF({b}, 0))"


@compiles(SortRatio, "duckdb")
@compiles(SortRatio, "sqlite")
def _ratio_float(element: SortRatio, compiler: SQLCompiler, **kw: Any) -> str:
    # IEEE division is correctly rounded: equal quotients of exact integers are
    # equal doubles, and a smaller quotient is never a larger double.
    a, b = _args(element, compiler, **kw)
    return f"(CAST({a} AS DOUBLE) / NULLIF(CAST({b} AS DOUBLE), 0))"


class CodePointOrder(FunctionElement[Any]):
    """Text compared by code point (PostgreSQL would use the locale's collation)."""

    name = "code_point_order"
    inherit_cache = True
    type = sa.String()


@compiles(CodePointOrder)
def _collate_pg(element: CodePointOrder, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, **kw)
    return f'({x} COLLATE "C")'


@compiles(CodePointOrder, "duckdb")
@compiles(CodePointOrder, "sqlite")
def _collate_binary(element: CodePointOrder, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, **kw)
    return x


def code_point(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """``column`` ordered by code point on every backend (ties by subject id)."""
    return CodePointOrder(column)


# ── fixed-point values ─────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Fixed:
    """An exact decimal in SQL: the integer ``sql`` counts units of ``10^-scale``.

    A literal also keeps its ``value``, so arithmetic between literals is done
    here rather than in SQL (where small integer literals could overflow).
    """

    sql: ColumnElement[Any]
    scale: int
    value: Decimal | None = field(default=None, compare=False)

    @classmethod
    def const(cls, value: Decimal | int, scale: int | None = None) -> Fixed:
        """A literal, exactly (at ``scale`` places when given; never fewer than it needs)."""
        number = Decimal(value)
        places = decimal_places(number) if scale is None else max(scale, decimal_places(number))
        return cls(integer(int(number.scaleb(places))), places, number)

    @classmethod
    def null(cls) -> Fixed:
        """A missing value (typed, so a subquery column of it compares as a number)."""
        return cls(AsInt(sa.null()), 0)

    def at(self, scale: int) -> Fixed:
        """The same value with more decimal places."""
        if scale < self.scale:
            raise ValueError(f"cannot lower the scale from {self.scale} to {scale} exactly")
        if scale == self.scale:
            return self
        if isinstance(self.sql, AsInt) and _is_null(self.sql):
            return Fixed(self.sql, scale)
        if self.value is not None:
            return Fixed.const(self.value, scale)
        return Fixed(_times_power(self.sql, scale - self.scale), scale)

    def __add__(self, other: Fixed) -> Fixed:
        if self.value is not None and other.value is not None:
            return Fixed.const(self.value + other.value)
        a, b = align(self, other)
        return Fixed(a.sql + b.sql, a.scale)

    def __sub__(self, other: Fixed) -> Fixed:
        if self.value is not None and other.value is not None:
            return Fixed.const(self.value - other.value)
        a, b = align(self, other)
        return Fixed(a.sql - b.sql, a.scale)

    def __mul__(self, other: Fixed) -> Fixed:
        if self.value is not None and other.value is not None:
            return Fixed.const(self.value * other.value)
        return Fixed(self.sql * other.sql, self.scale + other.scale)

    def __neg__(self) -> Fixed:
        if self.value is not None:
            return Fixed.const(-self.value)
        return Fixed(-self.sql, self.scale)

    def lt(self, other: Fixed) -> ColumnElement[bool]:
        """``self < other``."""
        a, b = align(self, other)
        return a.sql < b.sql

    def le(self, other: Fixed) -> ColumnElement[bool]:
        """``self <= other``."""
        a, b = align(self, other)
        return a.sql <= b.sql

    def gt(self, other: Fixed) -> ColumnElement[bool]:
        """``self > other``."""
        a, b = align(self, other)
        return a.sql > b.sql

    def ge(self, other: Fixed) -> ColumnElement[bool]:
        """``self >= other``."""
        a, b = align(self, other)
        return a.sql >= b.sql

    def eq(self, other: Fixed) -> ColumnElement[bool]:
        """``self = other``."""
        a, b = align(self, other)
        return a.sql == b.sql

    def is_null(self) -> ColumnElement[bool]:
        """True when the value is missing."""
        return self.sql.is_(None)

    def is_not_null(self) -> ColumnElement[bool]:
        """True when the value is present."""
        return self.sql.is_not(None)

    def number(self) -> ColumnElement[Any]:
        """The value as a stored number (see :class:`ToNumber`)."""
        return ToNumber(self.sql, self.scale)

    def money(self) -> ColumnElement[Any]:
        """The value for a money column (cents on SQLite; a fraction of a cent kept)."""
        scale = max(self.scale, MONEY_SCALE)
        return ToCents(self.at(scale).sql, scale)

    def label(self, name: str) -> sa.Label[Any]:
        """The integer, labelled for a subquery (read back with :func:`column`)."""
        return self.sql.label(name)


def _is_null(element: AsInt) -> bool:
    (inner,) = element.clauses.clauses
    return isinstance(inner, sa.sql.elements.Null)


def column(col: ColumnElement[Any], scale: int) -> Fixed:
    """A subquery column that holds a :class:`Fixed` integer of ``scale``."""
    return Fixed(col, scale)


def align(*values: Fixed) -> tuple[Fixed, ...]:
    """The values at their largest scale."""
    scale = max(v.scale for v in values)
    return tuple(v.at(scale) for v in values)


def of_column(col: ColumnElement[Any], places: int) -> Fixed:
    """A stored number (NUMERIC, DECIMAL or REAL) rounded to ``places`` as a Fixed."""
    return Fixed(Snap(col, places), places)


def of_cents(col: ColumnElement[Any], places: int = MONEY_SCALE) -> Fixed:
    """Money stored in cents (SQLite) as a Fixed with ``places`` (≥ 2)."""
    if places < MONEY_SCALE:
        raise ValueError("cents have two places")
    return Fixed(Snap(col, places - MONEY_SCALE), places)


def case(whens: Sequence[tuple[ColumnElement[bool], Fixed]], else_: Fixed | None = None) -> Fixed:
    """``CASE WHEN ... THEN ...`` over Fixed values (aligned to one scale)."""
    values = [v for _, v in whens] + ([else_] if else_ is not None else [])
    aligned = align(*values)
    arms = [(cond, v.sql) for (cond, _), v in zip(whens, aligned, strict=False)]
    otherwise = aligned[-1].sql if else_ is not None else None
    return Fixed(sa.case(*arms, else_=otherwise), aligned[0].scale)


def least(a: Fixed, b: Fixed) -> Fixed:
    """The smaller value (NULL when either is)."""
    return case([(sa.or_(a.is_null(), b.is_null()), Fixed.null()), (a.le(b), a)], b)


def greatest(a: Fixed, b: Fixed) -> Fixed:
    """The larger value (NULL when either is)."""
    return case([(sa.or_(a.is_null(), b.is_null()), Fixed.null()), (a.ge(b), a)], b)


def clamp(x: Fixed, low: Fixed | None, high: Fixed | None) -> Fixed:
    """``x`` within [low, high] (either end optional)."""
    result = x
    if high is not None:
        result = least(result, high)
    if low is not None:
        result = greatest(result, low)
    return result


def _magnitude(
    mode: RoundingMode, a: ColumnElement[Any], b: ColumnElement[Any], negative: ColumnElement[bool]
) -> ColumnElement[Any]:
    """|n / d| rounded, from ``a = |n|·10^k`` and ``b = |d|·10^j``: one integer division.

    ``floor((2a + b) / 2b)`` rounds half up, ``floor((2a + b − 1) / 2b)`` half
    down, ``floor((a + b − 1) / b)`` away from zero; half even steps back from
    an exact tie (remainder 0) that landed on an odd number.
    """
    one, two = integer(1), integer(2)
    match mode:
        case RoundingMode.HALF_UP:
            return IntDiv(two * a + b, two * b)
        case RoundingMode.HALF_DOWN:
            return IntDiv(two * a + b - one, two * b)
        case RoundingMode.HALF_EVEN:
            q = IntDiv(two * a + b, two * b)
            tie = (two * a + b) == q * (two * b)
            odd = (q - two * IntDiv(q, two)) == one
            return q - sa.case((sa.and_(tie, odd), one), else_=integer(0))
        case RoundingMode.UP:
            return IntDiv(a + b - one, b)
        case RoundingMode.DOWN:
            return IntDiv(a, b)
        case RoundingMode.CEILING:
            return sa.case((negative, IntDiv(a, b)), else_=IntDiv(a + b - one, b))
        case RoundingMode.FLOOR:
            return sa.case((negative, IntDiv(a + b - one, b)), else_=IntDiv(a, b))
        case _:
            assert_never(mode)


def round_div(n: Fixed, d: Fixed, places: int, mode: RoundingMode) -> Fixed:
    """``n / d`` rounded to ``places`` with ``mode``, exactly; NULL when ``d`` is 0 or NULL.

    Keep ``n`` and ``d`` small (subquery columns): each appears a few times.
    """
    if n.value is not None and d.value is not None and d.value != 0:
        quantum = Decimal(1).scaleb(-places)
        with localcontext(Context(prec=80)):
            return Fixed.const(
                (n.value / d.value).quantize(quantum, rounding=mode.decimal_mode), places
            )
    shift = places + d.scale - n.scale
    a = _times_power(sa.func.abs(n.sql), max(shift, 0))
    b = sa.func.nullif(_times_power(sa.func.abs(d.sql), max(-shift, 0)), integer(0))
    negative = (n.sql < integer(0)) != (d.sql < integer(0))
    sign = sa.case((negative, integer(-1)), else_=integer(1))
    return Fixed(sign * _magnitude(mode, a, b, negative), places)


def _times_power(x: ColumnElement[Any], power: int) -> ColumnElement[Any]:
    return x if power == 0 else x * integer(10**power)


def round_to(x: Fixed, places: int, mode: RoundingMode) -> Fixed:
    """``x`` rounded to ``places`` (unchanged when it has no more places)."""
    if x.scale <= places:
        return x.at(places)
    return round_div(x, Fixed(integer(1), 0), places, mode)


# ── layers: subqueries whose Fixed columns remember their scale ────────────────


def fenced(select: sa.Select[Any]) -> sa.Select[Any]:
    """A SELECT the planner keeps as a unit when it is used as a subquery."""
    return select.offset(0)


class Columns:
    """The select list of one layer, recording the scale of every Fixed column."""

    def __init__(self) -> None:
        self.columns: list[ColumnElement[Any]] = []
        self.scales: dict[str, int] = {}

    def add(self, name: str, value: Fixed) -> None:
        """A Fixed value under ``name``."""
        self.columns.append(value.label(name))
        self.scales[name] = value.scale

    def plain(self, col: ColumnElement[Any], name: str | None = None) -> None:
        """A column that is not a Fixed (text, flags), optionally renamed."""
        self.columns.append(col.label(name) if name is not None else col)

    def keep(self, layer: Layer, *, skip: Sequence[str] = ()) -> None:
        """Every column of an inner layer, scales included (except ``skip``)."""
        for col in layer.sub.c:
            if col.name in skip:
                continue
            self.columns.append(col)
            if col.name in layer.scales:
                self.scales[col.name] = layer.scales[col.name]

    def select(self) -> sa.Select[Any]:
        """The layer as a SELECT (for the outermost layer)."""
        return sa.select(*self.columns)

    def layer(self, alias: str) -> Layer:
        """The layer as a named subquery for the next one.

        ``OFFSET 0`` keeps PostgreSQL and SQLite from merging the layers: merged,
        every use of a column repeats the whole expression behind it and
        planning grows exponentially with the depth.
        """
        return Layer(fenced(self.select()).subquery(alias), dict(self.scales))


@dataclass(frozen=True)
class Layer:
    """A subquery and the scales of its Fixed columns."""

    sub: Any
    scales: dict[str, int]

    def fixed(self, name: str) -> Fixed:
        """A Fixed column of the layer."""
        return Fixed(self.sub.c[name], self.scales[name])

    def c(self, name: str) -> ColumnElement[Any]:
        """A plain column of the layer."""
        col: ColumnElement[Any] = self.sub.c[name]
        return col
