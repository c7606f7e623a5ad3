"""Values the caller supplies for built-in names: the evaluated period and time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from appraisal.periods import DateRange
from appraisal.workspace import DEFAULT_TIMEZONE


@dataclass(frozen=True)
class ExprParams:
    """The period ``period_start``/``period_end``/``in_period`` refer to, and the time zone.

    The period is half-open: ``period_start`` is its first day and
    ``period_end`` the first day after it, so ``in_period(d)`` means
    ``period_start <= d < period_end``.  Calendar dates become instants at
    midnight of ``timezone`` (the workspace's business time zone).
    When ``period`` is None, compiled SQL carries named placeholders instead
    (see :data:`appraisal.expr.sql.PERIOD_PARAMETERS`).
    """

    period: DateRange | None = None
    timezone: str = DEFAULT_TIMEZONE

    def instant(self, day: date) -> datetime:
        """Midnight at the start of ``day`` in the business time zone, as UTC."""
        return datetime.combine(day, time(0), tzinfo=ZoneInfo(self.timezone)).astimezone(UTC)

    def require_period(self) -> DateRange:
        """The period, or a clear programming error when none was given."""
        if self.period is None:
            raise ValueError("this expression refers to the period; pass ExprParams(period=...)")
        return self.period
