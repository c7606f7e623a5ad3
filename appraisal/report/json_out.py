"""The bundle's views as one JSON document, streamed page by page.

Keys of each view are sorted and the separators fixed, so the same run gives
the same bytes; each scorecard is one line.  The document is ``{"run": ...,
"summaries": [...], "scorecards": [...], "index": ...}``; custom templates
receive exactly these objects.
"""

from __future__ import annotations

import dataclasses
import json
from functools import cache
from typing import IO, Any


@cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


def _fields(value: Any) -> dict[str, Any]:
    """The fields of a view object (the JSON encoder recurses into them)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: getattr(value, name) for name in _field_names(type(value))}
    raise TypeError(f"{type(value).__name__} is not a view")


def dumps(value: Any) -> str:
    """Canonical JSON text of a view: sorted keys, no spaces, UTF-8 text as is."""
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_fields
    )


class JsonStream:
    """Writes the document part by part into a binary file."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.cards = 0

    def _write(self, text: str) -> None:
        self.out.write(text.encode("utf-8"))

    def start(self, run: Any, summaries: Any) -> None:
        """The run and the summaries; scorecards follow."""
        self._write('{\n"run": ' + dumps(run) + ',\n"summaries": ' + dumps(summaries))
        self._write(',\n"scorecards": [')

    def card(self, view: Any) -> None:
        """One scorecard page's view."""
        self._write(("\n" if self.cards == 0 else ",\n") + dumps(view))
        self.cards += 1

    def finish(self, index: Any) -> None:
        """The index, and the end of the document."""
        self._write('\n],\n"index": ' + dumps(index) + "\n}\n")
