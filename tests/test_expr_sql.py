"""Compiling expressions to SQL: the SQL text per dialect, and results on every backend.

The fixture table holds three rows worked out by hand: ordinary values, edge
values (a negative cent, zero cost, a leap day, instants one second either side
of the period start in Asia/Shanghai), and nulls everywhere.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import duckdb_engine
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from appraisal.expr import (
    EntityScope,
    ExprParams,
    ExprType,
    MappingScope,
    check,
    evaluate,
    parse,
    to_sql,
)
from appraisal.expr.checker import TypedExpr
from appraisal.expr.sqlfuncs import Multiply, SafeDivide
from appraisal.periods import Period
from appraisal.store.schema import ENTITIES
from appraisal.store.types import Money, UtcDateTime

T = ExprType
Q3 = ExprParams(Period.parse("2026Q3").range, "Asia/Shanghai")

METADATA = sa.MetaData()
TABLE = sa.Table(
    "expr_rows",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("amount", Money()),
    sa.Column("cost", Money()),
    sa.Column("qty", sa.Integer),
    sa.Column("rate", sa.Numeric(18, 4)),
    sa.Column("d1", sa.Date),
    sa.Column("d2", sa.Date),
    sa.Column("t1", UtcDateTime()),
    sa.Column("t2", UtcDateTime()),
    sa.Column("label", sa.String(40)),
    sa.Column("flag", sa.Boolean),
)
SCOPE = MappingScope.of(
    {
        "amount": T.MONEY,
        "cost": T.MONEY,
        "qty": T.INTEGER,
        "rate": T.NUMBER,
        "d1": T.DATE,
        "d2": T.DATE,
        "t1": T.INSTANT,
        "t2": T.INSTANT,
        "label": T.TEXT,
        "flag": T.BOOLEAN,
    }
)
ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "amount": Decimal("1234.56"),
        "cost": Decimal("1000.00"),
        "qty": 3,
        "rate": Decimal("0.1250"),
        "d1": date(2026, 1, 31),
        "d2": date(2026, 3, 1),
        "t1": datetime(2026, 7, 1, 0, 0, tzinfo=UTC),
        "t2": datetime(2026, 7, 2, 6, 30, 15, tzinfo=UTC),
        "label": "华东",
        "flag": True,
    },
    {
        "id": 2,
        "amount": Decimal("-0.01"),
        "cost": Decimal("0.00"),
        "qty": 0,
        "rate": Decimal("2.5000"),
        "d1": date(2024, 2, 29),
        "d2": date(2024, 2, 29),
        "t1": datetime(2026, 6, 30, 15, 59, 59, tzinfo=UTC),  # 23:59:59 in Shanghai
        "t2": datetime(2026, 6, 30, 16, 0, 0, tzinfo=UTC),  # 2026-07-01 00:00 in Shanghai
        "label": "VIP",
        "flag": False,
    },
    {"id": 3} | {c.name: None for c in TABLE.columns if c.name != "id"},
]


def typed(text: str) -> TypedExpr:
    result = check(parse(text), SCOPE)
    assert result.typed is not None, [i.render() for i in result.issues]
    return result.typed


def resolve(path: tuple[str, ...]) -> sa.ColumnElement[Any]:
    return TABLE.c[path[-1]]


def D(text: str) -> Decimal:
    return Decimal(text)


# expression → expected value per row, computed by hand
EXACT: list[tuple[str, list[object]]] = [
    ("amount + cost", [D("2234.56"), D("-0.01"), None]),
    ("amount - cost * 2", [D("-765.44"), D("-0.01"), None]),
    ("amount * qty", [D("3703.68"), D("0"), None]),
    ("round(amount * 15%, 2)", [D("185.18"), D("0"), None]),
    ("round(amount, 1)", [D("1234.6"), D("0"), None]),
    ("round(amount * 0.5, 2)", [D("617.28"), D("-0.01"), None]),  # -0.005 away from zero
    ("round(amount, 0) + round(cost * 1.0005, 3)", [D("2235.5"), D("0"), None]),
    ("round(rate, 2)", [D("0.13"), D("2.5"), None]),  # half away from zero, not half-even
    ("round(rate * 3, 1)", [D("0.4"), D("7.5"), None]),
    ("qty / 2", [D("1.5"), D("0"), None]),
    ("qty + 1", [D("4"), D("1"), None]),
    ("amount > 1000", [True, False, None]),
    ("amount = 1234.56", [True, False, None]),
    ("amount between -0.01 and 1000", [False, True, None]),
    ("amount >= cost + 234.56", [True, False, None]),
    ("coalesce(amount, 0)", [D("1234.56"), D("-0.01"), D("0")]),
    ("coalesce(cost, amount, 7.5)", [D("1000"), D("0"), D("7.5")]),
    ("greatest(amount, cost)", [D("1234.56"), D("0"), None]),
    ("least(qty, 1)", [D("1"), D("0"), None]),
    ("abs(amount)", [D("1234.56"), D("0.01"), None]),
    ("-amount", [D("-1234.56"), D("0.01"), None]),
    ("nullif(qty, 0)", [D("3"), None, None]),
    ("amount / cost is null", [False, True, True]),
    ("qty / qty", [D("1"), None, None]),
    ("days_between(d1, d2)", [D("29"), D("0"), None]),
    ("date_add(d1, 1, 'month')", [date(2026, 2, 28), date(2024, 3, 29), None]),
    ("date_add(d1, -1, 'month')", [date(2025, 12, 31), date(2024, 1, 29), None]),
    ("date_add(d1, 1, 'year')", [date(2027, 1, 31), date(2025, 2, 28), None]),
    ("date_add(d2, 30, 'day')", [date(2026, 3, 31), date(2024, 3, 30), None]),
    ("date_add(d1, qty, 'months')", [date(2026, 4, 30), date(2024, 2, 29), None]),
    ("round(hours_between(t1, t2), 2)", [D("30.50"), D("0"), None]),
    ("in_period(t1)", [True, False, None]),
    ("in_period(t2)", [True, True, None]),
    ("in_period(d1)", [False, False, None]),
    ("t2 < period_start", [False, False, None]),
    ("t1 < date '2026-07-01'", [False, True, None]),
    ("t1 >= instant '2026-07-01T07:59:59+08:00'", [True, False, None]),
    ("d2 >= date '2026-01-01' and d2 < period_end", [True, False, None]),
    ("year(d1)", [D("2026"), D("2024"), None]),
    ("month(d2)", [D("3"), D("2"), None]),
    ("quarter(d2) + quarter(date_add(d2, 3, 'month'))", [D("3"), D("3"), None]),
    ("length(label)", [D("2"), D("3"), None]),
    ("upper(label)", ["华东", "VIP", None]),
    ("lower(label)", ["华东", "vip", None]),
    ("label = '华东'", [True, False, None]),
    ("label in ('VIP', 'KA')", [False, True, None]),
    ("label not in ('VIP')", [True, False, None]),
    ("flag and amount > 0", [True, False, None]),
    ("flag or qty > 0", [True, False, None]),
    ("flag or amount > 0", [True, False, None]),
    ("not flag", [False, True, None]),
    ("flag = false", [False, True, None]),
    ("d2 is null", [False, False, True]),
    ("label is not null", [True, True, False]),
    ("not (label is null) and not flag", [False, True, False]),
    (
        "case when amount > 1000 then 'big' when amount > 0 then 'small' else 'none' end",
        ["big", "none", "none"],
    ),
    ("case when qty > 1 then amount end", [D("1234.56"), None, None]),
    ("if(flag, amount, cost)", [D("1234.56"), D("0"), None]),
    ("if(qty > 0, qty, null)", [D("3"), None, None]),
    ("'固定'", ["固定", "固定", "固定"]),
]

# division and hour counts: binary floating point on DuckDB and SQLite
APPROX: list[tuple[str, list[Decimal | None]]] = [
    ("amount / cost", [D("1.23456"), None, None]),
    ("amount / qty", [D("411.52"), None, None]),
    ("rate / 3", [D("0.125") / 3, D("2.5") / 3, None]),
    ("hours_between(t1, t2)", [D("109815") / 3600, D(1) / 3600, None]),
]


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    METADATA.create_all(engine)
    with engine.begin() as conn:
        conn.execute(TABLE.insert(), ROWS)
    return engine


def run(engine: Engine, expr: TypedExpr, params: ExprParams = Q3) -> list[object]:
    column = to_sql(expr, resolve, params).label("v")
    with engine.connect() as conn:
        statement = sa.select(column).select_from(TABLE).order_by(TABLE.c.id)
        return [row.v for row in conn.execute(statement)]


def by_python(expr: TypedExpr) -> list[object]:
    return [evaluate(expr, row, Q3) for row in ROWS]


def test_exact_results_on_every_backend(loaded: Engine) -> None:
    failures = []
    for text, expected in EXACT:
        expr = typed(text)
        got = run(loaded, expr)
        if got != expected or by_python(expr) != expected:
            failures.append((text, got, by_python(expr), expected))
    assert failures == []


def test_approximate_results_on_every_backend(loaded: Engine) -> None:
    for text, expected in APPROX:
        expr = typed(text)
        for results in (run(loaded, expr), by_python(expr)):
            for got, want in zip(results, expected, strict=True):
                if want is None:
                    assert got is None, text
                else:
                    assert isinstance(got, Decimal), text
                    assert abs(got - want) <= abs(want) * Decimal("1e-12"), (text, got, want)


def test_results_keep_their_python_types(loaded: Engine) -> None:
    (money, number, flag, day, text) = (
        run(loaded, typed(t))[0] for t in ("amount * 2", "rate + 1", "flag", "d1", "label")
    )
    assert (money, number, flag, day, text) == (
        Decimal("2469.12"),
        Decimal("1.125"),
        True,
        date(2026, 1, 31),
        "华东",
    )
    assert all(isinstance(v, Decimal) for v in (money, number))


def test_filters_in_where_clauses(loaded: Engine) -> None:
    condition = to_sql(typed("amount > 0 and not label in ('KA') or d2 is null"), resolve, Q3)
    with loaded.connect() as conn:
        ids = conn.execute(sa.select(TABLE.c.id).where(condition).order_by(TABLE.c.id))
        assert [row.id for row in ids] == [1, 3]


def test_sums_of_money_expressions_are_exact(loaded: Engine) -> None:
    total = sa.func.sum(to_sql(typed("coalesce(amount, 0) * 3 - 0.01"), resolve, Q3))
    with loaded.connect() as conn:
        value = conn.execute(sa.select(sa.type_coerce(total, Money())).select_from(TABLE))
        assert value.scalar_one() == Decimal("3703.62")


def test_period_placeholders_when_no_period_is_given(loaded: Engine) -> None:
    expr = typed("in_period(d2) or in_period(t1)")
    column = to_sql(expr, resolve, ExprParams(timezone="Asia/Shanghai")).label("v")
    statement = sa.select(column).order_by(TABLE.c.id)
    values = {
        "period_start": date(2026, 1, 1),
        "period_end": date(2026, 4, 1),
        "period_start_at": datetime(2025, 12, 31, 16, tzinfo=UTC),
        "period_end_at": datetime(2026, 3, 31, 16, tzinfo=UTC),
    }
    with loaded.connect() as conn:
        assert [r.v for r in conn.execute(statement, values)] == [True, False, None]


# --- compiled SQL text -------------------------------------------------------------------


def sql_text(text: str, dialect: sa.Dialect, literal: bool = False) -> str:
    compiled = to_sql(typed(text), resolve, Q3).compile(
        dialect=dialect, compile_kwargs={"literal_binds": literal}
    )
    return str(compiled)


DUCKDB = duckdb_engine.Dialect()
SQLITE = sqlite.dialect()
POSTGRES = postgresql.dialect()


@pytest.mark.parametrize(
    ("text", "duckdb_sql", "sqlite_sql"),
    [
        (
            "amount > 1000 and in_period(d1)",
            "expr_rows.amount > %(param_1)s AND expr_rows.d1 >= %(param_2)s"
            " AND expr_rows.d1 < %(param_3)s",
            "expr_rows.amount > ? AND expr_rows.d1 >= ? AND expr_rows.d1 < ?",
        ),
        (
            "amount / cost",
            "(CAST(expr_rows.amount AS DOUBLE) / NULLIF(expr_rows.cost, 0))",
            "(CAST(expr_rows.amount AS REAL) / NULLIF(expr_rows.cost, 0))",
        ),
        (
            "amount * rate",
            "(CAST(expr_rows.amount AS DECIMAL(38, 10)) * CAST(expr_rows.rate AS DECIMAL(38, 10)))",
            "(expr_rows.amount * expr_rows.rate)",
        ),
        (
            "round(amount, 2)",
            "ROUND(expr_rows.amount, 2)",
            "ROUND(expr_rows.amount, 0)",
        ),
        (
            "greatest(amount, cost)",
            "CASE WHEN expr_rows.amount IS NULL OR expr_rows.cost IS NULL THEN NULL"
            " ELSE GREATEST(expr_rows.amount, expr_rows.cost) END",
            "MAX(expr_rows.amount, expr_rows.cost)",
        ),
        (
            "days_between(d1, d2)",
            "(CAST(expr_rows.d2 AS DATE) - CAST(expr_rows.d1 AS DATE))",
            "CAST(julianday(expr_rows.d2) - julianday(expr_rows.d1) AS INTEGER)",
        ),
        (
            "hours_between(t1, t2)",
            "(date_diff('second', expr_rows.t1, expr_rows.t2) / 3600)",
            "((CAST(strftime('%s', expr_rows.t2) AS INTEGER)"
            " - CAST(strftime('%s', expr_rows.t1) AS INTEGER)) / 3600.0)",
        ),
        (
            "date_add(d1, 2, 'day')",
            "CAST(CAST(expr_rows.d1 AS DATE) + to_days(CAST(%(param_1)s AS INTEGER)) AS DATE)",
            "date(expr_rows.d1, printf('%+d days', ?))",
        ),
        (
            "quarter(d1)",
            "CAST(EXTRACT(QUARTER FROM CAST(expr_rows.d1 AS DATE)) AS INTEGER)",
            "((CAST(strftime('%m', expr_rows.d1) AS INTEGER) + 2) / 3)",
        ),
        (
            "label in ('a', 'b') and length(label) > 1",
            "expr_rows.label IN (%(param_1)s, %(param_2)s)"
            " AND length(expr_rows.label) > %(param_3)s",
            "expr_rows.label IN (?, ?) AND length(expr_rows.label) > ?",
        ),
        (
            "coalesce(d2, date_add(d1, 1, 'year'))",
            "coalesce(expr_rows.d2, CAST(CAST(expr_rows.d1 AS DATE)"
            " + to_months(CAST(%(param_1)s * %(param_2)s AS INTEGER)) AS DATE))",
            "coalesce(expr_rows.d2, MIN(date(date(expr_rows.d1, 'start of month',"
            " printf('%+d months', ? * ?)), printf('+%d days',"
            " CAST(strftime('%d', expr_rows.d1) AS INTEGER) - 1)),"
            " date(date(expr_rows.d1, 'start of month', printf('%+d months', ? * ?)),"
            " '+1 month', '-1 day')))",
        ),
        (
            "case when qty > 1 then 'many' else null end",
            "CASE WHEN (expr_rows.qty > %(param_1)s) THEN %(param_2)s"
            " ELSE CAST(NULL AS VARCHAR) END",
            "CASE WHEN (expr_rows.qty > ?) THEN ? ELSE CAST(NULL AS VARCHAR) END",
        ),
    ],
)
def test_compiled_sql(text: str, duckdb_sql: str, sqlite_sql: str) -> None:
    assert sql_text(text, DUCKDB) == duckdb_sql
    assert sql_text(text, SQLITE) == sqlite_sql


def test_literals_are_bound_parameters() -> None:
    text = "label = 'x'' or 1=1 --' and amount > 5"
    compiled = to_sql(typed(text), resolve, Q3).compile(dialect=POSTGRES)
    assert str(compiled) == (
        "expr_rows.label = %(param_1)s::VARCHAR AND expr_rows.amount > %(param_2)s"
    )
    assert compiled.params == {"param_1": "x' or 1=1 --", "param_2": Decimal("5")}


def test_money_literals_bind_as_cents_on_sqlite() -> None:
    assert sql_text("amount > 1000.5", SQLITE, literal=True) == "expr_rows.amount > 100050"
    assert sql_text("amount > 1000.5", DUCKDB, literal=True) == "expr_rows.amount > 1000.5"
    assert sql_text("qty > 1000", SQLITE, literal=True) == "expr_rows.qty > 1000"
    assert sql_text("d1 < period_end", SQLITE, literal=True) == "expr_rows.d1 < '2026-10-01'"


def test_compiles_against_the_data_model() -> None:
    orders = ENTITIES["orders"]
    customers = ENTITIES["customers"].alias("customer")
    columns = {("amount",): orders.c.amount, ("customer", "segment"): customers.c.segment}
    result = check(
        parse("amount >= 10_000 and customer.segment in ('VIP', 'KA')"),
        EntityScope("orders"),
        expect=T.BOOLEAN,
    )
    assert result.typed is not None
    condition = to_sql(result.typed, columns.__getitem__, Q3)
    assert str(condition.compile(dialect=SQLITE, compile_kwargs={"literal_binds": True})) == (
        "orders.amount >= 1000000 AND customer.segment IN ('VIP', 'KA')"
    )


def test_constructs_parenthesise_compound_arguments() -> None:
    a, b = TABLE.c.rate, TABLE.c.qty
    assert str(Multiply(a - b, 100).compile(dialect=SQLITE)) == (
        "((expr_rows.rate - expr_rows.qty) * ?)"
    )
    assert str(SafeDivide(a + 1, b - 1).compile(dialect=SQLITE)) == (
        "(CAST((expr_rows.rate + ?) AS REAL) / NULLIF((expr_rows.qty - ?), 0))"
    )
    assert sql_text("(rate - qty) * 100", SQLITE) == "((expr_rows.rate - expr_rows.qty) * ?)"
    assert sql_text("not (qty > 1 and d2 is null)", SQLITE) == (
        "NOT (expr_rows.qty > ? AND expr_rows.d2 IS NULL)"
    )
