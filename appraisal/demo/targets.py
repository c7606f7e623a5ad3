"""Quarterly sales targets per person and per team.

A seat's target is its prior level of sales (the daily rate over the trailing
four quarters; over the first year for the first four quarters, as if set from
earlier history) × the quarter's seasonal index, grown 10% in the second year,
give or take 10%.  A person who held
the seat for part of a quarter gets that part of the target.  Team targets are
the sum of their members' targets.  Values are rounded to thousands of yuan.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from appraisal.demo import columns as col
from appraisal.demo.arrays import FloatArray, IntArray, ints
from appraisal.demo.orders import CANCELLED, OrderFrame
from appraisal.demo.staff import StaffFrame
from appraisal.demo.timeline import Window
from appraisal.store.schema import SubjectKind

INDICATOR = "sales_amount"
_TEN_THOUSANDTHS_PER_THOUSAND = 1_000 * 10_000


def _seat_sales(staff: StaffFrame, orders: OrderFrame, firsts: IntArray) -> FloatArray:
    """Net sales (cents, refunds deducted, cancellations ignored) per seat and quarter."""
    seat_of = np.full(len(staff.role), -1, dtype=np.int64)
    seats = staff.seats
    seat_of[seats.first] = np.arange(len(seats.first))
    replaced = seats.second >= 0
    seat_of[seats.second[replaced]] = np.flatnonzero(replaced)
    seat = seat_of[orders.staff]
    quarter = np.searchsorted(firsts, orders.ordered, side="right") - 1
    counted = (seat >= 0) & (orders.status != CANCELLED) & (quarter >= 0)
    totals = np.zeros((len(seats.first), len(firsts)))
    np.add.at(totals, (seat[counted], quarter[counted]), orders.cents[counted])
    return totals


def _levels(sales: FloatArray, days: FloatArray, calendar_quarter: IntArray) -> FloatArray:
    """Expected sales per seat and quarter: the trailing year's daily rate (the first
    year's for the first four quarters) × the quarter's seasonal index × its length."""
    rate = sales / days[None, :]
    company = rate.sum(axis=0)
    season = np.ones(4)
    for number in range(4):
        season[number] = company[calendar_quarter == number].mean() / company.mean()
    prior = np.empty_like(rate)
    prior[:, :4] = (sales[:, :4].sum(axis=1) / days[:4].sum())[:, None]
    for quarter in range(4, rate.shape[1]):
        trailing = slice(quarter - 4, quarter)
        prior[:, quarter] = sales[:, trailing].sum(axis=1) / days[trailing].sum()
    return prior * (season[calendar_quarter] * days)[None, :]


def targets_table(
    rng: np.random.Generator, window: Window, staff: StaffFrame, orders: OrderFrame
) -> pa.Table:
    """Person targets for every seat holder in every quarter, then the team sums."""
    quarters = window.quarters()
    firsts = ints([q.first for q in quarters])
    lasts = ints([q.last for q in quarters])
    days = (np.minimum(lasts, window.last) - np.maximum(firsts, window.first) + 1).astype(float)
    calendar_quarter = ints([int(q.code[-1]) - 1 for q in quarters])
    level = _levels(_seat_sales(staff, orders, firsts), days, calendar_quarter)
    growth = np.where(np.arange(len(quarters)) < 4, 1.0, 1.1)
    base = level * growth[None, :] * rng.uniform(0.9, 1.1, level.shape)
    seats = staff.seats
    replaced = np.flatnonzero(seats.second >= 0)
    holder = np.concatenate((seats.first, seats.second[replaced]))
    seat = np.concatenate((np.arange(len(seats.first)), replaced))
    start = np.maximum(staff.hired[holder][:, None], firsts[None, :])
    end = np.minimum(staff.left[holder][:, None], lasts[None, :])
    share = np.clip(end - start + 1, 0, None) / (lasts - firsts + 1)[None, :]
    thousands = np.where(share > 0, np.maximum(np.round(base[seat] * share / 100_000), 1), 0)
    row, quarter = np.nonzero(thousands)
    person = holder[row]
    team_total = np.zeros((len(staff.team_names), len(quarters)))
    np.add.at(team_total, (staff.team[person], quarter), thousands[row, quarter])
    team, team_quarter = np.nonzero(team_total)
    person_order = np.lexsort((person, quarter))
    team_order = np.lexsort((team, team_quarter))
    codes = tuple(q.code for q in quarters)
    count = len(person) + len(team)
    return col.entity_table(
        "targets",
        {
            "subject_kind": col.codes(
                (SubjectKind.PERSON.value, SubjectKind.TEAM.value),
                ints(np.repeat([0, 1], [len(person), len(team)])),
            ),
            "subject_id": pa.concat_arrays(
                [
                    col.refer(staff.ids, person[person_order]),
                    col.codes(staff.team_names, team[team_order]),
                ]
            ),
            "indicator": col.codes((INDICATOR,), np.zeros(count, dtype=np.int64)),
            "period": col.codes(
                codes, ints(np.concatenate((quarter[person_order], team_quarter[team_order])))
            ),
            "value": col.decimals(
                ints(
                    np.concatenate(
                        (
                            thousands[row, quarter][person_order],
                            team_total[team, team_quarter][team_order],
                        )
                    )
                )
                * _TEN_THOUSANDTHS_PER_THOUSAND
            ),
        },
    )
