"""Run rule tests: each case on a scratch database, PASS, FAIL or ERROR.

Every test file gets a fresh embedded database (DuckDB by default) in a
temporary folder; every case inserts its rows and evaluates its period inside
a transaction that is rolled back, so cases never see each other's rows.

* PASS: every expectation holds.
* FAIL: the rules ran and produced something else (each difference listed).
* ERROR: the case could not be checked: a bad row, an unknown id, rules that
  do not validate, or the evaluation refused to run.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy.engine import Engine

from appraisal.audit.case_data import case_rows, insert_rows
from appraisal.audit.evaluation import evaluate_with_frames, scratch
from appraisal.audit.rule_checks import CaseError, check_expectation
from appraisal.audit.rule_tests import (
    TESTS_FOLDER,
    TESTS_SUFFIX,
    LoadedTests,
    RuleTestCase,
    load_rule_tests,
    rule_tests_path,
)
from appraisal.errors import IssuesError, UserError
from appraisal.periods import Period
from appraisal.spec.models import RuleSet
from appraisal.spec.parse import display_name, expand_paths
from appraisal.store.database import connect, create_schema
from appraisal.validation.validator import check_ruleset

BACKENDS = ("duckdb", "sqlite")


class Status(StrEnum):
    """The outcome of one case."""

    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"


@dataclass(frozen=True)
class CaseOutcome:
    """One case's status and, unless it passed, why."""

    name: str
    status: Status
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileOutcome:
    """The cases of one test file (or the reason none could run)."""

    tests: str
    rules: str
    cases: tuple[CaseOutcome, ...]

    def count(self, status: Status) -> int:
        """How many cases ended with ``status``."""
        return sum(1 for c in self.cases if c.status is status)

    @property
    def ok(self) -> bool:
        """True when every case passed."""
        return all(c.status is Status.PASS for c in self.cases)


def _scratch_url(folder: Path, backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'cases.sqlite'}"
    return f"duckdb:///{folder / 'cases.duckdb'}"


def _run_case(
    engine: Engine, loaded: LoadedTests, ruleset: RuleSet, index: int, case: RuleTestCase
) -> CaseOutcome:
    assert loaded.tests is not None and loaded.document is not None
    try:
        rows = case_rows(
            case.data, ("cases", index, "data"), loaded.document, loaded.tests.timezone
        )
        with scratch(engine) as conn:
            insert_rows(conn, rows)
            result, frames = evaluate_with_frames(
                conn,
                ruleset,
                Period.parse(case.period),
                timezone=loaded.tests.timezone,
                rules_dir=loaded.rules_path.parent,
            )
            assert result.run is not None
            problems = [
                line
                for expect in case.expect
                for line in check_expectation(conn, result.run.run_id, ruleset, frames, expect)
            ]
    except IssuesError as exc:
        return CaseOutcome(case.name, Status.ERROR, tuple(i.render() for i in exc.issues))
    except (CaseError, UserError) as exc:
        return CaseOutcome(case.name, Status.ERROR, (str(exc),))
    except Exception as exc:  # an engine failure is the case's ERROR, not the runner's
        return CaseOutcome(case.name, Status.ERROR, (f"{type(exc).__name__}: {exc}",))
    return CaseOutcome(case.name, Status.FAIL if problems else Status.PASS, tuple(problems))


def _file_error(tests: str, rules: str, messages: Iterable[str]) -> FileOutcome:
    return FileOutcome(tests, rules, (CaseOutcome("(file)", Status.ERROR, tuple(messages)),))


def run_test_file(path: Path, backend: str = "duckdb") -> FileOutcome:
    """Run every case of one test file on a scratch database of ``backend``."""
    name = display_name(path)
    loaded = load_rule_tests(path, name)
    rules_name = display_name(loaded.rules_path)
    if loaded.tests is None or loaded.document is None:
        return _file_error(name, rules_name, (i.render() for i in loaded.issues))
    if not loaded.rules_path.is_file():
        return _file_error(name, rules_name, (f"the rules tested, {rules_name}, do not exist",))
    report = check_ruleset(loaded.rules_path)
    if report.ruleset is None:
        return _file_error(name, rules_name, (i.render() for i in report.results.errors))
    with tempfile.TemporaryDirectory(prefix="appraisal-tests-") as folder:
        engine = connect(_scratch_url(Path(folder), backend))
        try:
            create_schema(engine)
            cases = tuple(
                _run_case(engine, loaded, report.ruleset, index, case)
                for index, case in enumerate(loaded.tests.cases)
            )
        finally:
            engine.dispose()
    return FileOutcome(name, rules_name, cases)


@dataclass(frozen=True)
class Selection:
    """The test files found for some paths, and the rule sets that have none."""

    test_files: tuple[Path, ...]
    untested: tuple[Path, ...]


def find_tests(paths: Sequence[Path]) -> Selection:
    """Test files for rule files, folders of rule files, or test files named directly."""
    tests: list[Path] = []
    untested: list[Path] = []
    for path in paths:
        if path.is_file() and path.name.endswith(TESTS_SUFFIX):
            tests.append(path)
            continue
        for root in expand_paths((path,)):
            candidate = rule_tests_path(root)
            (tests if candidate.is_file() else untested).append(
                candidate if candidate.is_file() else root
            )
        if path.is_dir():
            extra = sorted((path / TESTS_FOLDER).glob(f"*{TESTS_SUFFIX}"))
            tests.extend(p for p in extra if p not in tests)
    unique = list(dict.fromkeys(p.resolve() for p in tests))
    return Selection(tuple(unique), tuple(untested))


def render_outcomes(outcomes: Sequence[FileOutcome], untested: Sequence[Path] = ()) -> str:
    """One block per file, one line per case, messages indented, then the counts."""
    lines: list[str] = []
    for outcome in outcomes:
        lines.append(f"{outcome.tests} ({outcome.rules})")
        for case in outcome.cases:
            lines.append(f"  {case.status.value:<5} {case.name}")
            lines.extend(f"        {m}" for m in case.messages)
    cases = [c for o in outcomes for c in o.cases]
    counts = {s: sum(1 for c in cases if c.status is s) for s in Status}
    noun = "case" if len(cases) == 1 else "cases"
    lines.append(
        f"{len(cases)} {noun}: {counts[Status.PASS]} passed, {counts[Status.FAIL]} failed, "
        f"{counts[Status.ERROR]} error{'' if counts[Status.ERROR] == 1 else 's'}"
    )
    if untested:
        names = ", ".join(display_name(p) for p in untested)
        lines.append(f"No tests for: {names} (add {TESTS_FOLDER}/<name>{TESTS_SUFFIX} beside them)")
    return "\n".join(lines) + "\n"
