"""Persisting a run: the run record, and item and section rows copied from the work table.

The run row is inserted when the evaluation starts and completed (finish time,
results hash) at the end, in the same transaction as every result row, so a
run is stored whole or not at all.  Results never pass through Python: each
table is filled by ``INSERT ... SELECT`` from the scored work table.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from appraisal import __version__
from appraisal.engine.cardrun import CardRun
from appraisal.engine.fingerprint import DataFingerprint
from appraisal.engine.run_tables import EVALUATION_RUNS, RUN_ITEMS, RUN_SECTIONS
from appraisal.engine.score import UNSCORED
from appraisal.expr.sqltypes import ExprNumber
from appraisal.periods import Period
from appraisal.spec.models import RuleSet


@dataclass(frozen=True)
class RunRecord:
    """What the ``evaluation_runs`` row says about a run (not part of the results JSON)."""

    run_id: str
    ruleset_id: str
    ruleset_version: str
    ruleset_hash: str
    data_fingerprint: str
    period: str
    engine_version: str
    backend: str
    official: bool
    started_at: datetime
    finished_at: datetime | None
    results_hash: str | None

    @property
    def status(self) -> str:
        """``official`` or ``draft``."""
        return "official" if self.official else "draft"

    @classmethod
    def from_row(cls, row: Any) -> RunRecord:
        """The record of a stored ``evaluation_runs`` row."""
        return cls(
            run_id=row.run_id,
            ruleset_id=row.ruleset_id,
            ruleset_version=row.ruleset_version,
            ruleset_hash=row.ruleset_hash,
            data_fingerprint=row.data_fingerprint,
            period=row.period,
            engine_version=row.engine_version,
            backend=row.backend,
            official=bool(row.official),
            started_at=row.started_at,
            finished_at=row.finished_at,
            results_hash=row.results_hash,
        )


def new_run_id(now: datetime) -> str:
    """A run id that sorts by start time: ``20261008T093000123456Z-1a2b3c``."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(3)}"


def utc_now() -> datetime:
    """The current instant, timezone-aware."""
    return datetime.now(UTC)


def start_run(
    conn: Connection,
    record: RunRecord,
    *,
    ruleset_json: str,
    fingerprint: DataFingerprint,
    period: Period,
    timezone: str,
) -> None:
    """Insert the run row (finished_at and results_hash stay empty until :func:`finish_run`)."""
    conn.execute(
        EVALUATION_RUNS.insert().values(
            run_id=record.run_id,
            ruleset_id=record.ruleset_id,
            ruleset_version=record.ruleset_version,
            ruleset_hash=record.ruleset_hash,
            ruleset_json=ruleset_json,
            data_fingerprint=fingerprint.digest,
            data_fingerprint_json=fingerprint.to_json(),
            period=period.code,
            period_start=period.start,
            period_end=period.end,
            timezone=timezone,
            engine_version=record.engine_version,
            backend=record.backend,
            official=record.official,
            status=record.status,
            started_at=record.started_at,
        )
    )


def finish_run(conn: Connection, record: RunRecord, results_hash: str) -> RunRecord:
    """Record the finish time and the hash of the results JSON."""
    finished = utc_now()
    conn.execute(
        EVALUATION_RUNS.update()
        .where(EVALUATION_RUNS.c.run_id == record.run_id)
        .values(finished_at=finished, results_hash=results_hash)
    )
    return replace(record, finished_at=finished, results_hash=results_hash)


def draft_record(
    run_id: str,
    ruleset: RuleSet,
    ruleset_hash: str,
    fingerprint: str,
    period: Period,
    backend: str,
    official: bool,
    started_at: datetime,
) -> RunRecord:
    """A run record at its start."""
    return RunRecord(
        run_id=run_id,
        ruleset_id=ruleset.metadata.id,
        ruleset_version=ruleset.metadata.version,
        ruleset_hash=ruleset_hash,
        data_fingerprint=fingerprint,
        period=period.code,
        engine_version=__version__,
        backend=backend,
        official=official,
        started_at=started_at,
        finished_at=None,
        results_hash=None,
    )


def _number(value: Any) -> Any:
    return sa.literal(value, ExprNumber())


