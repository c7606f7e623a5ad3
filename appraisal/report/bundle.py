"""A report bundle from a stored run, in stages::

    resolve run → staff and scope → per scorecard: selection, summary, pages, tables
                → render (HTML, Markdown) → tables (CSV, XLSX) → JSON → files → audit

Everything is read inside one database connection; scorecard pages are built
lazily, a chunk of subjects at a time, and written as they are rendered, so a
large bundle never holds every page in memory.  Files are staged and renamed
into place together; then a ``report`` record with the bundle's hash is
appended to the audit log.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from sqlalchemy.engine import Connection, Engine

from appraisal.audit.canonical import sha256_text
from appraisal.audit.runs import record_report
from appraisal.engine.results import SubjectResult, scorecard_result
from appraisal.errors import UserError
from appraisal.report.audience import Audience, Scope, scope_for
from appraisal.report.csv_out import CsvSheet
from appraisal.report.formatting import Formatter
from appraisal.report.html import html_renderer
from appraisal.report.i18n import labels, phrase
from appraisal.report.json_out import JsonStream
from appraisal.report.markdown import markdown_renderer
from appraisal.report.render import Renderer
from appraisal.report.safety import FileBatch, UniqueNames, WrittenFile, write_atomically
from appraisal.report.source import (
    Directory,
    EarlierRun,
    StoredRun,
    award_winners,
    client_selection,
    client_table_rows,
    earlier_actions,
    earlier_runs,
    history,
    incentive_sums,
    plan_counts,
    read_directory,
    resolve_run,
    segment_counts,
    segment_moves,
    segments,
    slim_rows,
    subject_details,
    visible_clause,
)
from appraisal.report.summary import (
    Board,
    Download,
    IndexEntry,
    IndexSection,
    IndexView,
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
    CardContext,
    Extras,
    RunView,
    ScorecardView,
    card_folder,
    page_path,
    run_view,
    scorecard_view,
)
from appraisal.report.xlsx import Workbook, XlsxSheet
from appraisal.spec.enums import Language, SubjectKind
from appraisal.spec.models import Scorecard, Segmentation

TREND_PERIODS = 4
"""Earlier periods shown on trend charts."""

DEFAULT_CLIENT_PAGES = 200
"""Client scorecards rendered by default (award winners, then clients with actions)."""

CHUNK = 500


class OutputFormat(StrEnum):
    """Formats a bundle can hold."""

    HTML = "html"
    MD = "md"
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


ALL_FORMATS = tuple(OutputFormat)

Progress = Callable[[int, int], None]
"""Told (pages written, pages in all) as pages are written."""


@dataclass(frozen=True)
class ReportOptions:
    """What to produce and for whom."""

    formats: tuple[OutputFormat, ...] = ALL_FORMATS
    language: Language | None = None
    """Default: the rule set's language."""
    audience: Audience = Audience.HR
    subject: str | None = None
    """The viewer's staff id (person and manager audiences)."""
    templates: Path | None = None
    client_pages: int | None = DEFAULT_CLIENT_PAGES
    """At most this many client scorecards; None: every client in scope."""


@dataclass(frozen=True)
class ReportOutcome:
    """What was written."""

    run: StoredRun
    audience: Audience
    language: Language
    subject: str | None
    files: tuple[WrittenFile, ...]
    """Every file written, the manifest included."""
    pages: int
    pages_by_card: Mapping[str, int]
    """Subject pages per scorecard."""
    subjects_by_card: Mapping[str, int]
    """Subjects in scope per scorecard."""
    output_hash: str
    """SHA-256 of the manifest (recorded in the audit log)."""


@dataclass
class _CardPlan:
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


def _entry(ctx: CardContext, view: ScorecardView) -> IndexEntry:
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
) -> _CardPlan:
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
    return _CardPlan(
        ctx, folder, summary, pages, len(ids), tables, options, board.everyone.subjects
    )


PERSONAL_TABLES = ("-results", "-items", "-plans")
"""The tables a person's own bundle keeps (one row set: theirs)."""


def _section(plan: _CardPlan) -> IndexSection:
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


# ── writing ────────────────────────────────────────────────────────────────────


