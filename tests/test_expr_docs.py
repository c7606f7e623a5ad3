"""The worked examples in docs/expressions.md are computed, not just written down."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from appraisal.expr import (
    ExprParams,
    ExprType,
    MappingScope,
    NameBinding,
    check,
    evaluate,
    parse,
    parse_with_issues,
    render,
)
from appraisal.expr.evaluate import Value
from appraisal.periods import Period

DOC = Path(__file__).resolve().parents[1] / "docs" / "expressions.md"
PARAMS = ExprParams(Period.parse("2026Q3").range, "Asia/Shanghai")
TYPES = {
    "money": ExprType.MONEY,
    "number": ExprType.NUMBER,
    "integer": ExprType.INTEGER,
    "date": ExprType.DATE,
    "instant": ExprType.INSTANT,
    "text": ExprType.TEXT,
    "boolean": ExprType.BOOLEAN,
}
VALUE = re.compile(r"([a-z_][a-z0-9_.]*): ([a-z]+) = (.+?)(?=, [a-z_][a-z0-9_.]*: [a-z]+ = |$)")


def table_rows(header: str) -> list[list[str]]:
    """Rows of every markdown table with this header, cells without their backticks."""
    rows: list[list[str]] = []
    inside = False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.strip() == header:
            inside = True
            continue
        if inside and line.startswith("|---"):
            continue
        if inside and line.startswith("|"):
            cells = [c.strip() for c in line.strip()[1:-1].split("|")]
            rows.append([c[1:-1] if c.startswith("`") and c.endswith("`") else c for c in cells])
            continue
        inside = False
    return rows


def literal(text: str) -> Value:
    result = check(parse(text), MappingScope())
    assert result.typed is not None, text
    return evaluate(result.typed, {}, PARAMS)


EXAMPLES = table_rows("| expression | values | result |")


def test_the_reference_has_worked_examples() -> None:
    assert len(EXAMPLES) >= 45


@pytest.mark.parametrize(("text", "values", "expected"), EXAMPLES)
def test_worked_example(text: str, values: str, expected: str) -> None:
    bindings: dict[tuple[str, ...], NameBinding] = {}
    env: dict[str, object] = {}
    for name, kind, value in VALUE.findall(values):
        bindings[tuple(name.split("."))] = NameBinding(TYPES[kind])
        env[name] = literal(value.strip("`"))
    tree, issues = parse_with_issues(text)
    if re.fullmatch(r"X\d{3}", expected):
        if tree is not None:
            issues = check(tree, MappingScope(bindings)).issues
        assert [i.code for i in issues] == [expected]
        return
    assert tree is not None, [i.render() for i in issues]
    result = check(tree, MappingScope(bindings))
    assert result.typed is not None, [i.render() for i in result.issues]
    assert evaluate(result.typed, env, PARAMS) == literal(expected)


@pytest.mark.parametrize(("written", "canonical"), table_rows("| written | canonical |"))
def test_canonical_form_examples(written: str, canonical: str) -> None:
    assert render(parse(written)) == canonical
    assert parse(canonical) == parse(written)
