"""Findings: (row position, order, message) triples, the reasons rows are rejected.

Every check adds findings as a small Arrow table; a row is rejected when it has
at least one.  ``order`` sorts a row's reasons the way the file reads: by
column position, then from basic checks (empty, type) to relations (duplicate,
reference).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

SCHEMA = pa.schema([("pos", pa.int64()), ("order", pa.int32()), ("message", pa.string())])
SEPARATOR = "; "


def empty() -> pa.Table:
    """No findings."""
    return SCHEMA.empty_table()


def from_problems(problems: pa.Array, offset: int, order: int, prefix: str = "") -> pa.Table:
    """Findings for the non-null entries of a per-row problem array."""
    if isinstance(problems, pa.ChunkedArray):
        problems = problems.combine_chunks()
    index = pc.indices_nonzero(pc.is_valid(problems))
    messages = pc.take(problems, index)
    if prefix:
        messages = pc.binary_join_element_wise(prefix, messages, "")
    return pa.table(
        {
            "pos": pc.add(pc.cast(index, pa.int64()), offset),
            "order": pa.array([order] * len(index), pa.int32()),
            "message": messages,
        },
        schema=SCHEMA,
    )


def at(positions: pa.Array, messages: pa.Array, order: pa.Array | int) -> pa.Table:
    """Findings for explicit row positions."""
    orders = order if isinstance(order, pa.Array) else pa.array([order] * len(positions))
    return pa.table(
        {
            "pos": pc.cast(positions, pa.int64()),
            "order": pc.cast(orders, pa.int32()),
            "message": messages,
        },
        schema=SCHEMA,
    )


def combine(tables: list[pa.Table]) -> pa.Table:
    """All findings of several checks."""
    return pa.concat_tables([empty(), *tables]).combine_chunks()


def rejected_positions(findings: pa.Table) -> pa.Array:
    """Distinct positions of rows with at least one finding, ascending."""
    unique = pc.unique(findings.column("pos"))
    return pc.take(unique, pc.array_sort_indices(unique))


def reasons(findings: pa.Table) -> pa.Table:
    """One row per rejected position: ``pos`` and all its ``reasons`` joined, in order."""
    ordered = findings.sort_by([("pos", "ascending"), ("order", "ascending")])
    grouped = ordered.group_by("pos", use_threads=False).aggregate([("message", "list")])
    return pa.table(
        {
            "pos": grouped.column("pos"),
            "reasons": pc.binary_join(grouped.column("message_list"), SEPARATOR),
            "messages": grouped.column("message_list"),
        }
    ).sort_by("pos")
