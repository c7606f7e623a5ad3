"""Rows of the data model as plain Python dicts, and dotted column paths over them.

The reference evaluator reads nothing from a database: a :class:`Dataset` holds
every entity's rows as dicts keyed by the column names of
:mod:`appraisal.store.schema`.  Dotted paths such as ``customer.owner_id`` are
followed with a linear search through the referenced entity, which is slow and
obviously right.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from appraisal.store.schema import ENTITIES, field_info

Row = Mapping[str, object]


def convert(kind: str, value: Any, where: str) -> object:
    """A value as written in a golden case (text, int, Decimal) → the column's Python type."""
    if value is None:
        return None
    if kind == "date":
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    if kind == "instant":
        instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if instant.tzinfo is None:
            raise ValueError(f"{where}: instant {value!r} needs a time zone, e.g. +08:00 or Z")
        return instant
    if kind in ("money", "decimal"):
        if isinstance(value, float | bool):
            raise ValueError(f"{where}: {value!r} is not an exact number")
        return Decimal(str(value))
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{where}: {value!r} is not a whole number")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ValueError(f"{where}: {value!r} is not true/false")
        return value
    if not isinstance(value, str):
        raise ValueError(f"{where}: {value!r} must be text (quote it)")
    return value


def parse_row(entity: str, raw: Mapping[str, Any]) -> dict[str, object]:
    """One row of ``entity``: every column present (None when not given), typed."""
    if entity not in ENTITIES:
        raise ValueError(f"unknown entity {entity!r}; known: {', '.join(ENTITIES)}")
    table = ENTITIES[entity]
    unknown = sorted(set(raw) - set(table.columns.keys()))
    if unknown:
        raise ValueError(f"{entity}: unknown column(s) {', '.join(unknown)}")
    row: dict[str, object] = {}
    for column in table.columns:
        info = field_info(column)
        value = convert(info.kind, raw.get(column.name), f"{entity}.{column.name}")
        if value is None and info.required:
            raise ValueError(f"{entity}: column {column.name} is required")
        row[column.name] = value
    return row


def _reference(table: sa.Table, segment: str) -> tuple[str, str, str] | None:
    """(reference column, target entity, target column) a path segment names."""
    for candidate in (f"{segment}_id", segment):
        if candidate in table.columns:
            ref = field_info(table.columns[candidate]).references
            if ref:
                entity, column = ref.split(".")
                return candidate, entity, column
    return None


@dataclass(frozen=True)
class Dataset:
    """Every entity's rows; entities not given are empty."""

    tables: Mapping[str, tuple[Row, ...]]

    @classmethod
    def from_plain(cls, data: Mapping[str, Sequence[Mapping[str, Any]]]) -> Dataset:
        """Typed rows from the plain values of a golden case."""
        return cls(
            {entity: tuple(parse_row(entity, raw) for raw in rows) for entity, rows in data.items()}
        )

    def rows(self, entity: str) -> tuple[Row, ...]:
        """The rows of an entity, in the order given."""
        return self.tables.get(entity, ())

    def find(self, entity: str, column: str, value: object) -> Row | None:
        """The first row whose ``column`` equals ``value``."""
        if value is None:
            return None
        for row in self.rows(entity):
            if row[column] == value:
                return row
        return None

    def follow(self, entity: str, row: Row, path: Sequence[str]) -> object:
        """The value at a dotted path from ``row``; None when a reference is null or dangling."""
        current_entity, current = entity, row
        for segment in path[:-1]:
            ref = _reference(ENTITIES[current_entity], segment)
            if ref is None:
                raise KeyError(f"{current_entity} has no reference named {segment!r}")
            column, target_entity, target_column = ref
            found = self.find(target_entity, target_column, current[column])
            if found is None:
                return None
            current_entity, current = target_entity, found
        return current[path[-1]]

    def staff(self, staff_id: object) -> Row | None:
        """The staff row of an id."""
        return self.find("staff", "staff_id", staff_id)

    def customer(self, customer_id: object) -> Row | None:
        """The customer row of an id."""
        return self.find("customers", "customer_id", customer_id)

    def subtree(self, lead_id: str) -> frozenset[str]:
        """The lead and everyone reporting to them, directly or indirectly."""
        members = {lead_id}
        changed = True
        while changed:
            changed = False
            for row in self.rows("staff"):
                staff_id = str(row["staff_id"])
                if row["manager_id"] in members and staff_id not in members:
                    members.add(staff_id)
                    changed = True
        return frozenset(members)
