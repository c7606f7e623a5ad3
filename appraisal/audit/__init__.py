"""Versioned rules, approval and audit.

The rule registry (publish → approve → retire, maker-checker), the hash-chained
audit log, canonical hashing of rule sets and the semantic diff between two
rule sets.
"""

from __future__ import annotations

from appraisal.audit.audit_log import (
    AuditRecord,
    EventKind,
    VerifyReport,
    append_event,
    read_log,
    verify_log,
)
from appraisal.audit.canonical import content_hash, ruleset_canonical, ruleset_from_canonical
from appraisal.audit.registry import (
    ImmutableVersionError,
    MakerCheckerError,
    NotOfficialError,
    RegistryError,
    StoredVersion,
    VersionRef,
    approve,
    load_ruleset,
    publish,
    require_official,
    retire,
)

__all__ = [
    "AuditRecord",
    "EventKind",
    "ImmutableVersionError",
    "MakerCheckerError",
    "NotOfficialError",
    "RegistryError",
    "StoredVersion",
    "VerifyReport",
    "VersionRef",
    "append_event",
    "approve",
    "content_hash",
    "load_ruleset",
    "publish",
    "read_log",
    "require_official",
    "retire",
    "ruleset_canonical",
    "ruleset_from_canonical",
    "verify_log",
]
