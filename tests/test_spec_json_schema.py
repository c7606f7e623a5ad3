"""The JSON Schemas in schemas/ are generated from the models and agree with them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from appraisal.spec.json_schema import SCHEMAS, render_schema, rule_file_schema
from appraisal.spec.yaml_loader import load_yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted([*(ROOT / "rules").glob("*.yaml"), *(ROOT / "rules" / "shared").glob("*.yaml")])


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schemas_match_the_models(name: str) -> None:
    committed = (ROOT / "schemas" / name).read_text(encoding="utf-8")
    assert committed == render_schema(SCHEMAS[name]()), (
        f"schemas/{name} is out of date: run `appraisal schema --out schemas` and commit"
    )


def test_schemas_are_valid_draft_2020_12() -> None:
    for build in SCHEMAS.values():
        Draft202012Validator.check_schema(build())


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_pass_an_independent_validator(path: Path) -> None:
    document, issues = load_yaml(path.read_text(encoding="utf-8"), path.name)
    assert issues == () and document is not None
    validator = Draft202012Validator(
        json.loads((ROOT / "schemas" / "rule-file.schema.json").read_text(encoding="utf-8")),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    assert [e.message for e in validator.iter_errors(document.data)] == []


def test_schema_rejects_what_the_models_reject() -> None:
    validator = Draft202012Validator(rule_file_schema())
    bad = {
        "schema_version": "v2.0",
        "indicators": [{"kind": "formula", "id": "Bad Id"}],
        "extra": 1,
    }
    messages = sorted(e.validator for e in validator.iter_errors(bad))
    assert messages == ["additionalProperties", "const", "oneOf"]
