"""``appraisal run``: evaluate a rule set for a period, store the run, summarise it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import click

from appraisal.audit.runs import audited_run, default_actor
from appraisal.cli import workspace_from
from appraisal.engine.results import EvaluationResult, ScorecardResult
from appraisal.spec.models import RuleSet
from appraisal.store.database import connect
from appraisal.validation.validator import load_ruleset
from appraisal.workspace import Workspace


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _distribution(card: ScorecardResult, ruleset: RuleSet) -> str:
    scorecard = next(c for c in ruleset.scorecards if c.id == card.scorecard_id)
    table = ruleset.tier_table(scorecard.tiers)
    counts = {t.tier: t.subjects for t in card.distribution}
    parts = [f"{band.code} {counts.get(band.code, 0)}" for band in reversed(table.ascending())]
    if counts.get(None):
        parts.append(f"unrated {counts[None]}")
    return " · ".join(parts)


def _incentive_lines(card: ScorecardResult, currency: str) -> list[str]:
    lines = []
    for incentive in card.incentives:
        if incentive.kind == "award":
            noun = "winner" if incentive.recipients == 1 else "winners"
            lines.append(f"    {incentive.incentive}: {incentive.recipients} {noun}")
        else:
            total = _money(incentive.total or Decimal(0))
            lines.append(f"    {incentive.incentive}: {total} {currency} to {incentive.recipients}")
    return lines


def summary_lines(result: EvaluationResult, ruleset: RuleSet, written: Path | None) -> list[str]:
    """The text summary printed after a run."""
    run = result.run
    assert run is not None
    lines = [
        f"Evaluated {result.ruleset_id} {result.ruleset_version} for {result.period}: "
        f"{run.status} run {run.run_id} ({run.backend})"
    ]
    currency = ruleset.settings.currency
    for card in result.scorecards:
        lines.append(
            f"  {card.scorecard_id}: {card.subject_count} subjects — {_distribution(card, ruleset)}"
        )
        money = [i.total for i in card.incentives if i.kind != "award" and i.total is not None]
        if money:
            lines.append(f"    incentives paid: {_money(sum(money, Decimal(0)))} {currency}")
        lines.extend(_incentive_lines(card, currency))
        planned = [f"{rule} {count}" for rule, count in card.plans if count]
        if card.plans:
            lines.append(f"    improvement actions: {', '.join(planned) or 'none'}")
    for seg in result.segmentations:
        shares = " · ".join(f"{code} {count}" for code, count in seg.segments)
        lines.append(f"  {seg.segmentation_id}: {seg.clients} clients — {shares}")
    if written is not None:
        lines.append(f"Results: {written}")
    return lines


def _progress() -> Callable[[str], None] | None:
    if not sys.stderr.isatty():
        return None
    return lambda stage: click.echo(f"… {stage}", err=True)


@click.command("run")
@click.argument("rules", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--period", "period_code", required=True, help="Period, e.g. 2026Q3 or 2026-08.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write the results JSON into (<rule set id>-<period>.json).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a short summary; json: the full results on standard output.",
)
@click.option(
    "--report",
    "report_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write the run's report bundle (HTML, Markdown, CSV, XLSX, JSON; for HR, in "
    "the rules' language) into this folder; `appraisal report` offers every option.",
)
@click.option(
    "--official",
    is_flag=True,
    help="Store an official run (needs a registry version approved and in force for the "
    "period: appraisal rules publish / approve).",
)
@click.pass_context
def run_command(
    ctx: click.Context,
    rules: Path,
    period_code: str,
    out_dir: Path | None,
    output_format: str,
    report_dir: Path | None,
    official: bool,
) -> None:
    """Evaluate RULES for a period on the workspace's data and store the run.

    Scores every subject, assigns tiers after gates, computes incentives,
    improvement plans, rollups and client segments, and stores them as an
    evaluation run (draft unless --official).  Prints subjects and tier
    distribution per scorecard, incentives paid and where results were written.
    The results JSON is the same, byte for byte, for the same rules and data.
    """
    workspace = workspace_from(ctx)
    ruleset = load_ruleset(rules)
    result = audited_run(  # --official needs an approved registry version; audit record
        ruleset,
        period_code,
        workspace=workspace,
        official=official,
        rules_dir=rules.parent,
        progress=_progress(),
    )
    written = None
    if out_dir is not None:
        from appraisal.files import write_atomically

        written = out_dir / f"{result.ruleset_id}-{result.period}.json"
        write_atomically(written, result.to_json().encode("utf-8"))
    if report_dir is not None:
        _write_report(workspace, result, report_dir)
    if output_format == "json":
        click.echo(result.to_json(), nl=False)
        return
    for line in summary_lines(result, ruleset, written):
        click.echo(line)
    if report_dir is not None:
        click.echo(f"Report: {report_dir / 'index.html'}")


def _write_report(workspace: Workspace, result: EvaluationResult, report_dir: Path) -> None:
    """The run's report bundle with the default options (HR, the rules' language)."""
    from appraisal.report.bundle import ReportOptions, write_report  # Jinja2, XlsxWriter, Babel

    assert result.run is not None
    engine = connect(workspace.database_url)
    try:
        write_report(engine, result.run.run_id, report_dir, ReportOptions(), actor=default_actor())
    finally:
        engine.dispose()


COMMANDS: tuple[click.Command, ...] = (run_command,)
