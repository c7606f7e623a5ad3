"""The rule language as frozen pydantic models: what a rule set *means*.

A rule set declares the whole appraisal chain: indicators → targets → scorecards
(weighted items, scoring methods) → tiers and gates → incentives → improvement
rules, plus client segmentation.  Models are frozen and reject unknown keys;
scalars are strict (see :mod:`appraisal.spec.fields`), numbers are ``Decimal``.

Expressions (filters, measures, formulas, conditions) are kept as text here;
the validation layer parses and type-checks every one of them with
:mod:`appraisal.expr`, and :func:`appraisal.spec.expressions.expression_sites`
lists them with the scope each one resolves against.

Two top-level models exist: :class:`RuleFile` is one YAML file as written (every
section optional, ``include`` allowed); :class:`RuleSet` is the merged, normalised
rule set the engine evaluates (metadata required, settings filled in).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from appraisal.spec.enums import (
    AcceleratorScope,
    Aggregation,
    AwardRankBy,
    Basis,
    Boundaries,
    CommissionSchedule,
    Direction,
    GroupScope,
    ItemNotApplicable,
    Language,
    Missing,
    PeriodGrain,
    PoolAllocation,
    RatingCombine,
    RfmMethod,
    RoundingMode,
    RuleStatus,
    ScaleMapping,
    ScoreMeasure,
    SubjectKind,
    TeamGrouping,
    Unit,
    WindowMode,
)
from appraisal.spec.fields import (
    Code,
    ColumnPath,
    Currency,
    ExprText,
    Identifier,
    IsoDate,
    Name,
    NonNegNum,
    NonNegQuantity,
    Num,
    PeriodCode,
    PeriodOrGrain,
    PosNum,
    PosQuantity,
    Prose,
    Quantity,
    RelPath,
    RuleSetId,
    Version,
)
from appraisal.spec.references import IndicatorRef, RuleSetRef, ScorecardRef

SCHEMA_VERSION = "v1.0"


class Model(BaseModel):
    """Base of every rule-language model: frozen, unknown keys refused, no NaN."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        allow_inf_nan=False,
        validate_default=False,
        use_enum_values=False,
        hide_input_in_errors=True,
        use_attribute_docstrings=True,
    )


# ── shared pieces ───────────────────────────────────────────────────────────────


class Text(Model):
    """Text in Chinese and/or English; at least one is required."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    zh: Prose | None = None
    en: Prose | None = None

    @model_validator(mode="after")
    def _one_language(self) -> Self:
        if self.zh is None and self.en is None:
            raise ValueError("give the text in at least one language: zh or en")
        return self

    def get(self, language: Language) -> str:
        """The text in ``language``, falling back to the other one."""
        first, second = (self.zh, self.en) if language is Language.ZH else (self.en, self.zh)
        return first or second or ""


class Rounding(Model):
    """Decimal places and rounding mode applied at a declared point."""

    places: Annotated[StrictInt, Field(ge=0, le=10)] = 2
    mode: RoundingMode = RoundingMode.HALF_UP

    def quantum(self) -> Decimal:
        """The smallest step, e.g. ``Decimal('0.01')`` for two places."""
        return Decimal(1).scaleb(-self.places)

    def apply(self, value: Decimal) -> Decimal:
        """``value`` rounded to ``places`` with ``mode``."""
        return value.quantize(self.quantum(), rounding=self.mode.decimal_mode)


# ── metadata and settings ──────────────────────────────────────────────────────


class ChangelogEntry(Model):
    """One reviewed change of the rule set."""

    version: Version
    date: IsoDate
    author: Name
    changes: Text


class Metadata(Model):
    """Who owns the rule set, which version it is and when it is in force."""

    id: RuleSetId
    title: Text
    description: Text | None = None
    version: Version
    effective_from: IsoDate
    effective_to: IsoDate | None = None
    owner: Name
    status: RuleStatus = RuleStatus.DRAFT
    changelog: tuple[ChangelogEntry, ...] = ()


class Settings(Model):
    """Defaults for the whole rule set."""

    period: PeriodGrain = PeriodGrain.QUARTER
    """The appraisal period grain: evaluations run for one period of this grain."""
    currency: Currency = "CNY"
    language: Language = Language.ZH
    """Language of output when none is asked for."""
    money_rounding: Rounding = Rounding(places=2, mode=RoundingMode.HALF_UP)
    """Applied to every money amount paid (bonus, commission, pool shares)."""
    score_rounding: Rounding = Rounding(places=2, mode=RoundingMode.HALF_UP)
    """Applied to item scores and scorecard totals before tiers are assigned."""


# ── indicators ─────────────────────────────────────────────────────────────────


class Window(Model):
    """Which rows of the entity belong to the appraisal period (see :class:`WindowMode`)."""

    mode: WindowMode = WindowMode.IN_PERIOD
    column: ColumnPath
    """The date or instant column tested, e.g. ``ordered_on`` or ``acquired_on``."""
    until: ColumnPath | None = None
    """For ``as_of_*``: the column ending a row's life (null: still alive), e.g. ``churned_on``.

    (Keys avoid YAML 1.1 words such as ``on``/``off``/``yes``/``no``, which other
    YAML tools would read as booleans.)"""
    periods: Annotated[StrictInt, Field(ge=1, le=120)] | None = None
    """For ``trailing``: how many periods, the current one included."""
    grain: PeriodGrain | None = None
    """For ``trailing``: the period length; default the rule set's period."""


