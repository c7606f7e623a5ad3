"""Duplicate keys within one import: every row of a repeated key is rejected.

Which of two rows with the same id is right cannot be known, so neither is
loaded; each names where the others are.  Keys are compared on their parsed
values (``Won`` and ``won`` are the same stage).
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from appraisal.importing import findings
from appraisal.importing.checks import CheckedSource
from appraisal.importing.entities import EntitySpec
from appraisal.importing.parsing import mask, quoted

ORDER_DUPLICATE = 1_000_000
SHOWN_OTHERS = 5


def _locations(source: CheckedSource, several: bool) -> pa.Array:
    where = f"{source.raw.source.display} " if several else ""
    lines = pc.cast(source.raw.lines, pa.string())
    return pc.binary_join_element_wise(f"{where}{source.raw.source.row_word} ", lines, "")


def _key_text(spec: EntitySpec, source: CheckedSource) -> pa.Array:
    parts = [pc.fill_null(source.text.column(k), "") for k in spec.key]
    joined = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, " / ")
    return quoted(joined)


def _label(spec: EntitySpec, source: CheckedSource) -> str:
    if len(spec.key) == 1:
        return source.label(spec.key[0])
    return "key (" + ", ".join(source.label(k) for k in spec.key) + ")"


def _rows(spec: EntitySpec, sources: Sequence[CheckedSource]) -> pa.Table:
    several = len(sources) > 1
    tables = []
    for source in sources:
        n = source.num_rows
        tables.append(
            pa.table(
                {
                    **{f"k{i}": source.typed.column(k) for i, k in enumerate(spec.key)},
                    "pos": pa.array(range(source.offset, source.offset + n), pa.int64()),
                    "loc": _locations(source, several),
                    "shown": _key_text(spec, source),
                    "label": pa.array([_label(spec, source)] * n, pa.string()),
                }
            )
        )
    rows = pa.concat_tables(tables).combine_chunks()
    complete = pc.is_valid(rows.column("k0"))
    for i in range(1, len(spec.key)):
        complete = pc.and_(complete, pc.is_valid(rows.column(f"k{i}")))
    return rows.filter(mask(complete))


def duplicate_findings(spec: EntitySpec, sources: Sequence[CheckedSource]) -> pa.Table:
    """Findings for every row whose key appears more than once in ``sources``."""
    rows = _rows(spec, sources)
    keys = [f"k{i}" for i in range(len(spec.key))]
    groups = rows.group_by(keys, use_threads=False).aggregate([("pos", "count"), ("loc", "list")])
    repeated = groups.filter(mask(pc.greater(groups.column("pos_count"), 1)))
    if repeated.num_rows == 0:
        return findings.empty()
    repeated = repeated.append_column("group", pa.array(range(repeated.num_rows), pa.int64()))
    members = rows.join(repeated.drop_columns(["loc_list"]), keys=keys, join_type="inner")
    members = members.sort_by("pos")
    lists = pc.take(repeated.column("loc_list"), members.column("group"))
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
    listed = pc.binary_join(pc.list_slice(others.column("loc_list"), 0, SHOWN_OTHERS), ", ")
    at = others.column("parent")
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
