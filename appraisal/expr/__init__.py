"""The expression language for indicator filters and formulas.

A small typed language of our own: parsed by a grammar into frozen tree nodes,
type-checked against a scope, compiled to SQLAlchemy Core or evaluated with
Decimal arithmetic.  Never ``eval``, never SQL built from strings.

Typical use::

    tree = parse("amount > 1000 and customer.segment in ('VIP', 'KA')")
    result = check(tree, EntityScope("orders"), expect=ExprType.BOOLEAN)
    if result.typed is not None:
        condition = to_sql(result.typed, resolve, ExprParams(period=...))
"""

from __future__ import annotations

from appraisal.expr.ast import Expr, Span, references
from appraisal.expr.checker import CheckResult, TypedExpr, check
from appraisal.expr.diagnostics import ExpressionError, ExprLocation, relocate
from appraisal.expr.evaluate import EvaluationError, Value, evaluate
from appraisal.expr.params import ExprParams
from appraisal.expr.parser import MAX_DEPTH, MAX_LENGTH, parse, parse_with_issues
from appraisal.expr.render import render
from appraisal.expr.scope import EntityScope, MappingScope
from appraisal.expr.sql import PERIOD_PARAMETERS, Resolver, to_sql
from appraisal.expr.types import ExprType, NameBinding, Scope

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "PERIOD_PARAMETERS",
    "CheckResult",
    "EntityScope",
    "EvaluationError",
    "Expr",
    "ExprLocation",
    "ExprParams",
    "ExprType",
    "ExpressionError",
    "MappingScope",
    "NameBinding",
    "Resolver",
    "Scope",
    "Span",
    "TypedExpr",
    "Value",
    "check",
    "evaluate",
    "parse",
    "parse_with_issues",
    "references",
    "relocate",
    "render",
    "to_sql",
]
