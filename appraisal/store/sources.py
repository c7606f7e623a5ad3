"""The ``sources`` mapping: read logical entities from a company's own tables or views.

By default every logical entity (orders, customers, ...) is the built-in table of
the same name.  A ``sources.yaml`` in the workspace can point any entity at
another table or view and rename its columns, so the engine reads a CRM database
or warehouse in place, read-only::

    sources:
      customers:
        table: crm.t_customer          # schema.table, a table or a view
        columns:
          customer_id: cust_no         # logical name: physical name
          referred_by: null            # the source has no such column: read as NULL

The catalog hands the compiler one selectable per entity whose columns carry the
logical names (``Column.key``), so compiled rules never see physical names.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from appraisal.errors import Issue, IssueLevel, SourceSpan
from appraisal.store.schema import ENTITIES, field_info

Locate = Callable[[tuple[str | int, ...]], SourceSpan | None]


@dataclass(frozen=True)
class EntitySource:
    """Where one logical entity is read from."""

    entity: str
    table: str
    schema: str | None = None
    columns: Mapping[str, str | None] = field(default_factory=dict)  # logical → physical/None

    def physical(self, logical: str) -> str | None:
        """The physical column for a logical one (same name unless mapped)."""
        return self.columns.get(logical, logical)

    @property
    def is_builtin(self) -> bool:
        """True when this is the built-in table, unchanged."""
        return self.schema is None and self.table == self.entity and not self.columns


@dataclass(frozen=True)
class Catalog:
    """Logical entity → source; entities not mapped use the built-in tables."""

    mapped: Mapping[str, EntitySource] = field(default_factory=dict)

    def source(self, entity: str) -> EntitySource:
        """The source of an entity (the built-in table if unmapped)."""
        if entity not in ENTITIES:
            raise KeyError(entity)
        return self.mapped.get(entity, EntitySource(entity, entity))

    def selectable(self, entity: str) -> sa.FromClause:
        """A FROM clause whose ``.c`` has the entity's logical column names."""
        src = self.source(entity)
        builtin = ENTITIES[entity]
        if src.is_builtin:
            return builtin
        if all(src.physical(c.name) is not None for c in builtin.columns):
            columns = [sa.Column(src.physical(c.name), c.type, key=c.name) for c in builtin.columns]
            return sa.Table(src.table, sa.MetaData(), *columns, schema=src.schema)
        present = [
            sa.Column(name, c.type) for c in builtin.columns if (name := src.physical(c.name))
        ]
        physical_table = sa.Table(src.table, sa.MetaData(), *present, schema=src.schema)
        projected: list[Any] = []
        for c in builtin.columns:
            name = src.physical(c.name)
            value = physical_table.c[name] if name else sa.cast(sa.null(), c.type)
            projected.append(value.label(c.name))
        return sa.select(*projected).subquery(entity)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _issue(code: str, message: str, span: SourceSpan | None, path: str, hint: str = "") -> Issue:
    return Issue(IssueLevel.ERROR, code, message, span, path, hint)


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(candidates), n=3, cutoff=0.6)
    return f"did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def _parse_entity(
    entity: str, body: object, locate: Locate
) -> tuple[EntitySource | None, list[Issue]]:
    where = ("sources", entity)
    if not isinstance(body, Mapping):
        return None, [
            _issue(
                "S002",
                "expected a mapping with 'table' and 'columns'",
                locate(where),
                f"sources.{entity}",
            )
        ]
    issues: list[Issue] = []
    for key in body:
        if key not in ("table", "columns"):
            issues.append(
                _issue(
                    "S003",
                    f"unknown key {key!r}",
                    locate((*where, key)),
                    f"sources.{entity}.{key}",
                    _did_you_mean(str(key), ("table", "columns")),
                )
            )
    table = _text(body.get("table"))
    if table is None:
        issues.append(
            _issue(
                "S004",
                "'table' must name a table or view (schema.table allowed)",
                locate((*where, "table")) or locate(where),
                f"sources.{entity}.table",
            )
        )
        return None, issues
    raw_columns = body.get("columns") or {}
    if not isinstance(raw_columns, Mapping):
        issues.append(
            _issue(
                "S005",
                "'columns' must map logical names to physical names",
                locate((*where, "columns")),
                f"sources.{entity}.columns",
            )
        )
        raw_columns = {}
    logical_names = [c.name for c in ENTITIES[entity].columns]
    columns: dict[str, str | None] = {}
    for logical, physical in raw_columns.items():
        path = f"sources.{entity}.columns.{logical}"
        span = locate((*where, "columns", logical))
        if logical not in logical_names:
            issues.append(
                _issue(
                    "S006",
                    f"{entity} has no column {logical!r}",
                    span,
                    path,
                    _did_you_mean(str(logical), logical_names),
                )
            )
        elif physical is None:
            column = ENTITIES[entity].c[logical]
            if field_info(column).required:
                issues.append(
                    _issue(
                        "S007",
                        f"{entity}.{logical} is required and cannot be null",
                        span,
                        path,
                        "map it to a physical column",
                    )
                )
            columns[logical] = None
        elif _text(physical) is None:
            issues.append(_issue("S008", "expected a column name or null", span, path))
        else:
            columns[logical] = str(physical)
    schema, _, name = table.rpartition(".")
    return EntitySource(entity, name, schema or None, columns), issues


