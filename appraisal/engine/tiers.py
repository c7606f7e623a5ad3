"""Tiers and gates: each subject's total placed in a band, then capped by gates that fire.

* A total lies in exactly one band of the tier table: ``[min, max)`` with
  ``lower_inclusive`` boundaries, ``(min, max]`` with ``upper_inclusive``; the
  lowest band is open below and the highest open above.  No total, no tier.
* A gate fires when its ``when`` holds; a condition over a not-applicable
  value does not hold (SQL's NULL), so such a gate never fires.
* The final tier is the worst of the tier before gates and the ``cap_tier`` of
  every gate that fired; a fired ``no_incentive`` gate withholds every monetary
  incentive.

Written by one ``INSERT ... SELECT`` into ``run_subject_results``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from appraisal.engine.cardrun import CardRun
from appraisal.engine.exact import Fixed, integer
from appraisal.engine.run_tables import RUN_SUBJECTS
from appraisal.engine.score import Ratio, in_band
from appraisal.expr import to_sql
from appraisal.expr.sqlfuncs import Least
from appraisal.spec.expressions import typed_expressions
from appraisal.spec.models import TierTable


def tier_codes(table: TierTable) -> tuple[str, ...]:
    """Tier codes from worst to best; a code's index is its rank."""
    return tuple(b.code for b in table.ascending())


def rank_of(table: TierTable, total: Fixed) -> ColumnElement[Any]:
    """The rank of the band holding ``total`` (NULL when there is no total)."""
    whole = Ratio(total, Fixed.const(1))
    arms = [
        (in_band(b.min, b.max, table.boundaries, whole), integer(rank))
        for rank, b in enumerate(table.ascending())
    ]
    return sa.case((total.is_null(), sa.null()), *arms, else_=sa.null())


def code_of(table: TierTable, rank: ColumnElement[Any]) -> ColumnElement[Any]:
    """The tier code of a rank (NULL stays NULL)."""
    arms = [(rank == integer(i), sa.literal(code)) for i, code in enumerate(tier_codes(table))]
    return sa.case(*arms, else_=sa.null())


def at_least(table: TierTable, tier: ColumnElement[Any], minimum: str) -> ColumnElement[bool]:
    """The tier is ``minimum`` or better."""
    codes = tier_codes(table)
    return tier.in_(codes[codes.index(minimum) :])


def gate_conditions(card: CardRun) -> list[ColumnElement[bool]]:
    """Each gate's ``when`` over the frame's value columns."""
    typed = typed_expressions(card.ruleset)
    conditions = []
    for g, _gate in enumerate(card.scorecard.gates):
        expr = typed[("scorecards", card.card_index, "gates", g, "when")]
        conditions.append(to_sql(expr, lambda path: card.frame_column(path[0]), card.params))
    return conditions


def _concat(pieces: Sequence[ColumnElement[Any]]) -> ColumnElement[Any]:
    if not pieces:
        return sa.literal("")
    return sa.func.substr(reduce(lambda a, b: a + b, pieces), 2)


def assign_tiers(card: CardRun) -> None:
    """Tier before gates, gates fired, final tier and withholding, per subject."""
    table = card.ruleset.tier_table(card.scorecard.tiers)
    scored, frame = card.scored.table, card.frame.table
    fired_cols = [
        sa.case((cond, integer(1)), else_=integer(0)).label(f"g{g}")
        for g, cond in enumerate(gate_conditions(card))
    ]
    inner = (
        sa.select(
            frame.c.subject_id,
            frame.c.subject_name,
            frame.c.role,
            frame.c.team,
            frame.c.manager_id,
            card.scored.layout.total(scored).number().label("total"),
            rank_of(table, card.scored.layout.total(scored)).label("rank_before"),
            *fired_cols,
        )
        .select_from(frame.join(scored, scored.c.subject_id == frame.c.subject_id))
        .subquery("gated")
    )
    gates = card.scorecard.gates
    codes = tier_codes(table)
    caps = [
        sa.case(
            (inner.c[f"g{g}"] == 1, integer(codes.index(gate.cap_tier))), else_=integer(len(codes))
        )
        for g, gate in enumerate(gates)
        if gate.cap_tier is not None
    ]
    final = Least(inner.c.rank_before, *caps) if caps else inner.c.rank_before
    fired = [
        sa.case((inner.c[f"g{g}"] == 1, sa.literal("," + gate.id)), else_=sa.literal(""))
        for g, gate in enumerate(gates)
    ]
    withheld = [inner.c[f"g{g}"] == 1 for g, gate in enumerate(gates) if gate.no_incentive]
    select = sa.select(
        card.run_literal(),
        card.card_literal(),
        inner.c.subject_id,
        sa.literal(card.scorecard.subject.value),
        inner.c.subject_name,
        inner.c.role,
        inner.c.team,
        inner.c.manager_id,
        inner.c.total,
        code_of(table, inner.c.rank_before),
        _concat(fired),
        code_of(table, final),
        sa.case((sa.or_(*withheld), sa.true()), else_=sa.false()) if withheld else sa.false(),
    )
    t = RUN_SUBJECTS
    columns = [
        t.c.run_id,
        t.c.scorecard_id,
        t.c.subject_id,
        t.c.subject_kind,
        t.c.subject_name,
        t.c.role,
        t.c.team,
        t.c.manager_id,
        t.c.total,
        t.c.tier_before_gates,
        t.c.gates_fired,
        t.c.tier,
        t.c.incentives_withheld,
    ]
    card.conn.execute(t.insert().from_select(columns, select))
