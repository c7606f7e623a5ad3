"""Planning a bundle: per scorecard, which subjects get a page, the summary, the
tables, and the lazily built pages, all within the bundle's scope.

Pages are produced by generators a chunk of subjects at a time (clients:
details, history, segments and earlier actions read per chunk of ids), so a
bundle of every client never holds every page in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from appraisal.engine.results import SubjectResult, scorecard_result
from appraisal.report.audience import Audience, Scope, scope_for
from appraisal.report.context import CardContext, card_folder, page_path
from appraisal.report.formatting import Formatter
from appraisal.report.i18n import labels, phrase
from appraisal.report.options import ReportOptions
from appraisal.report.safety import UniqueNames
from appraisal.report.scoped import (
    award_winners,
    client_selection,
    client_table_rows,
    incentive_sums,
    plan_counts,
    segment_counts,
    segment_moves,
    slim_rows,
    visible_clause,
)
from appraisal.report.source import (
    Directory,
    EarlierRun,
    StoredRun,
    earlier_actions,
    earlier_runs,
    history,
    read_directory,
    segments,
    subject_details,
)
from appraisal.report.summary import (
    Board,
    IndexEntry,
    IndexSection,
    SummaryInputs,
    SummaryView,
    summary_view,
    tally,
)
from appraisal.report.tables import (
    Table,
    clients_table,
    distribution_table,
    items_table,
    plans_table,
    results_table,
    teams_table,
)
from appraisal.report.views import (
    Extras,
    RunView,
    ScorecardView,
    run_view,
    scorecard_view,
)
from appraisal.spec.enums import Language, SubjectKind
from appraisal.spec.models import Scorecard, Segmentation

TREND_PERIODS = 4
"""Earlier periods shown on trend charts."""

CHUNK = 500


@dataclass
class CardPlan:
    """One scorecard's part of the bundle, before rendering."""

    ctx: CardContext
    folder: str
    summary: SummaryView | None
    """None in a person's bundle (it holds their own scorecard only)."""
    pages: Callable[[], Iterator[ScorecardView]]
    count: int
    tables: tuple[Table, ...]
    options: ReportOptions
    subjects: int
    entries: list[IndexEntry] = field(default_factory=list)


# ── per scorecard ─────────────────────────────────────────────────────────────


def _segmentation(ctx: CardContext) -> Segmentation | None:
    if ctx.card.subject is not SubjectKind.CLIENT or not ctx.ruleset.segmentations:
        return None
    return ctx.ruleset.segmentations[0]


def _summary(
    conn: Connection,
    ctx: CardContext,
    where: Sequence[Any],
    folder: str,
    paths: dict[str, str],
    previous: EarlierRun | None,
) -> tuple[SummaryView, Any]:
    run, card = ctx.run, ctx.card
    board = tally(slim_rows(conn, run, card, where))
    seg = _segmentation(ctx)
    inputs = SummaryInputs(
        board=board,
        sums=incentive_sums(conn, run, card, where),
        winners=award_winners(conn, run, card, where),
        plans=plan_counts(conn, run, card, where),
        segmentation=seg,
        segments=segment_counts(conn, run.run_id, seg.id, card, where) if seg else {},
        moved=segment_moves(conn, run.run_id, previous.run_id, seg.id, card, where)
        if seg and previous
        else None,
    )
    view = summary_view(ctx, inputs, page_path(folder, "summary"), paths)
    return view, board


def index_entry(ctx: CardContext, view: ScorecardView) -> IndexEntry:
    """A rendered page as a line of the index."""
    return IndexEntry(
        subject_id=view.subject_id,
        name=view.name,
        team=view.team,
        total=view.total,
        tier_label=view.tier_label,
        tone=view.tier_tone,
        path=view.path,
    )


def _person_pages(
    conn: Connection,
    ctx: CardContext,
    subjects: Sequence[SubjectResult],
    paths: dict[str, str],
    earlier: Sequence[EarlierRun],
) -> Callable[[], Iterator[ScorecardView]]:
    def pages() -> Iterator[ScorecardView]:
        ids = [s.subject_id for s in subjects]
        past = history(conn, ctx.run, earlier, ctx.card, ids)
        previous = earlier[-1] if earlier else None
        actions = earlier_actions(conn, ctx.run, ctx.card, previous, ids)
        for s in subjects:
            extras = Extras(past=past.get(s.subject_id, ()), earlier=actions.get(s.subject_id, ()))
            yield scorecard_view(ctx, s, paths[s.subject_id], extras)

    return pages


