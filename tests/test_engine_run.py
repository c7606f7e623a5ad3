"""The stored run: its record, byte-identical JSON on every backend, fingerprints, rollups."""

from __future__ import annotations

import json
import re
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from appraisal import __version__
from appraisal.engine.fingerprint import data_fingerprint, ruleset_hash
from appraisal.engine.run_tables import EVALUATION_RUNS, RUN_ITEMS, RUN_SUBJECTS
from appraisal.errors import UserError
from appraisal.spec.enums import RuleStatus
from appraisal.store.database import connect
from appraisal.store.schema import Staff
from tests.engine_frames import Row, evaluate_rows, indicator, item, ruleset, scorecard

STAFF = [
    {"staff_id": "D1", "name": "Director", "role": "director", "team": None, "manager_id": None},
    {"staff_id": "L1", "name": "Lead", "role": "lead", "team": "T1", "manager_id": "D1"},
    {"staff_id": "a", "name": "Rep a", "role": "rep", "team": "T1", "manager_id": "L1"},
    {"staff_id": "b", "name": "Rep b", "role": "rep", "team": "T1", "manager_id": "L1"},
    {"staff_id": "c", "name": "Rep c", "role": "rep", "team": "T2", "manager_id": "D1"},
]


def _rules(status: str = "draft") -> Any:
    rules = ruleset(
        [indicator("p", "score"), indicator("sales", "money")],
        [
            scorecard(
                [
                    item("p", 60, {"method": "direct"}),
                    item("sales", 40, {"method": "attainment", "cap": 150}),
                ],
                incentives=[
                    {
                        "kind": "bonus",
                        "id": "bonus",
                        "title": {"en": "Bonus"},
                        "base": {"default": 1000},
                        "multiplier_by_tier": {"A": 2, "B": 1, "C": D("0.5")},
                    }
                ],
            )
        ],
    )
    meta = rules.metadata.model_copy(update={"status": RuleStatus(status)})
    return rules.model_copy(update={"metadata": meta})


ROWS = [
    Row("a", {"p": 95, "sales": D("1234.56")}, {"sales": 1000}, team="T1", manager_id="L1"),
    Row("b", {"p": 70, "sales": 500}, {"sales": 1000}, team="T1", manager_id="L1"),
    Row("c", {"p": 50, "sales": None}, {"sales": 1000}, team="T2", manager_id="D1"),
]


def test_run_record(engine: Engine) -> None:
    rules = _rules()
    result = evaluate_rows(engine, rules, ROWS, staff=STAFF)
    run = result.run
    assert run is not None
    with engine.connect() as conn:
        row = conn.execute(sa.select(EVALUATION_RUNS)).one()
    assert row.run_id == run.run_id
    assert re.fullmatch(r"\d{8}T\d{12}Z-[0-9a-f]{6}", run.run_id)
    assert (row.ruleset_id, row.ruleset_version, row.period) == ("test-rules", "1.0", "2026Q3")
    assert (str(row.period_start), str(row.period_end)) == ("2026-07-01", "2026-10-01")
    assert row.ruleset_hash == ruleset_hash(rules) == result.ruleset_hash
    assert row.results_hash == result.digest
    assert (row.official, row.status, row.engine_version) == (False, "draft", __version__)
    assert row.backend == engine.dialect.name
    assert row.started_at.tzinfo is not None and row.finished_at.tzinfo is not None
    assert row.started_at <= row.finished_at
    assert json.loads(row.ruleset_json)["metadata"]["id"] == "test-rules"
    assert json.loads(row.data_fingerprint_json)["staff"]["rows"] == 5
    assert row.data_fingerprint == result.data_fingerprint
    with engine.connect() as conn:
        counts = [
            conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (RUN_SUBJECTS, RUN_ITEMS)
        ]
    assert counts == [3, 6]


def test_results_json_holds_no_run_id_or_time(engine: Engine) -> None:
    result = evaluate_rows(engine, _rules(), ROWS, staff=STAFF)
    text = result.to_json()
    assert result.run is not None and result.run.run_id not in text
    assert "started" not in text and "finished" not in text and engine.dialect.name not in text
    data = json.loads(text)
    subject = data["scorecards"][0]["subjects"][0]
    assert subject["total"] == "106.38"  # 0.6 × 95 + 0.4 × 123.46
    assert subject["items"][1]["value"] == "1234.56"
    assert subject["items"][1]["score"] == "123.46"


def test_same_rules_and_data_give_byte_identical_json_on_every_backend(
    tmp_path: Path, postgres_url: str
) -> None:
    texts = []
    for url in (
        f"duckdb:///{tmp_path / 'a.duckdb'}",
        f"sqlite:///{tmp_path / 'a.sqlite'}",
        postgres_url,
    ):
        engine = connect(url)
        try:
            texts.append(evaluate_rows(engine, _rules(), ROWS, staff=STAFF).to_json())
        finally:
            engine.dispose()
    assert texts[0] == texts[1] == texts[2]