class PerGroup(Model):
    """A first aggregation per group before the indicator's own aggregation.

    E.g. repeat purchase rate: orders are first counted per ``customer_id`` (the
    result is named ``value``), then the indicator is the share of customers with
    ``value >= 2``.
    """

    by: ColumnPath
    aggregate: Aggregation = Aggregation.COUNT
    measure: ExprText | None = None
    name: Identifier = "value"


class IndicatorBase(Model):
    """Fields every indicator declares."""

    id: Identifier
    title: Text
    description: Text | None = None
    unit: Unit
    currency: Currency | None = None
    """For ``money``: the currency; default the rule set's currency."""
    direction: Direction
    subject: SubjectKind
    rounding: Rounding | None = None
    """Precision of the value; default by unit (see :func:`effective_rounding`)."""
    on_zero_denominator: Missing = Missing.NOT_APPLICABLE
    """Result of a division by zero (a ratio, a share, a formula's ``/``)."""
    on_empty: Missing | None = None
    """Result when no rows match; default ``zero`` for count and sum, else not applicable."""


class AggregateIndicator(IndicatorBase):
    """An aggregate over the rows of an entity, linked to the subject, in a window."""

    kind: Literal["aggregate"]
    aggregate: Aggregation
    entity: Identifier
    """A built-in entity name, e.g. ``orders`` (the workspace's sources may relocate it)."""
    measure: ExprText | None = None
    """Expression over the entity's columns; required except for ``count`` and ``share``."""
    filter: ExprText | None = None
    """Boolean expression over the entity's columns; rows failing it are left out."""
    share_where: ExprText | None = None
    """For ``share``: the rows (or groups) counted in the numerator."""
    per: PerGroup | None = None
    link: ColumnPath
    """Column path from the entity to the subject: a staff id for person and team,
    a customer id for client subjects, e.g. ``staff_id`` or ``customer.owner_id``."""
    team_by: TeamGrouping | None = None
    """For team subjects: how credited persons roll up to teams."""
    window: Window | None = None
    """Rows in the period; ``None`` only for entities without time (never for facts)."""

    def effective_on_empty(self) -> Missing:
        """The declared ``on_empty``, or the default for the aggregation."""
        if self.on_empty is not None:
            return self.on_empty
        if self.aggregate in (Aggregation.COUNT, Aggregation.COUNT_DISTINCT, Aggregation.SUM):
            return Missing.ZERO
        return Missing.NOT_APPLICABLE


class FormulaIndicator(IndicatorBase):
    """Arithmetic over other indicators of the same subject, e.g. ``(e - n) / s``."""

    kind: Literal["formula"]
    formula: ExprText

    def effective_on_empty(self) -> Missing:
        """Formulas propagate not-applicable inputs unless ``on_empty`` says zero."""
        return self.on_empty or Missing.NOT_APPLICABLE


class ScaleAnchor(Model):
    """What one point of the scale means (5 = 卓越 outstanding)."""

    value: Num
    label: Text


class RatingScale(Model):
    """The scale raters use, e.g. 1–5, with optional anchor descriptions."""

    min: Num = Decimal(1)
    max: Num = Decimal(5)
    anchors: tuple[ScaleAnchor, ...] = ()


