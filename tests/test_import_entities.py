"""Every built-in entity imports, with composite keys, instants, booleans and decimals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from appraisal.importing import Counts, import_files
from appraisal.store.schema import ENTITIES

FILES = {
    "staff.csv": "staff_id,name,role,manager_id,hired_on\nS1,甲,lead,,2020-01-01\nS2,乙,rep,S1,\n",
    "customers.csv": "customer_id,name,owner_id,acquired_on\nC1,客户一,S2,2025-01-01\n",
    "opportunities.csv": "opportunity_id,customer_id,staff_id,created_at,stage,expected_amount\n"
    "P1,C1,S2,2026-01-05T09:00:00+08:00,Proposal,5000\n",
    "opportunity_stages.csv": "opportunity_id,stage,entered_at\n"
    "P1,lead,2026-01-05T09:00:00+08:00\nP1,proposal,2026-02-01 10:00\n"
    "P1,Lead,2026-01-06T09:00:00+08:00\nP2,lead,2026-01-05\n",
    "surveys.csv": "survey_id,customer_id,staff_id,answered_on,satisfaction,nps\n"
    "V1,C1,S2,2026-03-01,5,10\nV2,C1,S2,2026-03-02,6,-1\n",
    "tickets.csv": "ticket_id,customer_id,opened_at,resolved_at,is_complaint,category\n"
    "T1,C1,2026-03-01T08:00:00Z,2026-03-01T20:00:00Z,yes,delivery\n",
    "interactions.csv": "interaction_id,customer_id,staff_id,occurred_at,kind\n"
    "I1,C1,S2,2026-03-02T09:30:00+08:00,visit\n",
    "contracts.csv": "contract_id,customer_id,starts_on,ends_on,renewed_on,value\n"
    "K1,C1,2025-01-01,2025-12-31,2025-12-15,12000.50\n",
    "ratings.csv": "staff_id,period,criterion,rater_id,score\n"
    "S2,2026-Q1,conduct,S1,4.5\nS2,2026-Q1,ability,S1,3.25\nS2,2026-Q1,ability,S1,3\n",
    "targets.csv": "subject_kind,subject_id,indicator,period,value\n"
    "person,S2,sales_amount,2026-Q1,150000\nteam,east,sales_amount,2026-Q1,-0.5\n",
}


def rows(engine: Engine, entity: str) -> list[tuple[object, ...]]:
    table = ENTITIES[entity]
    with engine.connect() as conn:
        query = sa.select(table).order_by(*table.primary_key.columns)
        return [tuple(row) for row in conn.execute(query)]


def test_all_entities_in_one_import(engine: Engine, tmp_path: Path) -> None:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    report = import_files(engine, sorted(tmp_path.glob("*.csv")), timezone="Asia/Shanghai")
    assert {e.entity: e.counts for e in report.entities} == {
        "staff": Counts(read=2, inserted=2),
        "customers": Counts(read=1, inserted=1),
        "opportunities": Counts(read=1, inserted=1),
        "opportunity_stages": Counts(read=4, inserted=1, rejected=3),
        "surveys": Counts(read=2, inserted=1, rejected=1),
        "tickets": Counts(read=1, inserted=1),
        "interactions": Counts(read=1, inserted=1),
        "contracts": Counts(read=1, inserted=1),
        "ratings": Counts(read=3, inserted=1, rejected=2),
        "targets": Counts(read=2, inserted=2),
    }
    assert rows(engine, "opportunities") == [
        ("P1", "C1", "S2", datetime(2026, 1, 5, 1, 0, tzinfo=UTC), "proposal",
         Decimal("5000.00"), None),
    ]  # fmt: skip
    assert rows(engine, "opportunity_stages") == [
        ("P1", "proposal", datetime(2026, 2, 1, 2, 0, tzinfo=UTC)),
    ]
    assert rows(engine, "surveys") == [("V1", "C1", "S2", date(2026, 3, 1), 5, 10)]
    assert rows(engine, "tickets") == [
        ("T1", "C1", None, datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
         datetime(2026, 3, 1, 20, 0, tzinfo=UTC), True, "delivery"),
    ]  # fmt: skip
    assert rows(engine, "contracts") == [
        ("K1", "C1", None, date(2025, 1, 1), date(2025, 12, 31), date(2025, 12, 15),
         Decimal("12000.50")),
    ]  # fmt: skip
    assert rows(engine, "ratings") == [("S2", "2026-Q1", "conduct", "S1", Decimal("4.5"))]
    assert rows(engine, "targets") == [
        ("person", "S2", "sales_amount", "2026-Q1", Decimal("150000")),
        ("team", "east", "sales_amount", "2026-Q1", Decimal("-0.5")),
    ]
    stages = (tmp_path / "opportunity_stages.rejected.csv").read_bytes().decode("utf-8-sig")
    assert stages.splitlines()[1:] == [
        '"2","key (opportunity_id, stage): duplicate \'P1 / lead\' (also on row 4)",'
        '"P1","lead","2026-01-05T09:00:00+08:00"',
        '"4","key (opportunity_id, stage): duplicate \'P1 / Lead\' (also on row 2)",'
        '"P1","Lead","2026-01-06T09:00:00+08:00"',
        '"5","opportunity_id: unknown opportunity \'P2\'","P2","lead","2026-01-05"',
    ]
    surveys = (tmp_path / "surveys.rejected.csv").read_bytes().decode("utf-8-sig")
    assert surveys.splitlines()[1] == (
        "\"3\",\"satisfaction: '6' is outside 1–5; nps: '-1' is outside 0–10\","
        '"V2","C1","S2","2026-03-02","6","-1"'
    )
    again = import_files(engine, [tmp_path / name for name in FILES], timezone="Asia/Shanghai")
    assert again.total == Counts(read=18, unchanged=12, rejected=6)
