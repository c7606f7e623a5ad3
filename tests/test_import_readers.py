"""Readers keep every cell as text, with the exact source row of each record."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from appraisal.importing.csv_reader import _python_read, read_csv
from appraisal.importing.jsonl_reader import read_jsonl
from appraisal.importing.raw import IrregularRow, RawTable, SourceError, SourceRef
from appraisal.importing.xlsx_reader import cell_text, read_xlsx


def rows(raw: RawTable) -> list[tuple[int, list[str | None]]]:
    """(line, cells) of the regular rows."""
    lines = raw.lines.to_pylist()
    cells = raw.cells.to_pylist()
    return [(line, list(row.values())) for line, row in zip(lines, cells, strict=True)]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_simple_csv_lines_follow_records(tmp_path: Path) -> None:
    raw = read_csv(write(tmp_path, "a.csv", b"id,name\n00123,x\n00456,y\n"))
    assert raw.headers == ("id", "name")
    assert raw.header_line == 1
    assert rows(raw) == [(2, ["00123", "x"]), (3, ["00456", "y"])]
    assert raw.irregular == ()
    assert raw.encoding == "utf-8"


IRREGULAR = (
    b"\n"
    b"id,note,amount\r\n"
    b'1,"two\nlines",5\r\n'
    b"\r\n"
    b"2,short\r\n"
    b'3,"a,b",7,extra\r\n'
    b",,\r\n"
    b"   \r\n"
    b'4,"say ""hi""",9'
)


def test_quoted_line_breaks_blank_and_ragged_rows_keep_their_lines(tmp_path: Path) -> None:
    raw = read_csv(write(tmp_path, "a.csv", IRREGULAR))
    assert raw.headers == ("id", "note", "amount")
    assert raw.header_line == 2
    assert rows(raw) == [(3, ["1", "two\nlines", "5"]), (10, ["4", 'say "hi"', "9"])]
    assert raw.irregular == (
        IrregularRow(6, "expected 3 fields as in the header, found 2", ("2", "short")),
        IrregularRow(7, "expected 3 fields as in the header, found 4", ("3", "a,b", "7", "extra")),
    )


def test_stdlib_fallback_reads_the_same(tmp_path: Path) -> None:
    fast = read_csv(write(tmp_path, "a.csv", IRREGULAR))
    slow = _python_read(IRREGULAR, SourceRef(tmp_path / "a.csv", "csv"))
    assert rows(slow) == rows(fast)
    assert slow.irregular == fast.irregular
    assert slow.header_line == fast.header_line


def test_odd_dialects_fall_back_to_the_stdlib_reader(tmp_path: Path) -> None:
    raw = read_csv(write(tmp_path, "a.csv", b'id,name\r1,ab"c\r2,d\r'))
    assert rows(raw) == [(2, ["1", 'ab"c']), (3, ["2", "d"])]


def test_bom_and_gbk_are_detected(tmp_path: Path) -> None:
    bom = read_csv(write(tmp_path, "a.csv", "\ufeff编号,名称\n1,甲\n".encode()))
    assert bom.headers == ("编号", "名称")
    gbk = read_csv(write(tmp_path, "b.csv", "编号,名称\n1,甲\n".encode("gbk")))
    assert gbk.headers == ("编号", "名称")
    assert rows(gbk) == [(2, ["1", "甲"])]
    assert gbk.encoding == "gb18030"


def test_wrong_explicit_encoding_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "id,name\n1,x\n2,甲\n".encode("gbk"))
    with pytest.raises(SourceError) as error:
        read_csv(path, "utf-8")
    assert error.value.issues[0].render() == (
        f"{path}:3: error[IMP002]: not valid utf-8 (byte 0xbc on line 3) "
        "(hint: check --encoding, or leave it out to detect UTF-8 / GB18030)"
    )


