"""The SQL engine agrees with the hand-computed golden cases and with the reference evaluator.

Each golden case's rows are loaded into a fresh database on every backend
(DuckDB, SQLite, PostgreSQL).  The engine's measured values frames (every
indicator's value and target) and its whole evaluation through
``appraisal.evaluate`` (item scores, sections, totals, tiers, gates,
incentives, awards, plans, client results and segments read back from the
run) must equal both the case's hand-computed expectations and the naive
reference evaluator.  A Hypothesis test does the same on random small datasets
for one fixed rule set that uses most of the rule language
(``APPRAISAL_AGREEMENT_EXAMPLES`` examples per backend, default 5).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Connection, Engine

from appraisal.engine.context import EvaluationContext
from appraisal.engine.frame import ValuesFrame, target_column, value_column
from appraisal.engine.measure import measure
from appraisal.errors import IssueLevel
from appraisal.periods import Period
from appraisal.spec.models import Rounding, RuleSet
from appraisal.store.database import connect, create_schema
from appraisal.store.schema import ENTITIES
from appraisal.validation.validator import validate_ruleset
from tests.golden import (
    NA,
    Expect,
    ExpectedSubject,
    GoldenCase,
    load_cases,
    mismatches,
    ruleset_from_text,
)
from tests.reference import (
    Dataset,
    ItemResult,
    PlanItem,
    ReferenceResult,
    ScorecardResult,
    SegmentResult,
    SubjectResult,
    evaluate_reference,
)

CASES = load_cases()


def load_dataset(engine: Engine, dataset: Dataset) -> None:
    """Create the built-in tables and insert every row of the dataset."""
    create_schema(engine)
    with engine.begin() as conn:
        for entity, table in ENTITIES.items():
            rows = dataset.rows(entity)
            if rows:
                conn.execute(table.insert(), [dict(r) for r in rows])


def clear_tables(engine: Engine) -> None:
    """Delete every row of the built-in tables (between Hypothesis examples)."""
    with engine.begin() as conn:
        for table in reversed(ENTITIES.values()):
            conn.execute(table.delete())


def exact(value: object) -> Decimal | str | None:
    """A database value as an exact Decimal; anything inexact is returned as a text to report."""
    if value is None:
        return None
    if isinstance(value, bool):
        return f"boolean {value}"
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value
    return f"{type(value).__name__} {value!r}"


def read_frame(conn: Connection, frame: ValuesFrame) -> dict[str, dict[str, Any]]:
    """subject id → {column: value} of a materialised values frame."""
    rows = conn.execute(sa.select(frame.table)).mappings().all()
    return {str(r["subject_id"]): dict(r) for r in rows}


def measure_case(
    engine: Engine, ruleset: RuleSet, period: Period, timezone: str
) -> dict[str, tuple[ValuesFrame, dict[str, dict[str, Any]]]]:
    """Scorecard id → (frame, rows) measured by the engine, every indicator included."""
    ctx = EvaluationContext(ruleset, period, timezone=timezone)
    every = [i.id for i in ruleset.indicators]
    with engine.begin() as conn:
        frames = measure(conn, ctx, indicators=every)
        return {f.scorecard_id: (f, read_frame(conn, f)) for f in frames}


def _show(value: object) -> str:
    return NA if value is None else str(value)


def frame_disagreements(
    measured: Mapping[str, tuple[ValuesFrame, dict[str, dict[str, Any]]]],
    reference: ReferenceResult,
) -> Iterator[str]:
    """Every value or target where the engine's frames and the reference differ."""
    for card_id, card in reference.scorecards.items():
        if card_id not in measured:
            yield f"{card_id}: the engine measured no frame"
            continue
        frame, rows = measured[card_id]
        if set(rows) != set(card.subjects):
            yield f"{card_id}: engine subjects {sorted(rows)}, reference {sorted(card.subjects)}"
        for subject_id, expected in card.subjects.items():
            row = rows.get(subject_id)
            if row is None:
                continue
            checks = [(i, value_column(i), expected.values.get(i)) for i in frame.indicators]
            checks += [
                (f"target of {i}", target_column(i), expected.targets.get(i))
                for i in frame.targeted
            ]
            for name, column, want in checks:
                got = exact(row[column])
                if got != want:
                    where = f"{card_id}/{subject_id} {name}"
                    yield f"{where}: engine {_show(got)}, reference {_show(want)}"


