"""Every semantic rule finds what it should (negative tests) and nothing on good rules."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appraisal.errors import Issue, IssueLevel
from appraisal.spec.models import RuleSet, TargetRule
from appraisal.validation.base import ValidationContext, ValidationRule, validate_safely
from appraisal.validation.rules import band_problems
from appraisal.validation.validator import (
    DEFAULT_RULES,
    check_ruleset,
    load_ruleset,
    validate_ruleset,
)

BASE = (Path(__file__).parent / "rules_broken" / "weights_not_100.yaml").read_text(encoding="utf-8")
GOOD = "\n".join(
    line for line in BASE.replace("weight: 35", "weight: 40").splitlines() if line[:1] != "#"
)


def issues(tmp_path: Path, *edits: tuple[str, str], append: str = "") -> list[tuple[str, ...]]:
    text = GOOD
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "r.yaml"
    path.write_text(text + "\n" + append, encoding="utf-8")
    report = check_ruleset(path)
    return [
        (i.level.value, i.code, str(i.span.line if i.span else 0), i.path, i.message)
        for i in report.results.issues
    ]


ITEM = "          - indicator: new_customers\n            weight: 40\n"
SCORING = "            scoring: {method: attainment}\n"


def test_the_base_rule_set_is_clean(tmp_path: Path) -> None:
    assert issues(tmp_path) == []


def test_targets_by_role_only_for_people_and_warns_on_unknown_roles(tmp_path: Path) -> None:
    found = issues(tmp_path, ("    default: 5\n", "    default: 5\n    by_role: {sales_repp: 6}\n"))
    assert found == [
        (
            "warning",
            "V010",
            "40",
            "targets[1].by_role.sales_repp",
            "no scorecard appraises role 'sales_repp'",
        )
    ]


def test_percent_targets_written_as_whole_numbers_warn(tmp_path: Path) -> None:
    found = issues(
        tmp_path,
        ("    unit: count\n", "    unit: percent\n"),
        ("    aggregate: count\n", "    aggregate: share\n    share_where: churned_on is null\n"),
        ("    default: 5\n", "    default: 90\n"),
    )
    assert found == [
        (
            "warning",
            "V009",
            "40",
            "targets[1].default",
            "target 90 is more than 2× the baseline 4 (SMART: achievable)",
        ),
        (
            "warning",
            "V010",
            "40",
            "targets[1].default",
            "target 90 for a percent indicator means 9000%",
        ),
    ]


def test_phasing_must_sum_to_100_and_fit_the_period(tmp_path: Path) -> None:
    found = issues(
        tmp_path,
        ("    default: 5\n", "    default: 5\n    phasing: {grain: month, shares: [50, 40]}\n"),
    )
    assert [(f[1], f[4]) for f in found] == [
        ("V010", "a quarter has 3 months, but 2 shares are given"),
        ("V010", "phasing shares sum to 90, expected exactly 100"),
    ]
    found = issues(
        tmp_path,
        ("    default: 5\n", "    default: 5\n    phasing: {grain: year, shares: [100]}\n"),
    )
    assert [f[4] for f in found] == ["a quarter target cannot be phased by year"]


def test_target_sheets_must_exist_inside_the_rules_folder(tmp_path: Path) -> None:
    found = issues(tmp_path, ("    default: 5\n", "    sheet: {path: targets/q3.csv}\n"))
    assert [f[4] for f in found] == ["target sheet 'targets/q3.csv' does not exist"]
    (tmp_path / "targets").mkdir()
    (tmp_path / "targets" / "q3.csv").write_text("subject_id,value\n", encoding="utf-8")
    assert issues(tmp_path, ("    default: 5\n", "    sheet: {path: targets/q3.csv}\n")) == []
    found = issues(tmp_path, ("    default: 5\n", "    sheet: {path: ../q3.csv}\n"))
    assert [f[4] for f in found] == ["target sheet '../q3.csv' is outside the rules folder"]


def test_a_target_without_any_source_is_an_error(tmp_path: Path) -> None:
    found = issues(tmp_path, ("    default: 5\n", ""))
    assert [(f[1], f[3], f[4]) for f in found] == [
        ("V008", "targets[1]", "target for 'new_customers' gives no value and no source")
    ]


def test_smart_gaps_are_warnings(tmp_path: Path) -> None:
    found = issues(
        tmp_path,
        ("    objective: {en: Growth}\n    period: quarter\n", ""),
        ("    baseline: {value: 4}\n", ""),
        ("    default: 100000\n", "    default: 300000\n"),
    )
    assert found == [
        (
            "warning",
            "V009",
            "34",
            "targets[0].default",
            "target 300000 is more than 2× the baseline 90000 (SMART: achievable)",
        ),
        (
            "warning",
            "V009",
            "36",
            "targets[1]",
            "target for 'new_customers' has no baseline (SMART: achievable)",
        ),
        (
            "warning",
            "V009",
            "36",
            "targets[1]",
            "target for 'new_customers' has no objective (SMART: relevant)",
        ),
        (
            "warning",
            "V009",
            "36",
            "targets[1]",
            "target for 'new_customers' has no period or deadline (SMART: time-bound)",
        ),
    ]


def test_targets_far_above_history_warn_when_data_is_at_hand(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(GOOD, encoding="utf-8")

    def history(ruleset: RuleSet, target: TargetRule) -> Mapping[str, tuple[Decimal, Decimal]]:
        del ruleset
        if target.indicator != "sales_amount":
            return {}
        return {"S1": (Decimal(100000), Decimal(40000)), "S2": (Decimal(100000), Decimal(60000))}

    report = check_ruleset(path, history=history)
    assert [i.message for i in report.results.warnings] == [
        "target 100000 for 'S1' is more than 2× their history 40000 (SMART: achievable)"
    ]


def test_scoring_parameters_must_make_sense(tmp_path: Path) -> None:
    found = issues(
        tmp_path,
        (
            SCORING,
            "            scoring:\n              method: linear\n"
            "              threshold: {at: 80%, score: 60}\n              cap: 90\n"
            "              below_threshold: 70\n",
        ),
    )
    assert [(f[1], f[3], f[4]) for f in found] == [
        (
            "V020",
            "scorecards[0].sections[0].items[0].scoring.cap",
            "cap 90 is below the target score 100",
        ),
        (
            "V020",
            "scorecards[0].sections[0].items[0].scoring.below_threshold",
            "below_threshold 70 is more than the threshold score 60",
        ),
    ]
    found = issues(tmp_path, (SCORING, "            scoring: {method: scale}\n"))
    assert [f[4] for f in found] == [
        "scale scoring maps a rating scale, but 'sales_amount' is not a rating"
    ]
    found = issues(tmp_path, (SCORING, "            scoring: {method: attainment, floor: 130}\n"))
    assert [f[4] for f in found] == ["floor 130 must be below cap 120"]


def test_band_scores_follow_the_direction(tmp_path: Path) -> None:
    bands = (
        "            scoring:\n              method: bands\n              bands:\n"
        "                - {max: 80%, score: 100}\n                - {min: 80%, score: 50}\n"
    )
    found = issues(tmp_path, (SCORING, bands))
    assert [(f[1], f[4]) for f in found] == [
        ("V007", "band scores must rise with the value for a higher-is-better indicator")
    ]


def test_gates_need_an_effect(tmp_path: Path) -> None:
    gate = "    gates:\n      - id: g\n        title: {en: G}\n        when: new_customers < 1\n"
    assert [f[4] for f in issues(tmp_path, append=gate)] == ["gate 'g' has no effect"]


def test_commission_brackets_start_at_zero_and_rise(tmp_path: Path) -> None:
    commission = (
        "    incentives:\n      - kind: commission\n        id: c\n        title: {en: C}\n"
        "        indicator: new_customers\n        schedule: marginal\n"
        "        brackets: [{min: 10, rate: 1%}, {min: 5, rate: 2%}]\n"
        "        accelerators:\n"
        "          - {from_attainment: 120%, multiplier: 2}\n"
        "          - {from_attainment: 110%, multiplier: 3}\n"
    )
    assert [(f[1], f[4]) for f in issues(tmp_path, append=commission)] == [
        ("V006", "commission is paid on money, but 'new_customers' is measured in count"),
        ("V016", "the first bracket must start at 0, not 10"),
        ("V016", "bracket minimums must rise: 5 follows 10"),
        ("V016", "accelerator thresholds must rise"),
    ]


def test_pools_and_awards_are_complete(tmp_path: Path) -> None:
    incentives = (
        "    incentives:\n      - kind: pool\n        id: p\n        title: {en: P}\n"
        "        amount: 1000\n        allocation: by_points\n        points_by_tier: {A: 2}\n"
        "      - kind: award\n        id: w\n        title: {en: W}\n        award: {en: Cup}\n"
        "        rank_by: indicator\n"
    )
    assert [f[4] for f in issues(tmp_path, append=incentives)] == [
        "allocation by_points needs points for tier(s) B, C",
        "rank_by: indicator needs an indicator",
    ]


def test_improvement_rules_test_numbers_the_card_has(tmp_path: Path) -> None:
    rules = (
        "    improvement:\n"
        "      - id: a\n        when: {condition: below_threshold, measure: value, below: 50}\n"
        "        action: {en: Act}\n        owner: managr\n        due_in_days: 10\n"
        "      - id: b\n"
        "        when: {condition: worst_in_team, indicator: sales_amount, measure: attainment}\n"
        "        action: {en: Act}\n        owner: self\n        due_in_days: 10\n"
    )
    assert issues(tmp_path, append=rules) == [
        (
            "error",
            "V017",
            "66",
            "scorecards[0].improvement[0].when.measure",
            "without an indicator the total is tested: use measure: score",
        ),
        (
            "warning",
            "V017",
            "68",
            "scorecards[0].improvement[0].owner",
            "owner 'managr' is not a known owner",
        ),
    ]


def test_rfm_band_scores_are_one_to_five(tmp_path: Path) -> None:
    segmentation = (
        "segmentations:\n  - id: s\n    title: {en: S}\n    rfm:\n"
        "      recency: {indicator: new_customers, method: bands}\n"
        "      frequency: {indicator: new_customers, bands: [{score: 3}]}\n"
        "      monetary:\n        indicator: sales_amount\n        method: bands\n"
        "        bands: [{max: 10, score: 1}, {min: 10, score: 6}]\n"
        "    segments:\n      - code: all\n        label: {en: All}\n"
    )
    found = issues(tmp_path, append=segmentation)
    assert [(f[1], f[4]) for f in found if f[1] == "V018"] == [
        ("V018", "method bands needs bands with scores 1–5"),
        ("V018", "bands apply to method: bands only"),
        ("V018", "RFM scores are whole numbers 1–5, not 6"),
    ]


def test_metadata_dates_run_forward(tmp_path: Path) -> None:
    found = issues(
        tmp_path,
        (
            "  effective_from: 2026-07-01\n",
            "  effective_from: 2026-07-01\n  effective_to: 2026-06-30\n",
        ),
    )
    assert [f[4] for f in found] == [
        "effective_to 2026-06-30 is not after effective_from 2026-07-01"
    ]


def test_scorecards_only_score_their_own_subject(tmp_path: Path) -> None:
    found = issues(
        tmp_path,
        (
            "    subject: person\n    roles: [sales_rep]\n",
            "    subject: client\n    roles: [sales_rep]\n",
        ),
    )
    assert [(f[1], f[4]) for f in found] == [
        ("V012", "roles apply to person scorecards, not client"),
        (
            "V012",
            "indicator 'sales_amount' is about a person, but scorecard 'rep' appraises a client",
        ),
        (
            "V012",
            "indicator 'new_customers' is about a person, but scorecard 'rep' appraises a client",
        ),
    ]


def test_aggregate_parts_and_windows(tmp_path: Path) -> None:
    found = issues(
        tmp_path,
        ("    measure: amount\n", ""),
        (
            "window: {mode: in_period, column: ordered_on}",
            "window: {mode: trailing, column: amount}",
        ),
        ("    aggregate: count\n", "    aggregate: count\n    measure: customer_id\n"),
    )
    assert [(f[1], f[2], f[4]) for f in found] == [
        ("V015", "9", "aggregate 'sum' needs a measure (what to sum)"),
        ("V014", "18", "a trailing window needs periods: N"),
        ("V014", "18", "window.column must be a date or time column; 'amount' is money"),
        ("V015", "26", "count counts rows and takes no measure"),
        (
            "X109",
            "26",
            "expected a number or money here, but the expression gives customer_id (text)",
        ),
    ]


def test_team_indicators_declare_how_people_roll_up(tmp_path: Path) -> None:
    found = issues(
        tmp_path,
        ("    subject: person\n    aggregate: sum\n", "    subject: team\n    aggregate: sum\n"),
    )
    assert ("V013", "a team indicator needs team_by: team_column or manager_tree") in [
        (f[1], f[4]) for f in found
    ]


def test_unit_must_match_what_a_formula_computes(tmp_path: Path) -> None:
    formula = (
        "  - id: per_customer\n    kind: formula\n    title: {en: Per customer}\n"
        "    unit: count\n    direction: higher\n    subject: person\n"
        "    formula: sales_amount / new_customers\n"
    )
    found = issues(tmp_path, ("targets:\n", formula + "targets:\n"))
    assert [(f[1], f[4]) for f in found] == [
        ("V006", "the formula gives money, but the unit is 'count'")
    ]


class _Broken:
    name = "broken"

    def validate(self, ruleset: RuleSet, ctx: ValidationContext) -> list[Issue]:
        raise RuntimeError("boom")


def test_a_crashing_rule_becomes_an_issue_and_others_still_run(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(GOOD, encoding="utf-8")
    ruleset = check_ruleset(path).ruleset
    assert ruleset is not None
    [issue] = validate_safely(_Broken(), ruleset, ValidationContext())
    assert (issue.level, issue.code) == (IssueLevel.ERROR, "V999")
    assert issue.message == "internal error in check 'broken': RuntimeError: boom"
    results = validate_ruleset(ruleset, rules=(*DEFAULT_RULES, _Broken()))
    assert [i.code for i in results.issues] == ["V999"]


@pytest.fixture(scope="module")
def examples() -> list[RuleSet]:
    root = Path(__file__).resolve().parent.parent / "rules"
    return [load_ruleset(path) for path in sorted(root.glob("*.yaml"))]


@pytest.mark.parametrize("rule", DEFAULT_RULES, ids=lambda r: r.name)
def test_every_rule_passes_the_examples(rule: ValidationRule, examples: list[RuleSet]) -> None:
    root = Path(__file__).resolve().parent.parent / "rules"
    assert rule.name
    for ruleset in examples:
        assert validate_safely(rule, ruleset, ValidationContext(base_dir=root)) == ()


@given(st.lists(st.integers(-1000, 1000), min_size=1, max_size=8, unique=True), st.data())
def test_contiguous_bands_have_no_problems_and_any_change_is_found(
    cuts: list[int], data: st.DataObject
) -> None:
    edges: list[Decimal | None] = [None, *(Decimal(c) for c in sorted(cuts)), None]
    bands = list(itertools.pairwise(edges))
    labels = [str(k) for k in range(len(bands))]
    order = data.draw(st.permutations(range(len(bands))))
    shuffled = [bands[k] for k in order]
    assert band_problems(shuffled, [labels[k] for k in order]) == []
    k = data.draw(st.integers(0, len(bands) - 2))
    shift = Decimal(data.draw(st.sampled_from([-1, 1])))
    high = bands[k][1]
    assert high is not None
    moved = [*bands[:k], (bands[k][0], high + shift), *bands[k + 1 :]]
    assert band_problems(moved, labels) != []  # a gap, an overlap or an empty band
