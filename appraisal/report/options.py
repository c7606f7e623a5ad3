"""What a report is asked for: formats, language, audience, viewer, templates, pages."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from appraisal.report.audience import Audience
from appraisal.spec.enums import Language

DEFAULT_CLIENT_PAGES = 200
"""Client scorecards rendered by default (award winners, then clients with actions)."""


class OutputFormat(StrEnum):
    """Formats a bundle can hold."""

    HTML = "html"
    MD = "md"
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


ALL_FORMATS = tuple(OutputFormat)


@dataclass(frozen=True)
class ReportOptions:
    """What to produce and for whom."""

    formats: tuple[OutputFormat, ...] = ALL_FORMATS
    language: Language | None = None
    """Default: the rule set's language."""
    audience: Audience = Audience.HR
    subject: str | None = None
    """The viewer's staff id (person and manager audiences)."""
    templates: Path | None = None
    client_pages: int | None = DEFAULT_CLIENT_PAGES
    """At most this many client scorecards; None: every client in scope."""
