"""The demo's calendar: a two-year window, seasonal day weights, business hours, quarters.

Dates are day numbers (days since 1970-01-01) and instants are seconds since the
epoch in UTC, so every generator works on plain int64 arrays.  Business activity
happens in local time (Asia/Shanghai, UTC+8 all year) and is converted to UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from appraisal.demo.arrays import FloatArray, IntArray, between, ints

EPOCH = date(1970, 1, 1)
DAY = 86_400
LOCAL_OFFSET = 8 * 3_600
NEVER = 2**31 - 1
"""A day number meaning "no date" (not churned, not left, not handed over)."""

LUNAR_NEW_YEAR = {
    2015: date(2015, 2, 19),
    2016: date(2016, 2, 8),
    2017: date(2017, 1, 28),
    2018: date(2018, 2, 16),
    2019: date(2019, 2, 5),
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
    2033: date(2033, 1, 31),
    2034: date(2034, 2, 19),
    2035: date(2035, 2, 8),
}
"""Chinese New Year's day; years outside the table fall back to 5 February."""

# Relative sales by month: Q4 peak (Singles' Day, year end), quiet January/February.
_SALES_BY_MONTH = np.array([0.95, 0.85, 1.0, 1.0, 1.0, 1.08, 0.95, 0.95, 1.05, 1.1, 1.3, 1.4])
_SALES_BY_WEEKDAY = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.35])
_WORK_BY_WEEKDAY = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.25, 0.15])


def day_number(day: date) -> int:
    """Days since 1970-01-01."""
    return (day - EPOCH).days


def to_date(number: int) -> date:
    """The calendar date of a day number."""
    return EPOCH + timedelta(days=int(number))


def add_years(days: IntArray, years: int) -> IntArray:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    as_dates = days.astype("datetime64[D]")
    months = as_dates.astype("datetime64[M]")
    day_of_month = (as_dates - months.astype("datetime64[D]")).astype(np.int64)
    target = months + np.timedelta64(12 * years, "M")
    month_length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    shifted = target.astype("datetime64[D]") + np.minimum(day_of_month, month_length - 1)
    return ints(shifted.astype(np.int64))


def month_of(days: IntArray) -> IntArray:
    """Calendar month (1–12) of each day number."""
    return ints(days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1)


def weekday_of(days: IntArray) -> IntArray:
    """Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday)."""
    return ints((days + 3) % 7)


def _holiday_factors(days: IntArray, *, festival: float, golden_week: float) -> FloatArray:
    """Dips around Chinese New Year and the National Day week."""
    factors = np.ones(len(days))
    years = days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    for year in np.unique(years):
        new_year = day_number(LUNAR_NEW_YEAR.get(int(year), date(int(year), 2, 5)))
        factors[(days >= new_year - 7) & (days <= new_year + 7)] *= festival
        factors[(days >= new_year - 14) & (days < new_year - 7)] *= 0.85
        national_day = day_number(date(int(year), 10, 1))
        factors[(days >= national_day) & (days < national_day + 7)] *= golden_week
    return factors


@dataclass(frozen=True)
class Quarter:
    """A calendar quarter: code like ``2026Q3`` and its first and last day numbers."""

    code: str
    first: int
    last: int


def _quarter_of(day: date) -> Quarter:
    index = (day.month - 1) // 3
    first = date(day.year, 3 * index + 1, 1)
    following = date(day.year + (index == 3), (3 * index + 3) % 12 + 1, 1)
    return Quarter(f"{day.year}Q{index + 1}", day_number(first), day_number(following) - 1)


@dataclass(frozen=True, eq=False)
class Window:
    """Two years of activity ending on ``end``, with the weights that shape it."""

    start: date
    end: date
    sales: FloatArray = field(repr=False)
    work: FloatArray = field(repr=False)

    @property
    def first(self) -> int:
        """Day number of the first day in the window."""
        return day_number(self.start)

    @property
    def last(self) -> int:
        """Day number of the last day in the window."""
        return day_number(self.end)

    @property
    def days(self) -> int:
        """Number of days in the window."""
        return self.last - self.first + 1

    @property
    def end_instant(self) -> int:
        """First UTC second after the window (local midnight after ``end``)."""
        return (self.last + 1) * DAY - LOCAL_OFFSET

    def quarters(self) -> tuple[Quarter, ...]:
        """Quarters overlapping the window, in order (targets are set for these)."""
        found: list[Quarter] = []
        quarter = _quarter_of(self.start)
        while quarter.first <= self.last:
            found.append(quarter)
            quarter = _quarter_of(to_date(quarter.last + 1))
        return tuple(found)

    def closed_quarters(self) -> tuple[Quarter, ...]:
        """Quarters of the window that have ended by ``end`` (ratings exist for these)."""
        return tuple(q for q in self.quarters() if q.last <= self.last)

    def sample_days(
        self, rng: np.random.Generator, low: IntArray, high: IntArray, *, seasonal: bool = True
    ) -> IntArray:
        """One day in ``[low, high]`` per row, drawn by the sales or working-day weights."""
        weights = self.sales if seasonal else self.work
        cumulative = np.concatenate(([0.0], np.cumsum(weights)))
        lo = np.clip(low - self.first, 0, self.days - 1)
        hi = np.clip(high - self.first, lo, self.days - 1)
        bottom = cumulative[lo]
        top = cumulative[hi + 1]
        points = bottom + rng.random(len(lo)) * (top - bottom)
        offsets = np.searchsorted(cumulative, points, side="right") - 1
        return ints(np.clip(offsets, lo, hi) + self.first)

    def business_instants(
        self, rng: np.random.Generator, days: IntArray, *, any_hour: float = 0.0
    ) -> IntArray:
        """A UTC instant on each local day, in office hours (a share ``any_hour`` at any time)."""
        seconds = between(rng, 9 * 3_600, 18 * 3_600 - 1 + np.zeros(len(days), dtype=np.int64))
        anytime = rng.random(len(days)) < any_hour
        seconds[anytime] = between(rng, 0, np.full(int(anytime.sum()), DAY - 1))
        return ints(days * DAY + seconds - LOCAL_OFFSET)


def local_day(instants: IntArray) -> IntArray:
    """The local calendar day of UTC instants."""
    return ints((instants + LOCAL_OFFSET) // DAY)


def window_ending(end: date) -> Window:
    """The two years ending on ``end`` (e.g. 2024-10-01 .. 2026-09-30)."""
    after = end + timedelta(days=1)
    try:
        start = after.replace(year=after.year - 2)
    except ValueError:  # 29 February
        start = after.replace(year=after.year - 2, day=28) + timedelta(days=1)
    first, last = day_number(start), day_number(end)
    days = np.arange(first, last + 1, dtype=np.int64)
    trend = (days - first) / 365.0
    months = month_of(days)
    weekdays = weekday_of(days)
    sales = _SALES_BY_MONTH[months - 1] * _SALES_BY_WEEKDAY[weekdays] * (1.0 + 0.04 * trend)
    sales *= _holiday_factors(days, festival=0.2, golden_week=0.45)
    day_of_month = days - days.astype("datetime64[D]").astype("datetime64[M]").astype(
        "datetime64[D]"
    ).astype(np.int64)
    sales[(months == 11) & (day_of_month == 10)] *= 2.0  # Singles' Day, 11 November
    sales[(months == 6) & (day_of_month == 17)] *= 1.5  # mid-year sale, 18 June
    work = _WORK_BY_WEEKDAY[weekdays] * (1.0 + 0.05 * trend)
    work *= _holiday_factors(days, festival=0.25, golden_week=0.3)
    return Window(start=start, end=end, sales=sales, work=work)
