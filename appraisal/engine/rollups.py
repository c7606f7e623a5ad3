"""Rating distributions and rollups: per scorecard, per team and per manager's subtree.

Groups of a scorecard's subjects:

* ``all``: everyone;
* ``team``: by ``staff.team`` (a client's team is its owner's);
* ``lead``: for every manager, everyone below them, directly or indirectly
  (a client belongs to its owner, so an account manager's group holds their
  clients and a team lead's group those of the whole team).

Each group gets its number of subjects, how many have a total, the average
total (exact, rounded like scores), the sum of money incentives paid and the
count per tier (``run_group_tiers``; tier NULL counts the unrated).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from appraisal.engine import exact as x
from appraisal.engine.cardrun import CardRun
from appraisal.engine.exact import Fixed, integer
from appraisal.engine.hierarchy import Hierarchy
from appraisal.engine.operands import stored
from appraisal.engine.run_tables import RUN_GROUP_TIERS, RUN_GROUPS, RUN_INCENTIVES
from appraisal.store.types import MONEY_SCALE


def _base(card: CardRun) -> tuple[Any, int]:
    """Subjects with their total and money paid, as integers (and the total's scale)."""
    subjects = card.subjects()
    inc = RUN_INCENTIVES
    amount = stored(inc.c.amount, MONEY_SCALE, card.dialect)
    paid = (
        sa.select(inc.c.subject_id, sa.func.sum(amount.sql).label("money"))
        .where(inc.c.run_id == card.run_id, inc.c.scorecard_id == card.scorecard.id)
        .where(inc.c.amount.is_not(None))
        .group_by(inc.c.subject_id)
        .subquery("paid")
    )
    total = stored(subjects.c.total, card.ruleset.settings.score_rounding.places, card.dialect)
    base = (
        sa.select(
            subjects.c.subject_id,
            subjects.c.team,
            subjects.c.manager_id,
            subjects.c.tier,
            total.sql.label("total"),
            sa.func.coalesce(paid.c.money, integer(0)).label("money"),
        )
        .select_from(subjects.outerjoin(paid, paid.c.subject_id == subjects.c.subject_id))
        .subquery("base")
    )
    return base, total.scale


def _groupings(card: CardRun, base: Any, hierarchy: Hierarchy | None) -> list[tuple[str, Any, Any]]:
    """(kind, group id expression, FROM clause) for each kind of group."""
    groups: list[tuple[str, Any, Any]] = [
        ("all", sa.cast(sa.null(), sa.String()), base),
        ("team", base.c.team, base),
    ]
    if hierarchy is not None:
        c = hierarchy.closure
        pairs = sa.select(c.c.staff_id, c.c.ancestor_id).distinct().subquery("above")
        groups.append(
            ("lead", pairs.c.ancestor_id, base.join(pairs, pairs.c.staff_id == base.c.manager_id))
        )
    return groups


def roll_up(card: CardRun, hierarchy: Hierarchy | None = None) -> None:
    """Insert the group summaries and tier distributions of a scorecard."""
    base, scale = _base(card)
    rounding = card.ruleset.settings.score_rounding
    for kind, key, source in _groupings(card, base, hierarchy):
        keys = [key] if kind != "all" else []
        inner = (
            sa.select(
                key.label("group_id"),
                sa.func.count().label("subjects"),
                sa.func.count(base.c.total).label("rated"),
                sa.func.sum(base.c.total).label("total_sum"),
                sa.func.sum(base.c.money).label("money"),
            )
            .select_from(source)
            .group_by(*keys)
            .subquery("grouped")
        )
        average = x.round_div(
            Fixed(inner.c.total_sum, scale), Fixed(inner.c.rated, 0), rounding.places, rounding.mode
        )
        t = RUN_GROUPS
        select = sa.select(
            card.run_literal(),
            card.card_literal(),
            sa.literal(kind),
            inner.c.group_id,
            inner.c.subjects,
            inner.c.rated,
            average.number(),
            Fixed(sa.func.coalesce(inner.c.money, integer(0)), MONEY_SCALE).money(),
        )
        columns = [
            t.c.run_id,
            t.c.scorecard_id,
            t.c.group_kind,
            t.c.group_id,
            t.c.subjects,
            t.c.rated,
            t.c.average_total,
            t.c.incentive_total,
        ]
        card.conn.execute(t.insert().from_select(columns, select))
        tiers = (
            sa.select(
                card.run_literal(),
                card.card_literal(),
                sa.literal(kind),
                key,
                base.c.tier,
                sa.func.count(),
            )
            .select_from(source)
            .group_by(*keys, base.c.tier)
        )
        g = RUN_GROUP_TIERS
        card.conn.execute(
            g.insert().from_select(
                [
                    g.c.run_id,
                    g.c.scorecard_id,
                    g.c.group_kind,
                    g.c.group_id,
                    g.c.tier,
                    g.c.subjects,
                ],
                tiers,
            )
        )
