"""The example rule sets validate clean and together use every DOMAIN.md indicator."""

from __future__ import annotations

from pathlib import Path

import pytest

from appraisal.spec.expressions import (
    evaluation_order,
    expression_sites,
    indicator_dependencies,
    typed_expressions,
)
from appraisal.spec.models import AggregateIndicator, RuleSet
from appraisal.validation.validator import check_ruleset, load_ruleset

ROOT = Path(__file__).resolve().parent.parent
RULE_SETS = sorted((ROOT / "rules").glob("*.yaml"))

DOMAIN_INDICATORS = (
    "new_customers",
    "retention_rate",
    "churn_rate",
    "csat",
    "sales_attainment",
    "clv",
    "conversion_rate",
    "stage_conversion_lead_first_contact",
    "stage_conversion_first_contact_needs_analysis",
    "stage_conversion_needs_analysis_proposal",
    "stage_conversion_proposal_negotiation",
    "stage_conversion_negotiation_won",
    "complaint_rate",
    "cac",
    "clv_cac",
    "nps",
    "repeat_purchase_rate",
    "referral_rate",
    "renewal_rate",
    "engagement",
    "customer_net_value",
    "sales_amount",
    "avg_deal_value",
    "sales_growth_yoy",
    "resolution_hours",
    "on_time_delivery_rate",
    "stage_progress",
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
)


@pytest.fixture(scope="module")
def rulesets() -> list[RuleSet]:
    return [load_ruleset(path) for path in RULE_SETS]


def test_the_four_examples_exist() -> None:
    assert [p.name for p in RULE_SETS] == [
        "account-manager-quarterly.yaml",
        "client-scorecard.yaml",
        "sales-rep-quarterly.yaml",
        "team-lead-quarterly.yaml",
    ]


@pytest.mark.parametrize("path", RULE_SETS, ids=[p.stem for p in RULE_SETS])
def test_example_validates_without_errors_or_warnings(path: Path) -> None:
    report = check_ruleset(path)
    assert [i.render() for i in report.results.issues] == []


RULE_FILES = sorted([*RULE_SETS, *(ROOT / "rules" / "shared").glob("*.yaml")])


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_every_rule_file_names_its_schema_for_editors(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    depth = len(path.relative_to(ROOT / "rules").parts) - 1
    assert first == (
        f"# yaml-language-server: $schema={'../' * (depth + 1)}schemas/rule-file.schema.json"
    )


def test_examples_together_use_every_domain_indicator(rulesets: list[RuleSet]) -> None:
    used: set[str] = set()
    for ruleset in rulesets:
        defined = {i.id for i in ruleset.indicators}
        scored = {
            item.indicator
            for card in ruleset.scorecards
            for section in card.sections
            for item in section.items
        }
        referenced = {name for site in expression_sites(ruleset) for name in site.text.split()}
        assert scored <= defined
        used |= defined & (scored | referenced | _named_elsewhere(ruleset))
    assert sorted(set(DOMAIN_INDICATORS) - used) == []


def _named_elsewhere(ruleset: RuleSet) -> set[str]:
    """Indicators used by attainment, incentives, improvement rules and RFM."""
    names = {getattr(i, "of", "") for i in ruleset.indicators}
    for card in ruleset.scorecards:
        names |= {getattr(x, "indicator", "") or "" for x in card.incentives}
        for rule in card.improvement:
            names.add(getattr(rule.when, "indicator", "") or "")
            names.add(rule.follow_up.indicator if rule.follow_up else "")
    for segmentation in ruleset.segmentations:
        if segmentation.rfm is not None:
            rfm = segmentation.rfm
            names |= {rfm.recency.indicator, rfm.frequency.indicator, rfm.monetary.indicator}
    return names


def test_examples_cover_every_kind_of_construct(rulesets: list[RuleSet]) -> None:
    kinds = {type(i).__name__ for r in rulesets for i in r.indicators}
    assert kinds == {
        "AggregateIndicator",
        "FormulaIndicator",
        "RatingIndicator",
        "AttainmentIndicator",
    }
    methods = {
        item.scoring.method
        for r in rulesets
        for card in r.scorecards
        for section in card.sections
        for item in section.items
    }
    assert methods == {"linear", "attainment", "bands", "pass_fail", "scale"}
    incentives = {x.kind for r in rulesets for card in r.scorecards for x in card.incentives}
    assert incentives == {"bonus", "commission", "pool", "award"}
    conditions = {
        rule.when.condition for r in rulesets for card in r.scorecards for rule in card.improvement
    }
    assert conditions == {
        "below_threshold",
        "below_target_in_a_row",
        "worst_in_team",
        "tier_in",
    }
    windows = {
        i.window.mode.value
        for r in rulesets
        for i in r.indicators
        if isinstance(i, AggregateIndicator) and i.window is not None
    }
    assert windows == {
        "in_period",
        "as_of_start",
        "as_of_end",
        "trailing",
        "same_period_last_year",
        "up_to_end",
    }


def test_every_expression_of_the_examples_has_a_typed_tree(rulesets: list[RuleSet]) -> None:
    for ruleset in rulesets:
        typed = typed_expressions(ruleset)
        assert set(typed) == {site.path for site in expression_sites(ruleset)}
        assert typed


def test_evaluation_order_puts_inputs_first(rulesets: list[RuleSet]) -> None:
    for ruleset in rulesets:
        order = evaluation_order(ruleset)
        assert sorted(order) == sorted(i.id for i in ruleset.indicators)
        position = {name: k for k, name in enumerate(order)}
        for name, needs in indicator_dependencies(ruleset).items():
            assert all(position[need] < position[name] for need in needs)
    account_manager = rulesets[0]
    assert indicator_dependencies(account_manager)["clv"] == {
        "avg_purchase",
        "purchase_frequency",
        "customer_lifetime_years",
        "cac",
    }
    assert evaluation_order(account_manager)[-2:] == ("clv", "clv_cac")
    assert str(account_manager.ref) == "account-manager-quarterly@1.0"
