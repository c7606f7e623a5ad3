"""The built-in functions: how many arguments each takes and how each is typed."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, assert_never

from appraisal.expr import diagnostics as d
from appraisal.expr.ast import Call, Expr, Func, NumberLit, StringLit
from appraisal.expr.rules import describe, phrases, retype
from appraisal.expr.types import ExprType

if TYPE_CHECKING:
    from appraisal.expr.checker import Checker

T = ExprType

ARITY: dict[Func, tuple[int, int | None]] = {
    Func.COALESCE: (2, None),
    Func.IF: (3, 3),
    Func.ABS: (1, 1),
    Func.ROUND: (1, 2),
    Func.LEAST: (2, None),
    Func.GREATEST: (2, None),
    Func.NULLIF: (2, 2),
    Func.DAYS_BETWEEN: (2, 2),
    Func.HOURS_BETWEEN: (2, 2),
    Func.DATE_ADD: (3, 3),
    Func.YEAR: (1, 1),
    Func.MONTH: (1, 1),
    Func.QUARTER: (1, 1),
    Func.LOWER: (1, 1),
    Func.UPPER: (1, 1),
    Func.LENGTH: (1, 1),
    Func.IN_PERIOD: (1, 1),
}
"""Minimum and maximum (None: any number) of arguments."""

SIGNATURES: dict[Func, str] = {
    Func.COALESCE: "coalesce(a, b, ...)",
    Func.IF: "if(condition, a, b)",
    Func.ABS: "abs(x)",
    Func.ROUND: "round(x, digits)",
    Func.LEAST: "least(a, b, ...)",
    Func.GREATEST: "greatest(a, b, ...)",
    Func.NULLIF: "nullif(a, b)",
    Func.DAYS_BETWEEN: "days_between(from_date, to_date)",
    Func.HOURS_BETWEEN: "hours_between(from_instant, to_instant)",
    Func.DATE_ADD: "date_add(date, n, 'day'|'month'|'year')",
    Func.YEAR: "year(date)",
    Func.MONTH: "month(date)",
    Func.QUARTER: "quarter(date)",
    Func.LOWER: "lower(text)",
    Func.UPPER: "upper(text)",
    Func.LENGTH: "length(text)",
    Func.IN_PERIOD: "in_period(date_or_instant)",
}

DATE_UNITS = {"day": "day", "days": "day", "month": "month", "months": "month"}
DATE_UNITS |= {"year": "year", "years": "year"}
"""Units accepted by date_add, and the canonical unit each means."""

MAX_ROUND_DIGITS = 10


def check_call(checker: Checker, node: Call) -> tuple[Expr, ExprType | None]:
    """Type a function call: arity first, then the function's own rule."""
    low, high = ARITY[node.func]
    count = len(node.args)
    if count < low or (high is not None and count > high):
        if low == high:
            expected = f"{low}"
        else:
            expected = f"at least {low}" if high is None else f"{low} or {high}"
        checker.error(
            d.ARGUMENT_COUNT,
            f"{node.func.value}() takes {expected} argument{'s' if expected != '1' else ''},"
            f" got {count}",
            node.span,
            f"write {SIGNATURES[node.func]}",
        )
        for arg in node.args:
            checker.infer(arg)
        return checker.typed(node, None)
    typed = [checker.infer(arg) for arg in node.args]
    args = tuple(a for a, _ in typed)
    kinds = [k for _, k in typed]
    rebuilt = replace(node, args=args)
    if any(k is None for k in kinds):
        return checker.typed(rebuilt, None)
    return _dispatch(checker, rebuilt, [k for k in kinds if k is not None])


def _dispatch(  # noqa: C901 - one arm per function
    checker: Checker, node: Call, kinds: list[ExprType]
) -> tuple[Expr, ExprType | None]:
    func = node.func
    if func is Func.COALESCE or func is Func.LEAST or func is Func.GREATEST:
        return _same_type(checker, node, kinds, ordered=func is not Func.COALESCE)
    if func is Func.IF:
        return _if(checker, node, kinds)
    if func is Func.ABS:
        return _want(checker, node, kinds, [_NUMBERS], result=None)
    if func is Func.ROUND:
        return _round(checker, node, kinds)
    if func is Func.NULLIF:
        return _nullif(checker, node, kinds)
    if func is Func.DAYS_BETWEEN:
        return _want(checker, node, kinds, [{T.DATE}, {T.DATE}], result=T.INTEGER)
    if func is Func.HOURS_BETWEEN:
        return _want(checker, node, kinds, [{T.INSTANT}, {T.INSTANT}], result=T.NUMBER)
    if func is Func.DATE_ADD:
        return _date_add(checker, node, kinds)
    if func is Func.YEAR or func is Func.MONTH or func is Func.QUARTER:
        return _want(checker, node, kinds, [{T.DATE}], result=T.INTEGER)
    if func is Func.LOWER or func is Func.UPPER:
        return _want(checker, node, kinds, [{T.TEXT}], result=T.TEXT)
    if func is Func.LENGTH:
        return _want(checker, node, kinds, [{T.TEXT}], result=T.INTEGER)
    if func is Func.IN_PERIOD:
        checker.uses_period = True
        return _want(checker, node, kinds, [{T.DATE, T.INSTANT}], result=T.BOOLEAN)
    assert_never(func)


_NUMBERS = frozenset({T.NUMBER, T.INTEGER, T.MONEY})

