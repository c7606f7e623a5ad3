"""A Decimal interpreter for checked expressions.

Used for per-subject formulas over indicator values and as the reference the
SQL compiler is tested against.  Semantics follow SQL: null propagates through
arithmetic and comparisons, ``and``/``or`` use three-valued logic, division by
zero gives null.  Arithmetic runs in an explicit decimal context (38 digits,
half-even) that traps invalid operations, overflow and any mixing with floats.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    FloatOperation,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import assert_never

from appraisal.expr.ast import (
    Arith,
    ArithOp,
    Between,
    BoolLit,
    BoolOp,
    Call,
    Case,
    CmpOp,
    Compare,
    DateLit,
    Expr,
    Func,
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
from appraisal.expr.checker import TypedExpr
from appraisal.expr.functions import date_unit, round_digits
from appraisal.expr.params import ExprParams
from appraisal.expr.types import PERIOD_END, ExprType

Value = Decimal | date | datetime | str | bool | None
"""What an expression evaluates to (money and numbers are Decimal; instants are aware)."""

DECIMAL_CONTEXT = Context(
    prec=38,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, DivisionByZero, Overflow, FloatOperation],
)
"""The context every evaluation runs in: exact up to 38 significant digits."""


class EvaluationError(ValueError):
    """The caller's environment does not fit the expression (a missing or float value)."""


def evaluate(
    typed: TypedExpr, env: Mapping[str, object], params: ExprParams | None = None
) -> Value:
    """The value of a checked expression; ``env`` maps dotted names to values."""
    interpreter = _Interpreter(env, params or ExprParams())
    with localcontext(DECIMAL_CONTEXT):
        return interpreter.value_of(typed.expr)


_COMPARE: dict[CmpOp, Callable[[object, object], bool]] = {
    CmpOp.EQ: lambda a, b: a == b,
    CmpOp.NE: lambda a, b: a != b,
    CmpOp.LT: lambda a, b: a < b,  # type: ignore[operator]
    CmpOp.LE: lambda a, b: a <= b,  # type: ignore[operator]
    CmpOp.GT: lambda a, b: a > b,  # type: ignore[operator]
    CmpOp.GE: lambda a, b: a >= b,  # type: ignore[operator]
}


