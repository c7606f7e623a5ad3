"""The Decimal interpreter: SQL semantics for null, three-valued logic, exact arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from appraisal.expr import (
    EvaluationError,
    ExprParams,
    ExprType,
    MappingScope,
    check,
    evaluate,
    parse,
)
from appraisal.expr.checker import TypedExpr
from appraisal.expr.evaluate import date_add, hours_between
from appraisal.periods import Period

T = ExprType
SCOPE = MappingScope.of(
    {
        "a": T.BOOLEAN,
        "b": T.BOOLEAN,
        "x": T.NUMBER,
        "n": T.INTEGER,
        "m": T.MONEY,
        "d": T.DATE,
        "t": T.INSTANT,
        "s": T.TEXT,
        "E": T.INTEGER,
        "N": T.INTEGER,
        "S": T.INTEGER,
    }
)
Q3 = ExprParams(Period.parse("2026Q3").range, "Asia/Shanghai")


def typed(text: str) -> TypedExpr:
    result = check(parse(text), SCOPE)
    assert result.typed is not None, [i.render() for i in result.issues]
    return result.typed


def ev(text: str, **env: object) -> object:
    return evaluate(typed(text), env, Q3)


@pytest.mark.parametrize(
    ("a", "b", "and_", "or_"),
    [
        (True, True, True, True),
        (True, False, False, True),
        (True, None, None, True),
        (False, None, False, None),
        (None, None, None, None),
        (False, False, False, False),
    ],
)
def test_three_valued_logic(a: bool | None, b: bool | None, and_: object, or_: object) -> None:
    assert ev("a and b", a=a, b=b) is and_
    assert ev("b and a", a=a, b=b) is and_
    assert ev("a or b", a=a, b=b) is or_
    assert ev("not a", a=a) is (None if a is None else not a)


def test_null_propagates_and_division_by_zero_is_null() -> None:
    assert ev("x + 1", x=None) is None
    assert ev("x > 1", x=None) is None
    assert ev("x / n", x=Decimal(1), n=0) is None
    assert ev("m / 0", m=Decimal("5.00")) is None
    assert ev("coalesce(x / n, 0)", x=Decimal(1), n=0) == 0
    assert ev("x in (1, 2)", x=None) is None
    assert ev("x not in (1, 2)", x=Decimal(3)) is True
    assert ev("x in (n, 2)", x=Decimal(3), n=None) is None
    assert ev("x not in (n, 2)", x=Decimal(3), n=None) is None
    assert ev("x in (n, 3)", x=Decimal(3), n=None) is True
    assert ev("x between 1 and 2", x=None) is None
    assert ev("x not between 1 and 2", x=Decimal("2.5")) is True
    assert ev("x is null", x=None) is True
    assert ev("case when x > 1 then 'big' else 'small' end", x=None) == "small"
    assert ev("if(x > 1, 1, 2)", x=None) == 2
    assert ev("greatest(x, 1)", x=None) is None
    assert ev("nullif(n, 0)", n=0) is None
    assert ev("nullif(0, n)", n=None) == 0
    assert ev("nullif(n, 0)", n=None) is None


def test_exact_decimal_arithmetic() -> None:
    assert ev("x * 3", x=Decimal("0.1")) == Decimal("0.3")
    assert ev("0.1 + 0.2") == Decimal("0.3")
    assert ev("m * 15%", m=Decimal("1234.56")) == Decimal("185.1840")
    assert ev("1 / 3") == Decimal("0.33333333333333333333333333333333333333")
    assert ev("(E - N) / S", E=95, N=10, S=100) == Decimal("0.85")
    assert ev("n * 2 + 1", n=20) == 41
    assert ev("1_000_000 * 1_000_000") == Decimal("1000000000000")


def test_round_is_half_away_from_zero() -> None:
    assert ev("round(x, 2)", x=Decimal("0.125")) == Decimal("0.13")
    assert ev("round(x, 2)", x=Decimal("-0.125")) == Decimal("-0.13")
    assert ev("round(x)", x=Decimal("2.5")) == 3
    assert ev("round(m, 2)", m=Decimal("0.005")) == Decimal("0.01")


def test_dates_and_instants() -> None:
    assert ev("days_between(d, date '2026-03-01')", d=date(2026, 1, 31)) == 29
    assert ev("date_add(d, 1, 'month')", d=date(2026, 1, 31)) == date(2026, 2, 28)
    assert ev("date_add(d, -12, 'months')", d=date(2024, 2, 29)) == date(2023, 2, 28)
    assert ev("date_add(d, 1, 'year')", d=date(2024, 2, 29)) == date(2025, 2, 28)
    assert ev("date_add(d, -1, 'day')", d=date(2026, 3, 1)) == date(2026, 2, 28)
    assert ev("quarter(d) * 10 + month(d)", d=date(2026, 11, 5)) == 51
    start = datetime(2026, 7, 1, 9, 0, 0, 900000, tzinfo=UTC)
    # whole seconds of the clock: 09:00:00.9 → 10:00:00.1 counts as one hour
    assert hours_between(start, start + timedelta(seconds=3599, microseconds=200000)) == 1
    assert hours_between(start, start + timedelta(minutes=90)) == Decimal("1.5")
    beijing = timezone(timedelta(hours=8))
    assert ev("in_period(t)", t=datetime(2026, 7, 1, 0, 0, tzinfo=beijing)) is True
    assert ev("in_period(t)", t=datetime(2026, 6, 30, 23, 59, 59, tzinfo=beijing)) is False
    assert ev("in_period(t)", t=datetime(2026, 9, 30, 16, 0, tzinfo=UTC)) is False
    assert ev("in_period(d)", d=date(2026, 9, 30)) is True
    assert ev("in_period(d)", d=date(2026, 10, 1)) is False
    assert ev("t >= period_start", t=datetime(2026, 6, 30, 16, 0, tzinfo=UTC)) is True
    assert ev("t < date '2026-07-01'", t=datetime(2026, 6, 30, 15, 59, tzinfo=UTC)) is True
    assert ev("period_end") == date(2026, 10, 1)


def test_date_add_clamps_month_ends() -> None:
    assert date_add(date(2026, 3, 31), -1, "month") == date(2026, 2, 28)
    assert date_add(date(2026, 12, 15), 1, "month") == date(2027, 1, 15)
    assert date_add(date(2026, 1, 15), -13, "month") == date(2024, 12, 15)


def test_text_functions_are_unicode_aware() -> None:
    assert ev("length(s)", s="华东区") == 3
    assert ev("upper(s)", s="vip客户") == "VIP客户"
    assert ev("s in ('华东', '华南')", s="华南") is True


def test_environment_must_be_exact_and_complete() -> None:
    with pytest.raises(EvaluationError, match="'x' is a float; pass Decimal"):
        ev("x + 1", x=0.1)
    with pytest.raises(EvaluationError, match="no value given for 'x'"):
        ev("x + 1")
    with pytest.raises(EvaluationError, match="naive datetime"):
        ev("in_period(t)", t=datetime(2026, 7, 1))  # noqa: DTZ001 - refused on purpose
    with pytest.raises(ValueError, match="refers to the period"):
        evaluate(typed("in_period(d)"), {"d": date(2026, 7, 1)})


def test_ints_are_accepted_as_exact_numbers() -> None:
    assert ev("n + x", n=2, x=Decimal("0.5")) == Decimal("2.5")
    assert ev("a = true", a=True) is True
