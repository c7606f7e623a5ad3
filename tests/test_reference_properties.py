"""Properties of the reference scoring maths, independent of any database.

Monotonic scores in the better direction, one tier for every total, totals
invariant under scaling of the weights, and pools that add up to the cent.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.spec.enums import Basis, Boundaries, CommissionSchedule, Direction
from appraisal.spec.models import (
    AnyScoring,
    AttainmentScoring,
    BandsScoring,
    CommissionBracket,
    CommissionIncentive,
    DirectScoring,
    LinearScoring,
    PassFailScoring,
    Rounding,
    ScoreBand,
    ScoringPoint,
    Text,
    TierBand,
    TierTable,
)
from tests.reference.incentives import allocate, commission_amount
from tests.reference.rfm import quintile
from tests.reference.scoring import (
    WeightedScore,
    in_band,
    item_score,
    section_score,
    tier_of,
    weighted_total,
)

QUICK = settings(max_examples=40, deadline=None)
LABEL = Text(en="x")


def dec(low: int, high: int, places: int = 2) -> st.SearchStrategy[Decimal]:
    """Exact decimals between low and high with ``places`` decimals."""
    scale = 10**places
    return st.integers(low * scale, high * scale).map(lambda n: Decimal(n).scaleb(-places))


def ascending(count: int, low: int, high: int) -> st.SearchStrategy[list[Decimal]]:
    """``count`` distinct decimals in increasing order."""
    return st.lists(dec(low, high), min_size=count, max_size=count, unique=True).map(sorted)


@st.composite
def linear(draw: st.DrawFn, direction: Direction) -> LinearScoring:
    """A linear scoring line that improves with the value (points ordered by direction)."""
    ats = draw(ascending(3, 0, 3))
    scores = sorted(draw(st.lists(dec(0, 150), min_size=3, max_size=3)))
    if direction is Direction.LOWER:
        ats = ats[::-1]
    below = draw(dec(0, 0) | st.just(scores[0]))
    points = [ScoringPoint(at=a, score=s) for a, s in zip(ats, scores, strict=True)]
    cap = draw(st.none() | st.just(max(scores[1], scores[2])))
    return LinearScoring(
        method="linear",
        basis=draw(st.sampled_from([Basis.OF_TARGET, Basis.ABSOLUTE])),
        threshold=points[0],
        target=points[1],
        stretch=points[2],
        below_threshold=below,
        cap=cap,
    )


@st.composite
def bands(draw: st.DrawFn, direction: Direction) -> BandsScoring:
    """Contiguous step bands whose scores follow the direction."""
    cuts = draw(ascending(draw(st.integers(1, 4)), 0, 3))
    scores = sorted(draw(st.lists(dec(0, 120), min_size=len(cuts) + 1, max_size=len(cuts) + 1)))
    if direction is Direction.LOWER:
        scores = scores[::-1]
    edges: list[Decimal | None] = [None, *cuts, None]
    made = [
        ScoreBand(min=edges[k], max=edges[k + 1], score=scores[k]) for k in range(len(cuts) + 1)
    ]
    return BandsScoring(
        method="bands",
        basis=draw(st.sampled_from([Basis.OF_TARGET, Basis.ABSOLUTE])),
        boundaries=draw(st.sampled_from(list(Boundaries))),
        bands=tuple(made),
    )


def scorings(direction: Direction) -> st.SearchStrategy[AnyScoring]:
    """Every scoring method, configured to improve with the value.

    Direct scoring reads the value as points, so it only fits higher-is-better values.
    """
    attainment = st.builds(
        lambda cap, floor: AttainmentScoring(method="attainment", cap=cap, floor=floor),
        dec(100, 150),
        dec(0, 50),
    )
    pass_fail = st.builds(
        lambda basis, threshold, fail, extra: PassFailScoring(
            method="pass_fail",
            basis=basis,
            threshold=threshold,
            fail_score=fail,
            pass_score=fail + extra,
        ),
        st.sampled_from([Basis.OF_TARGET, Basis.ABSOLUTE]),
        dec(0, 3),
        dec(0, 60),
        dec(0, 60),
    )
    direct = st.builds(
        lambda cap, floor: DirectScoring(method="direct", cap=cap, floor=floor),
        dec(60, 120),
        dec(0, 50),
    )
    methods = linear(direction) | bands(direction) | attainment | pass_fail
    return methods | direct if direction is Direction.HIGHER else methods


@QUICK
@given(
    direction=st.sampled_from(list(Direction)),
    data=st.data(),
    target=dec(1, 5),
    values=st.lists(dec(0, 8), min_size=2, max_size=2).map(sorted),
)
def test_improving_the_value_never_lowers_the_score(
    direction: Direction, data: st.DataObject, target: Decimal, values: list[Decimal]
) -> None:
    scoring = data.draw(scorings(direction))
    worse, better = values if direction is Direction.HIGHER else values[::-1]
    low = item_score(scoring, direction, worse, target)
    high = item_score(scoring, direction, better, target)
    assert low is not None and high is not None
    assert high >= low


@st.composite
def tier_tables(draw: st.DrawFn) -> TierTable:
    """Contiguous tier tables, open at both ends, either boundary rule."""
    cuts = draw(ascending(draw(st.integers(0, 5)), 0, 150))
    edges: list[Decimal | None] = [None, *cuts, None]
    made = [
        TierBand(code=f"T{k}", label=LABEL, min=edges[k], max=edges[k + 1])
        for k in range(len(cuts) + 1)
    ]
    return TierTable(
        id="tiers", boundaries=draw(st.sampled_from(list(Boundaries))), bands=tuple(made)
    )


@QUICK
@given(table=tier_tables(), data=st.data())
def test_every_total_maps_to_exactly_one_tier(table: TierTable, data: st.DataObject) -> None:
    edges = [b.min for b in table.bands if b.min is not None]
    total = data.draw(dec(-10, 200) | (st.sampled_from(edges) if edges else dec(0, 1)))
    holding = [b.code for b in table.bands if in_band(b.min, b.max, total, table.boundaries)]
    assert len(holding) == 1
    assert tier_of(table, total) == holding[0]


@QUICK
@given(
    items=st.lists(
        st.tuples(dec(1, 100), st.none() | dec(0, 150), st.booleans()), min_size=1, max_size=6
    ),
    shares=st.lists(dec(1, 100), min_size=1, max_size=3),
    factor=dec(1, 50).filter(lambda f: f != 0),
)
def test_scaling_every_weight_leaves_the_total_unchanged(
    items: list[tuple[Decimal, Decimal | None, bool]], shares: list[Decimal], factor: Decimal
) -> None:
    from appraisal.spec.enums import ItemNotApplicable

    def total(k: Decimal) -> Decimal | None:
        section = section_score(
            [
                WeightedScore(
                    w * k,
                    s,
                    ItemNotApplicable.ZERO if zero else ItemNotApplicable.REWEIGHT,
                )
                for w, s, zero in items
            ]
        )
        return weighted_total([(share * k, section) for share in shares])

    base, scaled = total(Decimal(1)), total(factor)
    rounding = Rounding(places=2)
    assert (base is None) == (scaled is None)
    if base is not None and scaled is not None:
        assert rounding.apply(base) == rounding.apply(scaled)


@QUICK
@given(
    cents=st.integers(1, 10_000_000),
    weights=st.dictionaries(
        st.sampled_from([f"S{k}" for k in range(8)]), dec(0, 200), min_size=1, max_size=8
    ),
)
def test_pool_shares_sum_exactly_to_the_pool(cents: int, weights: dict[str, Decimal]) -> None:
    amount = Decimal(cents).scaleb(-2)
    quantum = Decimal("0.01")
    paid = allocate(amount, weights, quantum)
    total_weight = sum(weights.values(), Decimal(0))
    assert set(paid) == set(weights)
    if total_weight == 0:
        assert all(v == 0 for v in paid.values())
        return
    assert sum(paid.values(), Decimal(0)) == amount
    for subject, weight in weights.items():
        exact = Fraction(amount) * Fraction(weight) / Fraction(total_weight)
        assert abs(Fraction(paid[subject]) - exact) < Fraction(quantum)


@QUICK
@given(
    rates=st.lists(dec(0, 10, 3), min_size=1, max_size=4).map(sorted),
    gaps=st.lists(dec(1, 100_000), min_size=3, max_size=3),
    amounts=st.lists(dec(-1000, 500_000), min_size=2, max_size=2).map(sorted),
)
def test_commission_rises_with_the_amount_and_marginal_never_exceeds_step(
    rates: list[Decimal], gaps: list[Decimal], amounts: list[Decimal]
) -> None:
    mins = [Decimal(0)]
    for gap in gaps[: len(rates) - 1]:
        mins.append(mins[-1] + gap)
    brackets = tuple(
        CommissionBracket(min=m, rate=r / 100) for m, r in zip(mins, rates, strict=False)
    )
    rounding = Rounding(places=2)

    def pay(schedule: CommissionSchedule, amount: Decimal) -> Decimal:
        incentive = CommissionIncentive(
            kind="commission",
            id="c",
            title=LABEL,
            indicator="sales",
            schedule=schedule,
            brackets=brackets,
        )
        return commission_amount(incentive, amount, None, rounding)

    low, high = amounts
    for schedule in CommissionSchedule:
        assert Decimal(0) <= pay(schedule, low) <= pay(schedule, high)
    assert pay(CommissionSchedule.MARGINAL, high) <= pay(CommissionSchedule.STEP, high)


@QUICK
@given(
    population=st.lists(dec(0, 50, 0), min_size=1, max_size=12),
    direction=st.sampled_from(list(Direction)),
)
def test_quintiles_are_one_to_five_and_follow_the_direction(
    population: list[Decimal], direction: Direction
) -> None:
    scores = {v: quintile(v, population, direction) for v in population}
    assert all(1 <= s <= 5 for s in scores.values())
    ordered = sorted(scores, reverse=direction is Direction.LOWER)
    assert [scores[v] for v in ordered] == sorted(scores[v] for v in ordered)
    best = max(population) if direction is Direction.HIGHER else min(population)
    if len(set(population)) == len(population) and len(population) >= 5:
        assert scores[best] == 5
