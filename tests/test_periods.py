"""Period codes resolve to half-open date ranges."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appraisal.periods import DateRange, Granularity, Period, PeriodError


@pytest.mark.parametrize(
    ("text", "code", "start", "end"),
    [
        ("2026Q3", "2026Q3", date(2026, 7, 1), date(2026, 10, 1)),
        ("2026-q4", "2026Q4", date(2026, 10, 1), date(2027, 1, 1)),
        ("2026-02", "2026-02", date(2026, 2, 1), date(2026, 3, 1)),
        ("2026M12", "2026-12", date(2026, 12, 1), date(2027, 1, 1)),
        ("2026H2", "2026H2", date(2026, 7, 1), date(2027, 1, 1)),
        ("2026", "2026", date(2026, 1, 1), date(2027, 1, 1)),
        ("2026年第3季度", "2026Q3", date(2026, 7, 1), date(2026, 10, 1)),
        ("2026年7月", "2026-07", date(2026, 7, 1), date(2026, 8, 1)),
    ],
)
def test_parse(text: str, code: str, start: date, end: date) -> None:
    period = Period.parse(text)
    assert (period.code, period.start, period.end) == (code, start, end)


@pytest.mark.parametrize("text", ["2026Q5", "2026-13", "26Q1", "Q3 2026", ""])
def test_parse_rejects_with_the_accepted_formats(text: str) -> None:
    with pytest.raises(PeriodError, match=r"expected 2026Q3 \(quarter\), 2026-07 \(month\)"):
        Period.parse(text)


def test_windows() -> None:
    q3 = Period.parse("2026Q3")
    assert q3.previous().code == "2026Q2"
    assert q3.shift(2).code == "2027Q1"
    assert q3.same_period_last_year().code == "2025Q3"
    assert q3.trailing(4) == DateRange(date(2025, 10, 1), date(2026, 10, 1))
    assert [p.code for p in q3.history(3)] == ["2026Q1", "2026Q2", "2026Q3"]
    assert [p.code for p in q3.months()] == ["2026-07", "2026-08", "2026-09"]
    assert date(2026, 9, 30) in q3.range and date(2026, 10, 1) not in q3.range


@given(
    st.sampled_from(list(Granularity)),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)),
)
def test_periods_tile_the_calendar(granularity: Granularity, day: date) -> None:
    period = Period.containing(day, granularity)
    assert day in period.range
    assert period.end == period.shift(1).start
    assert Period.parse(period.code) == period
