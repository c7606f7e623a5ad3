"""HTML pages: self-contained (inline CSS, inline SVG, no scripts, no external files),
autoescaped, with a print stylesheet that lays each scorecard out on A4."""

from __future__ import annotations

from pathlib import Path

from appraisal.report.render import PageFormat, Renderer

EXTENSION = ".html"


def html_renderer(user_dir: Path | None) -> Renderer:
    """The HTML renderer (user templates sandboxed when given)."""
    return Renderer(PageFormat.HTML, user_dir)
