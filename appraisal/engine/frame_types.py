"""SQL types of values-frame columns: each as narrow as its declared rounding allows.

A frame value is already rounded to its indicator's places, and a target has
its own places (:func:`~appraisal.engine.targets.target_places`), so each is
stored with exactly those places: ``DECIMAL(18, p)`` (``NUMERIC`` on
PostgreSQL, REAL on SQLite, money in integer cents on SQLite as the store
keeps it).  The type records its places (:func:`frame_places`), so whoever
reads a column reads it at its own scale.  Narrow
decimals matter on DuckDB: a ``DECIMAL(18, p)`` is a 64-bit integer inside, and
reading it as an exact integer costs a fraction of what the 128-bit
``DECIMAL(38, 10)`` of a computed number costs (converting one of those to
DOUBLE or to an integer takes microseconds a value).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from appraisal.expr.sqltypes import ExprInteger, ExprMoney, to_decimal
from appraisal.store.types import MONEY_SCALE, Money, stored_in_minor_units

NARROW_PLACES = 6
"""Up to this many places a number is kept in 18 digits (at least 10^12 before the point)."""


def _as_decimal(value: Any) -> Decimal | None:
    return None if value is None else to_decimal(value)


class FrameNumber(TypeDecorator[Decimal]):
    """A number rounded to ``places``: ``DECIMAL(18, places)`` (38 digits past 6 places).

    SQLite keeps it as REAL.
    """

    impl = sa.Numeric(18, 2, asdecimal=True)
    cache_ok = True

    def __init__(self, places: int) -> None:
        precision = 18 if places <= NARROW_PLACES else 38
        super().__init__(precision, places, asdecimal=True)
        self.precision = precision
        self.places = places

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":  # binary floating point: keep every digit it returns
            return dialect.type_descriptor(sa.Float())
        return dialect.type_descriptor(sa.Numeric(self.precision, self.places, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        number = to_decimal(value)
        if dialect.name == "sqlite":
            return int(number) if number == number.to_integral_value() else float(number)
        return number

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any]:
        def process(value: Any) -> Any:
            return self.process_bind_param(value, dialect)

        return process

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any]:
        return _as_decimal

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


class FrameMoney(ExprMoney):
    """Money with more than two places: ``DECIMAL(18, places)`` (38 digits past 6 places).

    SQLite keeps it in cents, as every money value there (a REAL when the
    cents have a fraction).
    """

    cache_ok = True

    def __init__(self, places: int) -> None:
        super().__init__()
        self.places = places

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if stored_in_minor_units(dialect):
            return dialect.type_descriptor(sa.BigInteger())
        precision = 18 if self.places <= NARROW_PLACES else 38
        return dialect.type_descriptor(sa.Numeric(precision, self.places, asdecimal=True))


def frame_type(money: bool, integral: bool, places: int) -> sa.types.TypeEngine[Any]:
    """The column type of a value (or target) with ``places`` declared places.

    Money with at most two places is stored like money columns (``Money``:
    cents on SQLite); whole counts are ``BIGINT``.
    """
    if money:
        return Money() if places <= MONEY_SCALE else FrameMoney(places)
    if integral and places == 0:
        return ExprInteger()
    return FrameNumber(places)


def frame_places(kind: sa.types.TypeEngine[Any]) -> int | None:
    """The places a frame column type holds (None: a type not made by :func:`frame_type`)."""
    if isinstance(kind, FrameNumber | FrameMoney):
        return kind.places
    if isinstance(kind, Money):
        return MONEY_SCALE
    if isinstance(kind, ExprInteger):
        return 0
    return None
