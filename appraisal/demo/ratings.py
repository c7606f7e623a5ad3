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
from appraisal.demo.staff import DIRECTOR, LEAD, StaffFrame
from appraisal.demo.timeline import Window

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
    period_parts: list[np.ndarray] = []
    person_parts: list[np.ndarray] = []
    criterion_parts: list[np.ndarray] = []
    tenth_parts: list[np.ndarray] = []
    for quarter_index, quarter in enumerate(window.closed_quarters()):
        rated = (
            (staff.manager >= 0)
            & (staff.hired <= quarter.last - _PROBATION_DAYS)
            & (staff.left >= quarter.last)
        )
        person, criterion = np.nonzero(rated[:, None] & applies)
        score = (
            3.6
            + _SKILL_WEIGHT[criterion] * skill[person]
            + impression[person, criterion]
            + leniency[staff.manager[person]]
            + 0.2 * rng.standard_normal(len(person))
        )
        tenth_parts.append(np.round(np.clip(score, 1.0, 5.0) * 10).astype(np.int64))
        period_parts.append(np.full(len(person), quarter_index))
        person_parts.append(person)
        criterion_parts.append(criterion)
    codes = tuple(q.code for q in window.closed_quarters())
    person = np.concatenate(person_parts or [np.zeros(0, dtype=np.int64)]).astype(np.int64)
    criterion = np.concatenate(criterion_parts or [np.zeros(0, dtype=np.int64)]).astype(np.int64)
    period = np.concatenate(period_parts or [np.zeros(0, dtype=np.int64)]).astype(np.int64)
    tenths = np.concatenate(tenth_parts or [np.zeros(0, dtype=np.int64)]).astype(np.int64)
    return col.entity_table(
        "ratings",
        {
            "staff_id": col.refer(staff.ids, person),
            "period": col.codes(codes, period),
            "criterion": col.codes(CRITERIA, criterion),
            "rater_id": col.refer(staff.ids, staff.manager[person]),
            "score": col.decimals(tenths * 1_000),
        },
    )
