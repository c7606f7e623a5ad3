"""Measuring values frames on DuckDB, SQLite and PostgreSQL, against values worked out by hand.

The data is the tiny CRM of ``test_engine_measure_data``; every expected number
is derived in the comment next to it.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from appraisal.engine.context import EvaluationContext
from appraisal.engine.frame import SUBJECT_COLUMNS
from appraisal.engine.measure import measure
from appraisal.periods import Period
from appraisal.spec.enums import SubjectKind
from appraisal.validation.validator import load_ruleset
from tests.test_engine_measure_data import D, frame_rows, load, ruleset

PERSON = SubjectKind.PERSON

ORDERS = """
indicators:
  - {id: sales_amount, kind: aggregate, title: {en: Sales}, unit: money, direction: higher,
     subject: person, aggregate: sum, entity: orders, measure: amount,
     filter: "status <> 'cancelled'", link: staff_id,
     window: {mode: in_period, column: ordered_on}}
  - {id: sales_last_year, kind: aggregate, title: {en: LY}, unit: money, direction: higher,
     subject: person, aggregate: sum, entity: orders, measure: amount,
     filter: "status <> 'cancelled'", link: staff_id,
     window: {mode: same_period_last_year, column: ordered_on}}
  - {id: lifetime_sales, kind: aggregate, title: {en: All}, unit: money, direction: higher,
     subject: person, aggregate: sum, entity: orders, measure: amount, link: staff_id,
     window: {mode: up_to_end, column: ordered_on}}
  - {id: avg_deal, kind: aggregate, title: {en: Avg}, unit: money, direction: higher,
     subject: person, aggregate: avg, entity: orders, measure: amount,
     filter: "status in ('open', 'delivered')", link: staff_id,
     window: {mode: in_period, column: ordered_on}}
  - {id: customers_served, kind: aggregate, title: {en: Served}, unit: count,
     direction: higher, subject: person, aggregate: count_distinct, entity: orders,
     measure: customer_id, filter: "status <> 'cancelled'", link: staff_id,
     window: {mode: in_period, column: ordered_on}}
  - {id: biggest, kind: aggregate, title: {en: Max}, unit: money, direction: higher,
     subject: person, aggregate: max, entity: orders, measure: amount, link: staff_id,
     window: {mode: in_period, column: ordered_on}}
  - {id: repeat_rate, kind: aggregate, title: {en: Repeat}, unit: percent, direction: higher,
     subject: person, aggregate: share, entity: orders,
     filter: "status <> 'cancelled'", link: staff_id,
     per: {by: customer_id, aggregate: count, name: orders}, share_where: orders >= 2,
     window: {mode: trailing, column: ordered_on, periods: 4, grain: quarter}}
  - {id: refund_share, kind: aggregate, title: {en: Refunds}, unit: percent, direction: lower,
     subject: person, aggregate: share, entity: orders, link: staff_id,
     share_where: "status = 'refund'", window: {mode: in_period, column: ordered_on}}
  - {id: owned_sales, kind: aggregate, title: {en: Owned}, unit: money, direction: higher,
     subject: person, aggregate: sum, entity: orders, measure: amount,
     filter: "status <> 'cancelled'", link: customer.owner_id,
     window: {mode: in_period, column: ordered_on}}
  - {id: team_sales, kind: aggregate, title: {en: Team}, unit: money, direction: higher,
     subject: team, team_by: manager_tree, aggregate: sum, entity: orders, measure: amount,
     filter: "status <> 'cancelled'", link: staff_id,
     window: {mode: in_period, column: ordered_on}}
  - {id: team_sales_by_name, kind: aggregate, title: {en: Team}, unit: money,
     direction: higher, subject: team, team_by: team_column, aggregate: sum, entity: orders,
     measure: amount, filter: "status <> 'cancelled'", link: staff_id,
     window: {mode: in_period, column: ordered_on}}
