"""Semantic diff: what a change of rules *means*, not how the files differ.

Both sides are compared in canonical form (:mod:`appraisal.audit.canonical`):
defaults filled in, numbers normalised (``20`` equals ``20.0``), expressions in
canonical spelling, comments and formatting gone.  Lists of items with an id
(indicators, scorecards, sections, items, tiers, incentives...) are matched by
that id, so reordering them is not a change; other lists (score bands,
commission brackets) are compared position by position.

A change names where it is, as people read it
(``scorecard account_manager › quantitative › sales_amount``), the field
(``weight``) and the values before and after, as canonical data.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from appraisal.audit.canonical import content_hash, ruleset_document
from appraisal.spec.models import RuleSet

_SECTIONS: tuple[tuple[str, str], ...] = (
    ("schema_version", "rule set"),
    ("metadata", "metadata"),
    ("settings", "settings"),
    ("indicators", "indicator"),
    ("targets", "target"),
    ("tier_tables", "tier table"),
    ("scorecards", "scorecard"),
    ("segmentations", "segmentation"),
)
"""Top-level parts in reading order, with the word naming one item of each."""

_ITEM_WORDS: Mapping[str, str] = {
    "sections": "",
    "items": "",
    "gates": "gate",
    "incentives": "incentive",
    "improvement": "improvement",
    "bands": "tier",
    "segments": "segment",
    "overrides": "override",
    "changelog": "changelog",
}
"""How a keyed item inside a part is named; empty: by its id alone."""

_KEYS: tuple[tuple[str, ...], ...] = (
    ("id",),
    ("code",),
    ("indicator",),
    ("subject", "period"),
    ("version",),
)
"""Fields that identify the items of a list, tried in order (must be unique)."""

_UNORDERED = frozenset({"roles", "eligible_tiers", "tiers"})
"""Lists of words whose order carries no meaning."""

_ORDER_MATTERS = frozenset({"segments"})
"""Keyed lists whose order is meaning: segments are tried in order, first match wins."""


class ChangeKind(StrEnum):
    """Whether something appeared, disappeared or changed value."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class Change:
    """One change of meaning between two rule sets."""

    where: tuple[str, ...]
    """The item changed, outermost first: ``("scorecard am", "quantitative", "sales")``."""
    field: str
    """The field within the item (dotted, ``[i]`` for positions); empty: the whole item."""
    kind: ChangeKind
    before: Any
    after: Any


@dataclass(frozen=True)
class RuleSetDiff:
    """The changes between two versions of one rule set (either side may be absent)."""

    ruleset_id: str
    old_version: str | None
    new_version: str | None
    old_hash: str | None
    new_hash: str | None
    changes: tuple[Change, ...]

    @property
    def status(self) -> str:
        """``added``, ``removed``, ``changed`` or ``unchanged``."""
        if self.old_hash is None:
            return "added"
        if self.new_hash is None:
            return "removed"
        return "changed" if self.changes else "unchanged"


@dataclass(frozen=True)
class DiffReport:
    """Every rule set of both sides, paired by id."""

    old_label: str
    new_label: str
    rulesets: tuple[RuleSetDiff, ...]

    @property
    def has_changes(self) -> bool:
        """True when anything differs in meaning."""
        return any(d.status != "unchanged" for d in self.rulesets)


def _unique_by(items: Sequence[Any], key: tuple[str, ...]) -> bool:
    if not all(isinstance(i, Mapping) and all(k in i for k in key) for i in items):
        return False
    values = [repr(tuple(i[k] for k in key)) for i in items]
    return len(set(values)) == len(values)


def _key_of(old: Sequence[Any], new: Sequence[Any]) -> tuple[str, ...] | None:
    """The identifying fields of two lists' items, or None (compare by position)."""
    if not old and not new:
        return None
    return next((k for k in _KEYS if _unique_by(old, k) and _unique_by(new, k)), None)


def _order_change(
    old: list[Any], new: list[Any], key: tuple[str, ...], where: tuple[str, ...], field: str
) -> Iterator[Change]:
    """The order of the items both sides have, when it differs."""
    before = [" ".join(str(i[k]) for k in key) for i in old]
    after = [" ".join(str(i[k]) for k in key) for i in new]
    common = set(before) & set(after)
    kept_before = [x for x in before if x in common]
    kept_after = [x for x in after if x in common]
    if kept_before != kept_after:
        yield Change(where, f"{field} order", ChangeKind.CHANGED, kept_before, kept_after)


def _label(item: Mapping[str, Any], key: tuple[str, ...], word: str) -> str:
    parts = [str(item[k]) for k in key if item[k] is not None]
    text = " ".join(parts)
    return f"{word} {text}" if word else text