class RatingIndicator(IndicatorBase):
    """A qualitative criterion rated by people (ratings table, one period code)."""

    kind: Literal["rating"]
    criterion: Code
    """The ``ratings.criterion`` code, e.g. ``conduct`` (德), ``leadership``."""
    scale: RatingScale = RatingScale()
    combine: RatingCombine = RatingCombine.AVG
    """How the scores of several raters combine."""

    def effective_on_empty(self) -> Missing:
        """No rating recorded: not applicable unless declared otherwise."""
        return self.on_empty or Missing.NOT_APPLICABLE


class AttainmentIndicator(IndicatorBase):
    """Actual / target of another indicator for the same subject and period."""

    kind: Literal["attainment"]
    of: Identifier

    def effective_on_empty(self) -> Missing:
        """Without a target the attainment is not applicable unless declared."""
        return self.on_empty or Missing.NOT_APPLICABLE


AnyIndicator = AggregateIndicator | FormulaIndicator | RatingIndicator | AttainmentIndicator

Indicator = Annotated[
    AggregateIndicator | FormulaIndicator | RatingIndicator | AttainmentIndicator,
    Field(discriminator="kind"),
]


def effective_rounding(indicator: IndicatorBase, settings: Settings) -> Rounding:
    """The indicator's rounding, or the default of its unit.

    money → the rule set's money rounding; count → 0 places; percent, ratio →
    4 places (a percent is a fraction: 0.1234 is 12.34 %); days, hours → 1 place;
    score, number → 2 places.  Mode half_up unless declared.
    """
    if indicator.rounding is not None:
        return indicator.rounding
    places = {
        Unit.MONEY: settings.money_rounding.places,
        Unit.COUNT: 0,
        Unit.PERCENT: 4,
        Unit.RATIO: 4,
        Unit.DAYS: 1,
        Unit.HOURS: 1,
        Unit.SCORE: 2,
        Unit.NUMBER: 2,
    }[indicator.unit]
    mode = settings.money_rounding.mode if indicator.unit is Unit.MONEY else RoundingMode.HALF_UP
    return Rounding(places=places, mode=mode)


# ── targets (SMART) ────────────────────────────────────────────────────────────


class TargetOverride(Model):
    """A target for one subject (a staff id, team id or customer id)."""

    subject: Code
    value: Quantity
    period: PeriodCode | None = None
    """Only for this period; ``None``: every period."""


class TargetSheet(Model):
    """A CSV or XLSX file of targets, relative to the rule file's folder."""

    path: RelPath
    sheet: Name | None = None
    """XLSX worksheet; default the first."""
    subject_column: Name = "subject_id"
    value_column: Name = "value"
    indicator_column: Name | None = None
    """When present, only rows naming this indicator are read."""
    period_column: Name | None = None
    """When present, only rows of the evaluated period are read."""


class Baseline(Model):
    """Where the subject starts from (SMART: achievable): a value or its history."""

    value: Quantity | None = None
    history: Literal["previous_period", "same_period_last_year"] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.value is None) == (self.history is None):
            raise ValueError("give exactly one of value or history")
        return self


MAX_TARGET_PLACES = 6
"""Most decimal places a target keeps (stored results keep 6): a declared target
with more is refused; a share of a target needing more is rounded half up to 6."""


class Phasing(Model):
    """How a target of a longer period splits over its sub-periods, in points of 100.

    E.g. a quarterly target phased by month ``shares: [30, 30, 40]``.  A period
    shorter than the phasing grain gets an equal part of its sub-period's share
    (a yearly target phased by quarter gives each month a third of its
    quarter's share); a longer one the sum of the shares it covers.
    """

    grain: PeriodGrain = PeriodGrain.MONTH
    shares: tuple[NonNegNum, ...]


