"""Data commands: ``import``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from appraisal.cli import workspace_from
from appraisal.errors import UserError
from appraisal.importing import ImportProgress, ImportReport, import_files
from appraisal.importing.api import ProgressCallback
from appraisal.store.database import connect

COLUMNS = ("read", "inserted", "updated", "unchanged", "rejected")


def summary_lines(report: ImportReport) -> list[str]:
    """The per-entity table (read = inserted + updated + unchanged + rejected) and quarantines."""
    width = max([len("entity"), *(len(e.entity) for e in report.entities)])
    lines = ["entity".ljust(width) + "".join(f"{name:>11}" for name in COLUMNS)]
    for entity in report.entities:
        c = entity.counts
        values = (c.read, c.inserted, c.updated, c.unchanged, c.rejected)
        lines.append(entity.entity.ljust(width) + "".join(f"{v:>11}" for v in values))
    for source in report.sources:
        if source.quarantine is not None:
            lines.append(
                f"rejected rows of {source.path.name}"
                + (f" [{source.sheet}]" if source.sheet else "")
                + f": {source.quarantine} ({source.counts.rejected})"
            )
    return lines


@contextmanager
def _progress_bar(show: bool) -> Iterator[ProgressCallback | None]:
    """A progress bar on a terminal; nothing at all when output is piped or captured."""
    if not show:
        yield None
        return
    with click.progressbar(length=1, label="importing", show_pos=True) as bar:

        def update(event: ImportProgress) -> None:
            bar.length = event.total
            bar.label = f"{event.step} {event.subject}"
            bar.update(event.done - bar.pos)

        yield update


@click.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--entity", help="Entity of every FILE (default: from the file or sheet name).")
@click.option("--encoding", help="Text encoding of CSV/JSONL files (default: UTF-8, else GB18030).")
@click.option(
    "--allow-rejects",
    is_flag=True,
    help="Exit 0 even when rows were rejected (they are still kept in quarantine files).",
)
@click.option("--timezone", help="Business time zone for instants without an offset.")
@click.pass_context
def import_command(
    ctx: click.Context,
    files: tuple[Path, ...],
    entity: str | None,
    encoding: str | None,
    allow_rejects: bool,
    timezone: str | None,
) -> None:
    """Import CSV, XLSX or JSON Lines FILES into the workspace database.

    \b
    Each file's entity comes from its name (orders.csv, orders-2026Q3.csv,
    订单.csv) or --entity; workbook sheets named like an entity are imported
    each, otherwise the first sheet.  Headers may be column names, English or
    Chinese labels (docs/importing.md lists them).  All files load in one
    transaction: all or nothing, referenced entities first.

    \b
    Good rows load even when others are rejected.  Every rejected row is
    written verbatim, with its row number and reasons, to a quarantine file
    next to its input (e.g. orders.rejected.csv); fix it there and import
    that file again.  Importing the same data twice changes nothing.

    Exit codes: 0 all rows accounted for without rejects, 1 rows rejected
    (unless --allow-rejects) or a file unusable (nothing imported).
    """
    workspace = workspace_from(ctx)
    engine = connect(workspace.database_url)
    try:
        with _progress_bar(sys.stdout.isatty()) as progress:
            report = import_files(
                engine,
                files,
                timezone=timezone or workspace.timezone,
                entity=entity,
                encoding=encoding,
                progress=progress,
            )
    finally:
        engine.dispose()
    for line in summary_lines(report):
        click.echo(line)
    if report.rejected:
        rows = "row" if report.rejected == 1 else "rows"
        message = f"{report.rejected} {rows} rejected; the other rows were imported"
        if not allow_rejects:
            raise UserError(f"{message} (fix the quarantined rows and import them again)")
        click.echo(message)


COMMANDS: tuple[click.Command, ...] = (import_command,)
