"""Rule tests: small, hand-checked cases kept beside the rules they test.

A rule set ``rules/<name>.yaml`` is tested by ``rules/tests/<name>.tests.yaml``
(a sub-folder, so the test files are never taken for rule sets).  Each case
gives a period, a few rows per entity and what the rules must make of them::

    schema_version: v1.0
    cases:
      - name: on target
        period: 2026Q3
        data:
          staff:  [{staff_id: S1, name: 张三, role: sales_rep}]
          orders: [{order_id: O1, customer_id: C1, staff_id: S1, ordered_on: 2026-07-15,
                    amount: 100000, status: delivered}]
          customers: [{customer_id: C1, name: 甲, acquired_on: 2026-01-05}]
        expect:
          - subject: S1
            values: {sales_amount: 100000}
            scores: {sales_amount: 100}
            total: 100
            tier: A
            incentives: {commission: 2000}

Values, scores and totals are compared as exact decimals (``100`` equals
``100.00``); ``null`` expects "not applicable".  Only what a case names is
checked.  The file is loaded like a rule file: safely, with every mistake
located by file, line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError

from appraisal.errors import Issue
from appraisal.spec.fields import Code, Identifier, Name, Num, PeriodCode, Quantity, RelPath
from appraisal.spec.models import Model, Text
from appraisal.spec.parse import model_issues, read_rule_text
from appraisal.spec.yaml_loader import LoadedDocument, load_yaml

TESTS_FOLDER = "tests"
TESTS_SUFFIX = ".tests.yaml"
PERIOD_MESSAGE = "expected a period code such as 2026Q3, 2026H1, 2026-07 or 2026"


class Expectation(Model):
    """What the rules must produce for one subject (only the keys given are checked)."""

    subject: Code
    """The staff id or customer id."""
    scorecard: Identifier | None = None
    """Which scorecard appraises the subject; needed only when several could."""
    values: dict[Identifier, Quantity | None] = Field(default_factory=dict)
    """Indicator values (rounded as declared); null: not applicable."""
    targets: dict[Identifier, Quantity | None] = Field(default_factory=dict)
    scores: dict[Identifier, Num | None] = Field(default_factory=dict)
    """Item scores in points, by indicator id; null: not applicable."""
    total: Num | None = None
    tier: Code | None = None
    incentives: dict[Identifier, Num | None] = Field(default_factory=dict)
    """Money paid per incentive id (after gates and caps); null: none paid."""
    plan: tuple[Identifier, ...] | None = None
    """Ids of the improvement rules that fire, in any order."""
    segments: dict[Identifier, Code] = Field(default_factory=dict)
    """Client segment per segmentation id."""


class RuleTestCase(Model):
    """Rows in, expectations out, for one period."""

    name: Name
    description: Text | None = None
    period: PeriodCode
    data: dict[Identifier, tuple[dict[str, Any], ...]] = Field(default_factory=dict)
    """Rows per entity (staff, customers, orders, ...), columns by their names."""
    expect: tuple[Expectation, ...] = Field(min_length=1)


class RuleTestFile(Model):
    """A file of rule tests."""

    schema_version: Literal["v1.0"]
    rules: RelPath | None = None
    """The rule file tested, relative to this file; default ``../<name>.yaml``."""
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = "Asia/Shanghai"
    """How instants written without an offset are read, and the business time zone."""
    cases: tuple[RuleTestCase, ...] = Field(min_length=1)


@dataclass(frozen=True)
class LoadedTests:
    """A test file as models, with its document (for locating rows in messages)."""

    path: Path
    rules_path: Path
    tests: RuleTestFile | None
    document: LoadedDocument | None
    issues: tuple[Issue, ...]


def rule_tests_path(rules_path: Path) -> Path:
    """Where the tests of a rule file live: ``<folder>/tests/<stem>.tests.yaml``."""
    return rules_path.parent / TESTS_FOLDER / f"{rules_path.stem}{TESTS_SUFFIX}"


def default_rules_path(tests_path: Path) -> Path:
    """The rule file a test file tests when it does not say: ``../<name>.yaml``."""
    stem = tests_path.name.removesuffix(TESTS_SUFFIX)
    return tests_path.parent.parent / f"{stem}.yaml"


def _within(inner: str, outer: str) -> bool:
    return inner.startswith((outer + ".", outer + "["))


def _plain(issues: list[Issue]) -> tuple[Issue, ...]:
    """The most specific issues only, periods explained in words."""
    kept = [i for i in issues if not any(_within(o.path, i.path) for o in issues)]
    return tuple(
        replace(i, message=PERIOD_MESSAGE)
        if i.path.endswith(".period") and "pattern" in i.message
        else i
        for i in kept
    )


def load_rule_tests(path: Path, name: str) -> LoadedTests:
    """Load a test file; never raises on the user's mistakes, returns issues instead."""
    text, issues = read_rule_text(path, name)
    fallback = default_rules_path(path)
    if text is None:
        return LoadedTests(path, fallback, None, None, issues)
    document, load_issues = load_yaml(text, name)
    if document is None or load_issues:
        return LoadedTests(path, fallback, None, document, load_issues)
    try:
        tests = RuleTestFile.model_validate(document.data)
    except ValidationError as exc:
        return LoadedTests(path, fallback, None, document, _plain(model_issues(exc, document)))
    rules_path = (path.parent / tests.rules).resolve() if tests.rules else fallback
    return LoadedTests(path, rules_path, tests, document, ())
