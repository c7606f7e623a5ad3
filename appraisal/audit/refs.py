"""Where a rule set comes from: a file, a folder, the registry or a git revision.

Commands that compare rule sets (diff, impact) accept any of:

* a rule file or a folder of rule files (each root file is a rule set);
* ``ID@VERSION``: a version stored in the registry;
* ``git:REV:PATH``: a file or folder as it was at a git revision.

Each resolves to the rule sets it holds, by id.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from sqlalchemy.engine import Connection

from appraisal.audit.gitinfo import materialise
from appraisal.audit.registry import VersionRef, load_ruleset
from appraisal.errors import IssueLevel, IssuesError, UserError
from appraisal.spec.models import RuleSet
from appraisal.spec.parse import expand_paths, parse_ruleset

GIT_PREFIX = "git:"

ConnectionFactory = Callable[[], Connection]


def load_path(path: Path) -> dict[str, RuleSet]:
    """The rule sets of a file or folder, by id; raises listing any parse errors."""
    if not path.exists():
        raise UserError(f"no such file or folder: {path}")
    roots = expand_paths((path,))
    if not roots:
        raise UserError(f"no rule files (*.yaml, *.yml) in {path}")
    found: dict[str, RuleSet] = {}
    for root in roots:
        build = parse_ruleset(root)
        errors = [i for i in build.issues if i.level is IssueLevel.ERROR]
        if build.ruleset is None or errors:
            raise IssuesError(errors)
        ident = build.ruleset.metadata.id
        if ident in found:
            raise UserError(f"{path} holds rule set '{ident}' twice (second: {root})")
        found[ident] = build.ruleset
    return found


def _load_git(spec: str) -> dict[str, RuleSet]:
    revision, colon, rest = spec[len(GIT_PREFIX) :].partition(":")
    if not colon or not revision or not rest:
        raise UserError(f"'{spec}' is not a git reference: expected git:REVISION:PATH")
    with tempfile.TemporaryDirectory(prefix="appraisal-git-") as folder:
        where = materialise(revision, Path(rest), Path(folder))
        return load_path(where)


def is_registry_ref(spec: str) -> bool:
    """``ID@VERSION`` that is not an existing path."""
    return "@" in spec and not Path(spec).exists() and not spec.startswith(GIT_PREFIX)


def resolve(spec: str, connection: ConnectionFactory | None = None) -> Mapping[str, RuleSet]:
    """The rule sets ``spec`` names (see the module docstring), by id."""
    if spec.startswith(GIT_PREFIX):
        return _load_git(spec)
    if is_registry_ref(spec):
        ref = VersionRef.parse(spec)
        if connection is None:
            raise UserError(f"'{spec}' names a registry version, but no database is available")
        ruleset = load_ruleset(connection(), ref)
        return {ruleset.metadata.id: ruleset}
    return load_path(Path(spec))
