"""``appraisal import``: exact output and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from appraisal.cli import cli
from appraisal.store.database import connect
from appraisal.store.schema import ENTITIES

CUSTOMERS = "customer_id,name,acquired_on\nC1,甲,2026-01-01\n"


def run(db_url: str, *args: str) -> tuple[str, int]:
    result = CliRunner().invoke(cli, ["--db", db_url, "import", *args], prog_name="appraisal")
    return result.output, result.exit_code


def order_ids(db_url: str) -> list[str]:
    engine = connect(db_url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("orders"):
                return []
            orders = ENTITIES["orders"]
            return list(conn.execute(sa.select(orders.c.order_id).order_by("order_id")).scalars())
    finally:
        engine.dispose()


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "in"
    path.mkdir()
    monkeypatch.chdir(path)
    (path / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    return path


def test_entity_option_applies_to_every_file(db_url: str, folder: Path) -> None:
    output, code = run(db_url, "customers.csv", "--entity", "orders")
    assert code == 1
    assert output == (
        "Error: customers.csv:1: error[IMP004]: missing required header amount for orders "
        "(hint: add a header 'amount' / 'Amount' / '金额')\n"
        "customers.csv:1: error[IMP004]: missing required header order_id for orders "
        "(hint: add a header 'order_id' / 'Order ID' / '订单编号')\n"
        "customers.csv:1: error[IMP004]: missing required header ordered_on for orders "
        "(hint: add a header 'ordered_on' / 'Ordered on' / '下单日期')\n"
        "customers.csv:1: error[IMP004]: missing required header status for orders "
        "(hint: add a header 'status' / 'Status' / '状态')\n"
        "customers.csv:1:2: error[IMP003]: unknown header 'name' (column 2) for orders "
        "(hint: see the accepted headers in docs/importing.md)\n"
        "customers.csv:1:3: error[IMP003]: unknown header 'acquired_on' (column 3) for orders "
        "(hint: did you mean 'delivered_on'?)\n"
    )


def test_clean_import_exits_0(db_url: str, folder: Path) -> None:
    (folder / "export.csv").write_bytes(
        "订单编号,客户编号,下单日期,金额,状态\nO1,C1,2026-03-01,5,open\n".encode("gbk")
    )
    output, code = run(db_url, "customers.csv")
    assert (output, code) == (
        "entity          read   inserted    updated  unchanged   rejected\n"
        "customers          1          1          0          0          0\n",
        0,
    )
    output, code = run(db_url, "export.csv", "--entity", "订单", "--encoding", "gbk")
    assert (output, code) == (
        "entity       read   inserted    updated  unchanged   rejected\n"
        "orders          1          1          0          0          0\n",
        0,
    )
    assert order_ids(db_url) == ["O1"]


def test_file_errors_import_nothing(db_url: str, folder: Path) -> None:
    (folder / "orders.csv").write_text(
        "order_id,customer_id,ordered_on,amout,status\nO1,C1,2026-03-01,5,open\n",
        encoding="utf-8",
    )
    output, code = run(db_url, "customers.csv", "orders.csv")
    assert code == 1
    assert output == (
        "Error: orders.csv:1: error[IMP004]: missing required header amount for orders "
        "(hint: add a header 'amount' / 'Amount' / '金额')\n"
        "orders.csv:1:4: error[IMP003]: unknown header 'amout' (column 4) for orders "
        "(hint: did you mean 'amount'?)\n"
    )
    assert order_ids(db_url) == []


def test_bad_option_values_and_missing_files(db_url: str, folder: Path) -> None:
    output, code = run(db_url, "customers.csv", "--timezone", "Mars/Base")
    assert (output, code) == (
        "Error: unknown time zone 'Mars/Base' (expected e.g. Asia/Shanghai, UTC)\n",
        1,
    )
    output, code = run(db_url, "missing.csv")
    assert (output, code) == (
        "Usage: appraisal import [OPTIONS] FILES...\n"
        "Try 'appraisal import --help' for help.\n\n"
        "Error: Invalid value for 'FILES...': File 'missing.csv' does not exist.\n",
        2,
    )


def test_help_describes_formats_and_exit_codes() -> None:
    result = CliRunner().invoke(cli, ["import", "-h"], prog_name="appraisal")
    assert result.exit_code == 0
    assert "Usage: appraisal import [OPTIONS] FILES..." in result.output
    for words in ("--allow-rejects", "订单.csv", "orders.rejected.csv", "Exit codes"):
        assert words in result.output