class TargetRule(Model):
    """The target values of one indicator: SMART, with layered sources.

    Resolution for a subject and period, first match wins: ``overrides`` →
    ``sheet`` → the ``targets`` table (when ``from_table``) → ``by_role`` (the
    person's ``staff.role``) → ``default``.

    The values are for periods of the rule's grain.  A shorter evaluated period
    gets a share: its ``phasing`` share, or without phasing an equal split by
    length (a month evaluated under a quarterly target of 10 gets 10 / 3).  A
    target is used as declared: the indicator's precision rounds its values,
    never its targets (a count's target of 2.5 stays 2.5).  Declared values have
    at most 6 decimal places; a share needing more is rounded half up to 6
    (10 / 3 → 3.333333).
    """

    indicator: Identifier
    """Specific: the indicator (and through it the subject kind and scope)."""
    objective: Text | None = None
    """Relevant: the business objective the target serves."""
    period: PeriodOrGrain | None = None
    """Time-bound: a period code (``2026Q3``) or grain (``quarter``: every quarter)."""
    deadline: IsoDate | None = None
    default: Quantity | None = None
    """Measurable: the value (in the indicator's unit) for every subject."""
    by_role: dict[Code, Quantity] = {}
    overrides: tuple[TargetOverride, ...] = ()
    from_table: StrictBool = False
    """Read the built-in ``targets`` table (subject_kind, subject_id, indicator, period)."""
    sheet: TargetSheet | None = None
    baseline: Baseline | None = None
    """Achievable: where the subject starts from."""
    max_ratio_to_history: PosQuantity | None = None
    """Achievable: warn when a target exceeds this multiple of the subject's history."""
    phasing: Phasing | None = None


# ── scoring methods ────────────────────────────────────────────────────────────


class ScoringPoint(Model):
    """A point of a linear scoring line: at this value (or ratio) this many points."""

    at: Quantity
    score: NonNegNum


class ScoringBase(Model):
    """Fields shared by scoring methods that compare with a target."""

    basis: Basis = Basis.OF_TARGET
    on_zero_target: Missing = Missing.NOT_APPLICABLE
    """With basis ``of_target`` and a target of 0: not applicable or a score of 0."""


class LinearScoring(ScoringBase):
    """Linear between threshold, target and stretch points, capped.

    Below the threshold (worse than it): ``below_threshold`` points.  Beyond the
    stretch point (better than it): the stretch score, never more than ``cap``.
    For lower-is-better indicators the points run the other way (threshold at a
    higher value than target), so the score still rises continuously as the
    value improves.
    """

    method: Literal["linear"]
    threshold: ScoringPoint
    target: ScoringPoint = ScoringPoint(at=Decimal(1), score=Decimal(100))
    stretch: ScoringPoint | None = None
    below_threshold: NonNegNum = Decimal(0)
    cap: PosNum | None = None
    """Highest score; default the stretch (or target) score."""


class AttainmentScoring(ScoringBase):
    """Score = attainment × 100 (actual / target; target / actual when lower is better).

    A lower-is-better actual of 0 scores ``cap``.
    """

    method: Literal["attainment"]
    basis: Literal[Basis.OF_TARGET] = Basis.OF_TARGET  # ratio to target only
    cap: PosNum = Decimal(120)
    floor: NonNegNum = Decimal(0)


class ScoreBand(Model):
    """A band of values (or ratios to target) and its points; open ends omit min/max."""

    min: Quantity | None = None
    max: Quantity | None = None
    score: NonNegNum


class BandsScoring(ScoringBase):
    """Step bands: the value's band gives the points (contiguous, no gaps/overlaps)."""

    method: Literal["bands"]
    boundaries: Boundaries = Boundaries.LOWER_INCLUSIVE
    bands: tuple[ScoreBand, ...] = Field(min_length=1)


class PassFailScoring(ScoringBase):
    """Full points when the value reaches ``threshold`` (inclusive), else ``fail_score``.

    Reaching means ≥ for higher-is-better and ≤ for lower-is-better indicators.
    """

    method: Literal["pass_fail"]
    threshold: Quantity
    pass_score: NonNegNum = Decimal(100)
    fail_score: NonNegNum = Decimal(0)


class ScaleScoring(Model):
    """A rating on its scale mapped to 0–100 points (see :class:`ScaleMapping`)."""

    method: Literal["scale"]
    mapping: ScaleMapping = ScaleMapping.PROPORTIONAL


class DirectScoring(Model):
    """The value is already points (e.g. a score 0–100), clamped to [floor, cap]."""

    method: Literal["direct"]
    cap: PosNum = Decimal(100)
    floor: NonNegNum = Decimal(0)


AnyScoring = (
    LinearScoring
    | AttainmentScoring
    | BandsScoring
    | PassFailScoring
    | ScaleScoring
    | DirectScoring
)

