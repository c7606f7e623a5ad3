"""``appraisal report``: render a stored run as a bundle of scorecards and tables."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from appraisal.audit.runs import default_actor
from appraisal.cli import workspace_from
from appraisal.report.audience import Audience
from appraisal.report.bundle import (
    ALL_FORMATS,
    DEFAULT_CLIENT_PAGES,
    OutputFormat,
    ReportOptions,
    ReportOutcome,
    write_report,
)
from appraisal.report.source import LATEST
from appraisal.spec.enums import Language, SubjectKind
from appraisal.store.database import connect

LANGUAGE_NAMES = {Language.ZH: "Chinese", Language.EN: "English"}


def parse_formats(text: str) -> tuple[OutputFormat, ...]:
    """``html,md`` → the formats, in the order given, each once."""
    known = {f.value: f for f in OutputFormat}
    found: list[OutputFormat] = []
    for part in (p.strip().lower() for p in text.split(",")):
        if not part:
            continue
        if part == "markdown":
            part = "md"
        if part not in known:
            choices = ", ".join(known)
            raise click.BadParameter(f"unknown format '{part}'; choose from {choices}")
        if known[part] not in found:
            found.append(known[part])
    if not found:
        raise click.BadParameter("give at least one format")
    return tuple(found)


def parse_client_pages(text: str) -> int | None:
    """A number of client scorecards, or ``all`` (None)."""
    if text.strip().lower() == "all":
        return None
    try:
        value = int(text)
    except ValueError:
        raise click.BadParameter(f"'{text}' is not a number or 'all'") from None
    if value < 0:
        raise click.BadParameter("must be 0 or more")
    return value


def _progress() -> tuple[Callable[[int, int], None] | None, Callable[[], None]]:
    """A progress bar on standard error when it is a terminal (else nothing)."""
    if not sys.stderr.isatty():
        return None, lambda: None
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = click.progressbar(length=total, label="Rendering", file=sys.stderr)
            bar.__enter__()
            state["bar"] = bar
        bar.update(done - state.get("done", 0))
        state["done"] = done

    def close() -> None:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)

    return update, close


def outcome_lines(outcome: ReportOutcome, out_dir: Path, options: ReportOptions) -> list[str]:
    """What the command prints after writing a bundle."""
    run = outcome.run
    record = run.record
    who = {
        Audience.HR: "HR",
        Audience.MANAGER: f"manager {outcome.subject}",
        Audience.PERSON: f"person {outcome.subject}",
    }[outcome.audience]
    lines = [
        f"Report of run {record.run_id} ({record.ruleset_id} {record.ruleset_version}, "
        f"{record.period}, {record.status}) for {who} in {LANGUAGE_NAMES[outcome.language]}"
    ]
    for card in run.ruleset.scorecards:
        count = outcome.pages_by_card.get(card.id, 0)
        if card.subject is SubjectKind.CLIENT:
            total = outcome.subjects_by_card.get(card.id, 0)
            limit = (
                "every client"
                if options.client_pages is None
                else (f"at most {options.client_pages}: award winners, then clients with actions")
            )
            lines.append(f"  {card.id}: {count} of {total:,} client scorecards ({limit})")
        else:
            noun = "scorecard" if count == 1 else "scorecards"
            lines.append(f"  {card.id}: {count} {noun} and a summary")
    formats = ", ".join(f.value for f in options.formats)
    lines.append(f"Wrote {len(outcome.files)} files to {out_dir} ({formats})")
    if OutputFormat.HTML in options.formats:
        lines.append(f"Open {out_dir / 'index.html'}")
    lines.append(f"Bundle hash {outcome.output_hash[:12]} recorded in the audit log")
    return lines


@click.command("report")
@click.argument("run_ref", metavar="RUN_ID|latest", default=LATEST)
@click.option(
    "--format",
    "formats_text",
    default=",".join(f.value for f in ALL_FORMATS),
    show_default=True,
    help="Comma-separated formats: html, md, csv, xlsx, json.",
)
@click.option(
    "--lang",
    "language",
    type=click.Choice([lang.value for lang in Language]),
    default=None,
    help="Language of labels, numbers and dates (default: the rule set's).",
)
@click.option(
    "--audience",
    type=click.Choice([a.value for a in Audience]),
    default=Audience.HR.value,
    show_default=True,
    help="person: one person's own scorecard; manager: their reports (recursively) and "
    "clients; hr: everything.",
)
@click.option("--subject", default=None, help="Staff id of the person or manager.")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the bundle into.",
)
@click.option(
    "--templates",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder of templates overriding the built-in ones by name (run sandboxed).",
)
@click.option(
    "--client-pages",
    "client_pages_text",
    default=str(DEFAULT_CLIENT_PAGES),
    show_default=True,
    help="At most this many client scorecards (award winners first, then clients with "
    "improvement actions), or 'all'; every client is in the client table regardless.",
)
@click.pass_context
def report_command(
    ctx: click.Context,
    run_ref: str,
    formats_text: str,
    language: str | None,
    audience: str,
    subject: str | None,
    out_dir: Path,
    templates: Path | None,
    client_pages_text: str,
) -> None:
    """Render a stored run (RUN_ID, or latest) as a report bundle in --out.

    \b
    Pages: a scorecard per person (and per client), a team summary with the
    leaderboard and rating distribution, and an index linking everything, as
    self-contained HTML (prints one A4 page per scorecard) and Markdown.
    Tables: CSV files and one XLSX workbook; JSON: every page's data.

    The same run gives byte-identical files.  Each bundle is recorded in the
    audit log with the hash of its manifest.
    """
    options = ReportOptions(
        formats=parse_formats(formats_text),
        language=Language(language) if language else None,
        audience=Audience(audience),
        subject=subject,
        templates=templates,
        client_pages=parse_client_pages(client_pages_text),
    )
    workspace = workspace_from(ctx)
    engine = connect(workspace.database_url)
    update, close = _progress()
    try:
        outcome = write_report(
            engine, run_ref, out_dir, options, actor=default_actor(), progress=update
        )
    finally:
        close()
        engine.dispose()
    for line in outcome_lines(outcome, out_dir, options):
        click.echo(line)


COMMANDS: tuple[click.Command, ...] = (report_command,)
