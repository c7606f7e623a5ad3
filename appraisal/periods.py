"""Appraisal periods: parse codes like ``2026Q3`` and resolve them to date ranges.

Every range is half-open, ``[start, end)``: ``start`` is the first day in the
period and ``end`` the first day after it.  Half-open ranges tile the calendar
with no gaps or overlaps, so "in period" is ``start <= d < end`` everywhere and
"as of period end" means "before ``end``".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import assert_never

from appraisal.errors import UserError


class Granularity(StrEnum):
    """How long a period is."""

    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"

    @property
    def months(self) -> int:
        """Length in months."""
        if self is Granularity.MONTH:
            return 1
        if self is Granularity.QUARTER:
            return 3
        if self is Granularity.HALF:
            return 6
        if self is Granularity.YEAR:
            return 12
        assert_never(self)


class PeriodError(UserError):
    """A period code that cannot be read."""


PERIOD_FORMATS = "2026Q3 (quarter), 2026-07 (month), 2026H1 (half year) or 2026 (year)"

_PATTERNS: tuple[tuple[re.Pattern[str], Granularity], ...] = (
    (re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE), Granularity.QUARTER),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), Granularity.MONTH),
    (re.compile(r"^(\d{4})-?M(0[1-9]|1[0-2])$", re.IGNORECASE), Granularity.MONTH),
    (re.compile(r"^(\d{4})-?H([12])$", re.IGNORECASE), Granularity.HALF),
    (re.compile(r"^(\d{4})$"), Granularity.YEAR),
    (re.compile(r"^(\d{4})年第?([1-4])季度$"), Granularity.QUARTER),
    (re.compile(r"^(\d{4})年(0?[1-9]|1[0-2])月$"), Granularity.MONTH),
)


def _add_months(day: date, months: int) -> date:
    """The first of the month ``months`` after ``day``'s month (``day`` is a 1st)."""
    total = day.year * 12 + (day.month - 1) + months
    return date(total // 12, total % 12 + 1, 1)


@dataclass(frozen=True, order=True)
class DateRange:
    """A half-open range of days ``[start, end)``."""

    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end

    @property
    def days(self) -> int:
        """Number of days in the range."""
        return (self.end - self.start).days


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period: a month, quarter, half year or year."""

    year: int
    granularity: Granularity
    index: int  # 1-based position within the year: month 1-12, quarter 1-4, half 1-2, year 1

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read a period code; Chinese forms such as ``2026年第3季度`` are accepted."""
        cleaned = text.strip()
        for pattern, granularity in _PATTERNS:
            match = pattern.match(cleaned)
            if match:
                index = int(match.group(2)) if granularity is not Granularity.YEAR else 1
                return cls(int(match.group(1)), granularity, index)
        raise PeriodError(f"period {text!r} is not recognised; expected {PERIOD_FORMATS}")

    @classmethod
    def containing(cls, day: date, granularity: Granularity) -> Period:
        """The period of the given length that contains ``day``."""
        index = (day.month - 1) // granularity.months + 1
        return cls(day.year, granularity, index)

    @property
    def code(self) -> str:
        """Canonical code: 2026Q3, 2026-07, 2026H1, 2026."""
        g = self.granularity
        if g is Granularity.MONTH:
            return f"{self.year}-{self.index:02d}"
        if g is Granularity.QUARTER:
            return f"{self.year}Q{self.index}"
        if g is Granularity.HALF:
            return f"{self.year}H{self.index}"
        if g is Granularity.YEAR:
            return f"{self.year}"
        assert_never(g)

    def __str__(self) -> str:
        return self.code

    @property
    def start(self) -> date:
        """First day of the period."""
        return date(self.year, (self.index - 1) * self.granularity.months + 1, 1)

    @property
    def end(self) -> date:
        """First day after the period."""
        return _add_months(self.start, self.granularity.months)

    @property
    def range(self) -> DateRange:
        """The period as a half-open date range."""
        return DateRange(self.start, self.end)

    def shift(self, periods: int) -> Period:
        """The period ``periods`` steps later (negative: earlier)."""
        per_year = 12 // self.granularity.months
        position = self.year * per_year + (self.index - 1) + periods
        return Period(position // per_year, self.granularity, position % per_year + 1)

    def previous(self, periods: int = 1) -> Period:
        """The period ``periods`` steps earlier."""
        return self.shift(-periods)

    def same_period_last_year(self) -> Period:
        """Same period one year earlier (for year-over-year growth)."""
        return Period(self.year - 1, self.granularity, self.index)

    def trailing(self, count: int) -> DateRange:
        """The ``count`` periods ending with this one, as one range."""
        if count < 1:
            raise ValueError("a trailing window holds at least one period")
        return DateRange(self.shift(1 - count).start, self.end)

    def history(self, count: int) -> tuple[Period, ...]:
        """This period and the ``count - 1`` before it, oldest first."""
        return tuple(self.shift(-k) for k in range(count - 1, -1, -1))

    def months(self) -> tuple[Period, ...]:
        """The months of this period, in order (for phasing targets)."""
        first = Period(self.year, Granularity.MONTH, self.start.month)
        return tuple(first.shift(k) for k in range(self.granularity.months))
