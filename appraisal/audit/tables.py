"""Tables of the rule registry and the audit log, created on demand.

They live in their own ``MetaData`` so the data model's ``create_schema`` is
not concerned with them; :func:`ensure_tables` creates the missing ones inside
the caller's transaction.  No table has an auto-increment column (DuckDB has
none that SQLAlchemy can use portably): sequence numbers are computed and
protected by primary keys, so two writers cannot both take the same one.

The registry is insert-only: a published version's row is never updated; its
life cycle (draft → approved → retired) is a list of state changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from appraisal.store.types import UtcDateTime

metadata = sa.MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
    }
)

rule_versions = sa.Table(
    "rule_versions",
    metadata,
    sa.Column("ruleset_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.String(32), primary_key=True),
    sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("canonical", sa.Text(), nullable=False),
    sa.Column("effective_from", sa.Date(), nullable=False),
    sa.Column("effective_to", sa.Date(), nullable=True),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("published_at", UtcDateTime(), nullable=False),
    sa.Column("source", sa.Text(), nullable=False),
    sa.Column("git_commit", sa.String(64), nullable=True),
    sa.Column("git_dirty", sa.Boolean(), nullable=True),
)
"""One row per published (rule set, version); never updated."""

rule_states = sa.Table(
    "rule_version_states",
    metadata,
    sa.Column("ruleset_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.String(32), primary_key=True),
    sa.Column("step", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("changed_at", UtcDateTime(), nullable=False),
)
"""The life cycle of each version: step 1 is ``draft`` (publish), then approve, retire."""

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("recorded_at", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("subject", sa.String(400), nullable=False),
    sa.Column("payload", sa.Text(), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("record_hash", sa.String(64), nullable=False),
)
"""Append-only, hash-chained records; ``recorded_at`` is the exact ISO text hashed."""


def ensure_tables(conn: Connection) -> None:
    """Create the registry and audit tables that are missing (never alters existing ones)."""
    metadata.create_all(conn, checkfirst=True)


def tables_exist(conn: Connection) -> bool:
    """True when the audit log table exists (reading never creates tables)."""
    return sa.inspect(conn).has_table(audit_log.name)
