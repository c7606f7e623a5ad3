"""Typed references, so a signature says which kind of id it takes.

Each is frozen and ordered (sorting a collection of them is deterministic) and
renders as the id written in the rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from appraisal.spec.enums import SubjectKind


@dataclass(frozen=True, order=True)
class IndicatorRef:
    """An indicator of a rule set, by id."""

    indicator_id: str

    def __str__(self) -> str:
        return self.indicator_id


@dataclass(frozen=True, order=True)
class ScorecardRef:
    """A scorecard of a rule set, by id."""

    scorecard_id: str

    def __str__(self) -> str:
        return self.scorecard_id


@dataclass(frozen=True, order=True)
class TierRef:
    """A tier (band code) of a tier table."""

    table_id: str
    code: str

    def __str__(self) -> str:
        return f"{self.table_id}.{self.code}"


@dataclass(frozen=True, order=True)
class SubjectRef:
    """Who a result is about: a staff id, a team id or a customer id, with its kind."""

    kind: SubjectKind
    subject_id: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.subject_id}"


@dataclass(frozen=True, order=True)
class RuleSetRef:
    """A rule set version: ``metadata.id`` and ``metadata.version``."""

    ruleset_id: str
    version: str

    def __str__(self) -> str:
        return f"{self.ruleset_id}@{self.version}"
