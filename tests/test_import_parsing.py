"""Vectorised parsers: each kind's accepted forms, typed results and problem messages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from appraisal.importing.parsing import (
    MONEY,
    parse_boolean,
    parse_date,
    parse_enum,
    parse_instant,
    parse_integer,
    parse_number,
    parse_text,
)


def text(*values: str | None) -> pa.Array:
    return pa.array(values, pa.string())


def utc(values: pa.Array) -> list[datetime | None]:
    """Naive-UTC instants as aware datetimes."""
    return list(values.cast(pa.timestamp("us", tz="UTC")).to_pylist())


def test_dates_iso_and_excel_serials() -> None:
    parsed = parse_date(
        text("2026-03-01", "2024-02-29", "45300", "61", "59", "1", "45300.0", None), True
    )
    assert parsed.values.to_pylist() == [
        date(2026, 3, 1),
        date(2024, 2, 29),
        date(2024, 1, 9),
        date(1900, 3, 1),
        date(1900, 2, 28),
        date(1900, 1, 1),
        date(2024, 1, 9),
        None,
    ]
    assert parsed.problems.to_pylist() == [None] * 8


def test_bad_dates_name_the_value_and_the_expected_form() -> None:
    parsed = parse_date(text("2026-02-30", "2023-02-29", "60", "2026/03/01", "0", "ok"), True)
    expected = " is not a date (expected YYYY-MM-DD or an Excel date number)"
    assert parsed.values.to_pylist() == [None] * 6
    assert parsed.problems.to_pylist() == [
        f"'{value}'{expected}"
        for value in ("2026-02-30", "2023-02-29", "60", "2026/03/01", "0", "ok")
    ]


def test_excel_serials_only_where_the_column_allows_them() -> None:
    parsed = parse_date(text("45300", "2026-03-01"), False)
    assert parsed.values.to_pylist() == [None, date(2026, 3, 1)]
    assert parsed.problems.to_pylist() == ["'45300' is not a date (expected YYYY-MM-DD)", None]


def test_instants_with_offset_become_utc_without_offset_use_the_business_zone() -> None:
    parsed = parse_instant(
        text(
            "2026-03-01T08:30:00+08:00",
            "2026-03-01 08:30:00Z",
            "2026-03-01T08:30:00.25-0130",
            "2026-03-01T08:30",
            "2026-03-01",
        ),
        "Asia/Shanghai",
    )
    assert utc(parsed.values) == [
        datetime(2026, 3, 1, 0, 30, tzinfo=UTC),
        datetime(2026, 3, 1, 8, 30, tzinfo=UTC),
        datetime(2026, 3, 1, 10, 0, 0, 250000, tzinfo=UTC),
        datetime(2026, 3, 1, 0, 30, tzinfo=UTC),
        datetime(2026, 2, 28, 16, 0, tzinfo=UTC),
    ]
    assert parsed.problems.to_pylist() == [None] * 5


def test_instants_all_with_offsets_or_all_local_take_the_fast_path_with_same_results() -> None:
    offsets = parse_instant(text("2026-03-01T08:30:00+08:00", None), "UTC")
    local = parse_instant(text("2026-03-01T08:30:00", None), "Asia/Shanghai")
    assert utc(offsets.values) == [datetime(2026, 3, 1, 0, 30, tzinfo=UTC), None]
    assert utc(local.values) == [datetime(2026, 3, 1, 0, 30, tzinfo=UTC), None]


def test_instants_in_a_daylight_saving_gap_or_malformed_are_rejected() -> None:
    parsed = parse_instant(
        text("2026-03-08T02:30:00", "2026-11-01T01:30:00", "2026-03-01T25:00", "noon"),
        "America/New_York",
    )
    assert utc(parsed.values) == [None, datetime(2026, 11, 1, 5, 30, tzinfo=UTC), None, None]
    iso = " is not a date-time (expected ISO 8601, e.g. 2026-03-01T08:30:00+08:00)"
    assert parsed.problems.to_pylist() == [
        "'2026-03-08T02:30:00' does not exist in America/New_York (clocks jump forward)",
        None,
        f"'2026-03-01T25:00'{iso}",
        f"'noon'{iso}",
    ]


def test_money_is_exact_with_at_most_two_decimals() -> None:
    parsed = parse_number(
        text("12.30", "12.3", "-5", "+7.", ".5", "12.300", "0012.00", None), MONEY, what="an amount"
    )
    assert parsed.values.to_pylist() == [
        Decimal("12.30"),
        Decimal("12.30"),
        Decimal("-5.00"),
        Decimal("7.00"),
        Decimal("0.50"),
        Decimal("12.30"),
        Decimal("12.00"),
        None,
    ]
    assert parsed.problems.to_pylist() == [None] * 8


def test_money_problems() -> None:
    parsed = parse_number(
        text("12.345", "1,234.00", "1e3", "12345678901234567", "¥5"), MONEY, what="an amount"
    )
    not_amount = " is not an amount (expected digits with up to 2 decimals, e.g. 1234.50)"
    assert parsed.values.to_pylist() == [None] * 5
    assert parsed.problems.to_pylist() == [
        "'12.345' has more than 2 decimal places",
        f"'1,234.00'{not_amount}",
        f"'1e3'{not_amount}",
        "'12345678901234567' is too large (at most 16 digits before the point)",
        f"'¥5'{not_amount}",
    ]


def test_integers_and_ranges() -> None:
    parsed = parse_integer(text("1", "5", "4.0", "0", "6", "x", "-1"), (1, 5))
    assert parsed.values.to_pylist() == [1, 5, 4, None, None, None, None]
    assert parsed.problems.to_pylist() == [
        None,
        None,
        None,
        "'0' is outside 1–5",
        "'6' is outside 1–5",
        "'x' is not a whole number",
        "'-1' is outside 1–5",
    ]


def test_booleans_in_english_chinese_and_digits() -> None:
    parsed = parse_boolean(text("true", "No", "1", "0", "是", "否", "Y", "maybe"))
    assert parsed.values.to_pylist() == [True, False, True, False, True, False, True, None]
    assert parsed.problems.to_pylist()[-1] == (
        "'maybe' is not yes or no (expected true/false, yes/no, 1/0, 是/否)"
    )


def test_enumerations_match_case_insensitively_and_hint() -> None:
    parsed = parse_enum(text("open", "Delivered", "REFUND", "deliverd", "xyz", None), (
        "open", "delivered", "cancelled", "refund",
    ))  # fmt: skip
    assert parsed.values.to_pylist() == ["open", "delivered", "refund", None, None, None]
    listed = "open, delivered, cancelled, refund"
    assert parsed.problems.to_pylist() == [
        None,
        None,
        None,
        f"'deliverd' is not one of {listed} (did you mean 'delivered'?)",
        f"'xyz' is not one of {listed}",
        None,
    ]


def test_text_keeps_leading_zeros_and_checks_length() -> None:
    parsed = parse_text(text("00123", "x" * 65), 64)
    assert parsed.values.to_pylist() == ["00123", None]
    assert parsed.problems.to_pylist() == [None, "longer than 64 characters"]


@pytest.mark.parametrize("length", [0, 1, 3])
def test_parsers_keep_the_length_of_their_input(length: int) -> None:
    values = text(*["2026-01-01"] * length)
    assert len(parse_date(values, True).values) == length
    assert len(parse_instant(values, "UTC").problems) == length
