"""Database engines: one URL selects the backend, DuckDB embedded by default.

Backends are tested for real: DuckDB (default, a file in the workspace),
SQLite and PostgreSQL.  Other SQLAlchemy dialects work where their SQL does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from appraisal.errors import ConfigError
from appraisal.store.schema import Base
from appraisal.workspace import MEMORY_SIZE


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL and a busy timeout so a reader never blocks an import; FULL sync for safety."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _duckdb_quiet(dbapi_connection: Any, _record: Any) -> None:
    """No DuckDB progress bar: on a terminal it would draw over our own output."""
    dbapi_connection.execute("SET enable_progress_bar = false")


def _duckdb_memory(limit: str) -> Callable[[Any, Any], None]:
    """Cap DuckDB's memory (a setting of the database instance, so connections to the
    same file in this process share it; a connection option would refuse them)."""
    if not MEMORY_SIZE.match(limit):
        raise ConfigError(f"memory limit {limit!r} is not a size (expected e.g. '256MB')")

    def cap(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"SET memory_limit = '{limit}'")

    return cap


def connect(url: str, *, memory_limit: str | None = None) -> Engine:
    """Create an engine for a database URL, with per-backend safety settings.

    ``memory_limit`` caps DuckDB's memory (e.g. ``"256MB"``; it spills to disk
    beyond it) unless the URL sets ``memory_limit`` itself; other backends
    manage their own memory.
    """
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(
            f"database URL {url!r} is not valid: {exc}. "
            "Expected e.g. duckdb:///data/appraisal.duckdb or postgresql+psycopg://user@host/db"
        ) from exc
    try:
        engine = sa.create_engine(parsed)
    except (ImportError, sa.exc.NoSuchModuleError) as exc:
        hint = (
            " (pip install 'appraisal[postgres]')"
            if parsed.get_backend_name() == "postgresql"
            else ""
        )
        raise ConfigError(f"no driver for database URL {parsed!r}: {exc}{hint}") from exc
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    elif engine.dialect.name == "duckdb":
        sa.event.listen(engine, "connect", _duckdb_quiet)
        if memory_limit is not None and "memory_limit" not in parsed.query:
            sa.event.listen(engine, "connect", _duckdb_memory(memory_limit))
    return engine


def backend(engine: Engine) -> str:
    """The short backend name: duckdb, sqlite, postgresql, ..."""
    return str(engine.dialect.name)


def create_schema(bind: Engine | Connection) -> None:
    """Create the built-in tables that are missing (never alters existing ones).

    Given a connection, the tables are created inside its transaction.
    """
    Base.metadata.create_all(bind)
