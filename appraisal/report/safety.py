"""Safe output for hostile names: spreadsheet cells and file names.

Names in the data (people, clients, teams) are typed by users and may be
anything: ``=HYPERLINK(...)``, ``../../etc/passwd``, ``CON``, right-to-left
overrides.  HTML escaping is the templates' job (autoescape); this module
covers the rest:

* :func:`neutralise_cell` stops a spreadsheet from reading text as a formula;
* :func:`safe_stem` turns an id (or a name) into a file name that stays in its
  folder on every operating system.

Files are written whole or not at all by :mod:`appraisal.files`.
"""

from __future__ import annotations

import hashlib
import unicodedata

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make Excel, LibreOffice or Sheets evaluate a cell."""

RESERVED_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{n}" for n in (*"123456789", "¹", "²", "³")}
    | {f"LPT{n}" for n in (*"123456789", "¹", "²", "³")}
)
"""Device names Windows refuses as file names, with or without an extension."""

MAX_STEM_BYTES = 80
"""File name stems are cut to this many UTF-8 bytes (file systems allow 255)."""

_KEPT_PUNCTUATION = frozenset("-_.")


def neutralise_cell(text: str) -> str:
    """Text a spreadsheet shows as typed: a leading formula character gets a ``'``."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _kept(char: str) -> bool:
    if char in _KEPT_PUNCTUATION:
        return True
    category = unicodedata.category(char)
    return category[0] == "L" or category == "Nd"


def _cut(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore")


def safe_stem(text: str, fallback: str = "item") -> str:
    """A file name stem for ``text``: letters, digits, ``-``, ``_`` and ``.`` only.

    NFC-normalised; anything else (separators, controls, bidi overrides,
    combining marks, spaces) becomes ``_``; no leading or trailing dots; Windows
    device names get a ``_`` in front; at most :data:`MAX_STEM_BYTES` bytes.
    When anything had to change, a short hash of the original is appended so
    two different ids never share a file.
    """
    original = unicodedata.normalize("NFC", text)
    chars = [c if _kept(c) else "_" for c in original]
    stem = "".join(chars)
    while "__" in stem:
        stem = stem.replace("__", "_")
    stem = stem.strip("._") or fallback
    if stem.split(".")[0].upper() in RESERVED_NAMES:
        stem = "_" + stem
    suffix = ""
    if stem != original or len(stem.encode("utf-8")) > MAX_STEM_BYTES:
        suffix = "-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return _cut(stem, MAX_STEM_BYTES - len(suffix)).rstrip("._") + suffix


class UniqueNames:
    """Hands out stems that differ even on case-insensitive file systems."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def claim(self, text: str, fallback: str = "item") -> str:
        """A safe stem for ``text`` not handed out before."""
        stem = safe_stem(text, fallback)
        candidate, n = stem, 1
        while candidate.casefold() in self._used:
            n += 1
            candidate = f"{stem}-{n}"
        self._used.add(candidate.casefold())
        return candidate
