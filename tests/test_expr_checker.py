"""The type checker: each typing rule, each error with its message and hint."""

from __future__ import annotations

import pytest

from appraisal.expr import (
    EntityScope,
    ExprLocation,
    ExprType,
    MappingScope,
    NameBinding,
    check,
    parse,
    references,
    relocate,
    render,
)
from appraisal.expr.ast import Arith, Call, Compare, InList, NullLit, NumberLit, walk

T = ExprType

SCOPE = MappingScope(
    {
        ("amount",): NameBinding(T.MONEY),
        ("cost",): NameBinding(T.MONEY),
        ("qty",): NameBinding(T.INTEGER),
        ("rate",): NameBinding(T.NUMBER),
        ("ordered_on",): NameBinding(T.DATE),
        ("promised_on",): NameBinding(T.DATE),
        ("opened_at",): NameBinding(T.INSTANT),
        ("resolved_at",): NameBinding(T.INSTANT),
        ("region",): NameBinding(T.TEXT),
        ("status",): NameBinding(T.TEXT, enum=("open", "delivered", "cancelled", "refund")),
        ("is_complaint",): NameBinding(T.BOOLEAN),
        ("customer", "segment"): NameBinding(T.TEXT),
    }
)


def type_of(text: str) -> ExprType:
    result = check(parse(text), SCOPE)
    assert result.issues == ()
    assert result.typed is not None
    return result.typed.type


def problem(text: str, **kwargs: object) -> str:
    result = check(parse(text), SCOPE, **kwargs)  # type: ignore[arg-type]
    assert result.typed is None
    assert len(result.issues) == 1, [i.render() for i in result.issues]
    return result.issues[0].render()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("1", T.INTEGER),
        ("1.5", T.NUMBER),
        ("15%", T.NUMBER),
        ("'x'", T.TEXT),
        ("true", T.BOOLEAN),
        ("date '2026-07-01'", T.DATE),
        ("instant '2026-07-01T00:00:00+08:00'", T.INSTANT),
        ("qty + 1", T.INTEGER),
        ("qty * qty - 2", T.INTEGER),
        ("qty / 2", T.NUMBER),
        ("qty + rate", T.NUMBER),
        ("-qty", T.INTEGER),
        ("amount + cost", T.MONEY),
        ("amount - cost", T.MONEY),
        ("amount * qty", T.MONEY),
        ("rate * amount", T.MONEY),
        ("amount * 15%", T.MONEY),
        ("amount / qty", T.MONEY),
        ("amount / cost", T.NUMBER),
        ("amount + 1000", T.MONEY),
        ("1000 * 3 - amount", T.MONEY),
        ("-amount", T.MONEY),
        ("amount > 1000", T.BOOLEAN),
        ("amount > cost * 2", T.BOOLEAN),
        ("qty >= rate", T.BOOLEAN),
        ("ordered_on <= promised_on", T.BOOLEAN),
        ("opened_at >= date '2026-07-01'", T.BOOLEAN),
        ("opened_at < period_end", T.BOOLEAN),
        ("region = '华东'", T.BOOLEAN),
        ("is_complaint = true", T.BOOLEAN),
        ("is_complaint and not (qty > 1 or rate < 0)", T.BOOLEAN),
        ("status in ('open', 'delivered')", T.BOOLEAN),
        ("qty not in (1, 2.5)", T.BOOLEAN),
        ("amount between 100 and cost", T.BOOLEAN),
        ("ordered_on between period_start and date '2026-12-31'", T.BOOLEAN),
        ("promised_on is null", T.BOOLEAN),
        ("coalesce(amount, 0)", T.MONEY),
        ("coalesce(qty, rate, 0)", T.NUMBER),
        ("coalesce(null, region)", T.TEXT),
        ("if(qty > 0, amount, 0)", T.MONEY),
        ("case when qty > 1 then 'many' when qty = 1 then 'one' end", T.TEXT),
        ("case when qty > 1 then 1 else 2.5 end", T.NUMBER),
        ("case when qty > 1 then null else amount end", T.MONEY),
        ("abs(amount)", T.MONEY),
        ("abs(qty)", T.INTEGER),
        ("round(rate, 2)", T.NUMBER),
        ("round(amount)", T.MONEY),
        ("least(amount, cost, 0)", T.MONEY),
        ("greatest(ordered_on, promised_on)", T.DATE),
        ("nullif(qty, 0)", T.INTEGER),
        ("days_between(ordered_on, promised_on)", T.INTEGER),
        ("hours_between(opened_at, resolved_at)", T.NUMBER),
        ("date_add(period_start, -1, 'month')", T.DATE),
        ("date_add(ordered_on, 30, 'days')", T.DATE),
        ("year(ordered_on) * 100 + month(ordered_on)", T.INTEGER),
        ("quarter(ordered_on)", T.INTEGER),
        ("lower(region)", T.TEXT),
        ("upper(region)", T.TEXT),
        ("length(region)", T.INTEGER),
        ("in_period(ordered_on)", T.BOOLEAN),
        ("in_period(opened_at)", T.BOOLEAN),
        ("customer.segment = 'VIP'", T.BOOLEAN),
    ],
)
def test_types(text: str, kind: ExprType) -> None:
    assert type_of(text) is kind


