"""Staff: directors over team leads over account managers and sales reps.

Customers belong to *seats* (a position in a team), not to people: when an
account manager leaves, a replacement is hired a little before and takes the
seat over the day after.  Activity on a customer is credited to whoever holds
the seat on that day, so no one is credited before being hired or after leaving.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from appraisal.demo import columns as col
from appraisal.demo.arrays import NO_INDEX, FloatArray, IntArray, between, group_starts, ints
from appraisal.demo.names import REGIONS, person_names, team_name
from appraisal.demo.timeline import NEVER, Window

DIRECTOR, LEAD, ACCOUNT_MANAGER, SALES_REP = 0, 1, 2, 3
ROLES = ("sales_director", "team_lead", "account_manager", "sales_rep")
STAFF_WIDTH = 5
MINIMUM_STAFF = 12


@dataclass(frozen=True, eq=False)
class Seats:
    """Member positions: the team, role and the people holding them over time."""

    team: IntArray
    role: IntArray
    first: IntArray  # staff index holding the seat at the window start
    second: IntArray  # replacement's staff index, NO_INDEX if none
    handover: IntArray  # last day of the first holder; NEVER if none
    team_start: IntArray  # first seat of each team (seats are sorted by team)
    team_size: IntArray

    def holder(self, seat: IntArray, day: IntArray) -> IntArray:
        """Staff index holding each seat on each day."""
        return ints(np.where(day > self.handover[seat], self.second[seat], self.first[seat]))

    def teammate(self, rng: np.random.Generator, seat: IntArray) -> IntArray:
        """A random seat of the same team (possibly the same one in a one-seat team)."""
        team = self.team[seat]
        offset = np.floor(rng.random(len(seat)) * self.team_size[team]).astype(np.int64)
        return ints(self.team_start[team] + offset)


@dataclass(frozen=True, eq=False)
class StaffFrame:
    """Everyone on the payroll during (or before) the window."""

    ids: pa.Array
    names: pa.Array
    role: IntArray
    team: IntArray  # NO_INDEX for directors
    manager: IntArray
    hired: IntArray
    left: IntArray  # NEVER if still employed
    skill: FloatArray  # multiplies sales, win rates, service quality
    team_names: tuple[str, ...]
    team_region: IntArray
    team_lead: IntArray
    seats: Seats

    def credited(self, seat: IntArray, day: IntArray) -> IntArray:
        """Who is credited for a seat's customer on a day: the holder, or the team lead
        for days before the holder was hired (contracts signed before the window)."""
        holder = self.seats.holder(seat, day)
        lead = self.team_lead[self.seats.team[seat]]
        return ints(np.where(self.hired[holder] > day, lead, holder))

    def table(self) -> pa.Table:
        """The ``staff`` table."""
        teams = pa.array(self.team_names).take(
            pa.array(np.maximum(self.team, 0), mask=self.team < 0)
        )
        return col.entity_table(
            "staff",
            {
                "staff_id": self.ids,
                "name": self.names,
                "team": teams,
                "manager_id": col.refer(self.ids, self.manager),
                "role": col.codes(ROLES, self.role),
                "hired_on": col.dates(self.hired),
                "left_on": col.dates(self.left),
            },
        )


def _teams_per_region(teams: int) -> IntArray:
    """Largest-remainder split of the teams over the regions by weight."""
    quota = np.array([r.weight for r in REGIONS]) * teams / sum(r.weight for r in REGIONS)
    counts = np.floor(quota).astype(np.int64)
    order = np.argsort(-(quota - counts), kind="stable")
    counts[order[: teams - int(counts.sum())]] += 1
    return counts


def _team_names(rng: np.random.Generator, teams: int) -> tuple[tuple[str, ...], IntArray]:
    per_region = _teams_per_region(teams)
    region = np.repeat(np.arange(len(REGIONS)), per_region)
    english = rng.random(teams) < 0.2
    names: list[str] = []
    for index, count in enumerate(per_region):
        first = len(names)
        for number in range(1, int(count) + 1):
            names.append(
                team_name(REGIONS[index], number, english=bool(english[first + number - 1]))
            )
    return tuple(names), ints(region)


def _seat_layout(rng: np.random.Generator, teams: int, seats: int) -> tuple[IntArray, IntArray]:
    """Team and role of each seat; every team gets at least one account manager."""
    size_weight = rng.uniform(0.7, 1.3, teams)
    extra = rng.choice(teams, seats - teams, p=size_weight / size_weight.sum())
    team = np.sort(np.concatenate((np.arange(teams), extra))).astype(np.int64)
    role = np.where(rng.random(seats) < 0.55, ACCOUNT_MANAGER, SALES_REP).astype(np.int64)
    starts, _ = group_starts(team, teams)
    role[starts] = ACCOUNT_MANAGER
    return team, role


@dataclass(frozen=True, eq=False)
class _Layout:
    """How many of each, which seat is where, and each person's position in the id order."""

    size: int
    directors: int
    seat_team: IntArray
    seat_role: IntArray
    replaced_seats: IntArray
    lead: IntArray  # staff index of each team's lead
    first: IntArray  # staff index of each seat's first holder
    second: IntArray  # staff index of each seat's replacement, NO_INDEX if none

    @property
    def teams(self) -> int:
        """Number of teams."""
        return len(self.lead)


