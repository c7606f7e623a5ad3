"""Improvement plans: every condition, owners through the hierarchy, due dates, follow-ups."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

from sqlalchemy.engine import Engine

from tests.engine_frames import Row, evaluate_rows, indicator, item, ruleset, scorecard


def _rule(rule_id: str, when: dict[str, Any], owner: str = "self", **extra: Any) -> dict[str, Any]:
    return {
        "id": rule_id,
        "when": when,
        "action": {"en": f"do {rule_id}"},
        "owner": owner,
        "due_in_days": extra.pop("due", 30),
        **extra,
    }


RULES = [
    _rule(
        "ret_low",
        {"condition": "below_threshold", "indicator": "ret", "below": "85%"},
        follow_up={"indicator": "ret", "target": "90%"},
    ),
    _rule(
        "churn_high",
        {"condition": "below_threshold", "indicator": "churn", "below": "10%"},
        "manager",
        due=14,
    ),
    _rule(
        "sales_att",
        {
            "condition": "below_threshold",
            "indicator": "sales",
            "measure": "attainment",
            "below": "80%",
        },
        follow_up={"indicator": "sales", "improve_by": "10%"},
    ),
    _rule(
        "sales_score",
        {"condition": "below_threshold", "indicator": "sales", "measure": "score", "below": 60},
    ),
    _rule("total_low", {"condition": "below_threshold", "measure": "score", "below": 50}, "ceo"),
    _rule(
        "churn_row",
        {"condition": "below_target_in_a_row", "indicator": "churn", "periods": 3},
        "team_lead",
        follow_up={"indicator": "churn", "improve_by": "20%", "within_periods": 1},
    ),
    _rule("worst_total", {"condition": "worst_in_team", "k": 1}, "manager"),
    _rule(
        "worst_churn",
        {
            "condition": "worst_in_team",
            "indicator": "churn",
            "measure": "value",
            "team_by": "manager_tree",
        },
    ),
    _rule("tier_d", {"condition": "tier_in", "tiers": ["D"]}, "sales_director", due=10),
]

STAFF = [
    {
        "staff_id": "D1",
        "name": "Director",
        "role": "sales_director",
        "team": None,
        "manager_id": None,
    },
    {"staff_id": "L1", "name": "Lead 1", "role": "team_lead", "team": "T1", "manager_id": "D1"},
    {"staff_id": "L2", "name": "Lead 2", "role": "team_lead", "team": "T2", "manager_id": "D1"},
    {"staff_id": "s1", "name": "Rep 1", "role": "rep", "team": "T1", "manager_id": "L1"},
    {"staff_id": "s2", "name": "Rep 2", "role": "rep", "team": "T1", "manager_id": "L1"},
    {"staff_id": "s3", "name": "Rep 3", "role": "rep", "team": "T2", "manager_id": "L2"},
]


def _rules() -> Any:
    return ruleset(
        [
            indicator("p", "score"),
            indicator("sales", "money"),
            indicator("ret", "percent"),
            indicator("churn", "percent", "lower"),
        ],
        [
            scorecard(
                [
                    item("p", 50, {"method": "direct"}),
                    item("sales", 50, {"method": "attainment"}),
                ],
                improvement=RULES,
            )
        ],
    )


def _row(sid: str, team: str, manager: str, values: dict[str, Any], targets: dict[str, Any]) -> Row:
    return Row(sid, values, targets, team=team, manager_id=manager)


CURRENT = [
    _row(
        "s1",
        "T1",
        "L1",
        {"p": 90, "sales": 70, "ret": D("0.8"), "churn": D("0.12")},
        {"sales": 100, "churn": D("0.05")},
    ),
    _row(
        "s2",
        "T1",
        "L1",
        {"p": 40, "sales": 50, "ret": D("0.9"), "churn": D("0.06")},
        {"sales": 100, "churn": D("0.05")},
    ),
    _row(
        "s3",
        "T2",
        "L2",
        {"p": 100, "sales": 100, "ret": None, "churn": D("0.04")},
        {"sales": 0, "churn": D("0.05")},
    ),
]


def _history(churn: dict[str, str]) -> list[Row]:
    return [
        Row(s, {"churn": D(v)}, {"churn": D("0.05")}, team=None, manager_id=None)
        for s, v in churn.items()
    ]


HISTORY = {
    "2026Q2": _history({"s1": "0.08", "s2": "0.06", "s3": "0.09"}),
    "2026Q1": _history({"s1": "0.07", "s2": "0.05", "s3": "0.09"}),
}


def test_each_condition_fires_for_the_right_subjects(engine: Engine) -> None:
    result = evaluate_rows(engine, _rules(), CURRENT, staff=STAFF, history=HISTORY)
    card = result.scorecards[0]
    plans = {s.subject_id: [p.rule for p in s.plan] for s in card.subjects}
    assert plans == {
        "s1": ["ret_low", "churn_high", "sales_att", "churn_row", "worst_churn"],
        "s2": ["sales_att", "sales_score", "total_low", "worst_total", "tier_d"],
        "s3": ["worst_total", "worst_churn"],
    }
    assert dict(card.plans) == {
        "ret_low": 1,
        "churn_high": 1,
        "sales_att": 2,
        "sales_score": 1,
        "total_low": 1,
        "churn_row": 1,
        "worst_total": 2,
        "worst_churn": 2,
        "tier_d": 1,
    }


def test_owners_due_dates_and_follow_ups(engine: Engine) -> None:
    result = evaluate_rows(engine, _rules(), CURRENT, staff=STAFF, history=HISTORY)
    card = result.scorecards[0]
    items = {(s.subject_id, p.rule): p for s in card.subjects for p in s.plan}
    owners = {key: (p.owner, p.owner_id) for key, p in items.items()}
    assert owners[("s1", "ret_low")] == ("self", "s1")
    assert owners[("s1", "churn_high")] == ("manager", "L1")
    assert owners[("s1", "churn_row")] == ("team_lead", "L1")  # nearest superior with the role
    assert owners[("s2", "tier_d")] == ("sales_director", "D1")  # two levels up
    assert owners[("s2", "total_low")] == ("ceo", None)  # nobody above holds the role
    assert owners[("s3", "worst_total")] == ("manager", "L2")
    # the period's last day (2026-09-30) plus due_in_days
    assert items[("s1", "ret_low")].due_on == date(2026, 10, 30)
    assert items[("s1", "churn_high")].due_on == date(2026, 10, 14)
    assert items[("s2", "tier_d")].due_on == date(2026, 10, 10)
    follow = items[("s1", "ret_low")]
    assert (follow.follow_up_indicator, follow.follow_up_baseline, follow.follow_up_target) == (
        "ret",
        D("0.8000"),
        D("0.9000"),
    )
    assert (follow.follow_up_direction, follow.follow_up_period) == ("higher", "2026Q4")
    sales = items[("s2", "sales_att")]
    assert (sales.follow_up_baseline, sales.follow_up_target) == (D("50.00"), D("55.00"))
    churn = items[("s1", "churn_row")]  # lower is better: 0.12 improved by 20 % is 0.096
    assert (churn.follow_up_target, churn.follow_up_direction) == (D("0.0960"), "lower")
    assert items[("s2", "worst_total")].follow_up_indicator is None


def test_in_a_row_needs_every_period_worse_than_target(engine: Engine) -> None:
    history = {
        "2026Q2": _history({"s1": "0.08", "s2": "0.06"}),  # s3 missing: not measured then
        "2026Q1": _history({"s1": "0.05", "s2": "0.06"}),  # s1 on target in Q1
    }
    now = {"p": None, "sales": None, "ret": None, "churn": D("0.2")}
    rows = [
        _row("s1", "T1", "L1", now, {"churn": D("0.05")}),
        _row("s2", "T1", "L1", now, {"churn": D("0.05")}),
        _row("s3", "T2", "L2", now, {"churn": D("0.05")}),
    ]
    result = evaluate_rows(engine, _rules(), rows, staff=STAFF, history=history)
    fired = {
        s.subject_id for s in result.scorecards[0].subjects for p in s.plan if p.rule == "churn_row"
    }
    assert fired == {"s2"}