def test_every_node_is_annotated() -> None:
    result = check(parse("if(amount > 1000 and status != 'open', amount * 2%, null)"), SCOPE)
    assert result.typed is not None
    for node in walk(result.typed.expr):
        assert node.type is not None, node


def test_constants_adapt_to_money_and_instants() -> None:
    typed = check(parse("amount > 1000 * 3"), SCOPE).typed
    assert typed is not None
    compare = typed.expr
    assert isinstance(compare, Compare) and isinstance(compare.right, Arith)
    assert compare.right.type is T.MONEY
    assert compare.right.left.type is T.MONEY  # 1000 is money
    assert compare.right.right.type is T.INTEGER  # 3 stays a count
    typed = check(parse("opened_at >= period_start"), SCOPE).typed
    assert typed is not None and isinstance(typed.expr, Compare)
    assert typed.expr.right.type is T.INSTANT
    assert typed.uses_period
    typed = check(parse("coalesce(amount, null, 0)"), SCOPE).typed
    assert typed is not None and isinstance(typed.expr, Call)
    assert [a.type for a in typed.expr.args] == [T.MONEY, T.MONEY, T.MONEY]
    typed = check(parse("qty in (1, 2)"), SCOPE).typed
    assert typed is not None and isinstance(typed.expr, InList)
    assert all(isinstance(i, NumberLit) for i in typed.expr.items)


def test_null_literal_takes_its_context_type() -> None:
    typed = check(parse("case when qty > 1 then null else region end"), SCOPE).typed
    assert typed is not None
    nulls = [n for n in walk(typed.expr) if isinstance(n, NullLit)]
    assert [n.type for n in nulls] == [T.TEXT]


def test_references_and_period_use() -> None:
    result = check(parse("amount > cost and in_period(ordered_on) and x > 0"), SCOPE)
    assert result.references == {("amount",), ("cost",), ("ordered_on",), ("x",)}
    assert references(parse("customer.segment = 'VIP' or period_end > ordered_on")) == {
        ("customer", "segment"),
        ("ordered_on",),
    }
    typed = check(parse("qty + 1"), SCOPE).typed
    assert typed is not None and not typed.uses_period
    typed = check(parse("in_period(ordered_on)"), SCOPE).typed
    assert typed is not None and typed.uses_period


