"""The values frame: the hand-off from measuring to scoring.

Measuring produces, for each scorecard, one wide table with a row per subject
appraised by that scorecard (persons of its roles, or clients) and a column per
indicator value and per resolved target.  Scoring, tiers, incentives, plans and
segments are all SQL over this table, so the two halves meet at one small,
testable contract: a test can build a frame by hand and score it.

Columns:
    subject_id   text, primary key (staff_id or customer_id)
    subject_name text
    role         text (staff.role; NULL for clients)
    team         text (staff.team; for clients the owner's team)
    manager_id   text (staff.manager_id; for clients customers.owner_id)
    v__<id>      the indicator's value, rounded to its declared precision;
                 NULL means not applicable (zero denominators and empty inputs
                 already resolved by the indicator's declared semantics)
    t__<id>      the resolved target for the period (NULL: no target)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from appraisal.spec.enums import SubjectKind

SUBJECT_COLUMNS = ("subject_id", "subject_name", "role", "team", "manager_id")


def value_column(indicator_id: str) -> str:
    """Name of the column holding an indicator's value."""
    return f"v__{indicator_id}"


def target_column(indicator_id: str) -> str:
    """Name of the column holding an indicator's target."""
    return f"t__{indicator_id}"


@dataclass(frozen=True)
class ValuesFrame:
    """One scorecard's measured values for one period, as a table in the database."""

    scorecard_id: str
    subject: SubjectKind
    period: str
    table: sa.Table
    indicators: tuple[str, ...]
    """Indicator ids with a value column, in rule-set order."""
    targeted: tuple[str, ...]
    """Indicator ids with a target column."""

    def value(self, indicator_id: str) -> sa.Column[object]:
        """The value column of an indicator."""
        return self.table.c[value_column(indicator_id)]

    def target(self, indicator_id: str) -> sa.Column[object]:
        """The target column of an indicator."""
        return self.table.c[target_column(indicator_id)]

    def columns_by_indicator(self) -> Mapping[str, sa.Column[object]]:
        """Indicator id → value column (for compiling gate and segment expressions)."""
        return {i: self.value(i) for i in self.indicators}
