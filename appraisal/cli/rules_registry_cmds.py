"""``appraisal rules``: publish, approve, retire, log and diff rule versions."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import Connection

from appraisal.audit.canonical import short_hash
from appraisal.audit.diff import diff_sides
from appraisal.audit.diff_render import render_json, render_markdown, render_text
from appraisal.audit.gitinfo import git_state
from appraisal.audit.impact import analyse_impact
from appraisal.audit.impact_render import render_csv as impact_csv
from appraisal.audit.impact_render import render_html as impact_html
from appraisal.audit.impact_render import render_markdown as impact_markdown
from appraisal.audit.refs import GIT_PREFIX, is_registry_ref, resolve
from appraisal.audit.registry import (
    StoredVersion,
    VersionRef,
    approve,
    list_versions,
    publish,
    retire,
)
from appraisal.audit.rule_runner import BACKENDS, find_tests, render_outcomes, run_test_file
from appraisal.cli import workspace_from
from appraisal.errors import IssuesError, UserError
from appraisal.periods import Period
from appraisal.spec.models import RuleSet
from appraisal.spec.parse import display_name, expand_paths
from appraisal.store.database import connect
from appraisal.validation.validator import check_ruleset


@contextmanager
def _transaction(ctx: click.Context) -> Iterator[Connection]:
    engine = connect(workspace_from(ctx).database_url)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def _effective(version: StoredVersion) -> str:
    until = version.effective_to.isoformat() if version.effective_to else "open-ended"
    return f"{version.effective_from.isoformat()} – {until}"


def _git_text(version: StoredVersion) -> str:
    if version.git_commit is None:
        return "not in git"
    state = "with local changes" if version.git_dirty else "clean"
    return f"git {version.git_commit[:12]} {state}"


@click.group("rules", context_settings={"help_option_names": ["-h", "--help"]})
def rules_group() -> None:
    """The rule registry: publish, approve (maker-checker), retire, history and diffs.

    \b
    A published version is immutable: change the rules, bump metadata.version,
    publish again.  Only an approved version effective for the period drives an
    official run.  Every step is written to the audit log (appraisal audit log).
    """


@rules_group.command("publish")
@click.argument("rules", type=click.Path(exists=True, path_type=Path))
@click.option("--author", required=True, help="Who publishes (the maker).")
@click.option("--note", default="", help="Why: the change in a sentence.")
@click.pass_context
def publish_command(ctx: click.Context, rules: Path, author: str, note: str) -> None:
    """Store RULES (a rule file, or a folder of them) in the registry as drafts.

    The rules must pass `appraisal validate`.  The normalised rule set is stored
    with its content hash, version and effective dates, and the git commit when
    the files are in a git work tree.  Publishing the same content again does
    nothing; different content under a published version is refused.
    """
    roots = expand_paths((rules,))
    if not roots:
        raise UserError(f"no rule files (*.yaml, *.yml) in {rules}")
    reports = [check_ruleset(root) for root in roots]
    for report in reports:
        if report.ruleset is None:
            raise IssuesError(report.results.errors)
    _require_passing_tests(roots)
    with _transaction(ctx) as conn:
        for report in reports:
            assert report.ruleset is not None
            files = tuple(Path(name) for name in report.build.files) or (report.path,)
            outcome = publish(
                conn,
                report.ruleset,
                author=author,
                note=note,
                source=display_name(report.path),
                git=git_state(files),
            )
            v = outcome.version
            if outcome.created:
                click.echo(
                    f"Published {v.ref} as draft (sha256 {short_hash(v.content_hash)}, "
                    f"effective {_effective(v)}, {_git_text(v)})"
                )
            else:
                click.echo(
                    f"{v.ref} is already published with this content "
                    f"(sha256 {short_hash(v.content_hash)}, {v.state.value}); nothing to do"
                )


def _require_passing_tests(roots: tuple[Path, ...]) -> None:
    """Refuse to publish rules whose own tests fail (rules without tests pass)."""
    found = find_tests(roots)
    outcomes = [run_test_file(path) for path in found.test_files]
    failed = [o for o in outcomes if not o.ok]
    if failed:
        report = render_outcomes(failed).rstrip("\n")
        raise UserError(f"the rule tests do not pass; nothing was published\n{report}")


@rules_group.command("approve")
@click.argument("version")
@click.option("--approver", required=True, help="Who approves (the checker; not the author).")
@click.option("--note", default="", help="Approval note, e.g. the committee decision.")
@click.pass_context
def approve_command(ctx: click.Context, version: str, approver: str, note: str) -> None:
    """Approve VERSION (ID@VERSION): draft → approved, by someone other than its author."""
    with _transaction(ctx) as conn:
        stored = approve(conn, VersionRef.parse(version), approver=approver, note=note)
    click.echo(
        f"Approved {stored.ref} (sha256 {short_hash(stored.content_hash)}, "
        f"effective {_effective(stored)}) by {stored.history[-1].actor}"
    )


@rules_group.command("retire")
@click.argument("version")
@click.option("--by", "actor", required=True, help="Who retires it.")
@click.option("--note", default="", help="Why it is retired.")
@click.pass_context
def retire_command(ctx: click.Context, version: str, actor: str, note: str) -> None:
    """Retire VERSION (ID@VERSION): it no longer drives official runs."""
    with _transaction(ctx) as conn:
        stored = retire(conn, VersionRef.parse(version), actor=actor, note=note)
    click.echo(f"Retired {stored.ref} by {stored.history[-1].actor}")


def _version_lines(v: StoredVersion) -> list[str]:
    lines = [
        f"{v.ref}  {v.state.value}  sha256 {short_hash(v.content_hash)}  effective {_effective(v)}",
        f"  source {v.source or '—'} ({_git_text(v)})",
    ]
    for step in v.history:
        note = f"  — {step.note}" if step.note else ""
        when = step.changed_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        lines.append(f"  {step.state.value:<9} {when}  by {step.actor}{note}")
    return lines


def _version_data(v: StoredVersion) -> dict[str, Any]:
    return {
        "ruleset_id": v.ref.ruleset_id,
        "version": v.ref.version,
        "state": v.state.value,
        "content_hash": v.content_hash,
        "effective_from": v.effective_from.isoformat(),
        "effective_to": v.effective_to.isoformat() if v.effective_to else None,
        "author": v.author,
        "source": v.source,
        "git_commit": v.git_commit,
        "git_dirty": v.git_dirty,
        "history": [
            {
                "state": s.state.value,
                "actor": s.actor,
                "note": s.note,
                "at": s.changed_at.isoformat(),
            }
            for s in v.history
        ],
    }


@rules_group.command("log")
@click.argument("ruleset_id", required=False)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: for people; json: every field as data.",
)
@click.pass_context
def log_command(ctx: click.Context, ruleset_id: str | None, output_format: str) -> None:
    """List published versions (of RULESET_ID) with who published, approved, retired them."""
    with _transaction(ctx) as conn:
        versions = list_versions(conn, ruleset_id)
    if output_format == "json":
        click.echo(json.dumps([_version_data(v) for v in versions], indent=2, ensure_ascii=False))
        return
    if not versions:
        which = f" for '{ruleset_id}'" if ruleset_id else ""
        click.echo(
            f"No published rule versions{which} (appraisal rules publish RULES --author NAME)"
        )
        return
    for v in versions:
        for line in _version_lines(v):
            click.echo(line)


@rules_group.command("diff")
@click.argument("old")
@click.argument("new")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="text: one line per change; markdown: tables; json: changes as data.",
)
@click.option("--exit-code", is_flag=True, help="Exit with 1 when anything changed in meaning.")
@click.pass_context
def diff_command(
    ctx: click.Context, old: str, new: str, output_format: str, exit_code: bool
) -> None:
    """Show what changed in meaning from OLD to NEW rules.

    \b
    OLD and NEW are each:
      a rule file or folder       rules/sales-rep-quarterly.yaml, rules/
      a registry version          sales-rep-quarterly@1.1
      a file or folder in git     git:HEAD~1:rules/sales-rep-quarterly.yaml

    Formatting, comments, key order, the order of items with ids and the
    spelling of expressions are ignored; weights, targets, tiers, rates,
    indicator definitions and every other value are compared.
    """
    with ExitStack() as stack:
        conn: list[Connection] = []

        def connection() -> Connection:
            if not conn:
                conn.append(stack.enter_context(_transaction(ctx)))
            return conn[0]

        needs_db = is_registry_ref(old) or is_registry_ref(new)
        factory = connection if needs_db else None
        report = diff_sides(resolve(old, factory), resolve(new, factory), old, new)
    render = {"text": render_text, "markdown": render_markdown, "json": render_json}
    click.echo(render[output_format](report), nl=False)
    if exit_code and report.has_changes:
        ctx.exit(1)


def _single(spec: str, found: Mapping[str, RuleSet]) -> tuple[str, RuleSet]:
    if len(found) != 1:
        names = ", ".join(sorted(found))
        raise UserError(f"'{spec}' holds {len(found)} rule sets ({names}); name one rule file")
    return spec, next(iter(found.values()))


def _sheets_dir(spec: str) -> Path | None:
    """Where a side's target sheets are: the folder of a rule file on disk."""
    if spec.startswith(GIT_PREFIX) or is_registry_ref(spec):
        return None
    path = Path(spec)
    return path if path.is_dir() else path.parent


