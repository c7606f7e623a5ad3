"""What an evaluation is about: which rules, which period, where the data is."""

from __future__ import annotations

from dataclasses import dataclass, field

from appraisal.periods import Period
from appraisal.spec.models import RuleSet
from appraisal.store.sources import Catalog


@dataclass(frozen=True)
class EvaluationContext:
    """Everything the stages need besides the database connection.

    ``timezone`` is the workspace's business time zone: period boundaries on
    instant columns (stored in UTC) are the local midnights converted to UTC.
    """

    ruleset: RuleSet
    period: Period
    catalog: Catalog = field(default_factory=Catalog)
    timezone: str = "Asia/Shanghai"

    def with_period(self, period: Period) -> EvaluationContext:
        """The same evaluation for another period (history, trends, N-in-a-row)."""
        return EvaluationContext(self.ruleset, period, self.catalog, self.timezone)
