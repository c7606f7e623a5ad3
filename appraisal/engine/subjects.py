"""Whose rows a values frame has: the subjects of a scorecard in the period.

* persons: staff whose role is one of the scorecard's roles (any role when it
  names none) and who were employed during the period:
  ``hired_on < end`` (or unknown) and ``left_on`` empty or ``>= start``;
* clients: customers alive at some point of the period:
  ``acquired_on < end`` and ``churned_on`` empty or ``>= start``; their team is
  the owner's ``staff.team`` and their manager the owner (``customers.owner_id``);
* teams: every distinct non-empty ``staff.team`` of someone employed in the period.
"""

from __future__ import annotations

from typing import Any, assert_never

import sqlalchemy as sa

from appraisal.periods import Period
from appraisal.spec.enums import SubjectKind
from appraisal.store.sources import Catalog


def _employed(staff: sa.FromClause, period: Period) -> sa.ColumnElement[bool]:
    start = sa.bindparam(None, period.start, type_=sa.Date(), unique=True)
    end = sa.bindparam(None, period.end, type_=sa.Date(), unique=True)
    return sa.and_(
        sa.or_(staff.c.hired_on.is_(None), staff.c.hired_on < end),
        sa.or_(staff.c.left_on.is_(None), staff.c.left_on >= start),
    )


def subjects_select(
    catalog: Catalog, subject: SubjectKind, roles: tuple[str, ...], period: Period
) -> sa.Select[tuple[Any, ...]]:
    """subject_id, subject_name, role, team, manager_id of every subject in the period."""
    text = sa.String()
    match subject:
        case SubjectKind.PERSON:
            staff = catalog.selectable("staff").alias("s")
            query = sa.select(
                staff.c.staff_id.label("subject_id"),
                staff.c.name.label("subject_name"),
                staff.c.role.label("role"),
                staff.c.team.label("team"),
                staff.c.manager_id.label("manager_id"),
            ).where(_employed(staff, period))
            if roles:
                query = query.where(staff.c.role.in_(roles))
            return query
        case SubjectKind.CLIENT:
            customers = catalog.selectable("customers").alias("c")
            owner = catalog.selectable("staff").alias("o")
            start = sa.bindparam(None, period.start, type_=sa.Date(), unique=True)
            end = sa.bindparam(None, period.end, type_=sa.Date(), unique=True)
            return (
                sa.select(
                    customers.c.customer_id.label("subject_id"),
                    customers.c.name.label("subject_name"),
                    sa.cast(sa.null(), text).label("role"),
                    owner.c.team.label("team"),
                    customers.c.owner_id.label("manager_id"),
                )
                .select_from(customers.outerjoin(owner, owner.c.staff_id == customers.c.owner_id))
                .where(
                    customers.c.acquired_on < end,
                    sa.or_(customers.c.churned_on.is_(None), customers.c.churned_on >= start),
                )
            )
        case SubjectKind.TEAM:
            staff = catalog.selectable("staff").alias("s")
            return (
                sa.select(
                    staff.c.team.label("subject_id"),
                    staff.c.team.label("subject_name"),
                    sa.cast(sa.null(), text).label("role"),
                    staff.c.team.label("team"),
                    sa.cast(sa.null(), text).label("manager_id"),
                )
                .where(staff.c.team.is_not(None), _employed(staff, period))
                .distinct()
            )
        case _:
            assert_never(subject)
