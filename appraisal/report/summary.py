"""Team summary, leaderboard, rating distribution and the run index, as view models.

Summaries are computed from the subjects the bundle may show, streamed one
slim row at a time (a client scorecard has hundreds of thousands), so a
manager's summary covers their reports and clients only.  Averages are exact:
the sum of the (already rounded) totals divided once and rounded like
scores.

The rule language declares no target rating distribution (forced-ranking
quotas), so the distribution is shown alone, with a note saying so.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from appraisal.report.charts import share_width
from appraisal.report.context import CardContext, tier_tones
from appraisal.report.i18n import labels, phrase
from appraisal.report.scoped import IncentiveSum, SlimRow, Winner
from appraisal.spec.enums import SubjectKind
from appraisal.spec.models import AwardIncentive, PoolIncentive, Segmentation

LEADERS = 20
"""Rows of the leaderboard on the summary page (the full ranking is in the tables)."""


@dataclass(frozen=True)
class DistributionRow:
    """One tier of the rating distribution."""

    code: str
    label: str
    tone: str
    count: str
    share: str
    width: str


@dataclass(frozen=True)
class TeamRow:
    """One team's size, average, money paid and tier counts (in band order)."""

    team: str
    subjects: str
    rated: str
    average: str
    paid: str
    tiers: tuple[str, ...]


@dataclass(frozen=True)
class LeaderRow:
    """A place on the leaderboard."""

    rank: str
    subject_id: str
    name: str
    path: str
    team: str
    total: str
    tier_label: str
    tone: str


@dataclass(frozen=True)
class IncentiveTotalView:
    """An incentive over the subjects shown."""

    incentive_id: str
    title: str
    kind: str
    total: str
    recipients: str


@dataclass(frozen=True)
class WinnerView:
    """An award winner."""

    incentive_id: str
    title: str
    award: str
    rank: str
    subject_id: str
    name: str
    path: str


@dataclass(frozen=True)
class PlanCountView:
    """How many subjects an improvement rule applies to."""

    rule_id: str
    action: str
    count: str


@dataclass(frozen=True)
class SegmentCountView:
    """Clients in one segment."""

    code: str
    label: str
    count: str
    share: str
    width: str


@dataclass(frozen=True)
class SummaryView:
    """A scorecard's summary page."""

    scorecard_id: str
    title: str
    kind: str
    path: str
    root: str
    count_label: str
    subjects: str
    rated: str
    average: str
    paid: str
    distribution: tuple[DistributionRow, ...]
    distribution_note: str
    tier_headers: tuple[str, ...]
    teams: tuple[TeamRow, ...]
    leaders: tuple[LeaderRow, ...]
    leaders_note: str
    incentives: tuple[IncentiveTotalView, ...]
    pool_notes: tuple[str, ...]
    winners: tuple[WinnerView, ...]
    plans: tuple[PlanCountView, ...]
    segments: tuple[SegmentCountView, ...]
    segment_note: str


# ── streaming tallies ──────────────────────────────────────────────────────────


@dataclass
class Tally:
    """Counts, sums and tiers of a group of subjects."""

    subjects: int = 0
    rated: int = 0
    total_sum: Decimal = Decimal(0)
    money: Decimal = Decimal(0)
    tiers: Counter[str | None] = field(default_factory=Counter)

    def add(self, row: SlimRow) -> None:
        """Count one subject."""
        self.subjects += 1
        if row.total is not None:
            self.rated += 1
            self.total_sum += row.total
        self.money += row.money
        self.tiers[row.tier] += 1


@dataclass
class Board:
    """The whole group, each team, and the best ``size`` subjects (ties: lower id first)."""

    size: int
    everyone: Tally = field(default_factory=Tally)
    teams: dict[str, Tally] = field(default_factory=dict)
    _heap: list[tuple[Decimal, int, SlimRow]] = field(default_factory=list)
    _seen: int = 0

    def add(self, row: SlimRow) -> None:
        """Count a subject (rows arrive ordered by id)."""
        self.everyone.add(row)
        self.teams.setdefault(row.team or "", Tally()).add(row)
        if row.total is None:
            return
        self._seen += 1
        entry = (row.total, -self._seen, row)
        if len(self._heap) < self.size:
            heapq.heappush(self._heap, entry)
        elif entry[:2] > self._heap[0][:2]:
            heapq.heapreplace(self._heap, entry)

    def sorted_teams(self) -> list[tuple[str, Tally]]:
        """Teams in natural order (``East 2`` before ``East 10``), subjects without a team last."""
        return sorted(self.teams.items(), key=lambda pair: team_order(pair[0]))

    def leaders(self) -> list[SlimRow]:
        """The best subjects, best first."""
        return [row for _, _, row in sorted(self._heap, key=lambda e: e[:2], reverse=True)]


