"""Generate a whole demo CRM: every entity of the data model, consistent and seeded.

Scale 1 is a mid-sized sales organisation over two years: about 2,000 staff,
200,000 customers, 2,000,000 orders, 400,000 opportunities, 100,000 surveys,
150,000 tickets, 600,000 interactions and 60,000 contracts.  Every count scales
linearly.  Each entity draws from its own random stream spawned from the seed,
so the same scale and seed always give the same tables, value for value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from appraisal.demo.contracts import contracts_table
from appraisal.demo.customers import build_customers
from appraisal.demo.interactions import interactions_table
from appraisal.demo.opportunities import build_opportunities
from appraisal.demo.orders import build_orders
from appraisal.demo.ratings import ratings_table
from appraisal.demo.service import build_tickets, surveys_table
from appraisal.demo.staff import build_staff
from appraisal.demo.targets import targets_table
from appraisal.demo.timeline import window_ending
from appraisal.errors import UserError
from appraisal.store.schema import ENTITIES

DEFAULT_SEED = 2026
DEFAULT_END = date(2026, 9, 30)
MAX_SCALE = 10.0
STREAMS = (
    "staff",
    "customers",
    "tickets",
    "churn",
    "orders",
    "opportunities",
    "surveys",
    "interactions",
    "contracts",
    "ratings",
    "targets",
)


@dataclass(frozen=True)
class Volumes:
    """Requested row counts at a scale (staff and customers have small-scale floors)."""

    staff: int
    customers: int
    orders: int
    opportunities: int
    surveys: int
    tickets: int
    interactions: int
    contracts: int

    @classmethod
    def at(cls, scale: float) -> Volumes:
        """Scale 1 ≈ 2,000 staff, 200,000 customers, 2,000,000 orders."""
        return cls(
            staff=round(2_000 * scale),
            customers=round(200_000 * scale),
            orders=round(2_000_000 * scale),
            opportunities=round(400_000 * scale),
            surveys=round(100_000 * scale),
            tickets=round(150_000 * scale),
            interactions=round(600_000 * scale),
            contracts=round(60_000 * scale),
        )


def _streams(seed: int) -> dict[str, np.random.Generator]:
    """One independent PCG64 stream per entity, all spawned from the seed."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {
        name: np.random.Generator(np.random.PCG64(c))
        for name, c in zip(STREAMS, children, strict=True)
    }


def check_arguments(scale: float, seed: int) -> None:
    """Refuse scales and seeds the generator cannot honour."""
    if not 0 < scale <= MAX_SCALE:
        raise UserError(f"scale must be greater than 0 and at most {MAX_SCALE:g}, got {scale:g}")
    if seed < 0:
        raise UserError(f"seed must be a non-negative integer, got {seed}")


def generate(
    scale: float, seed: int = DEFAULT_SEED, end: date = DEFAULT_END
) -> dict[str, pa.Table]:
    """All entities for the two years ending on ``end``, keyed in ``ENTITIES`` order."""
    check_arguments(scale, seed)
    rng = _streams(seed)
    volumes = Volumes.at(scale)
    window = window_ending(end)
    staff = build_staff(rng["staff"], volumes.staff, window)
    customers = build_customers(rng["customers"], volumes.customers, window, staff)
    tickets = build_tickets(rng["tickets"], volumes.tickets, window, staff, customers)
    customers = customers.after_complaints(
        rng["churn"], tickets.first_complaints(customers.size), window
    )
    tickets = tickets.before_churn(customers)
    orders = build_orders(rng["orders"], volumes.orders, window, staff, customers)
    opportunities, stages = build_opportunities(
        rng["opportunities"], volumes.opportunities, window, staff, customers
    ).table(staff, customers)
    tables = {
        "staff": staff.table(),
        "customers": customers.table(staff, window),
        "orders": orders.table(staff, customers),
        "opportunities": opportunities,
        "opportunity_stages": stages,
        "surveys": surveys_table(rng["surveys"], volumes.surveys, window, staff, customers, orders),
        "tickets": tickets.table(staff, customers),
        "interactions": interactions_table(
            rng["interactions"], volumes.interactions, window, staff, customers
        ),
        "contracts": contracts_table(rng["contracts"], volumes.contracts, window, staff, customers),
        "ratings": ratings_table(rng["ratings"], window, staff),
        "targets": targets_table(rng["targets"], window, staff, orders),
    }
    return {name: tables[name] for name in ENTITIES}
