"""A small fixed run for the report tests: two teams, hostile names, two quarters.

Rules: a rep scorecard (sales 70 % and complaints 30 % of an 80 % results
section, conduct 20 %), a bonus, a pool and an award; a client scorecard on
revenue with a segmentation.  Worked by hand for 2026Q3:

=====  =======  ==========  =======  =======================  =====  ====
rep    sales    complaints  conduct  total                    tier   team
=====  =======  ==========  =======  =======================  =====  ====
E1     12,000   0 (100)     5 (100)  0.8×(84+30)+20 = 111.20  A      East
E2      9,000   1 (60)      4 (80)   0.8×(63+18)+16 = 80.80   B      East
W1      6,000   0 (100)     3 (60)   0.8×(42+30)+12 = 69.60   C      West
CON     4,000   3 (0)       1.5 (30) 0.8×(28+0)+6 = 28.40     D      West
=====  =======  ==========  =======  =======================  =====  ====

Bonus 1,000 × (A 1.5, B 1, C 0.5, D 0): E1 1,500, E2 1,000, W1 500, CON 0
(the conduct gate withholds it anyway).  Pool 3,000 by score among A and B:
E1 3,000 × 111.2 / 192 = 1,737.50, E2 1,262.50.  Award best_rep: E1.
Plans: low_sales (sales below 8,000; follow-up 9,000 in 2026Q4) for W1 and
CON; coaching (tier C or D, owner manager M2, due 2026-10-14) for W1 and CON.

In 2026Q2 E2 sold 7,000 and CON 5,000, so both had low_sales with a follow-up
of 9,000 due in 2026Q3: E2 (9,000) met it, CON (4,000) did not.

Clients (revenue target 5,000, attainment capped at 150; gold from 80, silver
50–80, bronze below 50): K1 10,000 (150, gold), K2 9,000 (150, gold), K3
6,000 (120, gold), K4 4,000 (80, gold), K5 2,000 (40, bronze, win_back).
Segments: big from 5,000, else small; K4 was big in 2026Q2 (5,000).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from appraisal.audit.case_data import insert_rows
from appraisal.engine.evaluate import evaluate
from appraisal.engine.run_tables import EVALUATION_RUNS, RESULT_TABLES
from appraisal.spec.models import RuleSet
from appraisal.spec.yaml_loader import load_yaml
from appraisal.store.database import connect, create_schema
from appraisal.workspace import Workspace
from tests.conftest import BACKENDS, PG_ENV

RULES = """
schema_version: v1.0
metadata:
  id: report-demo
  title: {zh: 销售季度考核, en: Quarterly sales appraisal}
  version: "2.1"
  effective_from: 2026-01-01
  owner: HR
settings: {period: quarter, currency: CNY, language: zh}
indicators:
  - {id: sales_amount, kind: aggregate, title: {zh: 销售额, en: Sales amount}, unit: money,
     direction: higher, subject: person, aggregate: sum, entity: orders, measure: amount,
     link: staff_id, window: {mode: in_period, column: ordered_on}}
  - {id: complaints, kind: aggregate, title: {zh: 投诉次数, en: Complaints}, unit: count,
     direction: lower, subject: person, aggregate: count, entity: tickets, filter: is_complaint,
     link: staff_id, window: {mode: in_period, column: opened_at}}
  - id: conduct
    kind: rating
    title: {zh: 职业操守, en: Conduct}
    unit: score
    direction: higher
    subject: person
    criterion: conduct
    scale:
      anchors:
        - {value: 5, label: {zh: 卓越, en: Outstanding}}
        - {value: 3, label: {zh: 合格, en: Meets expectations}}
        - {value: 1, label: {zh: 待改进, en: Needs improvement}}
  - {id: client_revenue, kind: aggregate, title: {zh: 客户采购额, en: Client revenue},
     unit: money, direction: higher, subject: client, aggregate: sum, entity: orders,
     measure: amount, link: customer_id, window: {mode: in_period, column: ordered_on}}
targets:
  - {indicator: sales_amount, period: quarter, default: 10000}
  - {indicator: client_revenue, period: quarter, default: 5000}
