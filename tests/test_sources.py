"""The sources mapping reads logical entities from a company's own tables, read-only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from appraisal.errors import SourceSpan
from appraisal.store.schema import ENTITIES
from appraisal.store.sources import Catalog, check_against_database, parse_sources

MAPPING = {
    "sources": {
        "customers": {
            "table": "t_customer",
            "columns": {
                "customer_id": "cust_no",
                "name": "cust_name",
                "acquired_on": "first_deal",
                "acquisition_cost": "cac",
                "referred_by": None,
            },
        }
    }
}


def _make_crm_table(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE t_customer (cust_no VARCHAR(20), cust_name VARCHAR(50),"
                " owner_id VARCHAR(20), segment VARCHAR(20), region VARCHAR(20),"
                " first_deal DATE, churned_on DATE, cac NUMERIC(18,2))"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO t_customer VALUES ('007', '华为', 'S1', 'enterprise', '华东',"
                " '2026-01-02', NULL, 12.50)"
            )
        )


def test_mapped_entity_reads_with_logical_names(engine: Engine) -> None:
    _make_crm_table(engine)
    catalog, issues = parse_sources(MAPPING)
    assert issues == []
    customers = catalog.selectable("customers")
    query = sa.select(
        customers.c.customer_id, customers.c.name, customers.c.acquired_on, customers.c.referred_by
    ).where(customers.c.segment == "enterprise")
    with engine.connect() as conn:
        assert conn.execute(query).all() == [("007", "华为", date(2026, 1, 2), None)]
    assert check_against_database(catalog, engine, entities=["customers"]) == []
    assert catalog.selectable("orders") is ENTITIES["orders"]


def test_money_column_of_a_source_is_exact(engine: Engine) -> None:
    _make_crm_table(engine)
    catalog, _ = parse_sources(
        {
            "sources": {
                "customers": {
                    "table": "t_customer",
                    "columns": {
                        "customer_id": "cust_no",
                        "name": "cust_name",
                        "acquired_on": "first_deal",
                        "acquisition_cost": "cac",
                        "referred_by": None,
                    },
                }
            }
        }
    )
    customers = catalog.selectable("customers")
    if engine.dialect.name == "sqlite":
        return  # SQLite sources hold whatever the user stored; cents apply to built-in tables only
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.sum(customers.c.acquisition_cost))).scalar_one()
    assert total == Decimal("12.50")


def test_unknown_table_and_columns_are_reported_with_hints(engine: Engine) -> None:
    _make_crm_table(engine)
    spans = {
        ("sources", "customers", "table"): SourceSpan("sources.yaml", 3, 12),
        ("sources", "orders", "table"): SourceSpan("sources.yaml", 9, 12),
        ("sources", "customers", "columns", "name"): SourceSpan("sources.yaml", 6, 13),
    }
    catalog, issues = parse_sources(
        {
            "sources": {
                "customers": {
                    "table": "t_customer",
                    "columns": {
                        "customer_id": "cust_no",
                        "name": "cust_nam",
                        "acquired_on": "first_deal",
                        "acquisition_cost": "cac",
                        "referred_by": None,
                    },
                },
                "orders": {"table": "t_ordr"},
            }
        },
        spans.get,
    )
    assert issues == []
    found = [
        i.render()
        for i in check_against_database(catalog, engine, spans.get, ["customers", "orders"])
    ]
    assert found == [
        "sources.yaml:6:13: error[S011] at sources.customers.columns.name: column 'cust_nam' "
        "(customers.name) not found in 't_customer' (hint: did you mean 'cust_name', 'cust_no'?)",
        "sources.yaml:9:12: error[S010] at sources.orders.table: table or view 't_ordr' for orders "
        "not found",
    ]


def test_declaration_mistakes_are_reported() -> None:
    _, issues = parse_sources(
        {
            "sources": {
                "custmers": {"table": "x"},
                "orders": {"tabel": "x", "columns": {"amout": "amt", "order_id": None}},
            }
        }
    )
    assert [(i.code, i.path, i.hint) for i in issues] == [
        ("S009", "sources.custmers", "did you mean 'customers'?"),
        ("S003", "sources.orders.tabel", "did you mean 'table'?"),
        ("S004", "sources.orders.table", ""),
    ]
    _, issues = parse_sources(
        {"sources": {"orders": {"table": "x", "columns": {"amout": "amt", "order_id": None}}}}
    )
    assert [(i.code, i.hint) for i in issues] == [
        ("S006", "did you mean 'amount'?"),
        ("S007", "map it to a physical column"),
    ]


def test_no_mapping_means_builtin_tables() -> None:
    catalog, issues = parse_sources(None)
    assert (catalog, issues) == (Catalog(), [])
    assert catalog.source("orders").is_builtin
