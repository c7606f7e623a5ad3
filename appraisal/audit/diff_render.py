"""A semantic diff as text, Markdown or JSON.

Text reads one change per line, ``where: field before → after``, in the words
of the rule files (ids, codes, field names), so it reads the same to Chinese
and English speakers.  Values are shown in canonical form: numbers normalised,
expressions in canonical spelling, missing values as ``—``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from appraisal.audit.canonical import canonical_value, short_hash
from appraisal.audit.diff import Change, ChangeKind, DiffReport, RuleSetDiff

NONE = "—"
SEPARATOR = " › "


def show(value: Any) -> str:
    """A value as people read it: ``20``, ``0.03``, ``[a, b]``, ``{at: 1, score: 100}``."""
    if value is None:
        return NONE
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        inner = ", ".join(f"{k}: {show(v)}" for k, v in value.items() if v not in (None, [], {}))
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)


def change_text(change: Change) -> str:
    """``scorecard am › quantitative › sales_amount: weight 20 → 25``."""
    where = SEPARATOR.join(change.where)
    match change.kind:
        case ChangeKind.ADDED:
            what = f"{change.field} added" if change.field else "added"
        case ChangeKind.REMOVED:
            what = f"{change.field} removed" if change.field else "removed"
        case ChangeKind.CHANGED:
            what = f"{change.field} {show(change.before)} → {show(change.after)}".lstrip()
    return f"{where}: {what}"


def _version(version: str | None, digest: str | None) -> str:
    return f"{version} (sha256 {short_hash(digest or '')})"


def _heading(diff: RuleSetDiff) -> str:
    """``id 1.0 → 1.1 (sha256 a → b): 2 changes``, or what else happened to the rule set."""
    name = diff.ruleset_id
    match diff.status:
        case "added":
            return f"{name}: added, {_version(diff.new_version, diff.new_hash)}"
        case "removed":
            return f"{name}: removed, was {_version(diff.old_version, diff.old_hash)}"
    if diff.old_hash == diff.new_hash:
        return f"{name} {_version(diff.new_version, diff.new_hash)}: identical"
    versions = f"{diff.old_version} → {diff.new_version}"
    hashes = f"sha256 {short_hash(diff.old_hash or '')} → {short_hash(diff.new_hash or '')}"
    if not diff.changes:
        return f"{name} {versions} ({hashes}): no changes of meaning (only item order differs)"
    count = len(diff.changes)
    return f"{name} {versions} ({hashes}): {count} change{'' if count == 1 else 's'}"


def render_text(report: DiffReport) -> str:
    """One heading per rule set, then one indented line per change."""
    lines = [f"--- {report.old_label}", f"+++ {report.new_label}"]
    for diff in report.rulesets:
        lines.append(_heading(diff))
        lines.extend(f"  {change_text(c)}" for c in diff.changes)
    return "\n".join(lines) + "\n"


def _cell(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(report: DiffReport) -> str:
    """A heading and a table of changes per rule set."""
    lines = [f"# Rule changes: `{_cell(report.old_label)}` → `{_cell(report.new_label)}`", ""]
    for diff in report.rulesets:
        lines.extend([f"## {_cell(_heading(diff))}", ""])
        if not diff.changes:
            continue
        lines.extend(["| where | field | change | before | after |", "|---|---|---|---|---|"])
        for c in diff.changes:
            cells = (SEPARATOR.join(c.where), c.field, c.kind.value, show(c.before), show(c.after))
            lines.append("| " + " | ".join(_cell(x) for x in cells) + " |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _change_data(change: Change) -> dict[str, Any]:
    return {
        "where": list(change.where),
        "field": change.field,
        "change": change.kind.value,
        "before": canonical_value(change.before),
        "after": canonical_value(change.after),
        "text": change_text(change),
    }


def _ruleset_data(diff: RuleSetDiff) -> dict[str, Any]:
    def side(version: str | None, digest: str | None) -> dict[str, str] | None:
        return None if version is None or digest is None else {"version": version, "hash": digest}

    return {
        "id": diff.ruleset_id,
        "status": diff.status,
        "old": side(diff.old_version, diff.old_hash),
        "new": side(diff.new_version, diff.new_hash),
        "changes": [_change_data(c) for c in diff.changes],
    }


def render_json(report: DiffReport) -> str:
    """Every change as data (canonical values), stable keys."""
    payload = {
        "old": report.old_label,
        "new": report.new_label,
        "changed": report.has_changes,
        "rule_sets": [_ruleset_data(d) for d in report.rulesets],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
