"""The expression parser: every construct, precedence, spans and error messages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from appraisal.errors import SourceSpan
from appraisal.expr import ExpressionError, ExprLocation, parse, parse_with_issues, relocate
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


def n(*path: str) -> Name:
    return Name(path)


def num(text: str) -> NumberLit:
    return NumberLit(Decimal(text))


def error(text: str) -> str:
    """The single issue for a bad expression, rendered."""
    tree, issues = parse_with_issues(text)
    assert tree is None
    assert len(issues) == 1
    return issues[0].render()


# --- literals -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "percent"),
    [
        ("12", "12", False),
        ("12.5", "12.5", False),
        ("1_000", "1000", False),
        ("1_000.000_1", "1000.0001", False),
        ("15%", "0.15", True),
        ("12.5%", "0.125", True),
        ("0.07", "0.07", False),
    ],
)
def test_numbers_are_decimals(text: str, value: str, percent: bool) -> None:
    tree = parse(text)
    assert isinstance(tree, NumberLit)
    assert tree.value == Decimal(value)
    assert isinstance(tree.value, Decimal)
    assert tree.percent is percent


def test_number_keeps_its_exponent_so_integers_stay_integers() -> None:
    assert parse("3").value.as_tuple().exponent == 0  # type: ignore[union-attr]
    assert parse("3.0").value.as_tuple().exponent == -1  # type: ignore[union-attr]


def test_negative_number_literal_is_folded() -> None:
    assert parse("-5") == num("-5")
    assert parse("- 2.5%") == NumberLit(Decimal("-0.025"))
    assert parse("-x") == Unary(UnaryOp.NEG, n("x"))
    assert parse("--x") == Unary(UnaryOp.NEG, Unary(UnaryOp.NEG, n("x")))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("'华东'", "华东"),
        ('"华东区"', "华东区"),
        ("'it''s'", "it's"),
        ('"say ""hi"""', 'say "hi"'),
        ("'a\"b'", 'a"b'),
        ("''", ""),
        ("'back\\slash'", "back\\slash"),
    ],
)
def test_strings(text: str, value: str) -> None:
    assert parse(text) == StringLit(value)


def test_keywords_and_literals_are_case_insensitive() -> None:
    assert parse("TRUE") == BoolLit(True)
    assert parse("false") == BoolLit(False)
    assert parse("Null") == NullLit()
    assert parse("date '2026-07-01'") == DateLit(date(2026, 7, 1))
    assert parse("DATE '2026-07-01'") == DateLit(date(2026, 7, 1))
    expected = datetime(2026, 7, 1, 0, 0, tzinfo=UTC)
    assert parse("instant '2026-07-01T08:00:00+08:00'") == InstantLit(expected)
    assert parse("a AND b Or NOT c") == parse("a and b or not c")


def test_names_and_dotted_paths() -> None:
    assert parse("amount") == n("amount")
    assert parse("customer.segment") == n("customer", "segment")
    assert parse("order_2.customer.owner_id") == n("order_2", "customer", "owner_id")
    assert parse("customer . segment") == n("customer", "segment")


# --- operators and precedence -------------------------------------------------------


def test_arithmetic_precedence_and_associativity() -> None:
    assert parse("a + b * c") == Arith(ArithOp.ADD, n("a"), Arith(ArithOp.MUL, n("b"), n("c")))
    assert parse("a - b - c") == Arith(ArithOp.SUB, Arith(ArithOp.SUB, n("a"), n("b")), n("c"))
    assert parse("a / b / c") == Arith(ArithOp.DIV, Arith(ArithOp.DIV, n("a"), n("b")), n("c"))
    assert parse("(a + b) * c") == Arith(ArithOp.MUL, Arith(ArithOp.ADD, n("a"), n("b")), n("c"))
    assert parse("-a * b") == Arith(ArithOp.MUL, Unary(UnaryOp.NEG, n("a")), n("b"))
    assert parse("a - -1") == Arith(ArithOp.SUB, n("a"), num("-1"))


