"""Expressions evaluated per row or per subject with the shared Decimal interpreter.

Filters and measures run :func:`appraisal.expr.evaluate` on one row at a time.
Formulas need one thing the interpreter does not offer: a division by zero has
the indicator's declared meaning (``on_zero_denominator``) instead of null.  So
every ``/`` of a formula is evaluated here, innermost first, and replaced by a
placeholder name bound to its result before the interpreter runs the rest.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal, localcontext

from appraisal.expr import ExprParams, TypedExpr, evaluate
from appraisal.expr.ast import Arith, ArithOp, Expr, Name
from appraisal.expr.evaluate import DECIMAL_CONTEXT
from appraisal.spec.enums import Missing

from .data import Dataset, Row

PLACEHOLDER = "__quotient_"


def row_env(typed: TypedExpr, dataset: Dataset, entity: str, row: Row) -> dict[str, object]:
    """The values of every name an expression uses, read from one row (dotted names followed)."""
    return {".".join(path): dataset.follow(entity, row, path) for path in typed.references}


def eval_row(
    typed: TypedExpr, dataset: Dataset, entity: str, row: Row, params: ExprParams
) -> object:
    """An expression's value for one row of ``entity``."""
    return evaluate(typed, row_env(typed, dataset, entity, row), params)


def divide(a: Decimal, b: Decimal) -> Decimal:
    """a / b in the interpreter's 38-digit context."""
    with localcontext(DECIMAL_CONTEXT):
        return a / b


def eval_formula(
    typed: TypedExpr,
    env: Mapping[str, Decimal | None],
    on_zero_denominator: Missing,
    params: ExprParams,
) -> object:
    """A formula's value; each ``x / 0`` gives 0 (``zero``) or null (``not_applicable``)."""
    bound: dict[str, object] = dict(env)

    def rewrite(node: Expr) -> Expr:
        changes: dict[str, object] = {}
        for field in dataclasses.fields(node):  # type: ignore[arg-type]
            value = getattr(node, field.name)
            if _is_expr(value):
                changes[field.name] = rewrite(value)
            elif isinstance(value, tuple) and value and all(_is_node(v) for v in value):
                changes[field.name] = tuple(rewrite_any(v) for v in value)
        rebuilt = dataclasses.replace(node, **changes) if changes else node  # type: ignore[type-var]
        if isinstance(rebuilt, Arith) and rebuilt.op is ArithOp.DIV:
            left = evaluate(_wrap(rebuilt.left), bound, params)
            right = evaluate(_wrap(rebuilt.right), bound, params)
            quotient: Decimal | None
            if left is None or right is None:
                quotient = None
            else:
                assert isinstance(left, Decimal) and isinstance(right, Decimal)
                if right == 0:
                    quotient = Decimal(0) if on_zero_denominator is Missing.ZERO else None
                else:
                    quotient = divide(left, right)
            name = f"{PLACEHOLDER}{len(bound)}"
            bound[name] = quotient
            return Name((name,), type=rebuilt.type)
        return rebuilt

    def rewrite_any(value: object) -> object:
        if _is_expr(value):
            return rewrite(value)  # type: ignore[arg-type]
        if _is_node(value):  # a When of a Case: rewrite its condition and value
            changes = {
                f.name: rewrite(getattr(value, f.name))
                for f in dataclasses.fields(value)  # type: ignore[arg-type]
                if _is_expr(getattr(value, f.name))
            }
            return dataclasses.replace(value, **changes)  # type: ignore[type-var]
        return value

    tree = rewrite(typed.expr)
    return evaluate(dataclasses.replace(typed, expr=tree), bound, params)


def _wrap(expr: Expr) -> TypedExpr:
    assert expr.type is not None
    return TypedExpr(expr, expr.type, frozenset())


def _is_node(value: object) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def _is_expr(value: object) -> bool:
    return _is_node(value) and hasattr(value, "type") and hasattr(value, "span")
