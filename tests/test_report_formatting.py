"""Locale formatting: exact zh-CN and en text, and the fast path always equal to Babel."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appraisal.periods import Period
from appraisal.report.formatting import Formatter
from appraisal.report.i18n import join_or, period_label
from appraisal.spec.enums import Language, Unit

D = Decimal
ZH = Formatter(Language.ZH, "CNY", "Asia/Shanghai")
EN = Formatter(Language.EN, "CNY", "Asia/Shanghai")


@pytest.mark.parametrize(
    ("call", "zh", "en"),
    [
        (lambda f: f.money(D("1234.5")), "¥1,234.50", "CN¥1,234.50"),
        (lambda f: f.money(D("-1234567.895")), "-¥1,234,567.90", "-CN¥1,234,567.90"),
        (lambda f: f.money(D("-0.004")), "¥0.00", "CN¥0.00"),
        (lambda f: f.money(None), "—", "—"),
        (lambda f: f.percent(D("0.9512"), 2), "95.12%", "95.12%"),
        (lambda f: f.percent(D("1.5")), "150.0%", "150.0%"),
        (lambda f: f.number(D("3.145"), 2), "3.15", "3.15"),
        (lambda f: f.integer(1234567), "1,234,567", "1,234,567"),
        (lambda f: f.value(D("12.5"), Unit.HOURS, 1), "12.5小时", "12.5 hours"),
        (lambda f: f.value(D("3"), Unit.DAYS, 1), "3.0天", "3.0 days"),
        (lambda f: f.value(D("0.0523"), Unit.PERCENT, 4), "5.23%", "5.23%"),
        (lambda f: f.value(D("7"), Unit.COUNT, 0), "7", "7"),
        (lambda f: f.date(date(2026, 10, 30)), "2026年10月30日", "Oct 30, 2026"),
        (
            lambda f: f.instant(datetime(2026, 10, 1, 1, 30, tzinfo=UTC)),
            "2026年10月1日 09:30",
            "Oct 1, 2026, 09:30",
        ),
    ],
)
def test_exact_text_in_both_languages(call: object, zh: str, en: str) -> None:
    assert (call(ZH), call(EN)) == (zh, en)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("code", "zh", "en"),
    [
        ("2026Q3", "2026年第3季度", "Q3 2026"),
        ("2026-07", "2026年7月", "July 2026"),
        ("2026H1", "2026年上半年", "H1 2026"),
        ("2026H2", "2026年下半年", "H2 2026"),
        ("2026", "2026年", "2026"),
    ],
)
def test_periods_read_naturally(code: str, zh: str, en: str) -> None:
    period = Period.parse(code)
    assert (period_label(period, Language.ZH), period_label(period, Language.EN)) == (zh, en)


def test_lists_join_with_or() -> None:
    assert join_or(["C", "D"], Language.EN) == "C or D"
    assert join_or(["A", "B", "C"], Language.EN) == "A, B or C"
    assert join_or(["合格", "待改进"], Language.ZH) == "合格或待改进"
    assert join_or(["甲", "乙", "丙"], Language.ZH) == "甲、乙或丙"
    assert join_or(["A"], Language.EN) == "A"


numbers = st.decimals(
    min_value=D("-1e12"), max_value=D("1e12"), allow_nan=False, allow_infinity=False, places=6
)


@given(numbers, st.integers(min_value=0, max_value=6), st.sampled_from([ZH, EN]))
def test_the_fast_path_agrees_with_babel(value: Decimal, places: int, f: Formatter) -> None:
    assert f.number(value, places) == f.babel("decimal", value, places)
    assert f.money(value, places) == f.babel("money", value, places)
    assert f.percent(value / 100, places) == f.babel("percent", value / 100, places)


def test_another_currency_uses_its_symbol() -> None:
    usd = Formatter(Language.EN, "USD", "UTC")
    assert usd.money(D("5")) == "$5.00"
    assert Formatter(Language.ZH, "USD", "UTC").money(D("5")) == "US$5.00"