class PageSink:
    """Where rendered pages go: one renderer per page format, and the JSON stream."""

    def __init__(self, batch: FileBatch, options: ReportOptions, common: dict[str, Any]) -> None:
        self.batch = batch
        self.common = common
        self.renderers: list[tuple[Renderer, str]] = []
        if OutputFormat.HTML in options.formats:
            self.renderers.append((html_renderer(options.templates), "html"))
        if OutputFormat.MD in options.formats:
            self.renderers.append((markdown_renderer(options.templates), "md"))
        self.json: JsonStream | None = None
        self._json_file: Any = None
        if OutputFormat.JSON in options.formats:
            self._json_file = batch.open("report.json")
            self.json = JsonStream(self._json_file.__enter__())

    def page(self, template: str, path: str, **view: Any) -> None:
        """Render one page (``path`` without extension, URL-quoted) in every page format."""
        context = self.common | view
        for renderer, extension in self.renderers:
            text = renderer.render(f"{template}.{extension}", context)
            self.batch.write_text(f"{unquote(path)}.{extension}", text)

    def close(self) -> None:
        """Finish the JSON file."""
        if self._json_file is not None:
            self._json_file.__exit__(None, None, None)
            self._json_file = None


def _downloads(plans: Sequence[_CardPlan], options: ReportOptions) -> tuple[Download, ...]:
    found = []
    if OutputFormat.XLSX in options.formats:
        found.append(Download("report.xlsx", "report.xlsx"))
    if OutputFormat.CSV in options.formats:
        for plan in plans:
            found += [Download(f"{t.name}.csv", quote(f"{t.name}.csv")) for t in plan.tables]
    if OutputFormat.JSON in options.formats:
        found.append(Download("report.json", "report.json"))
    return tuple(found)


def _audience_label(scope: Scope, directory: Directory, language: Language) -> str:
    if scope.audience is Audience.HR:
        return labels(language)["audience_hr"]
    entry = directory.get(scope.viewer)
    name = entry.name if entry else (scope.viewer or "")
    key = "audience_manager" if scope.audience is Audience.MANAGER else "audience_person"
    return phrase(language, key, name=name)


def write_report(
    engine: Engine,
    run_ref: str,
    out_dir: Path,
    options: ReportOptions,
    *,
    actor: str,
    progress: Progress | None = None,
) -> ReportOutcome:
    """Write the bundle of a stored run into ``out_dir`` and record it in the audit log."""
    with engine.connect() as conn:
        if conn.dialect.name == "duckdb":  # its terminal progress bar would garble ours
            conn.exec_driver_sql("SET enable_progress_bar = false")
        run = resolve_run(conn, run_ref)
        outcome = write_bundle(conn, run, out_dir, options, progress)
    with engine.begin() as conn:
        record_report(
            conn,
            run_id=run.run_id,
            actor=actor,
            report=f"{options.audience.value}:{options.subject or '*'}:{outcome.language.value}",
            output_hash=outcome.output_hash,
            output_format=",".join(f.value for f in options.formats),
        )
    return outcome


@dataclass(frozen=True)
class _Prepared:
    """A run read and planned: everything but the rendering."""

    run: StoredRun
    view: RunView
    language: Language
    plans: list[_CardPlan]
    options: ReportOptions


def prepare(conn: Connection, run: StoredRun, options: ReportOptions) -> _Prepared:
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
    return _Prepared(run, view, language, plans, options)


def _render_pages(prepared: _Prepared, sink: PageSink, tick: Callable[[], None]) -> IndexView:
    plans = prepared.plans
    if sink.json is not None:
        sink.json.start(prepared.view, tuple(p.summary for p in plans if p.summary))
    for plan in plans:
        if plan.summary is not None:
            sink.page("summary", plan.summary.path, summary=plan.summary)
        tick()
        template = "client" if plan.ctx.card.subject is SubjectKind.CLIENT else "scorecard"
        for card in plan.pages():
            sink.page(template, card.path, card=card)
            if sink.json is not None:
                sink.json.card(card)
            plan.entries.append(_entry(plan.ctx, card))
            tick()
    index = IndexView(
        sections=tuple(_section(plan) for plan in plans),
        downloads=_downloads(plans, prepared.options),
        empty=all(p.count == 0 and p.subjects == 0 for p in plans),
    )
    sink.page("index", "index", index=index)
    tick()
    if sink.json is not None:
        sink.json.finish(index)
    sink.close()
    return index