def test_formulas_over_indicators() -> None:
    indicators = MappingScope.of(
        {"customers_at_end": T.INTEGER, "new_customers": T.INTEGER, "customers_at_start": T.INTEGER}
    )
    result = check(
        parse("(customers_at_end - new_customers) / customers_at_start"),
        indicators,
        expect={T.NUMBER, T.MONEY},
    )
    assert result.typed is not None and result.typed.type is T.NUMBER
    assert result.references == {("customers_at_end",), ("new_customers",), ("customers_at_start",)}


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        (
            "amount > 'abc'",
            "<expression>:1:1: error[X104]: cannot compare amount (money) with text 'abc'"
            " (hint: did you mean a number?)",
        ),
        (
            "amount > '1000'",
            "<expression>:1:1: error[X104]: cannot compare amount (money) with text '1000'"
            " (hint: did you mean the number 1000 (without quotes)?)",
        ),
        (
            "ordered_on >= '2026-07-01'",
            "<expression>:1:1: error[X104]: cannot compare ordered_on (date) with text"
            " '2026-07-01' (hint: write date '2026-07-01')",
        ),
        (
            "region = 123",
            "<expression>:1:1: error[X104]: cannot compare region (text) with number 123"
            " (hint: ids and codes are text: write '123' in quotes)",
        ),
        (
            "is_complaint = 1",
            "<expression>:1:1: error[X104]: cannot compare is_complaint (condition (true/false))"
            " with number 1 (hint: use true or false)",
        ),
        (
            "amount > rate",
            "<expression>:1:1: error[X104]: cannot compare amount (money) with rate (number)"
            " (hint: compare money with money (or with a number written as a literal))",
        ),
        (
            "opened_at > ordered_on",
            "<expression>:1:1: error[X104]: cannot compare opened_at (instant) with ordered_on"
            " (date) (hint: an instant can be compared with a date literal or"
            " period_start/period_end; to test a period use in_period(x))",
        ),
        (
            "is_complaint < true",
            "<expression>:1:1: error[X104]: conditions cannot be ordered with '<'"
            " (hint: use '=' or '!=' with true/false)",
        ),
        (
            "amount * cost",
            "<expression>:1:1: error[X103]: cannot multiply amount (money) by cost (money)"
            " (hint: multiply an amount by a number (a count, a rate or a percentage))",
        ),
        (
            "qty / amount",
            "<expression>:1:1: error[X103]: cannot divide qty (number) by amount (money)"
            " (hint: divide money by money for a ratio, or money by a number for a share)",
        ),
        (
            "amount + qty",
            "<expression>:1:1: error[X103]: cannot add amount (money) and qty (number)"
            " (hint: both sides must be money; a number column cannot be added to an amount)",
        ),
        (
            "promised_on - ordered_on",
            "<expression>:1:1: error[X103]: cannot subtract promised_on (date) and ordered_on"
            " (date) (hint: use days_between(a, b) or hours_between(a, b) for a difference,"
            " and date_add(d, n, 'day') to move a date)",
        ),
        (
            "region + 'x'",
            "<expression>:1:1: error[X103]: cannot add region (text) and text 'x'"
            " (hint: arithmetic works on numbers and money only; there is no text"
            " concatenation)",
        ),
        (
            "-region",
            "<expression>:1:1: error[X103]: cannot negate region (text)",
        ),
        (
            "amount and qty > 1",
            "<expression>:1:1: error[X105]: 'and' needs a condition (true/false), but got"
            " amount (money) (hint: compare it with something, e.g. amount > 0, or test it"
            " with 'is null')",
        ),
        (
            "not region",
            "<expression>:1:5: error[X105]: 'not' needs a condition (true/false), but got"
            " region (text) (hint: compare it with something, e.g. amount > 0, or test it"
            " with 'is null')",
        ),
        (
            "status = 'deliverd'",
            "<expression>:1:10: error[X106]: 'deliverd' is not a value of status; expected one"
            " of open, delivered, cancelled, refund (hint: did you mean 'delivered'?)",
        ),
        (
            "status in ('open', 'canceled')",
            "<expression>:1:20: error[X106]: 'canceled' is not a value of status; expected one"
            " of open, delivered, cancelled, refund (hint: did you mean 'cancelled'?)",
        ),
        (
            "promised_on = null",
            "<expression>:1:1: error[X107]: comparing with null with '=' is never true"
            " (hint: write promised_on is null)",
        ),
        (
            "promised_on <> null",
            "<expression>:1:1: error[X107]: comparing with null with '!=' is never true"
            " (hint: write promised_on is not null)",
        ),
        (
            "qty not in (1, null)",
            "<expression>:1:16: error[X107]: null in a list never matches"
            " (hint: test it separately: qty is null or qty in (...))",
        ),
        (
            "region in ('a', 1)",
            "<expression>:1:17: error[X104]: cannot compare region (text) with number 1"
            " (hint: ids and codes are text: write '1' in quotes)",
        ),
        (
            "qty between 1 and 'x'",
            "<expression>:1:1: error[X104]: cannot compare qty (number) with text 'x'"
            " (hint: did you mean a number?)",
        ),
        (
            "amout > 0",
            "<expression>:1:1: error[X101]: unknown name 'amout' (hint: did you mean 'amount'?)",
        ),
        (
            "customer.segmnt = 'VIP'",
            "<expression>:1:1: error[X101]: unknown name 'customer.segmnt'"
            " (hint: did you mean 'customer.segment'?)",
        ),
        (
            "abs(1, 2)",
            "<expression>:1:1: error[X102]: abs() takes 1 argument, got 2 (hint: write abs(x))",
        ),
        (
            "coalesce(amount)",
            "<expression>:1:1: error[X102]: coalesce() takes at least 2 arguments, got 1"
            " (hint: write coalesce(a, b, ...))",
        ),
        (
            "round(rate, 1, 2)",
            "<expression>:1:1: error[X102]: round() takes 1 or 2 arguments, got 3"
            " (hint: write round(x, digits))",
        ),
        (
            "round(rate, qty)",
            "<expression>:1:13: error[X108]: round() needs a whole number of digits from 0 to"
            " 10, written as a number (hint: e.g. round(x, 2))",
        ),
        (
            "date_add(ordered_on, 1, 'week')",
            "<expression>:1:25: error[X108]: date_add() needs the unit 'day', 'month' or 'year'"
            " as its third argument (hint: e.g. date_add(period_start, -1, 'month'))",
        ),
        (
            "date_add(ordered_on, 1.5, 'day')",
            "<expression>:1:22: error[X103]: date_add() needs a whole number, but got number 1.5"
            " (hint: write date_add(date, n, 'day'|'month'|'year'))",
        ),
        (
            "days_between(opened_at, resolved_at)",
            "<expression>:1:14: error[X103]: days_between() needs a date, but got opened_at"
            " (instant) (hint: for instants use hours_between(a, b))",
        ),
        (
            "hours_between(ordered_on, promised_on)",
            "<expression>:1:15: error[X103]: hours_between() needs an instant, but got"
            " ordered_on (date) (hint: for dates use days_between(a, b))",
        ),
        (
            "year(opened_at)",
            "<expression>:1:6: error[X103]: year() needs a date, but got opened_at (instant)"
            " (hint: year() takes a date column)",
        ),
        (
            "lower(qty)",
            "<expression>:1:7: error[X103]: lower() needs text, but got qty (number)"
            " (hint: write lower(text))",
        ),
        (
            "in_period(region)",
            "<expression>:1:11: error[X103]: in_period() needs a date or an instant, but got"
            " region (text) (hint: write in_period(date_or_instant))",
        ),
        (
            "if(qty, 1, 2)",
            "<expression>:1:4: error[X105]: if() needs a condition (true/false), but got qty"
            " (number) (hint: compare it with something, e.g. amount > 0, or test it with"
            " 'is null')",
        ),
        (
            "if(qty > 1, amount, 'none')",
            "<expression>:1:21: error[X103]: the branches of if() have different types:"
            " amount (money) and text 'none' (hint: every branch must give the same kind of"
            " value)",
        ),
        (
            "case when qty > 1 then null end",
            "<expression>:1:1: error[X103]: the branches of 'case' are all null, so their type"
            " is unknown (hint: give at least one branch a value)",
        ),
        (
            "case when qty then 1 end",
            "<expression>:1:11: error[X105]: 'when' needs a condition (true/false), but got qty"
            " (number) (hint: compare it with something, e.g. amount > 0, or test it with"
            " 'is null')",
        ),
        (
            "greatest(is_complaint, true)",
            "<expression>:1:1: error[X103]: greatest() cannot order conditions"
            " (hint: use 'and' / 'or' to combine conditions)",
        ),
        (
            "nullif(region, 0)",
            "<expression>:1:1: error[X104]: cannot compare region (text) with number 0"
            " (hint: ids and codes are text: write '0' in quotes)",
        ),
    ],
)
def test_type_errors(text: str, rendered: str) -> None:
    assert problem(text) == rendered


