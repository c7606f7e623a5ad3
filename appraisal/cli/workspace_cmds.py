"""Workspace commands: ``init`` (and ``demo``, once the demo is wired)."""

from __future__ import annotations

from pathlib import Path

import click

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
    create_schema(connect(workspace.database_url))
    click.echo(f"Workspace ready in {workspace.root}")
    click.echo(f"Database: {workspace.database_url}")


COMMANDS: tuple[click.Command, ...] = (init_command,)
