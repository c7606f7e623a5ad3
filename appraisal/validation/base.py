"""The semantic layer's building blocks: rule protocol, context, safe runner.

A semantic rule is a small object with a ``name`` and a ``validate`` method
returning issues; rules never raise on a user's mistake.  :func:`validate_safely`
turns a bug inside one rule into an ERROR issue so the other rules still run
and the user still sees every finding.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from appraisal.errors import Issue, IssueLevel
from appraisal.spec.models import RuleSet, TargetRule
from appraisal.spec.parse import SourceMap
from appraisal.spec.yaml_loader import DocPath, render_path

INTERNAL_ERROR = "V999"

HistoryLookup = Callable[[RuleSet, TargetRule], Mapping[str, tuple[Decimal, Decimal]]]
"""Subject id → (resolved target, history) of a target rule's indicator, supplied
when data is at hand; used to warn about targets far above a subject's history."""


@dataclass(frozen=True)
class ValidationContext:
    """What rules need beside the rule set: where things are written, where files live."""

    sources: SourceMap = field(default_factory=lambda: SourceMap(None))
    base_dir: Path | None = None
    """Folder of the main rule file; target sheets are relative to it."""
    history: HistoryLookup | None = None

    def issue(
        self,
        code: str,
        message: str,
        path: DocPath,
        hint: str = "",
        *,
        level: IssueLevel = IssueLevel.ERROR,
        at_key: bool = False,
    ) -> Issue:
        """An issue located at ``path`` of the merged rule set (its key with ``at_key``)."""
        span = self.sources.key_span(path) if at_key else self.sources.span(path)
        return Issue(level, code, message, span, render_path(self.sources.in_file(path)), hint)

    def warning(self, code: str, message: str, path: DocPath, hint: str = "") -> Issue:
        """A non-blocking issue at ``path``."""
        return self.issue(code, message, path, hint, level=IssueLevel.WARNING)


class ValidationRule(Protocol):
    """One semantic check over a whole rule set."""

    name: str

    def validate(self, ruleset: RuleSet, ctx: ValidationContext) -> Sequence[Issue]:
        """Every issue this rule finds (empty when the rule set is fine)."""
        ...


def validate_safely(
    rule: ValidationRule, ruleset: RuleSet, ctx: ValidationContext
) -> tuple[Issue, ...]:
    """Run one rule; a crash inside it becomes an ERROR issue instead of an exception."""
    try:
        return tuple(rule.validate(ruleset, ctx))
    except Exception as exc:  # a bug in a rule must not hide the other rules' findings
        message = f"internal error in check '{rule.name}': {type(exc).__name__}: {exc}"
        hint = "please report this; the other checks still ran"
        return (Issue(IssueLevel.ERROR, INTERNAL_ERROR, message, None, "", hint),)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``did you mean 'x'?`` naming the closest candidates, or a short list of them."""
    known = sorted(set(candidates))
    close = difflib.get_close_matches(word, known, n=2, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    if known and len(known) <= 8:
        return "known: " + ", ".join(known)
    return ""


def fmt(value: Decimal) -> str:
    """A decimal as a person writes it: 100, 95.5 (no exponent, no trailing zeros)."""
    return format(value.normalize(), "f")


def fmt_ratio(value: Decimal) -> str:
    """A fraction as the percentage it was most likely written as: 0.8 → 80%."""
    return f"{fmt(value * 100)}%"
