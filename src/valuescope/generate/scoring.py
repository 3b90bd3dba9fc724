"""How much a question separates the pool, and whether it elicits values at all.

A pool member's *profile* on a question is its mean judged P(expressed) per dimension. Two
members differ on a question when their profiles, normalised to distributions over the
dimensions, differ: `informativeness` is the mean pairwise Jensen-Shannon divergence (base
2, so in [0, 1]) over the pool. A question can separate models while eliciting nothing
(every answer a refusal scores low everywhere, with noise); `elicitation` is the mean over
members of their strongest dimension's P(expressed). The bandit's reward is their product:
informative questions that do bring values out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

import numpy as np


def _is_distribution(values: Sequence[float]) -> bool:
    """Finite, non-negative entries with a positive sum: what can be normalised to sum 1."""
    a = np.asarray(values, dtype=float)
    return bool(a.size and np.isfinite(a).all() and (a >= 0).all() and a.sum() > 0)


def _distribution(values: Sequence[float]) -> np.ndarray:
    """`values` normalised to sum 1; ValueError where that is no distribution (all zeros: a
    profile that expresses nothing has no shape; or a negative or non-finite entry)."""
    if not _is_distribution(values):
        raise ValueError(
            f"not a distribution: {np.asarray(values, dtype=float).tolist()} (needs finite, "
            "non-negative entries with a positive sum)"
        )
    a = np.asarray(values, dtype=float)
    normalised: np.ndarray = a / a.sum()
    return normalised


def jensen_shannon(p: Sequence[float], q: Sequence[float]) -> float:
    """JSD(p || q) in bits, in [0, 1], of two non-negative vectors normalised to sum 1.

    A vector that cannot be normalised (all zeros, a negative or NaN entry) raises
    ValueError rather than giving NaN; `informativeness` leaves such profiles out first.
    """
    a, b = _distribution(p), _distribution(q)
    if a.shape != b.shape:
        raise ValueError(f"distributions of {a.size} and {b.size} entries")
    m = (a + b) / 2.0

    def kl(x: np.ndarray, y: np.ndarray) -> float:
        mask = x > 0
        return float(np.sum(x[mask] * np.log2(x[mask] / y[mask])))

    # rounding can leave the sum a hair outside [0, 1]
    return min(max(0.5 * kl(a, m) + 0.5 * kl(b, m), 0.0), 1.0)


def informativeness(profiles: Mapping[str, Sequence[float]]) -> float | None:
    """Mean pairwise JSD of the members' profiles (None with fewer than 2 usable ones)."""
    usable = [p for p in profiles.values() if _is_distribution(p)]
    if len(usable) < 2:
        return None
    return float(np.mean([jensen_shannon(a, b) for a, b in combinations(usable, 2)]))


def elicitation(profiles: Mapping[str, Sequence[float]]) -> float | None:
    """Mean over members of the largest P(expressed) in their profile."""
    peaks = [max(p) for p in profiles.values() if len(p)]
    return float(np.mean(peaks)) if peaks else None


def reward(info: float | None, elicit: float | None) -> float:
    return 0.0 if info is None or elicit is None else info * elicit
