"""Typed pyarrow columns for the demo tables, checked against the built-in schema.

Each logical column kind of :mod:`appraisal.store.schema` has one Arrow type, so
a generated table can be handed to the importer, written to CSV or compared in
tests without guessing: ids and text are strings, dates ``date32``, instants
``timestamp[us, UTC]``, money ``decimal128(18, 2)``, decimals ``decimal128(18, 4)``.
"""

from __future__ import annotations

from typing import assert_never

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from appraisal.demo.arrays import BoolArray, IntArray
from appraisal.demo.timeline import NEVER
from appraisal.store.schema import ENTITIES, Kind, field_info

MONEY = pa.decimal128(18, 2)
DECIMAL = pa.decimal128(18, 4)
INSTANT = pa.timestamp("us", tz="UTC")


def arrow_type(kind: Kind) -> pa.DataType:
    """The Arrow type a column of this kind has in generated tables."""
    if kind == "id" or kind == "text" or kind == "code":
        return pa.string()
    if kind == "date":
        return pa.date32()
    if kind == "instant":
        return INSTANT
    if kind == "money":
        return MONEY
    if kind == "integer":
        return pa.int32()
    if kind == "decimal":
        return DECIMAL
    if kind == "boolean":
        return pa.bool_()
    assert_never(kind)


def entity_schema(entity: str) -> pa.Schema:
    """Arrow schema of an entity: the table's columns in order, typed by kind."""
    table = ENTITIES[entity]
    return pa.schema(
        [
            pa.field(column.name, arrow_type(field_info(column).kind), nullable=column.nullable)
            for column in table.columns
        ]
    )


def identifiers(prefix: str, count: int, width: int) -> pa.Array:
    """``prefix`` followed by 1..count zero-padded to ``width`` digits, e.g. ``C000042``."""
    digits = max(width, len(str(count)))
    numbers = pc.cast(pa.array(np.arange(1, count + 1, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(numbers, digits, "0"), "")


def refer(ids: pa.Array, index: IntArray) -> pa.Array:
    """The ids at ``index``; a negative index gives null (no reference)."""
    missing = index < 0
    return ids.take(pa.array(np.where(missing, 0, index), mask=missing))


def codes(labels: tuple[str, ...], index: IntArray) -> pa.Array:
    """Code labels looked up by index."""
    return pa.array(labels).take(pa.array(index))


def dates(days: IntArray, missing: BoolArray | None = None) -> pa.Array:
    """Day numbers as ``date32``; ``NEVER`` (or ``missing``) becomes null."""
    mask = (days == NEVER) if missing is None else (missing | (days == NEVER))
    return pa.array(np.where(mask, 0, days).astype(np.int32), mask=mask).cast(pa.date32())


def instants(seconds: IntArray, missing: BoolArray | None = None) -> pa.Array:
    """UTC seconds as ``timestamp[us, UTC]``."""
    mask = np.zeros(len(seconds), dtype=bool) if missing is None else missing
    micros = np.where(mask, 0, seconds) * 1_000_000
    return pa.array(micros, type=pa.int64(), mask=mask).cast(INSTANT)


def _decimal(units: IntArray, kind: pa.DataType, missing: BoolArray | None) -> pa.Array:
    """Exact decimals from integer units of the last place, built from raw 128-bit words."""
    words = np.empty(2 * len(units), dtype=np.int64)
    words[0::2] = units
    words[1::2] = np.where(units < 0, -1, 0)
    validity = None
    if missing is not None and missing.any():
        validity = pa.py_buffer(np.packbits(~missing, bitorder="little"))
    return pa.Array.from_buffers(kind, len(units), [validity, pa.py_buffer(words)])


def money(cents: IntArray, missing: BoolArray | None = None) -> pa.Array:
    """Integer cents as exact ``decimal128(18, 2)``."""
    return _decimal(cents, MONEY, missing)


def decimals(ten_thousandths: IntArray, missing: BoolArray | None = None) -> pa.Array:
    """Integer units of 0.0001 as exact ``decimal128(18, 4)``."""
    return _decimal(ten_thousandths, DECIMAL, missing)


def integers(values: IntArray, missing: BoolArray | None = None) -> pa.Array:
    """``int32`` values."""
    return pa.array(values.astype(np.int32), mask=missing)


def booleans(values: BoolArray) -> pa.Array:
    """``bool`` values."""
    return pa.array(values, type=pa.bool_())


def entity_table(entity: str, columns: dict[str, pa.Array]) -> pa.Table:
    """Assemble an entity's table, refusing missing, extra or mistyped columns and nulls
    in required columns (a generator bug, never a user error)."""
    schema = entity_schema(entity)
    if list(columns) != schema.names:
        raise AssertionError(f"{entity}: columns {list(columns)} != schema {schema.names}")
    for schema_field in schema:
        column = columns[schema_field.name]
        if column.type != schema_field.type:
            raise AssertionError(
                f"{entity}.{schema_field.name}: {column.type} != {schema_field.type}"
            )
        if not schema_field.nullable and column.null_count:
            raise AssertionError(f"{entity}.{schema_field.name}: {column.null_count} nulls")
    return pa.Table.from_arrays(list(columns.values()), schema=schema)
