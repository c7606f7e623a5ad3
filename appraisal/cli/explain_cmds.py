"""``appraisal explain``: the SQL an evaluation runs, and the trace of one subject's numbers."""

from __future__ import annotations

from pathlib import Path

import click

from appraisal.cli import workspace_from
from appraisal.engine.explain import DIALECTS, explain
from appraisal.periods import Period
from appraisal.store.database import connect
from appraisal.validation.validator import load_ruleset


@click.command("explain")
@click.argument("rules", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--period", "period_code", required=True, help="Period, e.g. 2026Q3 or 2026-08.")
@click.option("--subject", help="Trace every number of this staff, team or customer id.")
@click.option("--indicator", help="Only this indicator's statements (or trace lines).")
@click.option(
    "--dialect",
    type=click.Choice(DIALECTS),
    default="duckdb",
    show_default=True,
    help="SQL dialect the statements are rendered for.",
)
@click.pass_context
def explain_command(
    ctx: click.Context,
    rules: Path,
    period_code: str,
    subject: str | None,
    indicator: str | None,
    dialect: str,
) -> None:
    """Print the compiled SQL of RULES for a period, each statement commented with the
    indicators it computes (no data needed).

    With --subject, measure the workspace's data instead and trace that subject's
    numbers: formula and inputs, target and where it came from, and the first
    source rows each aggregate counted (with their total).
    """
    ruleset = load_ruleset(rules)
    period = Period.parse(period_code)
    if subject is None:
        text = explain(
            ruleset, period, dialect=dialect, indicator=indicator, rules_dir=rules.parent
        )
    else:
        workspace = workspace_from(ctx)
        engine = connect(workspace.database_url)
        try:
            text = explain(
                ruleset,
                period,
                indicator=indicator,
                subject=subject,
                engine=engine,
                timezone=workspace.timezone,
                rules_dir=rules.parent,
            )
        finally:
            engine.dispose()
    click.echo(text, nl=False)


COMMANDS: tuple[click.Command, ...] = (explain_command,)
