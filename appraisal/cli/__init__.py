"""The ``appraisal`` command: a click group whose commands live in sibling modules.

Commands are loaded lazily: :data:`COMMAND_INDEX` names each command's module,
attribute and one-line help, so ``appraisal --help`` lists every command and
``appraisal run ...`` imports the run module alone, not the report, workbook
and template libraries every other command needs.  A ``*_cmds.py`` module
missing from the index is still found (imported when commands are listed or a
name is not in the index); tests/test_cli_lazy.py fails until it is indexed.

Exit codes: 0 success, 1 a user error (bad input, rejected rows, failed
validation), 2 a usage error (click's own).  Library errors are mapped to
messages here; the library itself never prints.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from appraisal import __version__
from appraisal.errors import UserError
from appraisal.workspace import ENV_DATABASE_URL, Workspace, load_workspace

CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
COMMAND_MODULE_SUFFIX = "_cmds"


@dataclass(frozen=True)
class IndexedCommand:
    """Where a command lives (``module:attribute`` in this package) and its one-line help."""

    target: str
    short_help: str

    @property
    def module(self) -> str:
        return self.target.partition(":")[0]

    def load(self) -> click.Command:
        """Import the command's module and return the command object."""
        module, _, attribute = self.target.partition(":")
        command = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
        assert isinstance(command, click.Command), self.target
        return command

    def stand_in(self, name: str) -> click.Command:
        """A command that only carries the help, for listing without the import."""
        return click.Command(name, help=self.short_help)


# Every command of every *_cmds.py module's COMMANDS, by name.  short_help is the
# command's get_short_help_str() at full length; tests/test_cli_lazy.py checks both.
COMMAND_INDEX: dict[str, IndexedCommand] = {
    "audit": IndexedCommand(
        "audit_cmds:audit_group",
        "The audit log: who published, approved, ran and reported what, and when.",
    ),
    "demo": IndexedCommand(
        "workspace_cmds:demo_command",
        "Build a demo workspace in DIRECTORY and evaluate it end to end.",
    ),
    "explain": IndexedCommand(
        "explain_cmds:explain_command",
        "Print the compiled SQL of RULES for a period, each statement commented with the "
        "indicators it computes (no data needed).",
    ),
    "generate": IndexedCommand(
        "generate_cmds:generate_command",
        "Generate demo CRM data: staff, customers, orders, opportunities and the rest.",
    ),
    "import": IndexedCommand(
        "data_cmds:import_command",
        "Import CSV, XLSX or JSON Lines FILES into the workspace database.",
    ),
    "init": IndexedCommand(
        "workspace_cmds:init_command",
        "Create a workspace in DIRECTORY: rules/, data/, appraisal.toml and the tables.",
    ),
    "report": IndexedCommand(
        "report_cmds:report_command",
        "Render a stored run (RUN_ID, or latest) as a report bundle in --out.",
    ),
    "rules": IndexedCommand(
        "rules_registry_cmds:rules_group",
        "The rule registry: publish, approve (maker-checker), retire, history and diffs.",
    ),
    "run": IndexedCommand(
        "run_cmds:run_command",
        "Evaluate RULES for a period on the workspace's data and store the run.",
    ),
    "schema": IndexedCommand(
        "rules_cmds:schema_command",
        "Write the JSON Schemas of the rule language (for editors and CI).",
    ),
    "test": IndexedCommand(
        "rules_registry_cmds:test_command",
        "Run the rule tests kept beside the rules: PASS, FAIL and ERROR per case.",
    ),
    "validate": IndexedCommand(
        "rules_cmds:validate_command",
        "Check rule sets: structure, types and meaning; report every issue at once.",
    ),
}


def command_modules() -> list[str]:
    """Names of this package's ``*_cmds`` modules, found on disk, sorted."""
    import pkgutil

    found = (info.name for info in pkgutil.iter_modules(__path__))
    return sorted(name for name in found if name.endswith(COMMAND_MODULE_SUFFIX))


class AppraisalGroup(click.Group):
    """The root group: loads commands on first use and turns UserError into exit code 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_unindexed()
        return sorted(set(COMMAND_INDEX) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        entry = COMMAND_INDEX.get(cmd_name)
        if entry is None:
            self._load_unindexed()
            return self.commands.get(cmd_name)
        command = entry.load()
        self.add_command(command, cmd_name)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        # click suggests close names among loaded commands only; offer all of them.
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand as exc:
            names = self.list_commands(ctx)
            raise click.exceptions.NoSuchCommand(
                exc.command_name, possibilities=names, ctx=ctx
            ) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The Commands section, from the index where a command is not loaded yet."""
        rows = [(name, command) for name, command in self._listed(ctx) if not command.hidden]
        if not rows:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in rows)
        with formatter.section("Commands"):
            formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as exc:
            raise click.ClickException(str(exc)) from exc

    def _listed(self, ctx: click.Context) -> Iterator[tuple[str, click.Command]]:
        """Each command, or for one not loaded a stand-in carrying its indexed help."""
        for name in self.list_commands(ctx):
            if name in self.commands:
                yield name, self.commands[name]
            else:
                yield name, COMMAND_INDEX[name].stand_in(name)

    def _load_unindexed(self) -> None:
        """Register the commands of ``*_cmds`` modules the index does not name."""
        indexed = {entry.module for entry in COMMAND_INDEX.values()}
        for module_name in command_modules():
            if module_name not in indexed:
                module = importlib.import_module(f"{__name__}.{module_name}")
                for command in module.COMMANDS:
                    if command.name not in self.commands:
                        self.add_command(command)


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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="appraisal")
