"""Frames computed as exact integers: places known before running, and the column types.

The places of a measure decide how its aggregate becomes an exact integer; the
frame's columns keep each value at its declared places.  Values are checked on
DuckDB, SQLite and PostgreSQL against the tiny CRM of ``test_engine_measure_data``.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from appraisal.engine.compile import compile_frame
from appraisal.engine.context import EvaluationContext
from appraisal.engine.frame_types import FrameNumber
from appraisal.engine.places import expression_places, type_places
from appraisal.engine.plan import FrameSpec
from appraisal.expr import parse
from appraisal.expr.sqltypes import ExprInteger, ExprMoney, ExprNumber
from appraisal.periods import Period
from appraisal.spec.enums import SubjectKind
from appraisal.store.types import Money
from tests.test_engine_measure_data import D, frame_rows, load, ruleset

COLUMNS: dict[str, int | None] = {"amount": 2, "cost": 2, "quantity": 0, "score": 4, "day": None}


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("amount", 2),
        ("amount - coalesce(cost, 0)", 2),  # the larger of 2 and 0
        ("amount * 15%", 4),  # 2 + 2 (15% is 0.15)
        ("amount * quantity + 0.125", 3),
        ("-score", 4),
        ("amount / 2", None),  # a quotient can have any number of places
        ("round(amount, 1)", None),
        ("days_between(day, day)", 0),
        ("coalesce(amount, day)", None),  # a column of unknown places
    ],
)
def test_places_of_measures(text: str, places: int | None) -> None:
    assert expression_places(parse(text), lambda path: COLUMNS[path[0]]) == places


def test_places_of_column_types() -> None:
    assert type_places(Money()) == 2
    assert type_places(sa.Integer()) == 0
    assert type_places(sa.Numeric(18, 4)) == 4
    assert type_places(ExprInteger()) == 0
    # computed values say nothing of their places
    assert type_places(ExprNumber()) is None and type_places(ExprMoney()) is None
    assert type_places(sa.Float()) is None and type_places(sa.Date()) is None


RULES = """
indicators:
  - {id: commission_sum, kind: aggregate, title: {en: C}, unit: money, direction: higher,
     subject: person, aggregate: sum, entity: orders, measure: amount * 15%,
     filter: "status in ('open', 'delivered')", link: staff_id,
     window: {mode: in_period, column: ordered_on}}
  - {id: commission_avg, kind: aggregate, title: {en: C}, unit: money, direction: higher,
     subject: person, aggregate: avg, entity: orders, measure: amount * 15%,
     filter: "status in ('open', 'delivered')", link: staff_id,
     window: {mode: in_period, column: ordered_on}}
  - {id: half_avg, kind: aggregate, title: {en: H}, unit: number, direction: higher,
     subject: person, aggregate: avg, entity: orders, measure: amount / (1 + 1),
     filter: "status in ('open', 'delivered')", link: staff_id,
     window: {mode: in_period, column: ordered_on}}
  - {id: orders_placed, kind: aggregate, title: {en: N}, unit: count, direction: higher,
     subject: person, aggregate: count, entity: orders, link: staff_id,
     filter: "status in ('open', 'delivered')",
     window: {mode: in_period, column: ordered_on}}
  - {id: per_order, kind: formula, title: {en: P}, unit: percent, direction: higher,
     subject: person, formula: commission_sum / orders_placed / 1000}
"""


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    load(engine)
    return engine


def test_measures_with_more_places_than_money_round_once(loaded: Engine) -> None:
    rules = ruleset(RULES)
    wanted = tuple(i.id for i in rules.indicators)
    with loaded.begin() as conn:
        rows = frame_rows(conn, rules, SubjectKind.PERSON, wanted, roles=("account_manager",))
    a1: dict[str, Any] = rows["A1"]
    # A1's open or delivered Q3 orders: O1 100.00 and O2 200.01.
    # 15 % of them: 15.0000 + 30.0015 = 45.0015 → 45.00 (the sum is rounded to cents once)
    assert a1["v__commission_sum"] == D("45.00")
    # 45.0015 / 2 = 22.50075 → 22.50 (not 45.00 / 2 = 22.50 by luck: 22.50075 rounds down)
    assert a1["v__commission_avg"] == D("22.50")
    # amount / (1 + 1) has unknown places (measured the general way, not as integers):
    # (50.000 + 100.005) / 2 = 75.0025 → 75.00 half up at 2 places
    assert a1["v__half_avg"] == D("75.00")
    # 45.00 / 2 / 1000 = 0.0225 (inputs are the rounded values)
    assert a1["v__orders_placed"] == 2
    assert a1["v__per_order"] == D("0.0225")


def test_frame_columns_keep_declared_places() -> None:
    rules = ruleset(RULES)
    wanted = tuple(i.id for i in rules.indicators)
    plan = compile_frame(
        EvaluationContext(rules, Period.parse("2026Q3")),
        FrameSpec("t", SubjectKind.PERSON, wanted),
    )
    types = {c.name: c.type for c in plan.columns}
    assert isinstance(types["v__commission_sum"], Money)
    assert isinstance(types["v__orders_placed"], ExprInteger)
    percent = types["v__per_order"]
    assert isinstance(percent, FrameNumber) and (percent.precision, percent.places) == (18, 4)
    number = types["v__half_avg"]
    assert isinstance(number, FrameNumber) and number.places == 2
