"""The evaluation: rules and a period in, a stored run and typed results out.

Reads like the specification, one line per stage::

    load → validate → measure → score → tiers → incentives → plans → rollups
         → segments → persist → results

Everything runs on one connection in one transaction: the values frames and
work tables are temporary tables of that connection, and the run is stored
whole or not at all.  History for "below target N periods in a row" is
measured again from the data for the earlier periods (only the indicators
needed), so a run depends on the rules and the data alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from appraisal.engine.cardrun import CardRun
from appraisal.engine.compile import compile_frame, with_inputs
from appraisal.engine.context import EvaluationContext
from appraisal.engine.fingerprint import data_fingerprint, ruleset_hash, ruleset_json
from appraisal.engine.frame import ValuesFrame
from appraisal.engine.hierarchy import Hierarchy, build_hierarchy
from appraisal.engine.improve import HistoryFrames, history_needed, plan_improvements
from appraisal.engine.incentives import pay_incentives
from appraisal.engine.measure import materialise, measure
from appraisal.engine.persist import (
    RunRecord,
    draft_record,
    finish_run,
    new_run_id,
    start_run,
    store_items,
    store_sections,
    utc_now,
)
from appraisal.engine.plan import FrameSpec
from appraisal.engine.results import EvaluationResult, fetch_results
from appraisal.engine.rollups import roll_up
from appraisal.engine.run_tables import create_run_tables
from appraisal.engine.score import score
from appraisal.engine.segments import segment_clients
from appraisal.engine.targets import load_sheets
from appraisal.engine.tiers import assign_tiers
from appraisal.engine.work import drop_work_tables
from appraisal.errors import IssuesError, UserError
from appraisal.expr import ExprParams, parse, references
from appraisal.periods import Period
from appraisal.spec.enums import RuleStatus, SubjectKind
from appraisal.spec.expressions import RFM_NAMES
from appraisal.spec.models import AwardIncentive, RuleSet, Scorecard, Segmentation
from appraisal.store.database import connect
from appraisal.store.sources import Catalog
from appraisal.store.types import MONEY_SCALE
from appraisal.validation.validator import load_ruleset, validate_ruleset
from appraisal.workspace import Workspace, load_workspace

Progress = Callable[[str], None]
"""Told the name of each stage as it starts (for a progress display)."""

HistorySource = Callable[[Scorecard], HistoryFrames]
"""Gives a scorecard's earlier-period frames (for ``below_target_in_a_row``)."""


@dataclass(frozen=True)
class Frames:
    """The values frames of one period: per scorecard, and per segmentation."""

    scorecards: Mapping[str, ValuesFrame]
    segmentations: Mapping[str, ValuesFrame]


def check_rules(ruleset: RuleSet, period: Period, official: bool) -> None:
    """Refuse what cannot be evaluated or stored as asked."""
    for places in _money_places(ruleset):
        if places > MONEY_SCALE:
            raise UserError(
                f"money is rounded to {places} places, but amounts are stored in cents "
                f"(at most {MONEY_SCALE} places)"
            )
    if official:
        meta = ruleset.metadata
        if meta.status is not RuleStatus.APPROVED:
            raise UserError(
                f"an official run needs approved rules; {meta.id} {meta.version} is "
                f"{meta.status.value} (run without --official for a draft)"
            )
        if meta.effective_from >= period.end or (
            meta.effective_to is not None and meta.effective_to < period.start
        ):
            raise UserError(f"{meta.id} {meta.version} is not in force in {period.code}")


def _money_places(ruleset: RuleSet) -> list[int]:
    places = [ruleset.settings.money_rounding.places]
    for card in ruleset.scorecards:
        for incentive in card.incentives:
            if not isinstance(incentive, AwardIncentive) and incentive.rounding is not None:
                places.append(incentive.rounding.places)
    return places


def _card_stages(card: CardRun, history: HistoryFrames | None, hierarchy: Hierarchy) -> None:
    store_items(card)
    store_sections(card)
    assign_tiers(card)
    pay_incentives(card)
    plan_improvements(card, history, hierarchy)
    roll_up(card, hierarchy)


