"""Jinja2 environments: built-in templates, and user templates in a sandbox.

* Every environment uses ``StrictUndefined``: a misspelt variable is an
  error, never a blank.
* HTML templates are autoescaped everywhere, attributes included.
* Markdown templates escape every printed value for Markdown (``\\*``,
  ``\\|``, ``\\<``...) and fold line breaks, so a name cannot start a list,
  break a table or inject HTML.  ``|link`` URL-quotes a path for a link.
* User templates (``--templates DIR``) override built-in ones by file name and
  run in an ``ImmutableSandboxedEnvironment``; their errors are reported as
  user errors naming the file and line, and their output is capped in size.

Templates get ``t`` (the labels of the language), ``run`` (the run) and the
page's view; nothing else, and no clock: the run's timestamp is in ``run``.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any, assert_never
from urllib.parse import quote

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
)
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from appraisal.errors import UserError
from appraisal.resources import resource_dir

MAX_USER_OUTPUT = 20_000_000
"""Characters a user template may produce for one page."""

_MARKDOWN_SPECIAL = frozenset("\\`*_[]<>|#~!")


class PageFormat(StrEnum):
    """Formats rendered from templates."""

    HTML = "html"
    MARKDOWN = "md"


class Raw(str):
    """Text the Markdown escaper leaves alone (only produced by ``|link``)."""

    __slots__ = ()


_MARKDOWN_TABLE = {ord(c): "\\" + c for c in _MARKDOWN_SPECIAL} | {
    ord("&"): "&amp;",
    ord("\n"): " ",
    ord("\r"): " ",
}


def markdown_escape(value: Any) -> str:
    """Printed text made inert in Markdown: specials backslash-escaped, ``&`` as an
    entity, line breaks folded into spaces."""
    if isinstance(value, Raw):
        return value
    return ("" if value is None else str(value)).translate(_MARKDOWN_TABLE)


def link(path: Any) -> Raw:
    """A relative path URL-quoted for a Markdown link (only ``A-Za-z0-9_.-~/%`` remain)."""
    return Raw(quote(str(path), safe="/%"))


def builtin_dir() -> Path:
    """The built-in templates folder."""
    return resource_dir("templates")


def _configure(env: Environment) -> Environment:
    env.filters["link"] = link
    return env


def _options(page_format: PageFormat) -> dict[str, Any]:
    common: dict[str, Any] = {
        "undefined": StrictUndefined,
        "keep_trailing_newline": True,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "auto_reload": False,
    }
    match page_format:
        case PageFormat.HTML:
            return common | {"autoescape": True}
        case PageFormat.MARKDOWN:
            return common | {"autoescape": False, "finalize": markdown_escape}
        case _:
            assert_never(page_format)


def _loader(user_dir: Path | None) -> BaseLoader:
    builtin = FileSystemLoader(str(builtin_dir()), encoding="utf-8")
    if user_dir is None:
        return builtin
    return ChoiceLoader([FileSystemLoader(str(user_dir), encoding="utf-8"), builtin])


class Renderer:
    """Renders pages of one format from built-in or user templates."""

    def __init__(self, page_format: PageFormat, user_dir: Path | None = None) -> None:
        self.page_format = page_format
        self.user_dir = user_dir.resolve() if user_dir is not None else None
        factory: Callable[..., Environment] = (
            Environment if user_dir is None else ImmutableSandboxedEnvironment
        )
        self.env = _configure(factory(loader=_loader(self.user_dir), **_options(page_format)))

    def render(self, template: str, context: dict[str, Any]) -> str:
        """The page ``template`` rendered with ``context``."""
        if self.user_dir is None:
            return self.env.get_template(template).render(context)
        try:
            text = self.env.get_template(template).render(context)
        except (TemplateError, SecurityError) as exc:
            raise UserError(self._where(exc, template)) from exc
        if len(text) > MAX_USER_OUTPUT:
            raise UserError(
                f"template {template} produced more than {MAX_USER_OUTPUT:,} characters "
                "for one page; is there a runaway loop?"
            )
        return text

    def _where(self, exc: Exception, template: str) -> str:
        line = getattr(exc, "lineno", None)
        name = getattr(exc, "filename", None) or getattr(exc, "name", None)
        if line is None:
            for frame in reversed(traceback.extract_tb(exc.__traceback__)):
                if frame.filename.endswith((".html", ".md", ".css", ".svg", ".txt")):
                    name, line = frame.filename, frame.lineno
                    break
        where = Path(name).name if name else template
        location = f"{where}:{line}" if line else where
        message = getattr(exc, "message", None) or str(exc)
        return f"template {location}: {message}"
