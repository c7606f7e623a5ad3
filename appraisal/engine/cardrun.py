"""One scorecard within one run: what the stages after scoring read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from appraisal.engine.exact import Fixed
from appraisal.engine.frame import ValuesFrame
from appraisal.engine.operands import value_of
from appraisal.engine.run_tables import RUN_SUBJECTS
from appraisal.engine.score import Scored
from appraisal.expr import ExprParams
from appraisal.periods import Period
from appraisal.spec.models import RuleSet, Scorecard


@dataclass(frozen=True)
class CardRun:
    """A scorecard being evaluated: its frame, its scored work table, the run it belongs to."""

    conn: Connection
    run_id: str
    ruleset: RuleSet
    scorecard: Scorecard
    frame: ValuesFrame
    scored: Scored
    period: Period
    params: ExprParams
    dialect: str

    @property
    def card_index(self) -> int:
        """Position of the scorecard in the rule set (expression paths use it)."""
        return next(i for i, c in enumerate(self.ruleset.scorecards) if c.id == self.scorecard.id)

    def run_literal(self) -> ColumnElement[Any]:
        """The run id as a bound value for INSERT ... SELECT."""
        return sa.literal(self.run_id, sa.String())

    def card_literal(self) -> ColumnElement[Any]:
        """The scorecard id as a bound value."""
        return sa.literal(self.scorecard.id, sa.String())

    def subjects(self) -> Any:
        """This run's subject rows of this scorecard (as a subquery)."""
        t = RUN_SUBJECTS
        return (
            sa.select(t)
            .where(t.c.run_id == self.run_id, t.c.scorecard_id == self.scorecard.id)
            .subquery("subjects")
        )

    def value(self, indicator_id: str) -> Fixed:
        """An indicator's value in the frame, exactly."""
        indicator = self.ruleset.indicator(indicator_id)
        return value_of(self.frame, indicator, self.ruleset.settings, self.dialect)

    def frame_column(self, indicator_id: str) -> ColumnElement[Any]:
        """An indicator's value column as stored (for compiled expressions)."""
        try:
            return self.frame.value(indicator_id)
        except KeyError:
            raise KeyError(
                f"values frame of scorecard {self.scorecard.id!r} has no indicator {indicator_id!r}"
            ) from None
