"""Tiers and gates: totals exactly on band boundaries, open bands, caps and withholding."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from appraisal.spec.models import TierTable
from tests.engine_frames import Row, evaluate_rows, indicator, item, ruleset, scorecard, tiers

DIRECT = {"method": "direct", "cap": 1000}


def _rules(boundaries: str = "lower_inclusive", gates: list[dict[str, Any]] | None = None) -> Any:
    return ruleset(
        [indicator("p", "score"), indicator("g", "number")],
        [scorecard([item("p", 100, DIRECT)], gates=gates or [])],
        [tiers(boundaries=boundaries)],
    )


def _tiers(result: Any) -> dict[str, Any]:
    return {s.subject_id: s.tier for s in result.scorecards[0].subjects}


TOTALS = ["150", "100", "99.99", "80", "79.99", "60", "59.99", "0"]


def test_lower_inclusive_bands(engine: Engine) -> None:
    rows = [Row(f"t{v}", {"p": D(v)}) for v in TOTALS] + [Row("none", {"p": None})]
    assert _tiers(evaluate_rows(engine, _rules(), rows)) == {
        "t150": "A",  # the top band is open above
        "t100": "A",  # exactly on the boundary: the upper band
        "t99.99": "B",
        "t80": "B",
        "t79.99": "C",
        "t60": "C",
        "t59.99": "D",
        "t0": "D",  # the lowest band is open below
        "none": None,  # no total, no tier
    }


def test_upper_inclusive_bands(engine: Engine) -> None:
    rows = [Row(f"t{v}", {"p": D(v)}) for v in ["150", "100.01", "100", "80.01", "80", "60"]]
    assert _tiers(evaluate_rows(engine, _rules("upper_inclusive"), rows)) == {
        "t150": "A",
        "t100.01": "A",
        "t100": "B",  # exactly on the boundary: the lower band
        "t80.01": "B",
        "t80": "C",
        "t60": "D",
    }


GATES = [
    {"id": "floor_b", "title": {"en": "cap B"}, "when": "g < 3.5", "cap_tier": "B"},
    {
        "id": "veto",
        "title": {"en": "veto"},
        "when": "g < 2",
        "cap_tier": "D",
        "no_incentive": True,
    },
]


def test_gates_cap_lower_only_and_withhold(engine: Engine) -> None:
    rows = [
        Row("a_clear", {"p": 120, "g": 4}),
        Row("b_capped", {"p": 120, "g": 3}),
        Row("c_already_lower", {"p": 70, "g": 3}),
        Row("d_both", {"p": 120, "g": 1}),
        Row("e_not_applicable", {"p": 120, "g": None}),
        Row("f_no_total", {"p": None, "g": 1}),
        Row("g_on_the_edge", {"p": 120, "g": D("3.5")}),
    ]
    result = evaluate_rows(engine, _rules(gates=GATES), rows)
    got = {
        s.subject_id: (s.tier_before_gates, s.gates_fired, s.tier, s.incentives_withheld)
        for s in result.scorecards[0].subjects
    }
    assert got == {
        "a_clear": ("A", (), "A", False),
        "b_capped": ("A", ("floor_b",), "B", False),
        "c_already_lower": ("C", ("floor_b",), "C", False),
        "d_both": ("A", ("floor_b", "veto"), "D", True),
        "e_not_applicable": ("A", (), "A", False),  # a gate over a missing value never fires
        "f_no_total": (None, ("floor_b", "veto"), None, True),
        "g_on_the_edge": ("A", (), "A", False),
    }


def _tier_in_python(table: TierTable, total: D) -> list[str]:
    """Every band holding the total (the property: exactly one)."""
    found = []
    for band in table.bands:
        low_ok = band.min is None or (
            band.min <= total if table.boundaries.value == "lower_inclusive" else band.min < total
        )
        high_ok = band.max is None or (
            total < band.max if table.boundaries.value == "lower_inclusive" else total <= band.max
        )
        if low_ok and high_ok:
            found.append(band.code)
    return found


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    totals=st.lists(
        st.decimals(min_value=0, max_value=200, places=2, allow_nan=False), min_size=1, max_size=25
    ),
    boundaries=st.sampled_from(["lower_inclusive", "upper_inclusive"]),
)
def test_every_total_maps_to_exactly_one_tier(
    engine: Engine, totals: list[D], boundaries: str
) -> None:
    rules = _rules(boundaries)
    rows = [Row(f"s{k:03d}", {"p": v}) for k, v in enumerate(totals)]
    got = _tiers(evaluate_rows(engine, rules, rows))
    table = rules.tier_tables[0]
    for k, total in enumerate(totals):
        expected = _tier_in_python(table, total)
        assert len(expected) == 1
        assert got[f"s{k:03d}"] == expected[0]
