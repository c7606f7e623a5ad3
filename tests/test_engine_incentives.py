"""Bonus, commission (step/marginal, accelerators, caps), exact pools and awards, by hand."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from tests.engine_frames import Row, evaluate_rows, indicator, item, ruleset, scorecard

DIRECT = {"method": "direct", "cap": 1000}
VETO = [
    {"id": "veto", "title": {"en": "veto"}, "when": "g < 2", "no_incentive": True},
]


def _rules(incentives: list[dict[str, Any]], **settings: Any) -> Any:
    return ruleset(
        [indicator("p", "score"), indicator("g", "number"), indicator("sales", "money")],
        [scorecard([item("p", 100, DIRECT)], gates=VETO, incentives=incentives)],
        settings=settings or None,
    )


def _paid(result: Any, incentive: str) -> dict[str, Any]:
    out = {}
    for subject in result.scorecards[0].subjects:
        found = subject.incentive(incentive)
        if found is not None:
            out[subject.subject_id] = found.amount if found.kind != "award" else found.rank
    return out


def test_bonus_base_by_role_multiplier_cap_and_withholding(engine: Engine) -> None:
    bonus = {
        "kind": "bonus",
        "id": "bonus",
        "title": {"en": "Bonus"},
        "base": {"default": 5000, "by_role": {"rep": 10000, "lead": 20000}},
        "multiplier_by_tier": {"A": D("1.5"), "B": 1, "C": D("0.5")},
        "cap": 14000,
    }
    half_cent = {
        "kind": "bonus",
        "id": "half",
        "title": {"en": "Half"},
        "base": {"default": D("3333.33")},
        "multiplier_by_tier": {"A": D("0.5"), "B": D("0.5"), "C": D("0.5"), "D": D("0.5")},
    }
    rows = [
        Row("a", {"p": 120, "g": 5}, role="rep"),  # 15000 → cap 14000
        Row("b", {"p": 90, "g": 5}, role="rep"),
        Row("c", {"p": 70, "g": 5}, role="lead"),  # 20000 × 0.5
        Row("d", {"p": 90, "g": 5}, role="analyst"),  # no base for the role: default
        Row("e", {"p": 10, "g": 5}, role="rep"),  # D has no multiplier: 0
        Row("f", {"p": None, "g": 5}, role="rep"),  # no tier: 0
        Row("g", {"p": 120, "g": 1}, role="rep"),  # veto gate: withheld
        Row("h", {"p": 90, "g": 5}, role=None),
    ]
    result = evaluate_rows(engine, _rules([bonus, half_cent]), rows)
    assert _paid(result, "bonus") == {
        "a": D("14000.00"),
        "b": D("10000.00"),
        "c": D("10000.00"),
        "d": D("5000.00"),
        "e": D("0.00"),
        "f": D("0.00"),
        "g": D("0.00"),
        "h": D("5000.00"),
    }
    assert result.scorecards[0].subject("g").incentive("bonus").withheld is True
    assert _paid(result, "half")["a"] == D("1666.67")  # 1666.665 half up
    assert result.scorecards[0].incentives[0].total == D("44000.00")


def test_bonus_rounding_half_even(engine: Engine) -> None:
    half_cent = {
        "kind": "bonus",
        "id": "half",
        "title": {"en": "Half"},
        "base": {"default": D("3333.33")},
        "multiplier_by_tier": {"A": D("0.5")},
    }
    rules = _rules([half_cent], money_rounding={"places": 2, "mode": "half_even"})
    result = evaluate_rows(engine, rules, [Row("a", {"p": 120, "g": 5})])
    assert _paid(result, "half") == {"a": D("1666.66")}


BRACKETS = [
    {"min": 0, "rate": "2%"},
    {"min": 300000, "rate": "3%"},
    {"min": 600000, "rate": "4%"},
]


def _commission(cid: str, schedule: str, accelerators: list[Any], cap: int | None = None) -> Any:
    body: dict[str, Any] = {
        "kind": "commission",
        "id": cid,
        "title": {"en": cid},
        "indicator": "sales",
        "schedule": schedule,
        "brackets": BRACKETS,
        "accelerators": accelerators,
    }
    if cap is not None:
        body["cap"] = cap
    return body


def test_commission_marginal_and_step_with_accelerators(engine: Engine) -> None:
    excess = [{"from_attainment": "100%", "multiplier": D("1.5")}]
    two = [
        {"from_attainment": "150%", "multiplier": 2},
        {"from_attainment": "100%", "multiplier": D("1.5")},
    ]
    whole = [{"from_attainment": "120%", "multiplier": 2, "scope": "whole"}]
    incentives = [
        _commission("plain", "marginal", []),
        _commission("marginal", "marginal", excess),
        _commission("step", "step", excess),
        _commission("two", "marginal", two),
        _commission("whole", "step", whole, cap=50000),
    ]
    rows = [
        Row("a", {"p": 90, "g": 5, "sales": 700000}, {"sales": 500000}),
        Row("b", {"p": 90, "g": 5, "sales": 250000}, {"sales": 500000}),
        Row("c", {"p": 90, "g": 5, "sales": 700000}, {"sales": None}),
        Row("d", {"p": 90, "g": 5, "sales": -5000}, {"sales": 500000}),
        Row("e", {"p": 90, "g": 5, "sales": 700000}, {"sales": 400000}),
        Row("f", {"p": 90, "g": 5, "sales": 700000}, {"sales": 0}),
        Row("g", {"p": 90, "g": 5, "sales": D("12345.67")}, {"sales": 500000}),
        Row("h", {"p": 90, "g": 1, "sales": 700000}, {"sales": 500000}),
        Row("i", {"p": 90, "g": 5, "sales": 550000}, {"sales": 500000}),
    ]
    result = evaluate_rows(engine, _rules(incentives), rows)
    # a: marginal 6000 + 9000 + 4000 = 19000
    assert _paid(result, "plain")["a"] == D("19000.00")
    assert _paid(result, "marginal") == {
        "a": D("22500.00"),  # 6000 + 6000 + 100k × 3 % × 1.5 + 100k × 4 % × 1.5
        "b": D("5000.00"),
        "c": D("19000.00"),  # no target: no accelerator
        "d": D("0.00"),
        "e": D("24000.00"),  # 6000 + 3000 + 200k × 3 % × 1.5 + 100k × 4 % × 1.5
        "f": D("28500.00"),  # target 0: every slice is above it
        "g": D("246.91"),  # 12345.67 × 2 % = 246.9134
        "h": D("0.00"),  # withheld
        "i": D("14250.00"),  # 6000 + 6000 + 50k × 3 % × 1.5
    }
    # step: the whole amount at the reached bracket's rate, the slice above target × 1.5
    assert _paid(result, "step")["a"] == D("32000.00")  # 4 % × (500k + 200k × 1.5)
    assert _paid(result, "step")["i"] == D("17250.00")  # 3 % × (500k + 50k × 1.5)
    # two thresholds (400k, 600k): 6000 + 3000 + 200k × 3 % × 1.5 + 100k × 4 % × 2
    assert _paid(result, "two")["e"] == D("26000.00")
    # whole: 700k ≥ 120 % × 500k doubles 28000, then the cap
    assert _paid(result, "whole")["a"] == D("50000.00")
    assert _paid(result, "whole")["i"] == D("16500.00")  # 110 %: not reached


def _pool(allocation: str, amount: Any = 100, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "pool",
        "id": "pool",
        "title": {"en": "Pool"},
        "amount": amount,
        "allocation": allocation,
        **extra,
    }


def test_pool_remainder_cents_go_to_the_lowest_subject_id(engine: Engine) -> None:
    rows = [Row(s, {"p": 90, "g": 5}) for s in ("b", "a", "c")]
    result = evaluate_rows(engine, _rules([_pool("equal")]), rows)
    assert _paid(result, "pool") == {"a": D("33.34"), "b": D("33.33"), "c": D("33.33")}


def test_pool_by_score_largest_remainder(engine: Engine) -> None:
    rows = [
        Row("a", {"p": 20, "g": 5}),
        Row("b", {"p": 40, "g": 5}),
        Row("c", {"p": None, "g": 5}),  # no total: not eligible
        Row("d", {"p": 90, "g": 1}),  # withheld: left out
    ]
    result = evaluate_rows(engine, _rules([_pool("by_score")]), rows)
    # 100 × 20/60 = 33.333…, 100 × 40/60 = 66.666…: the larger remainder gets the cent
    assert _paid(result, "pool") == {
        "a": D("33.33"),
        "b": D("66.67"),
        "c": D("0.00"),
        "d": D("0.00"),
    }


def test_pool_by_points_per_team_with_eligible_tiers(engine: Engine) -> None:
    pool = _pool(
        "by_points", 50000, per="team", eligible_tiers=["A", "B"], points_by_tier={"A": 3, "B": 2}
    )
    rows = [
        Row("a", {"p": 120, "g": 5}, team="T1"),
        Row("b", {"p": 90, "g": 5}, team="T1"),
        Row("c", {"p": 70, "g": 5}, team="T1"),  # tier C is not eligible
        Row("d", {"p": 85, "g": 5}, team="T2"),  # alone in T2: the whole pool
        Row("e", {"p": 30, "g": 5}, team="T3"),  # nobody eligible in T3: nothing paid
    ]
    result = evaluate_rows(engine, _rules([pool]), rows)
    assert _paid(result, "pool") == {
        "a": D("30000.00"),
        "b": D("20000.00"),
        "c": D("0.00"),
        "d": D("50000.00"),
        "e": D("0.00"),
    }


def _award(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "award",
        "id": "award",
        "title": {"en": "Award"},
        "award": {"en": "Certificate"},
        **extra,
    }


def test_awards_ties_at_the_cut_off_by_subject_id(engine: Engine) -> None:
    rows = [
        Row("a", {"p": 90, "g": 5}),
        Row("d", {"p": 95, "g": 5}),
        Row("c", {"p": 95, "g": 5}),
        Row("b", {"p": 95, "g": 5}),
        Row("e", {"p": None, "g": 5}),
    ]
    result = evaluate_rows(engine, _rules([_award(top=2)]), rows)
    assert _paid(result, "award") == {"b": 1, "c": 2}


def test_awards_min_tier_per_team_and_lower_is_better_indicator(engine: Engine) -> None:
    by_team = _award(top=1, per="team", min_tier="B")
    lowest = {**_award(top=2, rank_by="indicator", indicator="g"), "id": "calm"}
    rules = ruleset(
        [indicator("p", "score"), indicator("g", "number", "lower"), indicator("sales", "money")],
        [scorecard([item("p", 100, DIRECT)], incentives=[by_team, lowest])],
    )
    rows = [
        Row("a", {"p": 85, "g": 3}, team="T1"),
        Row("b", {"p": 82, "g": 1}, team="T1"),
        Row("c", {"p": 79, "g": 2}, team="T2"),  # tier C: below the minimum tier
        Row("d", {"p": 99, "g": 1}, team="T3"),
    ]
    result = evaluate_rows(engine, rules, rows)
    assert _paid(result, "award") == {"a": 1, "d": 1}
    assert _paid(result, "calm") == {"b": 1, "d": 2}


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    totals=st.lists(st.integers(min_value=0, max_value=150), min_size=1, max_size=12),
    amount=st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2),
)
def test_pool_shares_always_add_up_to_the_pool(
    engine: Engine, totals: list[int], amount: D
) -> None:
    rows = [Row(f"s{k:02d}", {"p": v, "g": 5}) for k, v in enumerate(totals)]
    result = evaluate_rows(engine, _rules([_pool("by_score", amount)]), rows)
    paid = _paid(result, "pool")
    if sum(totals) == 0:
        assert set(paid.values()) == {D("0.00")}
    else:
        assert sum(paid.values()) == amount
        for k, total in enumerate(totals):  # within one cent of the exact share
            exact = amount * total / sum(totals)
            assert abs(paid[f"s{k:02d}"] - exact) < D("0.01")
