"""Headers and file names: loose matching, and precise file-level errors with hints."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from appraisal.errors import IssuesError, UserError
from appraisal.importing import import_files
from appraisal.importing.entities import entity_from_name, entity_spec, normalise_name
from appraisal.importing.headers import accepted_names, map_headers
from appraisal.importing.raw import RawTable, SourceRef
from appraisal.importing.sources import resolve_entity
from appraisal.store.schema import ENTITIES

UNUSED = sa.create_engine("sqlite://")  # file-level errors stop before the database


def raw_with(headers: tuple[str, ...]) -> RawTable:
    import pyarrow as pa

    cells = pa.table({f"c{i}": pa.array([], pa.string()) for i in range(len(headers))})
    return RawTable(
        SourceRef(Path("orders.csv"), "csv"), headers, 1, cells, pa.array([], pa.int64())
    )


@pytest.mark.parametrize(
    ("name", "entity"),
    [
        ("orders", "orders"),
        ("orders-2026Q3", "orders"),
        ("Orders_2026", "orders"),
        ("订单", "orders"),
        ("订单2026年3月", "orders"),
        ("opportunity_stages", "opportunity_stages"),
        ("opportunity-stages-2026", "opportunity_stages"),
        ("商机阶段", "opportunity_stages"),
        ("商机", "opportunities"),
        ("客户互动", "interactions"),
        ("客户", "customers"),
        ("staff", "staff"),
        ("orders.rejected", "orders"),
        ("crm.orders.rejected", "orders"),
        ("crm.2026", None),
        ("ordersx", None),
        ("notes", None),
    ],
)
def test_entity_from_file_or_sheet_name(name: str, entity: str | None) -> None:
    assert entity_from_name(name) == entity


def test_entity_option_accepts_any_name_and_hints() -> None:
    assert resolve_entity("订单") == "orders"
    assert resolve_entity("Customer") == "customers"
    with pytest.raises(UserError, match=r"unknown entity 'oders' \(did you mean 'orders'\?\)"):
        resolve_entity("oders")


def test_no_two_columns_of_an_entity_share_a_header() -> None:
    for name in ENTITIES:
        spec = entity_spec(name)
        seen: dict[str, str] = {}
        for column in spec.columns:
            for header in accepted_names(column):
                key = normalise_name(header)
                assert seen.setdefault(key, column.name) == column.name, (name, header)


def test_headers_match_by_name_label_chinese_label_and_alias() -> None:
    spec = entity_spec("orders")
    headers = ("ID", "Customer", "业绩归属", "Ordered On", "ＡＭＯＵＮＴ", "状态", "_row", "")
    mapped = map_headers(spec, raw_with(headers))
    assert mapped.positions == (
        (0, "order_id"),
        (1, "customer_id"),
        (2, "staff_id"),
        (3, "ordered_on"),
        (4, "amount"),
        (5, "status"),
    )


def _errors(tmp_path: Path, name: str, text: str) -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IssuesError) as error:
        import_files(UNUSED, [path], timezone="UTC")
    return [issue.render().replace(str(tmp_path) + "/", "") for issue in error.value.issues]


def test_unknown_header_and_missing_required_columns(tmp_path: Path) -> None:
    assert _errors(
        tmp_path,
        "orders.csv",
        "order_id,customer_id,ordered_on,amout,stauts,colour\n1,C1,2026-01-01,5,open,red\n",
    ) == [
        "orders.csv:1: error[IMP004]: missing required header amount for orders "
        "(hint: add a header 'amount' / 'Amount' / '金额')",
        "orders.csv:1: error[IMP004]: missing required header status for orders "
        "(hint: add a header 'status' / 'Status' / '状态')",
        "orders.csv:1:4: error[IMP003]: unknown header 'amout' (column 4) for orders "
        "(hint: did you mean 'amount'?)",
        "orders.csv:1:5: error[IMP003]: unknown header 'stauts' (column 5) for orders "
        "(hint: did you mean 'status'?)",
        "orders.csv:1:6: error[IMP003]: unknown header 'colour' (column 6) for orders "
        "(hint: see the accepted headers in docs/importing.md)",
    ]


def test_chinese_header_typo_gets_a_chinese_hint(tmp_path: Path) -> None:
    errors = _errors(
        tmp_path, "订单.csv", "订单编号,客户编号,下单时间,金额,状态\n1,C1,2026-01-01,5,open\n"
    )
    assert errors == [
        "订单.csv:1: error[IMP004]: missing required header ordered_on for orders "
        "(hint: add a header 'ordered_on' / 'Ordered on' / '下单日期')",
        "订单.csv:1:3: error[IMP003]: unknown header '下单时间' (column 3) for orders "
        "(hint: did you mean '下单日期'?)",
    ]


def test_two_headers_for_one_column_and_blank_headers(tmp_path: Path) -> None:
    errors = _errors(
        tmp_path,
        "customers.csv",
        "id,客户编号,name,acquired_on,,\n1,1,x,2026-01-01,,note\n2,2,y,2026-01-02,,\n",
    )
    assert errors == [
        "customers.csv:1:2: error[IMP005]: headers 'id' (column 1) and '客户编号' (column 2) "
        "both mean customer_id (hint: keep one of the two headers)",
        "customers.csv:1:6: error[IMP006]: column 6 has no header but holds values "
        "(first on row 2) (hint: give the column a header, or delete it)",
    ]


def test_unknown_entity_and_file_type(tmp_path: Path) -> None:
    (tmp_path / "odrers.csv").write_text("a\n1\n", encoding="utf-8")
    (tmp_path / "orders.parquet").write_bytes(b"")
    with pytest.raises(IssuesError) as error:
        import_files(UNUSED, [tmp_path / "odrers.csv", tmp_path / "orders.parquet"], timezone="UTC")
    assert [issue.render().replace(str(tmp_path) + "/", "") for issue in error.value.issues] == [
        "odrers.csv: error[IMP001]: cannot tell which entity 'odrers.csv' holds "
        "(hint: did you mean 'orders'? name the file after an entity (e.g. orders.csv, "
        "订单.csv) or pass --entity)",
        "orders.parquet: error[IMP001]: unsupported file type '.parquet' "
        "(hint: import .csv, .xlsx or .jsonl files)",
    ]


def test_bad_options_are_user_errors(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("order_id\n", encoding="utf-8")
    with pytest.raises(UserError, match="unknown time zone 'Mars/Base'"):
        import_files(UNUSED, [path], timezone="Mars/Base")
    with pytest.raises(UserError, match="unknown encoding 'klingon'"):
        import_files(UNUSED, [path], timezone="UTC", encoding="klingon")
