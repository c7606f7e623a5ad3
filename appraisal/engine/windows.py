"""Which rows fall into the period: a window as a SQL condition (see :class:`WindowMode`).

Ranges are half-open ``[start, end)``.  Date columns compare with dates; instant
columns (stored in UTC) compare with the local midnights of the business time
zone converted to UTC, so an order at 2026-06-30T17:00Z is on 2026-07-01 in
Shanghai and counts in 2026Q3.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, assert_never

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from appraisal.engine.paths import Joins, split_path
from appraisal.errors import UserError
from appraisal.expr.params import ExprParams
from appraisal.periods import DateRange, Period
from appraisal.spec.enums import PeriodGrain, WindowMode
from appraisal.spec.models import Window
from appraisal.store.types import UtcDateTime


def _shift_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, day.day)


def trailing_range(period: Period, periods: int, grain: PeriodGrain) -> DateRange:
    """The ``periods`` periods of ``grain`` ending with this period's end."""
    return DateRange(_shift_months(period.end, -periods * grain.months), period.end)


@dataclass(frozen=True)
class WindowSql:
    """A window's condition and the words that describe it."""

    condition: ColumnElement[bool]
    text: str


class _Bounds:
    """Bound parameters for dates of a date or instant column."""

    def __init__(self, instant: bool, timezone: str) -> None:
        self.instant = instant
        self.params = ExprParams(timezone=timezone)

    def __call__(self, day: date) -> ColumnElement[Any]:
        if self.instant:
            return sa.bindparam(None, self.params.instant(day), type_=UtcDateTime(), unique=True)
        return sa.bindparam(None, day, type_=sa.Date(), unique=True)


def window_sql(
    window: Window, joins: Joins, period: Period, default_grain: PeriodGrain, timezone: str
) -> WindowSql:
    """The condition selecting a window's rows for ``period``."""
    resolved = joins.resolve(split_path(window.column))
    if resolved.info.kind not in ("date", "instant"):
        raise UserError(f"window column {window.column!r} is not a date or instant column")
    at = _Bounds(resolved.info.kind == "instant", timezone)
    col = resolved.column
    name = window.column
    mode = window.mode
    match mode:
        case WindowMode.IN_PERIOD:
            r = period.range
            return WindowSql(sa.and_(col >= at(r.start), col < at(r.end)), f"{name} in {period}")
        case WindowMode.AS_OF_START | WindowMode.AS_OF_END:
            day = period.start if mode is WindowMode.AS_OF_START else period.end
            test = col < at(day)
            text = f"{name} before {day.isoformat()}"
            if window.until is not None:
                until = joins.column(split_path(window.until))
                test = sa.and_(test, sa.or_(until.is_(None), until >= at(day)))
                text += f", {window.until} empty or on/after {day.isoformat()}"
            return WindowSql(test, text)
        case WindowMode.TRAILING:
            grain = window.grain or default_grain
            r = trailing_range(period, window.periods or 1, grain)
            text = f"{name} in the {window.periods or 1} {grain.value}(s) ending {period}"
            return WindowSql(sa.and_(col >= at(r.start), col < at(r.end)), text)
        case WindowMode.SAME_PERIOD_LAST_YEAR:
            last = period.same_period_last_year()
            r = last.range
            return WindowSql(sa.and_(col >= at(r.start), col < at(r.end)), f"{name} in {last}")
        case WindowMode.UP_TO_END:
            end = period.end
            return WindowSql(col < at(end), f"{name} before {end.isoformat()}")
        case _:
            assert_never(mode)
