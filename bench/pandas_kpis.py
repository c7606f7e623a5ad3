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
from decimal import Decimal
from pathlib import Path

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


def rq(numerator: pd.Series, denominator: pd.Series | int, places: int) -> pd.Series:
    """numerator / denominator rounded half up to ``places``, as integers of 10^-places.

    Exact integer arithmetic (int64); missing where either is missing or the
    denominator is 0.
    """
    n = numerator.astype("Int64")
    if isinstance(denominator, int):
        denominator = pd.Series(denominator, index=n.index)
    d = denominator.astype("Int64")
    d = d.where(d != 0)
    magnitude = (2 * n.abs() * 10**places + d.abs()) // (2 * d.abs())
    negative = ((n < 0) != (d < 0)).fillna(False)
    return magnitude.where(~negative, -magnitude)


def _between(column: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    return (column >= start) & (column < end)


def staff_kpis(t: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Every account-manager indicator, one row per account manager employed in the quarter.

    Each column holds integers of ``10^-places`` (``PLACES``), missing for not applicable.
    """
    staff = t["staff"]
    employed = (staff.hired_on.isna() | (staff.hired_on < END)) & (
        staff.left_on.isna() | (staff.left_on >= START)
    )
    people = pd.Index(sorted(staff[employed & (staff.role == ROLE)].staff_id), name="staff_id")

    def per(series: pd.Series, fill: int | None = 0) -> pd.Series:
        found = series.reindex(people).astype("Int64")
        return found if fill is None else found.fillna(fill)

    c = t["customers"]
    alive_start = (c.acquired_on < START) & (c.churned_on.isna() | (c.churned_on >= START))
    alive_end = (c.acquired_on < END) & (c.churned_on.isna() | (c.churned_on >= END))
    new = _between(c.acquired_on, START, END)
    k = pd.DataFrame(index=people)
    k["new_customers"] = per(new.groupby(c.owner_id).sum())
    k["customers_at_start"] = per(alive_start.groupby(c.owner_id).sum())
    k["customers_at_end"] = per(alive_end.groupby(c.owner_id).sum())
    k["churned_customers"] = per(_between(c.churned_on, START, END).groupby(c.owner_id).sum())
    k["retention_rate"] = rq(k.customers_at_end - k.new_customers, k.customers_at_start, 4)
    k["churn_rate"] = rq(k.churned_customers, k.customers_at_start, 4)

    o = t["orders"]
    owner = c.set_index("customer_id").owner_id
    sold = o[(o.status != "cancelled") & _between(o.ordered_on, START, END)]
    kept = o[o.status.isin(("open", "delivered")) & _between(o.ordered_on, YEAR_BEFORE, END)]
    delivered = o[(o.status == "delivered") & _between(o.delivered_on, START, END)]
    k["sales_amount"] = per(sold.groupby("staff_id").amount_cents.sum())
    tg = t["targets"]
    table_targets = (
        tg[(tg.subject_kind == "person") & (tg.indicator == "sales_amount") & (tg.period == PERIOD)]
        .groupby("subject_id")
        .value_cents.max()
    )
    target = per(table_targets, fill=ROLE_SALES_TARGET * 100)
    k["sales_attainment"] = rq(k.sales_amount, target, 4)
    k["customers_served"] = per(sold.groupby("staff_id").customer_id.nunique())
    per_customer = kept.groupby(["staff_id", "customer_id"]).size()
    repeat = (per_customer >= 2).groupby(level=0).agg(["sum", "count"])
    k["repeat_purchase_rate"] = rq(per(repeat["sum"], None), per(repeat["count"], None), 4)
    net = delivered.amount_cents - delivered.cost_cents.fillna(0).astype("int64")
    k["customer_net_value"] = per(net.groupby(delivered.staff_id).sum())
    kept_owner = kept.customer_id.map(owner)
    bought = kept.amount_cents.groupby(kept_owner).agg(["sum", "count"])
    k["avg_purchase"] = rq(per(bought["sum"], None), per(bought["count"], None), 0)
    purchases = kept.groupby([kept_owner, kept.customer_id]).size().groupby(level=0)
    k["purchase_frequency"] = rq(per(purchases.sum(), None), per(purchases.count(), None), 2)
    upto = c[c.acquired_on < END]
    days = (upto.churned_on.fillna(END) - upto.acquired_on).dt.days.groupby(upto.owner_id)
    k["customer_lifetime_years"] = rq(per(days.sum(), None), per(days.count(), None) * 365, 2)
    k["acquisition_spend"] = per(c[new].groupby("owner_id").acquisition_cents.sum())
    k["cac"] = rq(k.acquisition_spend, k.new_customers, 0)
    product = k.avg_purchase * k.purchase_frequency * k.customer_lifetime_years  # 10^-6
    k["clv"] = rq(product - k.cac * 10_000, 10_000, 0)
    k["clv_cac"] = rq(k.clv, k.cac, 4)

    s = t["surveys"]
    answered = s[s.satisfaction.notna() & _between(s.answered_on, START, END)]
    csat = answered.satisfaction.groupby(answered.customer_id.map(owner)).agg(["sum", "count"])
    k["csat"] = rq(per(csat["sum"], None), per(csat["count"], None), 2)
    tk = t["tickets"]
    complained = tk[tk.is_complaint & _between(tk.opened_at, START_UTC, END_UTC)]
    k["complaints"] = per(complained.groupby(complained.customer_id.map(owner)).size())
    k["complaint_rate"] = rq(k.complaints, k.customers_served, 4).where(k.customers_served != 0, 0)
    ct = t["contracts"]
    due = ct[_between(ct.ends_on, START, END)]
    renewal = due.renewed_on.notna().groupby(due.staff_id).agg(["sum", "count"])
    k["renewal_rate"] = rq(per(renewal["sum"], None), per(renewal["count"], None), 4)
    referred = (alive_end & c.referred_by.notna()).groupby(c.owner_id).sum()
    k["referral_rate"] = rq(per(referred), k.customers_at_end, 4)
    it = t["interactions"]
    k["interactions"] = per(
        it[_between(it.occurred_at, START_UTC, END_UTC)].groupby("staff_id").size()
    )
    k["engagement"] = rq(k.interactions, k.customers_at_end, 2)
    rt = t["ratings"]
    rated = (
        rt[rt.period == PERIOD].groupby(["criterion", "staff_id"]).score_e4.agg(["sum", "count"])
    )
    for criterion in ("conduct", "ability", "diligence", "results"):
        scores = rated.loc[criterion] if criterion in rated.index.get_level_values(0) else None
        if scores is None:
            k[criterion] = pd.Series(pd.NA, index=people, dtype="Int64")
            continue
        k[criterion] = rq(per(scores["sum"], None), per(scores["count"], None) * 100, 0)
    return k


PLACES = {
    "retention_rate": 4, "churn_rate": 4, "sales_amount": 2, "sales_attainment": 4,
    "repeat_purchase_rate": 4, "customer_net_value": 2, "avg_purchase": 2,
    "purchase_frequency": 2, "customer_lifetime_years": 2, "acquisition_spend": 2, "cac": 2,
    "clv": 2, "clv_cac": 4, "csat": 2, "complaint_rate": 4, "renewal_rate": 4,
    "referral_rate": 4, "engagement": 2, "conduct": 2, "ability": 2, "diligence": 2,
    "results": 2, "rfm_monetary": 2,
}  # fmt: skip
"""Places of each column's integers (the others are counts)."""


def client_rfm(t: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Recency (days), frequency and monetary value (cents) of every client alive in the quarter."""
    c = t["customers"]
    alive = c[(c.acquired_on < END) & (c.churned_on.isna() | (c.churned_on >= START))]
    o = t["orders"]
    bought = o[o.status.isin(("open", "delivered")) & (o.ordered_on < END)]
    recency = (END - bought.groupby("customer_id").ordered_on.max()).dt.days
    frequency = bought[bought.ordered_on >= YEAR_BEFORE].groupby("customer_id").size()
    spent = o[(o.status != "cancelled") & _between(o.ordered_on, YEAR_BEFORE, END)]
    monetary = spent.groupby("customer_id").amount_cents.sum()
    frame = pd.DataFrame(index=pd.Index(alive.customer_id, name="customer_id"))
    frame["rfm_recency"] = recency.reindex(frame.index).astype("Int64")
    frame["rfm_frequency"] = frequency.reindex(frame.index).fillna(0).astype("Int64")
    frame["rfm_monetary"] = monetary.reindex(frame.index).fillna(0).astype("Int64")
    return frame


def values(frame: pd.DataFrame) -> Values:
    """A result frame as exact decimals per subject (not timed: only for comparing)."""
    found: Values = {}
    columns = list(frame.columns)
    shifts = [-PLACES.get(name, 0) for name in columns]
    for subject, row in zip(frame.index, frame.itertuples(index=False), strict=True):
        found[str(subject)] = {
            name: None if pd.isna(x) else Decimal(int(x)).scaleb(shift)
            for name, x, shift in zip(columns, row, shifts, strict=True)
        }
    return found


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
    staff_frame = staff_kpis(tables)
    client_frame = client_rfm(tables)
    computed = time.perf_counter()
    staff, clients = values(staff_frame), values(client_frame)
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