Scoring = Annotated[
    LinearScoring
    | AttainmentScoring
    | BandsScoring
    | PassFailScoring
    | ScaleScoring
    | DirectScoring,
    Field(discriminator="method"),
]


# ── scorecards ─────────────────────────────────────────────────────────────────


class ScorecardItem(Model):
    """One weighted indicator of a scorecard section."""

    indicator: Identifier
    weight: PosNum
    """Points of 100 within the section; a section's weights sum to exactly 100."""
    scoring: Scoring
    if_not_applicable: ItemNotApplicable = ItemNotApplicable.REWEIGHT


class Section(Model):
    """A part of a scorecard, e.g. quantitative (定量) or qualitative (定性)."""

    id: Identifier
    title: Text
    share: PosNum
    """Points of 100 of the total; a scorecard's shares sum to exactly 100."""
    items: tuple[ScorecardItem, ...] = Field(min_length=1)


class Gate(Model):
    """A condition on indicator values that caps the tier and/or withholds incentives.

    ``when`` is a boolean expression over the ids of indicators of the scorecard's
    subject.  A condition over a not-applicable value does not fire.
    """

    id: Identifier
    title: Text
    when: ExprText
    cap_tier: Code | None = None
    """The best tier a subject can get while the gate fires."""
    no_incentive: StrictBool = False
    """Withhold every monetary incentive while the gate fires."""


class BaseAmount(Model):
    """A money amount per role, with a default."""

    default: NonNegNum | None = None
    by_role: dict[Code, NonNegNum] = {}


class BonusIncentive(Model):
    """Bonus = base × the multiplier of the subject's tier, capped, rounded."""

    kind: Literal["bonus"]
    id: Identifier
    title: Text
    base: BaseAmount
    multiplier_by_tier: dict[Code, NonNegNum]
    cap: NonNegNum | None = None
    rounding: Rounding | None = None
    """Default the rule set's money rounding."""


class CommissionBracket(Model):
    """From this amount (inclusive) upward the rate applies."""

    min: NonNegNum
    rate: NonNegQuantity


class Accelerator(Model):
    """Above ``from_attainment`` of target the commission is multiplied."""

    from_attainment: PosQuantity
    multiplier: PosNum
    scope: AcceleratorScope = AcceleratorScope.EXCESS


class CommissionIncentive(Model):
    """Commission on a money indicator (e.g. sales_amount) by brackets.

    ``step``: the whole amount at the rate of the highest bracket reached;
    ``marginal``: each slice at its bracket's rate.  Accelerators: for each slice
    of the amount above ``from_attainment × target`` the slice's commission is
    multiplied (``excess``), or the whole commission is (``whole``); when several
    apply, the highest threshold's multiplier wins for a slice.
    """

    kind: Literal["commission"]
    id: Identifier
    title: Text
    indicator: Identifier
    """The money indicator commission is paid on, e.g. ``sales_amount``."""
    schedule: CommissionSchedule
    brackets: tuple[CommissionBracket, ...] = Field(min_length=1)
    accelerators: tuple[Accelerator, ...] = ()
    cap: NonNegNum | None = None
    rounding: Rounding | None = None


class PoolIncentive(Model):
    """A fixed pool divided exactly among eligible subjects (see :class:`PoolAllocation`)."""

    kind: Literal["pool"]
    id: Identifier
    title: Text
    amount: PosNum
    """The pool; with ``per: team`` one pool of this amount per team."""
    per: GroupScope = GroupScope.ALL
    allocation: PoolAllocation
    eligible_tiers: tuple[Code, ...] = ()
    """Only subjects in these tiers share; empty: everyone."""
    points_by_tier: dict[Code, NonNegNum] = {}
    rounding: Rounding | None = None


class AwardIncentive(Model):
    """A non-monetary award (e.g. 最佳客户奖) for the top ``top`` subjects.

    Ties at the cut-off are broken by subject id, ascending.
    """

    kind: Literal["award"]
    id: Identifier
    title: Text
    award: Text
    rank_by: AwardRankBy = AwardRankBy.TOTAL
    indicator: Identifier | None = None
    """With ``rank_by: indicator``: the indicator; its direction decides best."""
    top: Annotated[StrictInt, Field(ge=1)] = 1
    per: GroupScope = GroupScope.ALL
    min_tier: Code | None = None


