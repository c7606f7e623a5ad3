"""``appraisal generate``: write demo CRM data files at a chosen scale."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import cast

import click

from appraisal.cli import workspace_from
from appraisal.demo import DEFAULT_END, DEFAULT_SEED, FORMATS, Format, generate, write_files
from appraisal.demo.generator import check_arguments


@click.command("generate")
@click.option(
    "--scale",
    type=float,
    default=0.05,
    show_default=True,
    help="Size factor: 1 ≈ 2,000 staff, 200,000 customers, 2,000,000 orders.",
)
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Random seed.")
@click.option(
    "--end",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    default=DEFAULT_END.isoformat(),
    show_default=True,
    help="Last day of the two years of data.",
)
@click.option(
    "--out",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the files (default: the workspace's data/ folder).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="csv",
    show_default=True,
    help="File format.",
)
@click.pass_context
def generate_command(
    ctx: click.Context,
    scale: float,
    seed: int,
    end: datetime,
    directory: Path | None,
    fmt: str,
) -> None:
    """Generate demo CRM data: staff, customers, orders, opportunities and the rest.

    Writes one file per entity (staff.csv, customers.csv, ...) for the two years
    ending on --end, ready for `appraisal import`.  The same --scale and --seed
    always give byte-identical files.
    """
    check_arguments(scale, seed)
    folder = directory if directory is not None else workspace_from(ctx).data_dir
    tables = generate(scale, seed, end.date())
    paths = write_files(tables, folder, cast(Format, fmt))
    click.echo(f"Demo data: scale {scale:g}, seed {seed}, two years to {end.date().isoformat()}")
    width = max(len(name) for name in tables)
    for path in paths:
        rows = tables[path.stem].num_rows
        click.echo(f"  {path.stem:<{width}}  {rows:>10,}  {path}")
    total = sum(table.num_rows for table in tables.values())
    click.echo(f"  {'total':<{width}}  {total:>10,}")


COMMANDS: tuple[click.Command, ...] = (generate_command,)