class _Interpreter:
    def __init__(self, env: Mapping[str, object], params: ExprParams) -> None:
        self.env = env
        self.params = params

    def value_of(self, node: Expr) -> Value:  # noqa: C901 - one arm per node kind
        match node:
            case NumberLit(value=value):
                return +value
            case StringLit(value=value):
                return value
            case BoolLit(value=value):
                return value
            case NullLit():
                return None
            case DateLit(value=value):
                return self.params.instant(value) if node.type is ExprType.INSTANT else value
            case InstantLit(value=value):
                return value
            case Name():
                return self.name(node)
            case Unary():
                return self.unary(node)
            case Arith():
                return self.arith(node)
            case Logic():
                return self.logic(node)
            case Compare(op=op, left=left, right=right):
                a, b = self.value_of(left), self.value_of(right)
                return None if a is None or b is None else _COMPARE[op](a, b)
            case InList():
                return self.in_list(node)
            case Between(operand=operand, low=low, high=high, negated=negated):
                x, lo, hi = self.value_of(operand), self.value_of(low), self.value_of(high)
                inside = _and(_cmp(CmpOp.GE, x, lo), _cmp(CmpOp.LE, x, hi))
                return _not(inside) if negated else inside
            case IsNull(operand=operand, negated=negated):
                return (self.value_of(operand) is None) != negated
            case Call():
                return self.call(node)
            case Case(whens=whens, default=default):
                for when in whens:
                    if self.value_of(when.condition) is True:
                        return self.value_of(when.value)
                return self.value_of(default) if default is not None else None

    def name(self, node: Name) -> Value:
        if node.path in (("period_start",), ("period_end",)):
            period = self.params.require_period()
            day = period.end if node.path == (PERIOD_END,) else period.start
            return self.params.instant(day) if node.type is ExprType.INSTANT else day
        key = node.dotted
        if key not in self.env:
            raise EvaluationError(f"no value given for {key!r}")
        return _coerce(key, self.env[key])

    def unary(self, node: Unary) -> Value:
        value = self.value_of(node.operand)
        if value is None:
            return None
        if node.op is UnaryOp.NOT:
            return not value
        assert isinstance(value, Decimal)
        return -value

    def arith(self, node: Arith) -> Value:
        a, b = self.value_of(node.left), self.value_of(node.right)
        if a is None or b is None:
            return None
        assert isinstance(a, Decimal) and isinstance(b, Decimal)
        op = node.op
        if op is ArithOp.ADD:
            return a + b
        if op is ArithOp.SUB:
            return a - b
        if op is ArithOp.MUL:
            return a * b
        if op is ArithOp.DIV:
            return None if b == 0 else a / b
        assert_never(op)

    def logic(self, node: Logic) -> Value:
        a, b = self.value_of(node.left), self.value_of(node.right)
        assert not isinstance(a, Decimal | str | date) and not isinstance(b, Decimal | str | date)
        return _and(a, b) if node.op is BoolOp.AND else _or(a, b)

    def in_list(self, node: InList) -> Value:
        x = self.value_of(node.operand)
        if x is None:
            return None
        values = [self.value_of(item) for item in node.items]
        found: bool | None = any(v == x for v in values if v is not None)
        if not found and any(v is None for v in values):
            found = None  # as SQL: no match, but a null item might have matched
        return _not(found) if node.negated else found

    def call(self, node: Call) -> Value:  # noqa: C901 - one arm per function
        func = node.func
        if func is Func.COALESCE:
            return next((v for v in map(self.value_of, node.args) if v is not None), None)
        if func is Func.IF:
            chosen = node.args[1] if self.value_of(node.args[0]) is True else node.args[2]
            return self.value_of(chosen)
        args = [self.value_of(arg) for arg in node.args]
        if func is Func.NULLIF:  # as SQL: CASE WHEN a = b THEN NULL ELSE a END
            return None if args[1] is not None and args[0] == args[1] else args[0]
        if any(a is None for a in args):
            return None
        if func is Func.ABS:
            return abs(_dec(args[0]))
        if func is Func.ROUND:
            step = Decimal(1).scaleb(-round_digits(node))
            return _dec(args[0]).quantize(step, rounding=ROUND_HALF_UP)
        if func is Func.LEAST:
            return min(args)  # type: ignore[type-var]
        if func is Func.GREATEST:
            return max(args)  # type: ignore[type-var]
        if func is Func.DAYS_BETWEEN:
            return Decimal((_day(args[1]) - _day(args[0])).days)
        if func is Func.HOURS_BETWEEN:
            return hours_between(_instant(args[0]), _instant(args[1]))
        if func is Func.DATE_ADD:
            return date_add(_day(args[0]), int(_dec(args[1])), date_unit(node))
        if func is Func.YEAR:
            return Decimal(_day(args[0]).year)
        if func is Func.MONTH:
            return Decimal(_day(args[0]).month)
        if func is Func.QUARTER:
            return Decimal((_day(args[0]).month + 2) // 3)
        if func is Func.LOWER:
            return str(args[0]).lower()
        if func is Func.UPPER:
            return str(args[0]).upper()
        if func is Func.LENGTH:
            return Decimal(len(str(args[0])))
        if func is Func.IN_PERIOD:
            return self.in_period(args[0])
        assert_never(func)

    def in_period(self, value: Value) -> bool:
        period = self.params.require_period()
        if isinstance(value, datetime):
            return self.params.instant(period.start) <= value < self.params.instant(period.end)
        return period.start <= _day(value) < period.end


def hours_between(start: datetime, end: datetime) -> Decimal:
    """Whole seconds from ``start`` to ``end`` (fractions of a second dropped), in hours."""
    seconds = int((end.replace(microsecond=0) - start.replace(microsecond=0)).total_seconds())
    return Decimal(seconds) / Decimal(3600)


def date_add(day: date, count: int, unit: str) -> date:
    """Move a date by days, months or years; month ends clamp (Jan 31 + 1 month = Feb 28)."""
    if unit == "day":
        return day + timedelta(days=count)
    months = count * 12 if unit == "year" else count
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _and(a: Value, b: Value) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _or(a: Value, b: Value) -> bool | None:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def _not(a: bool | None) -> bool | None:
    return None if a is None else not a


def _cmp(op: CmpOp, a: Value, b: Value) -> bool | None:
    return None if a is None or b is None else _COMPARE[op](a, b)


def _dec(value: Value) -> Decimal:
    assert isinstance(value, Decimal)
    return value


def _day(value: Value) -> date:
    assert isinstance(value, date) and not isinstance(value, datetime)
    return value


def _instant(value: Value) -> datetime:
    assert isinstance(value, datetime)
    return value


def _coerce(key: str, value: object) -> Value:
    """Accept exact values only: ints become Decimal, floats are refused."""
    if value is None or isinstance(value, Decimal | str | bool | date):
        if isinstance(value, datetime) and value.tzinfo is None:
            raise EvaluationError(f"{key!r} is a naive datetime; give instants a time zone")
        return value
    if isinstance(value, int):
        return Decimal(value)
    raise EvaluationError(
        f"{key!r} is a {type(value).__name__}; pass Decimal, int, str, bool, date or datetime"
    )
