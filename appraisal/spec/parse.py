"""Rule files → a merged :class:`RuleSet`, or the issues saying why not.

Per file: read (size bounded first), load safely (:mod:`yaml_loader`), check the
structure against the JSON Schema (layer 1), then build the strict models
(layer 2).  Files named in ``include`` are loaded the same way and merged into
the root file's rule set.  Nothing here raises on a user's mistake; every issue
carries file, line, column and field path.  The semantic layer (3) runs on the
result in :mod:`appraisal.validation.validator`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from appraisal.errors import Issue, IssueLevel, SourceSpan
from appraisal.spec.models import RuleFile, RuleSet, Settings
from appraisal.spec.yaml_loader import MAX_BYTES, DocPath, LoadedDocument, load_yaml, render_path

MODEL_ERROR = "M001"
FILE_ERROR = "F001"
INCLUDE_ERROR = "F002"
MERGE_ERROR = "F003"

RULE_SUFFIXES = (".yaml", ".yml")
_LIST_SECTIONS = ("indicators", "targets", "tier_tables", "scorecards", "segmentations")
_TAGS = ("kind", "method", "condition")


@dataclass(frozen=True)
class SourceMap:
    """Maps a path in the merged rule set to the file and line it came from.

    List sections are concatenated across files, so ``("indicators", 7, "unit")``
    may live at ``("indicators", 2, "unit")`` of an included file.
    """

    root: LoadedDocument | None
    items: Mapping[tuple[str, int], tuple[LoadedDocument, int]] = field(default_factory=dict)

    def locate(self, path: DocPath) -> tuple[LoadedDocument | None, DocPath]:
        """The document and in-file path of a merged path."""
        if len(path) >= 2 and isinstance(path[0], str) and isinstance(path[1], int):
            found = self.items.get((path[0], path[1]))
            if found is not None:
                document, index = found
                return document, (path[0], index, *path[2:])
        return self.root, path

    def span(self, path: DocPath) -> SourceSpan | None:
        """Where a merged path is written (its nearest written ancestor)."""
        document, in_file = self.locate(path)
        return document.span(in_file) if document else None

    def key_span(self, path: DocPath) -> SourceSpan | None:
        """Where the key of a merged path is written."""
        document, in_file = self.locate(path)
        return document.key_span(in_file) if document else None

    def document(self, path: DocPath) -> LoadedDocument | None:
        """The document holding a merged path (for expression positions)."""
        return self.locate(path)[0]

    def in_file(self, path: DocPath) -> DocPath:
        """The in-file path of a merged path."""
        return self.locate(path)[1]


@dataclass(frozen=True)
class RuleSetBuildResult:
    """The outcome of parsing a rule set: the model (when it could be built) and issues."""

    ruleset: RuleSet | None
    issues: tuple[Issue, ...]
    sources: SourceMap
    files: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when a rule set was built without blocking issues."""
        return self.ruleset is not None and not any(
            i.level is IssueLevel.ERROR for i in self.issues
        )


@dataclass(frozen=True)
class _FileResult:
    document: LoadedDocument | None
    rule_file: RuleFile | None
    issues: tuple[Issue, ...]


def display_name(path: Path) -> str:
    """How a file is named in messages: relative to the current folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _file_issue(code: str, file: str, message: str, hint: str = "") -> Issue:
    return Issue(IssueLevel.ERROR, code, message, SourceSpan(file), "", hint)


def read_rule_text(path: Path, name: str) -> tuple[str | None, tuple[Issue, ...]]:
    """The text of a rule file, refusing huge or non-UTF-8 files before parsing."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            message = f"file is {size} bytes; rule files are limited to {MAX_BYTES}"
            return None, (_file_issue(FILE_ERROR, name, message),)
        raw = path.read_bytes()
    except OSError as exc:
        return None, (_file_issue(FILE_ERROR, name, f"cannot read file: {exc.strerror}"),)
    try:
        return raw.decode("utf-8-sig"), ()
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (byte {exc.start})"
        return None, (_file_issue(FILE_ERROR, name, message, "save the file as UTF-8"),)


def _layer_path(loc: Sequence[Any], data: Any) -> DocPath:
    """A pydantic error location as a document path (union tags and key markers dropped).

    For a tagged union pydantic inserts the tag (``aggregate``) right after the
    item; it is skipped once per level, even where a field has the same name.
    """
    path: list[str | int] = []
    node = data
    tag_skipped = False
    for part in loc:
        if part == "[key]":
            continue
        is_tag = isinstance(node, dict) and any(node.get(tag) == part for tag in _TAGS)
        if is_tag and not tag_skipped:
            tag_skipped = True
            continue
        tag_skipped = False
        path.append(part)
        node = node.get(part) if isinstance(node, dict) else _index(node, part)
    return tuple(path)


def _index(node: Any, part: Any) -> Any:
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def model_issues(exc: ValidationError, document: LoadedDocument) -> list[Issue]:
    """Pydantic errors as located issues."""
    issues = []
    for error in exc.errors(include_url=False):
        path = _layer_path(error["loc"], document.data)
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing":
            message = f"missing required key '{path[-1]}'"
            path = path[:-1]
        elif error["type"] == "extra_forbidden":
            message = f"unknown key '{path[-1]}'"
        issues.append(
            Issue(
                IssueLevel.ERROR,
                MODEL_ERROR,
                message,
                document.span(path),
                render_path(path),
            )
        )
    return issues


def _is_related(a: str, b: str) -> bool:
    return a == b or a.startswith((b + ".", b + "[")) or b.startswith((a + ".", a + "["))


