"""Paired comparisons of two score vectors over the same items (two models, or two conditions).

The unit of analysis is the *item*: `a[i]` and `b[i]` are the same item's score under the two
things compared, so tests are paired and the item is what gets resampled or sign-flipped. An
item missing (NaN) on either side is dropped from the pair. Every result is a `Stat` (a value,
or None with the reason), never a silent NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel
from scipy import stats

from valuescope.stats._result import Stat

Vector = npt.NDArray[np.float64]

# Relative tolerance for "as extreme as observed": sign flips reorder floating-point sums, so
# a permutation equal to the observed mean can differ from it in the last bits.
_TIE_TOLERANCE = 1e-9
# Permutations are evaluated in blocks to bound memory (block x items floats).
_BLOCK = 2048


def paired_differences(a: npt.ArrayLike, b: npt.ArrayLike) -> Vector:
    """a - b over the items scored on both sides. Raises ValueError on a length mismatch."""
    left = np.asarray(a, dtype=float).ravel()
    right = np.asarray(b, dtype=float).ravel()
    if left.shape != right.shape:
        raise ValueError(f"paired vectors differ in length: {left.size} vs {right.size}")
    both = ~np.isnan(left) & ~np.isnan(right)
    diffs: Vector = left[both] - right[both]
    return diffs


def _sign_flip_means(diffs: Vector, n_permutations: int, seed: int) -> Vector:
    """Mean difference under random sign flips, or under all 2^n flips when that is fewer.

    Exhaustive enumeration gives the exact permutation distribution, so small item sets do not
    pay Monte-Carlo noise; it includes the identity, as an exact test must.
    """
    n = diffs.size
    if 2**n <= n_permutations:
        codes = np.arange(2**n)[:, None] >> np.arange(n)[None, :]
        signs = 1.0 - 2.0 * (codes & 1)
        result: Vector = (signs * diffs).mean(axis=1)
        return result
    rng = np.random.default_rng(seed)
    blocks: list[Vector] = []
    for start in range(0, n_permutations, _BLOCK):
        size = min(_BLOCK, n_permutations - start)
        signs = rng.choice(np.array([-1.0, 1.0]), size=(size, n))
        blocks.append((signs * diffs).mean(axis=1))
    return np.concatenate(blocks)


def paired_permutation_test(
    a: npt.ArrayLike, b: npt.ArrayLike, n_permutations: int = 10000, seed: int = 0
) -> tuple[Stat, Stat]:
    """Two-sided sign-flip permutation test of the mean paired difference over items.

    Under the null that the two sides are exchangeable within each item, each difference is
    equally likely to have either sign. Returns (mean of a - b, p). When 2^n_items <=
    `n_permutations` all sign patterns are enumerated and p is exact; otherwise
    `n_permutations` random patterns are drawn with `seed` (deterministic) and
    p = (1 + #{|mean*| >= |mean|}) / (1 + n_permutations), which is never 0 (Phipson & Smyth
    2010). Identical vectors give mean 0 and p = 1. Null with a reason below 2 paired items.
    """
    if n_permutations < 1:
        raise ValueError("n_permutations must be >= 1")
    diffs = paired_differences(a, b)
    if diffs.size < 2:
        reason = f"needs >= 2 items scored on both sides, has {diffs.size}"
        return Stat.missing(reason), Stat.missing(reason)
    observed = float(diffs.mean())
    permuted = _sign_flip_means(diffs, n_permutations, seed)
    threshold = abs(observed) * (1.0 - _TIE_TOLERANCE) - 1e-15
    extreme = int((np.abs(permuted) >= threshold).sum())
    exact = 2**diffs.size <= n_permutations
    p = extreme / permuted.size if exact else (extreme + 1) / (permuted.size + 1)
    return Stat.of(observed), Stat.of(min(p, 1.0))


class WilcoxonResult(BaseModel):
    """Wilcoxon signed-rank test over paired items, with the matched-pairs effect size."""

    statistic: Stat
    """scipy's W: the smaller of the positive and negative rank sums (two-sided)."""
    p_value: Stat
    rank_biserial: Stat
    n_items: int
    """Items scored on both sides (before scipy drops zero differences)."""


