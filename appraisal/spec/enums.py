"""Closed vocabularies of the rule language.

Every enum here is dispatched exhaustively (``match`` ending in ``assert_never``)
by the compiler, scorer and renderer, so adding a member fails type checking until
each stage handles it.  Values are the exact words written in YAML.
"""

from __future__ import annotations

import decimal
from enum import StrEnum
from typing import assert_never

from appraisal.periods import Granularity as PeriodGrain
from appraisal.store.schema import SubjectKind

__all__ = [
    "AcceleratorScope",
    "Aggregation",
    "AwardRankBy",
    "Basis",
    "Boundaries",
    "CommissionSchedule",
    "ConditionKind",
    "Direction",
    "GroupScope",
    "IncentiveKind",
    "IndicatorKind",
    "ItemNotApplicable",
    "Language",
    "Missing",
    "PeriodGrain",
    "PoolAllocation",
    "RatingCombine",
    "RfmMethod",
    "RoundingMode",
    "RuleStatus",
    "ScaleMapping",
    "ScoreMeasure",
    "ScoringMethod",
    "SubjectKind",
    "TeamGrouping",
    "Unit",
    "WindowMode",
]


class RuleStatus(StrEnum):
    """Life cycle of a rule set: only approved rules drive official runs."""

    DRAFT = "draft"
    APPROVED = "approved"
    RETIRED = "retired"


class Language(StrEnum):
    """Languages rules and output are written in."""

    ZH = "zh"
    EN = "en"


class RoundingMode(StrEnum):
    """How a value is rounded to its declared places (names of ``decimal`` modes)."""

    HALF_UP = "half_up"
    HALF_EVEN = "half_even"
    HALF_DOWN = "half_down"
    UP = "up"
    DOWN = "down"
    CEILING = "ceiling"
    FLOOR = "floor"

    @property
    def decimal_mode(self) -> str:
        """The matching ``decimal`` rounding constant."""
        match self:
            case RoundingMode.HALF_UP:
                return decimal.ROUND_HALF_UP
            case RoundingMode.HALF_EVEN:
                return decimal.ROUND_HALF_EVEN
            case RoundingMode.HALF_DOWN:
                return decimal.ROUND_HALF_DOWN
            case RoundingMode.UP:
                return decimal.ROUND_UP
            case RoundingMode.DOWN:
                return decimal.ROUND_DOWN
            case RoundingMode.CEILING:
                return decimal.ROUND_CEILING
            case RoundingMode.FLOOR:
                return decimal.ROUND_FLOOR
            case _:
                assert_never(self)


class Unit(StrEnum):
    """What an indicator's value measures; money is never a count.

    ``percent`` values are fractions (0.25 is 25 %); ``ratio`` is a plain quotient
    such as CLV/CAC; ``score`` is points on a rating or scorecard scale.
    """

    COUNT = "count"
    PERCENT = "percent"
    RATIO = "ratio"
    MONEY = "money"
    DAYS = "days"
    HOURS = "hours"
    SCORE = "score"
    NUMBER = "number"


class Direction(StrEnum):
    """Whether a higher or a lower value is better."""

    HIGHER = "higher"
    LOWER = "lower"


class IndicatorKind(StrEnum):
    """How an indicator's value is obtained."""

    AGGREGATE = "aggregate"
    FORMULA = "formula"
    RATING = "rating"
    ATTAINMENT = "attainment"


class Aggregation(StrEnum):
    """Aggregate functions over the rows of an entity.

    ``share`` is the fraction of the aggregate (count, or sum of the measure)
    contributed by the rows that also satisfy ``share_where``.
    """

    COUNT = "count"
    COUNT_DISTINCT = "count_distinct"
    SUM = "sum"
    AVG = "avg"
    MIN = "min"
    MAX = "max"
    SHARE = "share"


class WindowMode(StrEnum):
    """Which rows of an entity fall into the appraisal period.

    With the period as the half-open range [S, E) (E is the day after its last day):

    * ``in_period``: S ≤ column < E
    * ``as_of_start``: column < S and (until is null or until ≥ S) — existing at the start
    * ``as_of_end``: column < E and (until is null or until ≥ E) — existing at the end
    * ``trailing``: column within the ``periods`` periods of ``grain`` ending with this one
    * ``same_period_last_year``: S − 1 year ≤ column < E − 1 year
    * ``up_to_end``: column < E (all history up to the end of the period)

    Instants (``timestamp`` columns) are compared in the workspace's time zone.
    """

    IN_PERIOD = "in_period"
    AS_OF_START = "as_of_start"
    AS_OF_END = "as_of_end"
    TRAILING = "trailing"
    SAME_PERIOD_LAST_YEAR = "same_period_last_year"
    UP_TO_END = "up_to_end"