@pytest.mark.parametrize(
    ("text", "op"),
    [
        ("a = 1", CmpOp.EQ),
        ("a == 1", CmpOp.EQ),
        ("a != 1", CmpOp.NE),
        ("a <> 1", CmpOp.NE),
        ("a < 1", CmpOp.LT),
        ("a <= 1", CmpOp.LE),
        ("a > 1", CmpOp.GT),
        ("a >= 1", CmpOp.GE),
    ],
)
def test_comparisons(text: str, op: CmpOp) -> None:
    assert parse(text) == Compare(op, n("a"), num("1"))


def test_boolean_precedence_not_and_or() -> None:
    a_eq = Compare(CmpOp.EQ, n("a"), num("1"))
    assert parse("not a = 1 and b or c") == Logic(
        BoolOp.OR, Logic(BoolOp.AND, Unary(UnaryOp.NOT, a_eq), n("b")), n("c")
    )
    assert parse("a or b and c") == Logic(BoolOp.OR, n("a"), Logic(BoolOp.AND, n("b"), n("c")))
    assert parse("a + 1 > b * 2") == Compare(
        CmpOp.GT, Arith(ArithOp.ADD, n("a"), num("1")), Arith(ArithOp.MUL, n("b"), num("2"))
    )


def test_in_between_is_null() -> None:
    assert parse("segment in ('VIP', 'KA')") == InList(
        n("segment"), (StringLit("VIP"), StringLit("KA"))
    )
    assert parse("segment not in ('VIP')") == InList(n("segment"), (StringLit("VIP"),), True)
    assert parse("x between 1 and 5 and y") == Logic(
        BoolOp.AND, Between(n("x"), num("1"), num("5")), n("y")
    )
    assert parse("x not between 1 and 2 + 3") == Between(
        n("x"), num("1"), Arith(ArithOp.ADD, num("2"), num("3")), True
    )
    assert parse("churned_on is null") == IsNull(n("churned_on"))
    assert parse("churned_on is not null") == IsNull(n("churned_on"), True)


def test_functions_and_case() -> None:
    assert parse("coalesce(a, 0)") == Call(Func.COALESCE, (n("a"), num("0")))
    assert parse("COALESCE(a, 0)") == Call(Func.COALESCE, (n("a"), num("0")))
    assert parse("if(a > 1, 'x', 'y')") == Call(
        Func.IF, (Compare(CmpOp.GT, n("a"), num("1")), StringLit("x"), StringLit("y"))
    )
    assert parse("date_add(period_start, -1, 'month')") == Call(
        Func.DATE_ADD, (n("period_start"), num("-1"), StringLit("month"))
    )
    assert parse("case when a then 1 when b then 2 else 3 end") == Case(
        (When(n("a"), num("1")), When(n("b"), num("2"))), num("3")
    )
    assert parse("case when a then 1 end") == Case((When(n("a"), num("1")),))


def test_every_function_name_parses() -> None:
    for func in Func:
        tree = parse(f"{func.value}(x)")
        assert tree == Call(func, (n("x"),))


def test_customers_at_period_start() -> None:
    text = "acquired_on < period_start and (churned_on is null or churned_on >= period_start)"
    assert parse(text) == Logic(
        BoolOp.AND,
        Compare(CmpOp.LT, n("acquired_on"), n("period_start")),
        Logic(
            BoolOp.OR,
            IsNull(n("churned_on")),
            Compare(CmpOp.GE, n("churned_on"), n("period_start")),
        ),
    )


# --- spans ----------------------------------------------------------------------------


def test_spans_cover_the_source_text() -> None:
    text = "a +\n  (b * 2)"
    tree = parse(text)
    assert isinstance(tree, Arith)
    assert tree.span == Span(0, 13, 1, 1)
    assert tree.right.span == Span(6, 13, 2, 3)
    assert text[tree.right.span.start : tree.right.span.end] == "(b * 2)"
    assert isinstance(tree.right, Arith)
    assert tree.right.right.span == Span(11, 12, 2, 8)


def test_equality_ignores_spans_and_formatting() -> None:
    assert parse("a+b*c") == parse("  a + (b * c)\n")
    assert parse("15%") == parse("0.15")


