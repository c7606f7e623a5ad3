"""The audit log: records chain by hash; any edit, removal or reordering is found."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from appraisal.audit.audit_log import (
    GENESIS,
    EventKind,
    append_event,
    read_log,
    record_hash,
    verify_log,
)
from appraisal.audit.tables import audit_log
from appraisal.cli import cli
from appraisal.errors import UserError

T0 = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


def fill(engine: Engine, count: int = 4) -> None:
    with engine.begin() as conn:
        for i in range(count):
            append_event(
                conn,
                EventKind.RUN,
                f"user{i}",
                {"run_id": f"r{i}", "total": Decimal("10.50") * i, "period": "2026Q1"},
                subject=f"run r{i}",
                now=T0 + timedelta(minutes=i),
            )


def run(engine: Engine, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", engine.url.render_as_string(False), *args])
    return result.exit_code, result.output


def test_records_chain_by_hash_of_canonical_json(engine: Engine) -> None:
    fill(engine, 2)
    with engine.connect() as conn:
        first, second = read_log(conn)
    content = {
        "seq": 1,
        "recorded_at": "2026-04-01T08:00:00.000000+00:00",
        "kind": "run",
        "actor": "user0",
        "subject": "run r0",
        "payload": {"period": "2026Q1", "run_id": "r0", "total": "0"},
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert first.prev_hash == GENESIS == "0" * 64
    assert first.record_hash == hashlib.sha256((GENESIS + text).encode()).hexdigest()
    assert second.prev_hash == first.record_hash
    assert second.payload == {"period": "2026Q1", "run_id": "r1", "total": "10.5"}
    assert second.recorded_at == "2026-04-01T08:01:00.000000+00:00"


def test_timestamps_are_utc_and_naive_ones_refused(engine: Engine) -> None:
    beijing = timezone(timedelta(hours=8))
    with engine.begin() as conn:
        record = append_event(
            conn,
            EventKind.REPORT,
            "auditor",
            {"day": date(2026, 4, 1)},
            now=datetime(2026, 4, 1, 16, 0, tzinfo=beijing),
        )
        assert record.recorded_at == "2026-04-01T08:00:00.000000+00:00"
        with pytest.raises(ValueError, match="naive datetime refused"):
            append_event(conn, EventKind.REPORT, "a", {}, now=datetime(2026, 4, 1))  # noqa: DTZ001
        with pytest.raises(UserError, match="needs an actor"):
            append_event(conn, EventKind.REPORT, "  ", {})
    assert record.payload == {"day": "2026-04-01"}


def test_intact_log_verifies(engine: Engine) -> None:
    fill(engine)
    with engine.connect() as conn:
        report = verify_log(conn)
        records = read_log(conn)
    assert report.ok and report.count == 4
    assert report.head_hash == records[-1].record_hash
    assert run(engine, "audit", "verify") == (
        0,
        f"Audit log intact: 4 records, head {report.head_hash}\n",
    )


def test_an_empty_log_verifies(engine: Engine) -> None:
    assert run(engine, "audit", "verify") == (0, f"Audit log intact: 0 records, head {GENESIS}\n")
    assert run(engine, "audit", "log") == (0, "The audit log is empty\n")


def test_an_edited_payload_is_detected(engine: Engine) -> None:
    fill(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.update(audit_log)
            .where(audit_log.c.seq == 3)
            .values(payload='{"period":"2026Q1","run_id":"r2","total":"99"}')
        )
    with engine.connect() as conn:
        report = verify_log(conn)
    assert (report.ok, report.bad_seq) == (False, 3)
    assert run(engine, "audit", "verify") == (
        1,
        "Error: audit log record 3 has been altered: its content no longer matches its hash\n",
    )


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(engine: Engine) -> None:
    fill(engine)
    with engine.begin() as conn:
        conn.execute(sa.update(audit_log).where(audit_log.c.seq == 2).values(actor="intruder"))
        forged = read_log(conn)[1]
        conn.execute(
            sa.update(audit_log)
            .where(audit_log.c.seq == 2)
            .values(record_hash=record_hash(forged.prev_hash, forged.hashed_content()))
        )
    assert run(engine, "audit", "verify") == (
        1,
        "Error: audit log record 3 does not follow record 2: its prev_hash does not match "
        "(records were removed, inserted or reordered)\n",
    )


def test_a_removed_record_is_detected(engine: Engine) -> None:
    fill(engine)
    with engine.begin() as conn:
        conn.execute(sa.delete(audit_log).where(audit_log.c.seq == 2))
    with engine.connect() as conn:
        assert verify_log(conn).bad_seq == 2
    assert run(engine, "audit", "verify") == (
        1,
        "Error: audit log record 2 is missing (the next record is 3)\n",
    )
    with engine.begin() as conn:
        conn.execute(sa.delete(audit_log).where(audit_log.c.seq == 1))
    assert run(engine, "audit", "verify") == (
        1,
        "Error: audit log record 1 is missing (the first record is 3)\n",
    )


def test_swapped_records_are_detected(engine: Engine) -> None:
    fill(engine)
    with engine.begin() as conn:
        for old, new in ((2, -1), (3, 2), (-1, 3)):
            conn.execute(sa.update(audit_log).where(audit_log.c.seq == old).values(seq=new))
    with engine.connect() as conn:
        assert verify_log(conn).bad_seq == 2
    assert run(engine, "audit", "verify") == (
        1,
        "Error: audit log record 2 does not follow record 1: its prev_hash does not match "
        "(records were removed, inserted or reordered)\n",
    )


def test_a_truncated_end_is_found_with_a_noted_head(engine: Engine) -> None:
    fill(engine)
    with engine.connect() as conn:
        head = verify_log(conn).head_hash
        third = read_log(conn)[2].record_hash
    assert run(engine, "audit", "verify", "--head", third[:12]) == (
        0,
        f"Noted head found at record 3\nAudit log intact: 4 records, head {head}\n",
    )
    with engine.begin() as conn:
        conn.execute(sa.delete(audit_log).where(audit_log.c.seq == 4))
    assert run(engine, "audit", "verify")[0] == 0  # a shorter chain is still a chain
    assert run(engine, "audit", "verify", "--head", head) == (
        1,
        f"Error: the noted head {head} is not in the audit log: records were removed from "
        "its end or the log was rewritten\n",
    )


def test_log_command_lists_records(engine: Engine) -> None:
    fill(engine, 2)
    with engine.connect() as conn:
        first, second = read_log(conn)
    assert run(engine, "audit", "log") == (
        0,
        f"    1  2026-04-01T08:00:00Z  run      user0  run r0  {first.record_hash[:12]}\n"
        f"    2  2026-04-01T08:01:00Z  run      user1  run r1  {second.record_hash[:12]}\n",
    )
    code, output = run(engine, "audit", "log", "--format", "json", "--subject", "run r1")
    assert code == 0
    assert json.loads(output) == [
        {
            "seq": 2,
            "recorded_at": "2026-04-01T08:01:00.000000+00:00",
            "kind": "run",
            "actor": "user1",
            "subject": "run r1",
            "payload": {"period": "2026Q1", "run_id": "r1", "total": "10.5"},
            "prev_hash": first.record_hash,
            "hash": second.record_hash,
        }
    ]
    assert run(engine, "audit", "log", "--kind", "publish") == (0, "No matching audit records\n")