"""


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    load(engine)
    return engine


def _values(row: dict[str, Any], *names: str) -> list[Any]:
    return [row[f"v__{n}"] for n in names]


def test_order_aggregates_every_window_and_link(loaded: Engine) -> None:
    rules = ruleset(ORDERS)
    wanted = tuple(i.id for i in rules.indicators)
    with loaded.begin() as conn:
        rows = frame_rows(conn, rules, PERSON, wanted, roles=("account_manager", "team_lead"))
    # B1 left before the period, N1 joins after it; sales reps are not asked for.
    assert sorted(rows) == ["A1", "A2", "L1"]
    a1, a2, lead = rows["A1"], rows["A2"], rows["L1"]
    # Q3, not cancelled: O1 100.00 + O2 200.01 (O3 cancelled, O4 in Q4, O7 in Q2).
    assert a1["v__sales_amount"] == D("300.01")
    assert a2["v__sales_amount"] == D("-50.00")  # the refund O5
    assert lead["v__sales_amount"] == D("0")  # no rows: sum is zero by default
    assert _values(a2, "sales_last_year", "lifetime_sales") == [D("400.00"), D("350.00")]
    # O1..O7 of A1 before 2026-10-01: 100 + 200.01 + 300 + 77 = 677.01 (O4 is on 10-01)
    assert a1["v__lifetime_sales"] == D("677.01")
    # (100.00 + 200.01) / 2 = 150.005 → 150.01 half up; no open/delivered rows: n/a
    assert a1["v__avg_deal"] == D("150.01")
    assert a2["v__avg_deal"] is None
    assert _values(a1, "customers_served", "biggest") == [1, D("300.00")]
    # trailing 4 quarters [2025-10-01, 2026-10-01): A1 has C1 with O7, O1, O2 → 1 of 1
    # customers bought twice; A2 has C3 with O5 only → 0 of 1.
    assert _values(a1, "repeat_rate") == [D("1")]
    assert _values(a2, "repeat_rate") == [D("0")]
    # A2's only Q3 order is the refund; A1 has 3 Q3 orders, none a refund.
    assert a2["v__refund_share"] == D("1") and a1["v__refund_share"] == D("0")
    # By the customer's owner: C1, C2 (A1) 300.01; C3 (A2) -50.00.
    assert _values(a1, "owned_sales") == [D("300.01")]
    # Manager tree: L1 leads A1 and (through A1) A2: 300.01 - 50.00.
    assert lead["v__team_sales"] == D("250.01")
    assert a1["v__team_sales"] == D("250.01")  # A1 leads A2
    assert a2["v__team_sales"] == D("-50.00")
    # Team column: everyone in East.
    assert {r["v__team_sales_by_name"] for r in rows.values()} == {D("250.01")}


CUSTOMERS = """
indicators:
  - {id: new_customers, kind: aggregate, title: {en: New}, unit: count, direction: higher,
     subject: person, aggregate: count, entity: customers, link: owner_id,
     window: {mode: in_period, column: acquired_on}}
  - {id: at_start, kind: aggregate, title: {en: S}, unit: count, direction: higher,
     subject: person, aggregate: count, entity: customers, link: owner_id,
     window: {mode: as_of_start, column: acquired_on, until: churned_on}}
  - {id: at_end, kind: aggregate, title: {en: E}, unit: count, direction: higher,
     subject: person, aggregate: count, entity: customers, link: owner_id,
     window: {mode: as_of_end, column: acquired_on, until: churned_on}}
  - {id: spend, kind: aggregate, title: {en: Spend}, unit: money, direction: lower,
     subject: person, aggregate: sum, entity: customers,
     measure: "coalesce(acquisition_cost, 0)", link: owner_id,
     window: {mode: in_period, column: acquired_on}}
  - {id: retention, kind: formula, title: {en: R}, unit: percent, direction: higher,
     subject: person, formula: "(at_end - new_customers) / at_start"}
  - {id: cac, kind: formula, title: {en: CAC}, unit: money, direction: lower,
     subject: person, formula: spend / new_customers}
  - {id: cac_or_zero, kind: formula, title: {en: CAC0}, unit: money, direction: lower,
     subject: person, formula: spend / new_customers, on_zero_denominator: zero}
  - {id: quarter_spend_even, kind: formula, title: {en: Q}, unit: money, direction: lower,
     subject: person, formula: spend / 4, rounding: {places: 2, mode: half_even}}
  - {id: quarter_spend_up, kind: formula, title: {en: Q}, unit: money, direction: lower,
     subject: person, formula: spend / 4}
  - {id: interactions, kind: aggregate, title: {en: I}, unit: count, direction: higher,
     subject: person, aggregate: count, entity: interactions, link: staff_id,
     window: {mode: in_period, column: occurred_at}}
  - {id: hours_up, kind: aggregate, title: {en: H}, unit: hours, direction: lower,
     subject: person, aggregate: avg, entity: tickets,
     measure: "hours_between(opened_at, resolved_at)", link: staff_id,
     rounding: {places: 2, mode: half_up}, window: {mode: in_period, column: resolved_at}}
  - {id: hours_even, kind: aggregate, title: {en: H}, unit: hours, direction: lower,
     subject: person, aggregate: avg, entity: tickets,
     measure: "hours_between(opened_at, resolved_at)", link: staff_id,
     rounding: {places: 2, mode: half_even}, window: {mode: in_period, column: resolved_at}}
  - {id: conduct, kind: rating, title: {en: C}, unit: score, direction: higher,
     subject: person, criterion: conduct}
  - {id: conduct_min, kind: rating, title: {en: C}, unit: score, direction: higher,
     subject: person, criterion: conduct, combine: min}
