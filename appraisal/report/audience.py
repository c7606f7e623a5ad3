"""Who a bundle is for, and therefore what it may hold.

* ``person``: only the person's own scorecard;
* ``manager``: everyone reporting to the manager, directly or indirectly,
  the clients owned by the manager or any of them, and teams whose every
  member is among them;
* ``hr``: everything.

A restricted bundle names only people it may show: the viewer, the people in
scope and the viewer's own line of managers.  Anyone else (an action owner
higher up, say) appears by role, never by name.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import assert_never

from appraisal.errors import UserError
from appraisal.report.source import Directory


class Audience(StrEnum):
    """Who reads a bundle."""

    PERSON = "person"
    MANAGER = "manager"
    HR = "hr"


@dataclass(frozen=True)
class Scope:
    """What one bundle may show; ``None`` means no restriction."""

    audience: Audience
    viewer: str | None
    people: frozenset[str] | None
    """Person subjects shown."""
    owners: frozenset[str] | None
    """Clients shown: those whose owner is one of these."""
    teams: frozenset[str] | None
    """Team subjects shown."""
    named: frozenset[str] | None
    """People who may be named anywhere in the bundle."""

    def sees_person(self, staff_id: str) -> bool:
        """True when the person's scorecard belongs in the bundle."""
        return self.people is None or staff_id in self.people

    def sees_team(self, team: str) -> bool:
        """True when the team's scorecard belongs in the bundle."""
        return self.teams is None or team in self.teams

    def may_name(self, staff_id: str | None) -> bool:
        """True when the person may be named in the bundle."""
        return staff_id is not None and (self.named is None or staff_id in self.named)


def reports_of(manager_id: str, children: Mapping[str, tuple[str, ...]]) -> frozenset[str]:
    """Everyone below ``manager_id``, directly or indirectly (cycles are cut)."""
    found: set[str] = set()
    stack = list(children.get(manager_id, ()))
    while stack:
        person = stack.pop()
        if person in found or person == manager_id:
            continue
        found.add(person)
        stack.extend(children.get(person, ()))
    return frozenset(found)


def line_of(staff_id: str, directory: Directory) -> frozenset[str]:
    """The person and their managers up to the top (cycles are cut)."""
    found: list[str] = []
    current: str | None = staff_id
    while current is not None and current not in found:
        found.append(current)
        entry = directory.get(current)
        current = entry.manager_id if entry else None
    return frozenset(found)


def _known(subject: str | None, directory: Directory, audience: Audience) -> str:
    if subject is None:
        raise UserError(f"--audience {audience.value} needs --subject STAFF_ID (whose bundle)")
    if directory.get(subject) is None:
        close = difflib.get_close_matches(subject, list(directory.entries), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise UserError(f"no staff member '{subject}' in this workspace{hint}")
    return subject


def _whole_teams(members: frozenset[str], directory: Directory) -> frozenset[str]:
    """Teams every member of which is in ``members``."""
    inside: set[str] = set()
    outside: set[str] = set()
    for entry in directory.entries.values():
        if entry.team is not None:
            (inside if entry.staff_id in members else outside).add(entry.team)
    return frozenset(inside - outside)


def scope_for(audience: Audience, subject: str | None, directory: Directory) -> Scope:
    """The scope of a bundle for ``audience`` (``subject``: the viewer's staff id)."""
    match audience:
        case Audience.HR:
            return Scope(audience, subject, None, None, None, None)
        case Audience.PERSON:
            viewer = _known(subject, directory, audience)
            line = line_of(viewer, directory)
            return Scope(audience, viewer, frozenset({viewer}), frozenset(), frozenset(), line)
        case Audience.MANAGER:
            viewer = _known(subject, directory, audience)
            reports = reports_of(viewer, directory.children())
            mine = reports | {viewer}
            return Scope(
                audience,
                viewer,
                reports,
                mine,
                _whole_teams(mine, directory),
                mine | line_of(viewer, directory),
            )
        case _:
            assert_never(audience)