def test_expected_result_type() -> None:
    assert problem("amount", expect=T.BOOLEAN) == (
        "<expression>:1:1: error[X109]: expected a condition (true/false) here, but the"
        " expression gives amount (money) (hint: a filter keeps the rows where it is true:"
        " compare, e.g. amount > 0)"
    )
    assert problem("amount * 2", expect=T.BOOLEAN).startswith(
        "<expression>:1:1: error[X109]: expected a condition (true/false) here, but the"
        " expression gives money"
    )
    assert problem("region", expect={T.NUMBER, T.MONEY}) == (
        "<expression>:1:1: error[X109]: expected a number or money here, but the expression"
        " gives region (text)"
    )
    typed = check(parse("qty + 1"), SCOPE, expect=T.NUMBER).typed
    assert typed is not None and typed.type is T.INTEGER
    typed = check(parse("1000"), SCOPE, expect=T.MONEY).typed
    assert typed is not None and typed.type is T.MONEY and typed.expr.type is T.MONEY


def test_all_errors_are_collected_once() -> None:
    result = check(parse("amout > 0 and regin = 'x' and (foo + 1) * 2 > 3"), SCOPE)
    assert [(i.code, i.span.column if i.span else 0) for i in result.issues] == [
        ("X101", 1),
        ("X101", 15),
        ("X101", 32),
    ]


