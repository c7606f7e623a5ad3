"""Validated, all-or-nothing import of CSV, XLSX and JSON Lines into the built-in tables.

Use :func:`import_files`; it returns an :class:`ImportReport` and writes
rejected rows, with every reason, to quarantine files next to the inputs.
"""

from __future__ import annotations

from appraisal.importing.api import ProgressCallback, check_timezone, import_files
from appraisal.importing.report import (
    Counts,
    EntityReport,
    ImportProgress,
    ImportReport,
    SourceReport,
)

__all__ = [
    "Counts",
    "EntityReport",
    "ImportProgress",
    "ImportReport",
    "ProgressCallback",
    "SourceReport",
    "check_timezone",
    "import_files",
]
