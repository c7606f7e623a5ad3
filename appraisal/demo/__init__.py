"""Deterministic, realistic demo CRM data for the demo workspace, tests and benchmarks.

``generate(scale, seed, end)`` returns one typed Arrow table per entity of the
data model; ``write_files(tables, directory, fmt)`` writes them as the CSV or
JSON Lines files that ``appraisal import`` reads.  See docs/demo-data.md.
"""

from __future__ import annotations

from appraisal.demo.generator import DEFAULT_END, DEFAULT_SEED, Volumes, generate
from appraisal.demo.writer import FORMATS, Format, write_files

__all__ = ["DEFAULT_END", "DEFAULT_SEED", "FORMATS", "Format", "Volumes", "generate", "write_files"]
