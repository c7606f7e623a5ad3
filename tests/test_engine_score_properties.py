"""Properties of the SQL scoring maths, on every backend (Hypothesis).

* Rounding a quotient in SQL equals ``Decimal`` division followed by the
  declared rounding, for every rounding mode, sign and tie.
* Raising an actual never lowers a higher-is-better item score; lowering it
  never lowers a lower-is-better one.
"""

from __future__ import annotations

import itertools
import uuid
from decimal import Decimal as D
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from appraisal.engine.exact import of_column, round_div
from appraisal.expr.sqltypes import ExprNumber
from appraisal.spec.enums import RoundingMode
from tests.engine_frames import Row, indicator, item, ruleset, score_rows, scorecard

SLOW = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

amounts = st.decimals(min_value=-999999, max_value=999999, places=4, allow_nan=False)
divisors = amounts.filter(lambda d: d != 0)
ties = st.sampled_from([D("0.125"), D("-0.125"), D("2.675"), D("84.5"), D("-84.5"), D("1.005")])


@SLOW
@given(
    pairs=st.lists(st.tuples(amounts | ties, divisors | st.just(D(1))), min_size=1, max_size=30),
    places=st.integers(min_value=0, max_value=4),
    mode=st.sampled_from(list(RoundingMode)),
)
def test_rounded_quotients_equal_decimal(
    engine: Engine, pairs: list[tuple[D, D]], places: int, mode: RoundingMode
) -> None:
    table = sa.Table(
        f"q_{uuid.uuid4().hex[:8]}",
        sa.MetaData(),
        sa.Column("k", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("n", ExprNumber()),
        sa.Column("d", ExprNumber()),
    )
    with engine.begin() as conn:
        table.create(conn)
        conn.execute(table.insert(), [{"k": k, "n": n, "d": d} for k, (n, d) in enumerate(pairs)])
        quotient = round_div(of_column(table.c.n, 4), of_column(table.c.d, 4), places, mode)
        rows = conn.execute(sa.select(table.c.k, quotient.number()).order_by(table.c.k)).all()
    quantum = D(1).scaleb(-places)
    for k, got in rows:
        n, d = pairs[k]
        want = (n / d).quantize(quantum, rounding=mode.decimal_mode)
        assert D(str(got)) == want, (n, d, places, mode)


points = st.decimals(min_value=0, max_value=150, places=1, allow_nan=False)


@st.composite
def linear_rules(draw: Any) -> dict[str, Any]:
    low, mid, high = sorted(draw(st.lists(points, min_size=3, max_size=3)))
    return {
        "method": "linear",
        "threshold": {"at": draw(st.sampled_from(["50%", "70%", "80%", "95%"])), "score": low},
        "target": {"at": "100%", "score": mid},
        "stretch": {"at": draw(st.sampled_from(["101%", "120%", "150%"])), "score": high},
        "below_threshold": draw(st.decimals(min_value=0, max_value=low, places=0)),
    }


def _mirror(rule: dict[str, Any]) -> dict[str, Any]:
    """The same rule for a lower-is-better indicator: points at the reciprocal side."""
    flipped = dict(rule)
    for key in ("threshold", "stretch"):
        at = D(rule[key]["at"].rstrip("%")) / 100
        flipped[key] = {"at": f"{(2 - at) * 100}%", "score": rule[key]["score"]}
    return flipped


@SLOW
@given(
    rule=linear_rules(),
    values=st.lists(
        st.decimals(min_value=0, max_value=3000, places=2, allow_nan=False), min_size=2, max_size=25
    ),
)
def test_raising_an_actual_never_lowers_the_score(
    engine: Engine, rule: dict[str, Any], values: list[D]
) -> None:
    rules = ruleset(
        [
            indicator("up", "money"),
            indicator("down", "money", "lower"),
            indicator("ratio_up", "money"),
            indicator("ratio_down", "money", "lower"),
        ],
        [
            scorecard(
                [
                    item("up", 25, rule),
                    item("down", 25, _mirror(rule)),
                    item("ratio_up", 25, {"method": "attainment", "cap": 150}),
                    item("ratio_down", 25, {"method": "attainment", "cap": 150}),
                ]
            )
        ],
    )
    ordered = sorted(values)
    target = {"up": 1000, "down": 1000, "ratio_up": 1000, "ratio_down": 1000}
    rows = [
        Row(f"s{k:03d}", {"up": v, "down": v, "ratio_up": v, "ratio_down": v}, target)
        for k, v in enumerate(ordered)
    ]
    with engine.begin() as conn:
        found = score_rows(conn, rules, rows)
    series = [found[f"s{k:03d}"] for k in range(len(ordered))]
    for before, after in itertools.pairwise(series):
        assert after["s0"] >= before["s0"]  # higher is better: more never scores less
        assert after["s1"] <= before["s1"]  # lower is better: more never scores more
        assert after["s2"] >= before["s2"]
        assert after["s3"] <= before["s3"]


@SLOW
@given(
    weights=st.lists(st.integers(min_value=1, max_value=60), min_size=3, max_size=3),
    factor=st.sampled_from([D(2), D(3), D("0.5"), D("1.5"), D(7)]),
    values=st.lists(
        st.tuples(
            *(st.none() | st.decimals(min_value=0, max_value=100, places=2) for _ in range(3))
        ),
        min_size=1,
        max_size=10,
    ),
)
def test_scaling_all_weights_leaves_totals_unchanged(
    engine: Engine, weights: list[int], factor: D, values: list[tuple[D | None, ...]]
) -> None:
    def rules(scale: D) -> Any:
        return ruleset(
            [indicator(name, "score") for name in ("x", "y", "z")],
            [
                scorecard(
                    sections=[
                        {
                            "id": "one",
                            "title": {"en": "One"},
                            "share": 60,
                            "items": [
                                item("x", D(weights[0]) * scale, {"method": "direct"}),
                                item("y", D(weights[1]) * scale, {"method": "direct"}),
                            ],
                        },
                        {
                            "id": "two",
                            "title": {"en": "Two"},
                            "share": 40,
                            "items": [item("z", D(weights[2]) * scale, {"method": "direct"})],
                        },
                    ]
                )
            ],
        )

    rows = [Row(f"s{k:02d}", {"x": x, "y": y, "z": z}) for k, (x, y, z) in enumerate(values)]
    with engine.begin() as conn:
        plain = score_rows(conn, rules(D(1)), rows)
        scaled = score_rows(conn, rules(factor), rows)
    assert {s: f["total"] for s, f in plain.items()} == {s: f["total"] for s, f in scaled.items()}