"""


def test_customer_windows_formulas_instants_ratings(loaded: Engine) -> None:
    rules = ruleset(CUSTOMERS)
    wanted = tuple(i.id for i in rules.indicators)
    with loaded.begin() as conn:
        rows = frame_rows(conn, rules, PERSON, wanted, roles=("account_manager",))
    a1, a2 = rows["A1"], rows["A2"]
    # A1: new C2 (07-05) and C4 (09-30); at start C1; at end C1, C2, C4.
    assert _values(a1, "new_customers", "at_start", "at_end") == [2, 1, 3]
    # A2: C3 churned 08-15 (alive at start, gone at end); C5 comes after the period.
    assert _values(a2, "new_customers", "at_start", "at_end") == [0, 1, 0]
    assert _values(a1, "retention") == [D("1")]  # (3 - 2) / 1
    assert _values(a2, "retention") == [D("0")]  # (0 - 0) / 1
    # spend 50.50 (+ C4's null cost as 0) over 2 new customers
    assert _values(a1, "spend", "cac", "cac_or_zero") == [D("50.50"), D("25.25"), D("25.25")]
    # A2 has no new customers: 0 / 0 is not applicable, or zero where declared.
    assert _values(a2, "cac", "cac_or_zero") == [None, D("0")]
    # 50.50 / 4 = 12.625: half even 12.62, half up 12.63
    assert _values(a1, "quarter_spend_even", "quarter_spend_up") == [D("12.62"), D("12.63")]
    # I1 at 2026-06-30T17:00Z is July 1st in Shanghai; I2 is October 1st there.
    assert _values(a1, "interactions") == [1]
    assert _values(a2, "interactions") == [0]  # I3 is June 30th 23:59:59 there
    # (1.5 h + 0.75 h) / 2 = 1.125 h: half up 1.13, half even 1.12
    assert _values(a1, "hours_up", "hours_even") == [D("1.13"), D("1.12")]
    assert _values(a2, "hours_up") == [None]
    # Q3 ratings 4.0 and 3.5 (the Q2 rating is ignored): mean 3.75, min 3.5
    assert _values(a1, "conduct", "conduct_min") == [D("3.75"), D("3.5")]
    assert _values(a2, "conduct") == [None]


TARGETS = """
indicators:
  - {id: sales_amount, kind: aggregate, title: {en: Sales}, unit: money, direction: higher,
     subject: person, aggregate: sum, entity: orders, measure: amount,
     filter: "status <> 'cancelled'", link: staff_id,
     window: {mode: in_period, column: ordered_on}}
  - {id: attainment, kind: attainment, title: {en: Att}, unit: percent, direction: higher,
     subject: person, of: sales_amount}
  - {id: team_sales, kind: aggregate, title: {en: Team}, unit: money, direction: higher,
     subject: team, team_by: manager_tree, aggregate: sum, entity: orders, measure: amount,
     link: staff_id, window: {mode: in_period, column: ordered_on}}
targets:
  - indicator: sales_amount
    period: quarter
    overrides: [{subject: A2, value: 1000, period: 2026Q3}, {subject: A1, value: 9, period: 2025Q3}]
    from_table: true
    by_role: {account_manager: 500}
    default: 100
    phasing: {grain: month, shares: [30, 30, 40]}
  - indicator: team_sales
    period: quarter
    from_table: true
    default: 3000
