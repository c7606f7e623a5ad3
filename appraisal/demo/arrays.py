"""Numpy helpers shared by the entity generators: typed aliases and vectorised draws.

Every draw takes the caller's ``numpy.random.Generator``; nothing here touches
global random state, so a seed fully determines the output.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

NO_INDEX = -1
"""An index array's "none" (no manager, no referrer, no customer)."""


def ints(values: npt.ArrayLike) -> IntArray:
    """Any integer-like array as int64."""
    return np.asarray(values, dtype=np.int64)


def between(rng: np.random.Generator, low: npt.ArrayLike, high: npt.ArrayLike) -> IntArray:
    """Uniform integers in ``[low, high]`` (inclusive, elementwise)."""
    lo = ints(low)
    hi = ints(high)
    return lo + np.floor(rng.random(np.broadcast(lo, hi).shape) * (hi - lo + 1)).astype(np.int64)


def pick(rng: np.random.Generator, weights: FloatArray, size: int) -> IntArray:
    """``size`` indices drawn with replacement, proportional to ``weights``."""
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    cumulative = np.cumsum(weights, dtype=np.float64)
    if not cumulative[-1] > 0:
        raise ValueError("cannot pick from weights that are all zero")
    chosen = np.searchsorted(cumulative, rng.random(size) * cumulative[-1], side="right")
    return ints(np.minimum(chosen, len(weights) - 1))


def pick_distinct(rng: np.random.Generator, weights: FloatArray, size: int) -> IntArray:
    """Up to ``size`` distinct indices, weighted, sorted (Gumbel top-k: one pass, no loop)."""
    eligible = np.flatnonzero(weights > 0)
    size = min(size, len(eligible))
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    keys = np.log(weights[eligible]) + rng.gumbel(size=len(eligible))
    top = np.argpartition(-keys, size - 1)[:size]
    return np.sort(eligible[top]).astype(np.int64)


def categorical(rng: np.random.Generator, table: FloatArray, rows: IntArray) -> IntArray:
    """For each ``row`` draw a column of ``table`` (rows are probability vectors)."""
    cumulative = np.cumsum(table, axis=1)
    cumulative /= cumulative[:, -1:]
    draws = rng.random(len(rows))
    return ints((draws[:, None] >= cumulative[rows][:, :-1]).sum(axis=1))


def sigmoid(values: FloatArray) -> FloatArray:
    """The logistic function (probabilities from latent scores)."""
    return np.asarray(1.0 / (1.0 + np.exp(-values)), dtype=np.float64)


def group_starts(sorted_keys: IntArray, groups: int) -> tuple[IntArray, IntArray]:
    """First position and size of each group in an array sorted by group key."""
    starts = np.searchsorted(sorted_keys, np.arange(groups), side="left").astype(np.int64)
    ends = np.searchsorted(sorted_keys, np.arange(groups), side="right").astype(np.int64)
    return starts, ends - starts
