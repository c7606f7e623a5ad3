"""Scopes: where names in expressions come from.

* :class:`MappingScope` — a fixed table of names, e.g. indicator ids for formulas.
* :class:`EntityScope` — the columns of one entity of the data model, plus
  dotted names that follow declared references: in ``orders``,
  ``customer.segment`` follows ``orders.customer_id → customers.customer_id``.
  A reference column's alias is its name without the ``_id`` suffix
  (``customer_id`` → ``customer``, ``owner_id`` → ``owner``); other reference
  columns keep their name (``referred_by.segment``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from appraisal.expr.types import KEYWORDS, PERIOD_NAMES, ExprType, NameBinding
from appraisal.store.schema import ENTITIES, Kind, field_info

KIND_TYPES: dict[Kind, ExprType] = {
    "id": ExprType.TEXT,
    "text": ExprType.TEXT,
    "code": ExprType.TEXT,
    "date": ExprType.DATE,
    "instant": ExprType.INSTANT,
    "money": ExprType.MONEY,
    "integer": ExprType.INTEGER,
    "decimal": ExprType.NUMBER,
    "boolean": ExprType.BOOLEAN,
}
"""Data-model column kind → expression type."""

MAX_HOPS = 3
"""How many references a dotted name may follow (``customer.owner.team`` is two)."""


@dataclass(frozen=True)
class MappingScope:
    """Names from a fixed table (single names for indicator ids, dotted if wanted)."""

    bindings: Mapping[tuple[str, ...], NameBinding] = field(default_factory=dict)

    @classmethod
    def of(cls, names: Mapping[str, ExprType]) -> MappingScope:
        """A scope of plain names, e.g. ``{"new_customers": ExprType.INTEGER}``."""
        return cls({(name,): NameBinding(kind) for name, kind in names.items()})

    def resolve(self, path: tuple[str, ...]) -> NameBinding | None:
        """The binding of a name, or None."""
        return self.bindings.get(path)

    def suggestions(self, path: tuple[str, ...]) -> Iterable[tuple[str, ...]]:
        """Every name of the table."""
        del path
        return tuple(self.bindings)


def reference_alias(column: sa.Column[Any]) -> str:
    """The name a reference column is followed by: ``customer_id`` → ``customer``."""
    name = column.name
    return name[: -len("_id")] if name.endswith("_id") and len(name) > 3 else name


@dataclass(frozen=True)
class EntityScope:
    """The columns of a data-model entity, following references for dotted names."""

    entity: str
    tables: Mapping[str, sa.Table] = field(default_factory=lambda: ENTITIES)

    def __post_init__(self) -> None:
        if self.entity not in self.tables:
            raise KeyError(f"unknown entity {self.entity!r}")

    def resolve(self, path: tuple[str, ...]) -> NameBinding | None:
        """A column of the entity, or of an entity reached through references."""
        if len(path) - 1 > MAX_HOPS or (len(path) == 1 and path[0] in PERIOD_NAMES):
            return None
        table = self.tables[self.entity]
        via: list[str] = []
        for step in path[:-1]:
            reference = self._reference(table, step)
            if reference is None:
                return None
            via.append(reference[0])
            table = reference[1]
        column = table.columns.get(path[-1])
        if column is None:
            return None
        info = field_info(column)
        label = f"{info.en} / {info.zh}"
        return NameBinding(
            KIND_TYPES[info.kind], label, info.enum, table.name, column.name, tuple(via)
        )

    def suggestions(self, path: tuple[str, ...]) -> Iterable[tuple[str, ...]]:
        """Columns at the level of ``path`` (and one level of dotted names at the top)."""
        table = self.tables[self.entity]
        prefix: list[str] = []
        for step in path[:-1]:
            reference = self._reference(table, step)
            if reference is None:
                break
            prefix.append(step)
            table = reference[1]
        names = [(*prefix, c.name) for c in table.columns]
        if not prefix:
            for column in table.columns:
                target = self._target(column)
                if target is not None:
                    alias = reference_alias(column)
                    names.extend((alias, c.name) for c in target.columns)
        return tuple(n for n in names if n[-1] not in KEYWORDS)

    def _reference(self, table: sa.Table, alias: str) -> tuple[str, sa.Table] | None:
        for column in table.columns:
            target = self._target(column)
            if target is not None and reference_alias(column) == alias:
                return column.name, target
        return None

    def _target(self, column: sa.Column[Any]) -> sa.Table | None:
        ref = field_info(column).references
        if ref is None:
            return None
        return self.tables.get(ref.split(".")[0])
