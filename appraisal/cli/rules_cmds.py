"""Rule commands: ``validate`` (all three layers, every issue at once) and ``schema``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from appraisal.cli import workspace_from
from appraisal.errors import Issue, IssueLevel, UserError
from appraisal.spec.json_schema import SCHEMAS, render_schema, write_schemas
from appraisal.validation.validator import RuleSetReport, validate_paths


def _text_report(reports: tuple[RuleSetReport, ...], show_warnings: bool) -> list[str]:
    issues = sorted((i for r in reports for i in r.results.issues), key=Issue.sort_key)
    lines = [i.render() for i in issues if show_warnings or i.level is IssueLevel.ERROR]
    errors = sum(len(r.results.errors) for r in reports)
    warnings = sum(len(r.results.warnings) for r in reports)
    failed = sum(1 for r in reports if r.results.has_blocking_issues)
    noun = "rule set" if len(reports) == 1 else "rule sets"
    verdict = f"{failed} with errors" if failed else "all valid"
    summary = f"Checked {len(reports)} {noun}: {verdict}. ERRORS: {errors}, WARNINGS: {warnings}"
    if warnings and not show_warnings:
        summary += " (--show-warnings lists them)"
    return [*lines, summary]


def _json_report(reports: tuple[RuleSetReport, ...]) -> str:
    issues = sorted((i for r in reports for i in r.results.issues), key=Issue.sort_key)
    payload = {
        "rule_sets": [
            {
                "path": r.path.as_posix(),
                "id": r.ruleset.metadata.id if r.ruleset else None,
                "valid": not r.results.has_blocking_issues,
                "errors": len(r.results.errors),
                "warnings": len(r.results.warnings),
            }
            for r in reports
        ],
        "issues": [i.to_dict() for i in issues],
        "errors": sum(len(r.results.errors) for r in reports),
        "warnings": sum(len(r.results.warnings) for r in reports),
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one line per issue; json: every issue (warnings included) as data.",
)
@click.option("--show-warnings", is_flag=True, help="List warnings (SMART gaps...) too.")
@click.pass_context
def validate_command(
    ctx: click.Context, paths: tuple[Path, ...], output_format: str, show_warnings: bool
) -> None:
    """Check rule sets: structure, types and meaning; report every issue at once.

    PATHS are rule files or folders of them (default: the workspace's rules/).
    Each issue names file:line:column, the field, what was expected and a hint.
    Exits with 1 when any rule set has errors; warnings do not fail.
    """
    targets = paths or (workspace_from(ctx).rules_dir,)
    missing = [p for p in targets if not p.exists()]
    if missing:
        raise UserError(f"no such file or folder: {missing[0]}")
    reports = validate_paths(targets)
    if not reports:
        raise UserError(f"no rule files (*.yaml, *.yml) in {', '.join(map(str, targets))}")
    if output_format == "json":
        click.echo(_json_report(reports))
    else:
        for line in _text_report(reports, show_warnings):
            click.echo(line)
    if any(r.results.has_blocking_issues for r in reports):
        ctx.exit(1)


@click.command("schema")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="Folder to write the JSON Schema files into.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 if the files in --out differ from the models.",
)
def schema_command(out_dir: Path, check: bool) -> None:
    """Write the JSON Schemas of the rule language (for editors and CI).

    rule-file.schema.json describes one rule file as written; point editors at it
    with a first line  # yaml-language-server: $schema=../schemas/rule-file.schema.json
    ruleset.schema.json describes a complete rule set after includes are merged.
    """
    if check:
        stale = [
            name
            for name, build in SCHEMAS.items()
            if not (out_dir / name).is_file()
            or (out_dir / name).read_text(encoding="utf-8") != render_schema(build())
        ]
        if stale:
            raise UserError(
                f"out of date in {out_dir}: {', '.join(stale)} "
                f"(run: appraisal schema --out {out_dir})"
            )
        click.echo(f"{out_dir}: up to date")
        return
    for path in write_schemas(out_dir):
        click.echo(f"wrote {path.as_posix()}")


COMMANDS: tuple[click.Command, ...] = (validate_command, schema_command)