def team_order(team: str) -> tuple[bool, tuple[tuple[int, int | str], ...], str]:
    """Sort key: no team last, digit runs compared as numbers, then the text itself."""
    parts = tuple(
        (0, int(part)) if part.isdigit() else (1, part.casefold())
        for part in re.split(r"(\d+)", team)
        if part
    )
    return (team == "", parts, team)


def tally(rows: Iterable[SlimRow], size: int = LEADERS) -> Board:
    """One pass over the subjects."""
    board = Board(size)
    for row in rows:
        board.add(row)
    return board


def average(ctx: CardContext, group: Tally) -> Decimal | None:
    """The exact mean of the rated totals, rounded like scores."""
    if group.rated == 0:
        return None
    with localcontext() as exact:
        exact.prec = 60
        mean = group.total_sum / group.rated
    return ctx.ruleset.settings.score_rounding.apply(mean)


# ── the summary page ───────────────────────────────────────────────────────────


def distribution(ctx: CardContext, group: Tally) -> tuple[DistributionRow, ...]:
    """Tiers best first, with count and share of all subjects."""
    tones = tier_tones(ctx.tiers)
    rows = []
    for band in reversed(ctx.tiers.ascending()):
        count = group.tiers.get(band.code, 0)
        rows.append(
            DistributionRow(
                code=band.code,
                label=band.label.get(ctx.language),
                tone=tones[band.code],
                count=ctx.fmt.integer(count),
                share=_share(ctx, count, group.subjects),
                width=share_width(count, group.subjects),
            )
        )
    unrated = group.tiers.get(None, 0)
    if unrated:
        rows.append(
            DistributionRow(
                code="",
                label=labels(ctx.language)["unrated"],
                tone="none",
                count=ctx.fmt.integer(unrated),
                share=_share(ctx, unrated, group.subjects),
                width=share_width(unrated, group.subjects),
            )
        )
    return tuple(rows)


def _share(ctx: CardContext, part: int, whole: int) -> str:
    if whole == 0:
        return ctx.fmt.percent(None)
    return ctx.fmt.percent(Decimal(part) / Decimal(whole), 1)


def team_rows(ctx: CardContext, board: Board) -> tuple[TeamRow, ...]:
    """One row per team, by team name."""
    order = [b.code for b in reversed(ctx.tiers.ascending())]
    none = labels(ctx.language)["none"]
    return tuple(
        TeamRow(
            team=team or none,
            subjects=ctx.fmt.integer(group.subjects),
            rated=ctx.fmt.integer(group.rated),
            average=ctx.fmt.number(average(ctx, group), ctx.score_places),
            paid=ctx.fmt.money(group.money, ctx.money_places),
            tiers=tuple(ctx.fmt.integer(group.tiers.get(code, 0)) for code in order),
        )
        for team, group in board.sorted_teams()
    )


def leader_rows(ctx: CardContext, board: Board, pages: Mapping[str, str]) -> tuple[LeaderRow, ...]:
    """The leaderboard; names link to pages in the bundle."""
    tones = tier_tones(ctx.tiers)
    none = labels(ctx.language)["none"]
    return tuple(
        LeaderRow(
            rank=ctx.fmt.integer(k),
            subject_id=row.subject_id,
            name=row.name or row.subject_id,
            path=pages.get(row.subject_id, ""),
            team=row.team or none,
            total=ctx.fmt.number(row.total, ctx.score_places),
            tier_label=ctx.tier_label(row.tier),
            tone=tones.get(row.tier or "", "none"),
        )
        for k, row in enumerate(board.leaders(), start=1)
    )


def incentive_rows(
    ctx: CardContext, sums: Mapping[str, IncentiveSum], teams: int
) -> tuple[tuple[IncentiveTotalView, ...], tuple[str, ...]]:
    """Every incentive's total over the subjects shown, and a line per bonus pool."""
    t = labels(ctx.language)
    views, pools = [], []
    for incentive in ctx.card.incentives:
        found = sums.get(incentive.id)
        recipients = ctx.fmt.integer(found.recipients if found else 0)
        title = incentive.title.get(ctx.language)
        if isinstance(incentive, AwardIncentive):
            total = t["none"]
        else:
            paid = (found.total if found else None) or Decimal(0)
            total = ctx.fmt.money(paid, ctx.money_places)
        if isinstance(incentive, PoolIncentive):
            declared = incentive.amount * (teams if incentive.per.value == "team" else 1)
            pools.append(
                phrase(
                    ctx.language,
                    "pool_declared",
                    title=title,
                    declared=ctx.fmt.money(declared, ctx.money_places),
                    allocated=total,
                )
            )
        views.append(
            IncentiveTotalView(incentive.id, title, t[f"kind_{incentive.kind}"], total, recipients)
        )
    return tuple(views), tuple(pools)


