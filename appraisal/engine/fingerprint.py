"""What a run was computed from: the rule set's content hash and the data fingerprint.

* The rule-set hash is SHA-256 of the canonical JSON of the normalised rule set
  (:mod:`appraisal.audit.canonical`: defaults filled in, includes merged,
  numbers as normalised decimal text, expressions in canonical spelling, sorted
  keys).  Reformatting the YAML does not change it; any change of meaning does.
* The data fingerprint is computed in SQL, one statement per entity: row count
  and, per column, non-null count plus sum/min/max (numbers, money, dates,
  instants), characters (text) or trues (booleans).  Every figure is exact and
  written canonically, so the same rows give the same fingerprint on every
  backend, and a reproduction can name the entity and column that changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from appraisal.audit.canonical import (
    canonical_json,
    canonical_value,
    content_hash,
    decimal_text,
    ruleset_canonical,
    sha256_text,
)
from appraisal.engine.exact import Snap
from appraisal.expr.sqlfuncs import TextLength
from appraisal.spec.models import RuleSet
from appraisal.store.schema import ENTITIES, field_info
from appraisal.store.sources import Catalog

DECIMAL_COLUMN_PLACES = 4
"""Places of the data model's ``decimal`` columns (NUMERIC(18, 4))."""


def ruleset_json(ruleset: RuleSet) -> str:
    """The canonical JSON text of a rule set (stored with every run)."""
    return ruleset_canonical(ruleset)


def ruleset_hash(ruleset: RuleSet) -> str:
    """SHA-256 of the canonical JSON: equal for rule sets that mean the same.

    The same hash the rule registry gives a published version, so a run can be
    matched to the version it was computed with.
    """
    return content_hash(ruleset)


# ── data ───────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class EntityStats:
    """One entity's figures: row count and per-column statistics (canonical text)."""

    entity: str
    rows: int
    columns: tuple[tuple[str, tuple[tuple[str, str | int | None], ...]], ...]

    def to_data(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"rows": self.rows, "columns": {c: dict(stats) for c, stats in self.columns}}


@dataclass(frozen=True)
class DataFingerprint:
    """Figures of every entity and their hash."""

    entities: tuple[EntityStats, ...]

    def to_data(self) -> dict[str, Any]:
        """JSON-ready form: entity → figures."""
        return {e.entity: e.to_data() for e in self.entities}

    def to_json(self) -> str:
        """Canonical JSON (stored with the run)."""
        return canonical_json(self.to_data())

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical JSON."""
        return sha256_text(self.to_json())

    def differences(self, other: DataFingerprint) -> tuple[str, ...]:
        """Human lines naming what differs from ``other`` (entity, column, figure)."""
        mine, theirs = self.to_data(), other.to_data()
        lines: list[str] = []
        for entity in sorted(set(mine) | set(theirs)):
            lines.extend(_entity_differences(entity, mine.get(entity), theirs.get(entity)))
        return tuple(lines)


def _entity_differences(entity: str, mine: Any, theirs: Any) -> list[str]:
    if mine is None or theirs is None:
        return [f"{entity}: only in {'the other' if mine is None else 'this'} fingerprint"]
    lines = []
    if mine["rows"] != theirs["rows"]:
        lines.append(f"{entity}: rows {theirs['rows']} → {mine['rows']}")
    for column in sorted(set(mine["columns"]) | set(theirs["columns"])):
        a, b = mine["columns"].get(column, {}), theirs["columns"].get(column, {})
        for figure in sorted(set(a) | set(b)):
            if a.get(figure) != b.get(figure):
                lines.append(f"{entity}.{column}: {figure} {b.get(figure)} → {a.get(figure)}")
    return lines


def _column_aggregates(col: Any, kind: str) -> list[tuple[str, Any]]:
    figures: list[tuple[str, Any]] = [("count", sa.func.count(col))]
    if kind in ("id", "text", "code"):
        figures.append(("characters", sa.func.sum(TextLength(col))))
    elif kind == "boolean":
        figures.append(("trues", sa.func.sum(sa.case((col, 1), else_=0))))
    elif kind == "decimal":
        figures.append(("sum", sa.func.sum(Snap(col, DECIMAL_COLUMN_PLACES))))
    elif kind in ("money", "integer"):
        figures.append(("sum", sa.func.sum(col)))
    if kind in ("date", "instant", "money", "integer", "decimal"):
        figures.extend([("min", sa.func.min(col)), ("max", sa.func.max(col))])
    return figures


def _figure(name: str, kind: str, value: Any) -> str | int | None:
    if value is None:
        return None
    if name in ("count", "characters", "trues"):
        return int(value)
    if kind == "decimal" and name == "sum":
        return decimal_text(Decimal(int(value)).scaleb(-DECIMAL_COLUMN_PLACES))
    if isinstance(value, datetime | date):
        return canonical_value(value)  # type: ignore[no-any-return]
    if isinstance(value, float):
        return decimal_text(Decimal(repr(value)))
    if isinstance(value, Decimal | int):
        return decimal_text(Decimal(value))
    return str(value)


def entity_stats(conn: Connection, catalog: Catalog, entity: str) -> EntityStats:
    """One entity's figures, in one statement."""
    source = catalog.selectable(entity)
    plan: list[tuple[str, str, str, Any]] = []
    for column in ENTITIES[entity].columns:
        kind: str = field_info(column).kind
        for name, aggregate in _column_aggregates(source.c[column.name], kind):
            plan.append((column.name, kind, name, aggregate))
    labels = [agg.label(f"f{i}") for i, (_c, _k, _n, agg) in enumerate(plan)]
    row = conn.execute(sa.select(sa.func.count().label("rows"), *labels).select_from(source)).one()
    columns: dict[str, list[tuple[str, str | int | None]]] = {}
    for i, (column_name, kind, name, _agg) in enumerate(plan):
        columns.setdefault(column_name, []).append((name, _figure(name, kind, row[i + 1])))
    return EntityStats(
        entity, int(row[0]), tuple((c, tuple(figures)) for c, figures in columns.items())
    )


def data_fingerprint(
    conn: Connection, catalog: Catalog | None = None, entities: Iterable[str] | None = None
) -> DataFingerprint:
    """Figures of the given entities (default: every entity of the data model)."""
    names = list(entities) if entities is not None else list(ENTITIES)
    found = catalog or Catalog()
    return DataFingerprint(tuple(entity_stats(conn, found, name) for name in names))
