"""Reliability of one dimension's items, and bootstrap confidence intervals.

One model is one respondent, so there is no sample of people to correlate over. Instead, the
rows of the matrix are *administrations* (the conditions an item was asked under: option
order, framing, paraphrase, sample) and the columns are items. Cronbach's alpha on that
matrix asks whether the items rank the administrations consistently, i.e. whether the items
behave like one scale across the ways the questionnaire was put.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

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
