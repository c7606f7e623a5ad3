"""Reasons for rows whose references fail, built per column with Arrow kernels.

A reference to a record rejected in this same import says so, instead of
calling the record unknown: fixing that other row fixes this one too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from appraisal.importing import findings
from appraisal.importing.checks import CheckedSource
from appraisal.importing.entities import SINGULAR, EntitySpec
from appraisal.importing.parsing import mask, quoted

ORDER_REFERENCE = 2_000_000


def _own_rejected_keys(
    spec: EntitySpec, sources: Sequence[CheckedSource], positions: pa.Array
) -> pa.Array:
    if len(spec.key) != 1 or not sources:
        return pa.array([], pa.string())
    keys = pa.concat_arrays(
        [source.typed.column(spec.key[0]).combine_chunks() for source in sources]
    )
    return pc.take(keys, positions).drop_null()


def reference_findings(
    spec: EntitySpec,
    sources: Sequence[CheckedSource],
    failures: pa.Table,
    prior: pa.Table,
    rejected_keys: Mapping[str, pa.Array],
) -> pa.Table:
    """Findings for reference failures ``(pos, column)`` of one entity's rows."""
    if failures.num_rows == 0:
        return findings.empty()
    rejected_positions = pc.unique(
        pa.chunked_array(
            [prior.column("pos").combine_chunks(), failures.column("pos").combine_chunks()]
        )
    )
    own = _own_rejected_keys(spec, sources, rejected_positions)
    found = []
    for source in sources:
        for column in spec.columns:
            target = column.references
            if target is None or column.name not in source.present:
                continue
            selected = failures.filter(
                mask(
                    pc.and_(
                        pc.equal(failures.column("column"), column.name),
                        pc.and_(
                            pc.greater_equal(failures.column("pos"), source.offset),
                            pc.less(failures.column("pos"), source.offset + source.num_rows),
                        ),
                    )
                )
            )
            if selected.num_rows == 0:
                continue
            positions = selected.column("pos").combine_chunks()
            local = pc.subtract(positions, source.offset)
            shown = quoted(pc.take(source.text.column(column.name), local).combine_chunks())
            value = pc.take(source.typed.column(column.name), local)
            known = own if target[0] == spec.name else rejected_keys.get(target[0])
            in_import = mask(pc.is_in(value, value_set=known)) if known is not None else None
            noun = SINGULAR.get(target[0], target[0])
            label = source.label(column.name)
            unknown = pc.binary_join_element_wise(f"{label}: unknown {noun} ", shown, "")
            rejected = pc.binary_join_element_wise(
                f"{label}: {noun} ", shown, " is rejected in this import", ""
            )
            messages = (
                pc.if_else(in_import, rejected, unknown) if in_import is not None else unknown
            )
            order = ORDER_REFERENCE + source.order(column.name)
            found.append(findings.at(positions, messages, order))
    return findings.combine(found)
