"""Issues found in expressions, and moving them to their place in a rule file.

Expression issues are ordinary :class:`~appraisal.errors.Issue` values whose
span is relative to the expression text (file ``<expression>``, 1-based line and
column inside it).  The rule loader knows where the YAML scalar starts and calls
:func:`relocate` so the final issue carries the real ``file:line:column``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from appraisal.errors import Issue, IssueLevel, IssuesError, SourceSpan
from appraisal.expr.ast import Span

EXPRESSION_FILE = "<expression>"

# Stable issue codes (documented in docs/expressions.md).
SYNTAX = "X001"
BAD_CHARACTER = "X002"
UNTERMINATED_TEXT = "X003"
TOO_LONG = "X004"
TOO_DEEP = "X005"
BAD_LITERAL = "X006"
UNKNOWN_FUNCTION = "X007"
UNKNOWN_NAME = "X101"
ARGUMENT_COUNT = "X102"
OPERAND_TYPES = "X103"
INCOMPARABLE = "X104"
NOT_BOOLEAN = "X105"
NOT_IN_ENUM = "X106"
NULL_COMPARISON = "X107"
BAD_ARGUMENT = "X108"
RESULT_TYPE = "X109"


def expr_issue(code: str, message: str, span: Span, hint: str = "") -> Issue:
    """An error located inside the expression text."""
    where = SourceSpan(EXPRESSION_FILE, max(span.line, 1), max(span.column, 1))
    return Issue(IssueLevel.ERROR, code, message, where, hint=hint)


@dataclass(frozen=True)
class ExprLocation:
    """Where an expression's text sits in a rule file.

    ``line``/``column`` locate the first character of the expression text
    (after any opening quote).  Lines after the first start at
    ``continuation_column`` (for a YAML block scalar: its indentation + 1).
    """

    file: str
    line: int
    column: int
    path: str = ""
    continuation_column: int = 1


def relocate(issues: Iterable[Issue], where: ExprLocation) -> tuple[Issue, ...]:
    """Move expression-relative issues to the file position of the expression."""
    return tuple(_relocate_one(issue, where) for issue in issues)


def _relocate_one(issue: Issue, where: ExprLocation) -> Issue:
    span = issue.span
    path = issue.path or where.path
    if span is None or span.file != EXPRESSION_FILE:
        return replace(issue, path=path)
    if span.line <= 1:
        file_span = SourceSpan(where.file, where.line, where.column + span.column - 1)
    else:
        file_span = SourceSpan(
            where.file, where.line + span.line - 1, where.continuation_column + span.column - 1
        )
    return replace(issue, span=file_span, path=path)


class ExpressionError(IssuesError):
    """An expression could not be parsed or type-checked; ``issues`` say where and why."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        super().__init__(issues)