tier_tables:
  - id: abcd
    bands:
      - {code: A, label: {zh: 优秀, en: Excellent}, min: 90}
      - {code: B, label: {zh: 良好, en: Good}, min: 70, max: 90}
      - {code: C, label: {zh: 合格, en: Fair}, min: 50, max: 70}
      - {code: D, label: {zh: 待改进, en: Needs improvement}, max: 50}
  - id: client_tiers
    bands:
      - {code: gold, label: {zh: 金牌客户, en: Gold}, min: 80}
      - {code: silver, label: {zh: 银牌客户, en: Silver}, min: 50, max: 80}
      - {code: bronze, label: {zh: 铜牌客户, en: Bronze}, max: 50}
scorecards:
  - id: rep
    title: {zh: 销售代表考核表, en: Sales rep scorecard}
    subject: person
    roles: [rep]
    tiers: abcd
    sections:
      - id: results
        title: {zh: 业绩, en: Results}
        share: 80
        items:
          - {indicator: sales_amount, weight: 70, scoring: {method: attainment, cap: 120}}
          - indicator: complaints
            weight: 30
            scoring:
              method: bands
              basis: absolute
              boundaries: upper_inclusive
              bands: [{max: 0, score: 100}, {min: 0, max: 2, score: 60}, {min: 2, score: 0}]
      - id: behaviour
        title: {zh: 行为, en: Behaviour}
        share: 20
        items:
          - {indicator: conduct, weight: 100, scoring: {method: scale}}
    gates:
      - {id: conduct_floor, title: {zh: 操守底线, en: Conduct floor}, when: conduct < 2,
         cap_tier: D, no_incentive: true}
    incentives:
      - kind: bonus
        id: bonus
        title: {zh: 季度奖金, en: Quarterly bonus}
        base: {default: 1000}
        multiplier_by_tier: {A: 1.5, B: 1, C: 0.5, D: 0}
      - kind: pool
        id: pool
        title: {zh: 团队奖金池, en: Team pool}
        amount: 3000
        allocation: by_score
        eligible_tiers: [A, B]
      - kind: award
        id: best_rep
        title: {zh: 最佳销售, en: Best rep}
        award: {zh: 荣誉证书, en: A certificate}
        top: 1
    improvement:
      - id: low_sales
        when: {condition: below_threshold, indicator: sales_amount, below: 8000}
        action: {zh: 制定商机拓展计划, en: Build a pipeline plan}
        owner: self
        due_in_days: 30
        follow_up: {indicator: sales_amount, target: 9000}
      - id: coaching
        when: {condition: tier_in, tiers: [C, D]}
        action: {zh: 主管一对一辅导, en: One-to-one coaching}
        owner: manager
        due_in_days: 14
  - id: client
    title: {zh: 客户评估表, en: Client scorecard}
    subject: client
    tiers: client_tiers
    sections:
      - id: value
        title: {zh: 客户价值, en: Value}
        share: 100
        items:
          - {indicator: client_revenue, weight: 100, scoring: {method: attainment, cap: 150}}
    incentives:
      - {kind: award, id: top_client, title: {zh: 最佳客户, en: Top client},
         award: {zh: 答谢礼遇, en: A thank-you gift}, top: 1}
    improvement:
      - id: win_back
        when: {condition: tier_in, tiers: [bronze]}
        action: {zh: 客户经理上门回访, en: The account manager visits}
        owner: manager
        due_in_days: 10
        follow_up: {indicator: client_revenue, target: 3000}
segmentations:
  - id: size
    title: {zh: 客户规模, en: Client size}
    segments:
      - code: big
        label: {zh: 大客户, en: Big}
        when: client_revenue >= 5000
        actions: [{zh: 季度业务回顾, en: Quarterly business review}]
        reward: {zh: 专属客户经理, en: A dedicated account manager}
      - code: small
        label: {zh: 小客户, en: Small}
        actions: [{zh: 每月电话回访, en: A monthly call}]
