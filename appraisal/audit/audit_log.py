"""The audit log: append-only, hash-chained records of who did what, when.

Each record holds its sequence number, a timezone-aware UTC timestamp, the event
kind, the actor, a subject reference and a payload of hashes and ids.  Its hash
is ``sha256(prev_hash + canonical JSON of the record)``, and the next record
carries that hash as its ``prev_hash``; the first record's ``prev_hash`` is 64
zeros.  :func:`verify_log` walks the chain and names the first record that was
edited, removed or moved.  Removing records from the *end* leaves a valid
shorter chain: compare the head hash with one noted earlier to detect that.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from appraisal.audit.canonical import canonical_json, canonical_value, sha256_text
from appraisal.audit.tables import audit_log, ensure_tables, tables_exist
from appraisal.errors import UserError

GENESIS = "0" * 64


class EventKind(StrEnum):
    """What an audit record is about."""

    PUBLISH = "publish"
    APPROVE = "approve"
    RETIRE = "retire"
    RUN = "run"
    REPORT = "report"


@dataclass(frozen=True)
class AuditRecord:
    """One record of the log, as stored."""

    seq: int
    recorded_at: str
    kind: str
    actor: str
    subject: str
    payload: Mapping[str, Any]
    prev_hash: str
    record_hash: str

    def hashed_content(self) -> dict[str, Any]:
        """The fields the record hash covers (everything except the hashes)."""
        return {
            "seq": self.seq,
            "recorded_at": self.recorded_at,
            "kind": self.kind,
            "actor": self.actor,
            "subject": self.subject,
            "payload": self.payload,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with stable keys."""
        return {**self.hashed_content(), "prev_hash": self.prev_hash, "hash": self.record_hash}


def record_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    """``sha256(prev_hash + canonical JSON of the record content)``."""
    return sha256_text(prev_hash + canonical_json(content))


def utc_text(instant: datetime) -> str:
    """An aware instant as fixed-width UTC ISO text (microseconds, ``+00:00``)."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime refused: give instants a time zone")
    return instant.astimezone(UTC).isoformat(timespec="microseconds")


def _head(conn: Connection) -> tuple[int, str]:
    row = conn.execute(
        sa.select(audit_log.c.seq, audit_log.c.record_hash)
        .order_by(audit_log.c.seq.desc())
        .limit(1)
    ).first()
    return (0, GENESIS) if row is None else (int(row.seq), str(row.record_hash))


def append_event(
    conn: Connection,
    kind: EventKind,
    actor: str,
    payload: Mapping[str, Any],
    *,
    subject: str = "",
    now: datetime | None = None,
) -> AuditRecord:
    """Append one record to the log, in the caller's transaction.

    ``payload`` holds ids and hashes (Decimals, dates and enums are written in
    canonical form).  Two writers racing for the same sequence number collide on
    the primary key; the loser's transaction fails and can be retried.
    """
    if not actor.strip():
        raise UserError("an audit record needs an actor (who did it)")
    ensure_tables(conn)
    last_seq, prev = _head(conn)
    data = canonical_value(dict(payload))
    record = AuditRecord(
        seq=last_seq + 1,
        recorded_at=utc_text(now or datetime.now(UTC)),
        kind=EventKind(kind).value,
        actor=actor.strip(),
        subject=subject,
        payload=data,
        prev_hash=prev,
        record_hash="",
    )
    digest = record_hash(prev, record.hashed_content())
    conn.execute(
        sa.insert(audit_log).values(
            seq=record.seq,
            recorded_at=record.recorded_at,
            kind=record.kind,
            actor=record.actor,
            subject=record.subject,
            payload=canonical_json(data),
            prev_hash=prev,
            record_hash=digest,
        )
    )
    return replace(record, record_hash=digest)


def _record(row: sa.Row[Any]) -> AuditRecord:
    try:
        payload = json.loads(row.payload)
    except json.JSONDecodeError:
        payload = {"unreadable payload": row.payload}
    return AuditRecord(
        seq=int(row.seq),
        recorded_at=str(row.recorded_at),
        kind=str(row.kind),
        actor=str(row.actor),
        subject=str(row.subject),
        payload=payload if isinstance(payload, dict) else {"payload": payload},
        prev_hash=str(row.prev_hash),
        record_hash=str(row.record_hash),
    )


def read_log(
    conn: Connection, kind: EventKind | None = None, subject: str | None = None
) -> tuple[AuditRecord, ...]:
    """The records in sequence order, optionally of one kind or subject."""
    if not tables_exist(conn):
        return ()
    query = sa.select(audit_log).order_by(audit_log.c.seq)
    if kind is not None:
        query = query.where(audit_log.c.kind == kind.value)
    if subject is not None:
        query = query.where(audit_log.c.subject == subject)
    return tuple(_record(row) for row in conn.execute(query))


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of walking the chain: the first bad record, if any."""

    count: int
    head_hash: str
    bad_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        """True when every record is intact and in place."""
        return self.bad_seq is None


def _check(record: AuditRecord, expected_seq: int, prev: str) -> str:
    if record.seq != expected_seq:
        first = "first " if expected_seq == 1 else "next "
        return f"audit log record {expected_seq} is missing (the {first}record is {record.seq})"
    if record.prev_hash != prev:
        before = f"record {expected_seq - 1}" if expected_seq > 1 else "the start of the log"
        return (
            f"audit log record {record.seq} does not follow {before}: its prev_hash does not "
            "match (records were removed, inserted or reordered)"
        )
    if record_hash(prev, record.hashed_content()) != record.record_hash:
        return (
            f"audit log record {record.seq} has been altered: its content no longer matches "
            "its hash"
        )
    return ""


def verify_log(conn: Connection) -> VerifyReport:
    """Walk the chain from the start; report the first record that is not intact."""
    records = read_log(conn)
    prev = GENESIS
    for index, record in enumerate(records, start=1):
        problem = _check(record, index, prev)
        if problem:
            return VerifyReport(len(records), prev, index, problem)
        prev = record.record_hash
    return VerifyReport(len(records), prev)
