"""Properties: rendering round-trips, and SQL agrees with the Decimal interpreter.

The SQL/interpreter agreement runs random well-typed expressions over a small
table on DuckDB and SQLite.  Values and literals are chosen exactly
representable in binary (multiples of 1/8, money in whole cents) so SQLite's
floating point is exact for everything except division, which is compared to a
relative 1e-9 and kept out of comparisons and rounding.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from appraisal.expr import ExprParams, ExprType, MappingScope, check, evaluate, parse, render
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
    When,
    walk,
)
from appraisal.expr.lexer import Positions, tokenize
from appraisal.expr.sql import to_sql
from appraisal.expr.types import KEYWORDS
from appraisal.periods import Period
from appraisal.store.database import connect
from appraisal.store.types import Money

# --- parse(render(e)) == e ------------------------------------------------------------------

identifiers = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda s: s not in KEYWORDS
)
decimals = st.decimals(
    allow_nan=False, allow_infinity=False, places=3, min_value=-(10**6), max_value=10**6
)
leaves: st.SearchStrategy[Expr] = st.one_of(
    st.builds(NumberLit, decimals, st.booleans()),
    st.builds(StringLit, st.text(max_size=8)),
    st.builds(BoolLit, st.booleans()),
    st.just(NullLit()),
    st.builds(DateLit, st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))),
    st.builds(
        InstantLit,
        st.datetimes(
            min_value=datetime(1990, 1, 1),  # noqa: DTZ001 - zone added below
            max_value=datetime(2100, 1, 1),  # noqa: DTZ001
            timezones=st.sampled_from([UTC, timezone(timedelta(hours=8))]),
        ),
    ),
    st.builds(lambda p: Name(tuple(p)), st.lists(identifiers, min_size=1, max_size=3)),
)


def _extend(inner: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    items = st.lists(inner, min_size=1, max_size=3).map(tuple)
    return st.one_of(
        st.builds(
            Unary,
            st.just(UnaryOp.NEG),
            inner.filter(lambda e: not isinstance(e, NumberLit)),
        ),
        st.builds(Unary, st.just(UnaryOp.NOT), inner),
        st.builds(Arith, st.sampled_from(ArithOp), inner, inner),
        st.builds(Logic, st.sampled_from(BoolOp), inner, inner),
        st.builds(Compare, st.sampled_from(CmpOp), inner, inner),
        st.builds(InList, inner, items, st.booleans()),
        st.builds(Between, inner, inner, inner, st.booleans()),
        st.builds(IsNull, inner, st.booleans()),
        st.builds(Call, st.sampled_from(Func), st.lists(inner, max_size=3).map(tuple)),
        st.builds(
            Case,
            st.lists(st.builds(When, inner, inner), min_size=1, max_size=2).map(tuple),
            st.none() | inner,
        ),
    )


trees = st.recursive(leaves, _extend, max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(trees)
def test_parse_render_round_trip(tree: Expr) -> None:
    text = render(tree)
    reparsed = parse(text)
    assert reparsed == tree
    assert render(reparsed) == text


@settings(max_examples=100, deadline=None)
@given(trees, st.lists(st.sampled_from([" ", "  ", "\n", "\t ", "\r\n  "]), min_size=1))
def test_formatting_does_not_matter(tree: Expr, spaces: list[str]) -> None:
    text = render(tree)
    tokens = tokenize(text, Positions(text))
    respaced = "".join(f"{spaces[i % len(spaces)]}{token.value}" for i, token in enumerate(tokens))
    assert parse(respaced) == tree


# --- SQL agrees with evaluate ----------------------------------------------------------------

T = ExprType
METADATA = sa.MetaData()
TABLE = sa.Table(
    "prop_rows",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("amount", Money()),
    sa.Column("cost", Money()),
    sa.Column("qty", sa.Integer),
    sa.Column("rate", sa.Numeric(18, 4)),
)
SCOPE = MappingScope.of({"amount": T.MONEY, "cost": T.MONEY, "qty": T.INTEGER, "rate": T.NUMBER})
ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "amount": Decimal("1234.56"),
        "cost": Decimal("1000.00"),
        "qty": 3,
        "rate": Decimal("0.125"),
    },
    {
        "id": 2,
        "amount": Decimal("-0.01"),
        "cost": Decimal("0.00"),
        "qty": 0,
        "rate": Decimal("2.5"),
    },
    {"id": 3, "amount": Decimal("0.00"), "cost": None, "qty": -7, "rate": Decimal("-0.75")},
    {"id": 4, "amount": None, "cost": Decimal("99.99"), "qty": None, "rate": None},
]
PARAMS = ExprParams(Period.parse("2026Q3").range)

NUMBER_LITERALS = ("0", "1", "2", "3", "-2", "0.5", "0.25", "1.75", "10", "100", "12.5%")
MONEY_LITERALS = ("0", "1", "100", "0.25", "-0.5", "1234.56", "0.01")


def lit(text: str) -> Expr:
    return parse(text)


@functools.cache
def numeric(depth: int, rounding: bool = True) -> st.SearchStrategy[Expr]:
    """Division-free unitless numbers (with round() unless ``rounding`` is False)."""
    leaf = st.one_of(
        st.sampled_from(NUMBER_LITERALS).map(lit),
        st.sampled_from(["qty", "rate"]).map(lambda n: Name((n,))),
    )
    if depth == 0:
        return leaf
    sub = numeric(depth - 1, rounding)
    rounded = st.builds(
        lambda e, n: Call(Func.ROUND, (e, NumberLit(Decimal(n)))), sub, st.integers(0, 3)
    )
    return st.one_of(
        leaf,
        rounded if rounding else leaf,
        st.builds(Arith, st.sampled_from([ArithOp.ADD, ArithOp.SUB, ArithOp.MUL]), sub, sub),
        sub.filter(lambda e: not isinstance(e, NumberLit)).map(lambda e: Unary(UnaryOp.NEG, e)),
        sub.map(lambda e: Call(Func.ABS, (e,))),
        st.builds(lambda a, b: Call(Func.COALESCE, (a, b)), sub, sub),
        st.builds(lambda c, a, b: Call(Func.IF, (c, a, b)), boolean(depth - 1), sub, sub),
        st.builds(lambda a, b: Call(Func.GREATEST, (a, b)), sub, sub),
        st.builds(lambda a, b: Call(Func.NULLIF, (a, b)), sub, sub),
    )


@functools.cache
def money(depth: int, rounding: bool = True) -> st.SearchStrategy[Expr]:
    """Division-free money (with round() unless ``rounding`` is False)."""
    leaf = st.sampled_from(["amount", "cost"]).map(lambda n: Name((n,)))
    if depth == 0:
        return leaf
    sub = money(depth - 1, rounding)
    constant = st.sampled_from(MONEY_LITERALS).map(lit)
    rounded = st.builds(
        lambda e, n: Call(Func.ROUND, (e, NumberLit(Decimal(n)))), sub, st.integers(0, 3)
    )
    return st.one_of(
        leaf,
        rounded if rounding else leaf,
        st.builds(Arith, st.sampled_from([ArithOp.ADD, ArithOp.SUB]), sub, sub | constant),
        st.builds(Arith, st.just(ArithOp.MUL), sub, numeric(depth - 1, rounding)),
        st.builds(Arith, st.just(ArithOp.MUL), numeric(depth - 1, rounding), sub),
        sub.map(lambda e: Unary(UnaryOp.NEG, e)),
        st.builds(lambda a, b: Call(Func.COALESCE, (a, b)), sub, sub | constant),
        st.builds(lambda a, b: Call(Func.LEAST, (a, b)), sub, sub),
        st.builds(lambda c, a, b: Case((When(c, a),), b), boolean(depth - 1), sub, st.none() | sub),
    )


@functools.cache
def boolean(depth: int) -> st.SearchStrategy[Expr]:
    """Conditions over division- and rounding-free operands (exact on SQLite too)."""
    num, cash = numeric(max(depth - 1, 0), False), money(max(depth - 1, 0), False)
    constant = st.sampled_from(MONEY_LITERALS).map(lit)
    base = st.one_of(
        st.builds(Compare, st.sampled_from(CmpOp), num, num),
        st.builds(Compare, st.sampled_from(CmpOp), cash, cash | constant),
        st.builds(Between, num, num, num, st.booleans()),
        st.builds(InList, num, st.lists(num, min_size=1, max_size=3).map(tuple), st.booleans()),
        st.builds(IsNull, cash | num, st.booleans()),
    )
    if depth == 0:
        return base
    sub = boolean(depth - 1)
    return st.one_of(
        base,
        st.builds(Logic, st.sampled_from(BoolOp), sub, sub),
        sub.map(lambda e: Unary(UnaryOp.NOT, e)),
    )


def ratio(depth: int) -> st.SearchStrategy[Expr]:
    """Expressions with division (compared approximately)."""
    return st.one_of(
        st.builds(Arith, st.just(ArithOp.DIV), numeric(depth), numeric(depth)),
        st.builds(Arith, st.just(ArithOp.DIV), money(depth), money(depth)),
        st.builds(Arith, st.just(ArithOp.DIV), money(depth), numeric(depth)),
    )


@pytest.fixture(scope="module", params=["duckdb", "sqlite"])
def prop_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("expr") / f"props.{request.param}"
    engine = connect(f"{request.param}:///{path}")
    METADATA.create_all(engine)
    with engine.begin() as conn:
        conn.execute(TABLE.insert(), ROWS)
    yield engine
    engine.dispose()


def through_both(engine: Engine, tree: Expr) -> tuple[list[object], list[object]]:
    text = render(tree)
    result = check(parse(text), SCOPE)
    assert result.typed is not None, (text, [i.render() for i in result.issues])
    column = to_sql(result.typed, lambda p: TABLE.c[p[0]], PARAMS).label("v")
    with engine.connect() as conn:
        statement = sa.select(column).select_from(TABLE).order_by(TABLE.c.id)
        by_sql = [row.v for row in conn.execute(statement)]
    by_python = [evaluate(result.typed, row, PARAMS) for row in ROWS]
    return by_sql, by_python


EXAMPLES = settings(
    max_examples=int(__import__("os").environ.get("EXPR_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@EXAMPLES
@given(st.one_of(numeric(3), money(3), boolean(2)))
def test_sql_matches_evaluate(prop_engine: Engine, tree: Expr) -> None:
    """Exact on DuckDB; on SQLite exact without round(), else to binary precision."""
    by_sql, by_python = through_both(prop_engine, tree)
    exact = prop_engine.dialect.name == "duckdb" or not any(
        isinstance(n, Call) and n.func is Func.ROUND for n in walk(tree)
    )
    if exact:
        assert by_sql == by_python, render(tree)
    else:
        assert_close(by_sql, by_python, render(tree), Decimal("1e-12"))


@EXAMPLES
@given(ratio(2))
def test_sql_matches_evaluate_for_division(prop_engine: Engine, tree: Expr) -> None:
    assert any(isinstance(n, Arith) and n.op is ArithOp.DIV for n in walk(tree))
    by_sql, by_python = through_both(prop_engine, tree)
    assert_close(by_sql, by_python, render(tree), Decimal("1e-9"))


def assert_close(by_sql: list[object], by_python: list[object], text: str, rel: Decimal) -> None:
    for got, want in zip(by_sql, by_python, strict=True):
        if not isinstance(want, Decimal):
            assert got == want, text
        else:
            assert isinstance(got, Decimal), text
            assert abs(got - want) <= max(abs(want), Decimal(1)) * rel, (text, got, want)
