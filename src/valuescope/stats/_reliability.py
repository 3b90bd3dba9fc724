"""Reliability of one dimension's items, and confidence intervals of a mean over units.

One model is one respondent, so there is no sample of people to correlate over. Instead, the
rows of the matrix are *administrations* (the conditions an item was asked under: option
order, framing, paraphrase, sample) and the columns are items. Cronbach's alpha on that
matrix asks whether the items rank the administrations consistently, i.e. whether the items
behave like one scale across the ways the questionnaire was put.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import stats as scipy_stats

from valuescope.stats._result import Stat
from valuescope.stats._tolerance import negligible_variance

Matrix = npt.NDArray[np.float64]


def complete_rows(matrix: Matrix) -> Matrix:
    """The rows with no missing cell (listwise deletion): every item stays in the scale.

    Dropping an item with one missing cell instead would change the scale measured from one
    statistic to the next (alpha 0.485 on the items left vs 0.535 listwise in an audit), so
    a missing answer costs its row, never its item. `missing_cells` counts what was lost.
    """
    keep = ~np.isnan(matrix).any(axis=1)
    return matrix[keep]


def missing_cells(matrix: npt.ArrayLike) -> tuple[int, int]:
    """(missing cells, rows they cost): what `complete_rows` drops from `matrix`."""
    data = np.asarray(matrix, dtype=float)
    missing = np.isnan(data)
    return int(missing.sum()), int(missing.any(axis=1).sum()) if data.ndim == 2 else 0


def cronbach_alpha(matrix: Matrix) -> Stat:
    """Cronbach's alpha of an administrations x items matrix (NaN = invalid answer).

    alpha = k/(k-1) * (1 - sum of item variances / variance of the row totals). Rows with a
    missing cell are dropped first (`complete_rows`). Null with a reason when fewer than 3
    administrations or 2 items remain, or when the row totals do not vary. "Do not vary" is
    up to rounding (`negligible_variance`, relative to the largest total the items could sum
    to): keyed and reverse-keyed items that move by the same amount cancel in every total,
    and the left-over rounding error of ~1e-31 would otherwise give an alpha of -1e29.
    """
    data = complete_rows(np.asarray(matrix, dtype=float))
    n_rows, n_items = data.shape
    if n_rows < 3:
        return Stat.missing(
            f"needs >= 3 administrations (rows) with every item answered, has {n_rows}"
        )
    if n_items < 2:
        return Stat.missing(f"needs >= 2 items, has {n_items}")
    total_variance = float(data.sum(axis=1).var(ddof=1))
    if negligible_variance(total_variance, float(np.abs(data).max(axis=0).sum())):
        return Stat.missing("the total score does not vary across administrations")
    item_variances = float(data.var(axis=0, ddof=1).sum())
    return Stat.of(n_items / (n_items - 1) * (1.0 - item_variances / total_variance))


def bootstrap_mean_ci(
    values: npt.ArrayLike, *, n_resamples: int = 2000, level: float = 0.95, seed: int = 0
) -> tuple[Stat, Stat]:
    """Percentile bootstrap CI of the mean of `values` (e.g. item scores), resampling items.

    Deterministic for a given seed, so a rerun reproduces its interval.
    """
    data = np.asarray(values, dtype=float)
    data = data[~np.isnan(data)]
    if data.size < 2:
        reason = f"needs >= 2 scored items, has {data.size}"
        return Stat.missing(reason), Stat.missing(reason)
    rng = np.random.default_rng(seed)
    means = rng.choice(data, size=(n_resamples, data.size), replace=True).mean(axis=1)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return Stat.of(float(low)), Stat.of(float(high))


MIN_UNITS_T_CI = 3
"""Units (items, tasks, dilemmas, questions, texts) a mean's t-interval needs by default. At 2
the interval is mean +- 12.7 sd/sqrt(2), about 9 sd wide: it spans a scale and says nothing."""


def mean_t_ci(
    values: npt.ArrayLike,
    *,
    level: float = 0.95,
    min_n: int = MIN_UNITS_T_CI,
    bounds: tuple[float, float] | None = None,
    unit: str = "items",
) -> tuple[Stat, Stat]:
    """Student-t CI of the mean of `values`: mean +- t_{(1+level)/2, k-1} * sd / sqrt(k).

    What it assumes: the k values (NaN dropped) are independent draws from a domain of such
    units (a dimension's item scores: items like these, of which the instrument asked k), and
    the CI is for the mean over that domain. t is exact when the units' scores are normal and
    close to it for symmetric ones; it under-covers somewhat when they are skewed, as item
    scores near a scale's end are (`bench/recovery.py` part f measures both).

    What it does not cover: the uncertainty of each unit's own score (an item score is taken as
    given, its administrations are not resampled), dependence between units (paraphrases of
    one item counted as two items), and a bias every unit shares (position bias, acquiescence):
    those move the mean without widening the interval.

    Why not a percentile bootstrap over the units: with k units the bootstrap distribution of the
    mean has sd * sqrt((k-1)/k) / sqrt(k) and normal quantiles, too narrow by a factor that is
    large for small k; it covered 0.48 / 0.72 / 0.76 / 0.80 at 2 / 3 / 4 / 6 items.

    Null with a reason, not an interval, when fewer than `min_n` values remain (default 3), or
    when they are all equal up to rounding (`negligible_variance`): sd = 0 would give a
    zero-width interval, a certainty that k equal scores cannot support (another unit of the
    domain may score differently). `bounds` is the range a unit's score can take (a Likert
    scale's 1..5; 0..1 for a probability): the interval is clipped to it, which loses no
    coverage because the domain's mean lies in it. The interval always contains the mean.
    Deterministic (no resampling). `unit` names the units in the reasons.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    if min_n < 2:
        raise ValueError(f"a t-interval needs min_n >= 2, got {min_n}")
    data = np.asarray(values, dtype=float).ravel()
    data = data[~np.isnan(data)]
    k = int(data.size)
    if k < min_n:
        reason = f"needs >= {min_n} scored {unit}, has {k}"
        return Stat.missing(reason), Stat.missing(reason)
    mean = float(data.mean())
    variance = float(data.var(ddof=1))
    if not np.isfinite(variance):
        reason = f"the {unit}' scores are not all finite"
        return Stat.missing(reason), Stat.missing(reason)
    if negligible_variance(variance, float(np.abs(data).max())):
        reason = (
            f"all {k} scored {unit} have the same score ({mean:.3g}): an interval of width 0 "
            f"would claim a certainty that {k} {unit} cannot give"
        )
        return Stat.missing(reason), Stat.missing(reason)
    half = float(scipy_stats.t.ppf(0.5 + level / 2.0, k - 1)) * np.sqrt(variance / k)
    low, high = mean - half, mean + half
    if bounds is not None:
        low, high = max(low, bounds[0]), min(high, bounds[1])
    return Stat.of(low), Stat.of(high)
