"""The data model stores money exactly and instants in UTC on every backend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from appraisal.store.database import create_schema
from appraisal.store.schema import ENTITIES, Customer, Order, Ticket, field_info
from appraisal.store.types import to_money


def test_every_column_declares_field_info() -> None:
    for table in ENTITIES.values():
        for column in table.columns:
            info = field_info(column)
            assert info.en and info.zh
            if column.primary_key:
                assert info.required


def test_references_point_at_existing_columns() -> None:
    for table in ENTITIES.values():
        for column in table.columns:
            ref = field_info(column).references
            if ref:
                entity, name = ref.split(".")
                assert name in ENTITIES[entity].columns


def test_money_refuses_floats_and_extra_places() -> None:
    with pytest.raises(TypeError):
        to_money(0.1)
    with pytest.raises(ValueError, match="more than 2 decimal places"):
        to_money("1.005")
    assert to_money("12.3") == Decimal("12.30")


def test_money_sums_are_exact_and_instants_utc(engine: Engine) -> None:
    create_schema(engine)
    amounts = [Decimal("0.10")] * 10 + [Decimal("12345678.99"), Decimal("-0.01")]
    with engine.begin() as conn:
        conn.execute(
            sa.insert(Customer),
            [{"customer_id": "00123", "name": "客户甲", "acquired_on": date(2026, 1, 5)}],
        )
        conn.execute(
            sa.insert(Order),
            [
                {
                    "order_id": f"{i:05d}",
                    "customer_id": "00123",
                    "ordered_on": date(2026, 2, 1),
                    "amount": amount,
                    "status": "delivered",
                }
                for i, amount in enumerate(amounts)
            ],
        )
        shanghai = timezone(timedelta(hours=8))
        conn.execute(
            sa.insert(Ticket),
            [
                {
                    "ticket_id": "T1",
                    "customer_id": "00123",
                    "is_complaint": True,
                    "opened_at": datetime(2026, 3, 1, 8, 30, tzinfo=shanghai),
                }
            ],
        )
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.sum(Order.amount))).scalar_one()
        assert total == Decimal("12345679.98")
        assert isinstance(total, Decimal)
        assert conn.execute(sa.select(Customer.customer_id)).scalar_one() == "00123"
        opened = conn.execute(sa.select(Ticket.opened_at)).scalar_one()
        assert opened == datetime(2026, 3, 1, 0, 30, tzinfo=UTC)


def test_large_money_binds_exactly(engine: Engine) -> None:
    """14 integer digits survive a bind: no float on the way (duckdb-engine would use one)."""
    create_schema(engine)
    big = Decimal("12345678901234.57")
    with engine.begin() as conn:
        conn.execute(
            sa.insert(Customer),
            [
                {
                    "customer_id": "1",
                    "name": "x",
                    "acquired_on": date(2026, 1, 1),
                    "acquisition_cost": big,
                }
            ],
        )
        found = conn.execute(
            sa.select(Customer.acquisition_cost).where(Customer.acquisition_cost == big)
        ).scalar_one()
    assert found == big
