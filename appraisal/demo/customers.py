"""Customers: segments, owners, acquisition before and during the window, churn, referrals.

Each customer has a latent *mood* (how well served they feel; partly the owner's
skill).  Surveys, complaints, churn, renewals and referrals all read it, which
makes those indicators correlate the way they do in real CRM data.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from appraisal.demo import columns as col
from appraisal.demo.arrays import NO_INDEX, BoolArray, FloatArray, IntArray, ints, pick
from appraisal.demo.names import REGIONS, cities_of, company_names, person_names
from appraisal.demo.staff import ACCOUNT_MANAGER, StaffFrame
from appraisal.demo.timeline import NEVER, Window

ENTERPRISE, SMB, INDIVIDUAL = 0, 1, 2
SEGMENTS = ("enterprise", "smb", "individual")
SEGMENT_SHARE = np.array([0.08, 0.32, 0.60])
_CHURN_PER_YEAR = np.array([0.07, 0.15, 0.25])
_ACQUISITION_COST = np.array([18_000.0, 2_500.0, 180.0])  # median, yuan
CUSTOMER_WIDTH = 6
MINIMUM_CUSTOMERS = 50


@dataclass(frozen=True, eq=False)
class CustomerFrame:
    """Customers sorted by acquisition date (so ids follow acquisition order)."""

    ids: pa.Array
    names: pa.Array
    segment: IntArray
    seat: IntArray
    region: IntArray
    acquired: IntArray
    churned: IntArray  # NEVER if still a customer at the window end
    mood: FloatArray  # standard-normal-ish; higher is happier
    spend: FloatArray  # multiplies order and deal sizes
    cost_cents: IntArray
    referrer: IntArray  # NO_INDEX if not referred

    @property
    def size(self) -> int:
        """Number of customers."""
        return len(self.segment)

    def active_from(self, window: Window) -> IntArray:
        """First day of activity inside the window."""
        return ints(np.maximum(self.acquired, window.first))

    def active_until(self, window: Window) -> IntArray:
        """Last day of activity inside the window (the day before churn)."""
        return ints(np.minimum(self.churned - 1, window.last))

    def new_in_window(self, window: Window) -> BoolArray:
        """Customers acquired during the window."""
        return np.asarray(self.acquired >= window.first)

    def after_complaints(
        self, rng: np.random.Generator, first_complaint: IntArray, window: Window
    ) -> CustomerFrame:
        """Some complaining customers leave within weeks of their first complaint.

        A referral from a customer who had left before the referred one arrived is dropped.
        """
        leaves = (first_complaint != NEVER) & (rng.random(self.size) < 0.3)
        wait = np.ceil(rng.exponential(60.0, self.size)).astype(np.int64)
        candidate = np.where(leaves, first_complaint + wait, NEVER)
        candidate = np.where(candidate <= window.last, candidate, NEVER)
        churned = ints(np.minimum(self.churned, candidate))
        gone = (self.referrer >= 0) & (churned[np.maximum(self.referrer, 0)] <= self.acquired)
        referrer = ints(np.where(gone, NO_INDEX, self.referrer))
        return dataclasses.replace(self, churned=churned, referrer=referrer)

    def table(self, staff: StaffFrame, window: Window) -> pa.Table:
        """The ``customers`` table; the owner is the seat holder at the end (or at churn)."""
        owner = staff.credited(self.seat, np.minimum(self.churned - 1, window.last))
        return col.entity_table(
            "customers",
            {
                "customer_id": self.ids,
                "name": self.names,
                "owner_id": col.refer(staff.ids, owner),
                "segment": col.codes(SEGMENTS, self.segment),
                "region": col.codes(tuple(r.zh for r in REGIONS), self.region),
                "acquired_on": col.dates(self.acquired),
                "churned_on": col.dates(self.churned),
                "acquisition_cost": col.money(self.cost_cents),
                "referred_by": col.refer(self.ids, self.referrer),
            },
        )


def _acquisition_days(rng: np.random.Generator, size: int, window: Window) -> IntArray:
    """60% were customers before the window (up to 12 years), the rest joined during it."""
    before = round(0.6 * size)
    tenure = (1 + np.floor(rng.exponential(900.0, before)) % (12 * 365)).astype(np.int64)
    during = window.sample_days(
        rng, np.full(size - before, window.first), np.full(size - before, window.last)
    )
    return ints(np.sort(np.concatenate((window.first - tenure, during))))


def _seats(rng: np.random.Generator, staff: StaffFrame, segment: IntArray) -> IntArray:
    """Enterprise accounts go to account managers; others to anyone, AMs 2.5 times as often."""
    seats = staff.seats
    is_manager = seats.role == ACCOUNT_MANAGER
    weight = np.where(is_manager, 2.5, 1.0) * staff.skill[seats.first]
    chosen = pick(rng, weight, len(segment))
    enterprise = segment == ENTERPRISE
    chosen[enterprise] = pick(rng, np.where(is_manager, weight, 0.0), int(enterprise.sum()))
    return chosen


def _regions(rng: np.random.Generator, staff: StaffFrame, seat: IntArray) -> IntArray:
    """Mostly the owning team's region; one in ten elsewhere."""
    region = staff.team_region[staff.seats.team[seat]]
    elsewhere = rng.random(len(seat)) < 0.1
    weights = np.array([r.weight for r in REGIONS])
    region[elsewhere] = pick(rng, weights, int(elsewhere.sum()))
    return ints(region)


