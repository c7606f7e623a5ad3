"""Column paths of an entity as joined SQL: ``customer.owner_id`` from orders.

A statement reads one entity (through the workspace's catalog, so physical
names never leak in) and follows references by their alias (a reference
column's name without ``_id``: ``customer_id`` → ``customer``).  Each distinct
hop is one LEFT JOIN, shared by the link, the window and every expression of
the statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from appraisal.errors import UserError
from appraisal.expr.scope import reference_alias
from appraisal.store.schema import ENTITIES, FieldInfo, field_info
from appraisal.store.sources import Catalog


@dataclass(frozen=True)
class ResolvedColumn:
    """A column reached from the statement's entity, with its declared meaning."""

    column: ColumnElement[Any]
    entity: str
    name: str
    info: FieldInfo


def _reference(entity: str, step: str) -> tuple[str, str, str] | None:
    """(reference column, target entity, target column) a path step follows."""
    for column in ENTITIES[entity].columns:
        info = field_info(column)
        if info.references and step in (reference_alias(column), column.name):
            target_entity, _, target_column = info.references.partition(".")
            return column.name, target_entity, target_column
    return None


@dataclass
class Joins:
    """The FROM clause of one statement: the entity and the hops its paths need."""

    catalog: Catalog
    entity: str
    alias: str = "r"
    root: sa.FromClause = field(init=False)
    _hops: dict[tuple[str, ...], tuple[str, sa.FromClause, ColumnElement[bool]]] = field(
        init=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        self.root = self.catalog.selectable(self.entity).alias(self.alias)

    def resolve(self, path: tuple[str, ...]) -> ResolvedColumn:
        """The column a dotted path names, adding the joins it needs."""
        entity, source = self.entity, self.root
        for depth, step in enumerate(path[:-1]):
            found = _reference(entity, step)
            if found is None:
                raise UserError(f"{'.'.join(path)}: {entity} has no reference named {step!r}")
            ref_column, target_entity, target_column = found
            key = path[: depth + 1]
            if key not in self._hops:
                name = f"{self.alias}_{'_'.join(key)}"
                joined = self.catalog.selectable(target_entity).alias(name)
                on = joined.c[target_column] == source.c[ref_column]
                self._hops[key] = (target_entity, joined, on)
            entity, source, _ = self._hops[key]
        last = path[-1]
        if last not in ENTITIES[entity].columns:
            raise UserError(f"{'.'.join(path)}: {entity} has no column {last!r}")
        info = field_info(ENTITIES[entity].columns[last])
        return ResolvedColumn(source.c[last], entity, last, info)

    def column(self, path: tuple[str, ...]) -> ColumnElement[Any]:
        """Just the SQL column of a path (an expression resolver)."""
        return self.resolve(path).column

    def from_clause(self) -> sa.FromClause:
        """The entity LEFT JOINed with every hop, in the order they were first needed."""
        clause: sa.FromClause = self.root
        for _entity, joined, on in self._hops.values():
            clause = clause.outerjoin(joined, on)
        return clause


def split_path(path: str) -> tuple[str, ...]:
    """``customer.owner_id`` → ``("customer", "owner_id")``."""
    return tuple(path.split("."))


def team_closure(catalog: Catalog) -> sa.CTE:
    """Every (lead, member) pair of the manager tree, each person leading themself.

    A recursive CTE with UNION (not UNION ALL): a cycle in ``manager_id`` data
    cannot make it run forever.
    """
    staff = catalog.selectable("staff").alias("tree_staff")
    seed = sa.select(staff.c.staff_id.label("lead_id"), staff.c.staff_id.label("member_id"))
    tree = seed.cte("team_tree", recursive=True)
    reports = catalog.selectable("staff").alias("tree_reports")
    step = sa.select(tree.c.lead_id, reports.c.staff_id).where(
        reports.c.manager_id == tree.c.member_id
    )
    return tree.union(step)