def _join(field: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{field}[{name}]"
    return f"{field}.{name}" if field else name


class _Differ:
    """Walks two canonical documents and yields the changes."""

    def node(self, old: Any, new: Any, where: tuple[str, ...], field: str) -> Iterator[Change]:
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            yield from self.mapping(old, new, where, field)
        elif isinstance(old, list) and isinstance(new, list):
            yield from self.sequence(old, new, where, field)
        elif old != new:
            yield Change(where, field, ChangeKind.CHANGED, old, new)

    def mapping(
        self, old: Mapping[str, Any], new: Mapping[str, Any], where: tuple[str, ...], field: str
    ) -> Iterator[Change]:
        names = [*new, *(k for k in old if k not in new)]
        for name in names:
            yield from self.node(old.get(name), new.get(name), where, _join(field, name))

    def sequence(
        self, old: list[Any], new: list[Any], where: tuple[str, ...], field: str
    ) -> Iterator[Change]:
        name = field.rsplit(".", 1)[-1]
        key = _key_of(old, new)
        if key is not None:
            yield from self.keyed(old, new, key, where, _ITEM_WORDS.get(name, name))
            if name in _ORDER_MATTERS:
                yield from _order_change(old, new, key, where, field)
        elif name in _UNORDERED and all(isinstance(v, str) for v in old + new):
            if sorted(old) != sorted(new):
                yield Change(where, field, ChangeKind.CHANGED, sorted(old), sorted(new))
        elif len(old) == len(new) and all(isinstance(v, Mapping) for v in old + new):
            for index, (a, b) in enumerate(zip(old, new, strict=True)):
                yield from self.node(a, b, where, _join(field, index))
        elif old != new:
            yield Change(where, field, ChangeKind.CHANGED, old, new)

    def keyed(
        self,
        old: list[Any],
        new: list[Any],
        key: tuple[str, ...],
        where: tuple[str, ...],
        word: str,
    ) -> Iterator[Change]:
        before = {tuple(i[k] for k in key): i for i in old}
        after = {tuple(i[k] for k in key): i for i in new}
        for ident, item in after.items():
            place = (*where, _label(item, key, word))
            if ident not in before:
                yield Change(place, "", ChangeKind.ADDED, None, item)
            else:
                yield from self.node(before[ident], item, place, "")
        for ident, item in before.items():
            if ident not in after:
                yield Change((*where, _label(item, key, word)), "", ChangeKind.REMOVED, item, None)


def diff_documents(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[Change, ...]:
    """The changes between two canonical rule-set documents, in reading order."""
    differ = _Differ()
    changes: list[Change] = []
    for section, word in _SECTIONS:
        a, b = old.get(section), new.get(section)
        if isinstance(a, list) and isinstance(b, list):
            key = _key_of(a, b)
            if key is not None:
                changes.extend(differ.keyed(a, b, key, (), word))
                continue
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            changes.extend(differ.mapping(a, b, (word,), ""))
            continue
        changes.extend(differ.node(a, b, (word,), section if section == "schema_version" else ""))
    return tuple(changes)


def diff_rulesets(old: RuleSet, new: RuleSet) -> RuleSetDiff:
    """The changes of meaning from ``old`` to ``new``."""
    return RuleSetDiff(
        ruleset_id=new.metadata.id,
        old_version=old.metadata.version,
        new_version=new.metadata.version,
        old_hash=content_hash(old),
        new_hash=content_hash(new),
        changes=diff_documents(ruleset_document(old), ruleset_document(new)),
    )


def _one_sided(ruleset: RuleSet, added: bool) -> RuleSetDiff:
    digest = content_hash(ruleset)
    version = ruleset.metadata.version
    return RuleSetDiff(
        ruleset_id=ruleset.metadata.id,
        old_version=None if added else version,
        new_version=version if added else None,
        old_hash=None if added else digest,
        new_hash=digest if added else None,
        changes=(),
    )


def diff_sides(
    old: Mapping[str, RuleSet], new: Mapping[str, RuleSet], old_label: str, new_label: str
) -> DiffReport:
    """Pair rule sets by id; one on each side with different ids are compared anyway."""
    if len(old) == 1 and len(new) == 1 and set(old) != set(new):
        (a,), (b,) = old.values(), new.values()
        return DiffReport(old_label, new_label, (diff_rulesets(a, b),))
    pairs: list[RuleSetDiff] = []
    for ident in sorted(set(old) | set(new)):
        if ident not in old:
            pairs.append(_one_sided(new[ident], added=True))
        elif ident not in new:
            pairs.append(_one_sided(old[ident], added=False))
        else:
            pairs.append(diff_rulesets(old[ident], new[ident]))
    return DiffReport(old_label, new_label, tuple(pairs))
