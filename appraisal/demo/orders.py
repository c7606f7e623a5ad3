"""Orders: seasonal dates, log-normal amounts by segment, deliveries, cancellations, refunds.

New customers place their first order on the day they are acquired; further
orders are spread over each customer's active days in proportion to a
heavy-tailed personal purchase rate, so some buy once and some buy every month
(repeat purchase rate and RFM have something to measure).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from appraisal.demo import columns as col
from appraisal.demo.arrays import (
    NO_INDEX,
    BoolArray,
    FloatArray,
    IntArray,
    between,
    ints,
    pick,
    pick_distinct,
)
from appraisal.demo.customers import CustomerFrame
from appraisal.demo.staff import StaffFrame
from appraisal.demo.timeline import NEVER, Window, month_of
from appraisal.store.schema import OrderStatus

STATUSES = tuple(status.value for status in OrderStatus)
OPEN = STATUSES.index(OrderStatus.OPEN)
DELIVERED = STATUSES.index(OrderStatus.DELIVERED)
CANCELLED = STATUSES.index(OrderStatus.CANCELLED)
REFUND = STATUSES.index(OrderStatus.REFUND)
ORDER_WIDTH = 8
REFUND_SHARE = 0.02
_FREQUENCY = np.array([4.0, 2.2, 1.0])  # relative purchase rate by segment
_MEDIAN_YUAN = np.array([15_000.0, 2_800.0, 420.0])
_SPREAD = np.array([0.9, 0.8, 0.7])
_ROUND_CENTS = np.array([1_000, 100, 10])  # enterprise to 10 yuan, smb to 1 yuan, 0.1 yuan
_LEAD_DAYS = (np.array([7, 3, 1]), np.array([21, 10, 5]))


@dataclass(frozen=True, eq=False)
class OrderFrame:
    """Orders and refunds sorted by order date; index = id order."""

    customer: IntArray
    staff: IntArray
    ordered: IntArray
    promised: IntArray  # NEVER for refunds
    delivered: IntArray  # NEVER unless delivered
    cents: IntArray
    cost_cents: IntArray
    status: IntArray
    refund_of: IntArray  # NO_INDEX unless a refund
    late: BoolArray

    @property
    def size(self) -> int:
        """Number of rows, refunds included."""
        return len(self.customer)

    def table(self, staff: StaffFrame, customers: CustomerFrame) -> pa.Table:
        """The ``orders`` table."""
        ids = col.identifiers("O", self.size, ORDER_WIDTH)
        return col.entity_table(
            "orders",
            {
                "order_id": ids,
                "customer_id": col.refer(customers.ids, self.customer),
                "staff_id": col.refer(staff.ids, self.staff),
                "ordered_on": col.dates(self.ordered),
                "promised_on": col.dates(self.promised),
                "delivered_on": col.dates(self.delivered),
                "amount": col.money(self.cents),
                "cost": col.money(self.cost_cents),
                "status": col.codes(STATUSES, self.status),
                "refund_of": col.refer(ids, self.refund_of),
            },
        )


def _customers_and_days(
    rng: np.random.Generator, size: int, window: Window, customers: CustomerFrame
) -> tuple[IntArray, IntArray]:
    """Who orders when: first orders of new customers, then rate-weighted repeat orders."""
    newcomers = np.flatnonzero(customers.new_in_window(window))[:size]
    start, until = customers.active_from(window), customers.active_until(window)
    rate = _FREQUENCY[customers.segment] * rng.gamma(0.4, 1 / 0.4, customers.size)
    weight = rate * np.exp(0.2 * customers.mood) * (until - start + 1)
    repeat = pick(rng, weight, size - len(newcomers))
    days = window.sample_days(rng, start[repeat], until[repeat])
    return (
        ints(np.concatenate((newcomers, repeat))),
        ints(np.concatenate((customers.acquired[newcomers], days))),
    )


def _amount_cents(
    rng: np.random.Generator,
    segment: IntArray,
    factor: FloatArray,
    day: IntArray,
    window: Window,
) -> IntArray:
    """Log-normal by segment, scaled by customer and seller, growing ~4% a year, Q4 richer."""
    yuan = _MEDIAN_YUAN[segment] * rng.lognormal(0.0, _SPREAD[segment]) * factor
    yuan *= 1.0 + 0.04 * (day - window.first) / 365.0
    yuan *= np.where(month_of(day) >= 11, 1.1, 1.0)
    unit = _ROUND_CENTS[segment]
    return ints(np.maximum(np.round(yuan * 100 / unit), 1) * unit)


def _deliveries(
    rng: np.random.Generator,
    segment: IntArray,
    ordered: IntArray,
    skill: FloatArray,
    window: Window,
) -> tuple[IntArray, IntArray, IntArray, BoolArray]:
    """Promised a few days out; mostly delivered on time; cancelled or still open otherwise."""
    size = len(ordered)
    lead = between(rng, _LEAD_DAYS[0][segment], _LEAD_DAYS[1][segment])
    promised = ordered + lead
    late = rng.random(size) < np.clip(0.12 / skill, 0.02, 0.4)
    delivered = np.where(
        late, promised + between(rng, 1, np.full(size, 10)), ordered + between(rng, 1, lead)
    )
    cancelled = rng.random(size) < 0.03
    status = np.where(cancelled, CANCELLED, np.where(delivered > window.last, OPEN, DELIVERED))
    delivered = np.where(status == DELIVERED, delivered, NEVER)
    return ints(promised), ints(delivered), ints(status), np.asarray(late & (status == DELIVERED))


def build_orders(
    rng: np.random.Generator,
    size: int,
    window: Window,
    staff: StaffFrame,
    customers: CustomerFrame,
) -> OrderFrame:
    """About ``size`` rows, 2% of them refunds of earlier delivered orders."""
    refunds = round(REFUND_SHARE * size)
    customer, ordered = _customers_and_days(rng, size - refunds, window, customers)
    seat = customers.seat[customer]
    elsewhere = rng.random(len(seat)) < 0.08  # credited to a teammate now and then
    seat[elsewhere] = staff.seats.teammate(rng, seat[elsewhere])
    seller = staff.credited(seat, ordered)
    segment = customers.segment[customer]
    factor = customers.spend[customer] * staff.skill[seller] ** 0.4
    cents = _amount_cents(rng, segment, factor, ordered, window)
    cost = ints(np.round(cents * rng.uniform(0.6, 0.8, len(cents))))
    promised, delivered, status, late = _deliveries(
        rng, segment, ordered, staff.skill[seller], window
    )
    sales = OrderFrame(customer, seller, ordered, promised, delivered, cents, cost, status,
                       np.full(len(customer), NO_INDEX, dtype=np.int64), late)  # fmt: skip
    return _sorted(_with_refunds(rng, sales, refunds, customers, staff.left, window))


def _with_refunds(
    rng: np.random.Generator,
    sales: OrderFrame,
    count: int,
    customers: CustomerFrame,
    left: IntArray,
    window: Window,
) -> OrderFrame:
    """Refund rows (negative amounts) for delivered orders, likelier when late or unhappy."""
    last_day = np.minimum(window.last, left[sales.staff])  # charged back while still employed
    eligible = (sales.status == DELIVERED) & (sales.delivered < last_day)
    weight = np.exp(-0.6 * customers.mood[sales.customer]) * np.where(sales.late, 2.0, 1.0)
    original = pick_distinct(rng, np.where(eligible, weight, 0.0), count)
    size = len(original)
    day = np.minimum(
        sales.delivered[original] + between(rng, 1, np.full(size, 30)), last_day[original]
    )
    full = rng.random(size) < 0.65
    share = np.where(full, 1.0, rng.uniform(0.1, 0.6, size))
    cents = np.clip(np.round(sales.cents[original] * share), 1, sales.cents[original])
    never = np.full(size, NEVER, dtype=np.int64)
    return OrderFrame(
        customer=ints(np.concatenate((sales.customer, sales.customer[original]))),
        staff=ints(np.concatenate((sales.staff, sales.staff[original]))),
        ordered=ints(np.concatenate((sales.ordered, day))),
        promised=ints(np.concatenate((sales.promised, never))),
        delivered=ints(np.concatenate((sales.delivered, never))),
        cents=ints(np.concatenate((sales.cents, -cents))),
        cost_cents=ints(
            np.concatenate((sales.cost_cents, np.where(full, -sales.cost_cents[original], 0)))
        ),
        status=ints(np.concatenate((sales.status, np.full(size, REFUND)))),
        refund_of=ints(np.concatenate((sales.refund_of, original))),
        late=np.concatenate((sales.late, np.zeros(size, dtype=bool))),
    )


def _sorted(orders: OrderFrame) -> OrderFrame:
    """Order rows by date, then customer; refund references follow the new positions."""
    order = np.lexsort((np.arange(orders.size), orders.customer, orders.ordered))
    position = np.empty(orders.size, dtype=np.int64)
    position[order] = np.arange(orders.size)
    refund_of = orders.refund_of[order]
    return OrderFrame(
        customer=orders.customer[order],
        staff=orders.staff[order],
        ordered=orders.ordered[order],
        promised=orders.promised[order],
        delivered=orders.delivered[order],
        cents=orders.cents[order],
        cost_cents=orders.cost_cents[order],
        status=orders.status[order],
        refund_of=ints(np.where(refund_of >= 0, position[np.maximum(refund_of, 0)], NO_INDEX)),
        late=orders.late[order],
    )