def _layout(rng: np.random.Generator, size: int, teams: int) -> _Layout:
    """Seats per team and the id order: directors, then per team its lead, its seat
    holders and its replacements."""
    directors = max(2, round(size / 150))
    members = size - directors - teams
    replaced = max(0, min(round(0.1 * members), members - 2 * teams))
    seat_count = members - replaced
    seat_team, seat_role = _seat_layout(rng, teams, seat_count)
    replaced_seats = np.sort(rng.choice(seat_count, replaced, replace=False)).astype(np.int64)
    kind = np.repeat([0, 1, 2], [teams, seat_count, replaced])
    team_key = np.concatenate((np.arange(teams), seat_team, seat_team[replaced_seats]))
    seat_key = np.concatenate((np.full(teams, -1), np.arange(seat_count), replaced_seats))
    order = np.lexsort((seat_key, kind, team_key))
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order)) + directors
    second = np.full(seat_count, NO_INDEX, dtype=np.int64)
    second[replaced_seats] = position[teams + seat_count :]
    return _Layout(
        size=size,
        directors=directors,
        seat_team=seat_team,
        seat_role=seat_role,
        replaced_seats=replaced_seats,
        lead=ints(position[:teams]),
        first=ints(position[teams : teams + seat_count]),
        second=second,
    )


def _hierarchy(layout: _Layout) -> tuple[IntArray, IntArray, IntArray]:
    """Role, team and manager of everyone.  The first director heads sales: the other
    directors report to them; leads report to a director; members to their lead."""
    role = np.empty(layout.size, dtype=np.int64)
    team = np.full(layout.size, NO_INDEX, dtype=np.int64)
    manager = np.full(layout.size, NO_INDEX, dtype=np.int64)
    role[: layout.directors] = DIRECTOR
    manager[1 : layout.directors] = 0
    teams = np.arange(layout.teams)
    role[layout.lead] = LEAD
    team[layout.lead] = teams
    manager[layout.lead] = teams * layout.directors // layout.teams
    held = np.concatenate((np.arange(len(layout.first)), layout.replaced_seats))
    holders = np.concatenate((layout.first, layout.second[layout.replaced_seats]))
    role[holders] = layout.seat_role[held]
    team[holders] = layout.seat_team[held]
    manager[holders] = layout.lead[layout.seat_team[held]]
    return role, team, manager


def _employment(
    rng: np.random.Generator, layout: _Layout, window: Window
) -> tuple[IntArray, IntArray, IntArray]:
    """Hire and leaving days, and each seat's handover day.  Replacements start up to two
    weeks before their predecessor's last day, so the seat is never empty."""
    start, replaced = window.first, layout.replaced_seats
    handover = np.full(len(layout.first), NEVER, dtype=np.int64)
    handover[replaced] = between(rng, start + 60, np.full(len(replaced), window.last - 30))
    hired = np.empty(layout.size, dtype=np.int64)
    hired[: layout.directors] = start - between(rng, 4 * 365, np.full(layout.directors, 15 * 365))
    hired[layout.lead] = start - between(rng, 365, np.full(layout.teams, 10 * 365))
    tenure = np.floor(rng.exponential(900.0, len(layout.first))) % (8 * 365)
    hired[layout.first] = start - 30 - tenure.astype(np.int64)
    hired[layout.second[replaced]] = handover[replaced] - between(
        rng, 0, np.full(len(replaced), 14)
    )
    left = np.full(layout.size, NEVER, dtype=np.int64)
    left[layout.first[replaced]] = handover[replaced]
    return hired, left, handover


def build_staff(rng: np.random.Generator, size: int, window: Window) -> StaffFrame:
    """About ``size`` people: 1 director per ~150, teams of ~10, ~10% of seats changing hands."""
    size = max(size, MINIMUM_STAFF)
    teams = max(2, round((size - max(2, round(size / 150))) / 10))
    team_names, team_region = _team_names(rng, teams)
    layout = _layout(rng, size, teams)
    role, team, manager = _hierarchy(layout)
    hired, left, handover = _employment(rng, layout, window)
    skill = rng.lognormal(0.0, 0.3, size)
    skill[layout.lead] *= 1.1
    team_start, team_size = group_starts(layout.seat_team, teams)
    seats = Seats(
        team=layout.seat_team,
        role=layout.seat_role,
        first=layout.first,
        second=layout.second,
        handover=handover,
        team_start=team_start,
        team_size=team_size,
    )
    return StaffFrame(
        ids=col.identifiers("S", size, STAFF_WIDTH),
        names=person_names(rng, size, english_share=0.15),
        role=role,
        team=team,
        manager=manager,
        hired=hired,
        left=left,
        skill=skill,
        team_names=team_names,
        team_region=team_region,
        team_lead=layout.lead,
        seats=seats,
    )