def test_entity_scope_follows_references() -> None:
    orders = EntityScope("orders")
    ok = check(parse("customer.segment = 'VIP' and staff.team = '华东一组'"), orders)
    assert ok.typed is not None
    binding = orders.resolve(("customer", "owner", "team"))
    assert binding is not None
    assert (binding.type, binding.table, binding.column) == (T.TEXT, "staff", "team")
    assert binding.via == ("customer_id", "owner_id")
    assert orders.resolve(("amount",)) == NameBinding(
        T.MONEY, "Amount / 金额", (), "orders", "amount", ()
    )
    assert orders.resolve(("customer",)) is None
    assert orders.resolve(("customer", "owner", "manager", "team")) is not None  # three hops
    assert orders.resolve(("customer", "owner", "manager", "manager", "team")) is None
    status = orders.resolve(("status",))
    assert status is not None and status.enum == ("open", "delivered", "cancelled", "refund")
    customers = EntityScope("customers")
    assert customers.resolve(("referred_by", "segment")) is not None
    tickets = EntityScope("tickets")
    result = check(parse("is_complaint and in_period(opened_at)"), tickets, expect=T.BOOLEAN)
    assert result.typed is not None
    retention = "acquired_on < period_start and (churned_on is null or churned_on >= period_start)"
    assert check(parse(retention), customers, expect=T.BOOLEAN).ok


def test_entity_scope_did_you_mean() -> None:
    result = check(parse("custmer.segment = 'VIP' or amunt > 0"), EntityScope("orders"))
    assert [i.render() for i in result.issues] == [
        "<expression>:1:1: error[X101]: unknown name 'custmer.segment'"
        " (hint: did you mean 'customer.segment'?)",
        "<expression>:1:28: error[X101]: unknown name 'amunt' (hint: did you mean 'amount'?)",
    ]


def test_type_errors_relocate_to_the_rule_file() -> None:
    result = check(parse("amount > 'abc'"), SCOPE)
    where = ExprLocation("rules/am.yaml", 20, 15, "indicators[0].filter")
    (issue,) = relocate(result.issues, where)
    assert issue.render() == (
        "rules/am.yaml:20:15: error[X104] at indicators[0].filter: cannot compare amount"
        " (money) with text 'abc' (hint: did you mean a number?)"
    )


def test_checked_tree_renders_like_the_input() -> None:
    text = "if(amount > 1000 * 3, round(amount * 2.5%, 2), 0)"
    typed = check(parse(text), SCOPE).typed
    assert typed is not None
    assert render(typed.expr) == text
    assert typed.expr == parse(text)
