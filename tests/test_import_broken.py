"""The broken CSV of the specification: good rows load, bad rows are quarantined with reasons.

The fixture holds a ragged row, a bad date, a negative amount, an order for an
unknown customer, a duplicate id, a GBK-encoded file with Chinese headers and
ids with leading zeros; its customers use an Excel serial date.
"""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from appraisal.cli import cli
from appraisal.importing import Counts, import_files
from appraisal.store.schema import ENTITIES

FIXTURES = Path(__file__).parent / "fixtures" / "import" / "broken"
FILES = ("订单.csv", "customers.csv", "staff.csv")

EXPECTED_QUARANTINE = (
    '"_row","_reasons","订单编号","客户编号","业绩归属","下单日期","金额","状态"\r\n'
    '"4","下单日期: \'2026-13-45\' is not a date (expected YYYY-MM-DD or an Excel date number)",'
    '"00003","00456","","2026-13-45","20.00","delivered"\r\n'
    '"5","金额: \'-5.00\' is negative (only refunds may be negative)",'
    '"00004","00456","S002","2026-03-04","-5.00","delivered"\r\n'
    '"6","客户编号: unknown customer \'00999\'",'
    '"00005","00999","S002","2026-03-05","10.00","delivered"\r\n'
    '"7","expected 6 fields as in the header, found 5",'
    '"00006","00123","S001","2026-03-06","30.00"\r\n'
    '"8","订单编号: duplicate \'00007\' (also on row 9)",'
    '"00007","00123","S001","2026-03-07","70.00","delivered"\r\n'
    '"9","订单编号: duplicate \'00007\' (also on row 8)",'
    '"00007","00456","S002","2026-03-08","80.00","open"\r\n'
    '"11","金额: \'12.345\' has more than 2 decimal places; '
    "状态: '已交付' is not one of open, delivered, cancelled, refund; "
    "业绩归属: unknown staff member 'S003'\","
    '"00009","00123","S003","2026-03-10","12.345","已交付"\r\n'
)

EXPECTED_ORDERS = [
    ("00001", "00123", "S001", date(2026, 3, 1), None, None, Decimal("100.00"), None,
     "delivered", None),
    ("00002", "00123", "S001", date(2026, 3, 2), None, None, Decimal("50.50"), None,
     "open", None),
    ("00008", "00456", "S002", date(2026, 3, 9), None, None, Decimal("-15.00"), None,
     "refund", None),
]  # fmt: skip

EXPECTED_CUSTOMERS = [
    ("00123", "上海甲公司", "S001", "enterprise", "华东", date(2026, 1, 5), None, None, None),
    ("00456", "北京乙公司", "S002", "smb", "华北", date(2024, 1, 9), None, None, None),
]


def copy_fixture(target: Path) -> list[Path]:
    """The broken files in a scratch folder (quarantine files are written next to them)."""
    target.mkdir(exist_ok=True)
    paths = []
    for name in FILES:
        shutil.copy(FIXTURES / name, target / name)
        paths.append(target / name)
    return paths


def table_rows(engine: Engine, entity: str) -> list[tuple[object, ...]]:
    table = ENTITIES[entity]
    with engine.connect() as conn:
        query = sa.select(table).order_by(*table.primary_key.columns)
        return [tuple(row) for row in conn.execute(query)]


def test_fixture_is_gbk_with_leading_zero_ids() -> None:
    data = (FIXTURES / "订单.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert data.decode("gbk").startswith("订单编号,客户编号")
    assert (FIXTURES / "customers.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_good_rows_load_and_bad_rows_are_quarantined(engine: Engine, tmp_path: Path) -> None:
    paths = copy_fixture(tmp_path / "in")
    folder = tmp_path / "in"
    report = import_files(engine, paths, timezone="Asia/Shanghai")
    counts = {entity.entity: entity.counts for entity in report.entities}
    assert counts == {
        "staff": Counts(read=2, inserted=2),
        "customers": Counts(read=2, inserted=2),
        "orders": Counts(read=10, inserted=3, rejected=7),
    }
    assert [e.entity for e in report.entities] == ["staff", "customers", "orders"]
    orders_source = next(s for s in report.sources if s.entity == "orders")
    assert orders_source.encoding == "gb18030"
    assert orders_source.quarantine == folder / "订单.rejected.csv"
    raw = (folder / "订单.rejected.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig") == EXPECTED_QUARANTINE
    assert sorted(p.name for p in folder.iterdir()) == sorted([*FILES, "订单.rejected.csv"])
    assert table_rows(engine, "orders") == EXPECTED_ORDERS
    assert table_rows(engine, "customers") == EXPECTED_CUSTOMERS
    assert [row[:2] for row in table_rows(engine, "staff")] == [
        ("S001", "王经理"),
        ("S002", "李销售"),
    ]


def test_second_import_of_the_same_bytes_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    paths = copy_fixture(tmp_path / "in")
    folder = tmp_path / "in"
    import_files(engine, paths, timezone="Asia/Shanghai")
    before = {entity: table_rows(engine, entity) for entity in ("staff", "customers", "orders")}
    report = import_files(engine, paths, timezone="Asia/Shanghai")
    counts = {entity.entity: entity.counts for entity in report.entities}
    assert counts == {
        "staff": Counts(read=2, unchanged=2),
        "customers": Counts(read=2, unchanged=2),
        "orders": Counts(read=10, unchanged=3, rejected=7),
    }
    after = {entity: table_rows(engine, entity) for entity in ("staff", "customers", "orders")}
    assert after == before
    assert (folder / "订单.rejected.csv").read_bytes().decode("utf-8-sig") == EXPECTED_QUARANTINE


def _invoke(db_url: str, *args: str) -> tuple[str, int]:
    result = CliRunner().invoke(cli, ["--db", db_url, "import", *args])
    return result.output, result.exit_code


SUMMARY_FIRST = (
    "entity          read   inserted    updated  unchanged   rejected\n"
    "staff              2          2          0          0          0\n"
    "customers          2          2          0          0          0\n"
    "orders            10          3          0          0          7\n"
    "rejected rows of 订单.csv: 订单.rejected.csv (7)\n"
)
SUMMARY_AGAIN = (
    "entity          read   inserted    updated  unchanged   rejected\n"
    "staff              2          0          0          2          0\n"
    "customers          2          0          0          2          0\n"
    "orders            10          0          0          3          7\n"
    "rejected rows of 订单.csv: 订单.rejected.csv (7)\n"
)


def test_cli_exits_1_on_rejects_and_0_with_allow_rejects(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    copy_fixture(folder)
    monkeypatch.chdir(folder)
    output, code = _invoke(db_url, *FILES)
    assert code == 1
    assert output == SUMMARY_FIRST + (
        "Error: 7 rows rejected; the other rows were imported "
        "(fix the quarantined rows and import them again)\n"
    )
    output, code = _invoke(db_url, *FILES, "--allow-rejects")
    assert code == 0
    assert output == SUMMARY_AGAIN + "7 rows rejected; the other rows were imported\n"
    assert (folder / "订单.rejected.csv").read_bytes().decode("utf-8-sig") == EXPECTED_QUARANTINE
