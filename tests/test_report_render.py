"""Template environments: escaping, StrictUndefined, and sandboxed user templates."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from jinja2 import UndefinedError

from appraisal.errors import UserError
from appraisal.report import render
from appraisal.report.render import PageFormat, Renderer, link, markdown_escape
from appraisal.resources import resource_dir


def test_markdown_escape_makes_text_inert() -> None:
    assert markdown_escape("a|b *c* _d_ [x](y) <script> & #h ~s~ `c` !") == (
        "a\\|b \\*c\\* \\_d\\_ \\[x\\](y) \\<script\\> &amp; \\#h \\~s\\~ \\`c\\` \\!"
    )
    assert markdown_escape("line\nbreak\r\nand\rmore") == "line break  and more"
    assert markdown_escape(None) == ""
    assert markdown_escape(12) == "12"


def test_link_quotes_paths_for_markdown() -> None:
    assert link("rep/王 芳).md") == "rep/%E7%8E%8B%20%E8%8A%B3%29.md"
    assert markdown_escape(link("a_b/c.md")) == "a_b/c.md"


def test_builtin_templates_never_mark_data_safe() -> None:
    for path in resource_dir("templates").iterdir():
        text = path.read_text(encoding="utf-8")
        for banned in ("|safe", "| safe", "Markup", "autoescape false", "{% raw", "<script"):
            assert banned not in text, (path.name, banned)
        assert not re.search(r"\bon[a-z]+\s*=", text), path.name  # no event handlers


def test_html_autoescapes_text_and_attributes(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text('<a title="{{ name }}">{{ name }}</a>', encoding="utf-8")
    html = Renderer(PageFormat.HTML, tmp_path).render("page.html", {"name": '"><script>x'})
    assert html == '<a title="&#34;&gt;&lt;script&gt;x">&#34;&gt;&lt;script&gt;x</a>'


def test_markdown_escapes_every_printed_value(tmp_path: Path) -> None:
    (tmp_path / "page.md").write_text("| {{ name }} |\n", encoding="utf-8")
    text = Renderer(PageFormat.MARKDOWN, tmp_path).render("page.md", {"name": "a|b\n<i>"})
    assert text == "| a\\|b \\<i\\> |\n"


def test_builtin_undefined_variables_are_errors() -> None:
    with pytest.raises(UndefinedError):
        Renderer(PageFormat.HTML).render("index.html", {"t": {}, "run": {}, "index": {}})


def _user(tmp_path: Path, template: str, text: str, **context: Any) -> str:
    (tmp_path / template).write_text(text, encoding="utf-8")
    page_format = PageFormat.HTML if template.endswith(".html") else PageFormat.MARKDOWN
    return Renderer(page_format, tmp_path).render(template, context)


def test_user_template_errors_name_the_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        _user(tmp_path, "scorecard.html", "<h1>\n{{ card.nam }}</h1>\n", card={"name": "x"})
    assert str(caught.value) == "template scorecard.html:2: 'dict object' has no attribute 'nam'"
    with pytest.raises(UserError) as caught:
        _user(tmp_path, "index.md", "{% for x in %}\n")
    assert str(caught.value).startswith("template index.md:1: ")


def test_user_templates_are_sandboxed(tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        _user(tmp_path, "a.html", "{{ name.__class__.__mro__ }}", name="x")
    assert "__class__" in str(caught.value) and "unsafe" in str(caught.value)
    with pytest.raises(UserError) as caught:
        _user(tmp_path, "b.html", "{{ items.append(1) }}", items=[])
    assert str(caught.value).startswith("template b.html:1: ")
    assert "unsafe" in str(caught.value) or "not safely callable" in str(caught.value)


def test_user_templates_override_by_name_and_fall_back_to_builtin(tmp_path: Path) -> None:
    (tmp_path / "style.css").write_text("body { color: red; }\n", encoding="utf-8")
    renderer = Renderer(PageFormat.HTML, tmp_path)
    assert renderer.env.get_template("style.css").render() == "body { color: red; }\n"
    builtin = (resource_dir("templates") / "base.html").read_text(encoding="utf-8")
    assert renderer.env.loader is not None
    source, _name, _uptodate = renderer.env.loader.get_source(renderer.env, "base.html")
    assert source == builtin


def test_runaway_user_output_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "MAX_USER_OUTPUT", 1000)
    with pytest.raises(UserError) as caught:
        _user(tmp_path, "big.md", "{% for i in range(200) %}xxxxxxxxxx{% endfor %}")
    assert str(caught.value) == (
        "template big.md produced more than 1,000 characters for one page; is there a runaway loop?"
    )