def golden_value_disagreements(
    case: GoldenCase, measured: Mapping[str, tuple[ValuesFrame, dict[str, dict[str, Any]]]]
) -> Iterator[str]:
    """Hand-computed values and targets the engine's frames do not reproduce."""
    for card_id, subjects in case.expect.scorecards.items():
        if card_id not in measured:
            continue
        _frame, rows = measured[card_id]
        for subject_id, want in subjects.items():
            row = rows.get(subject_id)
            if row is None:
                yield f"{card_id}/{subject_id}: missing from the engine's frame"
                continue
            pairs = [(k, value_column(k), v) for k, v in want.values.items()]
            pairs += [(f"target of {k}", target_column(k), v) for k, v in want.targets.items()]
            for name, column, expected in pairs:
                if column not in row:
                    continue  # not measured in this frame: checked by the full evaluation
                got = exact(row[column])
                ok = got is None if expected == NA else got == expected
                if not ok:
                    yield f"{card_id}/{subject_id} {name}: engine {_show(got)}, by hand {expected}"


def test_exact_refuses_inexact_values() -> None:
    assert exact(3) == Decimal(3)
    assert exact(Decimal("1.50")) == Decimal("1.5")
    assert exact(None) is None
    assert exact(1.5) == "float 1.5"
    assert exact(date(2026, 7, 1)) == "date datetime.date(2026, 7, 1)"
    assert isinstance(exact(datetime(2026, 7, 1, tzinfo=UTC)), str)


# ── the whole evaluation: appraisal.evaluate ─────────────────────────────────────


def _engine_evaluate() -> Any:
    try:
        import appraisal

        return appraisal.evaluate
    except (ImportError, AttributeError):
        return None


ENGINE_EVALUATE = _engine_evaluate()
"""The whole evaluation; until it exists only the measured frames are compared."""


def run_engine(
    url: str, root: Path, ruleset: RuleSet, period: Period, timezone: str
) -> ReferenceResult:
    """Evaluate with the SQL engine and restate its results in the reference's terms.

    Person results come with the typed result; clients' are read back from the run
    with the engine's readers (a large company's clients are never all in memory).
    """
    from appraisal.engine.results import stored_segments, stored_subjects
    from appraisal.workspace import Workspace

    space = Workspace(root=root, database_url=url, timezone=timezone)
    engine = connect(url)
    try:
        result = ENGINE_EVALUATE(ruleset, period, database=engine, workspace=space)
        assert result.run is not None
        run_id = result.run.run_id
        cards: dict[str, ScorecardResult] = {}
        segmentations: dict[str, dict[str, SegmentResult]] = {}
        with engine.connect() as conn:
            for card in result.scorecards:
                subjects = card.subjects
                if len(subjects) < card.subject_count:
                    subjects = stored_subjects(conn, run_id, ruleset, card.scorecard_id)
                cards[card.scorecard_id] = ScorecardResult(
                    card.scorecard_id, {s.subject_id: _subject(s) for s in subjects}
                )
            for seg in result.segmentations:
                segmentations[seg.segmentation_id] = {
                    c.subject_id: SegmentResult(
                        c.subject_id,
                        _score(c.r_score),
                        _score(c.f_score),
                        _score(c.m_score),
                        c.rfm_score,
                        c.segment,
                    )
                    for c in stored_segments(conn, run_id, ruleset, seg.segmentation_id)
                }
    finally:
        engine.dispose()
    return ReferenceResult(period.code, cards, segmentations)


