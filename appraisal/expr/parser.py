"""Parse expression text into the tree of :mod:`appraisal.expr.ast`.

A hand-written tokenizer feeds a Lark LALR parser built from the grammar below;
the tree is built while parsing (no intermediate parse tree).  Lark's terminal
names never reach the user: unexpected tokens are described in plain words with
what would have been accepted and a hint.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer

from appraisal.errors import Issue
from appraisal.expr import diagnostics as d
from appraisal.expr.ast import (
    Arith,
    ArithOp,
    Between,
    BoolLit,
    BoolOp,
    Call,
    Case,
    CmpOp,
    Compare,
    DateLit,
    Expr,
    Func,
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
from appraisal.expr.lexer import TERMINALS, LexError, Positions, tokenize

MAX_LENGTH = 4000
"""Longest accepted expression, in characters."""

MAX_DEPTH = 64
"""Deepest accepted nesting of the tree (parentheses, operators in a row, calls)."""

GRAMMAR = f"""
%declare {" ".join(TERMINALS)}

start: or_expr

?or_expr: and_expr
        | or_expr OR and_expr -> logic
?and_expr: not_expr
         | and_expr AND not_expr -> logic
?not_expr: predicate
         | NOT not_expr -> not_op
?predicate: sum
          | sum CMP sum -> compare
          | sum IN LPAR items RPAR -> in_list
          | sum NOT IN LPAR items RPAR -> in_list
          | sum BETWEEN sum AND sum -> between
          | sum NOT BETWEEN sum AND sum -> between
          | sum IS NULL -> is_null
          | sum IS NOT NULL -> is_null
?sum: product
    | sum PLUS product -> arith
    | sum MINUS product -> arith
?product: unary
        | product STAR unary -> arith
        | product SLASH unary -> arith
?unary: atom
      | MINUS unary -> neg
?atom: NUMBER -> number
     | STRING -> string
     | TRUE -> true
     | FALSE -> false
     | NULL -> null
     | DATE STRING -> date_lit
     | INSTANT STRING -> instant_lit
     | name
     | NAME LPAR RPAR -> call
     | NAME LPAR items RPAR -> call
     | CASE whens END -> case
     | CASE whens ELSE or_expr END -> case
     | LPAR or_expr RPAR -> paren
