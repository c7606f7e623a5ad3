"""Workspace commands: ``init`` and ``demo``."""

from __future__ import annotations

from pathlib import Path

import click

from appraisal.demo.generator import DEFAULT_SEED
from appraisal.demo_workspace import DEMO_PERIOD, build_demo, evaluate_demo
from appraisal.store.database import connect, create_schema
from appraisal.workspace import DEFAULT_DATABASE_URL, init_workspace


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option(
    "--db",
    "database_url",
    default=DEFAULT_DATABASE_URL,
    show_default=True,
    help="Database URL written to appraisal.toml.",
)
def init_command(directory: Path, database_url: str) -> None:
    """Create a workspace in DIRECTORY: rules/, data/, appraisal.toml and the tables."""
    workspace = init_workspace(directory, database_url)
    engine = connect(workspace.database_url)
    try:
        create_schema(engine)
    finally:
        engine.dispose()
    click.echo(f"Workspace ready in {workspace.root}")
    click.echo(f"Database: {workspace.database_url}")


def _say(message: str) -> None:
    click.echo(f"==> {message}", err=True)


@click.command("demo")
@click.argument(
    "directory", type=click.Path(file_okay=False, path_type=Path), default="demo-workspace"
)
@click.option(
    "--scale",
    type=float,
    default=0.05,
    show_default=True,
    help="Data volume; 1 is about 2,000 staff, 200,000 customers, 2,000,000 orders.",
)
@click.option(
    "--seed",
    type=int,
    default=DEFAULT_SEED,
    show_default=True,
    help="Random seed; the same seed gives the same data.",
)
def demo_command(directory: Path, scale: float, seed: int) -> None:
    """Build a demo workspace in DIRECTORY and evaluate it end to end.

    Copies the example rule sets, generates realistic CRM data (deterministic for
    a seed), imports it into the embedded DuckDB database, evaluates the quarter
    and writes the scorecards.
    """
    demo = build_demo(directory, scale, seed, on_step=_say)
    counts = demo.imported.total
    _say(
        f"imported {counts.inserted + counts.updated + counts.unchanged:,} rows "
        f"into {demo.workspace.database_url}"
    )
    evaluations = evaluate_demo(demo.workspace, demo.rule_files, on_step=_say)
    click.echo(f"Demo workspace: {demo.workspace.root}")
    click.echo(f"Rules:          {demo.workspace.rules_dir}")
    click.echo(f"Period:         {DEMO_PERIOD}")
    click.echo("Scorecards (open the index pages in a browser):")
    for evaluation in evaluations:
        click.echo(f"  {evaluation.ruleset_id} (run {evaluation.run_id}):")
        for index in evaluation.indexes:
            click.echo(f"    {index}")


COMMANDS: tuple[click.Command, ...] = (init_command, demo_command)
