"""Service records: tickets (with complaints) and satisfaction surveys.

Unhappy customers open more tickets and complain more; complaints push some of
them to leave (see :meth:`CustomerFrame.after_complaints`).  Survey answers
follow the customer's mood, the seller's skill and whether the order came late.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from appraisal.demo import columns as col
from appraisal.demo.arrays import (
    BoolArray,
    IntArray,
    between,
    categorical,
    ints,
    pick,
    pick_distinct,
    sigmoid,
)
from appraisal.demo.customers import CustomerFrame
from appraisal.demo.orders import DELIVERED, OrderFrame
from appraisal.demo.staff import StaffFrame
from appraisal.demo.timeline import NEVER, Window, local_day

CATEGORIES = ("billing", "delivery", "quality", "service")
_CATEGORY_MIX = np.array([[0.3, 0.2, 0.15, 0.35], [0.2, 0.35, 0.3, 0.15]])  # other, complaint
_TICKETS_BY_SEGMENT = np.array([3.0, 1.5, 0.7])
TICKET_WIDTH = 7
SURVEY_WIDTH = 6
# Latent cut points giving about 5% / 7% / 17% / 34% / 36% for scores 1..5.
_SATISFACTION_CUTS = np.array([-1.6, -1.05, -0.3, 0.7])


@dataclass(frozen=True, eq=False)
class TicketFrame:
    """Service tickets sorted by opening time."""

    customer: IntArray
    staff: IntArray
    opened: IntArray
    resolved: IntArray
    unresolved: BoolArray
    complaint: BoolArray
    category: IntArray

    def first_complaints(self, customers: int) -> IntArray:
        """Local day of each customer's first complaint (NEVER if none)."""
        first = np.full(customers, NEVER, dtype=np.int64)
        np.minimum.at(first, self.customer[self.complaint], local_day(self.opened[self.complaint]))
        return first

    def before_churn(self, customers: CustomerFrame) -> TicketFrame:
        """Only tickets opened before their customer left."""
        keep = local_day(self.opened) < customers.churned[self.customer]
        return TicketFrame(
            customer=self.customer[keep],
            staff=self.staff[keep],
            opened=self.opened[keep],
            resolved=self.resolved[keep],
            unresolved=self.unresolved[keep],
            complaint=self.complaint[keep],
            category=self.category[keep],
        )

    def table(self, staff: StaffFrame, customers: CustomerFrame) -> pa.Table:
        """The ``tickets`` table."""
        return col.entity_table(
            "tickets",
            {
                "ticket_id": col.identifiers("T", len(self.customer), TICKET_WIDTH),
                "customer_id": col.refer(customers.ids, self.customer),
                "staff_id": col.refer(staff.ids, self.staff),
                "opened_at": col.instants(self.opened),
                "resolved_at": col.instants(self.resolved, self.unresolved),
                "is_complaint": col.booleans(self.complaint),
                "category": col.codes(CATEGORIES, self.category),
            },
        )


def build_tickets(
    rng: np.random.Generator,
    size: int,
    window: Window,
    staff: StaffFrame,
    customers: CustomerFrame,
) -> TicketFrame:
    """About ``size`` tickets over the customers' active days; about 15% complaints.

    3% more are drawn because complaint-driven churn later removes about that many.
    """
    size = round(size * 1.03)
    start, until = customers.active_from(window), customers.active_until(window)
    weight = _TICKETS_BY_SEGMENT[customers.segment] * np.exp(-0.4 * customers.mood)
    customer = pick(rng, weight * (until - start + 1), size)
    day = window.sample_days(rng, start[customer], until[customer], seasonal=False)
    opened = window.business_instants(rng, day, any_hour=0.2)
    handler = staff.credited(customers.seat[customer], day)
    complaint = rng.random(size) < sigmoid(-2.1 - 0.9 * customers.mood[customer])
    category = categorical(rng, _CATEGORY_MIX, complaint.astype(np.int64))
    hours = 20.0 * np.where(complaint, 1.6, 1.0) / staff.skill[handler]
    seconds = np.maximum(hours * 3_600 * rng.lognormal(0.0, 1.1, size), 600)
    resolved = opened + seconds.astype(np.int64)
    unresolved = (resolved >= window.end_instant) | (rng.random(size) < 0.02)
    order = np.lexsort((customer, opened))
    return TicketFrame(
        customer=customer[order],
        staff=handler[order],
        opened=opened[order],
        resolved=resolved[order],
        unresolved=unresolved[order],
        complaint=complaint[order],
        category=category[order],
    )


def surveys_table(
    rng: np.random.Generator,
    size: int,
    window: Window,
    staff: StaffFrame,
    customers: CustomerFrame,
    orders: OrderFrame,
) -> pa.Table:
    """``size`` surveys answered 1–14 days after a delivered order (one per order at most)."""
    eligible = (orders.status == DELIVERED) & (orders.delivered < window.last)
    answered_order = pick_distinct(rng, eligible.astype(np.float64), size)
    count = len(answered_order)
    customer = orders.customer[answered_order]
    seller = orders.staff[answered_order]
    answered = np.minimum(
        orders.delivered[answered_order] + between(rng, 1, np.full(count, 14)), window.last
    )
    mood = 0.8 * customers.mood[customer] + 0.35 * np.log(staff.skill[seller]) / 0.3
    latent = mood - 0.6 * orders.late[answered_order] + 0.6 * rng.standard_normal(count)
    satisfaction = ints(np.digitize(latent, _SATISFACTION_CUTS) + 1)
    nps = np.clip(np.round(7.0 + 1.9 * (latent + 0.4 * rng.standard_normal(count))), 0, 10)
    order = np.lexsort((answered_order, answered))
    return col.entity_table(
        "surveys",
        {
            "survey_id": col.identifiers("SV", count, SURVEY_WIDTH),
            "customer_id": col.refer(customers.ids, customer[order]),
            "staff_id": col.refer(staff.ids, seller[order]),
            "answered_on": col.dates(ints(answered[order])),
            "satisfaction": col.integers(satisfaction[order], rng.random(count) < 0.03),
            "nps": col.integers(ints(nps[order]), rng.random(count) < 0.07),
        },
    )
