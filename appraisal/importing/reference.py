"""The accepted headers of every entity, as Markdown for docs/importing.md.

Generated from the schema so the documentation cannot drift from what the
importer accepts (a test compares the two).
"""

from __future__ import annotations

from appraisal.importing.entities import ENTITY_NAMES, ColumnSpec, entity_spec
from appraisal.importing.headers import accepted_names
from appraisal.store.schema import ENTITIES


def _rules(column: ColumnSpec) -> str:
    notes = []
    info = column.info
    if info.enum:
        notes.append("one of " + ", ".join(f"`{value}`" for value in info.enum))
    if column.int_range and column.int_range != (-(2**31), 2**31 - 1):
        low, high = column.int_range
        notes.append(f"{low}–{high}")
    if info.references:
        notes.append(f"refers to `{info.references}`")
    if column.max_length and column.kind in ("id", "text", "code"):
        notes.append(f"≤ {column.max_length} characters")
    return "; ".join(notes)


def _row(column: ColumnSpec) -> str:
    names = ", ".join(f"`{name}`" for name in accepted_names(column))
    required = "yes" if column.info.required else ""
    return f"| {names} | {column.kind} | {required} | {_rules(column)} |"


def headers_markdown() -> str:
    """One section per entity: file names, then a table of columns and accepted headers."""
    parts: list[str] = []
    for name in ENTITIES:
        spec = entity_spec(name)
        key = ", ".join(f"`{k}`" for k in spec.key)
        files = ", ".join(f"`{alias}`" for alias in ENTITY_NAMES[name])
        parts.append(f"### {name}\n")
        parts.append(f"File or sheet names: {files}. Key: {key}.\n")
        parts.append("| headers (any of) | kind | required | rules |")
        parts.append("|---|---|---|---|")
        parts.extend(_row(column) for column in spec.columns)
        parts.append("")
    return "\n".join(parts)
