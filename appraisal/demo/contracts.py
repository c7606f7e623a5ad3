"""Service contracts: one-year terms, renewed (or not) shortly before they end.

Business customers hold contracts; each renewal starts a new contract the day
after the previous one ends.  Happy customers renew more often; a customer who
has left by the end date does not renew.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from appraisal.demo import columns as col
from appraisal.demo.arrays import IntArray, between, ints, pick_distinct, sigmoid
from appraisal.demo.customers import ENTERPRISE, SMB, CustomerFrame
from appraisal.demo.staff import StaffFrame
from appraisal.demo.timeline import NEVER, Window, add_years

CONTRACT_WIDTH = 6
CONTRACTS_PER_HOLDER = 1.34  # average chain length, to aim at the requested count
_CONTRACT_YUAN = np.array([200_000.0, 30_000.0, 0.0])
_HOLDER_WEIGHT = np.array([4.0, 1.0, 0.0])


def _first_terms(
    rng: np.random.Generator, size: int, window: Window, customers: CustomerFrame
) -> tuple[IntArray, IntArray]:
    """Contract holders and the start of their first contract (up to a year before the window)."""
    business = np.isin(customers.segment, (ENTERPRISE, SMB))
    holders = pick_distinct(
        rng,
        np.where(business, _HOLDER_WEIGHT[customers.segment], 0.0),
        round(size / CONTRACTS_PER_HOLDER),
    )
    low = np.maximum(customers.acquired[holders], window.first - 365)
    high = customers.active_until(window)[holders]
    return holders, between(rng, low, np.maximum(high, low))


def contracts_table(
    rng: np.random.Generator,
    size: int,
    window: Window,
    staff: StaffFrame,
    customers: CustomerFrame,
) -> pa.Table:
    """About ``size`` contracts in renewal chains."""
    customer, starts = _first_terms(rng, size, window, customers)
    yuan = _CONTRACT_YUAN[customers.segment[customer]] * rng.lognormal(0.0, 0.6, len(customer))
    yuan *= customers.spend[customer]
    chunks: list[tuple[IntArray, IntArray, IntArray, IntArray, IntArray]] = []
    while len(customer):
        ends = add_years(starts, 1) - 1
        signed = ends - between(rng, 0, np.full(len(ends), 30))
        chance = sigmoid(1.0 + 0.9 * customers.mood[customer])
        renewed = (
            (signed <= window.last)
            & (signed > starts)
            & (customers.churned[customer] > ends)
            & (rng.random(len(customer)) < chance)
        )
        value = ints(np.maximum(np.round(yuan / 1_000), 1) * 100_000)
        chunks.append((customer, starts, ends, ints(np.where(renewed, signed, NEVER)), value))
        going_on = renewed & (ends < window.last)
        customer, starts = customer[going_on], ends[going_on] + 1
        yuan = yuan[going_on] * rng.uniform(1.0, 1.15, int(going_on.sum()))
    holder, start, end, renewal, cents = (
        ints(np.concatenate([chunk[field] for chunk in chunks] or [np.zeros(0, dtype=np.int64)]))
        for field in range(5)
    )
    order = np.lexsort((holder, start))
    person = staff.credited(customers.seat[holder], start)
    return col.entity_table(
        "contracts",
        {
            "contract_id": col.identifiers("K", len(holder), CONTRACT_WIDTH),
            "customer_id": col.refer(customers.ids, holder[order]),
            "staff_id": col.refer(staff.ids, person[order]),
            "starts_on": col.dates(start[order]),
            "ends_on": col.dates(end[order]),
            "renewed_on": col.dates(renewal[order]),
            "value": col.money(cents[order]),
        },
    )
