"""What git knows about rule files: the commit they are at, and their past versions.

Git is run as a subprocess with a fixed argument list (never a shell); paths
and revisions are passed after checks, so a revision can never be read as an
option.  Without git, or outside a work tree, the functions say so by
returning ``None`` rather than failing: recording the commit is a courtesy.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from appraisal.errors import UserError

TIMEOUT_SECONDS = 20
MAX_FILES = 200
MAX_FILE_BYTES = 2_000_000
_REVISION = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./~^@{}+-]{0,199}$")


@dataclass(frozen=True)
class GitState:
    """The commit a set of files is at, and whether any of them has local changes."""

    commit: str
    dirty: bool


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run(
            ["git", "-C", str(cwd), *args],
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def _folder(path: Path) -> Path:
    return path if path.is_dir() else path.parent


def git_state(paths: tuple[Path, ...]) -> GitState | None:
    """HEAD of the work tree holding ``paths``, and whether they differ from it.

    ``None`` when git is not installed or the files are not in a work tree.
    """
    if not paths:
        return None
    folder = _folder(paths[0].resolve())
    head = _git(folder, "rev-parse", "--verify", "HEAD")
    if head is None or head.returncode != 0:
        return None
    names = [str(p.resolve()) for p in paths]
    status = _git(folder, "status", "--porcelain", "--untracked-files=all", "--", *names)
    dirty = status is None or status.returncode != 0 or bool(status.stdout.strip())
    return GitState(head.stdout.decode("ascii", "replace").strip(), dirty)


def check_revision(revision: str) -> str:
    """A revision safe to hand to git (no leading dash, no spaces or colons)."""
    if not _REVISION.match(revision):
        raise UserError(
            f"'{revision}' is not a git revision (expected e.g. HEAD~1, main, v1.2, a commit hash)"
        )
    return revision


def _repo_root(folder: Path) -> Path:
    result = _git(folder, "rev-parse", "--show-toplevel")
    if result is None or result.returncode != 0:
        raise UserError(f"{folder} is not inside a git work tree")
    return Path(result.stdout.decode("utf-8").strip())


def _tree_files(root: Path, revision: str, folder: str) -> list[str]:
    result = _git(root, "ls-tree", "-r", "--name-only", "-z", revision, "--", folder or ".")
    if result is None or result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip() if result else "git not found"
        raise UserError(f"git cannot read revision '{revision}': {detail}")
    return [n for n in result.stdout.decode("utf-8").split("\0") if n]


def _blob(root: Path, revision: str, name: str) -> bytes:
    result = _git(root, "show", f"{revision}:{name}")
    if result is None or result.returncode != 0:
        raise UserError(f"git cannot show {name} at '{revision}'")
    return result.stdout


def materialise(revision: str, path: Path, into: Path) -> Path:
    """Write the rule files of ``path``'s folder at ``revision`` under ``into``.

    Returns where ``path`` itself now is under ``into``.  The whole folder is
    written because a rule file may include its neighbours and sub-folders.
    """
    check_revision(revision)
    absolute = (Path.cwd() / path).resolve() if not path.is_absolute() else path
    anchor = absolute if absolute.is_dir() else absolute.parent
    existing = next((p for p in (anchor, *anchor.parents) if p.is_dir()), Path.cwd())
    root = _repo_root(existing)
    relative = PurePosixPath(absolute.relative_to(root).as_posix())
    is_file_path = absolute.suffix in (".yaml", ".yml")
    folder = relative.parent if is_file_path else relative
    names = _tree_files(root, revision, str(folder) if str(folder) != "." else "")
    if not names:
        raise UserError(f"'{relative}' does not exist at git revision '{revision}'")
    if len(names) > MAX_FILES:
        raise UserError(f"'{folder}' holds more than {MAX_FILES} files at '{revision}'")
    for name in names:
        if not name.endswith((".yaml", ".yml", ".csv", ".xlsx")):
            continue
        content = _blob(root, revision, name)
        if len(content) > MAX_FILE_BYTES:
            raise UserError(f"{name} at '{revision}' is larger than {MAX_FILE_BYTES} bytes")
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return into / relative.as_posix()
