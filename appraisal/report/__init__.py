"""Reports: a stored run rendered as scorecards, summaries and tables.

Stages, one module each::

    source (read the run) → audience (what may be shown) → views, summary, tables
    (plain data, formatted for the language) → render (Jinja2) → html, markdown,
    csv_out, xlsx, json_out → bundle (files, manifest, audit record)

``write_report(engine, run, out_dir, ReportOptions(...), actor=...)`` does all
of it (imported on first use, so importing a single stage stays light).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Audience", "OutputFormat", "ReportOptions", "ReportOutcome", "write_report"]

if TYPE_CHECKING:
    from appraisal.report.audience import Audience
    from appraisal.report.bundle import OutputFormat, ReportOptions, ReportOutcome, write_report


def __getattr__(name: str) -> Any:
    if name == "Audience":
        from appraisal.report.audience import Audience

        return Audience
    if name in ("OutputFormat", "ReportOptions", "ReportOutcome", "write_report"):
        from appraisal.report import bundle

        return getattr(bundle, name)
    raise AttributeError(f"module 'appraisal.report' has no attribute {name!r}")
