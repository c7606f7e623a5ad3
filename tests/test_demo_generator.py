"""The demo data generator: shapes, invariants, determinism, file formats and the CLI.

Most checks run on one generated data set (scale 0.01, seed 7: 20 staff, 2,000
customers, 20,000 orders) queried with DuckDB, so each invariant reads as the
SQL an analyst would write to look for a violation.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from appraisal.cli import cli
from appraisal.demo import columns as col
from appraisal.demo import generate, write_files
from appraisal.demo.arrays import ints
from appraisal.demo.columns import entity_schema
from appraisal.demo.names import REGIONS, chinese_number, team_name
from appraisal.demo.ratings import MANAGER_CRITERIA, STAFF_CRITERIA
from appraisal.demo.timeline import add_years, day_number, to_date, window_ending
from appraisal.errors import UserError
from appraisal.store.database import create_schema
from appraisal.store.schema import ENTITIES, field_info

SCALE, SEED = 0.01, 7
WINDOW_START, WINDOW_END = date(2024, 10, 1), date(2026, 9, 30)


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    return generate(SCALE, SEED)


@pytest.fixture(scope="module")
def db(tables: dict[str, pa.Table]) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    for name, table in tables.items():
        con.register(name, table)
    yield con
    con.close()


def scalar(db: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = db.execute(sql).fetchone()
    assert row is not None
    return row[0]


def none_found(db: duckdb.DuckDBPyConnection, sql: str) -> None:
    """The query looks for violations; there must be none."""
    rows = db.execute(sql).fetchall()
    assert rows == [], rows[:5]


def sha256_of(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


# ── shape ────────────────────────────────────────────────────────────────────


def test_one_typed_table_per_entity_in_reference_order(tables: dict[str, pa.Table]) -> None:
    assert list(tables) == list(ENTITIES)
    for name, table in tables.items():
        assert table.column_names == [c.name for c in ENTITIES[name].columns]
        assert table.schema == entity_schema(name)
    assert tables["orders"].schema.field("amount").type == pa.decimal128(18, 2)
    assert tables["ratings"].schema.field("score").type == pa.decimal128(18, 4)
    assert tables["tickets"].schema.field("opened_at").type == pa.timestamp("us", tz="UTC")
    assert tables["surveys"].schema.field("nps").type == pa.int32()
    assert tables["staff"].schema.field("hired_on").type == pa.date32()


def test_exact_row_counts_at_scale_001_seed_7(tables: dict[str, pa.Table]) -> None:
    counts = {name: table.num_rows for name, table in tables.items()}
    assert counts == {
        # linear in the scale by construction: 2,000 / 200,000 / 2,000,000 … × 0.01
        "staff": 20,
        "customers": 2_000,
        "orders": 20_000,
        "opportunities": 4_000,
        "surveys": 1_000,
        "interactions": 6_000,
        # emergent: funnel paths, churn-trimmed tickets, renewal chains
        "opportunity_stages": 16_407,
        "tickets": 1_487,
        "contracts": 620,
        # 2 leads × 8 quarters × 10 criteria + director S00002 × 8 × 10 (the head is not
        # rated) + 12 members × 8 × 4 + leavers 5 and 6 quarters × 4 + hires 3 and 1 × 4
        "ratings": 160 + 80 + 384 + 20 + 24 + 12 + 4,
        # 12 members × 8 quarters + leavers 6 + 7 + replacements 3 + 2, plus 2 teams × 8
        "targets": 96 + 13 + 5 + 16,
    }


def test_staff_structure_at_small_scale(db: duckdb.DuckDBPyConnection) -> None:
    roles = dict(db.execute("select role, count(*) from staff group by 1").fetchall())
    assert roles["sales_director"] == 2
    assert roles["team_lead"] == 2
    assert roles["account_manager"] + roles["sales_rep"] == 16
    assert scalar(db, "select count(distinct team) from staff") == 2
    assert scalar(db, "select count(left_on) from staff") == 2
    assert scalar(db, "select count(*) from staff where hired_on >= date '2024-10-01'") == 2
    assert db.execute(
        "select distinct team from staff where team is not null order by 1"
    ).fetchall() == [
        ("South China 1",),
        ("华东一组",),
    ]


# ── references and identity ─────────────────────────────────────────────────


def test_primary_keys_are_unique(db: duckdb.DuckDBPyConnection) -> None:
    for name, table in ENTITIES.items():
        key = ", ".join(c.name for c in table.primary_key.columns)
        none_found(db, f"select {key} from {name} group by {key} having count(*) > 1")


def test_every_reference_resolves(db: duckdb.DuckDBPyConnection) -> None:
    checked = 0
    for name, table in ENTITIES.items():
        for column in table.columns:
            target = field_info(column).references
            if target is None:
                continue
            other, other_column = target.split(".")
            none_found(
                db,
                f"select {column.name} from {name} where {column.name} is not null "
                f"and {column.name} not in (select {other_column} from {other})",
            )
            checked += 1
    assert checked == 19


def test_manager_hierarchy(db: duckdb.DuckDBPyConnection) -> None:
    none_found(db, "select * from staff where manager_id is null and staff_id <> 'S00001'")
    none_found(
        db,
        """select m.staff_id from staff m join staff l on l.manager_id = m.staff_id
           where l.role = 'team_lead' and m.role <> 'sales_director'""",
    )
    none_found(  # members report to the lead of their own team
        db,
        """select s.staff_id from staff s join staff m on s.manager_id = m.staff_id
           where s.role in ('account_manager', 'sales_rep')
             and (m.role <> 'team_lead' or m.team <> s.team)""",
    )
    # Acyclic: walking up at most 4 levels reaches the top from everyone.
    depth = scalar(
        db,
        """with recursive up(staff_id, manager_id, depth) as (
             select staff_id, manager_id, 0 from staff
             union all
             select up.staff_id, s.manager_id, depth + 1
             from up join staff s on s.staff_id = up.manager_id
             where depth < 10)
           select max(depth) from up where manager_id is null""",
    )
    assert depth == 3  # member → lead → director → head of sales
    assert scalar(db, "select count(distinct staff_id) from staff") == scalar(
        db,
        """with recursive up(staff_id, manager_id, depth) as (
             select staff_id, manager_id, 0 from staff
             union all
             select up.staff_id, s.manager_id, depth + 1
             from up join staff s on s.staff_id = up.manager_id where depth < 10)
           select count(distinct staff_id) from up where manager_id is null""",
    )


# ── orders ──────────────────────────────────────────────────────────────────


def test_refunds_point_to_an_earlier_order_of_the_same_customer(
    db: duckdb.DuckDBPyConnection,
) -> None:
    assert scalar(db, "select count(*) from orders where status = 'refund'") == 400  # 2% of 20,000
    none_found(db, "select * from orders where (status = 'refund') <> (refund_of is not null)")
    none_found(db, "select * from orders where status = 'refund' and amount > 0")
    none_found(db, "select * from orders where status <> 'refund' and amount < 0")
    none_found(
        db,
        """select r.order_id from orders r join orders o on o.order_id = r.refund_of
           where r.status = 'refund' and (o.customer_id <> r.customer_id
             or o.ordered_on >= r.ordered_on or o.status <> 'delivered'
             or -r.amount > o.amount)""",
    )


def test_order_dates_and_costs(db: duckdb.DuckDBPyConnection) -> None:
    none_found(db, "select * from orders where promised_on <= ordered_on")
    none_found(db, "select * from orders where delivered_on <= ordered_on")
    none_found(
        db,
        """select * from orders where (delivered_on is null)
           <> (status in ('open', 'cancelled', 'refund'))""",
    )
    none_found(
        db,
        """select * from orders where status <> 'refund'
           and (cost < 0.599 * amount or cost > 0.801 * amount)""",
    )
    none_found(
        db,
        "select * from orders where ordered_on not between date '2024-10-01' and date '2026-09-30'",
    )
    late = scalar(db, "select avg((delivered_on > promised_on)::int) from orders")
    assert 0.05 < float(late) < 0.2


def test_orders_are_credited_to_someone_employed_that_day(db: duckdb.DuckDBPyConnection) -> None:
    for name, day in (
        ("orders", "ordered_on"),
        ("tickets", "cast(opened_at + interval 8 hour as date)"),
        ("interactions", "cast(occurred_at + interval 8 hour as date)"),
        ("opportunities", "cast(created_at + interval 8 hour as date)"),
    ):
        none_found(
            db,
            f"""select x.* from {name} x join staff s using (staff_id)
                where {day} < s.hired_on or {day} > coalesce(s.left_on, date '9999-12-31')""",
        )


def test_new_customers_order_on_their_acquisition_day(db: duckdb.DuckDBPyConnection) -> None:
    assert (
        scalar(db, "select count(*) from customers where acquired_on < date '2024-10-01'") == 1_200
    )
    none_found(
        db,
        """select customer_id from customers c where acquired_on >= date '2024-10-01'
           and not exists (select 1 from orders o where o.customer_id = c.customer_id
                           and o.ordered_on = c.acquired_on)""",
    )


def test_purchase_behaviour_varies(db: duckdb.DuckDBPyConnection) -> None:
    once, repeat = db.execute(
        """with n as (select customer_id, count(*) k from orders
                     where status <> 'refund' group by 1)
           select count(*) filter (where k = 1), count(*) filter (where k >= 2) from n"""
    ).fetchone() or (0, 0)
    assert once > 200 and repeat > 2 * once
    medians = dict(
        db.execute(
            """select segment, median(amount) from orders join customers using (customer_id)
               where status = 'delivered' group by 1"""
        ).fetchall()
    )
    assert medians["enterprise"] > 3 * medians["smb"] > 9 * medians["individual"]


def test_seasonality_peaks_in_q4_and_dips_at_new_year(db: duckdb.DuckDBPyConnection) -> None:
    per_day = dict(
        db.execute(
            """select month(ordered_on), count(*) / count(distinct ordered_on) from orders
               where status <> 'refund' and year(ordered_on) = 2025 or month(ordered_on) >= 10
               group by 1"""
        ).fetchall()
    )
    assert per_day[12] > per_day[11] > per_day[6] > per_day[2]
    assert per_day[2] < 0.8 * per_day[3]


def test_staff_sales_differ(db: duckdb.DuckDBPyConnection) -> None:
    low, high = db.execute(
        """with s as (select staff_id, sum(amount) a from orders o join staff using (staff_id)
                     where ordered_on between date '2025-04-01' and date '2025-06-30'
                       and left_on is null and hired_on < date '2024-10-01' group by 1)
           select min(a), max(a) from s"""
    ).fetchone() or (0, 0)
    assert high > 3 * low


# ── customers, opportunities, service ───────────────────────────────────────


def test_customer_dates_and_referrals(db: duckdb.DuckDBPyConnection) -> None:
    none_found(db, "select * from customers where churned_on <= acquired_on")
    none_found(db, "select * from customers where churned_on > date '2026-09-30'")
    none_found(
        db,
        """select c.customer_id from customers c join customers r on r.customer_id = c.referred_by
           where r.acquired_on >= c.acquired_on""",
    )
    referred = scalar(db, "select avg((referred_by is not null)::int) from customers")
    assert 0.05 < float(referred) < 0.11
    churned = scalar(db, "select avg((churned_on is not null)::int) from customers")
    assert 0.15 < float(churned) < 0.45


def test_churn_is_likelier_after_complaints(db: duckdb.DuckDBPyConnection) -> None:
    rates = dict(
        db.execute(
            """with c as (select customer_id, bool_or(is_complaint) complained
                         from tickets group by 1)
               select complained, avg((churned_on is not null)::int)
               from customers join c using (customer_id) group by 1"""
        ).fetchall()
    )
    assert rates[True] > 1.5 * rates[False]


def test_opportunity_paths(db: duckdb.DuckDBPyConnection) -> None:
    order = """case stage when 'lead' then 0 when 'first_contact' then 1
               when 'needs_analysis' then 2 when 'proposal' then 3 when 'negotiation' then 4
               else 5 end"""
    none_found(  # funnel order, strictly increasing times; won after negotiation, lost last
        db,
        f"""select opportunity_id from (
              select opportunity_id, stage, {order} step, entered_at,
                     row_number() over (partition by opportunity_id order by entered_at) - 1 pos,
                     count(*) over (partition by opportunity_id) n,
                     lag(entered_at) over (partition by opportunity_id order by entered_at) prev
              from opportunity_stages)
            where (step < 5 and step <> pos) or (stage = 'won' and pos <> 5)
               or (step = 5 and pos <> n - 1) or entered_at <= prev""",
    )
    none_found(  # the current stage is the last one entered; lead is entered at creation
        db,
        """select o.opportunity_id from opportunities o join (
             select opportunity_id, arg_max(stage, entered_at) last_stage,
                    min(entered_at) first_entered
             from opportunity_stages group by 1) h using (opportunity_id)
           where o.stage <> h.last_stage or o.created_at <> h.first_entered""",
    )
    none_found(
        db,
        """select o.opportunity_id from opportunities o left join opportunity_stages s
             on s.opportunity_id = o.opportunity_id and s.stage in ('won', 'lost')
           where (o.closed_at is null) <> (s.entered_at is null)
              or o.closed_at <> s.entered_at""",
    )
    none_found(db, "select * from opportunities where customer_id is null and stage = 'won'")
    funnel = [
        count
        for (count,) in db.execute(
            f"""select count(*) from opportunity_stages where stage not in ('won', 'lost')
                group by stage order by min({order})"""
        ).fetchall()
    ]
    assert funnel == sorted(funnel, reverse=True) and funnel[0] == 4_000


def test_new_customers_come_from_won_opportunities(db: duckdb.DuckDBPyConnection) -> None:
    share = scalar(
        db,
        """select avg((exists (select 1 from opportunities o where o.customer_id = c.customer_id
                         and o.stage = 'won'
                         and cast(o.closed_at + interval 8 hour as date) = c.acquired_on))::int)
           from customers c where acquired_on >= date '2024-10-01'""",
    )
    assert 0.45 < float(share) < 0.65


def test_survey_and_ticket_values(db: duckdb.DuckDBPyConnection) -> None:
    none_found(
        db,
        "select * from surveys where satisfaction not between 1 and 5 or nps not between 0 and 10",
    )
    assert scalar(db, "select count(*) - count(satisfaction) from surveys") > 0
    assert scalar(db, "select count(*) - count(nps) from surveys") > 0
    assert float(scalar(db, "select corr(satisfaction, nps) from surveys")) > 0.6
    none_found(db, "select * from tickets where resolved_at <= opened_at")
    none_found(
        db,
        "select * from tickets where category not in ('billing', 'delivery', 'quality', 'service')",
    )
    complaints = float(scalar(db, "select avg(is_complaint::int) from tickets"))
    assert 0.1 < complaints < 0.2
    assert scalar(db, "select count(*) - count(resolved_at) from tickets") > 0
    for name, column in (
        ("tickets", "opened_at"),
        ("tickets", "resolved_at"),
        ("interactions", "occurred_at"),
        ("opportunity_stages", "entered_at"),
    ):  # before local midnight after 30 September (UTC+8)
        none_found(db, f"select 1 from {name} where {column} >= '2026-09-30 16:00:00+00'")


def test_interaction_kinds(db: duckdb.DuckDBPyConnection) -> None:
    kinds = {kind for (kind,) in db.execute("select distinct kind from interactions").fetchall()}
    assert kinds == {"visit", "call", "event", "email", "meeting"}


def test_contract_terms_and_renewals(db: duckdb.DuckDBPyConnection) -> None:
    none_found(db, "select * from contracts where ends_on <= starts_on")
    none_found(
        db, "select * from contracts where ends_on <> starts_on + interval 1 year - interval 1 day"
    )
    none_found(db, "select * from contracts where renewed_on > ends_on or renewed_on <= starts_on")
    none_found(  # a renewal starts the day after the renewed contract ends
        db,
        """select c.contract_id from contracts c where renewed_on is not null
             and ends_on < date '2026-09-30'
             and not exists (select 1 from contracts n where n.customer_id = c.customer_id
                             and n.starts_on = c.ends_on + 1)""",
    )
    renewed = scalar(
        db, "select avg((renewed_on is not null)::int) from contracts where ends_on < '2026-10-01'"
    )
    assert 0.4 < renewed < 0.8


# ── ratings and targets ─────────────────────────────────────────────────────


def test_ratings_follow_role_and_manager(db: duckdb.DuckDBPyConnection) -> None:
    none_found(
        db,
        "select * from ratings where score not between 1 and 5 or score * 10 <> floor(score * 10)",
    )
    none_found(
        db, "select * from ratings r join staff s using (staff_id) where r.rater_id <> s.manager_id"
    )
    criteria = dict(
        db.execute(
            """select role, list(distinct criterion order by criterion)
               from ratings join staff using (staff_id) group by 1"""
        ).fetchall()
    )
    assert criteria["account_manager"] == sorted(STAFF_CRITERIA)
    assert criteria["team_lead"] == sorted(STAFF_CRITERIA + MANAGER_CRITERIA)
    assert criteria["sales_director"] == sorted(STAFF_CRITERIA + MANAGER_CRITERIA)
    periods = [
        p for (p,) in db.execute("select distinct period from ratings order by 1").fetchall()
    ]
    assert periods == [
        "2024Q4",
        "2025Q1",
        "2025Q2",
        "2025Q3",
        "2025Q4",
        "2026Q1",
        "2026Q2",
        "2026Q3",
    ]


def test_team_targets_are_the_sum_of_their_members(db: duckdb.DuckDBPyConnection) -> None:
    none_found(
        db,
        """select t.subject_id, t.period from targets t join (
             select s.team, p.period, sum(p.value) total from targets p
             join staff s on s.staff_id = p.subject_id where p.subject_kind = 'person'
             group by 1, 2) m on m.team = t.subject_id and m.period = t.period
           where t.subject_kind = 'team' and t.value <> m.total""",
    )
    assert scalar(db, "select count(*) from targets where subject_kind = 'team'") == 16
    none_found(db, "select * from targets where value % 1000 <> 0 or value <= 0")
    none_found(db, "select * from targets where indicator <> 'sales_amount'")
    none_found(
        db,
        """select * from targets t join staff s on s.staff_id = t.subject_id
           where s.role not in ('account_manager', 'sales_rep')""",
    )


def test_targets_track_actual_sales(db: duckdb.DuckDBPyConnection) -> None:
    median = scalar(
        db,
        """with a as (select staff_id, sum(amount) actual from orders
                     where status <> 'cancelled' and ordered_on >= date '2026-07-01' group by 1)
           select median(actual / value) from a join targets t on t.subject_id = a.staff_id
           where t.period = '2026Q3'""",
    )
    assert 0.7 < float(median) < 1.4


# ── the same invariants for any seed and end date ───────────────────────────

INVARIANTS = {
    "refund rows": """select order_id from orders
        where (status = 'refund') <> (refund_of is not null)
           or (status = 'refund') <> (amount < 0) or amount = 0""",
    "refund targets": """select r.order_id from orders r join orders o on o.order_id = r.refund_of
        where o.customer_id <> r.customer_id or o.ordered_on >= r.ordered_on
           or o.status <> 'delivered'""",
    "order dates": """select order_id from orders
        where promised_on <= ordered_on or delivered_on <= ordered_on""",
    "credited while employed": """select order_id from orders join staff using (staff_id)
        where ordered_on < hired_on or ordered_on > coalesce(left_on, ordered_on)""",
    "customer dates": """select c.customer_id from customers c
        left join customers r on r.customer_id = c.referred_by
        where c.churned_on <= c.acquired_on or r.acquired_on >= c.acquired_on""",
    "stage times": """select opportunity_id from (select opportunity_id, entered_at,
          lag(entered_at) over (partition by opportunity_id order by entered_at) prev
        from opportunity_stages) where entered_at <= prev""",
    "current stage": """select o.opportunity_id from opportunities o join (
          select opportunity_id, arg_max(stage, entered_at) last_stage from opportunity_stages
          group by 1) h using (opportunity_id) where o.stage <> h.last_stage""",
    "contracts": """select contract_id from contracts
        where ends_on <= starts_on or renewed_on > ends_on""",
    "manager": """select s.staff_id from staff s left join staff m on m.staff_id = s.manager_id
        where s.role <> 'sales_director' and m.staff_id is null""",
    "value ranges": """select survey_id from surveys
        where satisfaction not between 1 and 5 or nps not between 0 and 10""",
    "team targets": """select t.subject_id from targets t left join (
          select s.team, p.period, sum(p.value) total from targets p
          join staff s on s.staff_id = p.subject_id where p.subject_kind = 'person'
          group by 1, 2) m on m.team = t.subject_id and m.period = t.period
        where t.subject_kind = 'team' and t.value is distinct from m.total""",
}


@settings(max_examples=6, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    end=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
)
def test_invariants_hold_for_any_seed_and_end(seed: int, end: date) -> None:
    tables = generate(0.001, seed, end)
    con = duckdb.connect()
    for name, table in tables.items():
        con.register(name, table)
    for name, sql in INVARIANTS.items():
        assert con.execute(sql).fetchall() == [], name
    start = con.execute("select min(ordered_on), max(ordered_on) from orders").fetchone()
    assert start is not None and start[1] <= end and (end - start[0]).days < 731


# ── scale and seeds ─────────────────────────────────────────────────────────


def test_counts_scale_linearly(tables: dict[str, pa.Table]) -> None:
    double = generate(2 * SCALE, SEED)
    for name, table in tables.items():
        ratio = double[name].num_rows / table.num_rows
        assert 1.7 < ratio < 2.3, (name, ratio)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    first = write_files(generate(0.005, 3), tmp_path / "a")
    write_files(generate(0.005, 3), tmp_path / "b")
    write_files(generate(0.005, 4), tmp_path / "c")
    assert [p.name for p in first] == [f"{name}.csv" for name in ENTITIES]
    assert sha256_of(tmp_path / "a") == sha256_of(tmp_path / "b")
    other = sha256_of(tmp_path / "c")
    assert all(other[name] != digest for name, digest in sha256_of(tmp_path / "a").items())


def test_same_bytes_from_a_separate_process(tmp_path: Path) -> None:
    write_files(generate(0.005, 3), tmp_path / "here", "jsonl")
    script = (
        "import sys; from pathlib import Path; from appraisal.demo import generate, write_files; "
        "write_files(generate(0.005, 3), Path(sys.argv[1]), 'jsonl')"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "there")], check=True)
    assert sha256_of(tmp_path / "here") == sha256_of(tmp_path / "there")


def test_minimum_structure_at_tiny_scale() -> None:
    tiny = generate(0.001)
    assert tiny["staff"].num_rows == 12
    assert tiny["customers"].num_rows == 200
    assert len(set(tiny["staff"].column("team").drop_null().to_pylist())) == 2


def test_other_end_dates_shift_the_window() -> None:
    tiny = generate(0.002, end=date(2025, 12, 31))
    days = tiny["orders"].column("ordered_on")
    assert min(days.to_pylist()) >= date(2024, 1, 1)
    assert max(days.to_pylist()) <= date(2025, 12, 31)
    periods = set(tiny["ratings"].column("period").to_pylist())
    assert periods == {f"{y}Q{q}" for y in (2024, 2025) for q in (1, 2, 3, 4)}


@pytest.mark.parametrize(("scale", "seed"), [(0, 1), (-1, 1), (10.5, 1), (0.01, -1)])
def test_bad_arguments_are_user_errors(scale: float, seed: int) -> None:
    with pytest.raises(UserError):
        generate(scale, seed)


# ── files ───────────────────────────────────────────────────────────────────


def _customers(rows: int = 3) -> pa.Table:
    missing = np.array([False, True, False])[:rows]
    return col.entity_table(
        "customers",
        {
            "customer_id": pa.array(["00123", "C2", "C3"][:rows]),
            "name": pa.array(['Acme, "Best" Co.', "王芳", "Line\nbreak"][:rows]),
            "owner_id": pa.array(["S1", None, "S2"][:rows]),
            "segment": pa.array(["smb", "individual", "enterprise"][:rows]),
            "region": pa.array(["华东", None, "华南"][:rows]),
            "acquired_on": col.dates(ints([day_number(date(2025, 1, 2)), 0, 20_000][:rows])),
            "churned_on": col.dates(
                ints([0, 0, 20_100][:rows]), np.array([True, True, False])[:rows]
            ),
            "acquisition_cost": col.money(ints([123450, 5, -7][:rows]), missing),
            "referred_by": pa.array([None, "00123", None][:rows]),
        },
    )


def test_csv_format_exactly(tmp_path: Path) -> None:
    (path,) = write_files({"customers": _customers()}, tmp_path)
    assert path.read_bytes().decode("utf-8") == (
        "customer_id,name,owner_id,segment,region,acquired_on,churned_on,acquisition_cost,referred_by\n"
        '00123,"Acme, ""Best"" Co.",S1,smb,华东,2025-01-02,,1234.50,\n'
        "C2,王芳,,individual,,1970-01-01,,,00123\n"
        'C3,"Line\nbreak",S2,enterprise,华南,2024-10-04,2025-01-12,-0.07,\n'
    )


def test_jsonl_format_exactly(tmp_path: Path) -> None:
    (path,) = write_files({"customers": _customers(2)}, tmp_path, "jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == (
        '{"customer_id":"00123","name":"Acme, \\"Best\\" Co.","owner_id":"S1","segment":"smb",'
        '"region":"华东","acquired_on":"2025-01-02","churned_on":null,"acquisition_cost":1234.50,'
        '"referred_by":null}'
    )
    assert json.loads(lines[1], parse_float=Decimal) == {
        "customer_id": "C2",
        "name": "王芳",
        "owner_id": None,
        "segment": "individual",
        "region": None,
        "acquired_on": "1970-01-01",
        "churned_on": None,
        "acquisition_cost": None,
        "referred_by": "00123",
    }


def test_instants_decimals_and_booleans_as_text(tmp_path: Path) -> None:
    seconds = ints([day_number(date(2026, 9, 30)) * 86_400 + 3_723, 0])
    tickets = col.entity_table(
        "tickets",
        {
            "ticket_id": pa.array(["T1", "T2"]),
            "customer_id": pa.array(["C1", "C1"]),
            "staff_id": pa.array([None, "S1"]),
            "opened_at": col.instants(seconds),
            "resolved_at": col.instants(seconds + 60, np.array([False, True])),
            "is_complaint": col.booleans(np.array([True, False])),
            "category": pa.array(["quality", None]),
        },
    )
    ratings = col.entity_table(
        "ratings",
        {
            "staff_id": pa.array(["S1", "S1"]),
            "period": pa.array(["2026Q3", "2026Q3"]),
            "criterion": pa.array(["conduct", "results"]),
            "rater_id": pa.array(["S0", "S0"]),
            "score": col.decimals(ints([45_000, 30_000])),
        },
    )
    write_files({"ratings": ratings, "tickets": tickets}, tmp_path)
    assert (tmp_path / "tickets.csv").read_text(encoding="utf-8").splitlines()[1:] == [
        "T1,C1,,2026-09-30T01:02:03+00:00,2026-09-30T01:03:03+00:00,true,quality",
        "T2,C1,S1,1970-01-01T00:00:00+00:00,,false,",
    ]
    assert (tmp_path / "ratings.csv").read_text(encoding="utf-8").splitlines()[1:] == [
        "S1,2026Q3,conduct,S0,4.5",
        "S1,2026Q3,results,S0,3",
    ]


def test_files_read_back_equal_to_the_tables(tmp_path: Path) -> None:
    tables = generate(0.002, 5)
    for path in write_files(tables, tmp_path):
        schema = entity_schema(path.stem)
        options = pa_csv.ConvertOptions(column_types=schema, strings_can_be_null=True)
        assert pa_csv.read_csv(path, convert_options=options).cast(schema).equals(tables[path.stem])
    for path in write_files(tables, tmp_path, "jsonl"):
        rows = [
            json.loads(line, parse_float=Decimal) for line in path.read_text("utf-8").splitlines()
        ]
        assert len(rows) == tables[path.stem].num_rows
        first = tables[path.stem].slice(0, 1).to_pylist()[0]
        for key, value in first.items():
            if isinstance(value, (datetime, date)):
                assert rows[0][key] == value.isoformat()
            else:
                assert rows[0][key] == value


def test_write_files_refuses_unknown_entities_and_formats(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not entities of the data model: sales"):
        write_files({"sales": _customers()}, tmp_path)
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        write_files({"customers": _customers()}, tmp_path, "xml")


def test_tables_load_into_every_backend(engine: Engine) -> None:
    """Generated values fit the built-in tables: lengths, exact money, UTC instants."""
    tables = generate(0.0005, 11)
    create_schema(engine)
    with engine.begin() as conn:
        for name, table in tables.items():
            conn.execute(ENTITIES[name].insert(), table.to_pylist())
    with engine.connect() as conn:
        for name, table in tables.items():
            assert (
                conn.execute(sa.select(sa.func.count()).select_from(ENTITIES[name])).scalar_one()
                == table.num_rows
            )
        orders = ENTITIES["orders"]
        total = conn.execute(sa.select(sa.func.sum(orders.c.amount))).scalar_one()
        refunds = conn.execute(
            sa.select(sa.func.count()).where(orders.c.status == "refund")
        ).scalar_one()
        first = conn.execute(
            sa.select(ENTITIES["tickets"].c.opened_at)
            .order_by(ENTITIES["tickets"].c.ticket_id)
            .limit(1)
        ).scalar_one()
    expected = sum(tables["orders"].column("amount").to_pylist(), Decimal(0))
    assert total == expected
    assert refunds == round(0.02 * 1_000)
    assert first == tables["tickets"].column("opened_at")[0].as_py()


# ── building blocks ─────────────────────────────────────────────────────────


@given(st.lists(st.integers(min_value=-(10**15), max_value=10**15), max_size=30))
def test_money_columns_are_exact(cents: list[int]) -> None:
    values = col.money(ints(np.array(cents, dtype=np.int64))).to_pylist()
    assert values == [Decimal(c).scaleb(-2) for c in cents]


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)), st.integers(1, 3))
def test_add_years_keeps_the_calendar_day(day: date, years: int) -> None:
    (later,) = add_years(ints([day_number(day)]), years)
    expected = date(day.year + years, 2, 28) if (day.month, day.day) == (2, 29) else None
    assert to_date(int(later)) == (expected or day.replace(year=day.year + years))


@given(st.integers(0, 729), st.integers(0, 729), st.integers(0, 2**32 - 1))
def test_sampled_days_stay_in_their_range(a: int, b: int, seed: int) -> None:
    window = window_ending(WINDOW_END)
    low, high = sorted((a, b))
    rng = np.random.Generator(np.random.PCG64(seed))
    days = window.sample_days(
        rng, ints([window.first + low] * 20), ints([window.first + high] * 20)
    )
    assert ((days >= window.first + low) & (days <= window.first + high)).all()


def test_window_and_quarters() -> None:
    window = window_ending(WINDOW_END)
    assert (window.start, window.end, window.days) == (WINDOW_START, WINDOW_END, 730)
    # Local midnight after 30 September (UTC+8) is 16:00 UTC on the 30th.
    assert window.end_instant == int(datetime(2026, 9, 30, 16, tzinfo=UTC).timestamp())
    codes = [q.code for q in window.quarters()]
    assert (codes[0], codes[-1], len(codes)) == ("2024Q4", "2026Q3", 8)
    assert window.closed_quarters() == window.quarters()
    # Two years before 29 February 2028 does not exist: the window starts on 1 March.
    assert window_ending(date(2028, 2, 28)).start == date(2026, 3, 1)
    assert len(window_ending(date(2026, 8, 15)).quarters()) == 9
    assert len(window_ending(date(2026, 8, 15)).closed_quarters()) == 8


def test_chinese_team_names() -> None:
    assert [chinese_number(n) for n in (1, 9, 10, 11, 20, 35, 99)] == [
        "一", "九", "十", "十一", "二十", "三十五", "九十九",
    ]  # fmt: skip
    wide = (100, 101, 105, 110, 115, 120, 999, 1000, 1001, 1010, 1100, 2006, 9999)
    assert [chinese_number(n) for n in wide] == [
        "一百", "一百零一", "一百零五", "一百一十", "一百一十五", "一百二十", "九百九十九",
        "一千", "一千零一", "一千零一十", "一千一百", "二千零六", "九千九百九十九",
    ]  # fmt: skip
    assert team_name(REGIONS[0], 1, english=False) == "华东一组"
    assert team_name(REGIONS[0], 105, english=False) == "华东一百零五组"
    assert team_name(REGIONS[0], 12, english=True) == "East China 12"
    for outside in (0, 10_000):
        with pytest.raises(ValueError):
            chinese_number(outside)


# ── command line ────────────────────────────────────────────────────────────


def test_generate_command_prints_what_it_wrote(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(
        cli, ["generate", "--scale", "0.01", "--seed", "7", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = [
        ("staff", "20"), ("customers", "2,000"), ("orders", "20,000"), ("opportunities", "4,000"),
        ("opportunity_stages", "16,407"), ("surveys", "1,000"), ("tickets", "1,487"),
        ("interactions", "6,000"), ("contracts", "620"), ("ratings", "684"), ("targets", "130"),
    ]  # fmt: skip
    expected = ["Demo data: scale 0.01, seed 7, two years to 2026-09-30"]
    expected += [f"  {name:<18}  {count:>10}  {out / name}.csv" for name, count in rows]
    expected += [f"  {'total':<18}  {'52,348':>10}"]
    assert result.output == "\n".join(expected) + "\n"
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{name}.csv" for name, _ in rows)


def test_generate_command_defaults_to_the_workspace_data_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["-w", str(tmp_path), "generate", "--scale", "0.001", "--format", "jsonl"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "orders.jsonl").is_file()
    assert "seed 2026" in result.output.splitlines()[0]


def test_generate_command_reports_bad_arguments() -> None:
    result = CliRunner().invoke(cli, ["generate", "--scale", "0", "--out", "x"])
    assert (result.exit_code, result.output) == (
        1,
        "Error: scale must be greater than 0 and at most 10, got 0\n",
    )
    result = CliRunner().invoke(cli, ["generate", "--format", "xml"])
    assert result.exit_code == 2
    assert "'xml' is not one of 'csv', 'jsonl'" in result.output


def test_generate_command_help() -> None:
    result = CliRunner().invoke(cli, ["generate", "-h"])
    assert result.exit_code == 0
    assert result.output.startswith(
        "Usage: cli generate [OPTIONS]\n\n"
        "  Generate demo CRM data: staff, customers, orders, opportunities and the rest.\n"
    )
    for option in ("--scale FLOAT", "--seed INTEGER", "--end YYYY-MM-DD", "--out DIRECTORY"):
        assert option in result.output