def _names(rng: np.random.Generator, segment: IntArray, region: IntArray) -> pa.Array:
    first_city = np.array([cities_of(r)[0] for r in range(len(REGIONS))])
    city_count = np.array([cities_of(r)[1] for r in range(len(REGIONS))])
    city = first_city[region] + np.floor(rng.random(len(region)) * city_count[region])
    companies = company_names(rng, city.astype(np.int64), segment == ENTERPRISE, english_share=0.08)
    people = person_names(rng, len(segment), english_share=0.08)
    return pc.if_else(pa.array(segment == INDIVIDUAL), people, companies)


def _referrers(
    rng: np.random.Generator, acquired: IntArray, churned: IntArray, mood: FloatArray
) -> IntArray:
    """About 8% were referred by an earlier, still active, preferably happy customer."""
    size = len(acquired)
    earlier = np.searchsorted(acquired, acquired, side="left")
    referred = (earlier > 0) & (rng.random(size) < 0.085)
    candidates = np.floor(rng.random((3, size)) * earlier).astype(np.int64)
    best = candidates[np.argmax(mood[candidates], axis=0), np.arange(size)]
    referred &= churned[best] > acquired
    return ints(np.where(referred, best, NO_INDEX))


def build_customers(
    rng: np.random.Generator, size: int, window: Window, staff: StaffFrame
) -> CustomerFrame:
    """``size`` customers owned by the staff's seats."""
    size = max(size, MINIMUM_CUSTOMERS)
    acquired = _acquisition_days(rng, size, window)
    segment = pick(rng, SEGMENT_SHARE, size)
    seat = _seats(rng, staff, segment)
    owner_skill = np.log(staff.skill[staff.seats.first[seat]]) / 0.3
    mood = 0.9 * rng.standard_normal(size) + 0.4 * owner_skill
    hazard = _CHURN_PER_YEAR[segment] * np.exp(-0.5 * mood)
    lifetime = np.ceil(rng.exponential(365.0 / hazard)).astype(np.int64)
    churned = np.maximum(acquired, window.first) + np.maximum(lifetime, 1)
    churned = np.where(churned <= window.last, churned, NEVER)
    referrer = _referrers(rng, acquired, churned, mood)
    cost = _ACQUISITION_COST[segment] * rng.lognormal(0.0, 0.6, size)
    cost = np.where(referrer >= 0, 0.4 * cost, cost)
    region = _regions(rng, staff, seat)
    return CustomerFrame(
        ids=col.identifiers("C", size, CUSTOMER_WIDTH),
        names=_names(rng, segment, region),
        segment=segment,
        seat=seat,
        region=region,
        acquired=acquired,
        churned=ints(churned),
        mood=mood,
        spend=rng.lognormal(0.0, 0.5, size),
        cost_cents=ints(np.round(cost) * 100),
        referrer=referrer,
    )
