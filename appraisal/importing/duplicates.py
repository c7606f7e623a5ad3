"""Duplicate keys within one import: every row of a repeated key is rejected.

Which of two rows with the same id is right cannot be known, so neither is
loaded; each names where the others are.  Keys are compared on their parsed
values (``Won`` and ``won`` are the same stage).  Finding repeated keys is one
hash aggregation; messages are built for the repeated rows only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from appraisal.importing import findings
from appraisal.importing.checks import CheckedSource
from appraisal.importing.entities import EntitySpec
from appraisal.importing.parsing import mask, quoted

ORDER_DUPLICATE = 1_000_000
SHOWN_OTHERS = 5


def _keys(spec: EntitySpec, sources: Sequence[CheckedSource]) -> pa.Table:
    """Key values, position and input of every row with a complete key."""
    tables = []
    for source in sources:
        n = source.num_rows
        tables.append(
            pa.table(
                {
                    **{f"k{i}": source.typed.column(k) for i, k in enumerate(spec.key)},
                    "pos": pa.array(np.arange(source.offset, source.offset + n, dtype=np.int64)),
                    "src": pa.array(np.full(n, source.index, dtype=np.int32)),
                }
            )
        )
    rows = pa.concat_tables(tables).combine_chunks()
    complete = pc.is_valid(rows.column("k0"))
    for i in range(1, len(spec.key)):
        complete = pc.and_(complete, pc.is_valid(rows.column(f"k{i}")))
    return rows.filter(mask(complete))


def _describe(spec: EntitySpec, sources: Sequence[CheckedSource], members: pa.Table) -> pa.Table:
    """Per repeated row: where it is (``loc``), its key as written and its key's label."""
    several = len(sources) > 1
    parts = []
    for source in sources:
        mine = members.filter(mask(pc.equal(members.column("src"), source.index)))
        local = pc.subtract(mine.column("pos"), source.offset)
        where = f"{source.raw.source.short} " if several else ""
        lines = pc.cast(pc.take(source.raw.lines, local), pa.string())
        key_text = [pc.fill_null(pc.take(source.text.column(k), local), "") for k in spec.key]
        shown = key_text[0] if len(key_text) == 1 else pc.binary_join_element_wise(*key_text, " / ")
        label = (
            source.label(spec.key[0])
            if len(spec.key) == 1
            else "key (" + ", ".join(source.label(k) for k in spec.key) + ")"
        )
        parts.append(
            mine.append_column(
                "loc",
                pc.binary_join_element_wise(f"{where}{source.raw.source.row_word} ", lines, ""),
            )
            .append_column("shown", quoted(shown))
            .append_column("label", pa.array([label] * mine.num_rows, pa.string()))
        )
    return pa.concat_tables(parts).sort_by("pos")


def duplicate_findings(spec: EntitySpec, sources: Sequence[CheckedSource]) -> pa.Table:
    """Findings for every row whose key appears more than once in ``sources``."""
    rows = _keys(spec, sources)
    keys = [f"k{i}" for i in range(len(spec.key))]
    counts = rows.group_by(keys, use_threads=False).aggregate([("pos", "count")])
    repeated = counts.filter(mask(pc.greater(counts.column("pos_count"), 1)))
    if repeated.num_rows == 0:
        return findings.empty()
    members = _describe(spec, sources, rows.join(repeated, keys=keys, join_type="inner"))
    groups = members.group_by(keys, use_threads=False).aggregate([("loc", "list")])
    groups = groups.append_column("group", pa.array(np.arange(groups.num_rows, dtype=np.int64)))
    members = members.join(groups.drop_columns(["loc_list"]), keys=keys).sort_by("pos")
    lists = pc.take(groups.column("loc_list"), members.column("group"))
    first = pc.list_slice(lists, 0, SHOWN_OTHERS + 1)
    flat = pc.list_flatten(first)
    parent = pc.list_parent_indices(first)
    other = mask(pc.not_equal(flat, pc.take(members.column("loc"), parent)))
    others = (
        pa.table({"parent": pc.filter(parent, other), "loc": pc.filter(flat, other)})
        .group_by("parent", use_threads=False)
        .aggregate([("loc", "list")])
        .sort_by("parent")
    )
    at = others.column("parent")
    listed = pc.binary_join(pc.list_slice(others.column("loc_list"), 0, SHOWN_OTHERS), ", ")
    more = pc.subtract(pc.take(members.column("pos_count"), at), SHOWN_OTHERS + 1)
    more_text = pc.if_else(
        mask(pc.greater(more, 0)),
        pc.binary_join_element_wise(" and ", pc.cast(more, pa.string()), " more", ""),
        "",
    )
    messages = pc.binary_join_element_wise(
        pc.take(members.column("label"), at),
        ": duplicate ",
        pc.take(members.column("shown"), at),
        " (also on ",
        listed,
        more_text,
        ")",
        "",
    )
    return findings.at(pc.take(members.column("pos"), at), messages, ORDER_DUPLICATE)