def _client_pages(
    conn: Connection,
    ctx: CardContext,
    ids: Sequence[str],
    paths: dict[str, str],
    earlier: Sequence[EarlierRun],
) -> Callable[[], Iterator[ScorecardView]]:
    seg = _segmentation(ctx)
    previous = earlier[-1] if earlier else None

    def pages() -> Iterator[ScorecardView]:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            past = history(conn, ctx.run, earlier, ctx.card, chunk)
            actions = earlier_actions(conn, ctx.run, ctx.card, previous, chunk)
            now = segments(conn, ctx.run.run_id, seg.id, chunk) if seg else {}
            before = segments(conn, previous.run_id, seg.id, chunk) if seg and previous else {}
            for s in subject_details(conn, ctx.run, ctx.card, chunk):
                extras = Extras(
                    past=past.get(s.subject_id, ()),
                    earlier=actions.get(s.subject_id, ()),
                    segmentation=seg,
                    segment=now.get(s.subject_id),
                    segment_before=before.get(s.subject_id),
                    previous_period=previous.period if previous else None,
                )
                yield scorecard_view(ctx, s, paths[s.subject_id], extras)

    return pages


def _visible_subjects(
    card: Scorecard, scope: Scope, found: Sequence[SubjectResult]
) -> list[SubjectResult]:
    if card.subject is SubjectKind.TEAM:
        return [s for s in found if scope.sees_team(s.subject_id)]
    return [s for s in found if scope.sees_person(s.subject_id)]


@dataclass(frozen=True)
class _Naming:
    """File and sheet names of a scorecard's tables."""

    card: Scorecard
    folder: str
    single: bool
    language: Language

    def file(self, key: str) -> str:
        """``<scorecard>-<table>`` (the CSV file name without extension)."""
        return f"{self.folder}-{key}"

    def sheet(self, key: str) -> str:
        """The sheet title; prefixed by the scorecard id when the run has several."""
        title = labels(self.language)[key]
        return title if self.single else f"{self.card.id} {title}"


def _client_tables(
    conn: Connection,
    ctx: CardContext,
    board: Board,
    where: Sequence[Any],
    previous: EarlierRun | None,
    naming: _Naming,
) -> tuple[Table, ...]:
    seg = _segmentation(ctx)

    def source() -> Iterator[Any]:
        return client_table_rows(
            conn,
            ctx.run,
            ctx.card,
            seg.id if seg else None,
            previous.run_id if previous else None,
            where,
        )

    return (
        clients_table(ctx, seg, source, naming.file("clients"), naming.sheet("sheet_clients")),
        teams_table(ctx, board, naming.file("teams"), naming.sheet("sheet_teams")),
        distribution_table(
            ctx, board, naming.file("distribution"), naming.sheet("sheet_distribution")
        ),
    )


def _person_tables(
    ctx: CardContext, subjects: Sequence[SubjectResult], board: Board, naming: _Naming
) -> tuple[Table, ...]:
    return (
        results_table(ctx, subjects, naming.file("results"), naming.sheet("sheet_results")),
        items_table(ctx, subjects, naming.file("items")),
        plans_table(ctx, subjects, naming.file("plans"), naming.sheet("sheet_plans")),
        teams_table(ctx, board, naming.file("teams"), naming.sheet("sheet_teams")),
        distribution_table(
            ctx, board, naming.file("distribution"), naming.sheet("sheet_distribution")
        ),
    )