def winner_rows(
    ctx: CardContext, winners: Sequence[Winner], pages: Mapping[str, str]
) -> tuple[WinnerView, ...]:
    """Award winners with their award."""
    by_id = {i.id: i for i in ctx.card.incentives if isinstance(i, AwardIncentive)}
    return tuple(
        WinnerView(
            incentive_id=w.incentive,
            title=by_id[w.incentive].title.get(ctx.language),
            award=by_id[w.incentive].award.get(ctx.language),
            rank=phrase(ctx.language, "award_rank", rank=str(w.rank)),
            subject_id=w.subject_id,
            name=w.name or w.subject_id,
            path=pages.get(w.subject_id, ""),
        )
        for w in winners
        if w.incentive in by_id
    )


def plan_rows(ctx: CardContext, counts: Mapping[str, int]) -> tuple[PlanCountView, ...]:
    """Each improvement rule with how many subjects it applies to."""
    return tuple(
        PlanCountView(
            rule.id, rule.action.get(ctx.language), ctx.fmt.integer(counts.get(rule.id, 0))
        )
        for rule in ctx.card.improvement
    )


def segment_rows(
    ctx: CardContext, segmentation: Segmentation | None, counts: Mapping[str, int]
) -> tuple[SegmentCountView, ...]:
    """Clients per segment, in declaration order."""
    if segmentation is None:
        return ()
    whole = sum(counts.values())
    return tuple(
        SegmentCountView(
            code=s.code,
            label=s.label.get(ctx.language),
            count=ctx.fmt.integer(counts.get(s.code, 0)),
            share=_share(ctx, counts.get(s.code, 0), whole),
            width=share_width(counts.get(s.code, 0), whole),
        )
        for s in segmentation.segments
    )


@dataclass(frozen=True)
class SummaryInputs:
    """What the summary page is computed from (all restricted to the bundle's scope)."""

    board: Board
    sums: Mapping[str, IncentiveSum]
    winners: Sequence[Winner]
    plans: Mapping[str, int]
    segmentation: Segmentation | None = None
    segments: Mapping[str, int] = field(default_factory=dict)
    moved: int | None = None


def summary_view(
    ctx: CardContext, inputs: SummaryInputs, path: str, pages: Mapping[str, str]
) -> SummaryView:
    """A scorecard's summary page."""
    t = labels(ctx.language)
    board = inputs.board
    everyone = board.everyone
    kind = ctx.card.subject
    count_label = {
        SubjectKind.PERSON: t["people"],
        SubjectKind.CLIENT: t["clients"],
        SubjectKind.TEAM: t["teams"],
    }[kind]
    incentives, pools = incentive_rows(ctx, inputs.sums, len(board.teams))
    leaders = leader_rows(ctx, board, pages)
    return SummaryView(
        scorecard_id=ctx.card.id,
        title=phrase(ctx.language, "summary_of", scorecard=ctx.card.title.get(ctx.language)),
        kind=kind.value,
        path=path,
        root="../",
        count_label=count_label,
        subjects=ctx.fmt.integer(everyone.subjects),
        rated=ctx.fmt.integer(everyone.rated),
        average=ctx.fmt.number(average(ctx, everyone), ctx.score_places),
        paid=ctx.fmt.money(everyone.money, ctx.money_places),
        distribution=distribution(ctx, everyone),
        distribution_note=t["distribution_no_target"],
        tier_headers=tuple(b.label.get(ctx.language) for b in reversed(ctx.tiers.ascending())),
        teams=team_rows(ctx, board),
        leaders=leaders,
        leaders_note=phrase(
            ctx.language,
            "leaderboard_note",
            shown=ctx.fmt.integer(len(leaders)),
            total=ctx.fmt.integer(everyone.rated),
        ),
        incentives=incentives,
        pool_notes=pools,
        winners=winner_rows(ctx, inputs.winners, pages),
        plans=plan_rows(ctx, inputs.plans),
        segments=segment_rows(ctx, inputs.segmentation, inputs.segments),
        segment_note=""
        if inputs.moved is None
        else phrase(ctx.language, "segment_moves", moved=ctx.fmt.integer(inputs.moved)),
    )


# ── the index ──────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class IndexEntry:
    """A rendered scorecard in the index."""

    subject_id: str
    name: str
    team: str
    total: str
    tier_label: str
    tone: str
    path: str


@dataclass(frozen=True)
class IndexSection:
    """One scorecard's pages in the index."""

    scorecard_id: str
    title: str
    heading: str
    name_label: str
    summary_path: str
    entries: tuple[IndexEntry, ...]
    note: str


@dataclass(frozen=True)
class Download:
    """A table file of the bundle."""

    label: str
    path: str


@dataclass(frozen=True)
class IndexView:
    """The run index: every page of the bundle and the downloads."""

    sections: tuple[IndexSection, ...]
    downloads: tuple[Download, ...]
    empty: bool
