"""SQL constructs whose spelling differs between DuckDB, SQLite and PostgreSQL.

Each construct renders its arguments through the compiler (so literals stay
bound parameters) and only the surrounding function syntax varies by dialect.
The default rendering is PostgreSQL's; DuckDB and SQLite override where needed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import operators
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class _Func(FunctionElement[Any]):
    inherit_cache = True


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    """The rendered arguments, parenthesised when they bind looser than ``*``.

    The renderings below put arguments next to operators (``a * b``, ``a IS
    NULL``), so ``x - y`` passed in must come out as ``(x - y)``.
    """
    return [
        compiler.process(arg.self_group(against=operators.mul), **kw) for arg in element.clauses
    ]


class SafeDivide(_Func):
    """``a / b`` as a fractional division that gives NULL when ``b`` is 0."""

    name = "safe_divide"
    inherit_cache = True


@compiles(SafeDivide)
def _divide_pg(element: SafeDivide, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"(CAST({a} AS NUMERIC) / NULLIF({b}, 0))"


@compiles(SafeDivide, "sqlite")
def _divide_sqlite(element: SafeDivide, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"(CAST({a} AS REAL) / NULLIF({b}, 0))"


@compiles(SafeDivide, "duckdb")
def _divide_duckdb(element: SafeDivide, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"(CAST({a} AS DOUBLE) / NULLIF({b}, 0))"


class Multiply(_Func):
    """``a * b`` for fractional results.

    DuckDB keeps the width of DECIMAL(18, s) operands and overflows on large
    products, so there both sides are widened to DECIMAL(38, 10) first.
    """

    name = "multiply"
    inherit_cache = True


@compiles(Multiply)
def _multiply(element: Multiply, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"({a} * {b})"


@compiles(Multiply, "duckdb")
def _multiply_duckdb(element: Multiply, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"(CAST({a} AS DECIMAL(38, 10)) * CAST({b} AS DECIMAL(38, 10)))"


class RoundTo(_Func):
    """``round(x, digits)``, half away from zero; ``digits`` is a rendered integer literal."""

    name = "round_to"
    inherit_cache = True


@compiles(RoundTo)
def _round_pg(element: RoundTo, compiler: SQLCompiler, **kw: Any) -> str:
    x, digits = _args(element, compiler, **kw)
    return f"ROUND(CAST({x} AS NUMERIC), {digits})"


@compiles(RoundTo, "sqlite")
@compiles(RoundTo, "duckdb")
def _round_native(element: RoundTo, compiler: SQLCompiler, **kw: Any) -> str:
    x, digits = _args(element, compiler, **kw)
    return f"ROUND({x}, {digits})"


class RoundCents(RoundTo):
    """``round(money, digits)`` where money is in cents (SQLite): round the amount, not cents."""

    name = "round_cents"
    inherit_cache = True


@compiles(RoundCents, "sqlite")
def _round_cents_sqlite(element: RoundCents, compiler: SQLCompiler, **kw: Any) -> str:
    # Work in cents with whole-number factors so the float arithmetic stays exact:
    # round(x, 1) on cents is ROUND(cents / 10.0) * 10, round(x, 3) is ROUND(cents, 1).
    x, digits_text = _args(element, compiler, **kw)
    digits = int(digits_text)
    if digits >= 2:
        return f"ROUND({x}, {digits - 2})"
    factor = 10 ** (2 - digits)
    return f"(ROUND(CAST({x} AS REAL) / {factor}.0) * {factor})"


class _Extreme(_Func):
    inherit_cache = True
    sql_name = ""
    sqlite_name = ""


class Least(_Extreme):
    """``least(a, b, ...)``: null when any argument is null (as SQLite's min())."""

    name = "least_of"
    sql_name = "LEAST"
    sqlite_name = "MIN"
    inherit_cache = True


class Greatest(_Extreme):
    """``greatest(a, b, ...)``: null when any argument is null (as SQLite's max())."""

    name = "greatest_of"
    sql_name = "GREATEST"
    sqlite_name = "MAX"
    inherit_cache = True


@compiles(Least)
@compiles(Greatest)
def _extreme(element: _Extreme, compiler: SQLCompiler, **kw: Any) -> str:
    args = _args(element, compiler, **kw)
    any_null = " OR ".join(f"{a} IS NULL" for a in args)
    return f"CASE WHEN {any_null} THEN NULL ELSE {element.sql_name}({', '.join(args)}) END"


@compiles(Least, "sqlite")
@compiles(Greatest, "sqlite")
def _extreme_sqlite(element: _Extreme, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{element.sqlite_name}({', '.join(_args(element, compiler, **kw))})"


class DaysBetween(_Func):
    """Whole days from the first date to the second."""

    name = "days_between"
    inherit_cache = True


@compiles(DaysBetween)
@compiles(DaysBetween, "duckdb")
def _days_pg(element: DaysBetween, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"(CAST({b} AS DATE) - CAST({a} AS DATE))"


@compiles(DaysBetween, "sqlite")
def _days_sqlite(element: DaysBetween, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"CAST(julianday({b}) - julianday({a}) AS INTEGER)"


class HoursBetween(_Func):
    """Hours from the first instant to the second, counting whole seconds."""

    name = "hours_between"
    inherit_cache = True


@compiles(HoursBetween)
def _hours_pg(element: HoursBetween, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    seconds = f"EXTRACT(EPOCH FROM (date_trunc('second', {b}) - date_trunc('second', {a})))"
    return f"(CAST({seconds} AS NUMERIC) / 3600)"


@compiles(HoursBetween, "duckdb")
def _hours_duckdb(element: HoursBetween, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"(date_diff('second', {a}, {b}) / 3600)"


@compiles(HoursBetween, "sqlite")
def _hours_sqlite(element: HoursBetween, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    seconds = f"(CAST(strftime('%s', {b}) AS INTEGER) - CAST(strftime('%s', {a}) AS INTEGER))"
    return f"({seconds} / 3600.0)"


class AddDays(_Func):
    """``date_add(d, n, 'day')``."""

    name = "add_days"
    inherit_cache = True


class AddMonths(_Func):
    """``date_add(d, n, 'month')`` (years are 12 months); month ends clamp."""

    name = "add_months"
    inherit_cache = True


@compiles(AddDays)
def _add_days_pg(element: AddDays, compiler: SQLCompiler, **kw: Any) -> str:
    d, n = _args(element, compiler, **kw)
    return f"(CAST({d} AS DATE) + CAST({n} AS INTEGER))"


@compiles(AddMonths)
def _add_months_pg(element: AddMonths, compiler: SQLCompiler, **kw: Any) -> str:
    d, n = _args(element, compiler, **kw)
    return f"CAST(CAST({d} AS DATE) + make_interval(months => CAST({n} AS INTEGER)) AS DATE)"


@compiles(AddDays, "duckdb")
def _add_days_duckdb(element: AddDays, compiler: SQLCompiler, **kw: Any) -> str:
    d, n = _args(element, compiler, **kw)
    return f"CAST(CAST({d} AS DATE) + to_days(CAST({n} AS INTEGER)) AS DATE)"


@compiles(AddMonths, "duckdb")
def _add_months_duckdb(element: AddMonths, compiler: SQLCompiler, **kw: Any) -> str:
    d, n = _args(element, compiler, **kw)
    return f"CAST(CAST({d} AS DATE) + to_months(CAST({n} AS INTEGER)) AS DATE)"


@compiles(AddDays, "sqlite")
def _add_days_sqlite(element: AddDays, compiler: SQLCompiler, **kw: Any) -> str:
    d, n = _args(element, compiler, **kw)
    return f"date({d}, printf('%+d days', {n}))"


@compiles(AddMonths, "sqlite")
def _add_months_sqlite(element: AddMonths, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite rolls Jan 31 + 1 month over to Mar 3; clamp to the target month's last day.
    d, n = _args(element, compiler, **kw)
    first = f"date({d}, 'start of month', printf('%+d months', {n}))"
    same_day = f"date({first}, printf('+%d days', CAST(strftime('%d', {d}) AS INTEGER) - 1))"
    last_day = f"date({first}, '+1 month', '-1 day')"
    return f"MIN({same_day}, {last_day})"


class _DatePart(_Func):
    inherit_cache = True
    part = ""


class YearOf(_DatePart):
    """``year(d)``."""

    name = "year_of"
    part = "YEAR"
    inherit_cache = True


class MonthOf(_DatePart):
    """``month(d)``."""

    name = "month_of"
    part = "MONTH"
    inherit_cache = True


class QuarterOf(_DatePart):
    """``quarter(d)``."""

    name = "quarter_of"
    part = "QUARTER"
    inherit_cache = True


@compiles(YearOf)
@compiles(MonthOf)
@compiles(QuarterOf)
def _part_pg(element: _DatePart, compiler: SQLCompiler, **kw: Any) -> str:
    (d,) = _args(element, compiler, **kw)
    return f"CAST(EXTRACT({element.part} FROM CAST({d} AS DATE)) AS INTEGER)"


@compiles(YearOf, "sqlite")
@compiles(MonthOf, "sqlite")
@compiles(QuarterOf, "sqlite")
def _part_sqlite(element: _DatePart, compiler: SQLCompiler, **kw: Any) -> str:
    (d,) = _args(element, compiler, **kw)
    if element.part == "YEAR":
        return f"CAST(strftime('%Y', {d}) AS INTEGER)"
    month = f"CAST(strftime('%m', {d}) AS INTEGER)"
    return month if element.part == "MONTH" else f"(({month} + 2) / 3)"


class TextLength(_Func):
    """Length in characters (not bytes) on every backend."""

    name = "text_length"
    inherit_cache = True


@compiles(TextLength)
def _length_pg(element: TextLength, compiler: SQLCompiler, **kw: Any) -> str:
    (text,) = _args(element, compiler, **kw)
    return f"char_length({text})"


@compiles(TextLength, "sqlite")
@compiles(TextLength, "duckdb")
def _length_other(element: TextLength, compiler: SQLCompiler, **kw: Any) -> str:
    (text,) = _args(element, compiler, **kw)
    return f"length({text})"