# --- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        (
            "amount >",
            "<expression>:1:9: error[X001]: the expression ends too early; expected a value"
            " (a number, 'text', a name, a function call or '(')"
            " (hint: complete the expression after '>')",
        ),
        (
            "amount > > 1",
            "<expression>:1:10: error[X001]: unexpected '>'; expected a value"
            " (a number, 'text', a name, a function call or '(')",
        ),
        (
            "(a + 1",
            "<expression>:1:7: error[X001]: the expression ends too early; expected an operator"
            " (+ - * /, a comparison, 'and', 'or') or ')'"
            " (hint: the '(' at column 1 is never closed)",
        ),
        (
            "a < b < c",
            "<expression>:1:7: error[X001]: unexpected '<'; expected '+', '-', '*', '/', 'and',"
            " 'or' or the end of the expression"
            " (hint: comparisons do not chain: write 'a < b and b < c')",
        ),
        (
            "segment = VIP KA",
            "<expression>:1:15: error[X001]: unexpected name 'KA'; expected '+', '-', '*', '/',"
            " 'and', 'or' or the end of the expression"
            " (hint: put an operator between the two values, or join conditions with"
            " 'and' / 'or')",
        ),
        (
            "x in 1, 2",
            "<expression>:1:6: error[X001]: unexpected number 1; expected '('"
            " (hint: put the list in parentheses: x in ('a', 'b'))",
        ),
        (
            "x in ()",
            "<expression>:1:7: error[X001]: unexpected ')'; expected a value"
            " (a number, 'text', a name, a function call or '(')"
            " (hint: the list in parentheses is empty)",
        ),
        (
            "coalesce(a,)",
            "<expression>:1:12: error[X001]: unexpected ')'; expected a value"
            " (a number, 'text', a name, a function call or '(')"
            " (hint: remove the ',' before ')')",
        ),
        (
            "a = 1)",
            "<expression>:1:6: error[X001]: unexpected ')'; expected '+', '-', '*', '/', 'and',"
            " 'or' or the end of the expression (hint: this ')' has no matching '(')",
        ),
        (
            "x is 5",
            "<expression>:1:6: error[X001]: unexpected number 5; expected 'not' or 'null'"
            " (hint: only 'is null' and 'is not null' exist; compare values with '=')",
        ),
        (
            "case when a then 1",
            "<expression>:1:19: error[X001]: the expression ends too early; expected an operator"
            " (+ - * /, a comparison, 'and', 'or'), 'when', 'else' or 'end'"
            " (hint: every 'case' needs a closing 'end')",
        ),
        (
            "case a when 1 then 2 end",
            "<expression>:1:6: error[X001]: unexpected name 'a'; expected 'when'"
            " (hint: write case when x = 1 then ... end; 'case x when 1' is not supported)",
        ),
        (
            "customer.lower(x)",
            "<expression>:1:15: error[X001]: unexpected '('; expected an operator"
            " (+ - * /, a comparison, 'and', 'or') or the end of the expression"
            " (hint: there are no methods; call a function on the value instead: lower(x))",
        ),
        (
            "ordered_on >= date",
            "<expression>:1:19: error[X001]: the expression ends too early; expected text in"
            " quotes (hint: 'date' starts a literal such as date '2026-07-01';"
            " it cannot be a name)",
        ),
        (
            "x between 1",
            "<expression>:1:12: error[X001]: the expression ends too early; expected '+', '-',"
            " '*', '/' or 'and' (hint: complete the expression after '1')",
        ),
    ],
)
def test_syntax_errors_in_plain_words(text: str, rendered: str) -> None:
    assert error(text) == rendered


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        (
            "a ** 2",
            "<expression>:1:3: error[X002]: '**' is not supported"
            " (hint: there is no power operator; multiply explicitly (x * x))",
        ),
        ("a && b", "<expression>:1:3: error[X002]: '&&' is not supported (hint: write 'and')"),
        (
            "a[1]",
            "<expression>:1:2: error[X002]: '[' is not supported"
            " (hint: there are no subscripts; refer to columns by name)",
        ),
        (
            "a % 2",
            "<expression>:1:3: error[X002]: '%' is not supported"
            " (hint: '%' only follows a number directly (15% means 0.15); there is no modulo)",
        ),
        (
            "region = 华东",
            "<expression>:1:10: error[X002]: unexpected character '华' in '华东'"
            " (hint: names use ASCII letters, digits and '_' only; if this is a text value,"
            " put it in quotes: '华东')",
        ),
        (
            "coalesce（a, 0）",
            "<expression>:1:9: error[X002]: full-width character '（' (U+FF08)"
            " (hint: use '(' instead: switch the input method to half-width (半角) punctuation)",
        ),
        (
            "region = ‘华东’",
            "<expression>:1:10: error[X002]: full-width character '‘' (U+2018)"
            " (hint: use ''' instead: switch the input method to half-width (半角) punctuation)",
        ),
        (
            "1e5",
            "<expression>:1:1: error[X001]: '1e5' is not a number (hint: numbers are written"
            " like 12, 12.5, 1_000 or 15%; there is no exponent notation and names cannot start"
            " with a digit)",
        ),
        (
            "region = '华东",
            "<expression>:1:10: error[X003]: text starting with ' is never closed"
            " (hint: end the text with a matching '; to put ' inside it, double it (''))",
        ),
        (
            "sum(amount)",
            "<expression>:1:1: error[X007]: unknown function 'sum' (hint: aggregations"
            " (sum, count, average, min, max) are declared on the indicator, not written inside"
            " expressions)",
        ),
        (
            "coalese(a, 0)",
            "<expression>:1:1: error[X007]: unknown function 'coalese'"
            " (hint: did you mean coalesce(...)?)",
        ),
        (
            "ordered_on >= date '2026-02-30'",
            "<expression>:1:20: error[X006]: '2026-02-30' is not a valid date"
            " (hint: write dates as date 'YYYY-MM-DD', e.g. date '2026-07-01')",
        ),
        (
            "opened_at >= instant '2026-07-01T08:00:00'",
            "<expression>:1:22: error[X006]: '2026-07-01T08:00:00' has no time zone offset"
            " (hint: write instants with an offset, e.g. instant '2026-07-01T08:00:00+08:00')",
        ),
        (
            "",
            "<expression>:1:1: error[X001]: the expression is empty"
            " (hint: write a formula or a condition)",
        ),
    ],
)
def test_lexical_and_literal_errors(text: str, rendered: str) -> None:
    assert error(text) == rendered