def _write_tables(prepared: _Prepared, batch: FileBatch) -> None:
    """Every table as CSV and as a worksheet, reading each table's rows once."""
    formats = prepared.options.formats
    book = None
    if OutputFormat.XLSX in formats:
        record = prepared.run.record
        title = f"{prepared.view.ruleset_title} {prepared.view.period}"
        moment = record.finished_at or record.started_at
        book = Workbook(batch.staged_path("report.xlsx"), moment, title)
    for table in (t for plan in prepared.plans for t in plan.tables):
        sheets: list[CsvSheet | XlsxSheet] = []
        with contextlib.ExitStack() as files:
            if OutputFormat.CSV in formats:
                sheets.append(CsvSheet(table, files.enter_context(batch.open(f"{table.name}.csv"))))
            sheet = book.sheet(table) if book is not None else None
            if sheet is not None:
                sheets.append(sheet)
            if not sheets:
                continue
            for row in table.rows():
                for target in sheets:
                    target.row(row)
            for target in sheets:
                target.close()
    if book is not None:
        book.close()


def write_bundle(
    conn: Connection,
    run: StoredRun,
    out_dir: Path,
    options: ReportOptions,
    progress: Progress | None = None,
) -> ReportOutcome:
    """Write every file of the bundle into ``out_dir`` (staged, then renamed into place)."""
    earlier_files = earlier_bundle(out_dir)
    prepared = prepare(conn, run, options)
    plans = prepared.plans
    total = sum(p.count + 1 for p in plans) + 1
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    batch = FileBatch(out_dir)
    try:
        sink = PageSink(batch, options, {"t": labels(prepared.language), "run": prepared.view})
        _render_pages(prepared, sink, tick)
        _write_tables(prepared, batch)
        files = batch.commit()
    except BaseException:
        batch.abort()
        raise
    manifest = manifest_text(run, files)
    data = manifest.encode("utf-8")
    write_atomically(out_dir / MANIFEST, data)
    remove_stale(out_dir, earlier_files, {f.path for f in files})
    digest = sha256_text(manifest)
    return ReportOutcome(
        run=run,
        audience=options.audience,
        language=prepared.language,
        subject=options.subject,
        files=(*files, WrittenFile(MANIFEST, digest, len(data))),
        pages=done,
        pages_by_card={p.ctx.card.id: p.count for p in plans},
        subjects_by_card={p.ctx.card.id: p.subjects for p in plans},
        output_hash=digest,
    )


MANIFEST = "manifest.json"


def earlier_bundle(out_dir: Path) -> tuple[str, ...]:
    """The files of a bundle written to ``out_dir`` before (from its manifest).

    Refuses a folder that holds other files, so a report never mixes with, or
    leaves behind, files it did not write (another audience's pages, say).
    """
    if not out_dir.exists():
        return ()
    if not out_dir.is_dir():
        raise UserError(f"--out {out_dir} is a file, not a folder")
    manifest = out_dir / MANIFEST
    if not manifest.is_file():
        if any(out_dir.iterdir()):
            raise UserError(
                f"--out {out_dir} is not empty and holds no earlier report bundle "
                f"({MANIFEST}); choose an empty or new folder"
            )
        return ()
    try:
        listed = json.loads(manifest.read_text(encoding="utf-8"))["files"]
        return tuple(str(entry["path"]) for entry in listed)
    except (ValueError, KeyError, TypeError) as exc:
        raise UserError(f"{manifest} is not a report manifest: {exc}") from None


def remove_stale(out_dir: Path, earlier: Sequence[str], kept: set[str]) -> None:
    """Delete the earlier bundle's files that the new one does not have, and folders
    left empty (only inside ``out_dir``)."""
    root = out_dir.resolve()
    folders = set()
    for path in earlier:
        if path in kept or path == MANIFEST:
            continue
        target = (root / path).resolve()
        if target.is_relative_to(root) and target != root and target.is_file():
            target.unlink()
            folders.add(target.parent)
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        if folder != root and folder.is_relative_to(root) and not any(folder.iterdir()):
            folder.rmdir()


def manifest_text(run: StoredRun, files: Sequence[WrittenFile]) -> str:
    """The bundle's manifest: the run and every file with its SHA-256 (its hash is the
    bundle's, recorded in the audit log)."""
    listing = [{"path": f.path, "sha256": f.sha256, "bytes": f.size} for f in files]
    document = {"run_id": run.run_id, "files": listing}
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
