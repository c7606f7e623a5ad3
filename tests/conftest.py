"""Shared fixtures: every test that touches a database runs on DuckDB, SQLite and PostgreSQL.

PostgreSQL comes from ``APPRAISAL_TEST_POSTGRES_URL`` (``make test`` starts a throwaway
server when PostgreSQL is installed).  Without one the PostgreSQL cases skip with a
reason, except under CI, where a missing server is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from appraisal.store.database import connect

BACKENDS = ("duckdb", "sqlite", "postgresql")
PG_ENV = "APPRAISAL_TEST_POSTGRES_URL"


def _postgres_base_url() -> str:
    url = os.environ.get(PG_ENV, "")
    reason = ""
    if not url:
        reason = f"{PG_ENV} is not set (run the tests with `make test` to start a local server)"
    else:
        try:
            with sa.create_engine(url).connect() as conn:
                conn.execute(sa.text("select 1"))
        except Exception as exc:  # any connection failure means: no server here
            reason = f"PostgreSQL at {url} is not reachable: {exc.__class__.__name__}"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI: {reason}")
        pytest.skip(reason)
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped afterwards."""
    base = _postgres_base_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def backend_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database of the given backend for one test."""
    if backend == "duckdb":
        return f"duckdb:///{tmp_path / 'test.duckdb'}"
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL, once per backend."""
    return backend_url(request.param, tmp_path, request)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on an empty database, once per backend."""
    eng = connect(db_url)
    try:
        yield eng
    finally:
        eng.dispose()
