"""Lazy command loading: the index lists every command without importing its module.

Module-loading checks run in a fresh interpreter (a subprocess), because this
process has imported most of the package already.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from appraisal.cli import COMMAND_INDEX, cli, command_modules

# Libraries and packages only some commands need (reports, workbooks, Arrow files).
HEAVY = ("openpyxl", "xlsxwriter", "jinja2", "babel", "pyarrow", "appraisal.report")

COMMANDS_SECTION = """\
Commands:
  audit     The audit log: who published, approved, ran and reported what,...
  demo      Build a demo workspace in DIRECTORY and evaluate it end to end.
  explain   Print the compiled SQL of RULES for a period, each statement...
  generate  Generate demo CRM data: staff, customers, orders, opportunities...
  import    Import CSV, XLSX or JSON Lines FILES into the workspace database.
  init      Create a workspace in DIRECTORY: rules/, data/, appraisal.toml...
  report    Render a stored run (RUN_ID, or latest) as a report bundle in...
  rules     The rule registry: publish, approve (maker-checker), retire,...
  run       Evaluate RULES for a period on the workspace's data and store...
  schema    Write the JSON Schemas of the rule language (for editors and CI).
  test      Run the rule tests kept beside the rules: PASS, FAIL and ERROR...
  validate  Check rule sets: structure, types and meaning; report every...
"""

# argv: result file, index names to drop ("" for none), then the command line.
PROBE = """
import json, sys
import appraisal.cli
for name in filter(None, sys.argv[2].split(",")):
    del appraisal.cli.COMMAND_INDEX[name]
try:
    appraisal.cli.cli.main(sys.argv[3:], prog_name="appraisal", terminal_width=80)
except SystemExit as exc:
    code = exc.code
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""


def probe(tmp_path: Path, *args: str, drop: str = "") -> tuple[int, str, str, set[str]]:
    """Run the command line in a fresh interpreter: exit code, stdout, stderr, modules."""
    result_file = tmp_path / "probe.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(result_file), drop, *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    found = json.loads(result_file.read_text(encoding="utf-8"))
    return found["code"], done.stdout, done.stderr, set(found["modules"])


def commands_by_module() -> dict[str, tuple[str, click.Command]]:
    """Every command of every ``*_cmds`` module's COMMANDS: name → (module, command)."""
    found: dict[str, tuple[str, click.Command]] = {}
    for module_name in command_modules():
        module = importlib.import_module(f"appraisal.cli.{module_name}")
        for command in module.COMMANDS:
            assert command.name is not None
            assert command.name not in found, f"{command.name} is defined twice"
            found[command.name] = (module_name, command)
    return found


def command_modules_loaded(modules: set[str]) -> set[str]:
    return {m.rpartition(".")[2] for m in modules if m.startswith("appraisal.cli.")}


def test_the_heavy_modules_named_exist() -> None:
    for name in HEAVY:
        assert importlib.util.find_spec(name) is not None, name


def test_help_lists_every_command_without_importing_any(tmp_path: Path) -> None:
    code, output, errors, modules = probe(tmp_path, "--help")
    assert (code, errors) == (0, "")
    assert output.split("\n\n")[-1] == COMMANDS_SECTION
    assert command_modules_loaded(modules) == set()
    assert [name for name in HEAVY if name in modules] == []


def test_lazy_listing_is_the_listing_of_the_loaded_commands(tmp_path: Path) -> None:
    _, lazy, _, _ = probe(tmp_path, "--help")
    for name in commands_by_module():
        cli.get_command(click.Context(cli), name)
    loaded = CliRunner().invoke(cli, ["--help"], prog_name="appraisal", terminal_width=80)
    assert loaded.exit_code == 0
    assert loaded.output == lazy


def test_run_imports_only_its_own_command_module(tmp_path: Path) -> None:
    code, output, errors, modules = probe(tmp_path, "run", "--help")
    assert (code, errors) == (0, "")
    assert output.startswith("Usage: appraisal run [OPTIONS] RULES\n")
    assert command_modules_loaded(modules) == {"run_cmds"}
    assert [name for name in HEAVY if name in modules] == []


def test_groups_load_their_subcommands(tmp_path: Path) -> None:
    code, output, _, modules = probe(tmp_path, "rules", "--help")
    assert code == 0
    listed = output.split("Commands:\n")[1].splitlines()
    assert [line.split()[0] for line in listed] == [
        "approve",
        "diff",
        "impact",
        "log",
        "publish",
        "retire",
    ]
    assert command_modules_loaded(modules) == {"rules_registry_cmds"}
    result = CliRunner().invoke(cli, ["audit", "--help"])
    assert result.exit_code == 0
    listed = result.output.split("Commands:\n")[1].splitlines()
    assert [line.split()[0] for line in listed] == ["follow-ups", "log", "reproduce", "verify"]


def test_unknown_command_suggests_commands_not_loaded_yet(tmp_path: Path) -> None:
    code, output, errors, _ = probe(tmp_path, "rulez")
    assert (code, output) == (2, "")
    assert errors == (
        "Usage: appraisal [OPTIONS] COMMAND [ARGS]...\n"
        "Try 'appraisal --help' for help.\n\n"
        "Error: No such command 'rulez'. Did you mean 'rules'?\n"
    )


def test_a_command_module_missing_from_the_index_is_still_found(tmp_path: Path) -> None:
    code, output, _, modules = probe(tmp_path, "--help", drop="run")
    assert code == 0
    assert output.split("\n\n")[-1] == COMMANDS_SECTION
    assert command_modules_loaded(modules) == {"run_cmds"}
    code, output, _, _ = probe(tmp_path, "run", "--help", drop="run")
    assert code == 0
    assert output.startswith("Usage: appraisal run [OPTIONS] RULES\n")


def _index_entry(name: str, module_name: str, command: click.Command) -> str:
    assert command.callback is not None
    target = f"{module_name}:{command.callback.__name__}"
    return f"    {name!r}: IndexedCommand({target!r}, {command.get_short_help_str(10_000)!r}),"


def test_index_names_exactly_the_commands_of_the_modules() -> None:
    found = commands_by_module()
    wanted = "\n".join(_index_entry(name, *found[name]) for name in sorted(found))
    assert sorted(COMMAND_INDEX) == sorted(found), f"COMMAND_INDEX should be:\n{wanted}"
    for name, (module_name, command) in found.items():
        entry = COMMAND_INDEX[name]
        assert entry.module == module_name, f"{name}: {entry.target} is not in {module_name}"
        assert entry.load() is command, f"{name}: {entry.target} is another object"
        assert not command.hidden, f"{name}: hidden commands would be listed by the index"


@pytest.mark.parametrize("limit", [20, 45, 66, 86, 10_000])
def test_indexed_help_is_the_commands_own_short_help(limit: int) -> None:
    for name, (_, command) in commands_by_module().items():
        indexed = COMMAND_INDEX[name]
        assert indexed.short_help == command.get_short_help_str(10_000), name
        assert indexed.stand_in(name).get_short_help_str(limit) == command.get_short_help_str(
            limit
        ), name