class Missing(StrEnum):
    """What a zero denominator or an empty input yields."""

    NOT_APPLICABLE = "not_applicable"
    ZERO = "zero"


class TeamGrouping(StrEnum):
    """How person-level rows roll up to a team subject.

    ``team_column``: the team id is ``staff.team`` of the credited person.
    ``manager_tree``: the team id is a lead's ``staff_id``; the team is the lead
    and everyone reporting to them directly or indirectly via ``staff.manager_id``.
    """

    TEAM_COLUMN = "team_column"
    MANAGER_TREE = "manager_tree"


class RatingCombine(StrEnum):
    """How several raters' scores for one criterion combine."""

    AVG = "avg"
    MIN = "min"
    MAX = "max"


class ScoringMethod(StrEnum):
    """How an indicator's value becomes an item score (points)."""

    LINEAR = "linear"
    ATTAINMENT = "attainment"
    BANDS = "bands"
    PASS_FAIL = "pass_fail"
    SCALE = "scale"
    DIRECT = "direct"


class Basis(StrEnum):
    """What scoring points are compared with.

    ``of_target``: the ratio actual / target (so ``at: 80%`` means 80 % of target);
    ``absolute``: the indicator's value itself, in its unit.
    """

    OF_TARGET = "of_target"
    ABSOLUTE = "absolute"


class Boundaries(StrEnum):
    """Which end of each band is inclusive.

    ``lower_inclusive``: bands are [min, max); ``upper_inclusive``: (min, max].
    """

    LOWER_INCLUSIVE = "lower_inclusive"
    UPPER_INCLUSIVE = "upper_inclusive"


class ScaleMapping(StrEnum):
    """How a rating on a scale maps to points.

    ``proportional``: value / max × 100 (a 4 on 1–5 is 80);
    ``linear``: (value − min) / (max − min) × 100 (a 4 on 1–5 is 75).
    """

    PROPORTIONAL = "proportional"
    LINEAR = "linear"


class ItemNotApplicable(StrEnum):
    """What an item whose indicator is not applicable contributes.

    ``reweight``: the item is left out and the other weights of its section are
    scaled up to 100; ``zero``: the item scores 0 points.
    """

    REWEIGHT = "reweight"
    ZERO = "zero"


class IncentiveKind(StrEnum):
    """Kinds of incentive a scorecard can pay or award."""

    BONUS = "bonus"
    COMMISSION = "commission"
    POOL = "pool"
    AWARD = "award"


class CommissionSchedule(StrEnum):
    """``step``: the whole amount at the rate of the bracket it reaches;
    ``marginal``: each slice of the amount at its own bracket's rate."""

    STEP = "step"
    MARGINAL = "marginal"


class AcceleratorScope(StrEnum):
    """Whether an accelerator multiplies the commission on the slice above its
    threshold (``excess``) or the whole commission (``whole``)."""

    EXCESS = "excess"
    WHOLE = "whole"


class PoolAllocation(StrEnum):
    """How a bonus pool is divided among eligible subjects.

    ``by_score``: in proportion to total score; ``by_points``: in proportion to the
    points of each subject's tier (``points_by_tier``); ``equal``: equal shares.
    Cents are allocated exactly by largest remainder, ties by subject id.
    """

    BY_SCORE = "by_score"
    BY_POINTS = "by_points"
    EQUAL = "equal"


class GroupScope(StrEnum):
    """Whether a pool, award or ranking runs over everyone or within each team."""

    ALL = "all"
    TEAM = "team"


class AwardRankBy(StrEnum):
    """What an award ranks subjects by: the total score or one indicator."""

    TOTAL = "total"
    INDICATOR = "indicator"


class ConditionKind(StrEnum):
    """Conditions that trigger an improvement action."""

    BELOW_THRESHOLD = "below_threshold"
    BELOW_TARGET_IN_A_ROW = "below_target_in_a_row"
    WORST_IN_TEAM = "worst_in_team"
    TIER_IN = "tier_in"


class ScoreMeasure(StrEnum):
    """Which number of an item a condition looks at."""

    VALUE = "value"
    ATTAINMENT = "attainment"
    SCORE = "score"


class RfmMethod(StrEnum):
    """How an RFM part is scored 1–5: declared bands, or quintiles over all clients."""

    BANDS = "bands"
    QUINTILES = "quintiles"