def _without_repeats(earlier: Sequence[Issue], later: Iterable[Issue]) -> list[Issue]:
    """Later-layer issues about a field an earlier layer already reported are dropped."""
    seen = [i.path for i in earlier]
    spans = {(i.span.line, i.span.column) for i in earlier if i.span}
    kept = []
    for issue in later:
        where = (issue.span.line, issue.span.column) if issue.span else None
        if where in spans or any(_is_related(issue.path, p) for p in seen):
            continue
        kept.append(issue)
    return kept


def load_rule_file(path: Path, name: str | None = None) -> _FileResult:
    """Layers 0–2 for one file: safe load, JSON Schema, strict models."""
    from appraisal.validation.schema import check_document

    name = name or display_name(path)
    text, issues = read_rule_text(path, name)
    if text is None:
        return _FileResult(None, None, issues)
    document, load_issues = load_yaml(text, name)
    if document is None:
        return _FileResult(None, None, load_issues)
    schema_issues = _without_repeats(load_issues, check_document(document))
    earlier = [*load_issues, *schema_issues]
    try:
        rule_file = RuleFile.model_validate(document.data)
    except ValidationError as exc:
        later = _without_repeats(earlier, model_issues(exc, document))
        return _FileResult(document, None, (*earlier, *later))
    if earlier:
        return _FileResult(document, None, tuple(earlier))
    return _FileResult(document, rule_file, ())


@dataclass
class _Collector:
    """Accumulates files while following includes (each file once, no cycles)."""

    files: list[tuple[LoadedDocument, RuleFile]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    seen: set[Path] = field(default_factory=set)
    names: list[str] = field(default_factory=list)

    def visit(self, path: Path, name: str, chain: tuple[Path, ...]) -> None:
        resolved = path.resolve()
        if resolved in chain:
            return
        if resolved in self.seen:
            return
        self.seen.add(resolved)
        self.names.append(name)
        result = load_rule_file(path, name)
        self.issues.extend(result.issues)
        if result.document is None or result.rule_file is None:
            return
        self.files.append((result.document, result.rule_file))
        for index, include in enumerate(result.rule_file.include):
            self.follow(path, name, include, result.document, index, (*chain, resolved))

    def follow(
        self,
        path: Path,
        name: str,
        include: str,
        document: LoadedDocument,
        index: int,
        chain: tuple[Path, ...],
    ) -> None:
        base = path.parent.resolve()
        target = (base / include).resolve()
        where = ("include", index)
        problem = ""
        if not target.is_relative_to(base):
            problem = f"included file '{include}' is outside the folder of {name}"
        elif target in chain:
            problem = f"'{include}' includes itself (an include cycle)"
        elif not target.is_file():
            problem = f"included file '{include}' does not exist"
        if problem:
            self.issues.append(
                Issue(
                    IssueLevel.ERROR,
                    INCLUDE_ERROR,
                    problem,
                    document.span(where),
                    render_path(where),
                )
            )
            return
        child_name = (Path(name).parent / include).as_posix()
        self.visit(target, child_name, chain)


def _merge(
    files: Sequence[tuple[LoadedDocument, RuleFile]],
) -> tuple[dict[str, Any], SourceMap, list[Issue]]:
    root_doc = files[0][0]
    issues: list[Issue] = []
    for document, rule_file in files[1:]:
        for section in ("metadata", "settings"):
            if getattr(rule_file, section) is not None:
                issues.append(
                    Issue(
                        IssueLevel.ERROR,
                        MERGE_ERROR,
                        f"'{section}' belongs in the main rule file {root_doc.file}, "
                        "not in an included file",
                        document.key_span((section,)),
                        section,
                    )
                )
    items: dict[tuple[str, int], tuple[LoadedDocument, int]] = {}
    merged: dict[str, Any] = {}
    for section in _LIST_SECTIONS:
        values: list[Any] = []
        for document, rule_file in files:
            for index, item in enumerate(getattr(rule_file, section)):
                items[(section, len(values))] = (document, index)
                values.append(item)
        merged[section] = tuple(values)
    return merged, SourceMap(root_doc, items), issues


def parse_ruleset(path: Path) -> RuleSetBuildResult:
    """Layers 0–2 for a rule set rooted at ``path``, includes merged; never raises."""
    collector = _Collector()
    name = display_name(path)
    if not path.is_file():
        issue = _file_issue(FILE_ERROR, name, "no such rule file")
        return RuleSetBuildResult(None, (issue,), SourceMap(None), (name,))
    collector.visit(path, name, ())
    names = tuple(collector.names)
    if collector.issues or not collector.files:
        first = collector.files[0][0] if collector.files else None
        return RuleSetBuildResult(None, tuple(collector.issues), SourceMap(first), names)
    merged, sources, issues = _merge(collector.files)
    root_doc, root = collector.files[0]
    if root.metadata is None:
        issues.append(
            Issue(
                IssueLevel.ERROR,
                "S002",
                "missing required key 'metadata' (a rule set needs an id, title, version, "
                "owner and effective date)",
                root_doc.span(()),
                "",
            )
        )
    if issues or root.metadata is None:
        return RuleSetBuildResult(None, tuple(issues), sources, names)
    ruleset = RuleSet(
        schema_version=root.schema_version,
        metadata=root.metadata,
        settings=root.settings or Settings(),
        **merged,
    )
    return RuleSetBuildResult(ruleset, (), sources, names)


def expand_paths(paths: Iterable[Path]) -> tuple[Path, ...]:
    """Rule set roots: each file as given; each folder's ``*.yaml``/``*.yml`` files (sorted).

    Sub-folders are not searched: they hold files included by the rule sets.
    """
    roots: list[Path] = []
    for path in paths:
        if path.is_dir():
            roots.extend(
                sorted(p for p in path.iterdir() if p.suffix in RULE_SUFFIXES and p.is_file())
            )
        else:
            roots.append(path)
    return tuple(roots)