def test_multi_line_errors_name_the_line() -> None:
    text = "acquired_on < period_start\n  and (churned_on is null or\n  churned_on >= period_start"
    assert error(text) == (
        "<expression>:3:29: error[X001]: the expression ends too early; expected '+', '-', '*',"
        " '/', 'and', 'or' or ')'"
        " (hint: the '(' at line 2, column 7 is never closed)"
    )


def test_all_literal_problems_are_reported_at_once() -> None:
    tree, issues = parse_with_issues("foo(a) + date '2026-13-01' + bar(b)")
    assert tree is None
    assert [(i.code, i.span.column if i.span else 0) for i in issues] == [
        ("X007", 1),
        ("X006", 15),
        ("X007", 30),
    ]


def test_parse_raises_with_issues() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse("a +")
    assert caught.value.issues[0].code == "X001"
    assert str(caught.value).startswith("<expression>:1:4: error[X001]:")


def test_length_and_depth_are_bounded() -> None:
    assert error("1 + " * 1000 + "1") == (
        "<expression>:1:1: error[X004]: expression is 4,001 characters long; the limit is 4,000"
        " (hint: split it into several indicators and combine them with a formula)"
    )
    assert parse("(" * 30 + "1" + ")" * 30) == num("1")
    deep = "(" * 70 + "1" + ")" * 70
    assert parse("-" * 60 + "x") is not None
    assert error(deep).startswith("<expression>:1:")
    assert "X005" in error(deep)
    assert "nests more than 64 levels deep" in error("a" + " + a" * 70)


def test_relocate_to_file_positions() -> None:
    _, issues = parse_with_issues("a >\n  and b")
    where = ExprLocation("rules/am.yaml", 14, 13, "indicators[2].filter", continuation_column=7)
    (moved,) = relocate(issues, where)
    assert moved.span == SourceSpan("rules/am.yaml", 15, 9)
    assert moved.path == "indicators[2].filter"
    _, issues = parse_with_issues("a > > 1")
    (moved,) = relocate(issues, where)
    assert moved.render().startswith("rules/am.yaml:14:17: error[X001] at indicators[2].filter:")
