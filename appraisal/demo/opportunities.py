"""Opportunities and the path each took through the funnel.

Every opportunity starts as a lead and advances stage by stage with falling
odds (better sellers advance more often) until it is lost, won or still open at
the window end.  New customers acquired in the window mostly come from a won
opportunity that closed on their acquisition day; prospects without a customer
record never win (had they won, they would be customers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from appraisal.demo import columns as col
from appraisal.demo.arrays import NO_INDEX, BoolArray, FloatArray, IntArray, ints, pick
from appraisal.demo.customers import SEGMENT_SHARE, CustomerFrame
from appraisal.demo.staff import SALES_REP, StaffFrame
from appraisal.demo.timeline import DAY, Window, local_day
from appraisal.store.schema import Stage

STAGES = tuple(stage.value for stage in Stage)
FUNNEL = 5  # lead, first_contact, needs_analysis, proposal, negotiation
WON, LOST = STAGES.index(Stage.WON), STAGES.index(Stage.LOST)
OPPORTUNITY_WIDTH = 7
_ADVANCE = np.array([0.75, 0.7, 0.65, 0.7])  # lead→contact→analysis→proposal→negotiation
_WIN = 0.6  # at negotiation
_DAYS_PER_STAGE = np.array([12.0, 6.0, 3.0])
_DEAL_YUAN = np.array([80_000.0, 12_000.0, 1_500.0])


@dataclass(frozen=True, eq=False)
class OpportunityFrame:
    """Opportunities sorted by creation, with a (rows × 6) matrix of stage entry times."""

    customer: IntArray  # NO_INDEX for prospects
    staff: IntArray
    times: IntArray  # UTC seconds entering lead..negotiation, then closing
    reached: BoolArray  # which of the six times happened by the window end
    won: BoolArray
    expected_cents: IntArray

    @property
    def size(self) -> int:
        """Number of opportunities."""
        return len(self.customer)

    def table(self, staff: StaffFrame, customers: CustomerFrame) -> tuple[pa.Table, pa.Table]:
        """The ``opportunities`` and ``opportunity_stages`` tables."""
        ids = col.identifiers("OP", self.size, OPPORTUNITY_WIDTH)
        closed = self.reached[:, FUNNEL]
        outcome = np.where(self.won, WON, LOST)
        last_open = self.reached[:, :FUNNEL].sum(axis=1) - 1
        stage_codes = np.column_stack((np.tile(np.arange(FUNNEL), (self.size, 1)), outcome))
        rows, steps = np.nonzero(self.reached)
        opportunities = col.entity_table(
            "opportunities",
            {
                "opportunity_id": ids,
                "customer_id": col.refer(customers.ids, self.customer),
                "staff_id": col.refer(staff.ids, self.staff),
                "created_at": col.instants(self.times[:, 0]),
                "stage": col.codes(STAGES, ints(np.where(closed, outcome, last_open))),
                "expected_amount": col.money(self.expected_cents),
                "closed_at": col.instants(self.times[:, FUNNEL], ~closed),
            },
        )
        stages = col.entity_table(
            "opportunity_stages",
            {
                "opportunity_id": ids.take(pa.array(rows)),
                "stage": col.codes(STAGES, ints(stage_codes[rows, steps])),
                "entered_at": col.instants(self.times[rows, steps]),
            },
        )
        return opportunities, stages


def _progress(rng: np.random.Generator, skill: FloatArray) -> tuple[IntArray, BoolArray]:
    """Funnel stages reached (1–5) and whether an opportunity reaching negotiation wins."""
    chance = np.clip(_ADVANCE[None, :] * skill[:, None] ** 0.3, 0.05, 0.97)
    advanced = np.cumprod(rng.random((len(skill), len(_ADVANCE))) < chance, axis=1)
    reached = 1 + advanced.sum(axis=1)
    wins = rng.random(len(skill)) < np.clip(_WIN * skill**0.5, 0.05, 0.95)
    return ints(reached), np.asarray((reached == FUNNEL) & wins)


def _gaps(rng: np.random.Generator, segment: IntArray) -> IntArray:
    """Seconds between consecutive stages (at least an hour), longer for bigger deals."""
    mean = _DAYS_PER_STAGE[segment][:, None] * DAY
    return ints(3_600 + np.floor(rng.exponential(1.0, (len(segment), FUNNEL)) * mean))


@dataclass(frozen=True)
class _Batch:
    customer: IntArray
    segment: IntArray
    seat: IntArray
    created_day: IntArray


def _origins(
    rng: np.random.Generator, window: Window, customers: CustomerFrame, limit: int
) -> IntArray:
    """New customers whose acquisition closed a won opportunity (about 55% of them)."""
    newcomers = np.flatnonzero(customers.new_in_window(window))
    return ints(newcomers[rng.random(len(newcomers)) < 0.55][:limit])


def _open_batch(
    rng: np.random.Generator,
    window: Window,
    staff: StaffFrame,
    customers: CustomerFrame,
    prospects: int,
    upsells: int,
) -> _Batch:
    """Prospects (no customer yet; mostly sales reps) and upsells to active customers."""
    seats = staff.seats
    prospect_seat = pick(rng, np.where(seats.role == SALES_REP, 3.0, 1.0), prospects)
    start, until = customers.active_from(window), customers.active_until(window)
    weight = np.array([5.0, 2.0, 0.3])[customers.segment] * (until - start + 1)
    upsell_customer = pick(rng, weight, upsells)
    first = np.concatenate((np.full(prospects, window.first), start[upsell_customer]))
    last = np.concatenate((np.full(prospects, window.last), until[upsell_customer]))
    return _Batch(
        customer=ints(np.concatenate((np.full(prospects, NO_INDEX), upsell_customer))),
        segment=ints(
            np.concatenate(
                (pick(rng, SEGMENT_SHARE, prospects), customers.segment[upsell_customer])
            )
        ),
        seat=ints(np.concatenate((prospect_seat, customers.seat[upsell_customer]))),
        created_day=window.sample_days(rng, ints(first), ints(last), seasonal=False),
    )


def _stage_times(
    rng: np.random.Generator, window: Window, gaps: IntArray, acquired: IntArray, created: IntArray
) -> IntArray:
    """(rows × 6) entry times: origins timed backwards from the acquisition day, the
    others forwards from their creation day.  Column 5 is the time after the last stage."""
    origins = len(acquired)
    closing = window.business_instants(rng, acquired)
    backwards = closing[:, None] - np.cumsum(gaps[:origins, ::-1], axis=1)[:, ::-1]
    start = window.business_instants(rng, created)
    forwards = start[:, None] + np.cumsum(gaps[origins:], axis=1)
    return ints(
        np.concatenate((np.column_stack((backwards, closing)), np.column_stack((start, forwards))))
    )


def _paths(
    rng: np.random.Generator,
    skill: FloatArray,
    origin: BoolArray,
    prospect: BoolArray,
    times: IntArray,
    window: Window,
) -> tuple[BoolArray, BoolArray]:
    """Which of the six times happened by the window end, and which opportunities won.

    Moves each closing time (column 5) to just after the last stage reached.
    """
    reached_count, won = _progress(rng, skill)
    reached_count[origin] = FUNNEL
    won = (won & ~prospect) | origin
    steps = np.arange(FUNNEL + 1)[None, :]
    reached = (steps < reached_count[:, None]) | (steps == FUNNEL)
    times[:, FUNNEL] = times[np.arange(len(skill)), reached_count]
    return np.asarray(reached & (times < window.end_instant)), won


def build_opportunities(
    rng: np.random.Generator,
    size: int,
    window: Window,
    staff: StaffFrame,
    customers: CustomerFrame,
) -> OpportunityFrame:
    """``size`` opportunities: won origins of new customers, prospects and upsells."""
    origin = _origins(rng, window, customers, size)
    rest = size - len(origin)
    batch = _open_batch(rng, window, staff, customers, rest // 2, rest - rest // 2)
    segment = ints(np.concatenate((customers.segment[origin], batch.segment)))
    gaps = _gaps(rng, segment)
    times = _stage_times(rng, window, gaps, customers.acquired[origin], batch.created_day)
    seat = ints(np.concatenate((customers.seat[origin], batch.seat)))
    seller = staff.credited(seat, local_day(times[:, 0]))
    customer = ints(np.concatenate((origin, batch.customer)))
    is_origin = np.arange(size) < len(origin)
    reached, won = _paths(rng, staff.skill[seller], is_origin, customer < 0, times, window)
    spend = np.where(customer >= 0, customers.spend[np.maximum(customer, 0)], 1.0)
    yuan = _DEAL_YUAN[segment] * rng.lognormal(0.0, 0.7, size) * spend
    order = np.lexsort((np.arange(size), times[:, 0]))
    return OpportunityFrame(
        customer=customer[order],
        staff=seller[order],
        times=times[order],
        reached=reached[order],
        won=won[order],
        expected_cents=ints(np.maximum(np.round(yuan / 100), 1) * 10_000)[order],
    )
