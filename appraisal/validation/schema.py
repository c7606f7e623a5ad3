"""Layer 1: structure, checked against the generated JSON Schema.

Every error jsonschema finds (``iter_errors``) becomes an :class:`Issue` at the
exact line and column of the offending value — or of the offending key for an
unknown key — through the loader's side table, so there is no need to fork
jsonschema's messages.  ``oneOf`` branches tagged by a discriminator (``kind``,
``method``, ``condition``) are resolved to the branch the author chose, so the
message talks about that branch's fields rather than "not valid under any".
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from appraisal.errors import Issue, IssueLevel
from appraisal.spec import fields
from appraisal.spec.json_schema import rule_file_schema
from appraisal.spec.yaml_loader import DocPath, LoadedDocument, render_path

UNKNOWN_KEY = "S001"
MISSING_KEY = "S002"
WRONG_TYPE = "S003"
NOT_ALLOWED = "S004"
BAD_FORMAT = "S005"
OUT_OF_RANGE = "S006"
TOO_FEW = "S007"
BAD_LENGTH = "S008"
BAD_CHOICE = "S009"

_PATTERN_WORDS = {
    fields.ID_PATTERN: "an id: lowercase letters, digits and _, starting with a letter",
    fields.RULESET_ID_PATTERN: "an id: lowercase letters, digits, _ and -, starting with a letter",
    fields.CODE_PATTERN: "a code: letters, digits, _ + . -, starting with a letter or digit",
    fields.PERIOD_PATTERN: "a period code such as 2026Q3, 2026-07, 2026H1 or 2026",
    fields.VERSION_PATTERN: "a version such as '1.0' or '1.2.3' (quoted)",
    fields.CURRENCY_PATTERN: "a three-letter currency code such as CNY",
    fields.PERCENT_PATTERN: "a number or a percentage such as 85%",
    r"^[0-9]+(\.[0-9]+)?%$": "a number ≥ 0 or a percentage such as 85%",
    r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$": "a column name, possibly dotted (customer.owner_id)",
    r"^[^/\\][^\\]*$": "a relative path with forward slashes",
}

_TYPE_WORDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "object": "a mapping (key: value)",
    "array": "a list",
    "null": "nothing",
}


@cache
def _validator() -> Draft202012Validator:
    schema = rule_file_schema()
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def check_document(document: LoadedDocument) -> tuple[Issue, ...]:
    """All structural issues of one loaded rule file, located."""
    errors = _validator().iter_errors(document.data)
    issues: list[Issue] = []
    for error in errors:
        issues.extend(_issues_for(error, document))
    return tuple(_merge_misspellings(issues))


def _merge_misspellings(issues: list[Issue]) -> list[Issue]:
    """A misspelt key is one mistake: drop "missing 'weight'" when 'wieght' is reported."""
    suggested = {
        (issue.path.rsplit(".", 1)[0], issue.hint)
        for issue in issues
        if issue.code == UNKNOWN_KEY and "." in issue.path
    }
    kept = []
    for issue in issues:
        if issue.code == MISSING_KEY:
            key = issue.message.split("'")[1]
            if (issue.path, f"did you mean '{key}'?") in suggested:
                continue
        kept.append(issue)
    return kept


def _issues_for(error: ValidationError, document: LoadedDocument) -> Iterator[Issue]:
    path: DocPath = tuple(error.absolute_path)
    keyword = error.validator
    if keyword in ("oneOf", "anyOf"):
        yield from _choice_issues(error, document, path)
        return
    if keyword == "additionalProperties":
        yield from _unknown_keys(error, document, path)
        return
    yield from _simple_issue(error, document, path)


def _issue(
    document: LoadedDocument, code: str, message: str, path: DocPath, hint: str = ""
) -> Issue:
    return Issue(IssueLevel.ERROR, code, message, document.span(path), render_path(path), hint)


def describe(value: Any) -> str:
    """A value as a rule author would recognise it in a message."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, Decimal)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{value}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``did you mean 'x'?`` for the closest candidates, or the empty string."""
    close = difflib.get_close_matches(word, sorted(set(candidates)), n=2, cutoff=0.6)
    if not close:
        return ""
    return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        resolved: dict[str, Any] = rule_file_schema()["$defs"][ref.removeprefix("#/$defs/")]
        return resolved
    return schema


def _unknown_keys(
    error: ValidationError, document: LoadedDocument, path: DocPath
) -> Iterator[Issue]:
    allowed = sorted(error.schema.get("properties", {}))
    present = set(error.schema.get("properties", {}))
    instance = error.instance if isinstance(error.instance, dict) else {}
    for key in instance:
        if key in present:
            continue
        hint = did_you_mean(key, allowed) or f"allowed keys: {', '.join(allowed)}"
        key_path = (*path, key)
        yield Issue(
            IssueLevel.ERROR,
            UNKNOWN_KEY,
            f"unknown key '{key}'",
            document.key_span(key_path),
            render_path(key_path),
            hint,
        )


