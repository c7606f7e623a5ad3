"""Files written whole or not at all: a report bundle, a results file.

:class:`FileBatch` stages files under hidden temporary names inside the
output folder (never outside it, never through a link), flushes them to disk
and renames them into place; :func:`write_atomically` does it for one file.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO


def inside(root: Path, relative: str) -> Path:
    """``root / relative``, refusing anything that would land outside ``root``."""
    base = root.resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(base) or target == base:
        raise ValueError(f"refusing to write outside the output folder: {relative!r}")
    return target


def write_atomically(path: Path, data: bytes) -> None:
    """One file, whole or not at all: temporary file, fsync, rename, fsync the folder."""
    with FileBatch(path.parent) as batch:
        batch.write_bytes(path.name, data)


@dataclass(frozen=True)
class WrittenFile:
    """A file of the bundle: its path relative to the output folder and its SHA-256."""

    path: str
    sha256: str
    size: int


SYNC_ONE_BY_ONE = 16
"""Up to this many files are flushed one by one; more are flushed with one ``sync``."""


class FileBatch:
    """Files written to temporary names, flushed to disk, then renamed into place.

    Nothing appears under its final name until :meth:`commit`; after a crash
    only hidden ``.*.tmp`` files can be left over.  Flushing thousands of
    files one by one costs seconds, so a large batch is flushed with a single
    ``os.sync()`` before the renames (each file is still complete on disk
    before its name points at it).  Used as a context manager it commits on
    success and removes its temporary files on error.
    """

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self._base = root.resolve()
        self._token = secrets.token_hex(4)
        self._folders: dict[str, Path] = {}
        self._pending: list[tuple[Path, Path]] = []
        self._known: dict[Path, tuple[str, int]] = {}

    def _folder(self, relative_folder: str) -> Path:
        """A folder of the bundle, created once and checked to lie inside the root."""
        found = self._folders.get(relative_folder)
        if found is None:
            found = self._base if not relative_folder else inside(self._base, relative_folder)
            found.mkdir(parents=True, exist_ok=True)
            if found.resolve() != found:
                raise ValueError(f"refusing to write through a link: {relative_folder!r}")
            self._folders[relative_folder] = found
        return found

    def _temporary(self, relative: str) -> tuple[Path, int]:
        folder, _, name = relative.rpartition("/")
        if not name or name in (".", "..") or "\\" in name or "\x00" in name:
            raise ValueError(f"refusing to write outside the output folder: {relative!r}")
        final = self._folder(folder) / name
        temporary = final.with_name(f".{name}.{self._token}.{len(self._pending)}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        handle = os.open(temporary, flags, 0o644)
        self._pending.append((temporary, final))
        return temporary, handle

    def write_bytes(self, relative: str, data: bytes) -> None:
        """Stage ``data`` as ``relative``."""
        path, handle = self._temporary(relative)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        self._known[path] = (hashlib.sha256(data).hexdigest(), len(data))

    def write_text(self, relative: str, text: str) -> None:
        """Stage UTF-8 text with ``\\n`` line ends."""
        self.write_bytes(relative, text.encode("utf-8"))

    @contextmanager
    def open(self, relative: str) -> Iterator[IO[bytes]]:
        """Stage a file written through a binary stream (for large tables)."""
        _path, handle = self._temporary(relative)
        with os.fdopen(handle, "wb") as out:
            yield out

    def staged_path(self, relative: str) -> Path:
        """Stage a file that a library writes by name (XlsxWriter); write it there."""
        path, handle = self._temporary(relative)
        os.close(handle)
        return path

    def _flush(self) -> None:
        if len(self._pending) > SYNC_ONE_BY_ONE and hasattr(os, "sync"):
            os.sync()
            return
        for temporary, _final in self._pending:
            with temporary.open("rb") as f:
                os.fsync(f.fileno())

    def commit(self) -> tuple[WrittenFile, ...]:
        """Flush, rename every staged file into place; what was written, by path."""
        self._flush()
        written = []
        folders: set[Path] = set()
        root = self._base
        for temporary, final in self._pending:
            digest, size = self._known.get(temporary) or _digest(temporary)
            os.replace(temporary, final)
            folders.add(final.parent)
            written.append(WrittenFile(final.relative_to(root).as_posix(), digest, size))
        self._pending = []
        self._known = {}
        for folder in sorted(folders):
            _fsync_folder(folder)
        return tuple(sorted(written, key=lambda w: w.path))

    def abort(self) -> None:
        """Remove every staged file."""
        for temporary, _final in self._pending:
            temporary.unlink(missing_ok=True)
        self._pending = []

    def __enter__(self) -> FileBatch:
        return self

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()


def _digest(path: Path) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def _fsync_folder(folder: Path) -> None:
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:  # platforms that cannot open folders (Windows)
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
