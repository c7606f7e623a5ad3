"""Column types that keep money exact and time unambiguous on every backend.

Policy (see docs/data-model.md):

* Money is ``decimal.Decimal`` in Python.  On DuckDB, PostgreSQL and other
  dialects it is stored as ``NUMERIC(18, 2)``, whose sums are exact.  SQLite has
  no exact decimal type, so there it is stored as a 64-bit integer count of
  minor units (cents); ``SUM`` over integers is exact and the result processor
  turns cents back into a ``Decimal``.
* Calendar dates (ordered, acquired, contract start...) are plain ``DATE``
  values in the workspace's business time zone.
* Instants (stage transitions, tickets opened/resolved, interactions) are stored
  as UTC in a timezone-naive ``TIMESTAMP``.  Python code only ever hands in
  timezone-aware datetimes; naive ones are refused rather than guessed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

MONEY_SCALE = 2
MONEY_PRECISION = 18
_CENT = Decimal(1).scaleb(-MONEY_SCALE)


class Money(TypeDecorator[Decimal]):
    """Exact money: NUMERIC(18,2), or integer minor units on SQLite."""

    impl = sa.Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.BigInteger())
        return dialect.type_descriptor(sa.Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        amount = to_money(value)
        if dialect.name == "sqlite":
            return int(amount.scaleb(MONEY_SCALE))
        return amount

    def bind_processor(self, dialect: Dialect) -> Any:
        """Bind exactly: skip the Numeric processor, which hands floats to drivers
        that declare no native decimal support (duckdb-engine)."""

        def process(value: Any) -> Any:
            return self.process_bind_param(value, dialect)

        return process

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return money_from_minor_units(value)
        return to_money(value)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


def stored_in_minor_units(dialect: Dialect) -> bool:
    """True where money columns hold integer cents (SQL over them sees cents)."""
    return dialect.name == "sqlite"


def to_money(value: Any) -> Decimal:
    """Coerce an exact value to a money Decimal with the storage scale.

    Floats are refused: a float has already lost the cents.
    """
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a Decimal, int or str")
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    quantized = amount.quantize(_CENT)
    if quantized != amount:
        raise ValueError(f"money {amount} has more than {MONEY_SCALE} decimal places")
    return quantized


def money_from_minor_units(value: Any) -> Decimal:
    """Cents (int, or a numeric string) back to a Decimal amount."""
    return Decimal(int(value)).scaleb(-MONEY_SCALE).quantize(_CENT)


class UtcDateTime(TypeDecorator[datetime]):
    """An instant stored as naive UTC; aware datetimes in, aware UTC datetimes out."""

    impl = sa.DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: give instants a time zone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        instant = datetime.fromisoformat(value) if isinstance(value, str) else value
        if not isinstance(instant, datetime):
            raise TypeError(f"expected a timestamp from the database, got {instant!r}")
        return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)

    @property
    def python_type(self) -> type[datetime]:
        return datetime
