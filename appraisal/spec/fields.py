"""Field types of the rule language: strict scalars, exact decimals, ISO dates.

The YAML loader yields ``str``, ``int``, ``Decimal``, ``bool`` and ``None`` only.
These annotated types accept exactly the forms a rule author means and refuse the
rest, so nothing is silently coerced: an id written as ``2026`` is an error with a
hint to quote it, never the number 2026; a float or NaN never becomes money.
Percentages may be written ``"85%"`` wherever an indicator value is expected.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
"""Indicator, scorecard, rule and other ids: snake_case, starting with a letter."""

RULESET_ID_PATTERN = r"^[a-z][a-z0-9_-]*$"
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_+.-]*$"
"""Codes chosen by the company: roles, tier codes, rating criteria, segments."""

PERIOD_PATTERN = r"^[0-9]{4}(Q[1-4]|H[12]|-(0[1-9]|1[0-2]))?$"
"""Period codes: 2026 (year), 2026H1, 2026Q3, 2026-07 (month)."""

VERSION_PATTERN = r"^[0-9]+\.[0-9]+(\.[0-9]+)?$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
PERCENT_PATTERN = r"^-?[0-9]+(\.[0-9]+)?%$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

_PERCENT = re.compile(PERCENT_PATTERN)
_DATE = re.compile(DATE_PATTERN)


def decimal_places(value: Decimal) -> int:
    """Decimal places needed to write a finite ``value`` exactly (20 → 0, 12.50 → 1)."""
    exponent = value.normalize().as_tuple().exponent
    if not isinstance(exponent, int):
        raise ValueError(f"not a finite number: {value}")
    return max(0, -exponent)


def _decimal(value: Any) -> Decimal:
    """An exact, finite Decimal from an int or Decimal; anything else is refused."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise PydanticCustomError(
            "decimal_type", "expected a number, got {got}", {"got": _describe(value)}
        )
    number = Decimal(value)
    if not number.is_finite():
        raise PydanticCustomError(
            "finite_number", "expected a finite number, got {got}", {"got": str(number)}
        )
    return number


def _quantity(value: Any) -> Decimal:
    """A number, or a percentage string such as ``"85%"`` (the fraction 0.85)."""
    if isinstance(value, str) and _PERCENT.match(value):
        try:
            return Decimal(value[:-1]).scaleb(-2)
        except InvalidOperation:  # pragma: no cover - the pattern admits only digits
            pass
    if isinstance(value, str):
        raise PydanticCustomError(
            "quantity_type",
            "expected a number or a percentage such as 85%, got the text '{got}'",
            {"got": value},
        )
    return _decimal(value)


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"{type(value).__name__} {value!r}"


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise PydanticCustomError(
            "positive", "expected a number greater than 0, got {got}", {"got": str(value)}
        )
    return value


def _non_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise PydanticCustomError(
            "non_negative", "expected a number ≥ 0, got {got}", {"got": str(value)}
        )
    return value


def _iso_date(value: Any) -> date:
    """A calendar date written ``YYYY-MM-DD`` (the loader never turns text into dates)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise PydanticCustomError(
                "date_value", "'{got}' is not a calendar date", {"got": value}
            ) from exc
    raise PydanticCustomError(
        "date_type", "expected a date written YYYY-MM-DD, got {got}", {"got": _describe(value)}
    )


_NUMBER_SCHEMA: dict[str, Any] = {"type": "number"}
_QUANTITY_SCHEMA: dict[str, Any] = {
    "anyOf": [{"type": "number"}, {"type": "string", "pattern": PERCENT_PATTERN}]
}

Num = Annotated[Decimal, BeforeValidator(_decimal), WithJsonSchema(_NUMBER_SCHEMA)]
"""An exact decimal number."""

PosNum = Annotated[
    Decimal,
    BeforeValidator(_decimal),
    AfterValidator(_positive),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0}),
]
NonNegNum = Annotated[
    Decimal,
    BeforeValidator(_decimal),
    AfterValidator(_non_negative),
    WithJsonSchema({"type": "number", "minimum": 0}),
]
Quantity = Annotated[Decimal, BeforeValidator(_quantity), WithJsonSchema(_QUANTITY_SCHEMA)]
"""An indicator value: a number in the indicator's unit, or ``"85%"`` for 0.85."""

NonNegQuantity = Annotated[
    Decimal,
    BeforeValidator(_quantity),
    AfterValidator(_non_negative),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?%$"},
            ]
        }
    ),
]
PosQuantity = Annotated[
    Decimal,
    BeforeValidator(_quantity),
    AfterValidator(_positive),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0},
                {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?%$"},
            ]
        }
    ),
]

IsoDate = Annotated[
    date, BeforeValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"})
]

Identifier = Annotated[
    str, StringConstraints(strict=True, pattern=ID_PATTERN, min_length=1, max_length=64)
]
RuleSetId = Annotated[
    str, StringConstraints(strict=True, pattern=RULESET_ID_PATTERN, min_length=1, max_length=64)
]
Code = Annotated[
    str, StringConstraints(strict=True, pattern=CODE_PATTERN, min_length=1, max_length=40)
]
PeriodCode = Annotated[str, StringConstraints(strict=True, pattern=PERIOD_PATTERN)]
PeriodOrGrain = Annotated[
    str,
    StringConstraints(
        strict=True, pattern=r"^(month|quarter|half|year|[0-9]{4}(Q[1-4]|H[12]|-(0[1-9]|1[0-2]))?)$"
    ),
]
"""A period code (``2026Q3``) or a grain (``quarter``: every quarter)."""

Version = Annotated[str, StringConstraints(strict=True, pattern=VERSION_PATTERN)]
Currency = Annotated[str, StringConstraints(strict=True, pattern=CURRENCY_PATTERN)]
Name = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200)]
"""Free text that is a name: an owner, an author, a table or column name."""

Prose = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=4000)]
"""Free text shown to people (titles, descriptions, actions)."""

ExprText = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=4000)]
"""An expression of the rule language, kept as written; parsed by ``appraisal.expr``."""

ColumnPath = Annotated[
    str,
    StringConstraints(
        strict=True, pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$", max_length=200
    ),
]
"""A column of an entity, possibly through references: ``owner_id``, ``customer.owner_id``."""

RelPath = Annotated[
    str,
    StringConstraints(strict=True, pattern=r"^[^/\\][^\\]*$", min_length=1, max_length=400),
]
"""A relative file path, resolved against the rule file's folder (never outside it)."""
