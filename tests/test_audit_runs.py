"""Official runs need the registry's approval; every run leaves an audit record."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from appraisal.audit.audit_log import read_log, verify_log
from appraisal.audit.registry import NotOfficialError, VersionRef, approve, publish
from appraisal.audit.runs import audited_evaluation, audited_run, record_report
from appraisal.errors import UserError
from appraisal.periods import Period
from appraisal.spec.models import RuleSet
from appraisal.spec.parse import parse_ruleset
from appraisal.store.database import create_schema
from appraisal.store.schema import Customer, Order, Staff
from appraisal.workspace import Workspace

MINI = (Path(__file__).parent / "fixtures" / "audit" / "mini.yaml").read_text(encoding="utf-8")
APPROVED = MINI.replace("  owner: HR\n", "  owner: HR\n  status: approved\n")
Q1 = Period.parse("2026Q1")


def seed(engine: Engine) -> None:
    create_schema(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(Staff), [{"staff_id": "S1", "name": "Ann", "role": "sales_rep"}])
        conn.execute(
            sa.insert(Customer),
            [{"customer_id": "C1", "name": "Acme", "acquired_on": date(2025, 1, 5)}],
        )
        conn.execute(
            sa.insert(Order),
            [
                {
                    "order_id": "O1",
                    "customer_id": "C1",
                    "staff_id": "S1",
                    "ordered_on": date(2026, 2, 1),
                    "amount": Decimal(50000),
                    "status": "delivered",
                }
            ],
        )


def rules(tmp_path: Path, text: str) -> RuleSet:
    path = tmp_path / "mini.yaml"
    path.write_text(text, encoding="utf-8")
    build = parse_ruleset(path)
    assert build.ruleset is not None
    return build.ruleset


def stored_runs(engine: Engine) -> int:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("evaluation_runs"):
            return 0
        return int(conn.execute(sa.text("select count(*) from evaluation_runs")).scalar_one())


def test_a_draft_run_is_recorded(engine: Engine, tmp_path: Path) -> None:
    seed(engine)
    result, record = audited_evaluation(
        engine, rules(tmp_path, MINI), Q1, actor="ops", timezone="Asia/Shanghai"
    )
    assert result.run is not None and not result.run.official
    assert (record.seq, record.kind, record.actor) == (1, "run", "ops")
    assert record.subject == f"run {result.run.run_id}"
    assert record.payload == {
        "run_id": result.run.run_id,
        "ruleset_id": "mini",
        "ruleset_version": "1.0",
        "ruleset_hash": result.ruleset_hash,
        "registry_version": None,
        "period": "2026Q1",
        "data_fingerprint": result.data_fingerprint,
        "results_hash": result.digest,
        "engine_version": result.engine_version,
        "backend": engine.dialect.name,
        "official": False,
    }
    with engine.begin() as conn:
        record_report(
            conn,
            run_id=result.run.run_id,
            actor="hr",
            report="scorecards",
            output_hash="f" * 64,
            output_format="html",
        )
        assert [r.kind for r in read_log(conn)] == ["run", "report"]
        assert verify_log(conn).ok


def test_official_runs_need_an_approved_registry_version(engine: Engine, tmp_path: Path) -> None:
    seed(engine)
    ruleset = rules(tmp_path, APPROVED)  # the file says approved; the registry decides
    with pytest.raises(NotOfficialError, match="are not in the registry"):
        audited_evaluation(engine, ruleset, Q1, actor="ops", official=True, timezone="UTC")
    with engine.begin() as conn:
        publish(conn, ruleset, author="maker")
    with pytest.raises(NotOfficialError, match=r"^mini@1.0 is draft; an official run needs"):
        audited_evaluation(engine, ruleset, Q1, actor="ops", official=True, timezone="UTC")
    assert stored_runs(engine) == 0
    with engine.begin() as conn:
        approve(conn, VersionRef("mini", "1.0"), approver="checker")
    with pytest.raises(UserError, match=r"^mini 1.0 is not in force in 2027Q1$"):
        audited_evaluation(
            engine, ruleset, Period.parse("2027Q1"), actor="ops", official=True, timezone="UTC"
        )
    result, record = audited_evaluation(
        engine, ruleset, Q1, actor="ops", official=True, timezone="UTC"
    )
    assert result.run is not None and result.run.official
    assert record.payload["registry_version"] == "mini@1.0"
    assert record.payload["official"] is True
    with engine.connect() as conn:
        assert [(r.kind, r.actor) for r in read_log(conn)] == [
            ("publish", "maker"),
            ("approve", "checker"),
            ("run", "ops"),
        ]
        assert verify_log(conn).ok
    assert stored_runs(engine) == 1


def test_the_run_command_path_records_who_ran_it(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(engine)
    monkeypatch.setenv("APPRAISAL_ACTOR", "李明")
    space = Workspace(tmp_path, engine.url.render_as_string(hide_password=False))
    result = audited_run(rules(tmp_path, MINI), "2026Q1", workspace=space)
    assert result.run is not None
    with engine.connect() as conn:
        (record,) = read_log(conn)
    assert (record.kind, record.actor, record.payload["run_id"]) == (
        "run",
        "李明",
        result.run.run_id,
    )


def test_an_audited_run_reads_one_state_of_the_data(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every statement of a run sees the same data: REPEATABLE READ on PostgreSQL (DuckDB
    and SQLite transactions are snapshots already)."""
    import appraisal.audit.runs as runs

    seed(engine)
    seen: list[object] = []
    measure = runs.measure_frames

    def spy(conn: sa.Connection, *args: object, **kwargs: object) -> object:
        seen.append(conn.get_execution_options().get("isolation_level", "snapshot"))
        return measure(conn, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runs, "measure_frames", spy)
    audited_evaluation(engine, rules(tmp_path, MINI), Q1, actor="ops", timezone="Asia/Shanghai")
    expected = "REPEATABLE READ" if engine.dialect.name == "postgresql" else "snapshot"
    assert seen == [expected]