def test_rollups_through_the_hierarchy(engine: Engine) -> None:
    result = evaluate_rows(engine, _rules(), ROWS, staff=STAFF)
    groups = {(g.kind, g.group_id): g for g in result.scorecards[0].groups}
    # totals: a 0.6×95 + 0.4×123.46 = 106.38 → A; b 0.6×70 + 0.4×50 = 62 → C; c 50 → D
    assert {k: (g.subjects, g.average_total, g.incentive_total) for k, g in groups.items()} == {
        ("all", None): (3, D("72.79"), D("2500.00")),
        ("team", "T1"): (2, D("84.19"), D("2500.00")),
        ("team", "T2"): (1, D("50.00"), D("0.00")),
        ("lead", "D1"): (3, D("72.79"), D("2500.00")),  # everyone is below the director
        ("lead", "L1"): (2, D("84.19"), D("2500.00")),
    }
    assert {(t.tier, t.subjects) for t in groups[("lead", "L1")].tiers} == {("A", 1), ("C", 1)}
    assert [(t.tier, t.subjects) for t in result.scorecards[0].distribution] == [
        ("A", 1),
        ("C", 1),
        ("D", 1),
    ]


def test_official_runs_need_approved_rules_in_force(engine: Engine) -> None:
    with pytest.raises(UserError, match="an official run needs approved rules"):
        evaluate_rows(engine, _rules("draft"), ROWS, official=True)
    with pytest.raises(UserError, match="is not in force in 2025Q4"):
        evaluate_rows(engine, _rules("approved"), ROWS, official=True, period="2025Q4")
    result = evaluate_rows(engine, _rules("approved"), ROWS, official=True)
    assert result.run is not None and result.run.status == "official"


def test_money_rounded_finer_than_cents_is_refused(engine: Engine) -> None:
    rules = ruleset(
        [indicator("p", "score")],
        [scorecard([item("p", 100, {"method": "direct"})])],
        settings={"money_rounding": {"places": 3}},
    )
    with pytest.raises(UserError, match="stored in cents"):
        evaluate_rows(engine, rules, [Row("a", {"p": 1})])


def test_ruleset_hash_follows_meaning_not_spelling() -> None:
    rules = _rules()
    respelled = rules.model_copy(
        update={
            "scorecards": tuple(
                c.model_copy(
                    update={
                        "sections": tuple(
                            s.model_copy(update={"share": D("100.00")}) for s in c.sections
                        )
                    }
                )
                for c in rules.scorecards
            )
        }
    )
    assert ruleset_hash(respelled) == ruleset_hash(rules)
    retiered = rules.model_copy(
        update={
            "scorecards": tuple(c.model_copy(update={"tiers": "other"}) for c in rules.scorecards)
        }
    )
    assert ruleset_hash(retiered) != ruleset_hash(rules)


def test_data_fingerprint_names_what_changed(engine: Engine) -> None:
    evaluate_rows(engine, _rules(), ROWS, staff=STAFF)
    with engine.begin() as conn:
        before = data_fingerprint(conn)
        conn.execute(
            sa.update(Staff.__table__).where(Staff.__table__.c.staff_id == "c").values(team="T1")
        )
        conn.execute(sa.delete(Staff.__table__).where(Staff.__table__.c.staff_id == "b"))
        after = data_fingerprint(conn)
    assert before.digest != after.digest
    changes = after.differences(before)
    assert "staff: rows 5 → 4" in changes
    assert any(line.startswith("staff.team: count 4 → 3") for line in changes)


def test_numbers_beyond_64_bits_are_refused_not_rounded(engine: Engine) -> None:
    rules = ruleset(
        [indicator("sales", "money")],
        [scorecard([item("sales", 100, {"method": "attainment", "cap": 120})])],
    )
    rows = [Row("a", {"sales": D("10000000000000.00")}, {"sales": 3})]
    with pytest.raises(UserError, match="too large to compute and store exactly"):
        evaluate_rows(engine, rules, rows)


def test_stored_subjects_read_back_like_the_result(engine: Engine) -> None:
    from appraisal.engine.results import stored_subjects

    rules = _rules()
    result = evaluate_rows(engine, rules, ROWS, staff=STAFF)
    assert result.run is not None
    with engine.connect() as conn:
        (one,) = stored_subjects(conn, result.run.run_id, rules, "card", ["b"])
        every = stored_subjects(conn, result.run.run_id, rules, "card")
    assert one == result.scorecards[0].subject("b")
    assert every == result.scorecards[0].subjects
