"""The ``appraisal`` command: a click group whose commands live in sibling modules.

Exit codes: 0 success, 1 a user error (bad input, rejected rows, failed
validation), 2 a usage error (click's own).  Library errors are mapped to
messages here; the library itself never prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from appraisal import __version__
from appraisal.errors import UserError
from appraisal.workspace import ENV_DATABASE_URL, Workspace, load_workspace

CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class AppraisalGroup(click.Group):
    """A group that turns UserError into ``Error: ...`` and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=AppraisalGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="appraisal")
@click.option(
    "-w",
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Workspace folder (default: nearest folder with appraisal.toml, else the current one).",
)
@click.option(
    "--db",
    "database_url",
    envvar=ENV_DATABASE_URL,
    default=None,
    help=f"Database URL; overrides appraisal.toml (env: {ENV_DATABASE_URL}).",
)
@click.pass_context
def cli(ctx: click.Context, workspace: Path | None, database_url: str | None) -> None:
    """Rules-driven performance appraisal: KPIs, targets, tiers, incentives, plans.

    \b
    Start with:  appraisal demo            (a demo workspace, evaluated end to end)
    Then:        appraisal import FILE...  (your own CSV/XLSX/JSONL records)
    """
    ctx.obj = {"workspace": workspace, "database_url": database_url}


def workspace_from(ctx: click.Context) -> Workspace:
    """The workspace selected by the group options."""
    options = ctx.find_root().obj or {}
    return load_workspace(options.get("workspace"), options.get("database_url"))


def _register() -> None:
    """Add the COMMANDS of every ``appraisal/cli/*_cmds.py`` module to the group."""
    import importlib
    import pkgutil

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.endswith("_cmds"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            for command in module.COMMANDS:
                cli.add_command(command)


_register()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="appraisal")
