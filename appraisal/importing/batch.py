"""An entity's rows from all its inputs, checked in Arrow before the database is touched.

Rows get positions ``0..n`` across the inputs of the entity (``offset`` per
input), so findings of every check, and the staging table, speak of one row
by one number.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from appraisal.importing import findings
from appraisal.importing.checks import CheckedSource, check_source
from appraisal.importing.duplicates import duplicate_findings
from appraisal.importing.entities import EntitySpec, entity_spec
from appraisal.importing.headers import HeaderMap
from appraisal.importing.parsing import mask
from appraisal.importing.sources import Input
from appraisal.importing.staging import OK, POS, SRC


@dataclass(frozen=True)
class EntityBatch:
    """All inputs of one entity, checked, and every finding about their rows."""

    spec: EntitySpec
    inputs: tuple[Input, ...]
    sources: tuple[CheckedSource, ...]
    findings: pa.Table

    @property
    def num_rows(self) -> int:
        """Regular rows over all inputs."""
        return sum(source.num_rows for source in self.sources)

    def with_findings(self, more: pa.Table) -> EntityBatch:
        """The batch with further findings (from the database checks)."""
        return replace(self, findings=findings.combine([self.findings, more]))

    def rows_of(self, source: CheckedSource, table: pa.Table) -> pa.Table:
        """The rows of ``table`` (with a ``pos`` column) that belong to ``source``."""
        position = table.column("pos")
        inside = pc.and_(
            pc.greater_equal(position, source.offset),
            pc.less(position, source.offset + source.num_rows),
        )
        return table.filter(mask(inside))

    def rejected_keys(self) -> pa.Array:
        """Key values of rejected rows (so references to them can say so)."""
        if len(self.spec.key) != 1 or not self.sources:
            return pa.array([], pa.string())
        keys = pa.concat_arrays(
            [source.typed.column(self.spec.key[0]).combine_chunks() for source in self.sources]
        )
        return pc.take(keys, findings.rejected_positions(self.findings)).drop_null()

    def staged_rows(self) -> pa.Table:
        """Typed rows with position, input and whether they are still good."""
        typed = pa.concat_tables([source.typed for source in self.sources]).combine_chunks()
        positions = pa.array(np.arange(self.num_rows, dtype=np.int64))
        inputs = np.repeat(
            np.array([source.index for source in self.sources], dtype=np.int32),
            [source.num_rows for source in self.sources],
        )
        bad = pc.is_in(positions, value_set=findings.rejected_positions(self.findings))
        return (
            typed.append_column(POS, positions)
            .append_column(SRC, pa.array(inputs))
            .append_column(OK, pc.invert(bad))
        )


def check_entity(entity: str, opened: list[tuple[Input, HeaderMap]], timezone: str) -> EntityBatch:
    """Check every input of ``entity`` and find duplicate keys across them."""
    spec = entity_spec(entity)
    sources: list[CheckedSource] = []
    offset = 0
    for index, (item, header_map) in enumerate(opened):
        checked = check_source(spec, item.raw, header_map, timezone, index=index, offset=offset)
        sources.append(checked)
        offset += checked.num_rows
    found = findings.combine(
        [*(source.findings for source in sources), duplicate_findings(spec, sources)]
    )
    return EntityBatch(spec, tuple(item for item, _ in opened), tuple(sources), found)
