"""Item scores, section scores and totals in SQL, worked out by hand, on every backend.

Each test scores one hand-built values frame whose rows sit on the edges of a
scoring rule: exactly on a threshold, target or stretch point, on band
boundaries, beyond the last point, with missing values or targets.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from tests.engine_frames import Row, indicator, item, rating, ruleset, score_rows, scorecard


def _score(engine: Engine, rules: Any, rows: list[Row]) -> dict[str, dict[str, Any]]:
    with engine.begin() as conn:
        return score_rows(conn, rules, rows)


def _points(found: dict[str, dict[str, Any]], k: int = 0) -> dict[str, Any]:
    return {s: (f[f"st{k}"], f[f"s{k}"]) for s, f in found.items()}


LINEAR = {
    "method": "linear",
    "threshold": {"at": "80%", "score": 60},
    "target": {"at": "100%", "score": 100},
    "stretch": {"at": "120%", "score": 120},
    "below_threshold": 10,
}


def test_linear_of_target_every_segment(engine: Engine) -> None:
    rules = ruleset([indicator("sales", "money")], [scorecard([item("sales", 100, LINEAR)])])
    t = {"sales": 200}
    rows = [
        Row("a_below", {"sales": 100}, t),  # 50 %: below threshold
        Row("b_threshold", {"sales": 160}, t),  # exactly 80 %
        Row("c_mid", {"sales": 180}, t),  # 90 %: 60 + 0.1 × 40 / 0.2
        Row("d_target", {"sales": 200}, t),  # exactly 100 %
        Row("e_stretch_half", {"sales": 220}, t),  # 110 %
        Row("f_stretch", {"sales": 240}, t),  # exactly 120 %
        Row("g_beyond", {"sales": 300}, t),  # 150 %: flat at the stretch score
        Row("h_odd", {"sales": D("171.13")}, t),  # 85.565 %: 60 + 0.05565 × 200
        Row("i_no_value", {"sales": None}, t),
        Row("j_no_target", {"sales": 100}, {"sales": None}),
    ]
    assert _points(_score(engine, rules, rows)) == {
        "a_below": ("below_threshold", D(10)),
        "b_threshold": ("threshold_to_target", D(60)),
        "c_mid": ("threshold_to_target", D(80)),
        "d_target": ("threshold_to_target", D(100)),
        "e_stretch_half": ("target_to_stretch", D(110)),
        "f_stretch": ("target_to_stretch", D(120)),
        "g_beyond": ("beyond_stretch", D(120)),
        "h_odd": ("threshold_to_target", D("71.13")),
        "i_no_value": ("not_applicable", None),
        "j_no_target": ("not_applicable", None),
    }


def test_linear_lower_is_better_runs_the_other_way(engine: Engine) -> None:
    scoring = {
        "method": "linear",
        "threshold": {"at": "200%", "score": 60},
        "target": {"at": "100%", "score": 100},
        "stretch": {"at": "50%", "score": 120},
    }
    rules = ruleset(
        [indicator("hours", "hours", "lower")], [scorecard([item("hours", 100, scoring)])]
    )
    t = {"hours": 24}
    rows = [Row(f"h{v}", {"hours": v}, t) for v in (60, 48, 36, 24, 18, 12, 6)]
    assert _points(_score(engine, rules, rows)) == {
        "h60": ("below_threshold", D(0)),
        "h48": ("threshold_to_target", D(60)),  # exactly on the threshold
        "h36": ("threshold_to_target", D(80)),
        "h24": ("threshold_to_target", D(100)),
        "h18": ("target_to_stretch", D(110)),
        "h12": ("target_to_stretch", D(120)),
        "h6": ("beyond_stretch", D(120)),
    }


def test_linear_absolute_basis_lower_is_better_with_cap(engine: Engine) -> None:
    scoring = {
        "method": "linear",
        "basis": "absolute",
        "threshold": {"at": "10%", "score": 0},
        "target": {"at": "3%", "score": 100},
        "stretch": {"at": 0, "score": 110},
        "cap": 105,
    }
    rules = ruleset(
        [indicator("rate", "percent", "lower")], [scorecard([item("rate", 100, scoring)])]
    )
    rows = [
        Row("a", {"rate": D("0.12")}),
        Row("b", {"rate": D("0.10")}),
        Row("c", {"rate": D("0.065")}),  # 0 + (0.065 − 0.10) × 100 / (0.03 − 0.10) = 50
        Row("d", {"rate": D("0.03")}),
        Row("e", {"rate": D("0.018")}),  # 100 + 0.012 × 10 / 0.03 = 104
        Row("f", {"rate": D("0.015")}),  # 105: exactly the cap, not capped
        Row("g", {"rate": D("0")}),  # 110 → capped at 105
    ]
    assert _points(_score(engine, rules, rows)) == {
        "a": ("below_threshold", D(0)),
        "b": ("threshold_to_target", D(0)),
        "c": ("threshold_to_target", D(50)),
        "d": ("threshold_to_target", D(100)),
        "e": ("target_to_stretch", D(104)),
        "f": ("target_to_stretch", D(105)),
        "g": ("capped", D(105)),
    }


def test_linear_without_stretch_is_flat_beyond_the_target(engine: Engine) -> None:
    scoring = {"method": "linear", "threshold": {"at": "50%", "score": 50}}
    rules = ruleset([indicator("n", "count")], [scorecard([item("n", 100, scoring)])])
    rows = [Row("a", {"n": 15}, {"n": 10}), Row("b", {"n": 7}, {"n": 10})]
    assert _points(_score(engine, rules, rows)) == {
        "a": ("beyond_target", D(100)),
        "b": ("threshold_to_target", D(70)),
    }


def test_attainment_higher_and_lower_is_better(engine: Engine) -> None:
    rules = ruleset(
        [indicator("sales", "money"), indicator("churn", "percent", "lower")],
        [
            scorecard(
                [
                    item("sales", 50, {"method": "attainment", "cap": 120, "floor": 10}),
                    item("churn", 50, {"method": "attainment", "cap": 150}),
                ]
            )
        ],
    )
    t = {"sales": 100, "churn": D("0.04")}
    rows = [
        Row("a", {"sales": 50, "churn": D("0.05")}, t),  # 50; 0.04 / 0.05 = 80
        Row("b", {"sales": 130, "churn": D("0")}, t),  # capped 120; actual 0 → the cap
        Row("c", {"sales": 5, "churn": D("0.03")}, t),  # floored 10; 133.33
        Row("d", {"sales": D("84.50"), "churn": D("0.02")}, t),  # 84.5; 200 → capped 150
        Row("e", {"sales": 100, "churn": D("0.04")}, {"sales": 0, "churn": 0}),  # zero target
    ]
    found = _score(engine, rules, rows)
    assert _points(found, 0) == {
        "a": ("ratio", D(50)),
        "b": ("capped", D(120)),
        "c": ("floored", D(10)),
        "d": ("ratio", D("84.5")),
        "e": ("not_applicable", None),
    }
    assert _points(found, 1) == {
        "a": ("ratio", D(80)),
        "b": ("zero_actual", D(150)),
        "c": ("ratio", D("133.33")),
        "d": ("capped", D(150)),
        "e": ("not_applicable", None),
    }


def test_zero_target_scores_zero_when_declared(engine: Engine) -> None:
    scoring = {"method": "attainment", "on_zero_target": "zero"}
    rules = ruleset([indicator("n", "count")], [scorecard([item("n", 100, scoring)])])
    found = _score(engine, rules, [Row("a", {"n": 5}, {"n": 0})])
    assert _points(found) == {"a": ("zero_target", D(0))}
    assert found["a"]["total"] == 0


def test_bands_boundaries_and_open_ends(engine: Engine) -> None:
    lower = {
        "method": "bands",
        "basis": "absolute",
        "bands": [
            {"min": "95%", "score": 120},
            {"min": "90%", "max": "95%", "score": 100},
            {"min": "80%", "max": "90%", "score": 80},
            {"max": "80%", "score": 40},
        ],
    }
    upper = {
        "method": "bands",
        "basis": "absolute",
        "boundaries": "upper_inclusive",
        "bands": [
            {"max": 0, "score": 100},
            {"min": 0, "max": 2, "score": 60},
            {"min": 2, "score": 0},
        ],
    }
    of_target = {
        "method": "bands",
        "boundaries": "upper_inclusive",
        "bands": [
            {"max": "80%", "score": 50},
            {"min": "80%", "max": "100%", "score": 80},
            {"min": "100%", "score": 100},
        ],
    }
    rules = ruleset(
        [
            indicator("ret", "percent"),
            indicator("cmp", "count", "lower"),
            indicator("deal", "money"),
        ],
        [scorecard([item("ret", 40, lower), item("cmp", 30, upper), item("deal", 30, of_target)])],
    )
    t = {"deal": 30000}
    rows = [
        Row("a", {"ret": D("0.95"), "cmp": 0, "deal": 24000}, t),
        Row("b", {"ret": D("0.9499"), "cmp": 1, "deal": D("24000.01")}, t),
        Row("c", {"ret": D("0.9"), "cmp": 2, "deal": 30000}, t),
        Row("d", {"ret": D("0.8"), "cmp": 3, "deal": D("30000.01")}, t),
        Row("e", {"ret": D("0.7999"), "cmp": 30, "deal": 99999999}, t),
    ]
    found = _score(engine, rules, rows)
    assert _points(found, 0) == {
        "a": ("band_1", D(120)),
        "b": ("band_2", D(100)),
        "c": ("band_2", D(100)),
        "d": ("band_3", D(80)),
        "e": ("band_4", D(40)),
    }
    assert _points(found, 1) == {
        "a": ("band_1", D(100)),
        "b": ("band_2", D(60)),
        "c": ("band_2", D(60)),
        "d": ("band_3", D(0)),
        "e": ("band_3", D(0)),
    }
    assert _points(found, 2) == {
        "a": ("band_1", D(50)),
        "b": ("band_2", D(80)),
        "c": ("band_2", D(80)),
        "d": ("band_3", D(100)),
        "e": ("band_3", D(100)),
    }


def test_pass_fail_reaching_the_threshold(engine: Engine) -> None:
    higher = {"method": "pass_fail", "threshold": "100%", "fail_score": 40}
    lower = {"method": "pass_fail", "basis": "absolute", "threshold": "5%"}
    rules = ruleset(
        [indicator("growth", "percent"), indicator("late", "percent", "lower")],
        [scorecard([item("growth", 50, higher), item("late", 50, lower)])],
    )
    t = {"growth": D("0.1")}
    rows = [
        Row("a", {"growth": D("0.1"), "late": D("0.05")}, t),
        Row("b", {"growth": D("0.0999"), "late": D("0.0501")}, t),
    ]
    found = _score(engine, rules, rows)
    assert _points(found, 0) == {"a": ("pass", D(100)), "b": ("fail", D(40))}
    assert _points(found, 1) == {"a": ("pass", D(100)), "b": ("fail", D(0))}


def test_scale_proportional_and_linear(engine: Engine) -> None:
    rules = ruleset(
        [rating("conduct"), rating("leadership")],
        [
            scorecard(
                [
                    item("conduct", 50, {"method": "scale"}),
                    item("leadership", 50, {"method": "scale", "mapping": "linear"}),
                ]
            )
        ],
    )
    rows = [
        Row("a", {"conduct": 4, "leadership": 4}),
        Row("b", {"conduct": D("3.67"), "leadership": D("3.67")}),
        Row("c", {"conduct": 1, "leadership": 1}),
    ]
    found = _score(engine, rules, rows)
    assert _points(found, 0) == {
        "a": ("proportional", D(80)),
        "b": ("proportional", D("73.4")),
        "c": ("proportional", D(20)),
    }
    assert _points(found, 1) == {
        "a": ("linear", D(75)),
        "b": ("linear", D("66.75")),
        "c": ("linear", D(0)),
    }


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("half_up", ("84.13", "84.14", "84.12")),
        ("half_even", ("84.12", "84.14", "84.12")),
        ("half_down", ("84.12", "84.13", "84.12")),
        ("up", ("84.13", "84.14", "84.13")),
        ("down", ("84.12", "84.13", "84.12")),
        ("ceiling", ("84.13", "84.14", "84.13")),
        ("floor", ("84.12", "84.13", "84.12")),
    ],
)
def test_direct_points_round_exactly_on_ties(
    engine: Engine, mode: str, expected: tuple[str, str, str]
) -> None:
    points = {
        **indicator("p", "score"),
        "rounding": {"places": 3},
    }
    rules = ruleset(
        [points],
        [scorecard([item("p", 100, {"method": "direct"})])],
        settings={"score_rounding": {"places": 2, "mode": mode}},
    )
    rows = [
        Row("a", {"p": D("84.125")}),
        Row("b", {"p": D("84.135")}),
        Row("c", {"p": D("84.121")}),
        Row("d", {"p": 120}),
        Row("e", {"p": -5}),
    ]
    found = _points(_score(engine, rules, rows))
    assert [found[s][1] for s in "abc"] == [D(v) for v in expected]
    assert found["d"] == ("capped", D(100))
    assert found["e"] == ("floored", D(0))


def test_exact_where_binary_floating_point_would_round_down(engine: Engine) -> None:
    # 1.005 / 1 × 100 = 100.5 exactly; in binary floating point it is 100.49999...
    ratio = {**indicator("r", "number"), "rounding": {"places": 3}}
    rules = ruleset(
        [ratio],
        [scorecard([item("r", 100, {"method": "attainment", "cap": 200})])],
        settings={"score_rounding": {"places": 0, "mode": "half_up"}},
    )
    found = _score(engine, rules, [Row("a", {"r": D("1.005")}, {"r": 1})])
    assert found["a"]["s0"] == 101
    assert found["a"]["a0"] == D("1.005")


def _two_sections() -> Any:
    scale = {"method": "scale"}
    return ruleset(
        [
            indicator("x", "number"),
            indicator("y", "number"),
            indicator("z", "number"),
            rating("r1"),
            rating("r2"),
        ],
        [
            scorecard(
                sections=[
                    {
                        "id": "q",
                        "title": {"en": "Q"},
                        "share": 70,
                        "items": [
                            item("x", 50, {"method": "direct"}),
                            item("y", 30, {"method": "direct"}),
                            item("z", 20, {"method": "direct"}, if_not_applicable="zero"),
                        ],
                    },
                    {
                        "id": "r",
                        "title": {"en": "R"},
                        "share": 30,
                        "items": [item("r1", 50, scale), item("r2", 50, scale)],
                    },
                ]
            )
        ],
    )


def test_sections_reweight_and_totals(engine: Engine) -> None:
    rows = [
        # all there: q = (50×80 + 30×90 + 20×100)/100 = 87; r = (80 + 60)/2 = 70
        # total = 0.7 × 87 + 0.3 × 70 = 81.9
        Row("all", {"x": 80, "y": 90, "z": 100, "r1": 4, "r2": 3}),
        # y missing (reweight): q = (50×80 + 20×100)/70 = 85.714…; total 0.7q + 21 = 81.00
        Row("reweight", {"x": 80, "y": None, "z": 100, "r1": 4, "r2": 3}),
        # z missing (zero): q = (50×80 + 30×90 + 0)/100 = 67; total 46.9 + 21 = 67.9
        Row("zero", {"x": 80, "y": 90, "z": None, "r1": 4, "r2": 3}),
        # section r has nothing: total = q = 87
        Row("no_r", {"x": 80, "y": 90, "z": 100, "r1": None, "r2": None}),
        # only the zero item counts in q (with 0 points); no r: total 0
        Row("nothing", {}),
    ]
    found = _score(engine, _two_sections(), rows)
    got = {s: (f["ss0"], f["ss1"], f["total"]) for s, f in found.items()}
    assert got == {
        "all": (D(87), D(70), D("81.9")),
        "reweight": (D("85.71"), D(70), D(81)),
        "zero": (D(67), D(70), D("67.9")),
        "no_r": (D(87), None, D(87)),
        "nothing": (D(0), None, D(0)),
    }
    reweighted = found["reweight"]
    assert (reweighted["ew0"], reweighted["ew1"], reweighted["ew2"]) == (
        D("71.43"),
        None,
        D("28.57"),
    )
    # contribution: share 70 % × weight 50/70 × 80 = 40
    assert reweighted["c0"] == D(40)
    assert found["all"]["c3"] == D(12)  # 30 % × 50 % × 80


def test_weights_scaled_by_a_constant_leave_the_total(engine: Engine) -> None:
    base = _two_sections()
    doubled = base.model_copy(
        update={
            "scorecards": tuple(
                c.model_copy(
                    update={
                        "sections": tuple(
                            s.model_copy(
                                update={
                                    "items": tuple(
                                        i.model_copy(update={"weight": i.weight * 3})
                                        for i in s.items
                                    )
                                }
                            )
                            for s in c.sections
                        )
                    }
                )
                for c in base.scorecards
            )
        }
    )
    rows = [Row("a", {"x": 77, "y": None, "z": 100, "r1": D("3.5"), "r2": 2})]
    assert _score(engine, base, rows)["a"]["total"] == _score(engine, doubled, rows)["a"]["total"]


def test_a_value_in_no_band_is_not_applicable(engine: Engine) -> None:
    gap = {
        "method": "bands",
        "basis": "absolute",
        "bands": [{"max": 10, "score": 50}, {"min": 20, "score": 100}],
    }
    rules = ruleset(
        [indicator("n", "count"), indicator("m", "count")],
        [scorecard([item("n", 50, gap), item("m", 50, {"method": "direct"})])],
    )
    found = _score(engine, rules, [Row("a", {"n": 15, "m": 40}), Row("b", {"n": 25, "m": 40})])
    assert _points(found) == {"a": ("no_band", None), "b": ("band_2", D(100))}
    assert (found["a"]["total"], found["b"]["total"]) == (D(40), D(70))
