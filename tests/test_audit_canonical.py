"""Canonical form and content hash: meaning in, one hash out."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appraisal.audit.canonical import (
    canonical_json,
    content_hash,
    decimal_text,
    ruleset_canonical,
    ruleset_document,
    ruleset_from_canonical,
)
from appraisal.spec.models import RuleSet
from appraisal.spec.parse import expand_paths, parse_ruleset

FIXTURES = Path(__file__).parent / "fixtures" / "audit"
EXAMPLES = Path(__file__).parent.parent / "rules"


def load(path: Path) -> RuleSet:
    build = parse_ruleset(path)
    assert build.ruleset is not None, [i.render() for i in build.issues]
    return build.ruleset


def write(tmp_path: Path, text: str) -> RuleSet:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return load(path)


def test_decimal_text_normalises() -> None:
    assert decimal_text(Decimal("20.0")) == "20"
    assert decimal_text(Decimal("2E+1")) == "20"
    assert decimal_text(Decimal("0.850")) == "0.85"
    assert decimal_text(Decimal("-0.00")) == "0"
    assert decimal_text(Decimal("100000.00")) == "100000"
    assert decimal_text(Decimal("1E-7")) == "0.0000001"


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None))
def test_decimal_text_is_exact_and_equal_values_agree(value: Decimal) -> None:
    text = decimal_text(value)
    assert Decimal(text) == value
    assert "E" not in text
    assert decimal_text(Decimal(text)) == text
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    padded = Decimal((sign, (*digits, 0), exponent - 1))  # the same value, one more zero
    assert decimal_text(padded) == text


def test_canonical_json_sorts_keys_and_refuses_floats() -> None:
    assert canonical_json({"b": Decimal("1.50"), "a": [True, None, "中"]}) == (
        '{"a":[true,null,"中"],"b":"1.5"}'
    )
    with pytest.raises(TypeError, match="no canonical form for float"):
        canonical_json({"x": 0.1})


def test_hash_is_sha256_of_the_canonical_text() -> None:
    ruleset = load(FIXTURES / "mini.yaml")
    text = ruleset_canonical(ruleset)
    assert content_hash(ruleset) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert json.loads(text) == json.loads(canonical_json(json.loads(text)))


def test_formatting_key_order_comments_and_spelling_keep_the_hash(tmp_path: Path) -> None:
    original = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")
    respelled = (
        original.replace("# A small rule set", "# Reworded comment\n# A small rule set")
        .replace("weight: 60", "weight: 60.0   # sixty")
        .replace("filter: status <> 'cancelled'", "filter: \"status  !=  'cancelled'\"")
        .replace("{min: 0, rate: 2%}", "{rate: 0.020, min: 0}")
        .replace(
            "multiplier_by_tier: {A: 1.2, B: 1, C: 0}",
            "multiplier_by_tier: {C: 0, B: 1.00, A: 1.2}",
        )
        .replace(
            "settings:\n  period: quarter\n  currency: CNY\n  language: en",
            "settings: {language: en, period: quarter, currency: CNY}",
        )
    )
    assert respelled.count("60.0") == 1 and "rate: 0.020" in respelled
    assert "{language: en" in respelled and "!=" in respelled
    assert content_hash(write(tmp_path, respelled)) == content_hash(load(FIXTURES / "mini.yaml"))


def test_defaults_written_out_keep_the_hash(tmp_path: Path) -> None:
    original = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")
    explicit = original.replace(
        "scoring: {method: attainment, cap: 120}\n          - indicator: order_count",
        "scoring: {method: attainment, cap: 120, floor: 0, basis: of_target}\n"
        "            if_not_applicable: reweight\n"
        "          - indicator: order_count",
    )
    assert explicit != original
    assert content_hash(write(tmp_path, explicit)) == content_hash(load(FIXTURES / "mini.yaml"))


def test_a_weight_change_changes_the_hash(tmp_path: Path) -> None:
    original = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")
    changed = original.replace("weight: 60", "weight: 65").replace("weight: 40", "weight: 35")
    assert content_hash(write(tmp_path, changed)) != content_hash(load(FIXTURES / "mini.yaml"))


def test_expressions_are_stored_in_canonical_spelling() -> None:
    document = ruleset_document(load(FIXTURES / "mini.yaml"))
    assert document["indicators"][0]["filter"] == "status != 'cancelled'"
    assert document["scorecards"][0]["sections"][0]["items"][0]["weight"] == "60"
    assert document["metadata"]["effective_from"] == "2026-01-01"


@pytest.mark.parametrize("path", [*expand_paths([EXAMPLES]), FIXTURES / "mini.yaml"], ids=str)
def test_canonical_text_loads_back_to_the_same_rule_set(path: Path) -> None:
    ruleset = load(path)
    text = ruleset_canonical(ruleset)
    back = ruleset_from_canonical(text)
    assert ruleset_canonical(back) == text
    assert content_hash(back) == content_hash(ruleset)
    assert back.metadata == ruleset.metadata
    assert back.scorecards[0].sections == ruleset.scorecards[0].sections


@pytest.mark.parametrize("path", [*expand_paths([EXAMPLES]), FIXTURES / "mini.yaml"], ids=str)
def test_runs_and_the_registry_hash_rules_alike(path: Path) -> None:
    """A run's stored rule hash must equal the registry's, or official runs could not
    find their approved version."""
    from appraisal.engine.fingerprint import ruleset_hash, ruleset_json

    ruleset = load(path)
    assert ruleset_hash(ruleset) == content_hash(ruleset)
    assert ruleset_json(ruleset) == ruleset_canonical(ruleset)
