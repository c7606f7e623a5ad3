"""Canonical text of an expression.

One spelling per construct (``=`` not ``==``, ``!=`` not ``<>``, lower-case
keywords, single quotes, minimal parentheses), so two rule files that differ
only in formatting render identically and ``parse(render(e)) == e``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import assert_never

from appraisal.expr.ast import (
    Arith,
    ArithOp,
    Between,
    BoolLit,
    BoolOp,
    Call,
    Case,
    Compare,
    DateLit,
    Expr,
    InList,
    InstantLit,
    IsNull,
    Logic,
    Name,
    NullLit,
    NumberLit,
    StringLit,
    Unary,
    UnaryOp,
)

# Binding strength, loosest first; a child binding looser than required gets parentheses.
_OR, _AND, _NOT, _PREDICATE, _SUM, _PRODUCT, _UNARY, _ATOM = range(1, 9)


def render(node: Expr) -> str:
    """The canonical text of an expression."""
    text, _ = _render(node)
    return text


def number_text(value: Decimal, percent: bool = False) -> str:
    """A decimal as written in the language: no exponent; ``15%`` form when percent."""
    if percent:
        return format(value.scaleb(2), "f") + "%"
    return format(value, "f")


def string_text(value: str) -> str:
    """A text literal in single quotes, quotes inside doubled."""
    return "'" + value.replace("'", "''") + "'"


def _wrap(node: Expr, minimum: int) -> str:
    text, level = _render(node)
    return text if level >= minimum else f"({text})"


def _render(node: Expr) -> tuple[str, int]:  # noqa: C901 - one arm per node kind
    match node:
        case NumberLit(value=value, percent=percent):
            level = _UNARY if value.is_signed() else _ATOM
            return number_text(value, percent), level
        case StringLit(value=value):
            return string_text(value), _ATOM
        case BoolLit(value=value):
            return ("true" if value else "false"), _ATOM
        case NullLit():
            return "null", _ATOM
        case DateLit(value=value):
            return f"date '{value.isoformat()}'", _ATOM
        case InstantLit(value=value):
            return f"instant '{value.isoformat()}'", _ATOM
        case Name():
            return node.dotted, _ATOM
        case Unary(op=op, operand=operand):
            if op is UnaryOp.NEG:
                return "-" + _wrap(operand, _UNARY), _UNARY
            return "not " + _wrap(operand, _NOT), _NOT
        case Arith(op=op, left=left, right=right):
            level = _SUM if op in (ArithOp.ADD, ArithOp.SUB) else _PRODUCT
            return f"{_wrap(left, level)} {op.value} {_wrap(right, level + 1)}", level
        case Logic(op=op, left=left, right=right):
            level = _OR if op is BoolOp.OR else _AND
            return f"{_wrap(left, level)} {op.value} {_wrap(right, level + 1)}", level
        case Compare(op=op, left=left, right=right):
            return f"{_wrap(left, _SUM)} {op.value} {_wrap(right, _SUM)}", _PREDICATE
        case InList(operand=operand, items=items, negated=negated):
            keyword = "not in" if negated else "in"
            listed = ", ".join(render(item) for item in items)
            return f"{_wrap(operand, _SUM)} {keyword} ({listed})", _PREDICATE
        case Between(operand=operand, low=low, high=high, negated=negated):
            keyword = "not between" if negated else "between"
            parts = f"{_wrap(low, _SUM)} and {_wrap(high, _SUM)}"
            return f"{_wrap(operand, _SUM)} {keyword} {parts}", _PREDICATE
        case IsNull(operand=operand, negated=negated):
            keyword = "is not null" if negated else "is null"
            return f"{_wrap(operand, _SUM)} {keyword}", _PREDICATE
        case Call(func=func, args=args):
            return f"{func.value}({', '.join(render(a) for a in args)})", _ATOM
        case Case(whens=whens, default=default):
            arms = " ".join(f"when {render(w.condition)} then {render(w.value)}" for w in whens)
            tail = f" else {render(default)}" if default is not None else ""
            return f"case {arms}{tail} end", _ATOM
        case _:
            assert_never(node)
