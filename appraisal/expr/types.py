"""Value types of the expression language and the scope names resolve through."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class ExprType(StrEnum):
    """The types an expression can have.

    INTEGER is a NUMBER without fraction: it may be used wherever a number is
    expected.  MONEY carries no currency here (the rule set declares it).
    Percentages and ratios are plain numbers (``15%`` is 0.15).
    """

    NUMBER = "number"
    INTEGER = "integer"
    MONEY = "money"
    DATE = "date"
    INSTANT = "instant"
    TEXT = "text"
    BOOLEAN = "boolean"
    NULL = "null"


NUMERIC = frozenset({ExprType.NUMBER, ExprType.INTEGER})
"""Unitless numbers."""

PERIOD_START = "period_start"
PERIOD_END = "period_end"
PERIOD_NAMES = frozenset({PERIOD_START, PERIOD_END})
"""Reserved names bound to the evaluated period (start inclusive, end exclusive)."""

KEYWORDS = frozenset(
    {
        "and",
        "or",
        "not",
        "in",
        "between",
        "is",
        "null",
        "true",
        "false",
        "case",
        "when",
        "then",
        "else",
        "end",
        "date",
        "instant",
    }
)
"""Words that cannot be used as names."""


@dataclass(frozen=True)
class NameBinding:
    """What a name resolves to: its type, plus where it comes from for messages and SQL.

    ``enum`` lists the allowed values of a code column, so that comparing it with
    a text that is not one of them is reported (with a did-you-mean hint).
    ``table``/``column`` and ``via`` (the reference columns followed, in order)
    are informative: the SQL compiler asks the caller to resolve names anyway.
    """

    type: ExprType
    label: str = ""
    enum: tuple[str, ...] = ()
    table: str | None = None
    column: str | None = None
    via: tuple[str, ...] = ()


class Scope(Protocol):
    """Resolves names for the type checker."""

    def resolve(self, path: tuple[str, ...]) -> NameBinding | None:
        """The binding of a name, or None when the name is unknown."""
        ...

    def suggestions(self, path: tuple[str, ...]) -> Iterable[tuple[str, ...]]:
        """Names the scope would accept near ``path`` (used for did-you-mean hints)."""
        ...
