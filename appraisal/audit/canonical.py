"""Canonical form and content hash of a rule set.

Two rule sets that mean the same thing must hash the same, whatever their
formatting, key order, comments or spelling of expressions.  The canonical form
is the normalised model (every default filled in, includes merged) as plain
JSON data:

* numbers are ``Decimal`` written as normalised strings, so ``20``, ``20.0``
  and ``2E+1`` are all ``"20"`` (never a float);
* dates are ISO strings, enums their YAML words, tuples lists;
* every expression is replaced by its canonical rendering
  (:func:`appraisal.expr.render`), so ``status <> 'x'`` equals ``status != 'x'``.

The text is ``json.dumps`` with sorted keys, fixed separators and
``allow_nan=False``; the hash is SHA-256 of its UTF-8 bytes.  The same text
loads back into an equal :class:`RuleSet` (:func:`ruleset_from_canonical`).
"""

from __future__ import annotations

import hashlib
import json
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Context, Decimal
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from appraisal.expr import parse_with_issues
from appraisal.expr.render import render
from appraisal.spec.expressions import expression_sites
from appraisal.spec.models import RuleSet

HASH_LENGTH = 64
SHORT_HASH = 12
_TAGS = ("kind", "method", "condition")


def decimal_text(value: Decimal) -> str:
    """A decimal as normalised text: ``20.0`` → ``20``, ``0.850`` → ``0.85``, ``-0`` → ``0``."""
    if value.is_zero():
        return "0"
    exact = Context(prec=max(len(value.as_tuple().digits), 1))  # normalising never rounds
    return format(value.normalize(exact), "f")


def canonical_value(value: Any) -> Any:
    """Plain JSON data for ``value``: Decimals as normalised text, dates ISO, enums words."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, Enum):
        return canonical_value(value.value)
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime refused in canonical data")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return canonical_value(value.model_dump(mode="python"))
    if isinstance(value, Mapping):
        return {str(k): canonical_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical_value(v) for v in value]
    raise TypeError(f"no canonical form for {type(value).__name__}")


def canonical_json(data: Any) -> str:
    """Canonical JSON text of plain data (sorted keys, no spaces, no NaN)."""
    return json.dumps(
        canonical_value(data),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def sha256_text(text: str) -> str:
    """Hex SHA-256 of a text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def short_hash(digest: str) -> str:
    """The first 12 hex digits, as shown to people."""
    return digest[:SHORT_HASH]


def _set_path(data: Any, path: tuple[str | int, ...], value: str) -> None:
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def ruleset_document(ruleset: RuleSet) -> dict[str, Any]:
    """The canonical data of a rule set, expressions in canonical spelling."""
    data: dict[str, Any] = canonical_value(ruleset)
    for site in expression_sites(ruleset):
        tree, _issues = parse_with_issues(site.text)
        if tree is not None:  # an unparsable one is kept verbatim; validation reports it
            _set_path(data, site.path, render(tree))
    return data


def ruleset_canonical(ruleset: RuleSet) -> str:
    """The canonical JSON text of a rule set."""
    return canonical_json(ruleset_document(ruleset))


def content_hash(ruleset: RuleSet) -> str:
    """SHA-256 of the canonical JSON: equal for rule sets that mean the same."""
    return sha256_text(ruleset_canonical(ruleset))


# ── loading the canonical form back ───────────────────────────────────────────


def _model_for(
    candidates: tuple[type[BaseModel], ...], value: Mapping[str, Any]
) -> type[BaseModel]:
    """The member of a tagged union whose tag (kind/method/condition) matches."""
    for model in candidates:
        for tag in _TAGS:
            field = model.model_fields.get(tag)
            if field is None or get_origin(field.annotation) is not Literal:
                continue
            if value.get(tag) in get_args(field.annotation):
                return model
    return candidates[0]


def _revive_union(args: tuple[Any, ...], value: Any) -> Any:
    if value is None:
        return None
    options = [a for a in args if a is not type(None)]
    models = tuple(a for a in options if isinstance(a, type) and issubclass(a, BaseModel))
    if models and isinstance(value, Mapping):
        return _revive(_model_for(models, value), value)
    return _revive(options[0], value) if len(options) == 1 else value


def _revive(annotation: Any, value: Any) -> Any:
    """Turn canonical JSON data back into what the model's validators accept.

    Only numbers need it: a ``Decimal`` field reads its normalised text back.
    """
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _revive(get_args(annotation)[0], value)
    if origin in (Union, types.UnionType):
        return _revive_union(get_args(annotation), value)
    if annotation is Decimal:
        return Decimal(value) if isinstance(value, str) else value
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if not isinstance(value, Mapping):
            return value
        fields = annotation.model_fields
        return {k: _revive(fields[k].annotation, v) if k in fields else v for k, v in value.items()}
    if origin is tuple and isinstance(value, list):
        item = get_args(annotation)[0]
        return tuple(_revive(item, v) for v in value)
    if origin is dict and isinstance(value, Mapping):
        item = get_args(annotation)[1]
        return {k: _revive(item, v) for k, v in value.items()}
    return value


def ruleset_from_canonical(text: str) -> RuleSet:
    """The rule set stored as canonical JSON (see :func:`ruleset_canonical`)."""
    return RuleSet.model_validate(_revive(RuleSet, json.loads(text)))
