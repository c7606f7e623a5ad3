"""Type checking and name resolution.

``check`` walks the tree once, resolves every name through a :class:`Scope`,
infers a type for every node and returns a copy of the tree with ``type`` set
on each node.  Problems become issues located inside the expression; a node
whose type could not be determined is typed ``None`` internally so one mistake
is reported once, not again by every enclosing node.
Unitless constants adapt to their context (see :mod:`appraisal.expr.rules`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from appraisal.errors import Issue
from appraisal.expr import diagnostics as d
from appraisal.expr.ast import (
    Arith,
    Between,
    BoolLit,
    Call,
    Case,
    CmpOp,
    Compare,
    DateLit,
    Expr,
    InList,
    InstantLit,
    IsNull,
    Logic,
    Name,
    NullLit,
    NumberLit,
    Span,
    StringLit,
    Unary,
    UnaryOp,
    When,
)
from appraisal.expr.functions import check_call
from appraisal.expr.render import render
from appraisal.expr.rules import (
    adapt,
    arith_problem,
    arith_type,
    comparison_hint,
    describe,
    phrases,
    retype,
    unify,
)
from appraisal.expr.types import NUMERIC, PERIOD_NAMES, ExprType, NameBinding, Scope

T = ExprType


@dataclass(frozen=True)
class TypedExpr:
    """A checked expression: the annotated tree, its type and what it depends on."""

    expr: Expr
    type: ExprType
    references: frozenset[tuple[str, ...]]
    uses_period: bool = False


@dataclass(frozen=True)
class CheckResult:
    """The outcome of :func:`check`: a typed expression, or the issues that prevent one.

    ``references`` is filled even when there are issues, so a dependency graph
    between indicators can still be drawn (and cycles reported) for broken rules.
    """

    typed: TypedExpr | None
    issues: tuple[Issue, ...]
    references: frozenset[tuple[str, ...]]

    @property
    def ok(self) -> bool:
        """True when the expression type-checked without errors."""
        return self.typed is not None


def check(
    expr: Expr,
    scope: Scope,
    *,
    expect: ExprType | Iterable[ExprType] | None = None,
) -> CheckResult:
    """Resolve names and infer types; ``expect`` lists the acceptable result types.

    A filter passes ``expect=ExprType.BOOLEAN``; a formula over indicators passes
    the numeric types it accepts.
    """
    checker = Checker(scope)
    node, kind = checker.infer(expr)
    if kind is not None and expect is not None:
        wanted = frozenset({expect}) if isinstance(expect, ExprType) else frozenset(expect)
        node, kind = checker.expect_result(node, kind, wanted)
    refs = frozenset(checker.references)
    if checker.issues or kind is None:
        return CheckResult(None, tuple(sorted(checker.issues, key=Issue.sort_key)), refs)
    return CheckResult(TypedExpr(node, kind, refs, checker.uses_period), (), refs)


class Checker:
    """One pass over a tree; collects issues, references and period use."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.issues: list[Issue] = []
        self.references: set[tuple[str, ...]] = set()
        self.bindings: dict[tuple[str, ...], NameBinding] = {}
        self.uses_period = False

    # --- reporting ------------------------------------------------------------------

    def error(self, code: str, message: str, span: Span, hint: str = "") -> None:
        """Record an issue."""
        self.issues.append(d.expr_issue(code, message, span, hint))

    # --- dispatch -------------------------------------------------------------------

    def infer(self, node: Expr) -> tuple[Expr, ExprType | None]:  # noqa: C901
        """The annotated node and its type (None after a reported error)."""
        match node:
            case NumberLit(value=value, percent=percent):
                integral = not percent and _exponent(value) >= 0
                return self.typed(node, T.INTEGER if integral else T.NUMBER)
            case StringLit():
                return self.typed(node, T.TEXT)
            case BoolLit():
                return self.typed(node, T.BOOLEAN)
            case NullLit():
                return self.typed(node, T.NULL)
            case DateLit():
                return self.typed(node, T.DATE)
            case InstantLit():
                return self.typed(node, T.INSTANT)
            case Name():
                return self.name(node)
            case Unary():
                return self.unary(node)
            case Arith():
                return self.arith(node)
            case Logic():
                return self.logic(node)
            case Compare():
                return self.compare(node)
            case InList():
                return self.in_list(node)
            case Between():
                return self.between(node)
            case IsNull():
                operand, _ = self.infer(node.operand)
                return self.typed(replace(node, operand=operand), T.BOOLEAN)
            case Call():
                return check_call(self, node)
            case Case():
                return self.case(node)

    @staticmethod
    def typed(node: Expr, kind: ExprType | None) -> tuple[Expr, ExprType | None]:
        """The node annotated with its type."""
        return replace(node, type=kind), kind

    # --- names ----------------------------------------------------------------------

    def name(self, node: Name) -> tuple[Expr, ExprType | None]:
        """Period names are built in; everything else comes from the scope."""
        if len(node.path) == 1 and node.path[0] in PERIOD_NAMES:
            self.uses_period = True
            return self.typed(node, T.DATE)
        self.references.add(node.path)
        binding = self.scope.resolve(node.path)
        if binding is None:
            self.error(
                d.UNKNOWN_NAME,
                f"unknown name '{node.dotted}'",
                node.span,
                self.did_you_mean(node.path),
            )
            return self.typed(node, None)
        self.bindings[node.path] = binding
        return self.typed(node, binding.type)

    def did_you_mean(self, path: tuple[str, ...]) -> str:
        """A hint naming the closest known names."""
        known = sorted({".".join(p) for p in self.scope.suggestions(path)})
        close = closest(".".join(path), known)
        if close:
            return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
        if known and len(known) <= 12:
            return "known names: " + ", ".join(known)
        return ""

    # --- operators ------------------------------------------------------------------

    def unary(self, node: Unary) -> tuple[Expr, ExprType | None]:
        """``-x`` keeps a numeric or money type; ``not x`` needs a condition."""
        operand, kind = self.infer(node.operand)
        rebuilt = replace(node, operand=operand)
        if kind is None:
            return self.typed(rebuilt, None)
        if node.op is UnaryOp.NOT:
            if kind in (T.BOOLEAN, T.NULL):
                return self.typed(replace(rebuilt, operand=retype(operand, T.BOOLEAN)), T.BOOLEAN)
            self.not_boolean("'not'", operand, kind)
            return self.typed(rebuilt, None)
        if kind in NUMERIC or kind is T.MONEY:
            return self.typed(rebuilt, kind)
        if kind is T.NULL:
            return self.typed(rebuilt, T.NULL)
        self.error(d.OPERAND_TYPES, f"cannot negate {describe(operand, kind)}", node.span, "")
        return self.typed(rebuilt, None)

    def logic(self, node: Logic) -> tuple[Expr, ExprType | None]:
        """``and``/``or`` take conditions on both sides."""
        left, lk = self.infer(node.left)
        right, rk = self.infer(node.right)
        ok = True
        for side, kind in ((left, lk), (right, rk)):
            if kind is not None and kind not in (T.BOOLEAN, T.NULL):
                self.not_boolean(f"'{node.op.value}'", side, kind)
                ok = False
        rebuilt = replace(node, left=retype(left, T.BOOLEAN), right=retype(right, T.BOOLEAN))
        return self.typed(rebuilt, T.BOOLEAN if ok and lk and rk else None)

    def not_boolean(self, what: str, operand: Expr, kind: ExprType) -> None:
        """Report a non-condition where a condition is needed."""
        hint = "compare it with something, e.g. amount > 0, or test it with 'is null'"
        self.error(
            d.NOT_BOOLEAN,
            f"{what} needs a condition (true/false), but got {describe(operand, kind)}",
            operand.span,
            hint,
        )

    def arith(self, node: Arith) -> tuple[Expr, ExprType | None]:
        """Arithmetic with the money rules of the language."""
        left, lk = self.infer(node.left)
        right, rk = self.infer(node.right)
        if lk is None or rk is None:
            return self.typed(replace(node, left=left, right=right), None)
        result = arith_type(node.op, left, lk, right, rk)
        if isinstance(result, str):
            self.error(d.OPERAND_TYPES, *arith_problem(node.op, left, lk, right, rk, result))
            return self.typed(replace(node, left=left, right=right), None)
        new_left, new_right, kind = result
        return self.typed(replace(node, left=new_left, right=new_right), kind)

    def compare(self, node: Compare) -> tuple[Expr, ExprType | None]:
        """Comparisons need compatible operands; ``= null`` is refused."""
        left, lk = self.infer(node.left)
        right, rk = self.infer(node.right)
        rebuilt = replace(node, left=left, right=right)
        if lk is None or rk is None:
            return self.typed(rebuilt, None)
        for side in (left, right):
            if isinstance(side, NullLit):
                self.null_comparison(node, left if side is right else right)
                return self.typed(rebuilt, None)
        pair = self.comparable(left, lk, right, rk, node.span)
        if pair is None:
            return self.typed(rebuilt, None)
        new_left, new_right, kind = pair
        if kind is T.BOOLEAN and node.op not in (CmpOp.EQ, CmpOp.NE):
            self.error(
                d.INCOMPARABLE,
                f"conditions cannot be ordered with '{node.op.value}'",
                node.span,
                "use '=' or '!=' with true/false",
            )
            return self.typed(rebuilt, None)
        self.check_enum(left, right)
        self.check_enum(right, left)
        return self.typed(replace(node, left=new_left, right=new_right), T.BOOLEAN)

    def null_comparison(self, node: Compare, other: Expr) -> None:
        """``x = null`` is never true in SQL; say what to write instead."""
        negated = node.op is CmpOp.NE
        keyword = "is not null" if negated else "is null"
        self.error(
            d.NULL_COMPARISON,
            f"comparing with null with '{node.op.value}' is never true",
            node.span,
            f"write {render(other)} {keyword}",
        )

    def comparable(
        self, left: Expr, lk: ExprType, right: Expr, rk: ExprType, span: Span
    ) -> tuple[Expr, Expr, ExprType] | None:
        """Unify two operands that are compared; report when they cannot be."""
        unified = unify(left, lk, right, rk)
        if unified is None:
            self.error(
                d.INCOMPARABLE,
                f"cannot compare {describe(left, lk)} with {describe(right, rk)}",
                span,
                comparison_hint(left, lk, right, rk),
            )
        return unified

    def check_enum(self, side: Expr, other: Expr) -> None:
        """A code column compared with a text that is not one of its values."""
        if not isinstance(side, Name) or not isinstance(other, StringLit):
            return
        binding = self.bindings.get(side.path)
        if binding is None or not binding.enum or other.value in binding.enum:
            return
        close = difflib.get_close_matches(other.value, binding.enum, n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'?" if close else ""
        self.error(
            d.NOT_IN_ENUM,
            f"'{other.value}' is not a value of {side.dotted};"
            f" expected one of {', '.join(binding.enum)}",
            other.span,
            hint,
        )

    def in_list(self, node: InList) -> tuple[Expr, ExprType | None]:
        """Every item must be comparable with the operand; null items are refused."""
        operand, kind = self.infer(node.operand)
        items: list[Expr] = []
        ok = kind is not None
        for item in node.items:
            typed_item, item_kind = self.infer(item)
            items.append(typed_item)
            ok = ok and item_kind is not None
        rebuilt = replace(node, operand=operand, items=tuple(items))
        if not ok or kind is None:
            return self.typed(rebuilt, None)
        final: list[Expr] = []
        for item in items:
            if isinstance(item, NullLit):
                self.error(
                    d.NULL_COMPARISON,
                    "null in a list never matches",
                    item.span,
                    f"test it separately: {render(operand)} is null or {render(operand)} in (...)",
                )
                return self.typed(rebuilt, None)
            pair = self.comparable(operand, kind, item, item.type or T.NULL, item.span)
            if pair is None:
                return self.typed(rebuilt, None)
            operand, new_item, kind = pair
            final.append(new_item)
            self.check_enum(operand, item)
        return self.typed(replace(node, operand=operand, items=tuple(final)), T.BOOLEAN)

    def between(self, node: Between) -> tuple[Expr, ExprType | None]:
        """``x between a and b``: both bounds comparable with x, ordered types only."""
        operand, kind = self.infer(node.operand)
        low, low_kind = self.infer(node.low)
        high, high_kind = self.infer(node.high)
        rebuilt = replace(node, operand=operand, low=low, high=high)
        if kind is None or low_kind is None or high_kind is None:
            return self.typed(rebuilt, None)
        first = self.comparable(operand, kind, low, low_kind, node.span)
        if first is None:
            return self.typed(rebuilt, None)
        operand, low, kind = first
        second = self.comparable(operand, kind, high, high_kind, node.span)
        if second is None:
            return self.typed(rebuilt, None)
        operand, high, kind = second
        if kind is T.BOOLEAN:
            self.error(d.INCOMPARABLE, "conditions cannot be ordered with 'between'", node.span)
            return self.typed(rebuilt, None)
        operand = retype(operand, kind)
        return self.typed(replace(node, operand=operand, low=low, high=high), T.BOOLEAN)

    def case(self, node: Case) -> tuple[Expr, ExprType | None]:
        """Conditions must be conditions; all values unify to one type."""
        whens: list[When] = []
        values: list[tuple[Expr, ExprType | None]] = []
        ok = True
        for when in node.whens:
            condition, ck = self.infer(when.condition)
            if ck is not None and ck not in (T.BOOLEAN, T.NULL):
                self.not_boolean("'when'", condition, ck)
                ok = False
            value, vk = self.infer(when.value)
            whens.append(replace(when, condition=retype(condition, T.BOOLEAN), value=value))
            values.append((value, vk))
        default = None
        if node.default is not None:
            default, dk = self.infer(node.default)
            values.append((default, dk))
        rebuilt = replace(node, whens=tuple(whens), default=default)
        unified = self.unify_all(values, node.span, "the branches of 'case'")
        if unified is None or not ok:
            return self.typed(rebuilt, None)
        exprs, kind = unified
        new_whens = tuple(replace(w, value=v) for w, v in zip(whens, exprs, strict=False))
        new_default = exprs[-1] if default is not None else None
        return self.typed(replace(node, whens=new_whens, default=new_default), kind)

    def unify_all(
        self, values: Sequence[tuple[Expr, ExprType | None]], span: Span, what: str
    ) -> tuple[tuple[Expr, ...], ExprType] | None:
        """One type for several values (case branches, coalesce arguments...)."""
        if any(kind is None for _, kind in values):
            return None
        exprs = [expr for expr, _ in values]
        kind: ExprType = T.NULL
        anchor: Expr = exprs[0]
        for expr, expr_kind in values:
            assert expr_kind is not None
            pair = unify(anchor, kind, expr, expr_kind)
            if pair is None:
                self.error(
                    d.OPERAND_TYPES,
                    f"{what} have different types: {describe(anchor, kind)}"
                    f" and {describe(expr, expr_kind)}",
                    expr.span,
                    "every branch must give the same kind of value",
                )
                return None
            anchor, _, kind = pair
        if kind is T.NULL:
            self.error(
                d.OPERAND_TYPES,
                f"{what} are all null, so their type is unknown",
                span,
                "give at least one branch a value",
            )
            return None
        return tuple(retype(e, kind) for e in exprs), kind

    def expect_result(
        self, node: Expr, kind: ExprType, wanted: frozenset[ExprType]
    ) -> tuple[Expr, ExprType | None]:
        """The caller's required result type (a filter must be a condition)."""
        if kind in wanted or (kind is T.INTEGER and T.NUMBER in wanted):
            return node, kind
        for target in (k for k in ExprType if k in wanted):
            adapted = adapt(node, target)
            if adapted is not None:
                return adapted, target
        names = phrases(wanted)
        if wanted == {T.BOOLEAN}:
            hint = "a filter keeps the rows where it is true: compare, e.g. amount > 0"
        else:
            hint = ""
        self.error(
            d.RESULT_TYPE,
            f"expected {names} here, but the expression gives {describe(node, kind)}",
            node.span,
            hint,
        )
        return node, None


def closest(word: str, candidates: Sequence[str]) -> list[str]:
    """The best did-you-mean candidates: all within a whisker of the best score."""
    scored = sorted(
        ((difflib.SequenceMatcher(None, word, c).ratio(), c) for c in candidates),
        key=lambda pair: (-pair[0], pair[1]),
    )
    if not scored or scored[0][0] < 0.6:
        return []
    best = scored[0][0]
    return [c for score, c in scored[:3] if score >= best - 0.02]


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0
