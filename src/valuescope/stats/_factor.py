"""McDonald's omega of one dimension's items, from a one-factor minres model of their
correlations (`fit_one_factor`; `_respondents` fits the same model over respondents)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import optimize

from valuescope.stats._matrix import _as_matrix, _constant_columns
from valuescope.stats._reliability import Matrix, complete_rows
from valuescope.stats._result import Stat

# Uniqueness bounds of the one-factor fit, as in R's psych::fa and factor_analyzer: a
# uniqueness stuck at the lower bound is a Heywood case (an item fully explained by the factor).
_UNIQUENESS_BOUNDS = (0.005, 1.0)
# Above this condition number the item correlation matrix is treated as singular.
_MAX_CONDITION = 1e12
# The largest |loading| the bounds allow: sqrt(1 - the smallest uniqueness).
_MAX_LOADING = math.sqrt(1.0 - _UNIQUENESS_BOUNDS[0])


def _one_factor_loadings(corr: Matrix, uniquenesses: Matrix) -> Matrix:
    """Loadings of the first principal axis of the reduced correlation matrix."""
    reduced = corr.copy()
    np.fill_diagonal(reduced, 1.0 - uniquenesses)
    values, vectors = np.linalg.eigh(reduced)
    loadings: Matrix = vectors[:, -1] * math.sqrt(max(float(values[-1]), 0.0))
    return loadings if loadings.sum() >= 0 else -loadings


def _minres_objective(uniquenesses: Matrix, corr: Matrix) -> float:
    """Squared residual of the reduced correlation matrix after one factor (the ULS/minres loss).

    Same loss as factor_analyzer's `method='minres'`: the squared Frobenius norm of (R with the
    communalities 1 - u on its diagonal) minus its best rank-1 approximation.
    """
    reduced = corr.copy()
    np.fill_diagonal(reduced, 1.0 - uniquenesses)
    values, vectors = np.linalg.eigh(reduced)
    top = max(float(values[-1]), np.finfo(float).eps * 100)
    loading = vectors[:, -1] * math.sqrt(top)
    return float(((reduced - np.outer(loading, loading)) ** 2).sum())


def fit_one_factor(corr: Matrix, start: Matrix | None = None) -> Matrix:
    """Fit a one-factor model to a (full-rank) correlation matrix by minres; return loadings.

    Minres (unweighted least squares) rather than maximum likelihood, because ML assumes
    multivariate-normal rows, and our rows are a small designed set of conditions, not a
    random sample; minres only asks the factor to reproduce the off-diagonal correlations.
    The uniquenesses start at 1 - SMC and are optimised with L-BFGS-B within [0.005, 1],
    which is exactly factor_analyzer's `FactorAnalyzer(1, method='minres', rotation=None)`.
    As there, the best point found is kept even if L-BFGS-B ends on a line-search stop (which
    happens at the optimum when the loss is flat to machine precision). The sign is chosen so
    the loadings sum to >= 0. `start` replaces the SMC start with given uniquenesses (the
    bootstrap's replicates start from the full sample's solution).
    """
    if start is None:
        start = 1.0 / np.diag(np.linalg.inv(corr))  # = 1 - squared multiple correlation
    result = optimize.minimize(
        _minres_objective,
        np.clip(start, *_UNIQUENESS_BOUNDS),
        args=(corr,),
        method="L-BFGS-B",
        bounds=[_UNIQUENESS_BOUNDS] * corr.shape[0],
        options={"maxiter": 1000, "ftol": 1e-14, "gtol": 1e-10},
    )
    return _one_factor_loadings(corr, np.asarray(result.x, dtype=float))


def omega_from_loadings(loadings: npt.ArrayLike, sds: npt.ArrayLike | None = None) -> Stat:
    """Omega total of the items' sum from one-factor loadings of their correlations.

    omega = (sum l_j s_j)^2 / ((sum l_j s_j)^2 + sum (1 - l_j^2) s_j^2), with l the
    standardised loadings and s the items' sds (all 1 when `sds` is None: the composite of
    standardised items). The denominator is the model-implied variance of the sum, so this
    is McDonald's (1999) formula on the raw items. A loading is held to |l| <= sqrt(1 -
    0.005) (the fit's smallest uniqueness), so a Heywood case cannot give a negative
    uniqueness.
    """
    lam = np.asarray(loadings, dtype=float)
    scale = np.ones_like(lam) if sds is None else np.asarray(sds, dtype=float)
    lam = np.clip(lam, -_MAX_LOADING, _MAX_LOADING)
    common = float((lam * scale).sum()) ** 2
    unique = float(((1.0 - lam**2) * scale**2).sum())
    if common + unique <= 0.0:
        return Stat.missing("model-implied total variance is not positive")
    return Stat.of(common / (common + unique))


def mcdonald_omega(matrix: npt.ArrayLike) -> Stat:
    """McDonald's omega total of the raw item sum, from a one-factor minres model.

    Omega does not assume the items load equally on the dimension (alpha does, so alpha is a
    lower bound when they do not). The model is fitted to the item correlations (minres,
    `fit_one_factor`) and its loadings put back on the items' raw scales, so omega describes
    the same composite as alpha and lambda6, the raw sum the profile scores; on items of
    equal variance it equals the standardised omega of R's psych and factor_analyzer.
    Rows with a missing cell are dropped first, as for alpha. The correlation matrix must be
    invertible for the SMC start and for the model to be identified, so it needs more
    administrations than items. Null with a reason when fewer than 3 items remain, an item
    is constant, there are <= items administrations, or the correlation matrix is
    (numerically) singular.
    """
    data = complete_rows(_as_matrix(matrix))
    n_rows, n_items = data.shape
    if n_items < 3:
        return Stat.missing(f"needs >= 3 items, has {n_items}")
    if n_rows <= n_items:
        return Stat.missing(
            f"needs more administrations ({n_rows}) than items ({n_items}) "
            "for a full-rank item correlation matrix"
        )
    constant = _constant_columns(data)
    if constant:
        return Stat.missing(f"items {constant} do not vary across administrations")
    corr: Matrix = np.asarray(np.corrcoef(data, rowvar=False), dtype=float)
    if np.linalg.cond(corr) > _MAX_CONDITION:
        return Stat.missing("item correlation matrix is singular")
    return omega_from_loadings(fit_one_factor(corr), data.std(axis=0, ddof=1))
