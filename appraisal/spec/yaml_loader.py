"""Safe, position-aware YAML loading for rule files.

Rule files are plain data.  Before anything is constructed the text is checked
for size and nesting depth, and its event stream for anchors, aliases, explicit
tags and extra documents, all of which are refused.  Scalars resolve by the YAML
1.2 core rules only (``yes``/``no``/``on``/``off`` stay text, ``007`` stays text,
``2026-07-01`` stays text), numbers with a fraction become ``Decimal``, and
``.nan``/``.inf`` are refused.  Mapping keys are always the text as written and
duplicates are errors.

Alongside the data the loader returns a side table from each path, e.g.
``("indicators", 2, "weight")``, to the :class:`SourceSpan` of its value (and of
its key), so every later layer can point at the exact line and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from appraisal.errors import Issue, IssueLevel, SourceSpan

PathPart = str | int
DocPath = tuple[PathPart, ...]

MAX_BYTES = 1_000_000
MAX_DEPTH = 32

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_NONFINITE = "tag:appraisal:nonfinite"


class RuleLoader(yaml.SafeLoader):
    """SafeLoader whose implicit types are YAML 1.2 core, minus non-finite floats."""


# Own resolvers only: none of YAML 1.1's yes/no/on/off booleans, octals, sexagesimals
# or timestamps.
RuleLoader.yaml_implicit_resolvers = {}


RuleLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
RuleLoader.add_implicit_resolver(
    _INT, re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
RuleLoader.add_implicit_resolver(
    _FLOAT,
    re.compile(r"^[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)
RuleLoader.add_implicit_resolver(
    _NONFINITE,
    re.compile(r"^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+."),
)
RuleLoader.add_implicit_resolver(_NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])


@dataclass(frozen=True)
class ScalarInfo:
    """How a scalar was written: enough to map an offset in its text to the file."""

    style: str  # "" plain, "'" or '"' quoted, "|" or ">" block
    line: int  # 1-based line of the scalar's first character (the quote, or the indicator)
    column: int  # 1-based column of that character
    raw: str  # the exact source text of the scalar node


@dataclass(frozen=True)
class LoadedDocument:
    """A YAML document as plain data, with the location of every value and key."""

    file: str
    data: Any
    spans: Mapping[DocPath, SourceSpan]
    key_spans: Mapping[DocPath, SourceSpan]
    scalars: Mapping[DocPath, ScalarInfo]

    def span(self, path: DocPath) -> SourceSpan:
        """The span of ``path``, or of its nearest ancestor that exists."""
        for end in range(len(path), -1, -1):
            found = self.spans.get(path[:end])
            if found is not None:
                return found
        return SourceSpan(self.file, 1, 1)

    def key_span(self, path: DocPath) -> SourceSpan:
        """The span of the key naming ``path`` (falls back to the value's span)."""
        return self.key_spans.get(path) or self.span(path)

    def position(self, path: DocPath, offset: int) -> tuple[int, int]:
        """File line and column (1-based) of character ``offset`` inside a scalar's value."""
        info = self.scalars.get(path)
        if info is None:
            span = self.span(path)
            return span.line, span.column
        return scalar_position(info, offset)


def scalar_position(info: ScalarInfo, offset: int) -> tuple[int, int]:
    """Map an offset within a scalar's value to a file position, by its style."""
    if info.style in ("", "'", '"'):
        start = 1 if info.style else 0
        lines = info.raw.split("\n")
        if len(lines) == 1:
            return info.line, info.column + start + offset
        return info.line, info.column + start  # folded multi-line flow scalar: first line
    # Block scalar: content starts on the next line; find the offset's content line.
    body = info.raw.split("\n")[1:]
    indent = min((len(x) - len(x.lstrip(" ")) for x in body if x.strip()), default=0)
    remaining = offset
    for number, source_line in enumerate(body, start=1):
        content = source_line[indent:]
        if remaining <= len(content):
            return info.line + number, indent + remaining + 1
        remaining -= len(content) + 1
    return info.line, info.column


def _issue(file: str, code: str, message: str, line: int, column: int, hint: str = "") -> Issue:
    return Issue(IssueLevel.ERROR, code, message, SourceSpan(file, line, column), "", hint)


def _mark_issue(file: str, code: str, message: str, mark: Any, hint: str = "") -> Issue:
    line = mark.line + 1 if mark is not None else 1
    column = mark.column + 1 if mark is not None else 1
    return _issue(file, code, message, line, column, hint)


def _prescan(text: str, file: str) -> tuple[list[Any], list[Issue]]:
    """Read the event stream once; refuse anchors, aliases, tags, extra documents, deep nesting."""
    issues: list[Issue] = []
    events: list[Any] = []
    depth = 0
    documents = 0
    try:
        for event in yaml.parse(text, Loader=RuleLoader):
            events.append(event)
            mark = event.start_mark
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents == 2:
                    issues.append(
                        _mark_issue(
                            file,
                            "Y005",
                            "a rule file holds exactly one YAML document",
                            mark,
                            "remove the '---' separator or split the file",
                        )
                    )
            elif isinstance(event, yaml.AliasEvent):
                issues.append(
                    _mark_issue(
                        file,
                        "Y003",
                        f"aliases (*{event.anchor}) are not allowed in rule files",
                        mark,
                        "write the value out in full",
                    )
                )
            elif isinstance(event, yaml.NodeEvent):
                if event.anchor is not None:
                    issues.append(
                        _mark_issue(
                            file,
                            "Y003",
                            f"anchors (&{event.anchor}) are not allowed in rule files",
                            mark,
                            "write the value out in full",
                        )
                    )
                tag = getattr(event, "tag", None)
                if tag is not None and tag != "!":
                    shown = tag.replace("tag:yaml.org,2002:", "!!")
                    issues.append(
                        _mark_issue(
                            file,
                            "Y004",
                            f"tags ({shown}) are not allowed in rule files",
                            mark,
                            "remove the tag; quote the value if it must be text",
                        )
                    )
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
                    if depth > MAX_DEPTH:
                        issues.append(
                            _mark_issue(
                                file, "Y007", f"nesting deeper than {MAX_DEPTH} levels", mark
                            )
                        )
                        return events, issues
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        issues.append(_syntax_issue(file, exc))
    return events, issues


class _Replay(Composer, BaseResolver):
    """Composes nodes from already-checked events, resolving scalars like RuleLoader."""

    def __init__(self, events: list[Any]) -> None:
        Composer.__init__(self)
        BaseResolver.__init__(self)
        self.yaml_implicit_resolvers = RuleLoader.yaml_implicit_resolvers
        self._events = events
        self._position = 0

    def check_event(self, *choices: Any) -> bool:
        if self._position >= len(self._events):
            return False
        return not choices or isinstance(self._events[self._position], choices)

    def peek_event(self) -> Any:
        return self._events[self._position]

    def get_event(self) -> Any:
        event = self._events[self._position]
        self._position += 1
        return event


_PLAIN_WORDS: tuple[tuple[str, str, str], ...] = (
    (
        "expected <block end>",
        "this line is indented differently from the lines around it",
        "indent keys of the same mapping by the same number of spaces",
    ),
    (
        "mapping values are not allowed here",
        "a ': ' where no key is expected",
        "quote text that contains ': ', or start a new line for a nested mapping",
    ),
    (
        "found character '\\t' that cannot start any token",
        "a tab character; YAML is indented with spaces only",
        "replace tabs with spaces",
    ),
    ("could not find expected ':'", "a key without ':'", "write key: value"),
    ("found unexpected end of stream", "a quote or bracket is not closed", "close it"),
    (
        "expected ',' or '}'",
        "a '{...}' mapping is not closed properly",
        'quote values that contain commas, e.g. en: "A, B"',
    ),
)


def _syntax_issue(file: str, exc: yaml.MarkedYAMLError) -> Issue:
    problem = exc.problem or "invalid YAML"
    mark = exc.problem_mark or exc.context_mark
    for needle, words, hint in _PLAIN_WORDS:
        if needle in problem:
            return _mark_issue(file, "Y001", f"YAML syntax error: {words}", mark, hint)
    context = f" {exc.context}" if exc.context else ""
    return _mark_issue(file, "Y001", f"YAML syntax error: {problem}{context}", mark)


class _Builder:
    """Turns a composed node tree into plain data, recording spans by path."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        self.spans: dict[DocPath, SourceSpan] = {}
        self.key_spans: dict[DocPath, SourceSpan] = {}
        self.scalars: dict[DocPath, ScalarInfo] = {}
        self.issues: list[Issue] = []

    def span_of(self, node: Node) -> SourceSpan:
        return SourceSpan(
            self.file, node.start_mark.line + 1, node.start_mark.column + 1, node.end_mark.line + 1
        )

    def build(self, node: Node, path: DocPath) -> Any:
        self.spans[path] = self.span_of(node)
        if isinstance(node, MappingNode):
            return self.mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        self.scalars[path] = ScalarInfo(
            style=node.style or "",
            line=node.start_mark.line + 1,
            column=node.start_mark.column + 1,
            raw=self.text[node.start_mark.index : node.end_mark.index],
        )
        return self.scalar(node)

    def scalar(self, node: ScalarNode) -> Any:
        value: str = node.value
        if node.style:  # quoted or block: always text
            return value
        match node.tag:
            case "tag:yaml.org,2002:null":
                return None
            case "tag:yaml.org,2002:bool":
                return value.lower() == "true"
            case "tag:yaml.org,2002:int":
                return int(value)
            case "tag:yaml.org,2002:float":
                return Decimal(value)
            case "tag:appraisal:nonfinite":
                self.issues.append(
                    _mark_issue(
                        self.file,
                        "Y008",
                        f"{value} is not a number the rules accept (no NaN or infinity)",
                        node.start_mark,
                        "write a finite number, or leave the field out",
                    )
                )
                return None
            case _:
                return value

    def mapping(self, node: MappingNode, path: DocPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, SourceSpan] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.issues.append(
                    _mark_issue(
                        self.file, "Y009", "mapping keys must be plain names", key_node.start_mark
                    )
                )
                continue
            key = str(key_node.value)
            key_span = self.span_of(key_node)
            if key in first_seen:
                earlier = first_seen[key]
                self.issues.append(
                    Issue(
                        IssueLevel.ERROR,
                        "Y002",
                        f"duplicate key '{key}' (first defined at line {earlier.line})",
                        key_span,
                        _render_path((*path, key)),
                        "remove one of them; YAML would silently keep only the last",
                    )
                )
                continue
            first_seen[key] = key_span
            self.key_spans[(*path, key)] = key_span
            result[key] = self.build(value_node, (*path, key))
        return result


def _render_path(path: DocPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


render_path = _render_path


def load_yaml(text: str, file: str) -> tuple[LoadedDocument | None, tuple[Issue, ...]]:
    """Parse one rule file's text; never raises on bad input, returns issues instead."""
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        return None, (
            _issue(
                file, "Y006", f"file is {size} bytes; rule files are limited to {MAX_BYTES}", 1, 0
            ),
        )
    events, issues = _prescan(text, file)
    if issues:
        return None, tuple(issues)
    try:
        node = _Replay(events).get_single_node()
    except yaml.MarkedYAMLError as exc:
        return None, (_syntax_issue(file, exc),)
    if node is None:
        return None, (_issue(file, "Y010", "the file is empty; expected a rule set mapping", 1, 0),)
    builder = _Builder(file, text)
    data = builder.build(node, ())
    if not isinstance(data, dict):
        builder.issues.append(
            _issue(
                file,
                "Y010",
                "the file must be a mapping of sections (schema_version, indicators, ...)",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        )
        return None, tuple(builder.issues)
    # Duplicate keys and non-finite numbers are reported, yet the rest of the file is
    # still checked so that every mistake is reported at once.
    document = LoadedDocument(file, data, builder.spans, builder.key_spans, builder.scalars)
    return document, tuple(builder.issues)


def iter_paths(data: Any, path: DocPath = ()) -> Iterator[DocPath]:
    """Every path of a loaded document, depth first (used by tests and the schema layer)."""
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from iter_paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from iter_paths(value, (*path, index))
