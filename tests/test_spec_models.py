"""The rule models accept what authors mean and refuse silent coercions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from appraisal.spec.enums import Aggregation, Language, Missing, RoundingMode, Unit
from appraisal.spec.models import (
    AggregateIndicator,
    Baseline,
    FollowUp,
    FormulaIndicator,
    Metadata,
    Rounding,
    RuleSet,
    Settings,
    TargetRule,
    Text,
    TierTable,
    effective_rounding,
)

TITLE = {"en": "Sales"}


def aggregate(**changes: object) -> AggregateIndicator:
    data: dict[str, object] = {
        "id": "sales_amount",
        "kind": "aggregate",
        "title": TITLE,
        "unit": "money",
        "direction": "higher",
        "subject": "person",
        "aggregate": "sum",
        "entity": "orders",
        "measure": "amount",
        "link": "staff_id",
        "window": {"column": "ordered_on"},
    }
    data.update(changes)
    return AggregateIndicator.model_validate(data)


def errors(exc: pytest.ExceptionInfo[ValidationError]) -> list[tuple[tuple[object, ...], str]]:
    return [(e["loc"], e["msg"]) for e in exc.value.errors()]


def test_text_needs_a_language_and_falls_back() -> None:
    with pytest.raises(ValidationError, match="at least one language"):
        Text.model_validate({})
    text = Text(zh="销售额")
    assert text.get(Language.EN) == "销售额"
    assert Text(zh="销售额", en="Sales").get(Language.EN) == "Sales"


def test_ids_and_codes_are_never_numbers_or_booleans() -> None:
    with pytest.raises(ValidationError) as exc:
        aggregate(id=2026)
    assert errors(exc) == [(("id",), "Input should be a valid string")]
    with pytest.raises(ValidationError):
        TargetRule.model_validate({"indicator": "x", "by_role": {"sales_rep": True}})


def test_numbers_are_exact_and_floats_or_nan_refused() -> None:
    target = TargetRule.model_validate(
        {"indicator": "x", "default": Decimal("0.10"), "by_role": {"a": 5, "b": "85%"}}
    )
    assert target.default == Decimal("0.10")
    assert target.by_role == {"a": Decimal(5), "b": Decimal("0.85")}
    for bad in (0.1, Decimal("NaN"), Decimal("Infinity"), "ten", True):
        with pytest.raises(ValidationError):
            TargetRule.model_validate({"indicator": "x", "default": bad})


def test_dates_are_written_iso() -> None:
    meta = {"id": "r", "title": TITLE, "version": "1.0", "owner": "HR"}
    assert Metadata.model_validate({**meta, "effective_from": "2026-07-01"}).effective_from == date(
        2026, 7, 1
    )
    for bad in ("2026-7-1", "2026-02-30", 20260701):
        with pytest.raises(ValidationError):
            Metadata.model_validate({**meta, "effective_from": bad})


def test_unknown_keys_are_refused_and_models_are_frozen() -> None:
    with pytest.raises(ValidationError) as exc:
        aggregate(wieght=3)
    assert errors(exc) == [(("wieght",), "Extra inputs are not permitted")]
    indicator = aggregate()
    with pytest.raises(ValidationError):
        indicator.id = "other"  # type: ignore[misc]


def test_empty_input_defaults_follow_the_aggregation() -> None:
    assert aggregate().effective_on_empty() is Missing.ZERO
    assert aggregate(aggregate="count", measure=None).effective_on_empty() is Missing.ZERO
    assert aggregate(aggregate="avg").effective_on_empty() is Missing.NOT_APPLICABLE
    assert aggregate(aggregate="avg", on_empty="zero").effective_on_empty() is Missing.ZERO
    assert aggregate(aggregate="share").aggregate is Aggregation.SHARE


def test_rounding_defaults_by_unit_and_applies() -> None:
    settings = Settings(money_rounding=Rounding(places=2, mode=RoundingMode.HALF_EVEN))
    assert effective_rounding(aggregate(), settings) == Rounding(
        places=2, mode=RoundingMode.HALF_EVEN
    )
    formula = FormulaIndicator.model_validate(
        {
            "id": "r",
            "kind": "formula",
            "title": TITLE,
            "unit": "percent",
            "direction": "higher",
            "subject": "person",
            "formula": "a / b",
        }
    )
    assert effective_rounding(formula, settings).places == 4
    assert formula.unit is Unit.PERCENT
    assert Rounding(places=2).apply(Decimal("2.345")) == Decimal("2.35")
    assert Rounding(places=2, mode=RoundingMode.HALF_EVEN).apply(Decimal("2.345")) == Decimal(
        "2.34"
    )
    assert Rounding(places=0, mode=RoundingMode.FLOOR).apply(Decimal("-1.5")) == Decimal("-2")


def test_exactly_one_of_alternatives() -> None:
    with pytest.raises(ValidationError, match="exactly one of value or history"):
        Baseline.model_validate({})
    with pytest.raises(ValidationError, match="exactly one of value or history"):
        Baseline.model_validate({"value": 1, "history": "previous_period"})
    with pytest.raises(ValidationError, match="exactly one of target or improve_by"):
        FollowUp.model_validate({"indicator": "x"})


def test_tier_bands_sort_worst_to_best() -> None:
    table = TierTable.model_validate(
        {
            "id": "t",
            "bands": [
                {"code": "A", "label": TITLE, "min": 90},
                {"code": "C", "label": TITLE, "max": 60},
                {"code": "B", "label": TITLE, "min": 60, "max": 90},
            ],
        }
    )
    assert [b.code for b in table.ascending()] == ["C", "B", "A"]


def test_ruleset_lookups() -> None:
    ruleset = RuleSet.model_validate(
        {
            "metadata": {
                "id": "r",
                "title": TITLE,
                "version": "1.0",
                "owner": "HR",
                "effective_from": "2026-07-01",
            },
            "indicators": [aggregate().model_dump()],
        }
    )
    assert ruleset.indicator("sales_amount").id == "sales_amount"
    assert ruleset.target_rule("sales_amount") is None
    with pytest.raises(KeyError):
        ruleset.indicator("nope")
    with pytest.raises(KeyError):
        ruleset.tier_table("nope")


def test_references_are_ordered_and_render_as_written() -> None:
    from appraisal.spec.enums import SubjectKind
    from appraisal.spec.references import IndicatorRef, RuleSetRef, SubjectRef, TierRef

    refs = [IndicatorRef("nps"), IndicatorRef("csat")]
    assert [str(r) for r in sorted(refs)] == ["csat", "nps"]
    assert str(SubjectRef(SubjectKind.CLIENT, "C001")) == "client:C001"
    assert str(TierRef("rating_5", "A")) == "rating_5.A"
    assert str(RuleSetRef("sales-rep-quarterly", "1.1")) == "sales-rep-quarterly@1.1"


@given(st.decimals(min_value=-1000, max_value=1000, places=2))
def test_percent_text_is_the_fraction(value: Decimal) -> None:
    target = TargetRule.model_validate({"indicator": "x", "default": f"{value}%"})
    assert target.default == value / 100
