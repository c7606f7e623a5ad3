"""Interactions: visits, calls, events, e-mails and meetings with customers.

Enterprise customers are visited and met in person; individuals mostly get
calls and e-mails.  Happier customers engage a little more.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from appraisal.demo import columns as col
from appraisal.demo.arrays import categorical, pick
from appraisal.demo.customers import CustomerFrame
from appraisal.demo.staff import StaffFrame
from appraisal.demo.timeline import Window
from appraisal.store.schema import InteractionKind

KINDS = tuple(kind.value for kind in InteractionKind)  # visit, call, event, email, meeting
_KIND_MIX = np.array(
    [
        [0.25, 0.30, 0.10, 0.15, 0.20],  # enterprise
        [0.15, 0.40, 0.08, 0.25, 0.12],  # smb
        [0.05, 0.50, 0.10, 0.33, 0.02],  # individual
    ]
)
_ENGAGEMENT = np.array([6.0, 2.0, 0.5])
INTERACTION_WIDTH = 7


def interactions_table(
    rng: np.random.Generator,
    size: int,
    window: Window,
    staff: StaffFrame,
    customers: CustomerFrame,
) -> pa.Table:
    """``size`` interactions on working days during each customer's active time."""
    start, until = customers.active_from(window), customers.active_until(window)
    weight = _ENGAGEMENT[customers.segment] * np.exp(0.3 * customers.mood)
    customer = pick(rng, weight * (until - start + 1), size)
    day = window.sample_days(rng, start[customer], until[customer], seasonal=False)
    occurred = window.business_instants(rng, day)
    kind = categorical(rng, _KIND_MIX, customers.segment[customer])
    seat = customers.seat[customer]
    covering = rng.random(size) < 0.1  # a teammate covers now and then
    seat[covering] = staff.seats.teammate(rng, seat[covering])
    person = staff.credited(seat, day)
    order = np.lexsort((customer, occurred))
    return col.entity_table(
        "interactions",
        {
            "interaction_id": col.identifiers("I", size, INTERACTION_WIDTH),
            "customer_id": col.refer(customers.ids, customer[order]),
            "staff_id": col.refer(staff.ids, person[order]),
            "occurred_at": col.instants(occurred[order]),
            "kind": col.codes(KINDS, kind[order]),
        },
    )