@rules_group.command("impact")
@click.argument("old")
@click.argument("new")
@click.option("--period", "period_code", required=True, help="Period evaluated, e.g. 2026Q3.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["markdown", "csv", "html"]),
    default="markdown",
    show_default=True,
    help="markdown: summary, matrices, subjects; csv: one row per subject; html: a page.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write the report to this file instead of printing it.",
)
@click.pass_context
def impact_command(
    ctx: click.Context, old: str, new: str, period_code: str, output_format: str, out: Path | None
) -> None:
    """Evaluate OLD and NEW rules on the same data and report what changes.

    Per person and client: total score, tier and money incentives before and
    after; a tier-movement matrix per scorecard; what each incentive pays in all
    (the bonus pool change).  OLD and NEW name one rule set each, as for
    `appraisal rules diff`.  Nothing is stored: both evaluations are undone.
    """
    workspace = workspace_from(ctx)
    period = Period.parse(period_code)
    engine = connect(workspace.database_url)
    try:
        with engine.connect() as conn:
            sides = [_single(spec, resolve(spec, lambda: conn)) for spec in (old, new)]
        report = analyse_impact(
            engine,
            sides[0],
            sides[1],
            period,
            timezone=workspace.timezone,
            rules_dirs=(_sheets_dir(old), _sheets_dir(new)),
        )
    finally:
        engine.dispose()
    render = {"markdown": impact_markdown, "csv": impact_csv, "html": impact_html}
    text = render[output_format](report)
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8-sig" if output_format == "csv" else "utf-8", newline="")
    click.echo(f"wrote {out} ({len(report.subjects)} subjects)")


