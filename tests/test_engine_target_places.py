"""Targets keep their own places: shares of longer periods, the places a target column
holds, refused declared values, and money targets finer than a cent on every backend.

Every expected number is worked out in the comment next to it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from appraisal.engine.context import EvaluationContext
from appraisal.engine.frame_types import FrameMoney, FrameNumber, frame_places, frame_type
from appraisal.engine.measure import measure
from appraisal.engine.operands import target_of
from appraisal.engine.places import type_places
from appraisal.engine.score import score
from appraisal.engine.targets import (
    fraction_places,
    fraction_text,
    phased_target,
    plan_target,
    read_sheet,
    share_of,
    target_places,
)
from appraisal.errors import UserError
from appraisal.expr.sqltypes import ExprInteger, ExprNumber
from appraisal.periods import Period
from appraisal.spec.models import RuleSet, TargetSheet
from appraisal.store.types import Money
from tests.test_engine_measure_data import D, load, ruleset
from tests.test_validation_rules import issues

# ── the share of a longer period's target ───────────────────────────────────────


def _rules(target: str) -> RuleSet:
    return ruleset(
        """
indicators:
  - {id: deals, kind: aggregate, title: {en: Deals}, unit: count, direction: higher,
     subject: person, aggregate: count, entity: orders, link: staff_id,
     window: {mode: in_period, column: ordered_on}}
