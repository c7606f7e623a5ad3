"""Chart geometry computed before templating, so templates only place numbers.

Every chart is inline SVG in a fixed ``viewBox``; coordinates are strings
with one decimal, so the same data always gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

BAR_MAX = Decimal("1.5")
"""A progress bar is full at 150 % of target; the target mark sits at two thirds."""

BAR_WIDTH = Decimal(100)

TREND_WIDTH = 360
TREND_HEIGHT = 120
TREND_LEFT = 40
TREND_RIGHT = 30
TREND_TOP = 18
TREND_INSET = 18
TREND_BOTTOM = 24


def coordinate(value: Decimal) -> str:
    """A coordinate with one decimal."""
    return format(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), "f")


def tone(progress: Decimal) -> str:
    """``good`` at or beyond target, ``fair`` from 80 %, else ``poor``."""
    if progress >= 1:
        return "good"
    if progress >= Decimal("0.8"):
        return "fair"
    return "poor"


@dataclass(frozen=True)
class Bar:
    """A horizontal bar in a 0–100 wide box with a target mark."""

    fill: str
    target: str
    tone: str


def progress_bar(progress: Decimal) -> Bar:
    """The bar of a progress ratio (1 = on target)."""
    clipped = min(max(progress, Decimal(0)), BAR_MAX)
    return Bar(
        fill=coordinate(clipped / BAR_MAX * BAR_WIDTH),
        target=coordinate(BAR_WIDTH / BAR_MAX),
        tone=tone(progress),
    )


def scale_bar(fraction: Decimal) -> Bar:
    """A bar filling the box in proportion (a rating on its scale): no target mark."""
    clipped = min(max(fraction, Decimal(0)), Decimal(1))
    return Bar(fill=coordinate(clipped * BAR_WIDTH), target="", tone="scale")


def share_width(part: int, whole: int) -> str:
    """The width (0–100) of a share bar."""
    if whole <= 0:
        return "0.0"
    return coordinate(Decimal(part) * 100 / Decimal(whole))


@dataclass(frozen=True)
class TrendPoint:
    """One period on the trend chart."""

    period: str
    label: str
    total: str
    tier: str
    x: str
    y: str
    label_y: str
    current: bool


@dataclass(frozen=True)
class GridLine:
    """A horizontal guide with its value."""

    y: str
    label: str


@dataclass(frozen=True)
class Trend:
    """A line chart of totals over periods."""

    points: tuple[TrendPoint, ...]
    line: str
    grid: tuple[GridLine, ...]
    width: int
    height: int
    left: str
    right: str
    axis_y: str
    has_history: bool


def _top(values: list[Decimal]) -> Decimal:
    """The axis maximum: at least 100, with headroom above the highest total."""
    highest = max([Decimal(90), *values]) + 10
    step = Decimal(20)
    return (highest / step).to_integral_value(rounding="ROUND_CEILING") * step


TrendEntry = tuple[str, str, Decimal | None, str, str, bool]
"""(period code, period label, total, total text, tier label, is current)."""


def trend_chart(entries: list[TrendEntry]) -> Trend:
    """Chart of totals over periods, oldest first."""
    totals = [e[2] for e in entries if e[2] is not None]
    top = _top(totals)
    plot_w = Decimal(TREND_WIDTH - TREND_LEFT - TREND_RIGHT - 2 * TREND_INSET)
    plot_h = Decimal(TREND_HEIGHT - TREND_TOP - TREND_BOTTOM)
    bottom = Decimal(TREND_HEIGHT - TREND_BOTTOM)
    count = len(entries)
    points = []
    for k, (period, label, total, text, tier, current) in enumerate(entries):
        x = Decimal(TREND_LEFT + TREND_INSET) + (
            plot_w * k / (count - 1) if count > 1 else plot_w / 2
        )
        y = bottom - (total / top * plot_h if total is not None else Decimal(0))
        points.append(
            TrendPoint(
                period, label, text, tier, coordinate(x), coordinate(y), coordinate(y - 6), current
            )
        )
    line = " ".join(
        f"{p.x},{p.y}" for p, entry in zip(points, entries, strict=True) if entry[2] is not None
    )
    grid = tuple(
        GridLine(
            coordinate(bottom - plot_h * share), format((top * share).to_integral_value(), "f")
        )
        for share in (Decimal(0), Decimal("0.5"), Decimal(1))
    )
    return Trend(
        points=tuple(points),
        line=line,
        grid=grid,
        width=TREND_WIDTH,
        height=TREND_HEIGHT,
        left=str(TREND_LEFT),
        right=str(TREND_WIDTH - TREND_RIGHT),
        axis_y=coordinate(bottom + 16),
        has_history=count > 1,
    )
