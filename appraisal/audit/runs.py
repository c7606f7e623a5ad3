"""Runs in the audit trail: official runs gated on the registry, every run recorded.

An official run needs the registry's approval: the rule set's content hash
must be an approved version in force for the whole period and not superseded
(:func:`appraisal.audit.registry.require_official`).  Every run, official or
draft, appends a ``run`` record to the audit log with the hashes that identify
it: rules, data fingerprint and results.  :func:`audited_evaluation` does all
of it in one transaction, so a run is never stored without its audit record.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from appraisal.audit.audit_log import AuditRecord, EventKind, append_event
from appraisal.audit.canonical import content_hash
from appraisal.audit.registry import StoredVersion, require_official
from appraisal.engine.context import EvaluationContext
from appraisal.engine.evaluate import (
    OVERFLOW,
    Progress,
    check_rules,
    consistent_transaction,
    evaluate_frames,
    evaluation_engine,
    is_overflow,
    measure_frames,
    measured_history,
)
from appraisal.engine.persist import RunRecord
from appraisal.engine.results import EvaluationResult
from appraisal.errors import IssuesError, UserError
from appraisal.periods import Period
from appraisal.spec.models import RuleSet
from appraisal.store.sources import Catalog
from appraisal.validation.validator import validate_ruleset
from appraisal.workspace import Workspace

ACTOR_ENV = "APPRAISAL_ACTOR"


def record_run(
    conn: Connection, run: RunRecord, *, actor: str, registry: StoredVersion | None = None
) -> AuditRecord:
    """Append the ``run`` record of a stored run (in the caller's transaction)."""
    return append_event(
        conn,
        EventKind.RUN,
        actor,
        {
            "run_id": run.run_id,
            "ruleset_id": run.ruleset_id,
            "ruleset_version": run.ruleset_version,
            "ruleset_hash": run.ruleset_hash,
            "registry_version": str(registry.ref) if registry else None,
            "period": run.period,
            "data_fingerprint": run.data_fingerprint,
            "results_hash": run.results_hash,
            "engine_version": run.engine_version,
            "backend": run.backend,
            "official": run.official,
        },
        subject=f"run {run.run_id}",
    )


def record_report(
    conn: Connection,
    *,
    run_id: str,
    actor: str,
    report: str,
    output_hash: str,
    output_format: str,
) -> AuditRecord:
    """Append a ``report`` record: which output of which run was produced, by its hash."""
    return append_event(
        conn,
        EventKind.REPORT,
        actor,
        {"run_id": run_id, "report": report, "format": output_format, "output_hash": output_hash},
        subject=f"run {run_id}",
    )


def default_actor() -> str:
    """Who runs an evaluation, for the audit log: ``APPRAISAL_ACTOR``, else the login name."""
    named = os.environ.get(ACTOR_ENV, "").strip()
    if named:
        return named
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (e.g. a container without a passwd entry)
        return "unknown"


def audited_evaluation(
    engine: Engine,
    ruleset: RuleSet,
    period: Period,
    *,
    actor: str,
    official: bool = False,
    timezone: str,
    rules_dir: Path | None = None,
    catalog: Catalog | None = None,
    progress: Progress | None = None,
) -> tuple[EvaluationResult, AuditRecord]:
    """Evaluate and store a run with its audit record, in one transaction.

    ``official`` first requires the registry's approval for the period
    (:class:`~appraisal.audit.registry.NotOfficialError` says why not).
    """
    issues = validate_ruleset(ruleset)
    if issues.has_blocking_issues:
        raise IssuesError(issues.errors)
    if official:
        check_rules(ruleset, period, official)  # the rule file's own status and dates first
    with consistent_transaction(engine) as conn:
        approved = require_official(conn, content_hash(ruleset), period) if official else None
        ctx = EvaluationContext(ruleset, period, catalog or Catalog(), timezone)
        if progress is not None:
            progress("measure")
        frames = measure_frames(conn, ctx, rules_dir)
        history = measured_history(conn, ctx, rules_dir)
        result = evaluate_frames(
            conn, ctx, frames, history=history, official=official, progress=progress
        )
        assert result.run is not None
        return result, record_run(conn, result.run, actor=actor, registry=approved)


def audited_run(
    ruleset: RuleSet,
    period: Period | str,
    *,
    workspace: Workspace,
    official: bool = False,
    rules_dir: Path | None = None,
    progress: Progress | None = None,
    actor: str | None = None,
) -> EvaluationResult:
    """What ``appraisal run`` does: :func:`audited_evaluation` on the workspace's database.

    Arithmetic overflow (SQLite and DuckDB compute money in 64-bit integers) is
    reported as a user error; nothing is stored then.
    """
    the_period = period if isinstance(period, Period) else Period.parse(period)
    engine = evaluation_engine(workspace)
    try:
        result, _record = audited_evaluation(
            engine,
            ruleset,
            the_period,
            actor=actor or default_actor(),
            official=official,
            timezone=workspace.timezone,
            rules_dir=rules_dir,
            progress=progress,
        )
    except sa.exc.DBAPIError as exc:
        if is_overflow(exc):
            raise UserError(OVERFLOW) from exc
        raise
    finally:
        engine.dispose()
    return result