def test_empty_file_and_unterminated_quote_are_file_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"IMP007.*empty"):
        read_csv(write(tmp_path, "a.csv", b" \n\n"))
    with pytest.raises(SourceError) as error:
        read_csv(write(tmp_path, "b.csv", b'id,name\n1,"open\n2,x\n'))
    assert error.value.issues[0].message == "CSV syntax error from line 2: unexpected end of data"
    assert error.value.issues[0].span is not None
    assert error.value.issues[0].span.line == 2


def test_jsonl_keeps_number_text_and_sets_bad_lines_aside(tmp_path: Path) -> None:
    data = (
        '{"id": "00123", "amount": 12.30, "flag": true, "note": null}\n'
        "\n"
        '{"id": "2", "amount": 1e3, "extra": "x"}\n'
        "not json\n"
        "[1, 2]\n"
        '{"id": "3", "nested": {"a": 1}}\n'
        '{"id": "4", "id": "5"}\n'
        '{"id": "6", "_row": 9, "_reasons": ["old"]}\n'
    )
    raw = read_jsonl(write(tmp_path, "a.jsonl", data.encode()))
    assert raw.headers == ("id", "amount", "flag", "note", "extra")
    assert raw.header_lines == (1, 1, 1, 1, 3)
    assert rows(raw) == [
        (1, ["00123", "12.30", "true", None, None]),
        (3, ["2", "1e3", None, None, "x"]),
        (8, ["6", None, None, None, None]),
    ]
    assert [(r.line, r.reason, r.text) for r in raw.irregular] == [
        (4, "not valid JSON: Expecting value at column 1", "not json"),
        (5, "a JSON list, expected an object", "[1, 2]"),
        (6, "the value of 'nested' is a list or object, expected a single value",
         '{"id": "3", "nested": {"a": 1}}'),
        (7, "key 'id' appears twice", '{"id": "4", "id": "5"}'),
    ]  # fmt: skip


def test_excel_cells_read_as_excel_shows_them() -> None:
    assert cell_text(None) is None
    assert cell_text(12.0) == "12"
    assert cell_text(12.3) == "12.3"
    assert cell_text(12.299999999999999) == "12.3"
    assert cell_text(1e20) == "100000000000000000000"
    assert cell_text(True) == "true"
    assert cell_text(datetime(2026, 3, 1)) == "2026-03-01"  # noqa: DTZ001 - Excel has no zones
    assert cell_text(datetime(2026, 3, 1, 8, 30)) == "2026-03-01T08:30:00"  # noqa: DTZ001
    assert cell_text(date(2026, 3, 1)) == "2026-03-01"
    assert cell_text("00123") == "00123"


def test_workbook_sheets_named_like_entities(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "Notes"
    first.append(["anything"])
    orders = book.create_sheet("orders")
    orders.append(["order_id", "amount", "ordered_on"])
    orders.append(["00123", 12.5, datetime(2026, 3, 1)])  # noqa: DTZ001
    orders.append([])
    orders.append(["00124", 3, 45300, "beyond"])
    customers = book.create_sheet("客户")
    customers.append(["客户编号"])
    customers.append(["C1"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    sheets = read_xlsx(path)
    assert [(raw.source.sheet, raw.sheet_entity) for raw in sheets] == [
        ("orders", "orders"),
        ("客户", "customers"),
    ]
    assert sheets[0].headers == ("order_id", "amount", "ordered_on")
    assert rows(sheets[0]) == [(2, ["00123", "12.5", "2026-03-01"])]
    assert sheets[0].irregular == (
        IrregularRow(
            4, "has values beyond the last header column (3)", ("00124", "3", "45300", "beyond")
        ),
    )
    only_first = tmp_path / "plain.xlsx"
    plain = openpyxl.Workbook()
    sheet = plain.active
    assert sheet is not None
    sheet.append(["id"])
    sheet.append(["x"])
    plain.save(only_first)
    assert [(raw.source.sheet, raw.sheet_entity) for raw in read_xlsx(only_first)] == [
        ("Sheet", None)
    ]
