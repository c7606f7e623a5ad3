"""The account-manager KPIs and per-client RFM in plain pandas: what users would otherwise write.

Reads the tables of a benchmark workspace's DuckDB file into DataFrames (only
the columns needed), then computes, per account manager, every indicator of
``rules/account-manager-quarterly.yaml`` for 2026Q3 and, per client alive in
the quarter, recency, frequency and monetary value as
``rules/client-scorecard.yaml`` defines them.  Money is handled in integer
cents and every value is rounded once, half up, to its declared places, so the
results can be compared exactly with the engine's.

Run as a script (one process, so its peak memory is its own)::

    .venv/bin/python -m bench.pandas_kpis bench/work/scale-1/data/appraisal.duckdb

Prints a JSON object: seconds to load and to compute, peak RSS, and a digest
of the values (``--values FILE`` writes them all).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd  # type: ignore[import-untyped]

START = pd.Timestamp("2026-07-01")
END = pd.Timestamp("2026-10-01")  # exclusive
YEAR_BEFORE = pd.Timestamp("2025-10-01")  # four quarters back
# Instants are stored in UTC; the business day is Asia/Shanghai (UTC+8).
START_UTC = pd.Timestamp("2026-06-30 16:00:00")
END_UTC = pd.Timestamp("2026-09-30 16:00:00")
PERIOD = "2026Q3"
ROLE = "account_manager"
ROLE_SALES_TARGET = 600000

Values = dict[str, dict[str, Decimal | None]]
COUNTS = ("new_customers", "customers_at_start", "customers_at_end", "churned_customers")

COLUMNS = {
    "staff": "staff_id, role, hired_on, left_on",
    "customers": "customer_id, owner_id, acquired_on, churned_on, "
    "CAST(round(acquisition_cost * 100) AS BIGINT) AS acquisition_cents, referred_by",
    "orders": "customer_id, staff_id, ordered_on, delivered_on, status, "
    "CAST(round(amount * 100) AS BIGINT) AS amount_cents, "
    "CAST(round(cost * 100) AS BIGINT) AS cost_cents",
    "surveys": "customer_id, answered_on, satisfaction",
    "tickets": "customer_id, opened_at, is_complaint",
    "contracts": "staff_id, ends_on, renewed_on",
    "interactions": "staff_id, occurred_at",
    "ratings": "staff_id, period, criterion, CAST(round(score * 10000) AS BIGINT) AS score_e4",
    "targets": "subject_kind, subject_id, indicator, period, "
    "CAST(round(value * 100) AS BIGINT) AS value_cents",
}


def load(database: Path) -> dict[str, pd.DataFrame]:
    """The tables as DataFrames (money as integer cents, as a careful user would)."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return {name: con.sql(f"SELECT {cols} FROM {name}").df() for name, cols in COLUMNS.items()}
    finally:
        con.close()