def wilcoxon_items(a: npt.ArrayLike, b: npt.ArrayLike) -> WilcoxonResult:
    """Wilcoxon signed-rank test of a vs b over items (scipy, two-sided, zeros dropped).

    The rank-based counterpart of the permutation test, robust to a few items with large
    differences. Zero differences are discarded (Wilcoxon's method, scipy's default), so when
    every difference is zero there is nothing to rank: null with that reason, where scipy
    would return W = 0, p = 1 with a runtime warning. Also null with fewer than 2 non-zero
    differences.
    """
    diffs = paired_differences(a, b)
    nonzero = int(np.count_nonzero(diffs))
    if diffs.size == 0 or nonzero == 0:
        reason = "all paired differences are zero" if diffs.size else "no items scored on both"
        return _missing_wilcoxon(reason, diffs.size)
    if nonzero < 2:
        return _missing_wilcoxon(f"needs >= 2 non-zero differences, has {nonzero}", diffs.size)
    result = stats.wilcoxon(diffs)
    return WilcoxonResult(
        statistic=Stat.of(float(result.statistic)),
        p_value=Stat.of(float(result.pvalue)),
        rank_biserial=rank_biserial(diffs, np.zeros_like(diffs)),
        n_items=int(diffs.size),
    )


def _missing_wilcoxon(reason: str, n_items: int) -> WilcoxonResult:
    return WilcoxonResult(
        statistic=Stat.missing(reason),
        p_value=Stat.missing(reason),
        rank_biserial=Stat.missing(reason),
        n_items=n_items,
    )


def holm(pvalues: Sequence[float] | npt.ArrayLike) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the input order (family-wise error control).

    Sort ascending; the i-th smallest (1-based) becomes min(1, (m - i + 1) p_(i)), then a
    running maximum keeps the adjusted values in the same order as the raw ones. Uniformly
    more powerful than Bonferroni with no assumption on dependence between the tests.
    Raises ValueError on a p-value outside [0, 1] or NaN (a missing test must be left out by
    the caller, not adjusted as if it existed).
    """
    p = np.asarray(pvalues, dtype=float).ravel()
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError("p-values must lie in [0, 1] (no NaN)")
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.maximum.accumulate(scaled)
    return [float(x) for x in adjusted]


def cohens_dz(a: npt.ArrayLike, b: npt.ArrayLike) -> Stat:
    """Cohen's d_z for paired items: mean(a - b) / sd(a - b) (sd with n - 1).

    d_z standardises by the spread of the *differences*, i.e. by how consistently the items
    move, which is what the paired tests test; it is not comparable to a between-group d.
    Null with a reason below 2 paired items or when the differences do not vary.
    """
    diffs = paired_differences(a, b)
    if diffs.size < 2:
        return Stat.missing(f"needs >= 2 items scored on both sides, has {diffs.size}")
    sd = float(diffs.std(ddof=1))
    if sd <= 1e-12 * max(1.0, float(np.abs(diffs).max())):
        return Stat.missing("paired differences do not vary (d_z undefined)")
    return Stat.of(float(diffs.mean()) / sd)


def rank_biserial(a: npt.ArrayLike, b: npt.ArrayLike) -> Stat:
    """Matched-pairs rank-biserial correlation (Kerby 2014): (R+ - R-) / (R+ + R-).

    R+ and R- are the sums of the ranks of |a - b| over positive and negative differences,
    zeros dropped as in the Wilcoxon test, so it is that test's effect size: +1 when every
    item is higher in a, -1 when every item is lower. Null when all differences are zero.
    """
    diffs = paired_differences(a, b)
    diffs = diffs[diffs != 0]
    if diffs.size == 0:
        return Stat.missing("all paired differences are zero")
    ranks = np.asarray(stats.rankdata(np.abs(diffs)), dtype=float)
    total = float(ranks.sum())
    r_plus = float(ranks[diffs > 0].sum())
    r_minus = float(ranks[diffs < 0].sum())
    return Stat.of((r_plus - r_minus) / total)
