"""The numeric policy: one exact rounding construct, identical on every backend.

Each case is ``n / d`` rounded to ``places`` with every mode, compared with
:mod:`decimal` doing the same exactly; the cases sit on ties (1/8, 2.675,
1/32, -1/8, 5/2) and beside them.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from appraisal.engine.numeric import RoundQuotient
from appraisal.expr.sqltypes import ExprInteger, ExprMoney, ExprNumber
from appraisal.expr.types import ExprType
from appraisal.spec.enums import RoundingMode

CASES = [
    (1, 8, 2),
    (2675, 1000, 2),
    (1, 32, 4),
    (-1, 8, 2),
    (5, 2, 0),
    (-5, 2, 0),
    (7, 3, 4),
    (267499, 100000, 2),
    (0, 5, 2),
    (123456767500, 100000, 2),
]


def exact(n: int, d: int, places: int, mode: RoundingMode) -> Decimal:
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(n) / Decimal(d)).quantize(quantum, rounding=mode.decimal_mode)


def test_integer_quotients_round_like_decimal(engine: Engine) -> None:
    checks = list(itertools.product(CASES, list(RoundingMode)))
    columns = [
        sa.type_coerce(
            RoundQuotient(
                sa.literal(n, ExprInteger()),
                sa.literal(d, ExprInteger()),
                p,
                mode,
                ExprType.INTEGER,
            ),
            ExprNumber(),
        ).label(f"c{i}")
        for i, ((n, d, p), mode) in enumerate(checks)
    ]
    with engine.connect() as conn:
        row = conn.execute(sa.select(*columns)).one()
    got = [Decimal(v) for v in row]
    assert got == [exact(n, d, p, mode) for (n, d, p), mode in checks]


@pytest.mark.parametrize("mode", [RoundingMode.HALF_UP, RoundingMode.HALF_EVEN])
def test_decimal_values_and_zero_denominator(engine: Engine, mode: RoundingMode) -> None:
    number = ExprNumber()
    values = [
        RoundQuotient(sa.literal(Decimal("2.675"), number), None, 2, mode, ExprType.NUMBER),
        RoundQuotient(
            sa.literal(Decimal("0.125"), number),
            sa.literal(1, ExprInteger()),
            2,
            mode,
            ExprType.NUMBER,
        ),
        RoundQuotient(
            sa.literal(Decimal("1"), number),
            sa.literal(0, ExprInteger()),
            2,
            mode,
            ExprType.NUMBER,
        ),
    ]
    with engine.connect() as conn:
        row = conn.execute(sa.select(*(sa.type_coerce(v, number) for v in values))).one()
    even = mode is RoundingMode.HALF_EVEN
    assert [None if v is None else Decimal(v) for v in row] == [
        Decimal("2.68"),
        Decimal("0.12") if even else Decimal("0.13"),
        None,
    ]


def test_money_average_in_cents_on_every_backend(engine: Engine) -> None:
    """(100.00 + 200.01) / 2 = 150.005: half up 150.01, half even 150.00 (cents on SQLite)."""
    money = ExprMoney()
    total = sa.literal(Decimal("300.01"), money)
    count = sa.literal(2, ExprInteger())
    up = RoundQuotient(total, count, 2, RoundingMode.HALF_UP, ExprType.MONEY, in_cents=True)
    even = RoundQuotient(total, count, 2, RoundingMode.HALF_EVEN, ExprType.MONEY, in_cents=True)
    with engine.connect() as conn:
        row = conn.execute(sa.select(sa.type_coerce(up, money), sa.type_coerce(even, money))).one()
    assert tuple(row) == (Decimal("150.01"), Decimal("150.00"))