AnyIncentive = BonusIncentive | CommissionIncentive | PoolIncentive | AwardIncentive

Incentive = Annotated[
    BonusIncentive | CommissionIncentive | PoolIncentive | AwardIncentive,
    Field(discriminator="kind"),
]


# ── improvement rules ──────────────────────────────────────────────────────────


class BelowThreshold(Model):
    """Fires when an item's value, attainment or score is below ``below``.

    For a lower-is-better value "below" means worse, i.e. above the threshold.
    Without ``indicator`` the scorecard total (``measure: score``) is tested.
    """

    condition: Literal["below_threshold"]
    indicator: Identifier | None = None
    measure: ScoreMeasure = ScoreMeasure.VALUE
    below: Quantity


class BelowTargetInARow(Model):
    """Fires when attainment of an indicator was < 100 % in the last ``periods``
    periods, the current one included."""

    condition: Literal["below_target_in_a_row"]
    indicator: Identifier
    periods: Annotated[StrictInt, Field(ge=2, le=24)]


class WorstInTeam(Model):
    """Fires for the ``k`` worst subjects of each team (ties by subject id)."""

    condition: Literal["worst_in_team"]
    indicator: Identifier | None = None
    """Without an indicator: the total score."""
    measure: ScoreMeasure = ScoreMeasure.SCORE
    k: Annotated[StrictInt, Field(ge=1)] = 1
    team_by: TeamGrouping = TeamGrouping.TEAM_COLUMN


class TierIn(Model):
    """Fires when the final tier (after gates) is one of ``tiers``."""

    condition: Literal["tier_in"]
    tiers: tuple[Code, ...] = Field(min_length=1)


AnyCondition = BelowThreshold | BelowTargetInARow | WorstInTeam | TierIn

Condition = Annotated[
    BelowThreshold | BelowTargetInARow | WorstInTeam | TierIn,
    Field(discriminator="condition"),
]


class FollowUp(Model):
    """How the action's success is measured: a target for an indicator by a period.

    Exactly one of ``target`` (a value) or ``improve_by`` (a fraction of the current
    value, in the better direction) is given.
    """

    indicator: Identifier
    target: Quantity | None = None
    improve_by: PosQuantity | None = None
    within_periods: Annotated[StrictInt, Field(ge=1, le=12)] = 1

    @model_validator(mode="after")
    def _one_goal(self) -> Self:
        if (self.target is None) == (self.improve_by is None):
            raise ValueError("give exactly one of target or improve_by")
        return self


class ImprovementRule(Model):
    """Condition → SMART action: what (``action``), who (``owner``), by when
    (``due_in_days`` after period end), measured how (``follow_up``)."""

    id: Identifier
    when: Condition
    action: Text
    owner: Code
    """``self`` (the person appraised), ``manager`` (their manager; for a client, the
    account manager who owns it, ``customers.owner_id``) or a staff role code."""
    due_in_days: Annotated[StrictInt, Field(ge=1, le=366)]
    follow_up: FollowUp | None = None


# ── tiers ──────────────────────────────────────────────────────────────────────


class TierBand(Model):
    """A rating tier: code, bilingual label and the band of totals it covers."""

    code: Code
    label: Text
    min: Num | None = None
    """Omitted on the lowest band (open below)."""
    max: Num | None = None
    """Omitted on the highest band (open above)."""


class TierTable(Model):
    """Rating tiers over totals: contiguous bands, open at both ends."""

    id: Identifier
    title: Text | None = None
    boundaries: Boundaries = Boundaries.LOWER_INCLUSIVE
    bands: tuple[TierBand, ...] = Field(min_length=1)

    def ascending(self) -> tuple[TierBand, ...]:
        """Bands from worst to best (the open-below band first)."""
        return tuple(
            sorted(self.bands, key=lambda b: (b.min is not None, b.min if b.min else Decimal(0)))
        )