_ARG_HINTS = {
    (Func.DAYS_BETWEEN, T.INSTANT): "for instants use hours_between(a, b)",
    (Func.HOURS_BETWEEN, T.DATE): "for dates use days_between(a, b)",
    (Func.YEAR, T.INSTANT): "year() takes a date column",
    (Func.MONTH, T.INSTANT): "month() takes a date column",
    (Func.QUARTER, T.INSTANT): "quarter() takes a date column",
}


def _want(
    checker: Checker,
    node: Call,
    kinds: list[ExprType],
    wanted: list[frozenset[ExprType] | set[ExprType]],
    result: ExprType | None,
) -> tuple[Expr, ExprType | None]:
    """The first arguments must have one of the listed types; result None: the first's type."""
    args = list(node.args)
    for index, (arg, kind, allowed) in enumerate(zip(args, kinds, wanted, strict=False)):
        if kind is T.NULL:
            target = sorted(allowed)[0]
            args[index] = retype(arg, target)
            kinds[index] = target
            continue
        if kind in allowed or (kind is T.INTEGER and T.NUMBER in allowed):
            continue
        checker.error(
            d.OPERAND_TYPES,
            f"{node.func.value}() needs {phrases(allowed)}, but got {describe(arg, kind)}",
            arg.span,
            _ARG_HINTS.get((node.func, kind), f"write {SIGNATURES[node.func]}"),
        )
        return checker.typed(node, None)
    return checker.typed(replace(node, args=tuple(args)), result or kinds[0])


def _same_type(
    checker: Checker, node: Call, kinds: list[ExprType], ordered: bool
) -> tuple[Expr, ExprType | None]:
    values = list(zip(node.args, kinds, strict=True))
    unified = checker.unify_all(values, node.span, f"the arguments of {node.func.value}()")
    if unified is None:
        return checker.typed(node, None)
    args, kind = unified
    if ordered and kind is T.BOOLEAN:
        checker.error(
            d.OPERAND_TYPES,
            f"{node.func.value}() cannot order conditions",
            node.span,
            "use 'and' / 'or' to combine conditions",
        )
        return checker.typed(node, None)
    return checker.typed(replace(node, args=args), kind)


def _if(checker: Checker, node: Call, kinds: list[ExprType]) -> tuple[Expr, ExprType | None]:
    condition, *branches = node.args
    if kinds[0] not in (T.BOOLEAN, T.NULL):
        checker.not_boolean("if()", condition, kinds[0])
        return checker.typed(node, None)
    values = list(zip(branches, kinds[1:], strict=True))
    unified = checker.unify_all(values, node.span, "the branches of if()")
    if unified is None:
        return checker.typed(node, None)
    args, kind = unified
    return checker.typed(replace(node, args=(retype(condition, T.BOOLEAN), *args)), kind)


def _round(checker: Checker, node: Call, kinds: list[ExprType]) -> tuple[Expr, ExprType | None]:
    if len(node.args) == 2:
        digits = node.args[1]
        if not (
            isinstance(digits, NumberLit)
            and _is_whole(digits.value)
            and 0 <= digits.value <= MAX_ROUND_DIGITS
        ):
            checker.error(
                d.BAD_ARGUMENT,
                f"round() needs a whole number of digits from 0 to {MAX_ROUND_DIGITS},"
                " written as a number",
                digits.span,
                "e.g. round(x, 2)",
            )
            return checker.typed(node, None)
    typed, kind = _want(checker, node, list(kinds), [_NUMBERS], result=None)
    if kind is None or len(node.args) == 1:
        return typed, kind
    assert isinstance(typed, Call)
    digits_typed = replace(node.args[1], type=T.INTEGER)
    return checker.typed(replace(typed, args=(typed.args[0], digits_typed)), kind)


def _is_whole(value: Decimal) -> bool:
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and exponent >= 0


def _nullif(checker: Checker, node: Call, kinds: list[ExprType]) -> tuple[Expr, ExprType | None]:
    first, second = node.args
    pair = checker.comparable(first, kinds[0], second, kinds[1], node.span)
    if pair is None:
        return checker.typed(node, None)
    new_first, new_second, kind = pair
    return checker.typed(replace(node, args=(new_first, new_second)), kind)


def _date_add(checker: Checker, node: Call, kinds: list[ExprType]) -> tuple[Expr, ExprType | None]:
    typed, kind = _want(checker, node, kinds[:2], [{T.DATE}, {T.INTEGER}], result=T.DATE)
    unit = node.args[2]
    if kind is None:
        return checker.typed(node, None)
    if not isinstance(unit, StringLit) or unit.value not in DATE_UNITS:
        checker.error(
            d.BAD_ARGUMENT,
            "date_add() needs the unit 'day', 'month' or 'year' as its third argument",
            unit.span,
            "e.g. date_add(period_start, -1, 'month')",
        )
        return checker.typed(node, None)
    assert isinstance(typed, Call)
    return checker.typed(replace(typed, args=(*typed.args[:2], replace(unit, type=T.TEXT))), T.DATE)


def round_digits(node: Call) -> int:
    """The digits argument of a checked round() call (0 when omitted)."""
    if len(node.args) < 2:
        return 0
    digits = node.args[1]
    assert isinstance(digits, NumberLit)
    return int(digits.value)


def date_unit(node: Call) -> str:
    """The canonical unit of a checked date_add() call."""
    unit = node.args[2]
    assert isinstance(unit, StringLit)
    return DATE_UNITS[unit.value]
