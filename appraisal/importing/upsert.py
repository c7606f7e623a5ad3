"""Move good staged rows into the target table: classify, update, insert.

Classification compares each good staged row with the existing row of the same
key, column by column and null-safely (``IS NOT DISTINCT FROM``), on the typed
values.  Only the columns an input actually has are compared and updated: a
file without a ``cost`` column says nothing about cost.  Counting happens
before anything moves, so the counts describe exactly what the statements do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from appraisal.importing.entities import EntitySpec
from appraisal.importing.staging import OK, SRC

INSERTED, UPDATED, UNCHANGED = "inserted", "updated", "unchanged"


@dataclass(frozen=True)
class Moved:
    """Per input of one entity: rows inserted, updated and unchanged."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def _key_match(spec: EntitySpec, stage: sa.Table) -> sa.ColumnElement[bool]:
    return sa.and_(*[spec.table.c[k] == stage.c[k] for k in spec.key])


def _same(spec: EntitySpec, stage: sa.Table, columns: Sequence[str]) -> sa.ColumnElement[bool]:
    return sa.and_(sa.true(), *[spec.table.c[c].is_not_distinct_from(stage.c[c]) for c in columns])


def _by_columns(present: Mapping[int, tuple[str, ...]]) -> dict[tuple[str, ...], list[int]]:
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for source, columns in sorted(present.items()):
        groups[columns].append(source)
    return dict(groups)


def _classify(
    conn: Connection, spec: EntitySpec, stage: sa.Table, columns: Sequence[str], sources: list[int]
) -> dict[int, Moved]:
    target = spec.table
    outcome = sa.case(
        (target.c[spec.key[0]].is_(None), INSERTED),
        (_same(spec, stage, columns), UNCHANGED),
        else_=UPDATED,
    ).label("outcome")
    query = (
        sa.select(stage.c[SRC], outcome, sa.func.count().label("n"))
        .select_from(stage.outerjoin(target, _key_match(spec, stage)))
        .where(stage.c[OK], stage.c[SRC].in_(sources))
        .group_by(stage.c[SRC], outcome)
    )
    counts: dict[int, dict[str, int]] = {source: {} for source in sources}
    for source, kind, n in conn.execute(query):
        counts[int(source)][str(kind)] = int(n)
    return {
        source: Moved(c.get(INSERTED, 0), c.get(UPDATED, 0), c.get(UNCHANGED, 0))
        for source, c in counts.items()
    }


def _insert_all(conn: Connection, spec: EntitySpec, stage: sa.Table) -> dict[int, Moved]:
    """Into an empty table every good row is new: no comparison, no anti-join."""
    counted = sa.select(stage.c[SRC], sa.func.count()).where(stage.c[OK]).group_by(stage.c[SRC])
    moved = {int(source): Moved(inserted=int(n)) for source, n in conn.execute(counted)}
    names = [column.name for column in spec.table.columns]
    rows = sa.select(*[stage.c[n] for n in names]).where(stage.c[OK])
    conn.execute(sa.insert(spec.table).from_select(names, rows))
    return moved


def _is_empty(conn: Connection, table: sa.Table) -> bool:
    return not conn.execute(sa.select(sa.exists().select_from(table))).scalar_one()


def move_rows(
    conn: Connection, spec: EntitySpec, stage: sa.Table, present: Mapping[int, tuple[str, ...]]
) -> dict[int, Moved]:
    """Update changed rows and insert new ones; returns what happened per input."""
    if _is_empty(conn, spec.table):
        return _insert_all(conn, spec, stage)
    target = spec.table
    groups = _by_columns(present)
    moved: dict[int, Moved] = {}
    for columns, sources in groups.items():
        changing = [c for c in columns if c not in spec.key]
        moved.update(_classify(conn, spec, stage, changing, sources))
    for columns, sources in groups.items():
        changing = [c for c in columns if c not in spec.key]
        if changing:
            conn.execute(
                sa.update(target)
                .values({c: stage.c[c] for c in changing})
                .where(
                    _key_match(spec, stage),
                    stage.c[OK],
                    stage.c[SRC].in_(sources),
                    sa.not_(_same(spec, stage, changing)),
                )
            )
    names = [column.name for column in target.columns]
    new_rows = sa.select(*[stage.c[n] for n in names]).where(
        stage.c[OK], ~sa.exists().where(_key_match(spec, stage))
    )
    conn.execute(sa.insert(target).from_select(names, new_rows))
    return moved
