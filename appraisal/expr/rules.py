"""Typing rules of the expression language, shared by the checker and the function table.

Unitless constants adapt to their context: in ``amount > 1000`` the literal
1000 becomes money (on SQLite it then binds as cents), and in
``opened_at >= date '2026-07-01'`` the date becomes the instant at midnight of
the business time zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

from appraisal.expr.ast import (
    Arith,
    ArithOp,
    BoolLit,
    DateLit,
    Expr,
    InstantLit,
    Name,
    NullLit,
    NumberLit,
    Span,
    StringLit,
    Unary,
    UnaryOp,
)
from appraisal.expr.render import render
from appraisal.expr.types import NUMERIC, PERIOD_NAMES, ExprType

T = ExprType

TYPE_WORDS = {
    T.NUMBER: "number",
    T.INTEGER: "number",
    T.MONEY: "money",
    T.DATE: "date",
    T.INSTANT: "instant",
    T.TEXT: "text",
    T.BOOLEAN: "condition (true/false)",
    T.NULL: "null",
}


_PHRASES = {
    T.NUMBER: "a number",
    T.INTEGER: "a whole number",
    T.MONEY: "money",
    T.DATE: "a date",
    T.INSTANT: "an instant",
    T.TEXT: "text",
    T.BOOLEAN: "a condition (true/false)",
    T.NULL: "null",
}


def phrases(kinds: Iterable[ExprType]) -> str:
    """Several types in words, in a fixed order: ``a date or an instant``."""
    wanted = set(kinds)
    if T.NUMBER in wanted:
        wanted.discard(T.INTEGER)
    return " or ".join(dict.fromkeys(_PHRASES[k] for k in ExprType if k in wanted))


def describe(node: Expr, kind: ExprType) -> str:
    """An operand in words: ``text 'abc'``, ``amount (money)``, ``a date``."""
    word = TYPE_WORDS[kind]
    if isinstance(node, Name):
        return f"{node.dotted} ({word})"
    if isinstance(node, NumberLit | StringLit | DateLit | InstantLit | BoolLit | NullLit):
        return render(node) if isinstance(node, BoolLit | NullLit) else f"{word} {render(node)}"
    return _PHRASES[kind]


def retype(node: Expr, kind: ExprType) -> Expr:
    """Give null literals (and adaptable constants) the type their context needs."""
    if node.type is T.NULL or node.type is None:
        return replace(node, type=kind) if isinstance(node, NullLit) else node
    if node.type is kind:
        return node
    adapted = adapt(node, kind)
    return adapted if adapted is not None else node


def adapt(node: Expr, target: ExprType) -> Expr | None:
    """A unitless constant re-typed for a money or instant context, or None.

    Only literals, period names and arithmetic on them adapt: in money
    arithmetic the constant's own structure keeps the money rules true
    (``1000 * 3`` becomes money × number).
    """
    if node.type is target:
        return node
    match node:
        case NullLit():
            return replace(node, type=target)
        case NumberLit() if target is T.MONEY or (target is T.NUMBER and node.type in NUMERIC):
            return replace(node, type=target)
        case DateLit() if target is T.INSTANT:
            return replace(node, type=target)
        case Name(path=(single,)) if target is T.INSTANT and single in PERIOD_NAMES:
            return replace(node, type=target)
        case Unary(op=UnaryOp.NEG, operand=operand) if target is T.MONEY:
            inner = adapt(operand, target)
            return replace(node, operand=inner, type=target) if inner is not None else None
        case Arith(op=op, left=left, right=right) if target is T.MONEY:
            new_left = adapt(left, target)
            if new_left is None:
                return None
            if op in (ArithOp.ADD, ArithOp.SUB):
                new_right = adapt(right, target)
                if new_right is None:
                    return None
                return replace(node, left=new_left, right=new_right, type=target)
            if right.type in NUMERIC:
                return replace(node, left=new_left, type=target)
            return None
        case _:
            return None


def unify(
    left: Expr, lk: ExprType, right: Expr, rk: ExprType
) -> tuple[Expr, Expr, ExprType] | None:
    """The common type of two values that meet (compared, or branches), adapting constants."""
    if lk is rk:
        return left, right, lk
    if lk is T.NULL:
        return retype(left, rk), right, rk
    if rk is T.NULL:
        return left, retype(right, lk), lk
    if lk in NUMERIC and rk in NUMERIC:
        return left, right, T.NUMBER
    for target in (T.MONEY, T.INSTANT):
        if lk is target:
            adapted = adapt(right, target)
            return (left, adapted, target) if adapted is not None else None
        if rk is target:
            adapted = adapt(left, target)
            return (adapted, right, target) if adapted is not None else None
    return None


def arith_type(
    op: ArithOp, left: Expr, lk: ExprType, right: Expr, rk: ExprType
) -> tuple[Expr, Expr, ExprType] | str:
    """The result of ``left op right``, or the name of the rule that forbids it."""
    if lk is T.NULL and rk is T.NULL:
        return retype(left, T.NUMBER), retype(right, T.NUMBER), T.NUMBER
    if lk is T.NULL:
        lk, left = (rk, retype(left, rk)) if rk in NUMERIC or rk is T.MONEY else (lk, left)
    if rk is T.NULL:
        rk, right = (lk, retype(right, lk)) if lk in NUMERIC or lk is T.MONEY else (rk, right)
    if lk in NUMERIC and rk in NUMERIC:
        both_int = lk is T.INTEGER and rk is T.INTEGER
        return left, right, T.INTEGER if both_int and op is not ArithOp.DIV else T.NUMBER
    if op in (ArithOp.ADD, ArithOp.SUB):
        return _additive(left, lk, right, rk)
    if op is ArithOp.MUL:
        if (lk is T.MONEY and rk in NUMERIC) or (lk in NUMERIC and rk is T.MONEY):
            return left, right, T.MONEY
        return "money-times-money" if lk is T.MONEY and rk is T.MONEY else "not-numbers"
    if lk is T.MONEY and rk in NUMERIC:
        return left, right, T.MONEY
    if lk is T.MONEY and rk is T.MONEY:
        return left, right, T.NUMBER
    return "number-by-money" if lk in NUMERIC and rk is T.MONEY else "not-numbers"


def _additive(
    left: Expr, lk: ExprType, right: Expr, rk: ExprType
) -> tuple[Expr, Expr, ExprType] | str:
    if lk is T.MONEY and rk is T.MONEY:
        return left, right, T.MONEY
    if lk is T.MONEY and rk in NUMERIC:
        adapted = adapt(right, T.MONEY)
        return (left, adapted, T.MONEY) if adapted is not None else "money-and-number"
    if lk in NUMERIC and rk is T.MONEY:
        adapted = adapt(left, T.MONEY)
        return (adapted, right, T.MONEY) if adapted is not None else "money-and-number"
    if T.DATE in (lk, rk) or T.INSTANT in (lk, rk):
        return "date-arithmetic"
    return "not-numbers"


_VERBS = {
    ArithOp.ADD: "add",
    ArithOp.SUB: "subtract",
    ArithOp.MUL: "multiply",
    ArithOp.DIV: "divide",
}


def arith_problem(
    op: ArithOp, left: Expr, lk: ExprType, right: Expr, rk: ExprType, rule: str
) -> tuple[str, Span, str]:
    """Message, span and hint for a forbidden arithmetic combination."""
    span = Span(left.span.start, right.span.end, left.span.line, left.span.column)
    verb = _VERBS[op]
    joiner = {"add": "and", "subtract": "and", "multiply": "by", "divide": "by"}[verb]
    message = f"cannot {verb} {describe(left, lk)} {joiner} {describe(right, rk)}"
    hints = {
        "money-times-money": "multiply an amount by a number (a count, a rate or a percentage)",
        "number-by-money": "divide money by money for a ratio, or money by a number for a share",
        "money-and-number": "both sides must be money; a number column cannot be added to an"
        " amount",
        "date-arithmetic": "use days_between(a, b) or hours_between(a, b) for a difference,"
        " and date_add(d, n, 'day') to move a date",
        "not-numbers": "arithmetic works on numbers and money only",
    }
    if rule == "not-numbers" and T.TEXT in (lk, rk):
        hints[rule] = "arithmetic works on numbers and money only; there is no text concatenation"
    return message, span, hints[rule]


def comparison_hint(left: Expr, lk: ExprType, right: Expr, rk: ExprType) -> str:
    """What the user probably meant when two operands cannot be compared."""
    for ak, b, bk in ((lk, right, rk), (rk, left, lk)):
        if isinstance(b, StringLit):
            if ak in NUMERIC or ak is T.MONEY:
                return _text_for_number_hint(b.value)
            if ak is T.DATE:
                return f"write date '{b.value}'" if _looks_like_date(b.value) else "write a date"
            if ak is T.INSTANT:
                return "write instant '2026-07-01T08:00:00+08:00' with an offset"
        if ak is T.TEXT and isinstance(b, NumberLit):
            return f"ids and codes are text: write '{render(b)}' in quotes"
        if ak is T.BOOLEAN and bk in NUMERIC:
            return "use true or false"
        if ak is T.INSTANT and bk is T.DATE:
            return (
                "an instant can be compared with a date literal or period_start/period_end;"
                " to test a period use in_period(x)"
            )
        if ak is T.MONEY and bk in NUMERIC:
            return "compare money with money (or with a number written as a literal)"
        if ak is T.DATE and bk in NUMERIC:
            return "use year(d), month(d) or days_between(a, b) to get a number from a date"
    return ""


def _text_for_number_hint(text: str) -> str:
    try:
        Decimal(text.replace("_", ""))
    except ArithmeticError:
        return "did you mean a number?"
    return f"did you mean the number {text} (without quotes)?"


def _looks_like_date(text: str) -> bool:
    return len(text) == 10 and text[4] == "-" and text[7] == "-"
