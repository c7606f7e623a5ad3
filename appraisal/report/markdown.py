"""Markdown pages: the same content as the HTML, as GitHub-flavoured Markdown tables,
every value escaped for Markdown."""

from __future__ import annotations

from pathlib import Path

from appraisal.report.render import PageFormat, Renderer

EXTENSION = ".md"


def markdown_renderer(user_dir: Path | None) -> Renderer:
    """The Markdown renderer (user templates sandboxed when given)."""
    return Renderer(PageFormat.MARKDOWN, user_dir)
