"""The expression language for indicator filters and formulas.

A small typed language of our own: parsed by a grammar into frozen tree nodes,
type-checked against a scope, compiled to SQLAlchemy Core or evaluated with
Decimal arithmetic.  Never ``eval``, never SQL built from strings.
"""

from __future__ import annotations

from appraisal.expr.ast import Expr, Span, references
from appraisal.expr.diagnostics import ExpressionError, ExprLocation, relocate
from appraisal.expr.parser import MAX_DEPTH, MAX_LENGTH, parse, parse_with_issues
from appraisal.expr.types import ExprType, NameBinding, Scope

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "Expr",
    "ExprLocation",
    "ExprType",
    "ExpressionError",
    "NameBinding",
    "Scope",
    "Span",
    "parse",
    "parse_with_issues",
    "references",
    "relocate",
]
