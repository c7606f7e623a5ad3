"""``appraisal audit``: read and verify the hash-chained audit log."""

from __future__ import annotations

import json
from pathlib import Path

import click

from appraisal.audit.audit_log import AuditRecord, EventKind, read_log, verify_log
from appraisal.audit.canonical import short_hash
from appraisal.audit.follow_up import follow_up_report, render_follow_ups
from appraisal.audit.reproduce import render_reproduction, reproduce
from appraisal.cli import workspace_from
from appraisal.errors import UserError
from appraisal.periods import Period
from appraisal.store.database import connect
from appraisal.validation.validator import load_ruleset

MIN_HEAD_PREFIX = 12


@click.group("audit", context_settings={"help_option_names": ["-h", "--help"]})
def audit_group() -> None:
    """The audit log: who published, approved, ran and reported what, and when.

    Records are append-only and hash-chained: `appraisal audit verify` finds any
    record that was edited, removed or moved.
    """


def _record_line(record: AuditRecord) -> str:
    when = record.recorded_at[:19] + "Z"
    return (
        f"{record.seq:>5}  {when}  {record.kind:<8} {record.actor}  "
        f"{record.subject or '—'}  {short_hash(record.record_hash)}"
    )


@audit_group.command("log")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in EventKind]),
    default=None,
    help="Only records of this kind.",
)
@click.option("--subject", default=None, help="Only records about this subject, e.g. ID@VERSION.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one line per record; json: every field, payloads and hashes included.",
)
@click.pass_context
def log_command(
    ctx: click.Context, kind: str | None, subject: str | None, output_format: str
) -> None:
    """List audit records: sequence, UTC time, kind, actor, subject and record hash."""
    engine = connect(workspace_from(ctx).database_url)
    try:
        with engine.connect() as conn:
            records = read_log(conn, EventKind(kind) if kind else None, subject)
    finally:
        engine.dispose()
    if output_format == "json":
        click.echo(json.dumps([r.to_dict() for r in records], indent=2, ensure_ascii=False))
        return
    if not records:
        filtered = kind is not None or subject is not None
        click.echo("No matching audit records" if filtered else "The audit log is empty")
        return
    for record in records:
        click.echo(_record_line(record))


@audit_group.command("verify")
@click.option(
    "--head",
    "noted_head",
    default=None,
    help="A head hash noted earlier (at least 12 digits): also detects records removed "
    "from the end.",
)
@click.pass_context
def verify_command(ctx: click.Context, noted_head: str | None) -> None:
    """Check that no audit record was edited, removed or reordered.

    Exits with 1 and names the first bad record when the chain is broken.  Note
    the head hash printed on success: removing records from the end of the log
    can only be detected by comparing it later (--head).
    """
    engine = connect(workspace_from(ctx).database_url)
    try:
        with engine.connect() as conn:
            report = verify_log(conn)
            hashes = [r.record_hash for r in read_log(conn)] if noted_head else []
    finally:
        engine.dispose()
    if not report.ok:
        raise UserError(report.problem)
    if noted_head is not None:
        if len(noted_head) < MIN_HEAD_PREFIX:
            raise UserError(f"--head needs at least {MIN_HEAD_PREFIX} hex digits")
        found = [seq for seq, h in enumerate(hashes, start=1) if h.startswith(noted_head.lower())]
        if not found:
            raise UserError(
                f"the noted head {noted_head} is not in the audit log: records were removed "
                "from its end or the log was rewritten"
            )
        click.echo(f"Noted head found at record {found[0]}")
    noun = "record" if report.count == 1 else "records"
    click.echo(f"Audit log intact: {report.count} {noun}, head {report.head_hash}")


@audit_group.command("reproduce")
@click.argument("run_id")
@click.pass_context
def reproduce_command(ctx: click.Context, run_id: str) -> None:
    """Evaluate stored run RUN_ID again from its own record and compare.

    Uses the rules stored with the run (checked against their hash), its period
    and time zone, on today's data.  Says "byte-identical" or exactly what
    differs: data figures changed since (entity, column, figure) and the
    subjects and items whose results changed.  Stores nothing.  Exits with 1
    when the run is not reproduced.
    """
    engine = connect(workspace_from(ctx).database_url)
    try:
        outcome = reproduce(engine, run_id)
    finally:
        engine.dispose()
    click.echo(render_reproduction(outcome), nl=False)
    if not outcome.identical:
        ctx.exit(1)


@audit_group.command("follow-ups")
@click.argument("rules", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--period", "period_code", required=True, help="The period the actions are due in.")
@click.pass_context
def follow_ups_command(ctx: click.Context, rules: Path, period_code: str) -> None:
    """Close the loop: were earlier improvement actions' follow-up targets met?

    Finds the stored runs of the rule set whose improvement plan items fall
    due in the period (the latest run of each earlier period, official first),
    measures the period and reports each item as met, not met, or without a
    value.  Stores nothing.
    """
    workspace = workspace_from(ctx)
    ruleset = load_ruleset(rules)
    period = Period.parse(period_code)
    engine = connect(workspace.database_url)
    try:
        items = follow_up_report(
            engine, ruleset, period, timezone=workspace.timezone, rules_dir=rules.parent
        )
    finally:
        engine.dispose()
    click.echo(render_follow_ups(ruleset.metadata.id, period.code, items), nl=False)


COMMANDS: tuple[click.Command, ...] = (audit_group,)
