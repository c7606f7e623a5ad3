"""The rule registry: published rule versions, their approval and retirement.

A published version is immutable: its canonical content and hash are stored
once and no function here changes them.  Publishing the same content again is
a no-op; different content under a published (id, version) is refused.  The
life cycle is draft → approved → retired (a draft may also be retired), kept as
an insert-only list of state changes; approval requires a different person
from the author (maker-checker).  Every change appends an audit record.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from appraisal.audit.audit_log import EventKind, append_event
from appraisal.audit.canonical import (
    ruleset_canonical,
    ruleset_from_canonical,
    sha256_text,
    short_hash,
)
from appraisal.audit.gitinfo import GitState
from appraisal.audit.tables import ensure_tables, rule_states, rule_versions, tables_exist
from appraisal.errors import UserError
from appraisal.periods import Period
from appraisal.spec.enums import RuleStatus
from appraisal.spec.models import RuleSet


class RegistryError(UserError):
    """A registry operation the rules of the registry do not allow."""


class ImmutableVersionError(RegistryError):
    """Different content under an already published (id, version)."""


class MakerCheckerError(RegistryError):
    """The approver is the author."""


class NotOfficialError(RegistryError):
    """A rule version that may not drive an official run for a period."""


@dataclass(frozen=True)
class VersionRef:
    """``ruleset_id@version``, as written on the command line."""

    ruleset_id: str
    version: str

    @classmethod
    def parse(cls, text: str) -> VersionRef:
        """Read ``ID@VERSION``; raises a :class:`UserError` explaining the form."""
        ruleset_id, at, version = text.partition("@")
        if not at or not ruleset_id or not version:
            raise UserError(
                f"'{text}' is not a registry reference: expected ID@VERSION, "
                "e.g. sales-rep-quarterly@1.1 (see: appraisal rules log)"
            )
        return cls(ruleset_id, version)

    def __str__(self) -> str:
        return f"{self.ruleset_id}@{self.version}"


@dataclass(frozen=True)
class StateChange:
    """One step of a version's life cycle."""

    step: int
    state: RuleStatus
    actor: str
    note: str
    changed_at: datetime


@dataclass(frozen=True)
class StoredVersion:
    """A published rule version with its history."""

    ref: VersionRef
    content_hash: str
    effective_from: date
    effective_to: date | None
    author: str
    note: str
    published_at: datetime
    source: str
    git_commit: str | None
    git_dirty: bool | None
    history: tuple[StateChange, ...]

    @property
    def state(self) -> RuleStatus:
        """The current state: the last step of the history."""
        return self.history[-1].state if self.history else RuleStatus.DRAFT

    def covers(self, period: Period) -> bool:
        """True when the whole period lies within the effective dates."""
        ends = self.effective_to is None or period.end <= _day_after(self.effective_to)
        return self.effective_from <= period.start and ends


@dataclass(frozen=True)
class PublishOutcome:
    """What :func:`publish` did: stored a new version, or found it already there."""

    version: StoredVersion
    created: bool