def rounded(numerator: Any, denominator: Any, places: int) -> Decimal | None:
    """numerator / denominator rounded half up (None when the denominator is 0)."""
    if denominator == 0:
        return None
    with localcontext(Context(prec=60)):
        quotient = Decimal(int(numerator)) / Decimal(int(denominator))
        return quotient.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def ratio(a: Decimal | None, b: Decimal | None, places: int) -> Decimal | None:
    """a / b of two rounded values, rounded (None when either is missing or b is 0)."""
    if a is None or b is None or b == 0:
        return None
    with localcontext(Context(prec=60)):
        return (a / b).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _between(column: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    return (column >= start) & (column < end)


def _count(frame: pd.DataFrame, key: str) -> pd.Series:
    return frame.groupby(key).size()


def staff_kpis(t: Mapping[str, pd.DataFrame]) -> Values:
    """Every account-manager indicator for each account manager employed in the quarter."""
    staff = t["staff"]
    employed = (staff.hired_on.isna() | (staff.hired_on < END)) & (
        staff.left_on.isna() | (staff.left_on >= START)
    )
    people = staff[employed & (staff.role == ROLE)].staff_id

    c = t["customers"]
    alive_start = (c.acquired_on < START) & (c.churned_on.isna() | (c.churned_on >= START))
    alive_end = (c.acquired_on < END) & (c.churned_on.isna() | (c.churned_on >= END))
    new = _between(c.acquired_on, START, END)
    per_owner = {
        "new_customers": _count(c[new], "owner_id"),
        "customers_at_start": _count(c[alive_start], "owner_id"),
        "customers_at_end": _count(c[alive_end], "owner_id"),
        "churned_customers": _count(c[_between(c.churned_on, START, END)], "owner_id"),
        "acquisition_cents": c[new].groupby("owner_id").acquisition_cents.sum(min_count=1),
        "referred": _count(c[alive_end & c.referred_by.notna()], "owner_id"),
    }
    upto = c[c.acquired_on < END]
    days = (upto.churned_on.fillna(END) - upto.acquired_on).dt.days
    lifetime = days.groupby(upto.owner_id).agg(["sum", "count"])

    o = t["orders"]
    owner = c.set_index("customer_id").owner_id
    live = o.status != "cancelled"
    sold = o[live & _between(o.ordered_on, START, END)]
    kept = o[o.status.isin(("open", "delivered")) & _between(o.ordered_on, YEAR_BEFORE, END)]
    delivered = o[(o.status == "delivered") & _between(o.delivered_on, START, END)]
    per_customer = kept.groupby(["staff_id", "customer_id"]).size()
    repeat = (per_customer >= 2).groupby(level=0).agg(["sum", "count"])
    kept_owner = kept.customer_id.map(owner)
    purchases = kept.groupby([kept_owner, kept.customer_id]).size()
    frequency = purchases.groupby(level=0).agg(["sum", "count"])
    net = delivered.amount_cents - delivered.cost_cents.fillna(0).astype("int64")
    by_staff = {
        "sales_cents": sold.groupby("staff_id").amount_cents.sum(),
        "customers_served": sold.groupby("staff_id").customer_id.nunique(),
        "net_cents": net.groupby(delivered.staff_id).sum(),
    }
    avg_purchase = kept.amount_cents.groupby(kept_owner).agg(["sum", "count"])

    s = t["surveys"]
    answered = s[s.satisfaction.notna() & _between(s.answered_on, START, END)]
    csat = answered.satisfaction.groupby(answered.customer_id.map(owner)).agg(["sum", "count"])
    k = t["tickets"]
    complained = k[k.is_complaint & _between(k.opened_at, START_UTC, END_UTC)]
    complaints = _count(complained.assign(owner=complained.customer_id.map(owner)), "owner")
    ct = t["contracts"]
    due = ct[_between(ct.ends_on, START, END)]
    renewal = due.renewed_on.notna().groupby(due.staff_id).agg(["sum", "count"])
    it = t["interactions"]
    interactions = _count(it[_between(it.occurred_at, START_UTC, END_UTC)], "staff_id")
    rt = t["ratings"]
    in_period = rt[rt.period == PERIOD]
    rated = in_period.groupby(["staff_id", "criterion"]).score_e4.agg(["sum", "count"])
    tg = t["targets"]
    table_targets = (
        tg[(tg.subject_kind == "person") & (tg.indicator == "sales_amount") & (tg.period == PERIOD)]
        .set_index("subject_id")
        .value_cents
    )

    def got(series: pd.Series, key: str, default: int = 0) -> int:
        value = series.get(key)
        return default if value is None or pd.isna(value) else int(value)

    def avg(frame: pd.DataFrame, key: str, scale: int, places: int) -> Decimal | None:
        if key not in frame.index or frame.at[key, "count"] == 0:
            return None
        return rounded(int(frame.at[key, "sum"]), int(frame.at[key, "count"]) * scale, places)

    def share(frame: pd.DataFrame, key: str) -> Decimal | None:
        if key not in frame.index:
            return None
        return rounded(int(frame.at[key, "sum"]), int(frame.at[key, "count"]), 4)

    cent = Decimal("0.01")
    values: Values = {}
    for person in sorted(people):
        v: dict[str, Decimal | None] = {}
        for name in COUNTS:
            v[name] = Decimal(got(per_owner[name], person))
        e, n, st = v["customers_at_end"], v["new_customers"], v["customers_at_start"]
        assert e is not None and n is not None and st is not None
        v["retention_rate"] = ratio(e - n, st, 4)
        v["churn_rate"] = ratio(v["churned_customers"], st, 4)
        sales = Decimal(got(by_staff["sales_cents"], person)) * cent
        v["sales_amount"] = sales
        target = Decimal(got(table_targets, person, ROLE_SALES_TARGET * 100)) * cent
        v["sales_attainment"] = ratio(sales, target, 4)
        v["customers_served"] = Decimal(got(by_staff["customers_served"], person))
        v["repeat_purchase_rate"] = share(repeat, person)
        v["customer_net_value"] = Decimal(got(by_staff["net_cents"], person)) * cent
        mean = avg(avg_purchase, person, 1, 0)  # cents, rounded to the cent
        v["avg_purchase"] = None if mean is None else mean * cent
        v["purchase_frequency"] = avg(frequency, person, 1, 2)
        v["customer_lifetime_years"] = avg(lifetime, person, 365, 2)
        spend = Decimal(got(per_owner["acquisition_cents"], person)) * cent
        v["acquisition_spend"] = spend
        v["cac"] = ratio(spend, v["new_customers"], 2)
        parts = (v["avg_purchase"], v["purchase_frequency"], v["customer_lifetime_years"], v["cac"])
        if any(p is None for p in parts):
            v["clv"] = None
        else:
            a, f, y, cac = (p for p in parts if p is not None)
            v["clv"] = (a * f * y - cac).quantize(cent, rounding=ROUND_HALF_UP)
        v["clv_cac"] = ratio(v["clv"], v["cac"], 4)
        v["csat"] = avg(csat, person, 1, 2)
        v["complaints"] = Decimal(got(complaints, person))
        served = v["customers_served"]
        v["complaint_rate"] = (
            Decimal("0.0000") if served == 0 else ratio(v["complaints"], served, 4)
        )
        v["renewal_rate"] = share(renewal, person)
        alive = got(per_owner["customers_at_end"], person)
        v["referral_rate"] = (
            None if alive == 0 else rounded(got(per_owner["referred"], person), alive, 4)
        )
        v["interactions"] = Decimal(got(interactions, person))
        v["engagement"] = ratio(v["interactions"], v["customers_at_end"], 2)
        for criterion in ("conduct", "ability", "diligence", "results"):
            key = (person, criterion)
            v[criterion] = (
                rounded(int(rated.at[key, "sum"]), int(rated.at[key, "count"]) * 10000, 2)
                if key in rated.index
                else None
            )
        values[person] = v
    return values


def client_rfm(t: Mapping[str, pd.DataFrame]) -> Values:
    """Recency (days), frequency and monetary value of every client alive in the quarter."""
    c = t["customers"]
    alive = c[(c.acquired_on < END) & (c.churned_on.isna() | (c.churned_on >= START))]
    o = t["orders"]
    bought = o[o.status.isin(("open", "delivered")) & (o.ordered_on < END)]
    last = bought.groupby("customer_id").ordered_on.max()
    recency = (END - last).dt.days
    recent = bought[bought.ordered_on >= YEAR_BEFORE]
    frequency = recent.groupby("customer_id").size()
    spent = o[(o.status != "cancelled") & _between(o.ordered_on, YEAR_BEFORE, END)]
    monetary = spent.groupby("customer_id").amount_cents.sum()
    frame = pd.DataFrame({"customer_id": alive.customer_id})
    frame["recency"] = frame.customer_id.map(recency)
    frame["frequency"] = frame.customer_id.map(frequency).fillna(0).astype("int64")
    frame["monetary"] = frame.customer_id.map(monetary).fillna(0).astype("int64")
    cent = Decimal("0.01")
    return {
        row.customer_id: {
            "rfm_recency": None if pd.isna(row.recency) else Decimal(int(row.recency)),
            "rfm_frequency": Decimal(int(row.frequency)),
            "rfm_monetary": Decimal(int(row.monetary)) * cent,
        }
        for row in frame.itertuples(index=False)
    }


def digest(values: Mapping[str, Mapping[str, Decimal | None]]) -> str:
    """A short fingerprint of the values (to compare runs at a glance)."""
    import hashlib

    text = json.dumps(
        {k: {i: None if x is None else str(x) for i, x in v.items()} for k, v in values.items()},
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def as_json(values: Mapping[str, Mapping[str, Decimal | None]]) -> dict[str, dict[str, str | None]]:
    """Values as text (Decimal as its string)."""
    return {k: {i: None if x is None else str(x) for i, x in v.items()} for k, v in values.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--values", type=Path, help="write every value as JSON here")
    args = parser.parse_args()
    started = time.perf_counter()
    tables = load(args.database)
    loaded = time.perf_counter()
    staff = staff_kpis(tables)
    clients = client_rfm(tables)
    computed = time.perf_counter()
    if args.values is not None:
        args.values.write_text(json.dumps({"staff": as_json(staff), "clients": as_json(clients)}))
    print(
        json.dumps(
            {
                "load_s": round(loaded - started, 3),
                "compute_s": round(computed - loaded, 3),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "staff": len(staff),
                "clients": len(clients),
                "digest": digest({**staff, **clients}),
            }
        )
    )


if __name__ == "__main__":
    main()
