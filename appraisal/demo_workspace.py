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

from appraisal.audit.runs import audited_run
from appraisal.demo.generator import generate
from appraisal.demo.writer import write_files
from appraisal.importing import ImportReport, import_files
from appraisal.importing.api import ProgressCallback
from appraisal.report.bundle import write_report
from appraisal.report.options import ReportOptions
from appraisal.resources import resource_dir
from appraisal.spec.enums import Language
from appraisal.store.database import connect, create_schema
from appraisal.validation.validator import load_ruleset
from appraisal.workspace import Workspace, init_workspace

DEMO_PERIOD = "2026Q3"
"""The quarter the demo evaluates: the generated data ends on 2026-09-30."""
DEMO_ACTOR = "demo"


@dataclass(frozen=True)
class DemoEvaluation:
    """One example rule set evaluated: its stored run and the report bundles written."""

    ruleset_id: str
    run_id: str
    indexes: tuple[Path, ...]
    """The index page of each report bundle (one per language)."""


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


def evaluate_demo(
    workspace: Workspace,
    rule_files: tuple[Path, ...],
    on_step: Callable[[str], None] = lambda _step: None,
) -> tuple[DemoEvaluation, ...]:
    """Evaluate every example rule set for the demo quarter and write HR's report
    bundles in Chinese and English under ``reports/<rule set>/<language>/``."""
    evaluations = []
    engine = connect(workspace.database_url)
    try:
        for rule_file in rule_files:
            ruleset = load_ruleset(rule_file)
            on_step(f"evaluating {ruleset.metadata.id} for {DEMO_PERIOD}")
            result = audited_run(
                ruleset,
                DEMO_PERIOD,
                workspace=workspace,
                rules_dir=rule_file.parent,
                actor=DEMO_ACTOR,
            )
            assert result.run is not None  # a stored run always has its record
            indexes = []
            for language in (Language.ZH, Language.EN):
                out_dir = workspace.root / "reports" / ruleset.metadata.id / language.value
                on_step(f"writing {language.value} reports of {ruleset.metadata.id}")
                write_report(
                    engine,
                    result.run.run_id,
                    out_dir,
                    ReportOptions(language=language),
                    actor=DEMO_ACTOR,
                )
                indexes.append(out_dir / "index.html")
            evaluations.append(
                DemoEvaluation(ruleset.metadata.id, result.run.run_id, tuple(indexes))
            )
    finally:
        engine.dispose()
    return tuple(evaluations)
