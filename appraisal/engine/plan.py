"""The compiled plan: frozen statements with the descriptions that explain them.

Compiling touches no data.  An :class:`AppraisalPlan` holds, per values frame,
the grouped aggregate statements (:class:`IndicatorQuery`, one per entity +
link + subject grouping, each computing every indicator that shares them) and
the frame statement that joins them to the subjects and adds ratings, targets,
formulas and attainments.  Rendering a plan for a dialect gives the SQL that
``appraisal explain`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from appraisal.spec.enums import SubjectKind


@dataclass(frozen=True)
class IndicatorQuery:
    """One grouped statement: several indicators' raw aggregates for all subjects at once.

    ``statement`` yields a ``subject_key`` column and, per indicator ``i``, raw
    columns ``a__i`` (the aggregate or a quotient's numerator), ``d__i`` (the
    denominator, when there is one) and ``n__i`` (matching rows or values).
    """

    name: str
    """The CTE name the frame statement reads it by, e.g. ``agg_orders_staff_id``."""
    description: str
    """One human line per indicator, e.g. ``Indicator 'sales_amount': sum of amount ...``."""
    indicators: tuple[str, ...]
    statement: sa.Select[tuple[object, ...]]


@dataclass(frozen=True)
class FrameSpec:
    """What one values frame holds: whose rows, which indicators, under which name."""

    name: str
    """Scorecard id, or a caller's name for an ad-hoc frame."""
    subject: SubjectKind
    indicators: tuple[str, ...]
    """Indicator ids wanted (their formula inputs are added)."""
    roles: tuple[str, ...] = ()
    """Person frames: the staff roles appraised; empty: every role."""
    scorecard_id: str | None = None


@dataclass(frozen=True)
class FramePlan:
    """The statements that build one values frame."""

    spec: FrameSpec
    period: str
    table_name: str
    queries: tuple[IndicatorQuery, ...]
    statement: sa.Select[tuple[object, ...]]
    """Selects exactly the frame's columns, in order (subject columns, v__*, t__*)."""
    columns: tuple[sa.Column[object], ...]
    """The frame table's columns with their SQL types."""
    indicators: tuple[str, ...]
    targeted: tuple[str, ...]
    descriptions: tuple[tuple[str, str], ...]
    """(indicator id, description) for every indicator of the frame, in frame order."""


@dataclass(frozen=True)
class AppraisalPlan:
    """Every frame an evaluation needs for one period."""

    period: str
    frames: tuple[FramePlan, ...]

    def frame(self, name: str) -> FramePlan:
        """The frame plan of a scorecard (or ad-hoc frame) by name (KeyError when absent)."""
        for frame in self.frames:
            if frame.spec.name == name:
                return frame
        raise KeyError(name)
