"""The rule loader reads plain data only, keeps ids as written and knows where everything is."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appraisal.errors import SourceSpan
from appraisal.spec.yaml_loader import MAX_BYTES, MAX_DEPTH, load_yaml, scalar_position


def load(text: str) -> object:
    document, issues = load_yaml(text, "r.yaml")
    assert issues == ()
    assert document is not None
    return document.data


def codes(text: str) -> list[tuple[str, int, int]]:
    _, issues = load_yaml(text, "r.yaml")
    return [(i.code, i.span.line, i.span.column) for i in issues if i.span]


def test_yaml_11_words_and_leading_zeros_stay_text() -> None:
    data = load("a: yes\nb: No\nc: on\nd: 007\ne: 2026-07-01\nf: 1:20\ng: 0x1F\nh: y\n")
    assert data == {
        "a": "yes",
        "b": "No",
        "c": "on",
        "d": "007",
        "e": "2026-07-01",
        "f": "1:20",
        "g": "0x1F",
        "h": "y",
    }


def test_numbers_are_int_or_exact_decimal_and_booleans_are_strict() -> None:
    data = load("i: 42\nn: -3\nd: 0.10\ne: 1e3\nt: true\nf: False\nz: null\nq: '12'\n")
    assert data == {
        "i": 42,
        "n": -3,
        "d": Decimal("0.10"),
        "e": Decimal("1E+3"),
        "t": True,
        "f": False,
        "z": None,
        "q": "12",
    }
    assert isinstance(data["d"], Decimal) and str(data["d"]) == "0.10"  # type: ignore[index]


def test_keys_are_always_text_as_written() -> None:
    assert load("2026: a\ntrue: b\n1.50: c\n") == {"2026": "a", "true": "b", "1.50": "c"}


def test_duplicate_keys_are_errors_and_the_rest_is_still_read() -> None:
    document, issues = load_yaml("a: 1\nb: 2\na: 3\n", "r.yaml")
    assert document is not None and document.data == {"a": 1, "b": 2}
    assert [(i.code, i.message, str(i.span)) for i in issues] == [
        ("Y002", "duplicate key 'a' (first defined at line 1)", "r.yaml:3:1")
    ]


def test_anchors_aliases_tags_and_documents_are_refused_all_at_once() -> None:
    text = "a: &x 1\nb: *x\nc: !!str 3\n---\nd: 1\n"
    assert codes(text) == [
        ("Y003", 1, 4),
        ("Y003", 2, 4),
        ("Y004", 3, 4),
        ("Y005", 4, 1),
    ]


def test_non_finite_numbers_are_refused() -> None:
    assert codes("a: .nan\nb: -.inf\nc: .Inf\n") == [("Y008", 1, 4), ("Y008", 2, 4), ("Y008", 3, 4)]


def test_size_and_depth_are_bounded_before_building() -> None:
    _, issues = load_yaml("a: " + "x" * MAX_BYTES + "\n", "r.yaml")
    assert [i.code for i in issues] == ["Y006"]
    deep = "a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n"
    assert [c for c, _, _ in codes(deep)] == ["Y007"]


def test_syntax_errors_and_empty_files_are_issues_not_exceptions() -> None:
    _, issues = load_yaml("a:\n  b: 1\n c: 2\n", "r.yaml")
    assert [(i.code, str(i.span)) for i in issues] == [("Y001", "r.yaml:3:2")]
    assert "indented differently" in issues[0].message
    assert [i.code for i in load_yaml("", "r.yaml")[1]] == ["Y010"]
    assert [i.code for i in load_yaml("- 1\n- 2\n", "r.yaml")[1]] == ["Y010"]


def test_spans_point_at_values_and_keys() -> None:
    document, _ = load_yaml("top:\n  items:\n    - id: x\n      weight: 60\n", "r.yaml")
    assert document is not None
    assert document.span(("top", "items", 0, "weight")) == SourceSpan("r.yaml", 4, 15, 4)
    assert document.key_span(("top", "items", 0, "weight")) == SourceSpan("r.yaml", 4, 7, 4)
    assert document.span(("top", "items", 0, "missing")).line == 3  # nearest ancestor


def test_offsets_inside_scalars_map_to_file_positions() -> None:
    text = "a: status = 'x'\nb: 'quoted text'\nc: |\n  first line\n  second\n"
    document, _ = load_yaml(text, "r.yaml")
    assert document is not None
    assert document.position(("a",), 0) == (1, 4)
    assert document.position(("a",), 7) == (1, 11)
    assert document.position(("b",), 0) == (2, 5)
    assert document.position(("c",), 0) == (4, 3)
    assert document.position(("c",), 13) == (5, 5)  # "second" starts at offset 11
    assert scalar_position(document.scalars[("c",)], 11) == (5, 3)


@given(st.text(st.characters(exclude_categories=("Cs", "Cc"), max_codepoint=0xFFFD), max_size=40))
def test_any_quoted_text_loads_back_unchanged(value: str) -> None:
    assert load(f"key: {json.dumps(value)}\n") == {"key": value}


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4))
def test_any_plain_decimal_loads_back_exactly(value: Decimal) -> None:
    text = format(value, "f")
    loaded = load(f"key: {text}\n")["key"]  # type: ignore[index]
    assert loaded == value
    assert isinstance(loaded, (int, Decimal))


@pytest.mark.parametrize("text", ["a: 1\n\ta: 2\n", "a: {b: 1, c\n"])
def test_malformed_text_never_raises(text: str) -> None:
    document, issues = load_yaml(text, "r.yaml")
    assert document is None
    assert issues and all(i.code == "Y001" for i in issues)
