"""The tables an evaluation run is stored in.

One ``evaluation_runs`` row describes a run: which rules (id, version, content
hash and the canonical rules themselves, so a run can be reproduced from its
record alone), which data (the fingerprint, with per-entity statistics, so a
reproduction can say what changed), the period, engine version, backend,
timestamps and whether it is official.  The other tables hold its results,
keyed by ``run_id``; every row is written by ``INSERT ... SELECT``.

Numbers are exact NUMERIC(18, 6) on DuckDB and PostgreSQL and REAL on SQLite
(read back at their declared places); money columns follow the store's policy
(NUMERIC(18,2), integer cents on SQLite).  Primary keys are declared on
SQLite and PostgreSQL; DuckDB finds a run's rows through its zone maps (run
ids increase with time), which keeps large inserts fast.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from appraisal.expr.sqltypes import ExprNumber
from appraisal.store.schema import ID_LENGTH
from appraisal.store.types import Money, UtcDateTime

RUN_METADATA = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

_KEYED = ("sqlite", "postgresql")


def _keyed(
    ddl: Any,
    target: Any,
    bind: Any,
    tables: Any = None,
    state: Any = None,
    *,
    dialect: Dialect,
    compiler: Any = None,
    checkfirst: bool = False,
) -> bool:
    return dialect.name in _KEYED


def _key(*columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns).ddl_if(callable_=_keyed)


def _ident(name: str, **kw: Any) -> sa.Column[Any]:
    return sa.Column(name, sa.String(ID_LENGTH), **kw)


def _code(name: str, **kw: Any) -> sa.Column[Any]:
    return sa.Column(name, sa.String(64), **kw)


class StoredNumber(ExprNumber):
    """NUMERIC(18, 6) (64-bit DECIMAL on DuckDB: fast), REAL on SQLite; Decimal in Python.

    Results hold at most 6 places (targets) and 12 integer digits.
    """

    impl = sa.Numeric(18, 6, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Float())
        return dialect.type_descriptor(sa.Numeric(18, 6, asdecimal=True))


def _number(name: str) -> sa.Column[Any]:
    return sa.Column(name, StoredNumber())


EVALUATION_RUNS = sa.Table(
    "evaluation_runs",
    RUN_METADATA,
    _ident("run_id", primary_key=True),
    _code("ruleset_id", nullable=False),
    sa.Column("ruleset_version", sa.String(40), nullable=False),
    sa.Column("ruleset_hash", sa.String(64), nullable=False),
    sa.Column("ruleset_json", sa.Text(), nullable=False),
    sa.Column("data_fingerprint", sa.String(64), nullable=False),
    sa.Column("data_fingerprint_json", sa.Text(), nullable=False),
    sa.Column("period", sa.String(16), nullable=False),
    sa.Column("period_start", sa.Date(), nullable=False),
    sa.Column("period_end", sa.Date(), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("engine_version", sa.String(40), nullable=False),
    sa.Column("backend", sa.String(20), nullable=False),
    sa.Column("official", sa.Boolean(), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("started_at", UtcDateTime(), nullable=False),
    sa.Column("finished_at", UtcDateTime()),
    sa.Column("results_hash", sa.String(64)),
    comment="One row per evaluation; period_end is the first day after the period.",
)

RUN_SUBJECTS = sa.Table(
    "run_subject_results",
    RUN_METADATA,
    _ident("run_id", nullable=False),
    _code("scorecard_id", nullable=False),
    _ident("subject_id", nullable=False),
    sa.Column("subject_kind", sa.String(10), nullable=False),
    sa.Column("subject_name", sa.String(400)),
    sa.Column("role", sa.String(40)),
    sa.Column("team", sa.String(400)),
    _ident("manager_id"),
    _number("total"),
    sa.Column("tier_before_gates", sa.String(40)),
    sa.Column("gates_fired", sa.String(2000), nullable=False),
    sa.Column("tier", sa.String(40)),
    sa.Column("incentives_withheld", sa.Boolean(), nullable=False),
    _key("run_id", "scorecard_id", "subject_id"),
    comment="gates_fired: fired gate ids in declaration order, comma-separated.",
)

RUN_SECTIONS = sa.Table(
    "run_section_results",
    RUN_METADATA,
    _ident("run_id", nullable=False),
    _code("scorecard_id", nullable=False),
    _ident("subject_id", nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    _code("section_id", nullable=False),
    _number("share"),
    _number("score"),
    sa.Column("applicable", sa.Boolean(), nullable=False),
    _key("run_id", "scorecard_id", "subject_id", "position"),
)

RUN_ITEMS = sa.Table(
    "run_item_results",
    RUN_METADATA,
    _ident("run_id", nullable=False),
    _code("scorecard_id", nullable=False),
    _ident("subject_id", nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    _code("section_id", nullable=False),
    _code("indicator_id", nullable=False),
    _number("value"),
    _number("target"),
    _number("attainment"),
    _number("score"),
    _number("weight"),
    _number("effective_weight"),
    _number("contribution"),
    sa.Column("applicable", sa.Boolean(), nullable=False),
    sa.Column("step", sa.String(32), nullable=False),
    _key("run_id", "scorecard_id", "subject_id", "position"),
    comment="step: the part of the scoring rule that gave the points (see engine.score.Step).",
)

RUN_INCENTIVES = sa.Table(
    "run_incentive_results",
    RUN_METADATA,
    _ident("run_id", nullable=False),
    _code("scorecard_id", nullable=False),
    _ident("subject_id", nullable=False),
    _code("incentive_id", nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("amount", Money()),
    sa.Column("award_rank", sa.Integer()),
    _number("basis"),
    sa.Column("withheld", sa.Boolean(), nullable=False),
    _key("run_id", "scorecard_id", "subject_id", "incentive_id"),
    comment="amount: money paid (NULL for awards); basis: bonus base, commission amount, "
    "pool weight or award ranking value.",
)

RUN_PLAN_ITEMS = sa.Table(
    "run_plan_items",
    RUN_METADATA,
    _ident("run_id", nullable=False),
    _code("scorecard_id", nullable=False),
    _ident("subject_id", nullable=False),
    _code("rule_id", nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("condition", sa.String(32), nullable=False),
    sa.Column("owner", sa.String(40), nullable=False),
    _ident("owner_id"),
    sa.Column("due_on", sa.Date(), nullable=False),
    _code("follow_up_indicator"),
    _number("follow_up_baseline"),
    _number("follow_up_target"),
    sa.Column("follow_up_direction", sa.String(8)),
    sa.Column("follow_up_period", sa.String(16)),
    _key("run_id", "scorecard_id", "subject_id", "rule_id"),
    comment="A later run of follow_up_period checks the follow_up_indicator against "
    "follow_up_target in follow_up_direction (met: at least as good).",
)

RUN_SEGMENTS = sa.Table(
    "run_client_segments",
    RUN_METADATA,
    _ident("run_id", nullable=False),
    _code("segmentation_id", nullable=False),
    _ident("subject_id", nullable=False),
    sa.Column("r_score", sa.Integer()),
    sa.Column("f_score", sa.Integer()),
    sa.Column("m_score", sa.Integer()),
    _number("rfm_score"),
    sa.Column("segment", sa.String(40), nullable=False),
    _key("run_id", "segmentation_id", "subject_id"),
)

RUN_GROUPS = sa.Table(
    "run_group_summaries",
    RUN_METADATA,
    _ident("run_id", nullable=False),
    _code("scorecard_id", nullable=False),
    sa.Column("group_kind", sa.String(8), nullable=False),
    sa.Column("group_id", sa.String(400)),
    sa.Column("subjects", sa.Integer(), nullable=False),
    sa.Column("rated", sa.Integer(), nullable=False),
    _number("average_total"),
    sa.Column("incentive_total", Money(), nullable=False),
    comment="group_kind: 'all' (group_id NULL), 'team' (staff.team; NULL: no team) or "
    "'lead' (everyone under that manager, directly or indirectly; clients by owner).",
)

RUN_GROUP_TIERS = sa.Table(
    "run_group_tiers",
    RUN_METADATA,
    _ident("run_id", nullable=False),
    _code("scorecard_id", nullable=False),
    sa.Column("group_kind", sa.String(8), nullable=False),
    sa.Column("group_id", sa.String(400)),
    sa.Column("tier", sa.String(40)),
    sa.Column("subjects", sa.Integer(), nullable=False),
    comment="The rating distribution of each group; tier NULL counts unrated subjects.",
)

RESULT_TABLES = (
    RUN_SUBJECTS,
    RUN_SECTIONS,
    RUN_ITEMS,
    RUN_INCENTIVES,
    RUN_PLAN_ITEMS,
    RUN_SEGMENTS,
    RUN_GROUPS,
    RUN_GROUP_TIERS,
)

for _table in (RUN_GROUPS, RUN_GROUP_TIERS):
    sa.Index(None, _table.c.run_id, _table.c.scorecard_id).ddl_if(callable_=_keyed)


def create_run_tables(conn: Connection) -> None:
    """Create the run tables that are missing (existing ones are left as they are)."""
    RUN_METADATA.create_all(conn, checkfirst=True)


def delete_run(conn: Connection, run_id: str) -> None:
    """Remove a run and all its results (used when a run is replaced in tests and tools)."""
    for table in (*RESULT_TABLES, EVALUATION_RUNS):
        conn.execute(table.delete().where(table.c.run_id == run_id))
