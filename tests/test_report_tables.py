"""CSV and XLSX writers on hand-made tables: round trips, neutralisation, formats."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
from hypothesis import given
from hypothesis import strategies as st

from appraisal.report.csv_out import write_csv
from appraisal.report.safety import neutralise_cell
from appraisal.report.tables import Cell, Column, Kind, Table, Typed, unit_kind
from appraisal.report.xlsx import sheet_name, write_workbook
from appraisal.spec.enums import Unit

COLUMNS = (
    Column("Name", Kind.TEXT),
    Column("=Header", Kind.TEXT),
    Column("Count", Kind.INTEGER),
    Column("Amount", Kind.MONEY, 2),
    Column("Share", Kind.PERCENT, 1),
    Column("Due", Kind.DATE),
)


def _table(rows: list[tuple[Cell | Typed, ...]], sheet: str | None = "Sheet") -> Table:
    def produce() -> Iterator[tuple[Cell | Typed, ...]]:
        yield from rows

    return Table("t", sheet, COLUMNS, produce)


def _csv_rows(table: Table) -> list[list[str]]:
    out = io.BytesIO()
    write_csv(table, out)
    text = out.getvalue().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@given(st.lists(st.tuples(texts, texts), max_size=8))
def test_csv_round_trips_any_text(pairs: list[tuple[str, str]]) -> None:
    rows: list[tuple[Cell | Typed, ...]] = [(a, b, 1, None, None, None) for a, b in pairs]
    read = _csv_rows(_table(rows))
    assert read[0] == ["Name", "'=Header", "Count", "Amount", "Share", "Due"]
    assert read[1:] == [[neutralise_cell(a), neutralise_cell(b), "1", "", "", ""] for a, b in pairs]


def test_csv_writes_numbers_plainly_and_dates_in_iso() -> None:
    rows: list[tuple[Cell | Typed, ...]] = [
        ('王芳, "A"', "-5", 3, Decimal("-1234.50"), Decimal("0.255"), date(2026, 10, 30)),
        ("x", None, None, Typed(Decimal("0.5"), Kind.PERCENT, 0), None, None),
    ]
    out = io.BytesIO()
    write_csv(_table(rows), out)
    assert out.getvalue().decode("utf-8") == (
        '\ufeff"Name","\'=Header","Count","Amount","Share","Due"\r\n'
        '"王芳, ""A""","\'-5","3","-1234.50","0.255","2026-10-30"\r\n'
        '"x","","","0.5","",""\r\n'
    )


def test_workbook_cells_keep_their_types_and_formats(tmp_path: Path) -> None:
    rows: list[tuple[Cell | Typed, ...]] = [
        (
            '=HYPERLINK("http://x","y")',
            "@cmd",
            3,
            Decimal("1234.5"),
            Decimal("0.25"),
            date(2026, 10, 30),
        ),
        ("https://example.com", "", None, Typed(Decimal("0.5"), Kind.PERCENT, 0), None, None),
    ]
    path = tmp_path / "t.xlsx"
    write_workbook(
        (_table(rows), _table([], None)), path, datetime(2026, 10, 1, tzinfo=UTC), "=title"
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Sheet"]
    sheet = book["Sheet"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F3"
    assert [c.value for c in sheet[1]] == ["Name", "'=Header", "Count", "Amount", "Share", "Due"]
    first = sheet[2]
    assert [c.value for c in first[:5]] == [
        '\'=HYPERLINK("http://x","y")',
        "'@cmd",
        3,
        1234.5,
        0.25,
    ]
    assert first[5].value.isoformat() == "2026-10-30T00:00:00"
    assert [c.data_type for c in first] == ["s", "s", "n", "n", "n", "d"]
    assert [c.number_format for c in first[2:]] == ["0", "#,##0.00", "0.0%", "yyyy-mm-dd"]
    second = sheet[3]
    assert (second[0].value, second[0].hyperlink) == ("https://example.com", None)
    assert (second[3].value, second[3].number_format) == (0.5, "0%")
    assert book.properties.title == "'=title"
    assert book.properties.created.isoformat() == "2026-10-01T00:00:00"


def test_sheet_names_are_valid_and_unique() -> None:
    used: set[str] = set()
    assert sheet_name("Results", used) == "Results"
    assert sheet_name("results", used) == "results (2)"
    assert sheet_name("a/b:c*d?[e]\\f", used) == "a_b_c_d__e__f"
    assert sheet_name("'quoted'", used) == "quoted"
    long = sheet_name("account_manager 评估结果 with a very long title", used)
    assert long == "account_manager 评估结果 with a ver" and len(long) == 31
    assert sheet_name("", used) == "Sheet"


def test_units_map_to_column_kinds() -> None:
    assert unit_kind(Unit.MONEY, 2) == (Kind.MONEY, 2)
    assert unit_kind(Unit.PERCENT, 4) == (Kind.PERCENT, 2)
    assert unit_kind(Unit.COUNT, 0) == (Kind.NUMBER, 0)
    assert unit_kind(Unit.HOURS, 1) == (Kind.NUMBER, 1)
