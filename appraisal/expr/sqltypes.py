"""SQL types for values computed by compiled expressions.

Money follows the store's convention (:mod:`appraisal.store.types`): on SQLite
every money value inside SQL is an integer count of cents, elsewhere an exact
NUMERIC.  Computed money may carry fractions of a cent (``amount * 15%``), so
unlike the column type :class:`~appraisal.store.types.Money` these types never
quantize or truncate: rounding happens where the rule set declares it.
Results come back as ``Decimal``; floats from backends that compute in binary
(SQLite, DuckDB division) are converted through their shortest repr.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from appraisal.store.types import MONEY_SCALE, stored_in_minor_units


def to_decimal(value: Any) -> Decimal:
    """A backend number as Decimal (floats via repr, so 0.1 stays 0.1)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def _as_decimal(value: Any) -> Decimal | None:
    return None if value is None else to_decimal(value)


def _from_cents(value: Any) -> Decimal | None:
    return None if value is None else to_decimal(value).scaleb(-MONEY_SCALE)


def _sqlite_number(value: Decimal) -> int | float:
    """SQLite has no decimal: whole values bind as integers, others as floats."""
    return int(value) if value == value.to_integral_value() else float(value)


class _ExactBind(TypeDecorator[Decimal]):
    """Binds exactly what ``process_bind_param`` returns.

    The NUMERIC implementation would turn Decimals into floats on dialects that
    declare no native decimal support (duckdb-engine does), and DuckDB would then
    compute in DOUBLE.  DuckDB, PostgreSQL and SQLite (given int/float) all take
    these values directly.
    """

    impl = sa.Numeric(38, 10, asdecimal=True)
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any]:
        def process(value: Any) -> Any:
            return self.process_bind_param(value, dialect)

        return process


class ExprNumber(_ExactBind):
    """A unitless number: NUMERIC in SQL, Decimal in Python."""

    impl = sa.Numeric(38, 10, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":  # binary floating point: keep every digit it returns
            return dialect.type_descriptor(sa.Float())
        return dialect.type_descriptor(sa.Numeric(38, 10, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        number = to_decimal(value)
        return _sqlite_number(number) if dialect.name == "sqlite" else number

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any]:
        # Replaces the NUMERIC processor, which would round floats to 10 places.
        return _as_decimal

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


class ExprInteger(TypeDecorator[Decimal]):
    """A whole number: BIGINT in SQL, binds as int, returns Decimal like every number."""

    impl = sa.BigInteger()
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else int(value)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any]:
        return _as_decimal

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


class ExprMoney(_ExactBind):
    """Money inside expressions: cents on SQLite, exact NUMERIC elsewhere, never truncated."""

    impl = sa.Numeric(38, 10, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if stored_in_minor_units(dialect):
            return dialect.type_descriptor(sa.BigInteger())
        return dialect.type_descriptor(sa.Numeric(38, 10, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        amount = to_decimal(value)
        if stored_in_minor_units(dialect):
            return _sqlite_number(amount.scaleb(MONEY_SCALE))
        return amount

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any]:
        return _from_cents if stored_in_minor_units(dialect) else _as_decimal

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal
