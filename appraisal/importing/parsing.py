"""Vectorised parsing of text cells into typed Arrow arrays, with a problem per bad cell.

Each parser takes the trimmed text of one column (null where empty) and returns
the typed values (null where empty or invalid) and, per row, what is wrong
(null where nothing is).  No Python code runs per row: everything is an Arrow
compute kernel over the whole column.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, assert_never

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from appraisal.importing.entities import ColumnSpec
from appraisal.store.schema import Kind


def null_text() -> pa.Scalar:
    """A typed null string (built on use: module-level Arrow scalars upset DuckDB at exit)."""
    return pa.scalar(None, pa.string())


SHOWN_CHARS = 60
MONEY = (18, 2)
DECIMAL = (18, 4)
EXCEL_EPOCH_SHIFT = 25569  # serial of 1970-01-01 in Excel's 1900 system
EXCEL_MAX_SERIAL = 2958465  # 9999-12-31
EXCEL_FAKE_LEAP_DAY = 60  # 1900-02-29, which Excel counts but never was

TRUE_WORDS = ("true", "t", "yes", "y", "1", "是", "真")
FALSE_WORDS = ("false", "f", "no", "n", "0", "否", "假")

_INSTANT = (
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<hh>\d{2}):(?P<mm>\d{2})(?::(?P<ss>\d{2})(?:[.,](?P<frac>\d{1,6}))?)?)?"
    r" ?(?P<tz>Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)


def arrow_type(kind: Kind) -> pa.DataType:
    """The Arrow type a column of this kind is parsed to (instants: naive UTC)."""
    if kind == "id" or kind == "text" or kind == "code":
        return pa.string()
    if kind == "date":
        return pa.date32()
    if kind == "instant":
        return pa.timestamp("us")
    if kind == "money":
        return pa.decimal128(*MONEY)
    if kind == "decimal":
        return pa.decimal128(*DECIMAL)
    if kind == "integer":
        return pa.int32()
    if kind == "boolean":
        return pa.bool_()
    assert_never(kind)


@dataclass(frozen=True)
class Parsed:
    """Typed values and, per row, the problem found (null: none)."""

    values: pa.Array
    problems: pa.Array


def parse_column(column: ColumnSpec, text: pa.Array, timezone: str) -> Parsed:
    """Parse one column's trimmed text (null where empty) by the column's kind."""
    kind = column.kind
    if kind == "id" or kind == "text" or kind == "code":
        if column.info.enum:
            return parse_enum(text, column.info.enum)
        return parse_text(text, column.max_length)
    if kind == "date":
        return parse_date(text, column.info.excel_dates)
    if kind == "instant":
        return parse_instant(text, timezone)
    if kind == "money":
        return parse_number(text, MONEY, what="an amount")
    if kind == "decimal":
        return parse_number(text, DECIMAL, what="a number")
    if kind == "integer":
        return parse_integer(text, column.int_range)
    if kind == "boolean":
        return parse_boolean(text)
    assert_never(kind)


def mask(values: Any) -> pa.Array:
    """A boolean array without nulls (null counts as False)."""
    filled = pc.fill_null(values, False)
    return filled.combine_chunks() if isinstance(filled, pa.ChunkedArray) else filled


def no_problems(length: int) -> pa.Array:
    """A problem array saying all is well."""
    return pa.nulls(length, pa.string())


def quoted(text: pa.Array) -> pa.Array:
    """``'value'`` for messages, cut after 60 characters."""
    short = pc.utf8_slice_codeunits(text, 0, SHOWN_CHARS)
    long = mask(pc.greater(pc.utf8_length(text), SHOWN_CHARS))
    shown = pc.if_else(long, pc.binary_join_element_wise(short, "…", ""), short)
    return pc.binary_join_element_wise("'", shown, "'", "")


def problem(where: pa.Array, text: pa.Array, after: str, other: pa.Array | None = None) -> pa.Array:
    """``'value' <after>`` (``'value' <after> 'other value'`` given ``other``) where
    ``where`` holds, else null (built for those rows only)."""
    where = mask(where)
    if not pc.any(where).as_py():
        return no_problems(len(text))
    parts = [quoted(pc.filter(text, where)), after]
    if other is not None:
        parts.append(quoted(pc.filter(other, where)))
    messages = pc.binary_join_element_wise(*parts, "")
    return pc.replace_with_mask(no_problems(len(text)), where, messages)


def typed_null(length: int, kind: Kind) -> pa.Array:
    """An all-null array of the kind's type (a column the file does not have)."""
    return pa.nulls(length, arrow_type(kind))


def _merge(fast: pa.Array, slow_rows: pa.Array, slow: Parsed) -> Parsed:
    """Fast-path values, with the rows in ``slow_rows`` taken from the careful parse."""
    values = pc.replace_with_mask(fast, slow_rows, slow.values.cast(fast.type))
    problems = pc.replace_with_mask(no_problems(len(fast)), slow_rows, slow.problems)
    return Parsed(values, problems)


def _careful(text: pa.Array, fast_rows: pa.Array, target: pa.DataType, careful: Any) -> Parsed:
    """Cast the rows a strict pattern vouches for; parse only the others carefully."""
    slow_rows = mask(pc.and_(pc.is_valid(text), pc.invert(fast_rows)))
    fast = pc.cast(pc.if_else(slow_rows, null_text(), text), target)
    if not pc.any(slow_rows).as_py():
        return Parsed(fast, no_problems(len(text)))
    parsed: Parsed = careful(pc.filter(text, slow_rows))
    return _merge(fast, slow_rows, parsed)


def parse_text(text: pa.Array, max_length: int | None) -> Parsed:
    """Text kept as it is (ids too: ``00123`` stays ``00123``), within the column's length."""
    if max_length is None:
        return Parsed(text, no_problems(len(text)))
    too_long = mask(pc.greater(pc.utf8_length(text), max_length))
    if not pc.any(too_long).as_py():
        return Parsed(text, no_problems(len(text)))
    problems = pc.if_else(too_long, pa.scalar(f"longer than {max_length} characters"), null_text())
    return Parsed(pc.if_else(too_long, null_text(), text), problems)


def _hints(bad: pa.Array, choices: tuple[str, ...], limit: int = 500) -> tuple[pa.Array, pa.Array]:
    """Distinct bad values and a did-you-mean for each (difflib, once per distinct value)."""
    distinct = pc.unique(bad.drop_null()).slice(0, limit)
    hints = []
    for value in distinct.to_pylist():
        close = difflib.get_close_matches(str(value).casefold(), choices, n=1, cutoff=0.6)
        hints.append(f" (did you mean {close[0]!r}?)" if close else "")
    return distinct, pa.array(hints, pa.string())


def parse_enum(text: pa.Array, choices: tuple[str, ...]) -> Parsed:
    """One of the declared values, matched case-insensitively and stored as declared."""
    allowed = pa.array(choices, pa.string())
    exact = mask(pc.is_in(text, value_set=allowed))
    return _careful(text, exact, pa.string(), lambda rest: _enum_careful(rest, choices))


def _enum_careful(text: pa.Array, choices: tuple[str, ...]) -> Parsed:
    allowed = pa.array(choices, pa.string())
    index = pc.index_in(pc.utf8_lower(text), value_set=pa.array([c.lower() for c in choices]))
    values = pc.take(allowed, index)
    bad = mask(pc.is_null(index))
    distinct, hints = _hints(pc.filter(text, bad), choices)
    hint = pc.fill_null(pc.take(hints, pc.index_in(text, value_set=distinct)), "")
    base = problem(bad, text, f" is not one of {', '.join(choices)}")
    return Parsed(values, pc.binary_join_element_wise(base, hint, ""))


def parse_boolean(text: pa.Array) -> Parsed:
    """Yes/no in English or Chinese, or 1/0."""
    lower = pc.utf8_lower(text)
    true = mask(pc.is_in(lower, value_set=pa.array(TRUE_WORDS)))
    false = mask(pc.is_in(lower, value_set=pa.array(FALSE_WORDS)))
    values = pc.if_else(true, True, pc.if_else(false, False, pa.scalar(None, pa.bool_())))
    bad = mask(pc.and_(pc.is_valid(text), pc.is_null(values)))
    expected = " is not yes or no (expected true/false, yes/no, 1/0, 是/否)"
    return Parsed(values, problem(bad, text, expected))


def _digits(text: pa.Array, start: int, stop: int) -> pa.Array:
    return pc.cast(pc.utf8_slice_codeunits(text, start, stop), pa.int64())


_FIELDS = (
    (pc.year, 0, 4),
    (pc.month, 5, 7),
    (pc.day, 8, 10),
    (pc.hour, 11, 13),
    (pc.minute, 14, 16),
    (pc.second, 17, 19),
)


def _same_fields(parsed: pa.Array, normal: pa.Array, count: int) -> pa.Array:
    """Parsed values whose first ``count`` fields equal the digits written.

    strptime rolls impossible values over (02-30 becomes 03-02), so the parse is
    only trusted when year, month, day (and hour, minute, second) read back.
    """
    same = pa.array(np.ones(len(parsed), dtype=bool))
    for field, start, stop in _FIELDS[:count]:
        same = pc.and_(same, pc.equal(field(parsed), _digits(normal, start, stop)))
    return mask(same)


def _iso_date(text: pa.Array) -> pa.Array:
    """``YYYY-MM-DD`` of a real calendar day (strptime alone would roll 02-30 over)."""
    looks = mask(pc.match_substring_regex(text, r"^\d{4}-\d{2}-\d{2}$"))
    candidate = pc.if_else(looks, text, null_text())
    parsed = pc.strptime(candidate, format="%Y-%m-%d", unit="s", error_is_null=True)
    exact = _same_fields(parsed, candidate, 3)
    return pc.if_else(exact, pc.cast(parsed, pa.date32()), pa.scalar(None, pa.date32()))


def _excel_date(text: pa.Array) -> pa.Array:
    """Excel serial day numbers (1900 system, with its fictitious 1900-02-29)."""
    digits = pc.struct_field(pc.extract_regex(text, r"^(?P<n>\d{1,7})(?:\.0*)?$"), "n")
    serial = pc.cast(digits, pa.int64())
    valid = mask(
        pc.and_(
            pc.and_(pc.greater_equal(serial, 1), pc.less_equal(serial, EXCEL_MAX_SERIAL)),
            pc.not_equal(serial, EXCEL_FAKE_LEAP_DAY),
        )
    )
    shift = pc.if_else(
        pc.less(serial, EXCEL_FAKE_LEAP_DAY), EXCEL_EPOCH_SHIFT - 1, EXCEL_EPOCH_SHIFT
    )
    days = pc.cast(pc.subtract(serial, shift), pa.int32())
    return pc.if_else(valid, pc.cast(days, pa.date32()), pa.scalar(None, pa.date32()))


def parse_date(text: pa.Array, excel_dates: bool) -> Parsed:
    """``YYYY-MM-DD`` (a real calendar day), or an Excel serial number where allowed."""
    try:
        return Parsed(pc.cast(text, pa.date32()), no_problems(len(text)))
    except pa.ArrowInvalid:
        pass  # some value is not a plain ISO date: look at each
    values = _iso_date(text)
    expected = "YYYY-MM-DD"
    if excel_dates:
        values = pc.coalesce(values, _excel_date(text))
        expected += " or an Excel date number"
    bad = mask(pc.and_(pc.is_valid(text), pc.is_null(values)))
    return Parsed(values, problem(bad, text, f" is not a date (expected {expected})"))


def _group(parts: pa.Array, name: str, default: str) -> pa.Array:
    value = pc.struct_field(parts, name)
    return pc.if_else(mask(pc.equal(value, "")), default, value)


def _offset_seconds(zone: pa.Array) -> tuple[pa.Array, pa.Array]:
    """``Z``/``+08:00``/``-0530``/``+08`` → seconds east of UTC, and a validity mask."""
    parts = pc.extract_regex(zone, r"^(?P<sign>[+-]?)(?P<hh>\d{2})?:?(?P<mm>\d{2})?$")
    hours = pc.cast(_group(parts, "hh", "0"), pa.int64())
    minutes = pc.cast(_group(parts, "mm", "0"), pa.int64())
    seconds = pc.add(pc.multiply(hours, 3600), pc.multiply(minutes, 60))
    negative = mask(pc.equal(pc.struct_field(parts, "sign"), "-"))
    signed = pc.if_else(negative, pc.negate(seconds), seconds)
    valid = mask(pc.and_(pc.less_equal(hours, 18), pc.less(minutes, 60)))
    return signed, valid


def parse_instant(text: pa.Array, timezone: str) -> Parsed:
    """ISO 8601 date-times: with an offset → UTC; without → the business time zone."""
    fast = _instant_fast(text, timezone)
    return fast if fast is not None else _instant_careful(text, timezone)


def _instant_fast(text: pa.Array, timezone: str) -> Parsed | None:
    """Arrow's ISO 8601 cast, when every value has an offset, or none has (and none is in a gap)."""
    if not pc.all(
        mask(pc.or_kleene(pc.is_null(text), pc.match_substring_regex(text, _INSTANT)))
    ).as_py():
        return None
    try:
        utc = pc.cast(text, pa.timestamp("us", tz="UTC"))
        return Parsed(pc.cast(utc, pa.timestamp("us")), no_problems(len(text)))
    except pa.ArrowInvalid:
        pass
    try:
        wall = pc.cast(text, pa.timestamp("us"))
    except pa.ArrowInvalid:
        return None
    earliest = _as_utc(wall, timezone, "earliest")
    if pc.any(mask(pc.not_equal(earliest, _as_utc(wall, timezone, "latest")))).as_py():
        return None
    return Parsed(earliest, no_problems(len(text)))


def _instant_careful(text: pa.Array, timezone: str) -> Parsed:
    parts = pc.extract_regex(text, _INSTANT)
    wall_text = pc.binary_join_element_wise(
        pc.struct_field(parts, "date"),
        " ",
        _group(parts, "hh", "00"),
        ":",
        _group(parts, "mm", "00"),
        ":",
        _group(parts, "ss", "00"),
        "",
    )
    wall = pc.strptime(wall_text, format="%Y-%m-%d %H:%M:%S", unit="us", error_is_null=True)
    exact = _same_fields(wall, wall_text, 6)
    micros = pc.cast(pc.utf8_rpad(_group(parts, "frac", "0"), width=6, padding="0"), pa.int64())
    wall = pc.add(wall, pc.cast(micros, pa.duration("us")))
    zone = pc.struct_field(parts, "tz")
    explicit = mask(pc.not_equal(zone, ""))
    utc = mask(pc.equal(pc.utf8_lower(zone), "z"))
    offset, offset_ok = _offset_seconds(pc.if_else(utc, "+00", zone))
    by_offset = pc.subtract(wall, pc.cast(offset, pa.duration("s")))
    earliest = _as_utc(wall, timezone, "earliest")
    latest = _as_utc(wall, timezone, "latest")
    in_gap = mask(pc.not_equal(earliest, latest))
    values = pc.if_else(explicit, by_offset, earliest)
    ok = mask(pc.and_(exact, pc.or_(pc.and_(explicit, offset_ok), pc.invert(explicit))))
    ok = mask(pc.and_(ok, pc.or_(explicit, pc.invert(in_gap))))
    bad = mask(pc.and_(pc.is_valid(text), pc.invert(ok)))
    gap = mask(pc.and_(pc.and_(bad, exact), pc.and_(pc.invert(explicit), in_gap)))
    problems = pc.coalesce(
        problem(gap, text, f" does not exist in {timezone} (clocks jump forward)"),
        problem(
            bad,
            text,
            " is not a date-time (expected ISO 8601, e.g. 2026-03-01T08:30:00+08:00)",
        ),
    )
    return Parsed(pc.if_else(ok, values, pa.scalar(None, pa.timestamp("us"))), problems)


def _as_utc(wall: pa.Array, timezone: str, choice: str) -> pa.Array:
    zoned = pc.assume_timezone(wall, timezone=timezone, ambiguous="earliest", nonexistent=choice)
    return pc.cast(zoned, pa.timestamp("us"))


def parse_number(text: pa.Array, precision_scale: tuple[int, int], *, what: str) -> Parsed:
    """Exact decimals: digits, an optional point and at most ``scale`` decimals; never floats."""
    precision, scale = precision_scale
    whole = precision - scale
    plain = rf"^[+-]?(\d{{1,{whole}}}(\.\d{{0,{scale}}})?|\.\d{{1,{scale}}})$"
    fast_rows = mask(pc.match_substring_regex(text, plain))
    target = pa.decimal128(precision, scale)
    return _careful(
        text, fast_rows, target, lambda rest: _number_careful(rest, precision_scale, what)
    )


def _number_careful(text: pa.Array, precision_scale: tuple[int, int], what: str) -> Parsed:
    precision, scale = precision_scale
    looks = mask(pc.match_substring_regex(text, r"^[+-]?(\d+(\.\d*)?|\.\d+)$"))
    parts = pc.extract_regex(
        pc.if_else(looks, text, null_text()), r"^(?P<sign>[+-]?)(?P<int>\d*)\.?(?P<frac>\d*)$"
    )
    whole = pc.utf8_ltrim(pc.struct_field(parts, "int"), characters="0")
    fraction = pc.utf8_rtrim(pc.struct_field(parts, "frac"), characters="0")
    too_fine = mask(pc.greater(pc.utf8_length(fraction), scale))
    too_big = mask(pc.greater(pc.utf8_length(whole), precision - scale))
    ok = mask(pc.and_(looks, pc.invert(pc.or_(too_fine, too_big))))
    normal = pc.binary_join_element_wise(
        pc.struct_field(parts, "sign"),
        pc.if_else(mask(pc.equal(whole, "")), "0", whole),
        ".",
        pc.utf8_rpad(fraction, width=scale, padding="0"),
        "",
    )
    values = pc.cast(pc.if_else(ok, normal, null_text()), pa.decimal128(precision, scale))
    expected = f" is not {what} (expected digits with up to {scale} decimals, e.g. 1234.50)"
    problems = pc.coalesce(
        problem(pc.invert(looks), text, expected),
        problem(too_fine, text, f" has more than {scale} decimal places"),
        problem(
            too_big, text, f" is too large (at most {precision - scale} digits before the point)"
        ),
    )
    return Parsed(values, problems)


def parse_integer(text: pa.Array, bounds: tuple[int, int] | None) -> Parsed:
    """Whole numbers (``4`` or ``4.0``), within the column's range."""
    digits = pc.struct_field(pc.extract_regex(text, r"^(?P<n>[+-]?\d{1,18})(?:\.0*)?$"), "n")
    number = pc.cast(digits, pa.int64())
    low, high = bounds or (-(2**31), 2**31 - 1)
    inside = mask(pc.and_(pc.greater_equal(number, low), pc.less_equal(number, high)))
    present = mask(pc.is_valid(text))
    problems = pc.coalesce(
        problem(mask(pc.and_(present, pc.is_null(number))), text, " is not a whole number"),
        problem(
            mask(pc.and_(pc.is_valid(number), pc.invert(inside))),
            text,
            f" is outside {low}–{high}",
        ),
    )
    values = pc.cast(pc.if_else(inside, number, pa.scalar(None, pa.int64())), pa.int32())
    return Parsed(values, problems)