def evaluate_frames(
    conn: Connection,
    ctx: EvaluationContext,
    frames: Frames,
    *,
    history: HistorySource | None = None,
    official: bool = False,
    progress: Progress | None = None,
) -> EvaluationResult:
    """Score measured frames and store the run: every stage after measuring."""
    tell = progress or (lambda _stage: None)
    ruleset, period = ctx.ruleset, ctx.period
    check_rules(ruleset, period, official)
    with exact_or_refused():
        record = _start_run(conn, ctx, official, tell)
        hierarchy = build_hierarchy(conn, ctx.catalog)
        params = ExprParams(period=period.range, timezone=ctx.timezone)
        work = [hierarchy.closure.name]
        for scorecard in ruleset.scorecards:
            tell(f"score {scorecard.id}")
            scored = score(conn, ruleset, scorecard, _frame_of(frames, scorecard))
            work.append(scored.table.name)
            card = CardRun(
                conn,
                record.run_id,
                ruleset,
                scorecard,
                frames.scorecards[scorecard.id],
                scored,
                period,
                params,
                conn.dialect.name,
            )
            _card_stages(card, history(scorecard) if history else None, hierarchy)
        for segmentation in ruleset.segmentations:
            tell(f"segment {segmentation.id}")
            segment_clients(
                conn,
                record.run_id,
                ruleset,
                segmentation,
                frames.segmentations[segmentation.id],
                params,
            )
        tell("results")
        result = fetch_results(conn, record, ruleset, period)
        record = finish_run(conn, record, result.digest)
        drop_work_tables(conn, work)
    return replace(result, run=record)


def _start_run(
    conn: Connection, ctx: EvaluationContext, official: bool, tell: Progress
) -> RunRecord:
    """Fingerprint the data and insert the run row."""
    create_run_tables(conn)
    tell("fingerprint")
    fingerprint = data_fingerprint(conn, ctx.catalog)
    started = utc_now()
    record = draft_record(
        new_run_id(started),
        ctx.ruleset,
        ruleset_hash(ctx.ruleset),
        fingerprint.digest,
        ctx.period,
        conn.dialect.name,
        official,
        started,
    )
    start_run(
        conn,
        record,
        ruleset_json=ruleset_json(ctx.ruleset),
        fingerprint=fingerprint,
        period=ctx.period,
        timezone=ctx.timezone,
    )
    return record


OVERFLOW_WORDS = ("overflow", "out of range", "to type int64")
"""How the backends word a number too large for exact 64-bit or NUMERIC storage."""


def is_overflow(exc: sa.exc.DBAPIError) -> bool:
    """True when a database error says a number did not fit."""
    text = str(exc.orig).lower()
    return any(word in text for word in OVERFLOW_WORDS)


@contextmanager
def exact_or_refused() -> Iterator[None]:
    """An overflow of the exact arithmetic or of a stored number becomes a user error."""
    try:
        yield
    except sa.exc.DBAPIError as exc:
        if is_overflow(exc):
            raise UserError(OVERFLOW) from exc
        raise


OVERFLOW = (
    "a number in the evaluation is too large to compute and store exactly (stored "
    "values stay below 10^12, and intermediate products within 64 bits on DuckDB and "
    "SQLite); nothing was stored"
)


def _frame_of(frames: Frames, scorecard: Scorecard) -> ValuesFrame:
    try:
        return frames.scorecards[scorecard.id]
    except KeyError:
        raise UserError(f"no values were measured for scorecard {scorecard.id!r}") from None


# ── measuring ───────────────────────────────────────────────────────────────────


def _segment_indicators(segmentation: Segmentation) -> list[str]:
    names: list[str] = []
    if segmentation.rfm is not None:
        rfm = segmentation.rfm
        names += [p.indicator for p in (rfm.recency, rfm.frequency, rfm.monetary)]
    for segment in segmentation.segments:
        if segment.when is not None:
            names += [p[0] for p in references(parse(segment.when)) if p[0] not in RFM_NAMES]
    return names