def _plan_card(
    conn: Connection,
    ctx: CardContext,
    detailed: dict[str, Any],
    options: ReportOptions,
    earlier: Sequence[EarlierRun],
    single: bool,
) -> CardPlan:
    """Choose the pages, compute the summary and describe the tables of one scorecard."""
    run, card, scope = ctx.run, ctx.card, ctx.scope
    folder = card_folder(card)
    names = UniqueNames()
    names.claim("summary")
    names.claim("index")
    where = visible_clause(card, scope.people, scope.owners, scope.teams)
    previous = earlier[-1] if earlier else None
    subjects: list[SubjectResult] = []
    if card.subject is SubjectKind.CLIENT:
        ids = client_selection(conn, run, card, where, options.client_pages)
    else:
        subjects = _visible_subjects(card, scope, detailed[card.id].subjects)
        ids = tuple(s.subject_id for s in subjects)
    paths = {i: page_path(folder, names.claim(i)) for i in ids}
    full_summary, board = _summary(conn, ctx, where, folder, paths, previous)
    summary: SummaryView | None = full_summary
    naming = _Naming(card, folder, single, ctx.language)
    if card.subject is SubjectKind.CLIENT:
        pages = _client_pages(conn, ctx, ids, paths, earlier)
        tables = _client_tables(conn, ctx, board, where, previous, naming)
    else:
        pages = _person_pages(conn, ctx, subjects, paths, earlier)
        tables = _person_tables(ctx, subjects, board, naming)
    if scope.audience is Audience.PERSON:  # their own scorecard: no summaries of others
        summary = None
        tables = tuple(t for t in tables if t.name.endswith(PERSONAL_TABLES))
    return CardPlan(ctx, folder, summary, pages, len(ids), tables, options, board.everyone.subjects)


PERSONAL_TABLES = ("-results", "-items", "-plans")
"""The tables a person's own bundle keeps (one row set: theirs)."""


def index_section(plan: CardPlan) -> IndexSection:
    """A scorecard's part of the index (its entries are filled while pages render)."""
    ctx, options = plan.ctx, plan.options
    t, lang = labels(ctx.language), ctx.language
    heading = {
        SubjectKind.PERSON: t["person_scorecards"],
        SubjectKind.TEAM: t["team_scorecards"],
        SubjectKind.CLIENT: t["client_scorecards"],
    }[ctx.card.subject]
    note = ""
    if ctx.card.subject is SubjectKind.CLIENT:
        shown, total = ctx.fmt.integer(plan.count), ctx.fmt.integer(plan.subjects)
        if plan.count == 0:
            note = t["client_pages_none"]
        elif options.client_pages is None:
            note = phrase(lang, "client_pages_all", shown=shown)
        else:
            limit = ctx.fmt.integer(options.client_pages)
            note = phrase(lang, "client_pages_note", shown=shown, total=total, limit=limit)
    return IndexSection(
        scorecard_id=ctx.card.id,
        title=ctx.card.title.get(lang),
        heading=heading,
        name_label={
            SubjectKind.PERSON: t["name"],
            SubjectKind.TEAM: t["team_name"],
            SubjectKind.CLIENT: t["client_name"],
        }[ctx.card.subject],
        summary_path=plan.summary.path if plan.summary else "",
        entries=tuple(plan.entries),
        note=note,
    )


def _audience_label(scope: Scope, directory: Directory, language: Language) -> str:
    if scope.audience is Audience.HR:
        return labels(language)["audience_hr"]
    entry = directory.get(scope.viewer)
    name = entry.name if entry else (scope.viewer or "")
    key = "audience_manager" if scope.audience is Audience.MANAGER else "audience_person"
    return phrase(language, key, name=name)


@dataclass(frozen=True)
class Prepared:
    """A run read and planned: everything but the rendering."""

    run: StoredRun
    view: RunView
    language: Language
    plans: list[CardPlan]
    options: ReportOptions


def prepare(conn: Connection, run: StoredRun, options: ReportOptions) -> Prepared:
    """Read the run's subjects and staff, fix the scope, plan every scorecard's pages."""
    ruleset = run.ruleset
    language = options.language or ruleset.settings.language
    fmt = Formatter(language, ruleset.settings.currency, run.timezone)
    detailed = {
        card.id: scorecard_result(conn, run.run_id, ruleset, card)
        for card in ruleset.scorecards
        if card.subject is not SubjectKind.CLIENT
    }
    people = (
        s
        for card in ruleset.scorecards
        if card.subject is SubjectKind.PERSON
        for s in detailed[card.id].subjects
    )
    directory = read_directory(conn).overlay(people)
    scope = scope_for(options.audience, options.subject, directory)
    earlier = earlier_runs(conn, run, TREND_PERIODS)
    single = len(ruleset.scorecards) == 1
    plans = [
        _plan_card(
            conn, CardContext(run, card, fmt, scope, directory), detailed, options, earlier, single
        )
        for card in ruleset.scorecards
    ]
    if scope.audience is not Audience.HR:  # nothing of theirs: leave the scorecard out
        plans = [p for p in plans if p.subjects > 0]
    view = run_view(run, fmt, _audience_label(scope, directory, language))
    return Prepared(run, view, language, plans, options)