@click.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--backend",
    type=click.Choice(BACKENDS),
    default="duckdb",
    show_default=True,
    help="Embedded database the cases run on (a scratch file, never the workspace's).",
)
@click.pass_context
def test_command(ctx: click.Context, paths: tuple[Path, ...], backend: str) -> None:
    """Run the rule tests kept beside the rules: PASS, FAIL and ERROR per case.

    PATHS are rule files, folders of them (default: the workspace's rules/) or
    test files.  The tests of rules/NAME.yaml live in rules/tests/NAME.tests.yaml:
    a few rows per entity and the values, scores, totals, tiers, incentives,
    plans and segments the rules must give.  Exits with 1 on any FAIL or ERROR.
    """
    targets = paths or (workspace_from(ctx).rules_dir,)
    found = find_tests(targets)
    if not found.test_files:
        where = ", ".join(display_name(p) for p in targets)
        raise UserError(
            f"no rule tests in {where} (expected tests/<name>.tests.yaml beside the rules)"
        )
    outcomes = [run_test_file(path, backend) for path in found.test_files]
    click.echo(render_outcomes(outcomes, found.untested), nl=False)
    if not all(o.ok for o in outcomes):
        ctx.exit(1)


COMMANDS: tuple[click.Command, ...] = (rules_group, test_command)
