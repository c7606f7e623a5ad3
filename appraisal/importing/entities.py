"""What the importer needs to know about each built-in entity.

Everything here is derived from :mod:`appraisal.store.schema` (kinds, labels,
aliases, enumerations, references), plus the few rules the schema has no slot
for: entity names in file names (English and Chinese), integer ranges, the
sign rule for money and which dates of a row come in which order.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from appraisal.store.schema import ENTITIES, FieldInfo, Kind, field_info

ENTITY_NAMES: dict[str, tuple[str, ...]] = {
    "staff": ("staff", "employees", "employee", "员工", "人员"),
    "customers": ("customers", "customer", "clients", "client", "客户"),
    "orders": ("orders", "order", "sales", "订单", "销售订单"),
    "opportunities": ("opportunities", "opportunity", "商机"),
    "opportunity_stages": ("opportunity_stages", "opportunity_stage", "商机阶段", "商机阶段记录"),
    "surveys": ("surveys", "survey", "满意度调查", "问卷", "调查"),
    "tickets": ("tickets", "ticket", "服务工单", "工单"),
    "interactions": ("interactions", "interaction", "客户互动", "互动"),
    "contracts": ("contracts", "contract", "合同"),
    "ratings": ("ratings", "rating", "定性评分", "评分"),
    "targets": ("targets", "target", "目标值", "目标"),
}
"""Names an entity may go by in a file name, sheet name or ``--entity`` (first: canonical)."""

SINGULAR: dict[str, str] = {
    "staff": "staff member",
    "customers": "customer",
    "orders": "order",
    "opportunities": "opportunity",
    "opportunity_stages": "opportunity stage",
    "surveys": "survey",
    "tickets": "ticket",
    "interactions": "interaction",
    "contracts": "contract",
    "ratings": "rating",
    "targets": "target",
}
"""How one record of an entity is called in messages ("unknown customer 'C9'")."""

INTEGER_RANGES: dict[tuple[str, str], tuple[int, int]] = {
    ("surveys", "satisfaction"): (1, 5),
    ("surveys", "nps"): (0, 10),
}
"""Closed ranges for integer columns whose scale is fixed by the domain."""

CHRONOLOGY: dict[str, tuple[tuple[str, str], ...]] = {
    "staff": (("hired_on", "left_on"),),
    "customers": (("acquired_on", "churned_on"),),
    "orders": (("ordered_on", "promised_on"), ("ordered_on", "delivered_on")),
    "opportunities": (("created_at", "closed_at"),),
    "tickets": (("opened_at", "resolved_at"),),
    "contracts": (("starts_on", "ends_on"),),
}
"""(earlier, later) columns of one row: the later, when given, is never before the earlier
(an order delivered before it was ordered would give a negative cycle time)."""

REFUND_STATUS: dict[str, tuple[str, str]] = {"orders": ("status", "refund")}
"""Entities whose money may be negative: (status column, status value) marks those rows."""

INT32 = (-(2**31), 2**31 - 1)


@dataclass(frozen=True)
class ColumnSpec:
    """One importable column: its name, metadata and limits."""

    name: str
    info: FieldInfo
    max_length: int | None
    int_range: tuple[int, int] | None
    position: int

    @property
    def kind(self) -> Kind:
        """The logical kind (id, text, date, money...)."""
        return self.info.kind

    @property
    def references(self) -> tuple[str, str] | None:
        """(entity, column) this column refers to, if any."""
        if not self.info.references:
            return None
        entity, column = self.info.references.split(".")
        return entity, column


@dataclass(frozen=True)
class EntitySpec:
    """An entity as the importer sees it."""

    name: str
    table: sa.Table
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]

    def column(self, name: str) -> ColumnSpec:
        """The column called ``name``."""
        for spec in self.columns:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def singular(self) -> str:
        """What one record is called in messages."""
        return SINGULAR.get(self.name, self.name)


def _max_length(column: sa.Column[Any]) -> int | None:
    length = getattr(column.type, "length", None)
    return length if isinstance(length, int) else None


def entity_spec(name: str) -> EntitySpec:
    """The import view of a built-in entity."""
    table = ENTITIES[name]
    columns = tuple(
        ColumnSpec(
            name=column.name,
            info=field_info(column),
            max_length=_max_length(column),
            int_range=INTEGER_RANGES.get((name, column.name), INT32)
            if field_info(column).kind == "integer"
            else None,
            position=position,
        )
        for position, column in enumerate(table.columns)
    )
    key = tuple(column.name for column in table.primary_key.columns)
    return EntitySpec(name=name, table=table, columns=columns, key=key)


def normalise_name(text: str) -> str:
    """Compare names loosely: NFKC, case-folded, without spaces, ``_`` and ``-``."""
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", text).casefold())


def _matches(stem: str, alias: str) -> bool:
    if not stem.startswith(alias):
        return False
    rest = stem[len(alias) :]
    return not rest or not (rest[0].isascii() and rest[0].isalpha())


def entity_from_name(name: str) -> str | None:
    """The entity a file stem or sheet name stands for, by its longest matching name.

    ``orders-2026Q3`` and ``订单2026`` are orders; ``opportunity_stages`` is not
    opportunities; ``ordersx`` is nothing.  When the whole name does not start
    with an entity name, each dot-separated part is tried in turn, so the
    quarantine file ``crm.orders.rejected`` of a workbook is orders again.
    """
    found = _entity_from_stem(name)
    if found is None and "." in name:
        found = next(filter(None, map(_entity_from_stem, name.split("."))), None)
    return found


def _entity_from_stem(name: str) -> str | None:
    stem = re.sub(r"[\s\-]+", "_", unicodedata.normalize("NFKC", name).casefold().strip())
    best: tuple[int, str] | None = None
    for entity, aliases in ENTITY_NAMES.items():
        for alias in aliases:
            if _matches(stem, alias) and (best is None or len(alias) > best[0]):
                best = (len(alias), entity)
    return best[1] if best else None


def all_entity_names() -> tuple[str, ...]:
    """Every accepted entity name, for did-you-mean hints."""
    return tuple(alias for aliases in ENTITY_NAMES.values() for alias in aliases)


def entity_order(name: str) -> int:
    """Import order: referenced entities first (the order of ENTITIES)."""
    return list(ENTITIES).index(name)
