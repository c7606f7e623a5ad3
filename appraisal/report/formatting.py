"""Numbers, money, percentages, dates and instants formatted per locale with Babel.

Values arrive as exact ``Decimal`` already rounded to their declared places;
they are shown at those places (percentages: two fewer, since 0.9512 is
95.12 %), rounded half-up only where a display needs fewer places.

Babel is the authority for every locale's symbols, grouping and affixes, but
calling it costs tens of microseconds and a large bundle formats hundreds of
thousands of numbers.  So each (kind, places) is formatted by Babel once on a
probe value; when its digits are Python's ``,``-grouped digits with the
locale's separators between a fixed prefix and suffix (true for zh-CN and
en), later values reuse that shape.  Otherwise every call goes to Babel.  A
property test checks both paths agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import assert_never
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

from appraisal.report.i18n import LOCALES, unit_suffix
from appraisal.spec.enums import Language, Unit

NOT_APPLICABLE = "—"
_PROBE = Decimal("1234567.125")


_QUANTA = tuple(Decimal(1).scaleb(-places) for places in range(16))


def quantize(value: Decimal, places: int) -> Decimal:
    """``value`` at ``places`` decimals, half-up."""
    return value.quantize(_QUANTA[places], rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class _Shape:
    """How a locale writes one kind of number: separators and the affixes around it."""

    group: str
    decimal: str
    positive: tuple[str, str]
    negative: tuple[str, str]


def _body(rounded: Decimal, shape: _Shape) -> str:
    text = format(abs(rounded), ",f")
    if shape.group == "," and shape.decimal == ".":
        return text
    return text.replace(",", "\x00").replace(".", shape.decimal).replace("\x00", shape.group)


def _shape(probe: str, negative_probe: str, digits: str) -> _Shape | None:
    """The affixes around ``digits`` in both probes, or None when the digits differ."""
    for group in (",", ".", "\u00a0", "\u202f", " ", "'", "’"):
        for decimal_mark in (".", ","):
            if group == decimal_mark:
                continue
            body = digits.replace(",", "\x00").replace(".", decimal_mark).replace("\x00", group)
            if probe.count(body) == 1 and negative_probe.count(body) == 1:
                p = probe.split(body)
                n = negative_probe.split(body)
                return _Shape(group, decimal_mark, (p[0], p[1]), (n[0], n[1]))
    return None


@dataclass(frozen=True)
class Formatter:
    """Locale-aware text for every kind of value a report shows."""

    language: Language
    currency: str
    timezone: str
    _shapes: dict[tuple[str, int], _Shape | None] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def locale(self) -> Locale:
        """The Babel locale."""
        return _locale(LOCALES[self.language])

    # ── Babel, the reference ────────────────────────────────────────────────

    def babel(self, kind: str, value: Decimal, places: int) -> str:
        """``value`` formatted by Babel itself (the reference for the fast path)."""
        q = quantize(value, places + (2 if kind == "percent" else 0))
        if q == 0:
            q = abs(q)  # no "-0.00"
        pattern = "#,##0" + ("." + "0" * places if places else "")
        if kind == "money":
            return format_currency(
                q, self.currency, format="¤" + pattern, locale=self.locale, currency_digits=False
            )
        if kind == "percent":
            return format_percent(q, format=pattern + "%", locale=self.locale)
        return format_decimal(q, format=pattern, locale=self.locale)

    def _shape_of(self, kind: str, places: int) -> _Shape | None:
        key = (kind, places)
        if key not in self._shapes:
            digits = format(quantize(_PROBE, places), ",f")
            probe = self.babel(kind, _PROBE / (100 if kind == "percent" else 1), places)
            negative = self.babel(kind, -_PROBE / (100 if kind == "percent" else 1), places)
            self._shapes[key] = _shape(probe, negative, digits)
        return self._shapes[key]

    def _format(self, kind: str, value: Decimal, places: int) -> str:
        shape = self._shapes.get((kind, places)) or self._shape_of(kind, places)
        if shape is None:
            return self.babel(kind, value, places)
        rounded = quantize(value * 100 if kind == "percent" else value, places)
        prefix, suffix = shape.negative if rounded < 0 else shape.positive
        return prefix + _body(rounded, shape) + suffix

    # ── numbers ─────────────────────────────────────────────────────────────

    def number(self, value: Decimal | None, places: int) -> str:
        """A grouped decimal number, e.g. ``1,234.50``."""
        return NOT_APPLICABLE if value is None else self._format("decimal", value, places)

    def integer(self, value: int) -> str:
        """A grouped whole number, e.g. ``12,345``."""
        return self._format("decimal", Decimal(value), 0)

    def money(self, value: Decimal | None, places: int = 2) -> str:
        """An amount with the currency symbol, e.g. ``¥1,234.50`` or ``CN¥1,234.50``."""
        return NOT_APPLICABLE if value is None else self._format("money", value, places)

    def percent(self, fraction: Decimal | None, places: int = 1) -> str:
        """A fraction as a percentage: 0.9512 → ``95.12%`` with two places."""
        return NOT_APPLICABLE if fraction is None else self._format("percent", fraction, places)

    def value(self, value: Decimal | None, unit: Unit, places: int) -> str:
        """An indicator value in its unit, at its declared places."""
        if value is None:
            return NOT_APPLICABLE
        match unit:
            case Unit.MONEY:
                return self.money(value, places)
            case Unit.PERCENT:
                return self.percent(value, max(places - 2, 0))
            case Unit.COUNT | Unit.RATIO | Unit.NUMBER | Unit.SCORE:
                return self.number(value, places)
            case Unit.DAYS | Unit.HOURS:
                word = unit_suffix(unit.value, self.language)
                gap = "" if self.language is Language.ZH else " "
                return f"{self.number(value, places)}{gap}{word}"
            case _:
                assert_never(unit)

    # ── dates ───────────────────────────────────────────────────────────────

    def date(self, day: date) -> str:
        """A calendar day: ``2026年10月30日`` or ``Oct 30, 2026``."""
        return _date(day, LOCALES[self.language], self.language)

    def instant(self, moment: datetime) -> str:
        """An instant in the workspace's time zone, to the minute."""
        return _instant(moment, LOCALES[self.language], self.timezone)


@lru_cache(maxsize=8)
def _locale(name: str) -> Locale:
    return Locale.parse(name)


@lru_cache(maxsize=4096)
def _date(day: date, locale: str, language: Language) -> str:
    return format_date(day, "long" if language is Language.ZH else "medium", locale=locale)


@lru_cache(maxsize=256)
def _instant(moment: datetime, locale: str, timezone: str) -> str:
    pattern = "yyyy年M月d日 HH:mm" if locale.startswith("zh") else "MMM d, yyyy, HH:mm"
    return format_datetime(moment, pattern, tzinfo=ZoneInfo(timezone), locale=locale)