def parse_sources(
    document: object, locate: Locate = lambda _path: None
) -> tuple[Catalog, list[Issue]]:
    """Read a ``sources`` document (already loaded YAML) into a Catalog and issues."""
    if document is None:
        return Catalog(), []
    body = document.get("sources") if isinstance(document, Mapping) else None
    if not isinstance(body, Mapping):
        return Catalog(), [
            _issue(
                "S001", "expected a top-level 'sources' mapping of entities", locate(()), "sources"
            )
        ]
    mapped: dict[str, EntitySource] = {}
    issues: list[Issue] = []
    for entity, entity_body in body.items():
        if entity not in ENTITIES:
            issues.append(
                _issue(
                    "S009",
                    f"unknown entity {entity!r}",
                    locate(("sources", entity)),
                    f"sources.{entity}",
                    _did_you_mean(str(entity), ENTITIES),
                )
            )
            continue
        source, found = _parse_entity(entity, entity_body, locate)
        issues.extend(found)
        if source is not None:
            mapped[entity] = source
    return Catalog(mapped), issues


def _column_names(engine: Engine, inspector: sa.Inspector, src: EntitySource) -> set[str]:
    """Physical column names; DuckDB is asked through information_schema directly
    because duckdb-engine's reflection queries PostgreSQL catalogs DuckDB lacks."""
    if engine.dialect.name != "duckdb":
        return {c["name"] for c in inspector.get_columns(src.table, schema=src.schema)}
    query = sa.text(
        "SELECT column_name FROM information_schema.columns WHERE table_name = :table"
        " AND (:schema IS NULL OR table_schema = :schema)"
    )
    with engine.connect() as conn:
        rows = conn.execute(query, {"table": src.table, "schema": src.schema})
        return {str(row[0]) for row in rows}


def check_against_database(
    catalog: Catalog,
    engine: Engine,
    locate: Locate = lambda _path: None,
    entities: Iterable[str] | None = None,
) -> list[Issue]:
    """Report mapped tables and columns that do not exist in the database."""
    inspector = sa.inspect(engine)
    issues: list[Issue] = []
    for entity in entities or ENTITIES:
        src = catalog.source(entity)
        path = ("sources", entity)
        names = set(inspector.get_table_names(schema=src.schema))
        names |= set(inspector.get_view_names(schema=src.schema))
        qualified = f"{src.schema}.{src.table}" if src.schema else src.table
        if src.table not in names:
            builtin = "" if entity in catalog.mapped else " (built-in table; run `appraisal init`)"
            issues.append(
                _issue(
                    "S010",
                    f"table or view {qualified!r} for {entity} not found{builtin}",
                    locate((*path, "table")),
                    f"sources.{entity}.table",
                    _did_you_mean(src.table, names),
                )
            )
            continue
        existing = _column_names(engine, inspector, src)
        for column in ENTITIES[entity].columns:
            physical = src.physical(column.name)
            if physical is not None and physical not in existing:
                issues.append(
                    _issue(
                        "S011",
                        f"column {physical!r} ({entity}.{column.name}) not found in {qualified!r}",
                        locate((*path, "columns", column.name)) or locate(path),
                        f"sources.{entity}.columns.{column.name}",
                        _did_you_mean(physical, existing)
                        or f"map {column.name} to a column, or to null if absent",
                    )
                )
    return issues