def measure_frames(conn: Connection, ctx: EvaluationContext, rules_dir: Path | None) -> Frames:
    """Every scorecard's frame, and one per segmentation (the client scorecard's
    frame when there is one: it holds the segmentation's indicators)."""
    by_card = {f.scorecard_id: f for f in measure(conn, ctx, rules_dir=rules_dir)}
    clients = [c.id for c in ctx.ruleset.scorecards if c.subject is SubjectKind.CLIENT]
    segmentations: dict[str, ValuesFrame] = {}
    for segmentation in ctx.ruleset.segmentations:
        if clients:
            segmentations[segmentation.id] = by_card[clients[0]]
            continue
        indicators = with_inputs(ctx.ruleset, _segment_indicators(segmentation))
        spec = FrameSpec(segmentation.id, SubjectKind.CLIENT, indicators)
        sheets = load_sheets(ctx.ruleset, rules_dir, ctx.period)
        segmentations[segmentation.id] = materialise(conn, compile_frame(ctx, spec, sheets=sheets))
    return Frames(by_card, segmentations)


def measured_history(
    conn: Connection, ctx: EvaluationContext, rules_dir: Path | None
) -> HistorySource:
    """Earlier periods measured again, once per scorecard and period, with just the
    indicators its ``below_target_in_a_row`` rules need."""

    def for_card(scorecard: Scorecard) -> HistoryFrames:
        wanted = tuple(
            sorted({i for ids in history_needed(scorecard.improvement).values() for i in ids})
        )
        frames: dict[str, ValuesFrame] = {}

        def frame(period: Period, _indicators: tuple[str, ...]) -> ValuesFrame:
            if period.code not in frames:
                found = measure(
                    conn,
                    ctx.with_period(period),
                    scorecard.id,
                    indicators=wanted,
                    rules_dir=rules_dir,
                )
                frames[period.code] = found[0]
            return frames[period.code]

        return frame

    return for_card


# ── the public entry point ──────────────────────────────────────────────────────


def _ruleset(rules: RuleSet | str | Path) -> tuple[RuleSet, Path | None]:
    if isinstance(rules, RuleSet):
        issues = validate_ruleset(rules)
        if issues.has_blocking_issues:
            raise IssuesError(issues.errors)
        return rules, None
    path = Path(rules)
    if not path.exists():
        raise UserError(f"no such rule file: {path}")
    return load_ruleset(path), path.parent


@contextmanager
def consistent_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction that sees one state of the data (REPEATABLE READ on PostgreSQL;
    DuckDB and SQLite transactions are snapshots already)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def evaluation_engine(workspace: Workspace, database: str | None = None) -> Engine:
    """An engine for evaluating: the workspace's database (or ``database``), DuckDB's
    memory capped by the workspace's ``evaluation_memory``."""
    return connect(database or workspace.database_url, memory_limit=workspace.evaluation_memory)


def evaluate(
    rules: RuleSet | str | Path,
    period: Period | str,
    *,
    database: str | Engine | None = None,
    workspace: Workspace | None = None,
    official: bool = False,
    catalog: Catalog | None = None,
    rules_dir: Path | None = None,
    progress: Progress | None = None,
) -> EvaluationResult:
    """Evaluate a rule set for a period and store the run; the typed results.

    ``rules`` is a rule file (its folder holds target sheets) or a rule set
    (``rules_dir``: where its target sheets are); ``database`` a URL or engine
    (default: the workspace's).  ``official`` is refused unless the rules are
    approved and in force for the period.  Raises :class:`UserError` for
    anything the user can fix; nothing is stored then.
    """
    ruleset, found_dir = _ruleset(rules)  # load, validate
    the_period = period if isinstance(period, Period) else Period.parse(period)
    space = workspace or load_workspace()
    engine = database if isinstance(database, Engine) else evaluation_engine(space, database)
    ctx = EvaluationContext(ruleset, the_period, catalog or Catalog(), space.timezone)
    sheets_dir = rules_dir or found_dir
    try:
        with consistent_transaction(engine) as conn:
            (progress or (lambda _stage: None))("measure")
            frames = measure_frames(conn, ctx, sheets_dir)  # measure
            history = measured_history(conn, ctx, sheets_dir)
            return evaluate_frames(  # score … persist → results
                conn, ctx, frames, history=history, official=official, progress=progress
            )
    finally:
        if not isinstance(database, Engine):
            engine.dispose()  # ours: release the connection (and DuckDB's file lock)
