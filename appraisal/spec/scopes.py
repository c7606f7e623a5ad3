"""Names in rules: column paths of entities, and indicator ids as expression names.

Column paths (a link such as ``customer.owner_id``, a window column) follow
reference columns the same way expressions do (:class:`appraisal.expr.EntityScope`):
a reference column's alias is its name without ``_id``.  Type-checking always
uses the built-in (logical) schema; a workspace's sources mapping only renames
physical tables and columns.  The engine can use :func:`resolve_column_path` to
turn a link into the chain of joins to compile.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from appraisal.expr import ExprType, MappingScope, NameBinding
from appraisal.spec.enums import Unit
from appraisal.spec.models import AnyIndicator
from appraisal.store.schema import ENTITIES, FieldInfo, field_info

_KIND_TYPES: Mapping[str, ExprType] = {
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

MAX_HOPS = 3
"""Longest chain of references a dotted path may follow."""


@dataclass(frozen=True)
class ColumnRef:
    """A resolved column path: the joins followed and the final column."""

    entity: str
    column: str
    info: FieldInfo
    via: tuple[tuple[str, str, str], ...] = ()
    """Each hop as (from entity, reference column, to entity)."""

    @property
    def type(self) -> ExprType:
        """The expression type of the column."""
        return _KIND_TYPES[self.info.kind]


def _relation(table: sa.Table, name: str) -> sa.Column[object] | None:
    """The reference column a path segment names: ``customer`` → ``customer_id``."""
    for candidate in (f"{name}_id", name):
        if candidate in table.columns:
            column = table.columns[candidate]
            if field_info(column).references:
                return column
    return None


def resolve_column_path(entity: str, path: tuple[str, ...]) -> ColumnRef | None:
    """Follow a dotted column path from ``entity``; None when it does not resolve."""
    if entity not in ENTITIES or not path or len(path) > MAX_HOPS + 1:
        return None
    table = ENTITIES[entity]
    current = entity
    hops: list[tuple[str, str, str]] = []
    for segment in path[:-1]:
        column = _relation(table, segment)
        if column is None:
            return None
        target = (field_info(column).references or "").split(".")[0]
        hops.append((current, column.name, target))
        current = target
        table = ENTITIES[target]
    last = path[-1]
    if last not in table.columns:
        return None
    return ColumnRef(current, last, field_info(table.columns[last]), tuple(hops))


def column_paths(entity: str, depth: int = 1) -> Iterable[tuple[str, ...]]:
    """Every column path of an entity, following references ``depth`` hops."""
    table = ENTITIES[entity]
    for column in table.columns:
        yield (column.name,)
    if depth <= 0:
        return
    for column in table.columns:
        reference = field_info(column).references
        if not reference:
            continue
        name = column.name.removesuffix("_id")
        target = reference.split(".")[0]
        for rest in column_paths(target, depth - 1):
            yield (name, *rest)


def unit_type(unit: Unit) -> ExprType:
    """The expression type of an indicator value of this unit."""
    if unit is Unit.MONEY:
        return ExprType.MONEY
    if unit is Unit.COUNT:
        return ExprType.INTEGER
    return ExprType.NUMBER


def indicator_scope(
    indicators: Iterable[AnyIndicator], extra: Mapping[str, ExprType] | None = None
) -> MappingScope:
    """Indicator ids as names, typed by unit (money stays money), plus ``extra`` names."""
    bindings: dict[tuple[str, ...], NameBinding] = {
        (i.id,): NameBinding(unit_type(i.unit), i.title.en or i.title.zh or i.id)
        for i in indicators
    }
    bindings.update({(name,): NameBinding(kind, name) for name, kind in (extra or {}).items()})
    return MappingScope(bindings)
