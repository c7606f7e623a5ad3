"""What an import did, as values: counts per input and entity, quarantine files, progress."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from appraisal.importing.entities import entity_order


@dataclass(frozen=True)
class Counts:
    """Rows read = inserted + updated + unchanged + rejected."""

    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.read + other.read,
            self.inserted + other.inserted,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
            self.rejected + other.rejected,
        )

    @property
    def balanced(self) -> bool:
        """True when every row read is accounted for exactly once."""
        return self.read == self.inserted + self.updated + self.unchanged + self.rejected


@dataclass(frozen=True)
class SourceReport:
    """One input: its entity, what happened to its rows and where its rejects went."""

    path: Path
    sheet: str | None
    entity: str
    encoding: str
    counts: Counts
    quarantine: Path | None


@dataclass(frozen=True)
class EntityReport:
    """All inputs of one entity together."""

    entity: str
    counts: Counts


@dataclass(frozen=True)
class ImportReport:
    """The result of one import (one transaction)."""

    sources: tuple[SourceReport, ...]

    @property
    def entities(self) -> tuple[EntityReport, ...]:
        """Counts per entity, referenced entities first."""
        totals: dict[str, Counts] = {}
        for source in self.sources:
            totals[source.entity] = totals.get(source.entity, Counts()) + source.counts
        ordered = sorted(totals.items(), key=lambda item: entity_order(item[0]))
        return tuple(EntityReport(entity, counts) for entity, counts in ordered)

    @property
    def total(self) -> Counts:
        """Counts over every input."""
        total = Counts()
        for source in self.sources:
            total = total + source.counts
        return total

    @property
    def rejected(self) -> int:
        """Rows rejected (written to quarantine files)."""
        return self.total.rejected


@dataclass(frozen=True)
class ImportProgress:
    """A step finished: ``done`` of ``total`` steps (the total can grow once files are read)."""

    step: str
    subject: str
    done: int
    total: int
