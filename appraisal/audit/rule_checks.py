"""Compare what a rule-test case expects with what the evaluation stored.

Everything is read back from the database after the evaluation: the values
frames (every indicator's value and target, not only the scored ones) and the
run tables (item scores, totals, tiers, incentives, plans, segments), for
persons, teams and clients alike.  Each mismatch is one line:
``S1 (rep): total expected 90, got 67.20``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from appraisal.audit.canonical import decimal_text
from appraisal.audit.rule_tests import Expectation
from appraisal.engine.evaluate import Frames
from appraisal.engine.frame import target_column, value_column
from appraisal.engine.run_tables import (
    RUN_INCENTIVES,
    RUN_ITEMS,
    RUN_PLAN_ITEMS,
    RUN_SEGMENTS,
    RUN_SUBJECTS,
)
from appraisal.expr.sqltypes import to_decimal
from appraisal.spec.models import RuleSet


class CaseError(Exception):
    """The case cannot be checked as written (an unknown id, an ambiguous subject)."""


def show(value: Any) -> str:
    """A value in a message: numbers normalised, ``null`` for none."""
    if value is None:
        return "null"
    if isinstance(value, (Decimal, int, float)):
        return decimal_text(to_decimal(value))
    return str(value)


def _same(expected: Decimal | None, got: Any) -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    return to_decimal(got) == expected


def _scorecard_of(conn: Connection, run_id: str, expect: Expectation) -> str:
    s = RUN_SUBJECTS
    cards = [
        str(r[0])
        for r in conn.execute(
            sa.select(s.c.scorecard_id)
            .where(s.c.run_id == run_id, s.c.subject_id == expect.subject)
            .order_by(s.c.scorecard_id)
        )
    ]
    if expect.scorecard is not None:
        if expect.scorecard not in cards:
            raise CaseError(
                f"{expect.subject} is not appraised by scorecard '{expect.scorecard}'"
                + (f" (it is by: {', '.join(cards)})" if cards else "")
            )
        return expect.scorecard
    if len(cards) == 1:
        return cards[0]
    if not cards:
        raise CaseError(f"{expect.subject} is not appraised by any scorecard (check its role)")
    raise CaseError(
        f"{expect.subject} is appraised by {', '.join(cards)}: say which with 'scorecard:'"
    )


def _frame_row(conn: Connection, frames: Frames, card: str, subject: str) -> Mapping[str, Any]:
    frame = frames.scorecards[card]
    row = conn.execute(sa.select(frame.table).where(frame.table.c.subject_id == subject)).first()
    return {} if row is None else dict(row._mapping)


def _known(ruleset: RuleSet, kind: str, ident: str, known: list[str]) -> None:
    if ident not in known:
        raise CaseError(f"no {kind} '{ident}' in {ruleset.metadata.id} (known: {', '.join(known)})")


def _values(
    ruleset: RuleSet, expect: Expectation, row: Mapping[str, Any], where: str
) -> Iterator[str]:
    known = [i.id for i in ruleset.indicators]
    for label, wanted, column in (
        ("value", expect.values, value_column),
        ("target", expect.targets, target_column),
    ):
        for indicator, value in wanted.items():
            _known(ruleset, "indicator", indicator, known)
            if column(indicator) not in row:
                raise CaseError(f"{where} has no {label} of '{indicator}' (not measured)")
            got = row[column(indicator)]
            if not _same(value, got):
                yield f"{where}: {indicator} {label} expected {show(value)}, got {show(got)}"


def _scores(
    conn: Connection, run_id: str, card: str, expect: Expectation, where: str
) -> Iterator[str]:
    t = RUN_ITEMS
    rows = conn.execute(
        sa.select(t.c.indicator_id, t.c.score).where(
            t.c.run_id == run_id, t.c.scorecard_id == card, t.c.subject_id == expect.subject
        )
    ).all()
    scores = {r.indicator_id: r.score for r in rows}
    for indicator, value in expect.scores.items():
        if indicator not in scores:
            raise CaseError(f"scorecard '{card}' has no item '{indicator}'")
        if not _same(value, scores[indicator]):
            got = show(scores[indicator])
            yield f"{where}: {indicator} score expected {show(value)}, got {got}"


def _subject_row(conn: Connection, run_id: str, card: str, subject: str) -> Any:
    s = RUN_SUBJECTS
    return conn.execute(
        sa.select(s.c.total, s.c.tier).where(
            s.c.run_id == run_id, s.c.scorecard_id == card, s.c.subject_id == subject
        )
    ).one()


def _incentives(
    conn: Connection, run_id: str, ruleset: RuleSet, card: str, expect: Expectation, where: str
) -> Iterator[str]:
    t = RUN_INCENTIVES
    paid = {
        r.incentive_id: r.amount
        for r in conn.execute(
            sa.select(t.c.incentive_id, t.c.amount).where(
                t.c.run_id == run_id, t.c.scorecard_id == card, t.c.subject_id == expect.subject
            )
        )
    }
    scorecard = next(c for c in ruleset.scorecards if c.id == card)
    known = [i.id for i in scorecard.incentives]
    for incentive, value in expect.incentives.items():
        _known(ruleset, f"incentive of scorecard '{card}'", incentive, known)
        got = paid.get(incentive)
        if not _same(value, got):
            yield f"{where}: {incentive} paid expected {show(value)}, got {show(got)}"


def _plan(
    conn: Connection, run_id: str, card: str, expect: Expectation, where: str
) -> Iterator[str]:
    if expect.plan is None:
        return
    t = RUN_PLAN_ITEMS
    fired = sorted(
        str(r[0])
        for r in conn.execute(
            sa.select(t.c.rule_id).where(
                t.c.run_id == run_id, t.c.scorecard_id == card, t.c.subject_id == expect.subject
            )
        )
    )
    if fired != sorted(expect.plan):
        wanted = ", ".join(sorted(expect.plan)) or "none"
        yield f"{where}: plan expected [{wanted}], got [{', '.join(fired) or 'none'}]"


def _segments(
    conn: Connection, run_id: str, ruleset: RuleSet, expect: Expectation
) -> Iterator[str]:
    t = RUN_SEGMENTS
    known = [s.id for s in ruleset.segmentations]
    for segmentation, code in expect.segments.items():
        _known(ruleset, "segmentation", segmentation, known)
        got = conn.execute(
            sa.select(t.c.segment).where(
                t.c.run_id == run_id,
                t.c.segmentation_id == segmentation,
                t.c.subject_id == expect.subject,
            )
        ).scalar()
        if got != code:
            where = f"{expect.subject} ({segmentation})"
            yield f"{where}: segment expected {code}, got {show(got)}"


def check_expectation(
    conn: Connection, run_id: str, ruleset: RuleSet, frames: Frames, expect: Expectation
) -> list[str]:
    """Every mismatch between one expectation and the stored results."""
    problems = list(_segments(conn, run_id, ruleset, expect))
    scored = (expect.values, expect.targets, expect.scores, expect.incentives)
    needs_card = any(scored) or expect.total is not None or expect.tier is not None
    if not needs_card and expect.plan is None:
        return problems
    card = _scorecard_of(conn, run_id, expect)
    where = f"{expect.subject} ({card})"
    row = _frame_row(conn, frames, card, expect.subject)
    problems.extend(_values(ruleset, expect, row, where))
    problems.extend(_scores(conn, run_id, card, expect, where))
    subject = _subject_row(conn, run_id, card, expect.subject)
    if expect.total is not None and not _same(expect.total, subject.total):
        problems.append(f"{where}: total expected {show(expect.total)}, got {show(subject.total)}")
    if expect.tier is not None and expect.tier != subject.tier:
        problems.append(f"{where}: tier expected {expect.tier}, got {show(subject.tier)}")
    problems.extend(_incentives(conn, run_id, ruleset, card, expect, where))
    problems.extend(_plan(conn, run_id, card, expect, where))
    return problems
