"""Work tables: intermediate results kept in the database for the next stage.

A stage that many later statements read (the scored items of a scorecard) is
materialised once as a temporary table with ``CREATE TEMPORARY TABLE ... AS
SELECT``, so its expressions are computed once and never leave the database.
Temporary tables belong to the connection and are dropped when a stage ends.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, Executable

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class CreateTableAs(Executable, ClauseElement):
    """``CREATE TEMPORARY TABLE name AS <select>`` (parameters stay bound)."""

    inherit_cache = False

    def __init__(self, name: str, select: sa.Select[Any]) -> None:
        if not _NAME.match(name):
            raise ValueError(f"not a safe work table name: {name!r}")
        self.name = name
        self.select = select


@compiles(CreateTableAs)
def _create_table_as(element: CreateTableAs, compiler: SQLCompiler, **kw: Any) -> str:
    body = compiler.process(element.select, **kw)
    name = compiler.preparer.quote(element.name)
    return f"CREATE TEMPORARY TABLE {name} AS {body}"


def work_name(*parts: str) -> str:
    """A work table name from identifiers (rule ids are identifiers already)."""
    name = "_".join(("appraisal", "work", *parts)).lower()
    return re.sub(r"[^a-z0-9_]", "_", name)[:63]


def create_work_table(
    conn: Connection, name: str, select: sa.Select[Any], types: dict[str, Any] | None = None
) -> sa.Table:
    """Materialise ``select`` as a temporary table; columns keep the select's labels.

    ``types`` gives the SQLAlchemy type of columns that are read back into
    Python (the others are only used inside SQL).
    """
    drop_work_tables(conn, (name,))
    conn.execute(CreateTableAs(name, select))
    known = types or {}
    columns = [sa.Column(c.name, known.get(c.name, c.type)) for c in select.selected_columns]
    return sa.Table(name, sa.MetaData(), *columns)


def drop_work_tables(conn: Connection, names: Sequence[str]) -> None:
    """Drop work tables that exist (names come from :func:`work_name`)."""
    for name in names:
        if not _NAME.match(name):
            raise ValueError(f"not a safe work table name: {name!r}")
        quoted = conn.dialect.identifier_preparer.quote(name)
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {quoted}"))