"""

SCRIPT = '<script>alert("x")</script>'
ATTRIBUTE = '" onmouseover="alert(1)'
FORMULA = '=HYPERLINK("http://evil.example","click")'
TRAVERSAL = "../../etc/passwd"
RTL = "\u202eevil\u202c Ёe\u0301\u0301 名字"
LONG = "Very Long Client Name " * 14

EAST_NAMES = ("Erin East", SCRIPT, "Mia Manager", "Kay One", "Kim Two", "Kit Five")
WEST_NAMES = (ATTRIBUTE, FORMULA, "Max Manager", TRAVERSAL, LONG.strip())
"""Names of each team's people and clients (the West ones must never reach M1's bundle)."""

RUN_Q2 = "20260701T000000000000Z-q2q2q2"
RUN_Q3 = "20261001T000000000000Z-q3q3q3"
EVALUATED = {
    RUN_Q2: datetime(2026, 7, 1, 1, 30, tzinfo=UTC),
    RUN_Q3: datetime(2026, 10, 1, 1, 30, tzinfo=UTC),
}


def _staff(sid: str, name: str, team: str, manager: str | None, role: str) -> dict[str, Any]:
    return {
        "staff_id": sid,
        "name": name,
        "team": team,
        "manager_id": manager,
        "role": role,
        "hired_on": date(2020, 1, 1),
    }


def _order(oid: str, staff: str, client: str, day: date, amount: int) -> dict[str, Any]:
    return {
        "order_id": oid,
        "customer_id": client,
        "staff_id": staff,
        "ordered_on": day,
        "amount": Decimal(amount),
        "status": "delivered",
    }


def _rating(sid: str, period: str, rater: str, score: str) -> dict[str, Any]:
    return {
        "staff_id": sid,
        "period": period,
        "criterion": "conduct",
        "rater_id": rater,
        "score": Decimal(score),
    }


def _complaint(tid: str, staff: str, client: str) -> dict[str, Any]:
    return {
        "ticket_id": tid,
        "customer_id": client,
        "staff_id": staff,
        "opened_at": datetime(2026, 8, 3, 2, 0, tzinfo=UTC),
        "is_complaint": True,
    }


def _client(cid: str, name: str, owner: str) -> dict[str, Any]:
    return {"customer_id": cid, "name": name, "owner_id": owner, "acquired_on": date(2025, 1, 1)}


ROWS: dict[str, list[dict[str, Any]]] = {
    "staff": [
        _staff("H", "Hana Head", "HQ", None, "director"),
        _staff("M1", "Mia Manager", "华东一组", "H", "team_lead"),
        _staff("M2", "Max Manager", "West | 西区", "H", "team_lead"),
        _staff("E1", "Erin East", "华东一组", "M1", "rep"),
        _staff("E2", SCRIPT, "华东一组", "M1", "rep"),
        _staff("W1", ATTRIBUTE, "West | 西区", "M2", "rep"),
        _staff("CON", FORMULA, "West | 西区", "M2", "rep"),
    ],
    "customers": [
        _client("K1", "Kay One", "E1"),
        _client("K2", "Kim Two", "E2"),
        _client(TRAVERSAL, TRAVERSAL, "W1"),
        _client("K4", LONG.strip(), "CON"),
        _client("K5", "Kit Five", "E1"),
        _client("K6", RTL, "E2"),
    ],
    "orders": [
        _order("Q2-1", "E1", "K1", date(2026, 5, 10), 10000),
        _order("Q2-2", "E2", "K2", date(2026, 5, 11), 7000),
        _order("Q2-3", "W1", TRAVERSAL, date(2026, 5, 12), 8000),
        _order("Q2-4", "CON", "K4", date(2026, 5, 13), 5000),
        _order("Q3-1", "E1", "K1", date(2026, 8, 10), 10000),
        _order("Q3-5", "E1", "K5", date(2026, 8, 11), 2000),
        _order("Q3-2", "E2", "K2", date(2026, 8, 12), 9000),
        _order("Q3-3", "W1", TRAVERSAL, date(2026, 8, 13), 6000),
        _order("Q3-4", "CON", "K4", date(2026, 8, 14), 4000),
    ],
    "tickets": [
        _complaint("T1", "E2", "K2"),
        _complaint("T2", "CON", "K4"),
        _complaint("T3", "CON", "K4"),
        _complaint("T4", "CON", "K4"),
    ],
    "ratings": [
        *[
            _rating(s, "2026Q2", m, "4")
            for s, m in (("E1", "M1"), ("E2", "M1"), ("W1", "M2"), ("CON", "M2"))
        ],
        _rating("E1", "2026Q3", "M1", "5"),
        _rating("E2", "2026Q3", "M1", "4"),
        _rating("W1", "2026Q3", "M2", "3"),
        _rating("CON", "2026Q3", "M2", "1.5"),
    ],
}


def ruleset() -> RuleSet:
    """The fixture rules as a rule set."""
    document, issues = load_yaml(RULES, "report-demo.yaml")
    assert document is not None, issues
    return RuleSet.model_validate(document.data)


def _rename_run(conn: Any, old: str, new: str) -> None:
    for table in (*RESULT_TABLES, EVALUATION_RUNS):
        conn.execute(table.update().where(table.c.run_id == old).values(run_id=new))
    moment = EVALUATED[new]
    conn.execute(
        EVALUATION_RUNS.update()
        .where(EVALUATION_RUNS.c.run_id == new)
        .values(started_at=moment, finished_at=moment)
    )


def build(engine: Engine) -> None:
    """Load the rows, evaluate 2026Q2 and 2026Q3, and give the runs fixed ids and times."""
    create_schema(engine)
    with engine.begin() as conn:
        insert_rows(conn, ROWS)
    rules = ruleset()
    space = Workspace(Path("."), str(engine.url))
    for period, fixed in (("2026Q2", RUN_Q2), ("2026Q3", RUN_Q3)):
        result = evaluate(rules, period, database=engine, workspace=space)
        assert result.run is not None
        with engine.begin() as conn:
            _rename_run(conn, result.run.run_id, fixed)


_BUILT: dict[str, str] = {}
"""Backend → URL of the built fixture database, shared by every report test module."""


def _postgres_url() -> str:
    base = os.environ.get(PG_ENV, "")
    if not base:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI: {PG_ENV} is not set")
        pytest.skip(f"{PG_ENV} is not set (run the tests with `make test`)")
    schema = f"t_report_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    atexit.register(drop)
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


def built_url(backend: str) -> str:
    """The fixture database of a backend, built on first use in this test process."""
    if backend not in _BUILT:
        if backend == "postgresql":
            url = _postgres_url()
        else:
            folder = Path(tempfile.mkdtemp(prefix=f"report-{backend}-"))
            atexit.register(shutil.rmtree, folder, True)
            url = f"{backend}:///{folder / f'report.{backend}'}"
        engine = connect(url)
        try:
            build(engine)
        finally:
            engine.dispose()
        _BUILT[backend] = url
    return _BUILT[backend]


@pytest.fixture(params=BACKENDS)
def report_db(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on the fixture run, once per backend (built once per test process)."""
    engine = connect(built_url(str(request.param)))
    try:
        yield engine
    finally:
        engine.dispose()


SNAPSHOTS = Path(__file__).parent / "snapshots"
OVERWRITE = os.environ.get("APPRAISAL_OVERWRITE_SNAPSHOTS") == "1"


def assert_snapshot(test_file: str, name: str, text: str) -> None:
    """Compare with ``tests/snapshots/<test_file>/<name>``.

    Regenerate after an intended change with
    ``APPRAISAL_OVERWRITE_SNAPSHOTS=1 pytest tests/<test_file>.py`` and review the diff.
    """
    path = SNAPSHOTS / test_file / name
    if OVERWRITE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def bundle_text(folder: Path) -> dict[str, str]:
    """Every file of a bundle as text (XLSX: its XML parts joined), by relative path."""
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                found[relative] = "\n".join(
                    book.read(name).decode("utf-8") for name in sorted(book.namelist())
                )
        else:
            found[relative] = path.read_text(encoding="utf-8-sig")
    return found
