"""Build the demo workspace: example rules, generated CRM data, imported and ready.

``appraisal demo`` calls :func:`build_demo`, then evaluates a quarter and writes
scorecards.  The data goes through the real importer, so the demo exercises the
same path as a company's own files.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from appraisal.demo.generator import generate
from appraisal.demo.writer import write_files
from appraisal.importing import ImportReport, import_files
from appraisal.importing.api import ProgressCallback
from appraisal.resources import resource_dir
from appraisal.store.database import connect, create_schema
from appraisal.workspace import Workspace, init_workspace

DEMO_PERIOD = "2026Q3"
"""The quarter the demo evaluates: the generated data ends on 2026-09-30."""


@dataclass(frozen=True)
class DemoWorkspace:
    """What the demo built."""

    workspace: Workspace
    rule_files: tuple[Path, ...]
    data_files: tuple[Path, ...]
    imported: ImportReport


def copy_example_rules(target: Path) -> tuple[Path, ...]:
    """Copy the shipped example rule sets (and their shared files) into ``target``."""
    source = resource_dir("rules")
    shutil.copytree(source, target, dirs_exist_ok=True)
    return tuple(sorted(target.glob("*.yaml")))


def build_demo(
    directory: Path,
    scale: float,
    seed: int,
    on_step: Callable[[str], None] = lambda _step: None,
    progress: ProgressCallback | None = None,
) -> DemoWorkspace:
    """Scaffold a workspace in ``directory``, generate data at ``scale`` and import it."""
    workspace = init_workspace(directory)
    on_step("copying example rules")
    rule_files = copy_example_rules(workspace.rules_dir)
    on_step(f"generating demo data (scale {scale}, seed {seed})")
    data_files = tuple(write_files(generate(scale, seed), workspace.data_dir))
    on_step("importing")
    engine = connect(workspace.database_url)
    try:
        create_schema(engine)
        report = import_files(engine, data_files, timezone=workspace.timezone, progress=progress)
    finally:
        engine.dispose()
    return DemoWorkspace(workspace, rule_files, data_files, report)
