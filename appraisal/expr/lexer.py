"""Tokenizer for the expression language.

Written by hand rather than generated so that every mistake a person is likely
to make (a missing quote, Chinese punctuation typed with an IME, ``**``, ``&&``)
gets a message in plain words at the exact column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lark import Token

from appraisal.errors import Issue
from appraisal.expr import diagnostics as d
from appraisal.expr.ast import Span

KEYWORD_TOKENS = {
    "and": "AND",
    "or": "OR",
    "not": "NOT",
    "in": "IN",
    "between": "BETWEEN",
    "is": "IS",
    "null": "NULL",
    "true": "TRUE",
    "false": "FALSE",
    "case": "CASE",
    "when": "WHEN",
    "then": "THEN",
    "else": "ELSE",
    "end": "END",
    "date": "DATE",
    "instant": "INSTANT",
}

OPERATOR_TOKENS = {
    "<=": "CMP",
    ">=": "CMP",
    "<>": "CMP",
    "!=": "CMP",
    "==": "CMP",
    "=": "CMP",
    "<": "CMP",
    ">": "CMP",
    "+": "PLUS",
    "-": "MINUS",
    "*": "STAR",
    "/": "SLASH",
    "(": "LPAR",
    ")": "RPAR",
    ",": "COMMA",
    ".": "DOT",
}

TERMINALS = (
    "NUMBER",
    "STRING",
    "NAME",
    *sorted(set(KEYWORD_TOKENS.values())),
    *sorted(set(OPERATOR_TOKENS.values())),
)

# Things people type that the language deliberately lacks, with what to write instead.
_UNSUPPORTED = {
    "**": "there is no power operator; multiply explicitly (x * x)",
    "&&": "write 'and'",
    "||": "write 'or'",
    "!": "write 'not' (or '!=' for 'not equal')",
    "%": "'%' only follows a number directly (15% means 0.15); there is no modulo",
    "[": "there are no subscripts; refer to columns by name",
    "]": "there are no subscripts; refer to columns by name",
    "{": "braces are not part of the language",
    "}": "braces are not part of the language",
    ";": "an expression is a single formula or condition; remove ';'",
    ":": "':' is not part of the language",
    "^": "there is no power operator; multiply explicitly (x * x)",
    "&": "write 'and'",
    "|": "write 'or'",
    "`": "names are written without quotes; text values use '...'",
    "$": "names are written without '$'",
    "@": "names are written without '@'",
    "#": "there are no comments inside expressions",
    "?": "write if(condition, a, b) or case when ... end",
    "\\": "'\\' is not part of the language",
    "~": "'~' is not part of the language",
}

_FULL_WIDTH = {
    "（": "(",
    "）": ")",
    "，": ",",
    "＝": "=",
    "＜": "<",
    "＞": ">",
    "＋": "+",
    "－": "-",
    "＊": "*",
    "／": "/",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "。": ".",
    "．": ".",
    "\u3000": "a normal space",
    "％": "%",
    "！": "!",
    "；": ";",
    "：": ":",
}

_NUMBER = re.compile(r"\d(?:_?\d)*(?:\.\d(?:_?\d)*)?%?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SPACE = re.compile(r"[ \t\r\n]+")


@dataclass(frozen=True)
class LexError(Exception):
    """A tokenizing failure, already phrased as an issue."""

    issue: Issue


class Positions:
    """Turns 0-based offsets into 1-based line and column."""

    def __init__(self, text: str) -> None:
        self._line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def line_column(self, offset: int) -> tuple[int, int]:
        """1-based line and column of an offset."""
        lo, hi = 0, len(self._line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self._line_starts[lo] + 1

    def span(self, start: int, end: int) -> Span:
        """A span from offsets."""
        line, column = self.line_column(start)
        return Span(start, end, line, column)


def tokenize(text: str, positions: Positions) -> list[Token]:
    """All tokens of ``text``; raises :class:`LexError` on the first bad character."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _SPACE.match(text, pos)
        if match:
            pos = match.end()
            continue
        kind, end = _next_token(text, pos, positions)
        tokens.append(_make(kind, text, pos, end, positions))
        pos = end
    return tokens


