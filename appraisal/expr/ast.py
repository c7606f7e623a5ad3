"""The expression tree: small frozen nodes, each with its source span.

Spans and inferred types are carried on every node but excluded from equality,
so two expressions that differ only in formatting compare equal: this is what
``parse(render(e)) == e`` and semantic diffs of rule sets rely on.  The type
checker returns a copy of the tree with ``type`` filled in on every node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from appraisal.expr.types import PERIOD_NAMES, ExprType


@dataclass(frozen=True, order=True)
class Span:
    """Where a node sits in the expression text: 0-based offsets, 1-based line/column."""

    start: int
    end: int
    line: int = 1
    column: int = 1


NO_SPAN = Span(0, 0, 0, 0)


class UnaryOp(StrEnum):
    """Prefix operators."""

    NEG = "-"
    NOT = "not"


class ArithOp(StrEnum):
    """Arithmetic operators."""

    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"


class BoolOp(StrEnum):
    """Boolean connectives."""

    AND = "and"
    OR = "or"


class CmpOp(StrEnum):
    """Comparisons; ``==`` parses as EQ and ``<>`` as NE."""

    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


class Func(StrEnum):
    """The fixed list of functions; there are no user-defined functions."""

    COALESCE = "coalesce"
    IF = "if"
    ABS = "abs"
    ROUND = "round"
    LEAST = "least"
    GREATEST = "greatest"
    NULLIF = "nullif"
    DAYS_BETWEEN = "days_between"
    HOURS_BETWEEN = "hours_between"
    DATE_ADD = "date_add"
    YEAR = "year"
    MONTH = "month"
    QUARTER = "quarter"
    LOWER = "lower"
    UPPER = "upper"
    LENGTH = "length"
    IN_PERIOD = "in_period"


@dataclass(frozen=True)
class NumberLit:
    """A decimal number; ``15%`` is stored as 0.15 with ``percent`` set for rendering."""

    value: Decimal
    percent: bool = field(default=False, compare=False)
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)
    type: ExprType | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class StringLit:
    """A text literal in single or double quotes."""

    value: str
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)
    type: ExprType | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class BoolLit:
    """``true`` or ``false``."""

    value: bool
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)
    type: ExprType | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class NullLit:
    """``null``: the missing value; its type comes from its context."""

    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)
    type: ExprType | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class DateLit:
    """``date '2026-07-01'``: a calendar date."""

    value: date
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)
    type: ExprType | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class InstantLit:
    """``instant '2026-07-01T08:00:00+08:00'``: a moment in time, offset required."""

    value: datetime
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)
    type: ExprType | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Name:
    """A column, an indicator id, or a dotted path following a reference."""

    path: tuple[str, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)
    type: ExprType | None = field(default=None, compare=False, repr=False, kw_only=True)

    @property
    def dotted(self) -> str:
        """The name as written: ``customer.segment``."""
        return ".".join(self.path)


@dataclass(frozen=True)
class Unary:
    """``-x`` or ``not x``."""

    op: UnaryOp
    operand: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)
    type: ExprType | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Arith:
    """``a + b``, ``a - b``, ``a * b``, ``a / b`` (division by zero gives null)."""

    op: ArithOp
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)
    type: ExprType | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Logic:
    """``a and b``, ``a or b`` with SQL's three-valued logic."""

    op: BoolOp
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)
    type: ExprType | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Compare:
    """``a < b`` and friends; comparisons do not chain."""

    op: CmpOp
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)
    type: ExprType | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class InList:
    """``x in (a, b)`` or ``x not in (a, b)``."""

    operand: Expr
    items: tuple[Expr, ...]
    negated: bool = False
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)
    type: ExprType | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Between:
    """``x between a and b`` (both ends inclusive), or ``not between``."""

    operand: Expr
    low: Expr
    high: Expr
    negated: bool = False
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)
    type: ExprType | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class IsNull:
    """``x is null`` or ``x is not null``."""

    operand: Expr
    negated: bool = False
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)
    type: ExprType | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Call:
    """A call of one of the built-in functions."""

    func: Func
    args: tuple[Expr, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)
    type: ExprType | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class When:
    """One ``when condition then value`` arm of a ``case``."""

    condition: Expr
    value: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Case:
    """``case when c then v ... [else v] end``; without ``else`` the default is null."""

    whens: tuple[When, ...]
    default: Expr | None = None
    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)
    type: ExprType | None = field(default=None, compare=False, repr=False, kw_only=True)


Expr = (
    NumberLit
    | StringLit
    | BoolLit
    | NullLit
    | DateLit
    | InstantLit
    | Name
    | Unary
    | Arith
    | Logic
    | Compare
    | InList
    | Between
    | IsNull
    | Call
    | Case
)
"""Any expression node."""

Literal = NumberLit | StringLit | BoolLit | NullLit | DateLit | InstantLit
"""The literal nodes."""


def children(node: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of a node, left to right."""
    match node:
        case NumberLit() | StringLit() | BoolLit() | NullLit() | DateLit() | InstantLit() | Name():
            return ()
        case Unary(operand=operand) | IsNull(operand=operand):
            return (operand,)
        case Arith(left=left, right=right) | Logic(left=left, right=right):
            return (left, right)
        case Compare(left=left, right=right):
            return (left, right)
        case InList(operand=operand, items=items):
            return (operand, *items)
        case Between(operand=operand, low=low, high=high):
            return (operand, low, high)
        case Call(args=args):
            return args
        case Case(whens=whens, default=default):
            flat = tuple(part for w in whens for part in (w.condition, w.value))
            return (*flat, default) if default is not None else flat


def walk(node: Expr) -> tuple[Expr, ...]:
    """All nodes of a tree in pre-order (iterative, so deep trees cannot overflow)."""
    out: list[Expr] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(children(current)))
    return tuple(out)


def references(node: Expr) -> frozenset[tuple[str, ...]]:
    """Every name the expression mentions, as paths; the built-in period names are left out."""
    return frozenset(
        n.path
        for n in walk(node)
        if isinstance(n, Name) and not (len(n.path) == 1 and n.path[0] in PERIOD_NAMES)
    )