def _day_after(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


def same_person(a: str, b: str) -> bool:
    """Names compared the way people mean them: case, width and spacing ignored."""

    def norm(name: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", name).casefold().split())

    return norm(a) == norm(b)


def _history(conn: Connection, ref: VersionRef) -> tuple[StateChange, ...]:
    rows = conn.execute(
        sa.select(rule_states)
        .where(rule_states.c.ruleset_id == ref.ruleset_id, rule_states.c.version == ref.version)
        .order_by(rule_states.c.step)
    )
    return tuple(
        StateChange(int(r.step), RuleStatus(r.state), r.actor, r.note, r.changed_at) for r in rows
    )


def _stored(conn: Connection, row: sa.Row[Any]) -> StoredVersion:
    ref = VersionRef(row.ruleset_id, row.version)
    return StoredVersion(
        ref=ref,
        content_hash=row.content_hash,
        effective_from=row.effective_from,
        effective_to=row.effective_to,
        author=row.author,
        note=row.note,
        published_at=row.published_at,
        source=row.source,
        git_commit=row.git_commit,
        git_dirty=row.git_dirty,
        history=_history(conn, ref),
    )


def _columns() -> list[sa.Column[Any]]:
    return [c for c in rule_versions.c if c.name != "canonical"]


def find_version(conn: Connection, ref: VersionRef) -> StoredVersion | None:
    """The stored version, or None."""
    if not tables_exist(conn):
        return None
    row = conn.execute(
        sa.select(*_columns()).where(
            rule_versions.c.ruleset_id == ref.ruleset_id, rule_versions.c.version == ref.version
        )
    ).first()
    return None if row is None else _stored(conn, row)


def find_by_hash(conn: Connection, content_hash: str) -> StoredVersion | None:
    """The stored version with this content hash, or None."""
    if not tables_exist(conn):
        return None
    row = conn.execute(
        sa.select(*_columns()).where(rule_versions.c.content_hash == content_hash)
    ).first()
    return None if row is None else _stored(conn, row)


def get_version(conn: Connection, ref: VersionRef) -> StoredVersion:
    """The stored version; a :class:`RegistryError` naming what exists when absent."""
    found = find_version(conn, ref)
    if found is not None:
        return found
    known = [str(v.ref) for v in list_versions(conn, ref.ruleset_id)]
    hint = f" (published: {', '.join(known)})" if known else " (see: appraisal rules log)"
    raise RegistryError(f"{ref} is not in the registry{hint}")


def list_versions(conn: Connection, ruleset_id: str | None = None) -> tuple[StoredVersion, ...]:
    """Every stored version (of one rule set), oldest publication first."""
    if not tables_exist(conn):
        return ()
    query = sa.select(*_columns()).order_by(
        rule_versions.c.published_at, rule_versions.c.ruleset_id, rule_versions.c.version
    )
    if ruleset_id is not None:
        query = query.where(rule_versions.c.ruleset_id == ruleset_id)
    return tuple(_stored(conn, row) for row in conn.execute(query).all())


def load_ruleset(conn: Connection, ref: VersionRef) -> RuleSet:
    """The rule set stored under ``ref``, after checking it still matches its hash."""
    stored = get_version(conn, ref)
    text = conn.execute(
        sa.select(rule_versions.c.canonical).where(
            rule_versions.c.ruleset_id == ref.ruleset_id, rule_versions.c.version == ref.version
        )
    ).scalar_one()
    if sha256_text(text) != stored.content_hash:
        raise RegistryError(
            f"{ref}: the stored rules no longer match their hash "
            f"{short_hash(stored.content_hash)}; the registry has been altered outside appraisal"
        )
    return ruleset_from_canonical(text)


def _now(now: datetime | None) -> datetime:
    instant = now or datetime.now(UTC)
    if instant.tzinfo is None:
        raise ValueError("naive datetime refused: give instants a time zone")
    return instant


def _add_state(
    conn: Connection,
    ref: VersionRef,
    step: int,
    state: RuleStatus,
    actor: str,
    note: str,
    at: datetime,
) -> None:
    conn.execute(
        sa.insert(rule_states).values(
            ruleset_id=ref.ruleset_id,
            version=ref.version,
            step=step,
            state=state.value,
            actor=actor,
            note=note,
            changed_at=at,
        )
    )


def _required(value: str, what: str) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise RegistryError(f"{what} must not be empty")
    return cleaned


def publish(
    conn: Connection,
    ruleset: RuleSet,
    *,
    author: str,
    note: str = "",
    source: str = "",
    git: GitState | None = None,
    now: datetime | None = None,
) -> PublishOutcome:
    """Store a rule set as a draft version; the same content again changes nothing.

    Raises :class:`ImmutableVersionError` when (id, version) is already published
    with other content: a published version never changes.
    """
    author = _required(author, "the author")
    ensure_tables(conn)
    text = ruleset_canonical(ruleset)
    digest = sha256_text(text)
    ref = VersionRef(ruleset.metadata.id, ruleset.metadata.version)
    existing = find_version(conn, ref)
    if existing is not None:
        if existing.content_hash == digest:
            return PublishOutcome(existing, created=False)
        raise ImmutableVersionError(
            f"{ref} is already published with different content "
            f"(sha256 {short_hash(existing.content_hash)}, this is {short_hash(digest)}); "
            "a published version is immutable — bump the version (metadata.version) "
            "and publish again"
        )
    clash = find_by_hash(conn, digest)
    if clash is not None:  # pragma: no cover - the version is part of the hashed content
        raise ImmutableVersionError(f"this content is already published as {clash.ref}")
    at = _now(now)
    conn.execute(
        sa.insert(rule_versions).values(
            ruleset_id=ref.ruleset_id,
            version=ref.version,
            content_hash=digest,
            canonical=text,
            effective_from=ruleset.metadata.effective_from,
            effective_to=ruleset.metadata.effective_to,
            author=author,
            note=note,
            published_at=at,
            source=source,
            git_commit=git.commit if git else None,
            git_dirty=git.dirty if git else None,
        )
    )
    _add_state(conn, ref, 1, RuleStatus.DRAFT, author, note, at)
    append_event(
        conn,
        EventKind.PUBLISH,
        author,
        {
            "ruleset_id": ref.ruleset_id,
            "version": ref.version,
            "content_hash": digest,
            "effective_from": ruleset.metadata.effective_from,
            "effective_to": ruleset.metadata.effective_to,
            "git_commit": git.commit if git else None,
            "git_dirty": git.dirty if git else None,
            "note": note,
        },
        subject=str(ref),
        now=at,
    )
    return PublishOutcome(get_version(conn, ref), created=True)


def _transition(
    conn: Connection,
    ref: VersionRef,
    state: RuleStatus,
    actor: str,
    note: str,
    now: datetime | None,
) -> StoredVersion:
    stored = get_version(conn, ref)
    at = _now(now)
    _add_state(conn, ref, len(stored.history) + 1, state, actor, note, at)
    kind = EventKind.APPROVE if state is RuleStatus.APPROVED else EventKind.RETIRE
    append_event(
        conn,
        kind,
        actor,
        {
            "ruleset_id": ref.ruleset_id,
            "version": ref.version,
            "content_hash": stored.content_hash,
            "state": state,
            "note": note,
        },
        subject=str(ref),
        now=at,
    )
    return get_version(conn, ref)


def approve(
    conn: Connection,
    ref: VersionRef,
    *,
    approver: str,
    note: str = "",
    now: datetime | None = None,
) -> StoredVersion:
    """Draft → approved, by someone other than the author (maker-checker)."""
    approver = _required(approver, "the approver")
    stored = get_version(conn, ref)
    if stored.state is RuleStatus.APPROVED:
        raise RegistryError(f"{ref} is already approved")
    if stored.state is RuleStatus.RETIRED:
        raise RegistryError(f"{ref} is retired and cannot be approved; publish a new version")
    if same_person(approver, stored.author):
        raise MakerCheckerError(
            f"{ref} was published by {stored.author}; it must be approved by someone else "
            "(maker-checker: the approver cannot be the author)"
        )
    load_ruleset(conn, ref)  # refuses to approve content that no longer matches its hash
    return _transition(conn, ref, RuleStatus.APPROVED, approver, note, now)


def retire(
    conn: Connection,
    ref: VersionRef,
    *,
    actor: str,
    note: str = "",
    now: datetime | None = None,
) -> StoredVersion:
    """Draft or approved → retired: the version no longer drives official runs."""
    actor = _required(actor, "who retires it")
    stored = get_version(conn, ref)
    if stored.state is RuleStatus.RETIRED:
        raise RegistryError(f"{ref} is already retired")
    return _transition(conn, ref, RuleStatus.RETIRED, actor, note, now)


def require_official(conn: Connection, ruleset_hash: str, period: Period) -> StoredVersion:
    """The approved version with this content, in force for the whole period.

    Raises :class:`NotOfficialError` saying why not: never published, not
    approved (yet, or any more), not effective for the period, or superseded by
    a later approved version of the same rule set that also covers it.
    """
    stored = find_by_hash(conn, ruleset_hash)
    if stored is None:
        raise NotOfficialError(
            f"these rules (sha256 {short_hash(ruleset_hash)}) are not in the registry; an "
            "official run needs an approved version (appraisal rules publish, then "
            "appraisal rules approve by someone else)"
        )
    if stored.state is not RuleStatus.APPROVED:
        raise NotOfficialError(
            f"{stored.ref} is {stored.state.value}; an official run needs an approved version "
            f"(appraisal rules approve {stored.ref} --approver NAME)"
        )
    if not stored.covers(period):
        until = stored.effective_to.isoformat() if stored.effective_to else "open-ended"
        raise NotOfficialError(
            f"{stored.ref} is effective {stored.effective_from.isoformat()} – {until}, "
            f"which does not cover {period.code} ({period.start.isoformat()} – "
            f"{_last_day(period).isoformat()})"
        )
    newer = [
        v
        for v in list_versions(conn, stored.ref.ruleset_id)
        if v.state is RuleStatus.APPROVED
        and v.covers(period)
        and v.effective_from > stored.effective_from
    ]
    if newer:
        raise NotOfficialError(
            f"{stored.ref} is superseded for {period.code} by {newer[-1].ref}, approved and "
            f"effective from {newer[-1].effective_from.isoformat()}"
        )
    return stored


def _last_day(period: Period) -> date:
    return date.fromordinal(period.end.toordinal() - 1)
