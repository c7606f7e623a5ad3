"""Errors and issues.  The library never prints; the CLI turns these into messages.

Everything a user can cause is reported as an :class:`Issue` with a location
(:class:`SourceSpan`), the field concerned, what was expected and, where one
exists, a hint.  Issues are values: validators return them, collect all of
them, and only the boundary raises one :class:`IssuesError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class AppraisalError(Exception):
    """Base of every error the package raises on purpose."""


class UserError(AppraisalError):
    """Something the user can fix: bad input, bad configuration, missing file."""


class ConfigError(UserError):
    """The workspace configuration or database URL is unusable."""


class IssueLevel(StrEnum):
    """How serious an issue is; ERROR blocks, the others inform."""

    ERROR = "error"
    FUTURE_ERROR = "future-error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class SourceSpan:
    """Where in which file: 1-based line and column (column 0: whole line)."""

    file: str
    line: int = 0
    column: int = 0
    end_line: int | None = None

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        if self.column <= 0:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Issue:
    """One finding: level, stable code, message, location, field path and hint."""

    level: IssueLevel
    code: str
    message: str
    span: SourceSpan | None = None
    path: str = ""
    hint: str = ""

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Deterministic order: file, line, column, then code and message."""
        span = self.span or SourceSpan("")
        return (span.file, span.line, span.column, self.code, self.message)

    def render(self) -> str:
        """``file:line:col: error[CODE] at path: message (hint: ...)``."""
        where = f"{self.span}: " if self.span else ""
        at = f" at {self.path}" if self.path else ""
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}{self.level.value}[{self.code}]{at}: {self.message}{hint}"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form with stable keys."""
        span = self.span
        return {
            "level": self.level.value,
            "code": self.code,
            "message": self.message,
            "file": span.file if span else None,
            "line": span.line if span else None,
            "column": span.column if span else None,
            "path": self.path,
            "hint": self.hint,
        }


@dataclass(frozen=True)
class ValidationResults:
    """An immutable, sorted collection of issues."""

    issues: tuple[Issue, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, issues: Iterable[Issue]) -> ValidationResults:
        """Collect and sort issues deterministically, dropping exact duplicates."""
        unique = dict.fromkeys(issues)
        return cls(tuple(sorted(unique, key=Issue.sort_key)))

    def merge(self, *others: ValidationResults) -> ValidationResults:
        """All issues of self and others, sorted."""
        return ValidationResults.of([*self.issues, *(i for o in others for i in o.issues)])

    @property
    def errors(self) -> tuple[Issue, ...]:
        """Issues that block (ERROR level)."""
        return tuple(i for i in self.issues if i.level is IssueLevel.ERROR)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        """Issues that do not block."""
        return tuple(i for i in self.issues if i.level is not IssueLevel.ERROR)

    @property
    def has_blocking_issues(self) -> bool:
        """True when at least one ERROR is present."""
        return bool(self.errors)

    def summary(self) -> str:
        """``ERRORS: 2, WARNINGS: 1``."""
        return f"ERRORS: {len(self.errors)}, WARNINGS: {len(self.warnings)}"


class IssuesError(UserError):
    """Raised at a boundary when blocking issues remain; the message lists them, capped."""

    MAX_LISTED = 20

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = tuple(issues)
        listed = [issue.render() for issue in self.issues[: self.MAX_LISTED]]
        more = len(self.issues) - self.MAX_LISTED
        if more > 0:
            listed.append(f"... and {more} more")
        super().__init__("\n".join(listed))