"""


def test_target_resolution_order_and_attainment(loaded: Engine) -> None:
    rules = ruleset(TARGETS)
    wanted = ("sales_amount", "attainment", "team_sales")
    with loaded.begin() as conn:
        rows = frame_rows(conn, rules, PERSON, wanted)
    # override (A2) → table (A1) → role (none here) → default (L1 is a team lead)
    targets = {s: r["t__sales_amount"] for s, r in rows.items()}
    assert targets == {"A1": D("800.00"), "A2": D("1000.00"), "L1": D("100.00")}
    # 300.01 / 800 = 0.3750125 → 0.3750; -50 / 1000 = -0.05; 0 / 100 = 0
    assert rows["A1"]["v__attainment"] == D("0.375")
    assert rows["A2"]["v__attainment"] == D("-0.05")
    assert rows["L1"]["v__attainment"] == D("0")
    # A team led by L1 is keyed 'L1' in the table, else by its name 'East': 5000.
    assert rows["L1"]["t__team_sales"] == D("5000.00")


def test_targets_phased_by_month(loaded: Engine) -> None:
    rules = ruleset(TARGETS)
    with loaded.begin() as conn:
        rows = frame_rows(conn, rules, PERSON, ("sales_amount",), period="2026-08")
    # August is the quarter's second month: 30 % of the quarterly value
    targets = {s: r["t__sales_amount"] for s, r in rows.items()}
    assert targets == {"A1": D("240.00"), "A2": D("300.00"), "L1": D("30.00")}
    # August: only O3, which is cancelled
    assert rows["A1"]["v__sales_amount"] == D("0")


def test_role_target_when_table_has_none(loaded: Engine) -> None:
    rules = ruleset(TARGETS.replace("from_table: true\n    by_role", "by_role"))
    with loaded.begin() as conn:
        rows = frame_rows(conn, rules, PERSON, ("sales_amount",))
    assert rows["A1"]["t__sales_amount"] == D("500.00")


CLIENTS = """
indicators:
  - {id: spend, kind: aggregate, title: {en: M}, unit: money, direction: higher,
     subject: client, aggregate: sum, entity: orders, measure: amount,
     filter: "status <> 'cancelled'", link: customer_id,
     window: {mode: trailing, column: ordered_on, periods: 4, grain: quarter}}
  - {id: referrals, kind: aggregate, title: {en: R}, unit: count, direction: higher,
     subject: client, aggregate: count, entity: customers, link: referred_by,
     window: {mode: trailing, column: acquired_on, periods: 4, grain: quarter}}
  - {id: recency, kind: aggregate, title: {en: R}, unit: days, direction: lower,
     subject: client, aggregate: min, entity: orders,
     measure: "days_between(ordered_on, period_end)", link: customer_id,
     window: {mode: up_to_end, column: ordered_on}, on_empty: not_applicable}
  - {id: cost, kind: aggregate, title: {en: C}, unit: money, direction: lower,
     subject: client, aggregate: max, entity: customers,
     measure: "coalesce(acquisition_cost, 0)", link: customer_id}