def _positions(count: int) -> Any:
    """A derived table of the positions ``0 .. count-1`` (column ``k``), on every backend."""
    rows = [sa.select(sa.literal_column(str(k), sa.Integer()).label("k")) for k in range(count)]
    return (sa.union_all(*rows) if count > 1 else rows[0]).subquery("positions")


def _by_position(k: Any, branches: Sequence[Any]) -> Any:
    """``CASE WHEN k = 0 THEN branches[0] ...`` (None branches give NULL)."""
    whens = [(position, expr) for position, expr in enumerate(branches) if expr is not None]
    if not whens:
        return None
    return sa.case(*[(k == sa.literal_column(str(p)), e) for p, e in whens])


def _unpivot(
    card: CardRun, table: Any, target: sa.Table, columns: Sequence[tuple[str, Sequence[Any]]]
) -> None:
    """Insert one row per subject and position: ``columns`` gives, per target column,
    its expression at each position.

    One scan of the work table crossed with the positions (not a UNION ALL of
    one SELECT per position): DuckDB then writes whole row groups in subject
    order, which keeps the commit's checkpoint cheap.
    """
    count = len(columns[0][1])
    pos = _positions(count)
    select = sa.select(
        card.run_literal(),
        card.card_literal(),
        table.c.subject_id,
        pos.c.k,
        *[_typed(_by_position(pos.c.k, branches), target.c[name]) for name, branches in columns],
    ).select_from(table.join(pos, sa.true()))
    names = ["run_id", "scorecard_id", "subject_id", "position", *(name for name, _ in columns)]
    card.conn.execute(target.insert().from_select([target.c[n] for n in names], select))


def _typed(expr: Any, column: sa.Column[Any]) -> Any:
    """A NULL typed as the column (an untyped one is text to PostgreSQL)."""
    return sa.cast(sa.null(), column.type) if expr is None else expr


def store_items(card: CardRun) -> None:
    """One ``run_item_results`` row per subject and item."""
    table, layout = card.scored.table, card.scored.layout
    specs = layout.items
    assert [spec.position for spec in specs] == list(range(len(specs)))
    ks = range(len(specs))

    def fixed(name: str) -> Any:
        """An optional work-table column as a stored number (None: the item has none)."""
        return layout.fixed(table, name).number() if name in table.c else None

    _unpivot(
        card,
        table,
        RUN_ITEMS,
        [
            ("section_id", [sa.literal(spec.section.id) for spec in specs]),
            ("indicator_id", [sa.literal(spec.indicator.id) for spec in specs]),
            ("value", [layout.value(table, k).number() for k in ks]),
            ("target", [fixed(f"t{k}") for k in ks]),
            ("attainment", [fixed(f"a{k}") for k in ks]),
            ("score", [layout.score(table, k).number() for k in ks]),
            ("weight", [_number(spec.item.weight) for spec in specs]),
            ("effective_weight", [layout.fixed(table, f"ew{k}").number() for k in ks]),
            ("contribution", [layout.fixed(table, f"c{k}").number() for k in ks]),
            ("applicable", [table.c[f"st{k}"].not_in(UNSCORED) for k in ks]),
            ("step", [table.c[f"st{k}"] for k in ks]),
        ],
    )


def store_sections(card: CardRun) -> None:
    """One ``run_section_results`` row per subject and section."""
    table, layout = card.scored.table, card.scored.layout
    sections = card.scorecard.sections
    scores = [layout.fixed(table, f"ss{j}") for j in range(len(sections))]
    _unpivot(
        card,
        table,
        RUN_SECTIONS,
        [
            ("section_id", [sa.literal(section.id) for section in sections]),
            ("share", [_number(section.share) for section in sections]),
            ("score", [score.number() for score in scores]),
            ("applicable", [score.is_not_null() for score in scores]),
        ],
    )


def latest_run_id(conn: Connection, ruleset_hash: str, period: str) -> str | None:
    """The newest stored run of these rules for a period (e.g. for ``explain``)."""
    t = EVALUATION_RUNS
    if not sa.inspect(conn).has_table(t.name):
        return None
    found = conn.execute(
        sa.select(t.c.run_id)
        .where(t.c.ruleset_hash == ruleset_hash, t.c.period == period)
        .order_by(t.c.run_id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return None if found is None else str(found)
