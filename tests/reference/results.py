"""What the reference evaluator returns: plain frozen records, Decimals unformatted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class ItemResult:
    """One scorecard item of one subject."""

    section: str
    indicator: str
    weight: Decimal
    value: Decimal | None
    target: Decimal | None
    score: Decimal | None
    """Rounded with the score rounding; None: not applicable."""


@dataclass(frozen=True)
class PlanItem:
    """An improvement action for one subject."""

    rule: str
    owner: str | None
    due: date
    follow_up_indicator: str | None = None
    follow_up_target: Decimal | None = None
    follow_up_period: str | None = None


@dataclass(frozen=True)
class SubjectResult:
    """Everything a scorecard says about one subject."""

    subject_id: str
    values: Mapping[str, Decimal | None]
    """Every indicator the scorecard's subject can use (rounded; None: not applicable)."""
    targets: Mapping[str, Decimal | None]
    items: tuple[ItemResult, ...]
    sections: Mapping[str, Decimal | None]
    total: Decimal | None
    tier_before_gates: str | None
    gates: tuple[str, ...]
    tier: str | None
    withheld: bool
    incentives: Mapping[str, Decimal] = field(default_factory=dict)
    """Money paid per bonus, commission and pool id (0 when withheld or not eligible)."""
    awards: Mapping[str, int] = field(default_factory=dict)
    """Award id → rank, for the awards this subject wins."""
    plan: tuple[PlanItem, ...] = ()

    def score(self, indicator: str) -> Decimal | None:
        """The item score of an indicator."""
        return next(i.score for i in self.items if i.indicator == indicator)


@dataclass(frozen=True)
class ScorecardResult:
    """One scorecard's subjects, by subject id (sorted)."""

    scorecard_id: str
    subjects: Mapping[str, SubjectResult]


@dataclass(frozen=True)
class SegmentResult:
    """One client's RFM scores and segment."""

    subject_id: str
    r_score: Decimal | None
    f_score: Decimal | None
    m_score: Decimal | None
    rfm_score: Decimal | None
    segment: str


@dataclass(frozen=True)
class ReferenceResult:
    """Every scorecard and segmentation of a rule set for one period."""

    period: str
    scorecards: Mapping[str, ScorecardResult]
    segmentations: Mapping[str, Mapping[str, SegmentResult]]