name: NAME (DOT NAME)*
whens: when+
when: WHEN or_expr THEN or_expr
items: or_expr (COMMA or_expr)*
"""

_CMP = {
    "=": CmpOp.EQ,
    "==": CmpOp.EQ,
    "!=": CmpOp.NE,
    "<>": CmpOp.NE,
    "<": CmpOp.LT,
    "<=": CmpOp.LE,
    ">": CmpOp.GT,
    ">=": CmpOp.GE,
}
_ARITH = {"+": ArithOp.ADD, "-": ArithOp.SUB, "*": ArithOp.MUL, "/": ArithOp.DIV}
_AGGREGATES = frozenset({"sum", "count", "avg", "average", "min", "max", "mean", "median"})

Part = Expr | Token | When | tuple[Expr, ...] | tuple[When, ...]


class _TokenList(Lexer):
    """Hands Lark the tokens our own tokenizer produced."""

    def __init__(self, lexer_conf: Any) -> None:
        del lexer_conf

    def lex(self, data: Any) -> Any:  # type: ignore[override]
        return iter(data)


def _start(part: Part) -> int:
    if isinstance(part, Token):
        return int(part.start_pos or 0)
    if isinstance(part, tuple):
        return _start(part[0])
    return part.span.start


def _end(part: Part) -> int:
    if isinstance(part, Token):
        return int(part.end_pos or 0)
    if isinstance(part, tuple):
        return _end(part[-1])
    return part.span.end


class _Builder:
    """Callbacks run by the LALR parser as it reduces; they build the tree directly.

    Problems that the grammar cannot see (an unknown function, an impossible
    date) are collected, and a placeholder node keeps the parse going so that
    all of them are reported at once.
    """

    def __init__(self, positions: Positions) -> None:
        self.positions = positions
        self.issues: list[Issue] = []

    def callbacks(self) -> dict[str, Callable[[list[Any]], Any]]:
        names = (
            "start logic not_op compare in_list between is_null arith neg number string true"
            " false null date_lit instant_lit name call case paren whens when items"
        )
        return {name: getattr(self, name) for name in names.split()}

    def span(self, first: Part, last: Part) -> Span:
        return self.positions.span(_start(first), _end(last))

    def start(self, c: list[Any]) -> Expr:
        node: Expr = c[0]
        return node

    def logic(self, c: list[Any]) -> Expr:
        op = BoolOp.AND if c[1].type == "AND" else BoolOp.OR
        return Logic(op, c[0], c[2], span=self.span(c[0], c[2]))

    def not_op(self, c: list[Any]) -> Expr:
        return Unary(UnaryOp.NOT, c[1], span=self.span(c[0], c[1]))

    def compare(self, c: list[Any]) -> Expr:
        return Compare(_CMP[str(c[1])], c[0], c[2], span=self.span(c[0], c[2]))

    def in_list(self, c: list[Any]) -> Expr:
        negated = c[1].type == "NOT"
        return InList(c[0], c[-2], negated, span=self.span(c[0], c[-1]))

    def between(self, c: list[Any]) -> Expr:
        negated = c[1].type == "NOT"
        return Between(c[0], c[-3], c[-1], negated, span=self.span(c[0], c[-1]))

    def is_null(self, c: list[Any]) -> Expr:
        return IsNull(c[0], len(c) == 4, span=self.span(c[0], c[-1]))

    def arith(self, c: list[Any]) -> Expr:
        return Arith(_ARITH[str(c[1])], c[0], c[2], span=self.span(c[0], c[2]))

    def neg(self, c: list[Any]) -> Expr:
        operand = c[1]
        span = self.span(c[0], operand)
        if isinstance(operand, NumberLit):
            return NumberLit(-operand.value, operand.percent, span=span)
        return Unary(UnaryOp.NEG, operand, span=span)

    def number(self, c: list[Any]) -> Expr:
        text = str(c[0]).replace("_", "")
        percent = text.endswith("%")
        value = Decimal(text.rstrip("%"))
        return NumberLit(
            value.scaleb(-2) if percent else value, percent, span=self.span(c[0], c[0])
        )

    def string(self, c: list[Any]) -> Expr:
        return StringLit(_unquote(str(c[0])), span=self.span(c[0], c[0]))

    def true(self, c: list[Any]) -> Expr:
        return BoolLit(True, span=self.span(c[0], c[0]))

    def false(self, c: list[Any]) -> Expr:
        return BoolLit(False, span=self.span(c[0], c[0]))

    def null(self, c: list[Any]) -> Expr:
        return NullLit(span=self.span(c[0], c[0]))

    def date_lit(self, c: list[Any]) -> Expr:
        span = self.span(c[0], c[1])
        text = _unquote(str(c[1]))
        try:
            if len(text) != 10:
                raise ValueError(text)
            return DateLit(date.fromisoformat(text), span=span)
        except ValueError:
            self.issues.append(
                d.expr_issue(
                    d.BAD_LITERAL,
                    f"'{text}' is not a valid date",
                    self.span(c[1], c[1]),
                    "write dates as date 'YYYY-MM-DD', e.g. date '2026-07-01'",
                )
            )
            return NullLit(span=span)

    def instant_lit(self, c: list[Any]) -> Expr:
        span = self.span(c[0], c[1])
        text = _unquote(str(c[1]))
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            value = None
        if value is None or value.tzinfo is None:
            problem = "has no time zone offset" if value is not None else "is not a valid instant"
            self.issues.append(
                d.expr_issue(
                    d.BAD_LITERAL,
                    f"'{text}' {problem}",
                    self.span(c[1], c[1]),
                    "write instants with an offset, e.g. instant '2026-07-01T08:00:00+08:00'",
                )
            )
            return NullLit(span=span)
        return InstantLit(value, span=span)

    def name(self, c: list[Any]) -> Expr:
        parts = tuple(str(t) for t in c if t.type == "NAME")
        return Name(parts, span=self.span(c[0], c[-1]))

    def call(self, c: list[Any]) -> Expr:
        span = self.span(c[0], c[-1])
        args: tuple[Expr, ...] = c[2] if len(c) == 4 else ()
        written = str(c[0])
        try:
            func = Func(written.lower())
        except ValueError:
            self.issues.append(_unknown_function(written, self.span(c[0], c[0])))
            return NullLit(span=span)
        return Call(func, args, span=span)

    def case(self, c: list[Any]) -> Expr:
        default = c[3] if len(c) == 5 else None
        return Case(c[1], default, span=self.span(c[0], c[-1]))

    def paren(self, c: list[Any]) -> Expr:
        inner: Expr = c[1]
        return replace(inner, span=self.span(c[0], c[2]))

    def whens(self, c: list[Any]) -> tuple[When, ...]:
        return tuple(c)

    def when(self, c: list[Any]) -> When:
        return When(c[1], c[3], span=self.span(c[0], c[3]))

    def items(self, c: list[Any]) -> tuple[Expr, ...]:
        return tuple(part for part in c if not isinstance(part, Token))


def _unquote(token: str) -> str:
    quote = token[0]
    return token[1:-1].replace(quote * 2, quote)


def _unknown_function(written: str, span: Span) -> Issue:
    names = [f.value for f in Func]
    if written.lower() in _AGGREGATES:
        hint = (
            "aggregations (sum, count, average, min, max) are declared on the indicator,"
            " not written inside expressions"
        )
    else:
        close = difflib.get_close_matches(written.lower(), names, n=1)
        hint = f"did you mean {close[0]}(...)?" if close else "available: " + ", ".join(names)
    return d.expr_issue(d.UNKNOWN_FUNCTION, f"unknown function '{written}'", span, hint)


_LARK = Lark(
    GRAMMAR,
    parser="lalr",
    lexer=_TokenList,
    keep_all_tokens=True,
    maybe_placeholders=False,
)


def parse_with_issues(text: str) -> tuple[Expr | None, tuple[Issue, ...]]:
    """Parse without raising: the tree, or None and the issues explaining why."""
    positions = Positions(text)
    if len(text) > MAX_LENGTH:
        issue = d.expr_issue(
            d.TOO_LONG,
            f"expression is {len(text):,} characters long; the limit is {MAX_LENGTH:,}",
            positions.span(0, 0),
            "split it into several indicators and combine them with a formula",
        )
        return None, (issue,)
    try:
        tokens = tokenize(text, positions)
    except LexError as exc:
        return None, (exc.issue,)
    if not tokens:
        issue = d.expr_issue(
            d.SYNTAX,
            "the expression is empty",
            positions.span(0, 0),
            "write a formula or a condition",
        )
        return None, (issue,)
    try:
        tree = _LARK.parse(tokens)
    except UnexpectedToken as exc:
        return None, (_describe_unexpected(exc, tokens, positions),)
    except UnexpectedInput as exc:  # pragma: no cover - every token comes from our lexer
        return None, (d.expr_issue(d.SYNTAX, str(exc), positions.span(0, 0)),)
    builder = _Builder(positions)
    result = _build(tree, builder)
    if builder.issues:
        return None, tuple(sorted(builder.issues, key=Issue.sort_key))
    return result, ()


def parse(text: str) -> Expr:
    """Parse expression text; raises :class:`ExpressionError` listing every problem found."""
    tree, issues = parse_with_issues(text)
    if tree is None:
        raise d.ExpressionError(issues)
    return tree


def _build(tree: Tree[Token], builder: _Builder) -> Expr | None:
    """Turn Lark's tree into ours bottom-up, with an explicit stack (no recursion).

    Returns None (and records an issue) when the tree nests deeper than MAX_DEPTH.
    """
    callbacks = builder.callbacks()
    done: dict[int, Any] = {}
    stack: list[tuple[Tree[Token], int, bool]] = [(tree, 1, False)]
    while stack:
        node, depth, expanded = stack.pop()
        if depth > MAX_DEPTH:
            builder.issues.append(_too_deep(node, builder.positions))
            return None
        if not expanded:
            stack.append((node, depth, True))
            stack.extend((c, depth + 1, False) for c in node.children if isinstance(c, Tree))
            continue
        parts = [done.pop(id(c)) if isinstance(c, Tree) else c for c in node.children]
        done[id(node)] = callbacks[str(node.data)](parts)
    result: Expr = done[id(tree)]
    return result


def _too_deep(node: Tree[Token], positions: Positions) -> Issue:
    first = next((t for t in node.scan_values(lambda v: isinstance(v, Token))), None)
    offset = int(first.start_pos or 0) if isinstance(first, Token) else 0
    return d.expr_issue(
        d.TOO_DEEP,
        f"the expression nests more than {MAX_DEPTH} levels deep",
        positions.span(offset, offset),
        "split it into several indicators and combine them with a formula",
    )


_VALUE_STARTS = frozenset(
    {"NUMBER", "STRING", "NAME", "TRUE", "FALSE", "NULL", "DATE", "INSTANT", "CASE", "LPAR"}
)
_OPERATORS = frozenset(
    {"PLUS", "MINUS", "STAR", "SLASH", "CMP", "IN", "BETWEEN", "IS", "AND", "OR"}
)
_SPECIFIC = {
    "PLUS": "'+'",
    "MINUS": "'-'",
    "STAR": "'*'",
    "SLASH": "'/'",
    "CMP": "a comparison",
    "AND": "'and'",
    "OR": "'or'",
    "NOT": "'not'",
    "IN": "'in'",
    "BETWEEN": "'between'",
    "IS": "'is'",
    "NULL": "'null'",
    "RPAR": "')'",
    "COMMA": "','",
    "LPAR": "'('",
    "DOT": "'.'",
    "WHEN": "'when'",
    "THEN": "'then'",
    "ELSE": "'else'",
    "END": "'end'",
    "STRING": "text in quotes",
    "NAME": "a name",
    "NUMBER": "a number",
    "$END": "the end of the expression",
}
_VALUE = "a value (a number, 'text', a name, a function call or '(')"


def _expected_words(expected: set[str]) -> str:
    remaining = set(expected)
    phrases: list[str] = []
    if remaining & {"NUMBER", "NAME"}:
        phrases.append(_VALUE)
        remaining -= _VALUE_STARTS | {"MINUS", "NOT"}
    if {"CMP", "AND", "OR", "PLUS"} <= remaining:
        phrases.append("an operator (+ - * /, a comparison, 'and', 'or')")
        remaining -= _OPERATORS | {"NOT"}
    phrases.extend(_SPECIFIC[t] for t in _SPECIFIC if t in remaining)
    if len(phrases) <= 1:
        return phrases[0] if phrases else "something else"
    return ", ".join(phrases[:-1]) + " or " + phrases[-1]


def _acceptable(exc: UnexpectedToken, before: Sequence[Token]) -> set[str]:
    """The tokens that would really be accepted where the error is.

    LALR's own expected set is taken after default reductions and may be too
    narrow or too wide, so the tokens before the error are parsed again and
    every terminal is tried on a copy of that state.
    """
    interactive = _LARK.parse_interactive(list(before))
    for token in before:
        interactive.feed_token(token)
    accepted: set[str] = interactive.accepts()  # type: ignore[no-untyped-call]
    return accepted or set(exc.expected)


def _found_words(token: Token) -> str:
    kind = token.type
    if kind == "$END":
        return "the end of the expression"
    if kind == "NAME":
        return f"name '{token}'"
    if kind == "NUMBER":
        return f"number {token}"
    if kind == "STRING":
        return f"text {token}"
    return f"'{token}'"


def _unclosed(tokens: Sequence[Token], opener: str, closer: str) -> Token | None:
    open_stack: list[Token] = []
    for token in tokens:
        if token.type == opener:
            open_stack.append(token)
        elif token.type == closer and open_stack:
            open_stack.pop()
    return open_stack[-1] if open_stack else None


def _describe_unexpected(
    exc: UnexpectedToken, tokens: Sequence[Token], positions: Positions
) -> Issue:
    token: Token = exc.token
    if token.type == "$END":
        index = len(tokens)
        offset = int(tokens[-1].end_pos or 0)
    else:
        index = next(i for i, t in enumerate(tokens) if t.start_pos == token.start_pos)
        offset = int(token.start_pos or 0)
    before = tokens[:index]
    expected = _acceptable(exc, before)
    if before and before[-1].type == "NAME" and not expected & {"NUMBER", "NAME"}:
        expected -= {"LPAR", "DOT"}  # a call or a dotted name: true, but not helpful here
    if token.type == "$END":
        message = f"the expression ends too early; expected {_expected_words(expected)}"
    else:
        message = f"unexpected {_found_words(token)}; expected {_expected_words(expected)}"
    hint = _hint(token, before[-1] if before else None, expected, before, positions)
    end = int(token.end_pos or offset) if token.type != "$END" else offset
    return d.expr_issue(d.SYNTAX, message, positions.span(offset, end), hint)


def _hint(  # noqa: C901 - a flat list of independent situations reads best as one function
    token: Token,
    previous: Token | None,
    expected: set[str],
    before: Sequence[Token],
    positions: Positions,
) -> str:
    prev = previous.type if previous is not None else ""
    found = token.type
    value_expected = bool(expected & {"NUMBER", "NAME"})
    if prev == "DATE" or prev == "INSTANT":
        return f"'{previous}' starts a literal such as date '2026-07-01'; it cannot be a name"
    if prev == "CASE":
        return "write case when x = 1 then ... end; 'case x when 1' is not supported"
    if prev == "IS":
        return "only 'is null' and 'is not null' exist; compare values with '='"
    if prev == "IN" and found != "LPAR":
        return "put the list in parentheses: x in ('a', 'b')"
    if found == "$END":
        paren = _unclosed(before, "LPAR", "RPAR")
        if paren is not None:
            line, column = positions.line_column(int(paren.start_pos or 0))
            where = f"line {line}, column {column}" if line > 1 else f"column {column}"
            return f"the '(' at {where} is never closed"
        case = _unclosed(before, "CASE", "END")
        if case is not None:
            return "every 'case' needs a closing 'end'"
        return f"complete the expression after '{previous}'"
    if found == "RPAR" and _unclosed(before, "LPAR", "RPAR") is None:
        return "this ')' has no matching '('"
    if found == "RPAR" and prev == "COMMA":
        return "remove the ',' before ')'"
    if found == "RPAR" and prev == "LPAR":
        return "the list in parentheses is empty"
    if found == "CMP" and "CMP" not in expected and not value_expected:
        return "comparisons do not chain: write 'a < b and b < c'"
    if found == "LPAR" and prev == "NAME" and len(before) > 1 and before[-2].type == "DOT":
        return "there are no methods; call a function on the value instead: lower(x)"
    if found == "LPAR" and prev in ("NUMBER", "STRING", "RPAR"):
        return "put an operator before '('"
    if found == "DOT":
        return "only names can be dotted (customer.segment); there is no attribute access"
    if found in _VALUE_STARTS and not value_expected:
        return "put an operator between the two values, or join conditions with 'and' / 'or'"
    if found == "THEN" or found == "ELSE" or found == "END" or found == "WHEN":
        return "write case when condition then value [else value] end"
    return ""
