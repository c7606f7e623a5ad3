"""JSON Schemas of the rule language, generated from the models.

The files in ``schemas/`` are written by ``appraisal schema`` from these
functions; a test fails when the committed files differ, so the schemas editors
use and the models the engine uses cannot drift apart.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from appraisal.spec.models import RuleFile, RuleSet

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _finish(schema: dict[str, Any], title: str, description: str) -> dict[str, Any]:
    return {"$schema": DIALECT, **schema, "title": title, "description": description}


@cache
def rule_file_schema() -> dict[str, Any]:
    """Schema of one rule file as written (every section optional, ``include`` allowed)."""
    return _finish(
        RuleFile.model_json_schema(mode="validation"),
        "Appraisal rule file",
        "One YAML file of an appraisal rule set: indicators, targets, scorecards, tiers, "
        "incentives, improvement rules and client segmentation (schema_version v1.0).",
    )


@cache
def ruleset_schema() -> dict[str, Any]:
    """Schema of a complete, merged rule set (the normalised form stored and compared)."""
    return _finish(
        RuleSet.model_json_schema(mode="validation"),
        "Appraisal rule set",
        "A complete appraisal rule set after includes are merged (schema_version v1.0).",
    )


SCHEMAS = {
    "rule-file.schema.json": rule_file_schema,
    "ruleset.schema.json": ruleset_schema,
}
"""File name → schema, for ``appraisal schema``."""


def render_schema(schema: dict[str, Any]) -> str:
    """Stable text of a schema: indented, UTF-8, newline-terminated."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_schemas(directory: Path) -> tuple[Path, ...]:
    """Write every schema file into ``directory``; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in SCHEMAS.items():
        path = directory / name
        path.write_text(render_schema(build()), encoding="utf-8")
        written.append(path)
    return tuple(written)
