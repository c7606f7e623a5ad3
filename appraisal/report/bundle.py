"""A report bundle from a stored run, in stages::

    resolve run → prepare (staff, scope, per scorecard: selection, summary, tables)
      → pages (HTML, Markdown, JSON) → tables (CSV, XLSX) → files → manifest → audit

Everything is read inside one database connection; scorecard pages are built
lazily (:mod:`appraisal.report.planning`) and written as they are rendered, so
a large bundle never holds every page in memory.  Files are staged and renamed
into place together; then a ``report`` record with the bundle's hash is
appended to the audit log.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from sqlalchemy.engine import Connection, Engine

from appraisal.audit.canonical import sha256_text
from appraisal.audit.runs import record_report
from appraisal.errors import UserError
from appraisal.files import FileBatch, WrittenFile, write_atomically
from appraisal.report.audience import Audience
from appraisal.report.csv_out import CsvSheet
from appraisal.report.html import html_renderer
from appraisal.report.i18n import labels
from appraisal.report.json_out import JsonStream
from appraisal.report.markdown import markdown_renderer
from appraisal.report.options import ALL_FORMATS, DEFAULT_CLIENT_PAGES, OutputFormat, ReportOptions
from appraisal.report.planning import CardPlan, Prepared, index_entry, index_section, prepare
from appraisal.report.render import Renderer
from appraisal.report.source import StoredRun, resolve_run
from appraisal.report.summary import Download, IndexView
from appraisal.report.xlsx import Workbook, XlsxSheet
from appraisal.spec.enums import Language, SubjectKind

__all__ = [
    "ALL_FORMATS",
    "DEFAULT_CLIENT_PAGES",
    "OutputFormat",
    "Progress",
    "ReportOptions",
    "ReportOutcome",
    "write_bundle",
    "write_report",
]

Progress = Callable[[int, int], None]
"""Told (pages written, pages in all) as pages are written."""


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


def _downloads(plans: Sequence[CardPlan], options: ReportOptions) -> tuple[Download, ...]:
    found = []
    if OutputFormat.XLSX in options.formats:
        found.append(Download("report.xlsx", "report.xlsx"))
    if OutputFormat.CSV in options.formats:
        for plan in plans:
            found += [Download(f"{t.name}.csv", quote(f"{t.name}.csv")) for t in plan.tables]
    if OutputFormat.JSON in options.formats:
        found.append(Download("report.json", "report.json"))
    return tuple(found)


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


def _render_pages(prepared: Prepared, sink: PageSink, tick: Callable[[], None]) -> IndexView:
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
            plan.entries.append(index_entry(plan.ctx, card))
            tick()
    index = IndexView(
        sections=tuple(index_section(plan) for plan in plans),
        downloads=_downloads(plans, prepared.options),
        empty=all(p.count == 0 and p.subjects == 0 for p in plans),
    )
    sink.page("index", "index", index=index)
    tick()
    if sink.json is not None:
        sink.json.finish(index)
    sink.close()
    return index


def _write_tables(prepared: Prepared, batch: FileBatch) -> None:
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