targets:
  - """
        + target
    )


def _share(target: str, period: str) -> Fraction | None:
    plan = plan_target(_rules(target), "deals", Period.parse(period))
    return None if plan is None else plan.share


def test_unphased_targets_split_equally_by_length() -> None:
    quarterly = "{indicator: deals, period: quarter, default: 10}"
    assert _share(quarterly, "2026-08") == Fraction(1, 3)
    assert _share(quarterly, "2026Q3") == 1
    assert _share(quarterly, "2026H2") is None  # a longer period than the rule's: no target
    yearly = "{indicator: deals, period: year, default: 10}"
    assert _share(yearly, "2026Q3") == Fraction(1, 4)
    assert _share(yearly, "2026H2") == Fraction(1, 2)
    assert _share(yearly, "2026-02") == Fraction(1, 12)


def test_phasing_shares_cover_shorter_and_longer_periods() -> None:
    by_month = "{indicator: deals, period: quarter, default: 10, phasing: {shares: [30, 30, 40]}}"
    assert _share(by_month, "2026-09") == Fraction(40, 100)
    by_quarter = (
        "{indicator: deals, period: year, default: 10,"
        " phasing: {grain: quarter, shares: [10, 20, 30, 40]}}"
    )
    # a month gets a third of its quarter's share: August is in Q3 (30 %) → 10 %
    assert _share(by_quarter, "2026-08") == Fraction(10, 100)
    # a half year gets the shares of its quarters: H2 = Q3 + Q4 = 70 %
    assert _share(by_quarter, "2026H2") == Fraction(70, 100)
    months = ", ".join(["5"] * 6 + ["10", "10", "10", "10", "10", "20"])
    by_month_year = (
        f"{{indicator: deals, period: year, default: 10, phasing: {{shares: [{months}]}}}}"
    )
    # Q4 = October 10 + November 10 + December 20 = 40 %
    assert _share(by_month_year, "2026Q4") == Fraction(40, 100)


def test_explain_words_for_a_share() -> None:
    plan = plan_target(
        _rules("{indicator: deals, period: quarter, default: 10}"), "deals", Period.parse("2026-08")
    )
    assert plan is not None
    assert plan.share_words() == "split equally: 1/3 of 2026Q3"
    phased = plan_target(
        _rules("{indicator: deals, period: quarter, default: 10, phasing: {shares: [30, 30, 40]}}"),
        "deals",
        Period.parse("2026-08"),
    )
    assert phased is not None
    assert phased.share_words() == "phased: 30 % of 2026Q3"
    assert fraction_text(Fraction(1, 8)) == "0.125"


# ── places ──────────────────────────────────────────────────────────────────────


def test_places_of_fractions() -> None:
    assert fraction_places(Fraction(3, 10)) == 1
    assert fraction_places(Fraction(1, 8)) == 3  # 0.125
    assert fraction_places(Fraction(1, 3)) is None
    assert fraction_places(Fraction(5)) == 0


def test_target_places_are_the_sources_plus_the_share_at_most_six() -> None:
    assert target_places(Fraction(1), 1, money=False) == 1  # 2.5 stays 2.5
    assert target_places(Fraction(3, 10), 0, money=False) == 1  # 10 × 30 % = 3.0
    assert target_places(Fraction(1, 3), 0, money=False) == 6  # never ends: 6
    assert target_places(Fraction(1), None, money=False) == 6  # sources of unknown places
    assert target_places(Fraction(1, 4), 5, money=False) == 6  # would need 7
    assert target_places(Fraction(1), 0, money=True) == 2  # money: at least cents
    assert target_places(Fraction(1, 10), 2, money=True) == 3  # 12,000.01 × 10 %


def test_shares_are_exact_or_rounded_half_up_to_six_places() -> None:
    assert share_of(D(20), Fraction(1, 3), 6) == D("6.666667")  # 6.6666… half up
    assert share_of(D(10), Fraction(1, 3), 6) == D("3.333333")
    assert share_of(D(-20), Fraction(1, 3), 6) == D("-6.666667")  # away from zero
    assert share_of(D("0.0000025"), Fraction(1), 6) == D("0.000003")  # a tie goes up
    assert share_of(D("12000.01"), Fraction(1, 10), 3) == D("1200.001")
    plan = plan_target(
        _rules("{indicator: deals, period: quarter, default: 2.5}"), "deals", Period.parse("2026Q3")
    )
    assert plan is not None
    assert phased_target(D("2.5"), plan) == D("2.5")  # a count's target is not rounded to 3


def test_frame_column_types_say_their_places() -> None:
    assert frame_places(frame_type(money=False, integral=True, places=0)) == 0
    assert frame_places(frame_type(money=False, integral=True, places=1)) == 1
    assert frame_places(frame_type(money=True, integral=False, places=2)) == 2
    assert frame_places(frame_type(money=True, integral=False, places=5)) == 5
    assert isinstance(frame_type(money=True, integral=False, places=5), FrameMoney)
    assert isinstance(frame_type(money=False, integral=False, places=6), FrameNumber)
    assert type_places(FrameMoney(3)) == 3
    assert frame_places(ExprNumber()) is None  # a hand-built frame: the reader's default
    assert frame_places(ExprInteger()) == 0 and frame_places(Money()) == 2


# ── declared values with too many places are refused ────────────────────────────


def test_sheet_values_with_more_than_six_places_are_refused(tmp_path: Path) -> None:
    sheet = tmp_path / "t.csv"
    sheet.write_text("staff_id,target\nS1,2.5\nS2,0.1234567\n", encoding="utf-8")
    spec = TargetSheet(path="t.csv", subject_column="staff_id", value_column="target")
    with pytest.raises(UserError) as error:
        read_sheet(sheet, spec, "deals", "2026Q3")
    assert str(error.value) == (
        "t.csv row 3: target 0.1234567 has 7 decimal places; a target keeps at most 6"
    )
    sheet.write_text("staff_id,target\nS1,2.5\nS2,0.123456\n", encoding="utf-8")
    assert read_sheet(sheet, spec, "deals", "2026Q3") == {"S1": D("2.5"), "S2": D("0.123456")}


def test_rule_targets_with_more_than_six_places_are_errors(tmp_path: Path) -> None:
    found = issues(tmp_path, ("    default: 5\n", "    default: 4.1234567\n"))
    assert found == [
        (
            "error",
            "V010",
            "39",
            "targets[1].default",
            "target 4.1234567 has 7 decimal places; a target keeps at most 6",
        )
    ]
    assert issues(tmp_path, ("    default: 5\n", "    default: 4.123456\n")) == []


def test_follow_up_targets_with_more_than_six_places_are_errors(tmp_path: Path) -> None:
    plan = (
        "    tiers: tiers\n"
        "    improvement:\n"
        "      - id: fix\n"
        "        when: {condition: tier_in, tiers: [C]}\n"
        "        action: {en: Act}\n"
        "        owner: self\n"
        "        due_in_days: 10\n"
        "        follow_up: {indicator: new_customers, target: 2.0000001}\n"
    )
    found = issues(tmp_path, ("    tiers: tiers\n", plan))
    assert [(f[0], f[1], f[3], f[4]) for f in found] == [
        (
            "error",
            "V010",
            "scorecards[0].improvement[0].follow_up.target",
            "target 2.0000001 has 7 decimal places; a target keeps at most 6",
        )
    ]


# ── on every backend: a money target finer than a cent, a money value of 3 places ──

MONEY = """
indicators:
  - {id: sales_amount, kind: aggregate, title: {en: Sales}, unit: money, direction: higher,
     subject: person, aggregate: sum, entity: orders, measure: amount, link: staff_id,
     window: {mode: in_period, column: ordered_on}}
  - {id: sales_fine, kind: aggregate, title: {en: Sales}, unit: money, direction: higher,
     subject: person, aggregate: avg, entity: orders, measure: amount, link: staff_id,
     rounding: {places: 3}, window: {mode: in_period, column: ordered_on}}
