"""Which rows fall into an indicator's window, following ``WindowMode`` literally.

Bounds are calendar days; an instant is compared with the local midnight of a
bound in the business time zone (``ExprParams.instant``), so an order entered at
00:30 in Shanghai on 1 July counts for the third quarter although it is still
30 June in UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import assert_never

from appraisal.expr import ExprParams
from appraisal.periods import DateRange, Granularity, Period
from appraisal.spec.enums import WindowMode
from appraisal.spec.models import Window


def trailing_range(period: Period, periods: int, grain: Granularity) -> DateRange:
    """``periods`` lengths of ``grain`` ending where the period ends: [E - n x grain, E)."""
    months = periods * grain.months
    total = period.end.year * 12 + period.end.month - 1 - months
    return DateRange(date(total // 12, total % 12 + 1, 1), period.end)


def _less(value: date | datetime, bound: date, params: ExprParams) -> bool:
    """value < bound, comparing an instant with the bound's local midnight."""
    if isinstance(value, datetime):
        return value < params.instant(bound)
    return value < bound


def _in_range(value: date | datetime, start: date, end: date, params: ExprParams) -> bool:
    return not _less(value, start, params) and _less(value, end, params)


def in_window(
    window: Window,
    value: object,
    until: object,
    period: Period,
    default_grain: Granularity,
    params: ExprParams,
) -> bool:
    """True when a row whose window column is ``value`` (and ``until``) is in the window."""
    if value is None:
        return False
    assert isinstance(value, date)
    start, end = period.start, period.end
    mode = window.mode
    if mode is WindowMode.IN_PERIOD:
        return _in_range(value, start, end, params)
    if mode is WindowMode.AS_OF_START:
        return _less(value, start, params) and _alive(until, start, params)
    if mode is WindowMode.AS_OF_END:
        return _less(value, end, params) and _alive(until, end, params)
    if mode is WindowMode.TRAILING:
        assert window.periods is not None, "a trailing window declares periods"
        span = trailing_range(period, window.periods, window.grain or default_grain)
        return _in_range(value, span.start, span.end, params)
    if mode is WindowMode.SAME_PERIOD_LAST_YEAR:
        last_year = period.same_period_last_year()
        return _in_range(value, last_year.start, last_year.end, params)
    if mode is WindowMode.UP_TO_END:
        return _less(value, end, params)
    assert_never(mode)


def _alive(until: object, bound: date, params: ExprParams) -> bool:
    """until is null or until ≥ bound."""
    if until is None:
        return True
    assert isinstance(until, date)
    return not _less(until, bound, params)