class Scorecard(Model):
    """The appraisal of one kind of subject: sections of weighted items, tiers,
    gates, incentives and improvement rules.

    A person scorecard applies to staff whose ``role`` is in ``roles``.  It may use
    team indicators; these are read for the team the person leads (their subtree
    under ``manager_tree`` or their ``staff.team`` under ``team_column``).
    """

    id: Identifier
    title: Text
    subject: SubjectKind
    roles: tuple[Code, ...] = ()
    """For person scorecards: the staff roles appraised; empty: every role."""
    sections: tuple[Section, ...] = Field(min_length=1)
    tiers: Identifier
    """The id of the tier table."""
    gates: tuple[Gate, ...] = ()
    incentives: tuple[Incentive, ...] = ()
    improvement: tuple[ImprovementRule, ...] = ()


# ── client segmentation ────────────────────────────────────────────────────────


class RfmPart(Model):
    """Scores one RFM dimension 1–5 from an indicator of client subject."""

    indicator: Identifier
    method: RfmMethod = RfmMethod.QUINTILES
    boundaries: Boundaries = Boundaries.LOWER_INCLUSIVE
    bands: tuple[ScoreBand, ...] = ()
    """For ``bands``: value bands with scores 1–5."""


class RfmWeights(Model):
    """Relative weights of R, F and M: rfm_score = Σ wᵢ·scoreᵢ / Σ wᵢ (default equal)."""

    recency: NonNegNum
    frequency: NonNegNum
    monetary: NonNegNum


class Rfm(Model):
    """RFM scoring: names ``r_score``, ``f_score``, ``m_score`` (1–5) and
    ``rfm_score`` (their weighted mean, 1–5) become usable in segment conditions.

    A lower-is-better indicator (recency: days since the last order) gets 5 for
    its best (lowest) quintile."""

    recency: RfmPart
    frequency: RfmPart
    monetary: RfmPart
    weights: RfmWeights = RfmWeights(recency=Decimal(1), frequency=Decimal(1), monetary=Decimal(1))


class Segment(Model):
    """A client tier (客户分层) and what to do for its clients.

    Segments are tried in order; the first whose ``when`` holds wins.  The last
    segment has no ``when`` and catches everyone else.
    """

    code: Code
    label: Text
    when: ExprText | None = None
    actions: tuple[Text, ...] = ()
    reward: Text | None = None


class Segmentation(Model):
    """Client segmentation from RFM scores and client indicators (CLV, tenure...)."""

    id: Identifier
    title: Text
    rfm: Rfm | None = None
    segments: tuple[Segment, ...] = Field(min_length=1)


# ── files and rule sets ────────────────────────────────────────────────────────


class Sections(Model):
    """The content sections shared by a rule file and a merged rule set."""

    indicators: tuple[Indicator, ...] = ()
    targets: tuple[TargetRule, ...] = ()
    tier_tables: tuple[TierTable, ...] = ()
    scorecards: tuple[Scorecard, ...] = ()
    segmentations: tuple[Segmentation, ...] = ()


class RuleFile(Sections):
    """One YAML file as written; ``include`` pulls in further files of sections."""

    schema_version: Literal["v1.0"]
    include: tuple[RelPath, ...] = ()
    metadata: Metadata | None = None
    settings: Settings | None = None


class RuleSet(Sections):
    """A complete, merged rule set: what the engine evaluates."""

    schema_version: Literal["v1.0"] = "v1.0"
    metadata: Metadata
    settings: Settings = Settings()

    @property
    def ref(self) -> RuleSetRef:
        """This rule set's id and version."""
        return RuleSetRef(self.metadata.id, self.metadata.version)

    def indicator(self, indicator_id: str | IndicatorRef) -> AnyIndicator:
        """The indicator with this id (KeyError when absent)."""
        wanted = str(indicator_id)
        for indicator in self.indicators:
            if indicator.id == wanted:
                return indicator
        raise KeyError(wanted)

    def scorecard(self, scorecard_id: str | ScorecardRef) -> Scorecard:
        """The scorecard with this id (KeyError when absent)."""
        wanted = str(scorecard_id)
        for card in self.scorecards:
            if card.id == wanted:
                return card
        raise KeyError(wanted)

    def tier_table(self, table_id: str) -> TierTable:
        """The tier table with this id (KeyError when absent)."""
        for table in self.tier_tables:
            if table.id == table_id:
                return table
        raise KeyError(table_id)

    def target_rule(self, indicator_id: str | IndicatorRef) -> TargetRule | None:
        """The target rule of an indicator, if any."""
        wanted = str(indicator_id)
        return next((t for t in self.targets if t.indicator == wanted), None)
