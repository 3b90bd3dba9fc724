"""Correlations with pairwise deletion, for one sample or a batch of resamples at once, and
the interval of one correlation: Fisher-z over independent respondents, a jackknife over
personas where respondents share them (`_mtmm`, `_criterion`)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
from scipy import stats

from valuescope.stats._reliability import Matrix
from valuescope.stats._resampling import CIStat, Clusters, jackknife_ci
from valuescope.stats._result import Stat
from valuescope.stats._tolerance import RELATIVE_VARIANCE

_LEVEL = 0.95


def cross_correlations(x: Matrix, y: Matrix, counts: Matrix) -> tuple[Matrix, Matrix]:
    """Pearson r of every column of x with every column of y, per row-weighting in `counts`.

    x is n x p, y is n x q (rows = respondents, NaN = missing), counts is B x n (all ones for
    the sample itself, bootstrap draw counts for resamples). Each pair uses the rows where
    both are present. Returns r (B x p x q, NaN where a side is constant up to rounding or
    fewer than 3 rows) and the weighted pair counts (B x p x q). All sums are matrix products,
    so a thousand resamples cost one product each, not a thousand loops.
    """
    mx, my = ~np.isnan(x), ~np.isnan(y)
    # Centre on the column means so sums of squares do not cancel; magnitude = raw size.
    x0, mag_x = _centred(x, mx)
    y0, mag_y = _centred(y, my)
    wx, wy = mx.astype(float), my.astype(float)
    n_rows, p, q = x.shape[0], x.shape[1], y.shape[1]
    n_weightings = counts.shape[0]

    def pair_sums(left: Matrix, right: Matrix) -> Matrix:
        products = (left[:, :, None] * right[:, None, :]).reshape(n_rows, p * q)
        result: Matrix = (counts @ products).reshape(n_weightings, p, q)
        return result

    n = pair_sums(wx, wy)
    sx, sy = pair_sums(x0, wy), pair_sums(wx, y0)
    sxx, syy, sxy = pair_sums(x0**2, wy), pair_sums(wx, y0**2), pair_sums(x0, y0)
    safe_n = np.where(n > 0, n, 1.0)
    var_x = (sxx - sx**2 / safe_n) / safe_n
    var_y = (syy - sy**2 / safe_n) / safe_n
    cov = (sxy - sx * sy / safe_n) / safe_n
    flat = (var_x <= RELATIVE_VARIANCE * mag_x[None, :, None] ** 2) | (
        var_y <= RELATIVE_VARIANCE * mag_y[None, None, :] ** 2
    )
    undefined = flat | (n < 3)
    denominator = np.sqrt(np.where(undefined, 1.0, var_x * var_y))
    r: Matrix = np.where(undefined, np.nan, np.clip(cov / denominator, -1.0, 1.0))
    return r, n


def _centred(data: Matrix, present: Matrix) -> tuple[Matrix, Matrix]:
    """Columns minus their mean over present rows (0 where missing), and each column's max |x|."""
    counts = present.sum(axis=0)
    filled = np.where(present, data, 0.0)
    means = filled.sum(axis=0) / np.maximum(counts, 1)
    centred: Matrix = np.where(present, data - means, 0.0)
    magnitudes: Matrix = np.abs(filled).max(axis=0, initial=0.0)
    return centred, magnitudes


def fisher_ci(r: float, n: int, level: float = _LEVEL) -> tuple[float, float] | None:
    """Fisher-z CI of a Pearson r from n pairs: tanh(atanh(r) -+ z / sqrt(n - 3)).

    None when there is no interval to give: n <= 3, or r is not a correlation (NaN, as from
    a constant score, or |r| > 1). For |r| = 1 the interval is the point (atanh is
    infinite; tanh brings it back to 1).
    """
    if n <= 3 or math.isnan(r) or abs(r) > 1.0:
        return None
    z = math.atanh(max(min(r, 1.0), -1.0)) if abs(r) < 1.0 else math.copysign(math.inf, r)
    half = float(stats.norm.ppf(0.5 + level / 2.0)) / math.sqrt(n - 3)
    return math.tanh(z - half), math.tanh(z + half)


def _correlation_stat(
    r: float,
    n: int,
    min_respondents: int,
    what: str,
    leave_one_out: Matrix | None = None,
    no_interval: str | None = None,
) -> CIStat:
    """r with its interval: Fisher z for independent respondents; for respondents nested in
    personas the jackknife over personas on Fisher's z scale (`leave_one_out`: r without each
    persona); none, with the reason, when `no_interval` says why."""
    if n < min_respondents:
        return CIStat.missing(f"{n} respondents; {what} needs >= {min_respondents}")
    if math.isnan(r):
        return CIStat.missing("a correlated score does not vary across respondents")
    if no_interval is not None:
        return CIStat(value=r, reason=no_interval)
    if leave_one_out is not None:
        stat = jackknife_ci(Stat.of(r), leave_one_out, scale="correlation")
        return stat.model_copy(update={"method": f"jackknife over {leave_one_out.size} personas"})
    ci = fisher_ci(r, n)
    if ci is None:
        return CIStat(value=r, reason=f"{n} respondents: no Fisher-z CI")
    return CIStat(value=r, ci_low=ci[0], ci_high=ci[1])


def _no_interval(groups: Clusters, intervals: bool) -> str | None:
    """Why intervals are not given (not asked for, or too few personas), or None."""
    return groups.too_few() if intervals else "no interval requested"


def _as_columns(scores: Mapping[str, npt.ArrayLike], n_rows: int | None) -> Matrix:
    """Stack per-trait score vectors as columns, checking they all have n_rows entries."""
    columns = []
    for trait, values in scores.items():
        column = np.asarray(values, dtype=float)
        if column.ndim != 1:
            raise ValueError(f"scores of {trait!r} must be one value per respondent")
        if n_rows is not None and column.size != n_rows:
            raise ValueError(
                f"{trait!r} has {column.size} respondents, expected {n_rows} "
                "(both instruments must score the same respondents in the same order)"
            )
        columns.append(column)
    return np.column_stack(columns) if columns else np.zeros((n_rows or 0, 0))


def _respondent_count(*scores: Mapping[str, npt.ArrayLike]) -> int:
    for mapping in scores:
        for values in mapping.values():
            return int(np.asarray(values).size)
    return 0
