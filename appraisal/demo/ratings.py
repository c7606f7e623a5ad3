"""Qualitative ratings: every quarter each person is rated by their manager.

Everyone is rated on 德能勤绩 (conduct, ability, diligence, results); team leads
and directors also on the six management criteria.  Scores (1.0–5.0, one
decimal) follow the person's skill, a lasting per-criterion impression and the
rater's leniency, so ratings agree with the numbers without copying them.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from appraisal.demo import columns as col
from appraisal.demo.arrays import BoolArray, ints
from appraisal.demo.staff import DIRECTOR, LEAD, StaffFrame
from appraisal.demo.timeline import Quarter, Window

STAFF_CRITERIA = ("conduct", "ability", "diligence", "results")
MANAGER_CRITERIA = (
    "leadership",
    "developing_people",
    "team_morale",
    "goal_attainment",
    "responsibility",
    "self_development",
)
CRITERIA = STAFF_CRITERIA + MANAGER_CRITERIA
_SKILL_WEIGHT = np.array([0.3, 0.5, 0.4, 0.7, 0.5, 0.4, 0.3, 0.6, 0.3, 0.3])
_PROBATION_DAYS = 30  # people hired in the last month of a quarter are not yet rated


def _rated(staff: StaffFrame, quarter: Quarter) -> BoolArray:
    """People with a manager, in post from a month before the quarter's end to its end."""
    return np.asarray(
        (staff.manager >= 0)
        & (staff.hired <= quarter.last - _PROBATION_DAYS)
        & (staff.left >= quarter.last)
    )


def ratings_table(rng: np.random.Generator, window: Window, staff: StaffFrame) -> pa.Table:
    """One row per (quarter, person, criterion) for everyone with a manager."""
    people = len(staff.role)
    skill = np.log(staff.skill) / 0.3
    impression = 0.25 * rng.standard_normal((people, len(CRITERIA)))
    leniency = 0.2 * rng.standard_normal(people)
    manages = np.isin(staff.role, (LEAD, DIRECTOR))
    applies = np.column_stack(
        [np.ones(people, dtype=bool)] * len(STAFF_CRITERIA) + [manages] * len(MANAGER_CRITERIA)
    )
    quarters = window.closed_quarters()
    blocks = [np.zeros((0, 4), dtype=np.int64)]  # rows of (quarter, person, criterion, tenths)
    for index, quarter in enumerate(quarters):
        person, criterion = np.nonzero(_rated(staff, quarter)[:, None] & applies)
        score = (
            3.6
            + _SKILL_WEIGHT[criterion] * skill[person]
            + impression[person, criterion]
            + leniency[staff.manager[person]]
            + 0.2 * rng.standard_normal(len(person))
        )
        tenths = np.round(np.clip(score, 1.0, 5.0) * 10)
        blocks.append(np.column_stack((np.full(len(person), index), person, criterion, tenths)))
    rows = ints(np.concatenate(blocks))
    person = ints(rows[:, 1])
    return col.entity_table(
        "ratings",
        {
            "staff_id": col.refer(staff.ids, person),
            "period": col.codes(tuple(q.code for q in quarters), ints(rows[:, 0])),
            "criterion": col.codes(CRITERIA, ints(rows[:, 2])),
            "rater_id": col.refer(staff.ids, staff.manager[person]),
            "score": col.decimals(ints(rows[:, 3]) * 1_000),
        },
    )