"""


def test_client_frame(loaded: Engine) -> None:
    rules = ruleset(CLIENTS)
    wanted = tuple(i.id for i in rules.indicators)
    with loaded.begin() as conn:
        rows = frame_rows(conn, rules, SubjectKind.CLIENT, wanted)
    # alive in Q3: C1, C2, C3 (churned during it), C4 (acquired on its last day)
    assert sorted(rows) == ["C1", "C2", "C3", "C4"]
    assert rows["C1"]["team"] == "East" and rows["C1"]["manager_id"] == "A1"
    spend = {c: r["v__spend"] for c, r in rows.items()}
    # C1: 77.00 + 100.00 + 200.01; C3: -50.00 (O6 is before the four quarters)
    assert spend == {"C1": D("377.01"), "C2": D("0"), "C3": D("-50.00"), "C4": D("0")}
    assert rows["C1"]["v__referrals"] == 1  # C4 names C1
    # last order before 2026-10-01: C1 on 09-30 → 1 day; C3 on 07-15 → 78 days
    assert rows["C1"]["v__recency"] == D("1.0")
    assert rows["C3"]["v__recency"] == D("78.0")
    assert rows["C4"]["v__recency"] is None
    assert rows["C2"]["v__cost"] == D("50.50")


def test_frame_columns_follow_the_contract(loaded: Engine) -> None:
    rules = ruleset(TARGETS)
    with loaded.begin() as conn:
        ctx = EvaluationContext(rules, Period.parse("2026Q3"))
        from appraisal.engine.compile import compile_frame
        from appraisal.engine.measure import materialise
        from appraisal.engine.plan import FrameSpec

        plan = compile_frame(ctx, FrameSpec("card", PERSON, ("attainment",), ("account_manager",)))
        frame = materialise(conn, plan)
        again = materialise(conn, plan)  # re-measuring replaces the table
        count = conn.execute(sa.select(sa.func.count()).select_from(again.table)).scalar()
    assert [c.name for c in frame.table.columns] == [
        *SUBJECT_COLUMNS,
        "v__sales_amount",
        "v__attainment",
        "t__sales_amount",
    ]
    assert frame.indicators == ("sales_amount", "attainment")
    assert frame.targeted == ("sales_amount",)
    assert frame.table.name == "frame__card__2026q3"
    assert count == 2


EXAMPLES = sorted((Path(__file__).parent.parent / "rules").glob("*.yaml"))


@pytest.fixture(scope="module")
def demo_tables() -> dict[str, Any]:
    from appraisal.demo import generate

    return generate(0.002, seed=11)


def test_example_rule_sets_measure(engine: Engine, demo_tables: Any) -> None:
    load(engine, {name: table.to_pylist() for name, table in demo_tables.items()})
    assert len(EXAMPLES) == 4
    for path in EXAMPLES:
        rules = load_ruleset(path)
        ctx = EvaluationContext(rules, Period.parse("2026Q3"))
        with engine.begin() as conn:
            frames = measure(conn, ctx, rules_dir=path.parent)
            for frame in frames:
                count = conn.execute(sa.select(sa.func.count()).select_from(frame.table)).scalar()
                assert count, f"{path.name}: no subjects in {frame.scorecard_id}"
                card = next(c for c in rules.scorecards if c.id == frame.scorecard_id)
                items = {i.indicator for s in card.sections for i in s.items}
                assert items <= set(frame.indicators)
        assert len(frames) == len(rules.scorecards)


def test_history_subset_for_previous_period(loaded: Engine) -> None:
    rules = ruleset(TARGETS + SCORECARD)
    ctx = EvaluationContext(rules, Period.parse("2026Q3")).with_period(Period.parse("2026Q2"))
    with loaded.begin() as conn:
        (frame,) = measure(conn, ctx, indicators=["attainment"])
        rows = conn.execute(sa.select(frame.table)).mappings().all()
    assert frame.period == "2026Q2" and frame.table.name == "frame__card__2026q2"
    assert frame.indicators == ("sales_amount", "attainment")
    # Q2: A1 sold O7 77.00 against the role target 500 (the table has Q3 only)
    a1 = next(r for r in rows if r["subject_id"] == "A1")
    assert (a1["v__sales_amount"], a1["t__sales_amount"]) == (D("77.00"), D("500.00"))
    assert a1["v__attainment"] == D("0.154")


SCORECARD = """
tier_tables:
  - {id: t, bands: [{code: A, label: {en: A}, min: 50}, {code: B, label: {en: B}, max: 50}]}
scorecards:
  - id: card
    title: {en: Card}
    subject: person
    roles: [account_manager]
    tiers: t
    sections:
      - id: s
        title: {en: S}
        share: 100
        items:
          - {indicator: sales_amount, weight: 60, scoring: {method: attainment}}
          - {indicator: team_sales, weight: 40, scoring: {method: attainment}}
"""


def test_scorecard_frame_includes_team_indicators(loaded: Engine) -> None:
    rules = ruleset(TARGETS + SCORECARD)
    ctx = EvaluationContext(rules, Period.parse("2026Q3"))
    with loaded.begin() as conn:
        (frame,) = measure(conn, ctx, "card")
        rows = {r["subject_id"]: r for r in conn.execute(sa.select(frame.table)).mappings().all()}
    assert frame.indicators == ("sales_amount", "team_sales")
    # A1 leads A2: their team's Q3 orders, cancelled ones included (no filter)
    assert rows["A1"]["v__team_sales"] == Decimal("550.01")