def _make(kind: str, text: str, start: int, end: int, positions: Positions) -> Token:
    line, column = positions.line_column(start)
    end_line, end_column = positions.line_column(end)
    return Token(kind, text[start:end], start, line, column, end_line, end_column, end)


def _next_token(text: str, pos: int, positions: Positions) -> tuple[str, int]:
    char = text[pos]
    if char.isdigit():
        return _number(text, pos, positions)
    if char in "'\"":
        return "STRING", _string_end(text, pos, positions)
    match = _NAME.match(text, pos)
    if match:
        return KEYWORD_TOKENS.get(match.group().lower(), "NAME"), match.end()
    for width in (2, 1):
        symbol = text[pos : pos + width]
        if symbol in OPERATOR_TOKENS:
            if symbol == "*" and text.startswith("**", pos):
                break
            return OPERATOR_TOKENS[symbol], pos + len(symbol)
    raise LexError(_bad_character(text, pos, positions))


def _number(text: str, pos: int, positions: Positions) -> tuple[str, int]:
    match = _NUMBER.match(text, pos)
    assert match is not None  # text[pos] is a digit
    end = match.end()
    if end < len(text) and (text[end].isalnum() or text[end] == "_"):
        tail = _NAME.match(text, end)
        word = text[pos : tail.end()] if tail else text[pos : end + 1]
        raise LexError(
            d.expr_issue(
                d.SYNTAX,
                f"'{word}' is not a number",
                positions.span(pos, end),
                "numbers are written like 12, 12.5, 1_000 or 15%; there is no exponent notation"
                " and names cannot start with a digit",
            )
        )
    if end < len(text) and text[end] == "." and not text.startswith("..", end):
        raise LexError(
            d.expr_issue(
                d.SYNTAX,
                f"'{text[pos : end + 1]}' is not a number",
                positions.span(pos, end + 1),
                "write digits after the decimal point, e.g. 12.0",
            )
        )
    return "NUMBER", end


def _string_end(text: str, pos: int, positions: Positions) -> int:
    quote = text[pos]
    i = pos + 1
    while i < len(text):
        if text[i] == quote:
            if text.startswith(quote * 2, i):
                i += 2
                continue
            return i + 1
        i += 1
    raise LexError(
        d.expr_issue(
            d.UNTERMINATED_TEXT,
            f"text starting with {quote} is never closed",
            positions.span(pos, len(text)),
            f"end the text with a matching {quote}; to put {quote} inside it, double it"
            f" ({quote}{quote})",
        )
    )


def _bad_character(text: str, pos: int, positions: Positions) -> Issue:
    char = text[pos]
    two = text[pos : pos + 2]
    span = positions.span(pos, pos + 1)
    if two in _UNSUPPORTED:
        return d.expr_issue(d.BAD_CHARACTER, f"'{two}' is not supported", span, _UNSUPPORTED[two])
    if char in _UNSUPPORTED:
        return d.expr_issue(d.BAD_CHARACTER, f"'{char}' is not supported", span, _UNSUPPORTED[char])
    if char in _FULL_WIDTH:
        ascii_form = _FULL_WIDTH[char]
        shown = ascii_form if " " in ascii_form else f"'{ascii_form}'"
        return d.expr_issue(
            d.BAD_CHARACTER,
            f"full-width character '{char}' (U+{ord(char):04X})",
            span,
            f"use {shown} instead: switch the input method to half-width (半角) punctuation",
        )
    if char.isalpha():
        word = re.match(r"\w+", text[pos:])
        shown = word.group() if word else char
        return d.expr_issue(
            d.BAD_CHARACTER,
            f"unexpected character '{char}' in '{shown}'",
            span,
            "names use ASCII letters, digits and '_' only; if this is a text value, put it in"
            f" quotes: '{shown}'",
        )
    return d.expr_issue(d.BAD_CHARACTER, f"unexpected character '{char}' (U+{ord(char):04X})", span)