def _simple_issue(
    error: ValidationError, document: LoadedDocument, path: DocPath
) -> Iterator[Issue]:
    keyword = error.validator
    value = error.validator_value
    instance = error.instance
    match keyword:
        case "required":
            missing = [k for k in value if not (isinstance(instance, dict) and k in instance)]
            for key in missing:
                yield _issue(document, MISSING_KEY, f"missing required key '{key}'", path)
        case "type":
            yield _type_issue(document, path, value, instance)
        case "enum" | "const":
            choices = [str(v) for v in (value if keyword == "enum" else [value])]
            hint = did_you_mean(str(instance), choices) if isinstance(instance, str) else ""
            yield _issue(
                document,
                NOT_ALLOWED,
                f"{describe(instance)} is not allowed here; expected one of: {', '.join(choices)}",
                path,
                hint,
            )
        case "pattern":
            words = _PATTERN_WORDS.get(value, f"text matching {value}")
            yield _issue(
                document,
                BAD_FORMAT,
                f"{describe(instance)} is not {words}",
                path,
                _pattern_hint(instance),
            )
        case "format":
            yield _issue(
                document,
                BAD_FORMAT,
                f"{describe(instance)} is not a valid {value} (YYYY-MM-DD)",
                path,
            )
        case "minimum" | "exclusiveMinimum" | "maximum" | "exclusiveMaximum":
            sign = {
                "minimum": "≥",
                "exclusiveMinimum": ">",
                "maximum": "≤",
                "exclusiveMaximum": "<",
            }
            yield _issue(
                document,
                OUT_OF_RANGE,
                f"expected a number {sign[keyword]} {value}, got {instance}",
                path,
            )
        case "minItems":
            yield _issue(document, TOO_FEW, f"expected at least {value} item(s), got none", path)
        case "minLength" | "maxLength":
            limit = "at least" if keyword == "minLength" else "at most"
            yield _issue(document, BAD_LENGTH, f"expected text of {limit} {value} characters", path)
        case "minProperties":
            yield _issue(
                document,
                TOO_FEW,
                "expected at least one entry",
                path,
                "for a text give zh, en or both",
            )
        case _:
            yield _issue(document, WRONG_TYPE, error.message, path)


def _pattern_hint(instance: Any) -> str:
    if (
        isinstance(instance, str)
        and instance.lower() != instance
        and instance.lower().isidentifier()
    ):
        return f"write '{instance.lower()}'"
    if isinstance(instance, str) and " " in instance:
        return f"write '{instance.strip().lower().replace(' ', '_')}'"
    return ""


def _type_issue(document: LoadedDocument, path: DocPath, expected: Any, instance: Any) -> Issue:
    kinds = expected if isinstance(expected, list) else [expected]
    words = " or ".join(_TYPE_WORDS.get(str(k), str(k)) for k in kinds)
    hint = ""
    if "string" in kinds and isinstance(instance, (int, Decimal, bool)):
        info = document.scalars.get(path)
        raw = info.raw if info else str(instance)
        hint = f"quote it to keep it as written: '{raw}'"
    elif kinds[0] in ("number", "integer") and isinstance(instance, str):
        hint = "write the number without quotes"
    return _issue(document, WRONG_TYPE, f"expected {words}, got {describe(instance)}", path, hint)


def _choice_issues(
    error: ValidationError, document: LoadedDocument, path: DocPath
) -> Iterator[Issue]:
    """Explain a failed oneOf/anyOf by the branch the author evidently meant."""
    branches = [_resolve(b) for b in error.validator_value]
    non_null = [b for b in branches if b.get("type") != "null"]
    discriminator = error.schema.get("discriminator", {}).get("propertyName")
    instance = error.instance
    if discriminator:
        yield from _tagged_issues(error, document, path, discriminator)
        return
    if len(non_null) == 1 and instance is not None:
        # Optional field: report the errors of the one real branch.
        index = branches.index(non_null[0])
        sub = [e for e in error.context or () if e.schema_path and e.schema_path[0] == index]
        if sub:
            for inner in sub:
                yield from _issues_for(inner, document)
            return
    if all(b.get("type") in ("number", "string") for b in non_null) and not isinstance(
        instance, (dict, list)
    ):
        yield _issue(
            document,
            WRONG_TYPE,
            f"expected a number or a percentage such as 85%, got {describe(instance)}",
            path,
        )
        return
    yield _issue(document, WRONG_TYPE, f"{describe(instance)} is not valid here", path)


def _tagged_issues(
    error: ValidationError, document: LoadedDocument, path: DocPath, tag: str
) -> Iterator[Issue]:
    mapping: dict[str, str] = error.schema.get("discriminator", {}).get("mapping", {})
    choices = sorted(mapping)
    instance = error.instance
    if not isinstance(instance, dict):
        yield _type_issue(document, path, "object", instance)
        return
    value = instance.get(tag)
    if value not in mapping:
        where = (*path, tag) if tag in instance else path
        if tag not in instance:
            message = f"missing required key '{tag}' (one of: {', '.join(choices)})"
            yield _issue(document, MISSING_KEY, message, where)
            return
        hint = did_you_mean(str(value), choices)
        message = f"{describe(value)} is not a known {tag}; expected one of: {', '.join(choices)}"
        yield _issue(document, NOT_ALLOWED, message, where, hint)
        return
    target = mapping[value]
    refs = [str(b.get("$ref")) for b in error.validator_value]
    index = refs.index(target)
    for inner in error.context or ():
        if inner.schema_path and inner.schema_path[0] == index:
            yield from _issues_for(inner, document)
