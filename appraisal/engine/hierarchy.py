"""The manager hierarchy as a closure table: every person with each of their superiors.

Built once per evaluation with a recursive CTE over ``staff.manager_id`` into a
work table ``(staff_id, ancestor_id, depth)``: depth 0 is the person themself,
1 their manager, and so on, up to :data:`MAX_DEPTH` (a cycle in the data
stops there instead of looping).  Plans use it to find a named role above a
subject; rollups use it to gather a manager's whole subtree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from appraisal.engine.work import create_work_table, work_name
from appraisal.store.sources import Catalog

MAX_DEPTH = 32


@dataclass(frozen=True)
class Hierarchy:
    """The closure work table and the staff source it was built from."""

    closure: sa.Table
    staff: Any

    def nearest_with_role(self, role: str) -> Any:
        """Subquery ``(start_id, owner_id)``: from ``start_id`` upwards (itself included),
        the nearest person whose role is ``role``."""
        c, s = self.closure, self.staff
        rank = sa.func.row_number().over(partition_by=c.c.staff_id, order_by=c.c.depth)
        found = (
            sa.select(
                c.c.staff_id.label("start_id"), c.c.ancestor_id.label("owner_id"), rank.label("rn")
            )
            .select_from(c.join(s, s.c.staff_id == c.c.ancestor_id))
            .where(s.c.role == role)
            .subquery("with_role")
        )
        return (
            sa.select(found.c.start_id, found.c.owner_id)
            .where(found.c.rn == 1)
            .subquery(f"nearest_{role}".replace("-", "_").replace(".", "_").replace("+", "_"))
        )


def build_hierarchy(conn: Connection, catalog: Catalog | None = None) -> Hierarchy:
    """The closure of ``staff.manager_id`` as a work table."""
    staff = (catalog or Catalog()).selectable("staff")
    base = sa.select(
        staff.c.staff_id.label("staff_id"),
        staff.c.staff_id.label("ancestor_id"),
        sa.literal(0).label("depth"),
    ).cte("closure", recursive=True)
    up = staff.alias("up")
    step = (
        sa.select(base.c.staff_id, up.c.manager_id, base.c.depth + 1)
        .select_from(base.join(up, up.c.staff_id == base.c.ancestor_id))
        .where(up.c.manager_id.is_not(None), base.c.depth < MAX_DEPTH)
    )
    closure = base.union_all(step)
    select = sa.select(closure.c.staff_id, closure.c.ancestor_id, closure.c.depth)
    table = create_work_table(conn, work_name("hierarchy"), select)
    return Hierarchy(table, staff)