def _score(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _subject(s: Any) -> SubjectResult:
    """An engine subject result in the reference's terms."""
    items = tuple(
        ItemResult(i.section, i.indicator, i.weight, i.value, i.target, i.score) for i in s.items
    )
    money = {i.incentive: i.amount for i in s.incentives if i.kind != "award"}
    awards = {i.incentive: i.rank for i in s.incentives if i.kind == "award" and i.rank}
    plan = tuple(
        PlanItem(
            p.rule,
            p.owner_id,
            p.due_on,
            p.follow_up_indicator,
            p.follow_up_target,
            p.follow_up_period,
        )
        for p in s.plan
    )
    return SubjectResult(
        subject_id=s.subject_id,
        values={i.indicator: i.value for i in items},
        targets={i.indicator: i.target for i in items},
        items=items,
        sections={x.section: x.score for x in s.sections},
        total=s.total,
        tier_before_gates=s.tier_before_gates,
        gates=tuple(s.gates_fired),
        tier=s.tier,
        withheld=s.incentives_withheld,
        incentives=money,
        awards=awards,
        plan=plan,
    )


def only_item_values(expect: Expect, result: ReferenceResult) -> Expect:
    """The expectations without values and targets of indicators that are not items.

    The evaluation reports values of scored items only; the others are checked in
    the measured frames by :func:`test_measured_values_agree`.
    """
    cards: dict[str, dict[str, ExpectedSubject]] = {}
    for card_id, subjects in expect.scorecards.items():
        card = result.scorecards.get(card_id)
        cards[card_id] = {}
        for subject_id, want in subjects.items():
            got = card.subjects.get(subject_id) if card else None
            known = set(got.values) if got else set()
            cards[card_id][subject_id] = want.model_copy(
                update={
                    "values": {k: v for k, v in want.values.items() if k in known},
                    "targets": {k: v for k, v in want.targets.items() if k in known},
                }
            )
    return expect.model_copy(update={"scorecards": cards})


def result_disagreements(
    engine: ReferenceResult, reference: ReferenceResult, score_rounding: Rounding
) -> Iterator[str]:
    """Every number, tier, incentive, plan item and segment where engine and reference differ.

    Section scores may be shown rounded like item scores (the total is computed
    from the unrounded ones, which the totals compared here check).
    """
    for card_id, card in reference.scorecards.items():
        got_card = engine.scorecards.get(card_id)
        if got_card is None:
            yield f"{card_id}: missing from the engine's results"
            continue
        if set(got_card.subjects) != set(card.subjects):
            yield (
                f"{card_id}: engine subjects {sorted(got_card.subjects)}, "
                f"reference {sorted(card.subjects)}"
            )
        for subject_id, want in card.subjects.items():
            got = got_card.subjects.get(subject_id)
            if got is not None:
                where = f"{card_id}/{subject_id}"
                yield from _subject_disagreements(where, got, want, score_rounding)
    for seg_id, clients in reference.segmentations.items():
        found = engine.segmentations.get(seg_id, {})
        for client_id, want_segment in clients.items():
            got_segment = found.get(client_id)
            if got_segment != want_segment:
                yield f"{seg_id}/{client_id}: engine {got_segment}, reference {want_segment}"


def _subject_disagreements(
    where: str, got: SubjectResult, want: SubjectResult, score_rounding: Rounding
) -> Iterator[str]:
    items = {i.indicator: i for i in got.items}
    for item in want.items:
        found = items.get(item.indicator)
        if found is None:
            yield f"{where}: item {item.indicator} missing"
            continue
        for name in ("value", "target", "score"):
            a, b = getattr(found, name), getattr(item, name)
            if a != b:
                yield f"{where} {name} of {item.indicator}: engine {_show(a)}, reference {_show(b)}"
    for section, score in want.sections.items():
        shown = None if score is None else score_rounding.apply(score)
        if got.sections.get(section) not in (score, shown):
            engine_score = _show(got.sections.get(section))
            yield f"{where} section {section}: engine {engine_score}, reference {_show(score)}"
    singles = ("total", "tier_before_gates", "gates", "tier", "withheld", "awards", "plan")
    for name in singles:
        a, b = getattr(got, name), getattr(want, name)
        if (dict(a) if isinstance(a, Mapping) else a) != (dict(b) if isinstance(b, Mapping) else b):
            yield f"{where} {name}: engine {_show(a)}, reference {_show(b)}"
    for incentive, amount in want.incentives.items():
        if got.incentives.get(incentive) != amount:
            engine_amount = _show(got.incentives.get(incentive))
            yield f"{where} incentive {incentive}: engine {engine_amount}, reference {amount}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_engine_reproduces_golden_case(
    case: GoldenCase, db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Measured values and targets, then the whole evaluation, against hand and reference."""
    if case.engine_disagreement:
        request.applymarker(pytest.mark.xfail(reason=case.engine_disagreement, strict=True))
    ruleset, dataset = case.ruleset(), case.dataset()
    reference = evaluate_reference(ruleset, case.the_period, dataset, case.timezone)
    engine = connect(db_url)
    try:
        load_dataset(engine, dataset)
        measured = measure_case(engine, ruleset, case.the_period, case.timezone)
    finally:
        engine.dispose()
    problems = [f"measured: {p}" for p in golden_value_disagreements(case, measured)]
    problems += [f"measured: {p}" for p in frame_disagreements(measured, reference)]
    if ENGINE_EVALUATE is not None:
        result = run_engine(db_url, tmp_path, ruleset, case.the_period, case.timezone)
        problems += mismatches(only_item_values(case.expect, result), result)
        rounding = ruleset.settings.score_rounding
        problems += [
            f"vs reference: {p}" for p in result_disagreements(result, reference, rounding)
        ]
    assert not problems, "\n".join(problems)


# ── random data: engine and reference on one fixed rule set ────────────────────

RANDOM_RULES = """
settings: {period: quarter}
indicators:
  - {id: sales_amount, kind: aggregate, title: {en: Sales}, unit: money, direction: higher,
     subject: person, aggregate: sum, entity: orders, measure: amount,
     filter: "status <> 'cancelled'", link: staff_id, window: {mode: in_period, column: ordered_on}}
  - {id: sales_last_year, kind: aggregate, title: {en: Sales LY}, unit: money, direction: higher,
     subject: person, aggregate: sum, entity: orders, measure: amount,
     filter: "status <> 'cancelled'", link: staff_id,
     window: {mode: same_period_last_year, column: ordered_on}}
  - {id: growth, kind: formula, title: {en: Growth}, unit: percent, direction: higher,
     subject: person, formula: (sales_amount - sales_last_year) / sales_last_year}
  - {id: orders_count, kind: aggregate, title: {en: Orders}, unit: count, direction: higher,
     subject: person, aggregate: count, entity: orders, filter: "status in ('open', 'delivered')",
     link: staff_id, window: {mode: in_period, column: ordered_on}}
  - {id: avg_deal, kind: aggregate, title: {en: Avg deal}, unit: money, direction: higher,
     subject: person, aggregate: avg, entity: orders, measure: amount,
     filter: "status in ('open', 'delivered')", link: staff_id,
     window: {mode: in_period, column: ordered_on}}
  - {id: customers_served, kind: aggregate, title: {en: Served}, unit: count, direction: higher,
     subject: person, aggregate: count_distinct, entity: orders, measure: customer_id,
     filter: "status <> 'cancelled'", link: staff_id, window: {mode: in_period, column: ordered_on}}
  - {id: repeat_rate, kind: aggregate, title: {en: Repeat}, unit: percent, direction: higher,
     subject: person, aggregate: share, entity: orders, filter: "status in ('open', 'delivered')",
     per: {by: customer_id, aggregate: count, name: orders}, share_where: orders >= 2,
     link: staff_id, window: {mode: trailing, column: ordered_on, periods: 4, grain: quarter}}
  - {id: delivered_share, kind: aggregate, title: {en: Delivered}, unit: percent,
     direction: higher, subject: person, aggregate: share, entity: orders, measure: amount,
     filter: "status <> 'cancelled'", share_where: "status = 'delivered'", link: staff_id,
     window: {mode: in_period, column: ordered_on}, on_zero_denominator: zero}
  - {id: owned_sales, kind: aggregate, title: {en: Owned sales}, unit: money, direction: higher,
     subject: person, aggregate: sum, entity: orders, measure: amount,
     filter: "status <> 'cancelled'", link: customer.owner_id,
     window: {mode: in_period, column: ordered_on}}
  - {id: new_customers, kind: aggregate, title: {en: New}, unit: count, direction: higher,
     subject: person, aggregate: count, entity: customers, link: owner_id,
     window: {mode: in_period, column: acquired_on}}
  - {id: customers_at_start, kind: aggregate, title: {en: Start}, unit: count, direction: higher,
     subject: person, aggregate: count, entity: customers, link: owner_id,
     window: {mode: as_of_start, column: acquired_on, until: churned_on}}
  - {id: customers_at_end, kind: aggregate, title: {en: End}, unit: count, direction: higher,
     subject: person, aggregate: count, entity: customers, link: owner_id,
     window: {mode: as_of_end, column: acquired_on, until: churned_on}}
  - {id: retention_rate, kind: formula, title: {en: Retention}, unit: percent, direction: higher,
     subject: person, formula: (customers_at_end - new_customers) / customers_at_start}
  - {id: csat, kind: aggregate, title: {en: CSAT}, unit: score, direction: higher,
     subject: person, aggregate: avg, entity: surveys, measure: satisfaction,
     filter: satisfaction is not null, link: customer.owner_id,
     window: {mode: in_period, column: answered_on}}
  - {id: promoters, kind: aggregate, title: {en: Promoters}, unit: percent, direction: higher,
     subject: person, aggregate: share, entity: surveys, filter: nps is not null,
     share_where: nps >= 9, link: staff_id, window: {mode: in_period, column: answered_on}}
  - {id: detractors, kind: aggregate, title: {en: Detractors}, unit: percent, direction: lower,
     subject: person, aggregate: share, entity: surveys, filter: nps is not null,
     share_where: nps <= 6, link: staff_id, window: {mode: in_period, column: answered_on}}
  - {id: nps, kind: formula, title: {en: NPS}, unit: score, direction: higher, subject: person,
     formula: (promoters - detractors) * 100, rounding: {places: 1}}
  - {id: interactions, kind: aggregate, title: {en: Interactions}, unit: count,
     direction: higher, subject: person, aggregate: count, entity: interactions,
     link: staff_id, window: {mode: in_period, column: occurred_at}}
  - {id: team_sales, kind: aggregate, title: {en: Team sales}, unit: money, direction: higher,
     subject: team, team_by: team_column, aggregate: sum, entity: orders, measure: amount,
     filter: "status <> 'cancelled'", link: staff_id, window: {mode: in_period, column: ordered_on}}
  - {id: conduct, kind: rating, title: {en: Conduct}, unit: score, direction: higher,
     subject: person, criterion: conduct}
  - {id: resolution_hours, kind: aggregate, title: {en: Resolution hours}, unit: hours,
     direction: lower, subject: person, aggregate: avg, entity: tickets,
     measure: "hours_between(opened_at, resolved_at)", filter: resolved_at is not null,
     link: staff_id, window: {mode: in_period, column: resolved_at}}
  - {id: complaints, kind: aggregate, title: {en: Complaints}, unit: count, direction: lower,
     subject: person, aggregate: count, entity: tickets, filter: is_complaint, link: staff_id,
     window: {mode: in_period, column: opened_at}}
  - {id: tree_sales, kind: aggregate, title: {en: Tree sales}, unit: money, direction: higher,
     subject: team, team_by: manager_tree, aggregate: sum, entity: orders, measure: amount,
     filter: "status <> 'cancelled'", link: staff_id, window: {mode: in_period, column: ordered_on}}
  - {id: recency, kind: aggregate, title: {en: Recency}, unit: days, direction: lower,
     subject: client, aggregate: min, entity: orders,
     measure: "days_between(ordered_on, period_end)", filter: "status in ('open', 'delivered')",
     link: customer_id, window: {mode: up_to_end, column: ordered_on},
     on_empty: not_applicable}
  - {id: frequency, kind: aggregate, title: {en: Frequency}, unit: count, direction: higher,
     subject: client, aggregate: count, entity: orders,
     filter: "status in ('open', 'delivered')", link: customer_id,
     window: {mode: trailing, column: ordered_on, periods: 4, grain: quarter}}
  - {id: monetary, kind: aggregate, title: {en: Monetary}, unit: money, direction: higher,
     subject: client, aggregate: sum, entity: orders, measure: amount,
     filter: "status <> 'cancelled'", link: customer_id,
     window: {mode: trailing, column: ordered_on, periods: 4, grain: quarter}}
  - {id: client_csat, kind: aggregate, title: {en: Client CSAT}, unit: score, direction: higher,
     subject: client, aggregate: avg, entity: surveys, measure: satisfaction,
     filter: satisfaction is not null, link: customer_id,
     window: {mode: trailing, column: answered_on, periods: 2, grain: quarter}}
targets:
  - {indicator: sales_amount, period: quarter, default: 5000, from_table: true,
     by_role: {rep: 4500}, overrides: [{subject: S2, value: 3000, period: 2026Q3}]}
  - {indicator: team_sales, period: quarter, default: 9000}
  - {indicator: resolution_hours, period: quarter, default: 24}
  - {indicator: complaints, period: quarter, default: 2}
  - {indicator: monetary, period: quarter, default: 4000}
tier_tables:
  - id: abcd
    bands:
      - {code: A, label: {en: A}, min: 100}
      - {code: B, label: {en: B}, min: 80, max: 100}
      - {code: C, label: {en: C}, min: 60, max: 80}
      - {code: D, label: {en: D}, max: 60}
scorecards:
  - id: rep
    title: {en: Rep}
    subject: person
    roles: [rep]
    tiers: abcd
    sections:
      - id: results
        title: {en: Results}
        share: 70
        items:
          - {indicator: sales_amount, weight: 40, scoring: {method: attainment, cap: 130}}
          - indicator: customers_served
            weight: 20
            scoring:
              method: linear
              basis: absolute
              threshold: {at: 1, score: 60}
              target: {at: 3, score: 100}
              stretch: {at: 5, score: 120}
          - indicator: delivered_share
            weight: 20
            scoring: {method: pass_fail, basis: absolute, threshold: 50%}
          - {indicator: team_sales, weight: 20, scoring: {method: attainment, cap: 120},
             if_not_applicable: zero}
      - id: quality
        title: {en: Quality}
        share: 30
        items:
          - indicator: csat
            weight: 50
            scoring:
              method: bands
              basis: absolute
              bands:
                - {min: 4.5, score: 100}
                - {min: 3.5, max: 4.5, score: 80}
                - {max: 3.5, score: 40}
          - {indicator: conduct, weight: 50, scoring: {method: scale, mapping: linear}}
    gates:
      - {id: csat_floor, title: {en: CSAT floor}, when: csat < 3, cap_tier: C}
    incentives:
      - kind: bonus
        id: bonus
        title: {en: Bonus}
        base: {default: 1000}
        multiplier_by_tier: {A: 1.5, B: 1.2, C: 0.5, D: 0}
      - kind: commission
        id: commission
        title: {en: Commission}
        indicator: sales_amount
        schedule: marginal
        brackets: [{min: 0, rate: 2%}, {min: 4000, rate: 3.5%}]
        accelerators: [{from_attainment: 120%, multiplier: 1.5, scope: excess}]
        cap: 2000
      - kind: pool
        id: pool
        title: {en: Pool}
        amount: 1000
        allocation: by_score
        eligible_tiers: [A, B, C]
      - {kind: award, id: star, title: {en: Star}, award: {en: Star}, top: 1}
      - {kind: award, id: team_star, title: {en: Team star}, award: {en: Star}, top: 1,
         per: team, min_tier: C}
      - kind: commission
        id: kicker
        title: {en: Kicker}
        indicator: sales_amount
        schedule: step
        brackets: [{min: 0, rate: 0%}, {min: 3000, rate: 1%}, {min: 6000, rate: 2%}]
        accelerators: [{from_attainment: 100%, multiplier: 2, scope: whole}]
      - kind: pool
        id: team_pool
        title: {en: Team pool}
        amount: 100
        per: team
        allocation: by_points
        points_by_tier: {A: 3, B: 2, C: 1, D: 0}
    improvement:
      - id: low_sales
        when: {condition: below_threshold, indicator: sales_amount, below: 2000}
        action: {en: Plan}
        owner: self
        due_in_days: 30
        follow_up: {indicator: sales_amount, improve_by: 20%}
      - id: two_quarters
        when: {condition: below_target_in_a_row, indicator: sales_amount, periods: 2}
        action: {en: Review}
        owner: manager
        due_in_days: 14
      - id: coaching
        when: {condition: worst_in_team, k: 1}
        action: {en: Coaching}
        owner: manager
        due_in_days: 7
      - id: pip
        when: {condition: tier_in, tiers: [D]}
        action: {en: PIP}
        owner: self
        due_in_days: 10
  - id: extras
    title: {en: Every other indicator}
    subject: person
    roles: [rep]
    tiers: abcd
    sections:
      - id: all
        title: {en: All}
        share: 99.5
        items:
          - {indicator: growth, weight: 10,
             scoring: {method: pass_fail, basis: absolute, threshold: 10%}}
          - {indicator: orders_count, weight: 10, scoring: {method: direct}}
          - indicator: avg_deal
            weight: 10
            scoring:
              method: bands
              basis: absolute
              boundaries: upper_inclusive
              bands:
                - {max: 1000, score: 20}
                - {min: 1000, max: 3000, score: 60}
                - {min: 3000, score: 100}
          - {indicator: repeat_rate, weight: 10,
             scoring: {method: pass_fail, basis: absolute, threshold: 30%}}
          - {indicator: owned_sales, weight: 10, scoring: {method: direct, cap: 100}}
          - {indicator: retention_rate, weight: 10, scoring: {method: direct, cap: 100}}
          - {indicator: nps, weight: 20, scoring: {method: direct, floor: 0, cap: 100}}
          - {indicator: interactions, weight: 10,
             scoring: {method: pass_fail, basis: absolute, threshold: 2}}
          - {indicator: conduct, weight: 5, scoring: {method: scale}}
          - {indicator: tree_sales, weight: 5, scoring: {method: direct, cap: 100}}
      - id: service
        title: {en: Service}
        share: 0.5
        items:
          - indicator: resolution_hours
            weight: 50
            scoring:
              method: linear
              threshold: {at: 200%, score: 40}
              target: {at: 100%, score: 100}
              stretch: {at: 50%, score: 120}
          - {indicator: complaints, weight: 50, scoring: {method: attainment, cap: 150}}
    improvement:
      - id: tree_coaching
        when: {condition: worst_in_team, k: 1, team_by: manager_tree}
        action: {en: Coaching}
        owner: manager
        due_in_days: 7
      - id: director_review
        when: {condition: below_threshold, measure: score, below: 30}
        action: {en: Review}
        owner: director
        due_in_days: 21
  - id: client
    title: {en: Client}
    subject: client
    tiers: abcd
    sections:
      - id: value
        title: {en: Value}
        share: 60
        items:
          - {indicator: monetary, weight: 70, scoring: {method: attainment, cap: 150}}
          - indicator: frequency
            weight: 30
            scoring:
              method: linear
              basis: absolute
              threshold: {at: 1, score: 50}
              target: {at: 3, score: 100}
      - id: satisfaction
        title: {en: Satisfaction}
        share: 40
        items:
          - indicator: client_csat
            weight: 100
            if_not_applicable: zero
            scoring:
              method: bands
              basis: absolute
              bands:
                - {min: 4, score: 100}
                - {min: 3, max: 4, score: 70}
                - {max: 3, score: 30}
    gates:
      - {id: gone_quiet, title: {en: Gone quiet}, when: recency > 120, cap_tier: C}
    incentives:
      - {kind: award, id: best_client, title: {en: Best client}, award: {en: Gala}, top: 2,
         min_tier: B}
segmentations:
  - id: rfm
    title: {en: RFM}
    rfm:
      recency: {indicator: recency}
      frequency: {indicator: frequency}
      monetary: {indicator: monetary}
      weights: {recency: 1, frequency: 1, monetary: 2}
    segments:
      - {code: champions, label: {en: Champions}, when: rfm_score >= 4}
      - {code: at_risk, label: {en: At risk}, when: r_score <= 2 and m_score >= 3}
      - {code: steady, label: {en: Steady}, when: f_score >= 3 or client_csat >= 4}
      - {code: others, label: {en: Others}}
"""

RANDOM_RULESET = ruleset_from_text("random_rules", RANDOM_RULES)


def test_random_rules_are_valid() -> None:
    issues = validate_ruleset(RANDOM_RULESET).issues
    assert [i.message for i in issues if i.level is IssueLevel.ERROR] == []


RANDOM_PERIOD = Period.parse("2026Q3")
STAFF = ("S1", "S2", "S3")
CUSTOMERS = ("C1", "C2", "C3", "C4")
ZONE = "Asia/Shanghai"


def _days(start: date, end: date) -> st.SearchStrategy[date]:
    return st.dates(min_value=start, max_value=end)


@st.composite
def random_rows(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    """A few staff, customers, orders, surveys, interactions and ratings, dates around 2026Q3."""
    staff = [
        {
            "staff_id": s,
            "name": s,
            "role": "rep",
            "team": draw(st.sampled_from(["T1", "T2"])),
            "manager_id": draw(st.sampled_from(["M1", *STAFF[:k]])),
            "hired_on": draw(st.none() | _days(date(2025, 1, 1), date(2026, 12, 31))),
            "left_on": draw(st.none() | _days(date(2026, 1, 1), date(2027, 3, 31))),
        }
        for k, s in enumerate(STAFF)
    ]
    staff.append(
        {"staff_id": "M1", "name": "M1", "role": "director", "team": "T1", "manager_id": "D1"}
    )
    staff.append({"staff_id": "D1", "name": "D1", "role": "director", "team": "T0"})
    customers = []
    for c in CUSTOMERS:
        acquired = draw(_days(date(2025, 1, 1), date(2026, 12, 31)))
        churned = draw(st.none() | _days(acquired, date(2027, 3, 31)))
        owner = draw(st.none() | st.sampled_from(STAFF))
        customers.append(
            {
                "customer_id": c,
                "name": c,
                "owner_id": owner,
                "acquired_on": acquired,
                "churned_on": churned,
            }
        )
    orders = []
    for k in range(draw(st.integers(0, 12))):
        status = draw(st.sampled_from(["open", "delivered", "cancelled", "refund"]))
        cents = draw(st.integers(1, 600_000))
        amount = Decimal(-cents if status == "refund" else cents).scaleb(-2)
        orders.append(
            {
                "order_id": f"O{k}",
                "customer_id": draw(st.sampled_from(CUSTOMERS)),
                "staff_id": draw(st.none() | st.sampled_from(STAFF)),
                "ordered_on": draw(_days(date(2025, 5, 15), date(2026, 10, 15))),
                "amount": amount,
                "status": status,
            }
        )
    surveys = [
        {
            "survey_id": f"V{k}",
            "customer_id": draw(st.sampled_from(CUSTOMERS)),
            "staff_id": draw(st.none() | st.sampled_from(STAFF)),
            "answered_on": draw(_days(date(2026, 6, 25), date(2026, 10, 5))),
            "satisfaction": draw(st.none() | st.integers(1, 5)),
            "nps": draw(st.none() | st.integers(0, 10)),
        }
        for k in range(draw(st.integers(0, 6)))
    ]
    interactions = [
        {
            "interaction_id": f"I{k}",
            "customer_id": draw(st.sampled_from(CUSTOMERS)),
            "staff_id": draw(st.sampled_from(STAFF)),
            "occurred_at": datetime(2026, 6, 30, 15, tzinfo=UTC)
            + timedelta(hours=draw(st.sampled_from([0, 1, 2, 24 * 30, 24 * 92, 24 * 92 + 1]))),
            "kind": draw(st.sampled_from(["visit", "call", "email"])),
        }
        for k in range(draw(st.integers(0, 4)))
    ]
    ratings = [
        {
            "staff_id": s,
            "period": "2026Q3",
            "criterion": "conduct",
            "rater_id": rater,
            "score": Decimal(draw(st.integers(2, 10))) / 2,
        }
        for s in STAFF
        for rater in draw(st.lists(st.sampled_from(["M1", "S1", "S2"]), max_size=2, unique=True))
    ]
    tickets = []
    for k in range(draw(st.integers(0, 5))):
        opened = datetime(2026, 6, 29, 20, tzinfo=UTC) + timedelta(
            minutes=draw(st.integers(0, 60 * 24 * 95))
        )
        hours = draw(st.none() | st.integers(0, 100))
        tickets.append(
            {
                "ticket_id": f"K{k}",
                "customer_id": draw(st.sampled_from(CUSTOMERS)),
                "staff_id": draw(st.none() | st.sampled_from(STAFF)),
                "opened_at": opened,
                "resolved_at": None if hours is None else opened + timedelta(minutes=hours * 37),
                "is_complaint": draw(st.booleans()),
            }
        )
    targets = [
        {
            "subject_kind": "person",
            "subject_id": subject,
            "indicator": "sales_amount",
            "period": period,
            "value": Decimal(draw(st.integers(0, 80))) * 100,
        }
        for subject, period in draw(
            st.lists(
                st.tuples(st.sampled_from(STAFF), st.sampled_from(["2026Q2", "2026Q3"])),
                unique=True,
                max_size=4,
            )
        )
    ]
    return {
        "targets": targets,
        "tickets": tickets,
        "staff": staff,
        "customers": customers,
        "orders": orders,
        "surveys": surveys,
        "interactions": interactions,
        "ratings": ratings,
    }


@settings(
    max_examples=int(os.environ.get("APPRAISAL_AGREEMENT_EXAMPLES", "5")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=random_rows())
def test_engine_agrees_with_reference_on_random_data(
    data: dict[str, list[dict[str, Any]]], db_url: str, tmp_path: Path
) -> None:
    dataset = Dataset.from_plain(data)
    engine = connect(db_url)
    create_schema(engine)
    clear_tables(engine)
    load_dataset(engine, dataset)
    reference = evaluate_reference(RANDOM_RULESET, RANDOM_PERIOD, dataset, ZONE)
    measured = measure_case(engine, RANDOM_RULESET, RANDOM_PERIOD, ZONE)
    problems = list(frame_disagreements(measured, reference))
    if ENGINE_EVALUATE is not None:
        result = run_engine(db_url, tmp_path, RANDOM_RULESET, RANDOM_PERIOD, ZONE)
        rounding = RANDOM_RULESET.settings.score_rounding
        problems += result_disagreements(result, reference, rounding)
    engine.dispose()
    assert not problems, "\n".join(problems)