targets:
  - indicator: sales_amount
    period: quarter
    from_table: true
    default: 100.5
    phasing: {grain: month, shares: [30, 30, 40]}
tier_tables:
  - id: t
    bands:
      - {code: A, label: {en: A}, min: 100}
      - {code: B, label: {en: B}, max: 100}
scorecards:
  - id: rep
    title: {en: Rep}
    subject: person
    tiers: t
    sections:
      - id: s
        title: {en: S}
        share: 100
        items:
          - {indicator: sales_amount, weight: 100, scoring: {method: attainment, cap: 150}}
"""


def _order(order_id: str, staff: str, day: str, amount: str) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "customer_id": "C1",
        "staff_id": staff,
        "ordered_on": date.fromisoformat(day),
        "amount": D(amount),
        "status": "delivered",
    }


ROWS: dict[str, list[dict[str, Any]]] = {
    "staff": [
        {"staff_id": "A1", "name": "A1", "role": "rep"},
        {"staff_id": "A2", "name": "A2", "role": "rep"},
    ],
    "customers": [{"customer_id": "C1", "name": "C1", "acquired_on": date(2025, 1, 10)}],
    "orders": [
        _order("O1", "A1", "2026-08-03", "300.00"),
        _order("O2", "A2", "2026-08-04", "30.00"),
        _order("O3", "A2", "2026-08-05", "30.01"),
    ],
    "targets": [
        {
            "subject_kind": "person",
            "subject_id": "A1",
            "indicator": "sales_amount",
            "period": "2026Q3",
            "value": D("800.1234"),
        }
    ],
}


def test_money_targets_keep_their_places_through_scoring(engine: Engine) -> None:
    load(engine, ROWS)
    rules = ruleset(MONEY)
    with engine.begin() as conn:
        context = EvaluationContext(rules, Period.parse("2026-08"))
        (frame,) = measure(conn, context, indicators=("sales_amount", "sales_fine"))
        column = frame.target("sales_amount")
        # the targets table keeps 4 places, August is 30 % (1 place): 5 places
        assert frame_places(column.type) == 5
        rows = {r.subject_id: r for r in conn.execute(sa.select(frame.table)).all()}
        # A1: table 800.1234 × 30 % = 240.03702; A2: default 100.5 × 30 % = 30.15
        assert rows["A1"].t__sales_amount == D("240.03702")
        assert rows["A2"].t__sales_amount == D("30.15")
        # the average of 30.00 and 30.01 at 3 places (a money value finer than a cent)
        assert rows["A2"].v__sales_fine == D("30.005")
        read = target_of(frame, rules.indicator("sales_amount"), conn.dialect.name)
        assert read.scale == 5
        scored = score(conn, rules, rules.scorecards[0], frame)
        layout = scored.layout
        assert layout.target_scales == (5,)
        found = {r.subject_id: r._mapping for r in conn.execute(sa.select(scored.table)).all()}
    # A1: 300 / 240.03702 × 100 = 124.98072… → 124.98; attainment 1.2498
    assert Decimal(found["A1"]["s0"]).scaleb(-layout.scales["s0"]) == D("124.98")
    assert Decimal(found["A1"]["a0"]).scaleb(-layout.scales["a0"]) == D("1.2498")
    # A2: 60.01 / 30.15 × 100 = 199.03… → capped at 150
    assert Decimal(found["A2"]["s0"]).scaleb(-layout.scales["s0"]) == D("150")
