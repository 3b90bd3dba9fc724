"""Reliability over simulated respondents: alpha, Guttman's lambda6 and omega with intervals.

Elsewhere in this package one model is one respondent, and reliability is computed over its
administrations (`_psychometrics`). Following Serapio-Garcia et al. ("Personality traits in
large language models", Nature MI 2025), a model can instead be asked the questionnaire as
many *simulated respondents*: one row per persona x instruction x postamble x option order.
Then the classic picture holds again, a sample of respondents answering the same items, and
a subscale counts as reliable only if Cronbach's alpha, Guttman's lambda6 and McDonald's omega
are all >= 0.70 (three estimators with different assumptions: alpha assumes equal loadings,
lambda6 uses each item's squared multiple correlation, omega a one-factor model).

All three describe the same composite, the raw sum (or mean) of the items as the profile
scores it: alpha and lambda6 are functions of the raw item covariances, and omega's
one-factor loadings are put back on the items' raw scales before it is computed
(`mcdonald_omega`), so the "all three >= 0.70" rule compares one composite's reliability.

The point estimates come from the package's own `cronbach_alpha` and `mcdonald_omega` (and
`guttman_lambda6` here). Their intervals are jackknife t-intervals
(`_resampling.jackknife_ci`) over respondents, or over personas when respondents share them
(`_resampling.Clusters`). Calling those functions once per persona left out is too slow
(omega's L-BFGS-B fit takes ~60 ms), so the leave-one-out values are computed in batch from
weighted covariance matrices: a resample is a vector of weights per respondent, so every
resample's covariance matrix is one matrix product. Alpha and lambda6 are closed forms of
that matrix; omega uses a vectorised fit of the same minres model (see `_omega_replicates`).
The tests check that each batch route reproduces the scalar function on the resampled
matrix.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from valuescope.stats._factor import (
    _MAX_CONDITION,
    _UNIQUENESS_BOUNDS,
    fit_one_factor,
    mcdonald_omega,
)
from valuescope.stats._matrix import _as_matrix, _constant_columns, usable_matrix
from valuescope.stats._reliability import Matrix, cronbach_alpha, missing_cells
from valuescope.stats._resampling import CIStat, Clusters, jackknife_ci, weighted_covariances
from valuescope.stats._result import Stat
from valuescope.stats._tolerance import RELATIVE_VARIANCE, negligible_variance

# Communality bounds of the one-factor fit: 1 minus mcdonald_omega's uniqueness bounds.
_MAX_COMMUNALITY = 1.0 - _UNIQUENESS_BOUNDS[0]
# How the shared statistics' reasons read when the rows are respondents, in this order.
_RESPONDENT_WORDS = (
    ("in every administration", "by every respondent"),
    ("in every row", "by every respondent"),
    ("administrations (rows)", "respondents"),
    ("administrations", "respondents"),
    ("rows", "respondents"),
)


class RespondentReliability(BaseModel):
    """Reliability of one dimension over simulated respondents (rows) x items (columns)."""

    n_respondents: int
    """Respondents used: those with a valid answer to every item of the dimension."""
    n_items: int
    n_dropped: int
    """Respondents dropped because some item of this dimension had no valid answer (NaN)."""
    n_missing_cells: int = 0
    """Item answers missing (NaN) among the dropped respondents: the cells that cost them."""
    n_clusters: int | None = None
    """Personas the intervals resample when respondents share them; None when every
    respondent is a persona of its own (the respondents themselves are resampled)."""
    alpha: CIStat
    lambda6: CIStat
    omega: CIStat
    reliable: bool | None
    """All three >= threshold: True; some value below it: False; else (some null) None."""
    threshold: float
    reasons: dict[str, str] = Field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Guttman's lambda6
# --------------------------------------------------------------------------------------------


def _lambda6_from(covariances: Matrix, corr_inverses: Matrix) -> Matrix:
    """lambda6 of a stack of item covariance matrices, given their correlations' inverses.

    Item j's residual variance after regressing it on all other items is its variance times
    1 - SMC_j, and 1 - SMC_j = 1 / (R^-1)_jj. The SMC comes from the *correlation* matrix,
    whose conditioning does not depend on the items' scales.
    """
    variances = np.einsum("bii->bi", covariances)
    residual = variances / np.einsum("bii->bi", corr_inverses)
    result: Matrix = 1.0 - residual.sum(axis=1) / covariances.sum(axis=(1, 2))
    return result


def guttman_lambda6(data: npt.ArrayLike) -> Stat:
    """Guttman's lambda6 of a rows x items matrix: 1 - sum(e_j^2) / variance of the total.

    e_j^2 is the variance of item j left unexplained by a linear regression on all the other
    items. Lambda6 is the third of Serapio-Garcia et al.'s reliability criteria because it
    does not assume what alpha assumes (equal loadings) nor what omega assumes (one factor):
    an item is reliable to the extent the other items predict it. This is the raw
    (covariance) version, as in Guttman (1945) and R's Lambda4::lambda6; R's psych reports the
    standardised one (G6 of the correlation matrix) in `alpha()`.

    Items with a missing cell are dropped first, as in `cronbach_alpha`. Null with a reason
    when fewer than 2 items or 3 rows remain, the total does not vary (up to rounding,
    `negligible_variance`), an item is constant, there are no more rows than items, or the
    item correlation matrix is singular (an item is an exact linear combination of others:
    its residual is 0 only up to rounding, so the value would be rounding noise).
    """
    matrix = usable_matrix(data, 3, items="items answered in every row", rows="rows")
    if isinstance(matrix, Stat):
        return matrix
    n_rows, n_items = matrix.shape
    total_variance = float(matrix.sum(axis=1).var(ddof=1))
    if negligible_variance(total_variance, float(np.abs(matrix).max(axis=0).sum())):
        return Stat.missing("the total score does not vary across rows")
    constant = _constant_columns(matrix)
    if constant:
        return Stat.missing(f"items {constant} do not vary across rows")
    if n_rows <= n_items:
        return Stat.missing(
            f"needs more rows ({n_rows}) than items ({n_items}) "
            "for an invertible item correlation matrix"
        )
    corr = np.asarray(np.corrcoef(matrix, rowvar=False), dtype=float)
    if np.linalg.cond(corr) > _MAX_CONDITION:
        return Stat.missing("item correlation matrix is singular")
    covariance = np.cov(matrix, rowvar=False, ddof=1)
    inverse = np.asarray(np.linalg.inv(corr), dtype=float)
    value = _lambda6_from(covariance[None], inverse[None])[0]
    return Stat.of(float(value))


# --------------------------------------------------------------------------------------------
# The statistics of many resamples at once
# --------------------------------------------------------------------------------------------


def _alpha_replicates(covariances: Matrix, magnitude: float) -> Matrix:
    """Cronbach's alpha per covariance matrix; NaN where the total does not vary."""
    n_items = covariances.shape[1]
    total = covariances.sum(axis=(1, 2))
    trace = np.einsum("bii->b", covariances)
    alpha = n_items / (n_items - 1) * (1.0 - trace / np.where(total > 0, total, 1.0))
    undefined = total <= RELATIVE_VARIANCE * magnitude**2
    result: Matrix = np.where(undefined, np.nan, alpha)
    return result


def _with_diagonal(corr: Matrix, diagonal: Matrix) -> Matrix:
    reduced = corr.copy()
    index = np.arange(corr.shape[1])
    reduced[:, index, index] = diagonal
    return reduced


def _paf_map(corr: Matrix, communalities: Matrix) -> tuple[Matrix, Matrix]:
    """One principal-axis step: communalities -> clipped squared loadings of the top axis
    (and the loadings), by an exact eigendecomposition of each reduced matrix."""
    eigenvalues, eigenvectors = np.linalg.eigh(_with_diagonal(corr, communalities))
    loadings = eigenvectors[:, :, -1] * np.sqrt(np.maximum(eigenvalues[:, -1], 0.0))[:, None]
    return np.clip(loadings**2, 0.0, _MAX_COMMUNALITY), loadings


def _minres(
    corr: Matrix, start: Matrix, max_iter: int = 300
) -> tuple[Matrix, Matrix, Matrix, npt.NDArray[np.bool_]]:
    """Bounded minres one-factor solutions of a stack of correlation matrices, from `start`.

    The stationary points of the minres loss within the uniqueness bounds are the fixed
    points of principal-axis factoring with the communalities clipped to the same bounds
    (interior: communality = squared loading, which zeroes the diagonal residual; at a
    bound, the gradient's sign condition). Plain principal-axis factoring converges very
    slowly when the factor is weak (thousands of steps); SQUAREM (Varadhan & Roland 2008)
    extrapolates along two successive steps and needs tens. Only the replicates not yet
    converged are iterated. Returns communalities, loadings, the minres loss (the squared
    residual of the reduced matrix after its top axis) and a converged flag per replicate.
    """
    n_boot, n_items = start.shape
    communalities, loadings = start.copy(), np.zeros((n_boot, n_items))
    converged = np.zeros(n_boot, dtype=bool)
    for _ in range(max_iter):
        active = np.flatnonzero(~converged)
        if active.size == 0:
            break
        r, x0 = corr[active], communalities[active]
        x1, _ = _paf_map(r, x0)
        x2, _ = _paf_map(r, x1)
        step, curvature = x1 - x0, x2 - 2 * x1 + x0
        step_norm = np.linalg.norm(step, axis=1)
        curvature_norm = np.linalg.norm(curvature, axis=1)
        ratio = -step_norm / np.where(curvature_norm > 0, curvature_norm, 1.0)
        alpha = np.minimum(np.where(curvature_norm > 0, ratio, -1.0), -1.0)[:, None]
        jump = np.clip(x0 - 2 * alpha * step + alpha**2 * curvature, 0.0, _MAX_COMMUNALITY)
        x3, lam = _paf_map(r, jump)
        done = np.abs(x3 - jump).max(axis=1) < 1e-9
        communalities[active], loadings[active] = x3, lam
        converged[active[done]] = True
    residual = _with_diagonal(corr, communalities) - loadings[:, :, None] * loadings[:, None, :]
    loss: Matrix = (residual**2).sum(axis=(1, 2))
    return communalities, loadings, loss, converged


def _omega_replicates(
    corr: Matrix, corr_inverses: Matrix, sds: Matrix, start_loadings: Matrix
) -> Matrix:
    """McDonald's omega of each replicate (raw composite), by the minres one-factor model.

    `mcdonald_omega` fits the model with L-BFGS-B over the uniquenesses (factor_analyzer's
    minres) at ~60 ms a fit; here all replicates are solved together (`_minres`).

    When the factor is weak the minres loss has several local minima, and a replicate solved
    from one start alone landed in a worse one 2-3% of the time, up to 0.22 away. So each
    replicate is solved twice, from the full sample's solution (`start_loadings`) and from
    its own squared multiple correlations (where `mcdonald_omega` starts), and keeps the
    solution with the lower minres loss (the warm one on a tie): on weak-factor data it was
    never worse than the better of L-BFGS-B's solutions from the same two starts (0 of 600
    replicates). Loadings are rebuilt from the converged communalities (|loading| =
    sqrt(communality) <= sqrt(1 - 0.005)), so a Heywood case (an item the factor explains
    fully) keeps a uniqueness at the bound, never a negative one. `sds` (the replicates'
    item sds) turn the standardised solution into the raw composite's omega, the one
    `mcdonald_omega` reports. Replicates that converge from neither start are NaN (dropped
    from the CI and counted).
    """
    n_boot = corr.shape[0]
    warm = np.tile(np.clip(start_loadings**2, 0.0, _MAX_COMMUNALITY), (n_boot, 1))
    smc = np.clip(1.0 - 1.0 / np.einsum("bii->bi", corr_inverses), 0.0, _MAX_COMMUNALITY)
    (c_warm, l_warm, loss_warm, ok_warm), (c_smc, l_smc, loss_smc, ok_smc) = (
        _minres(corr, warm),
        _minres(corr, smc),
    )
    loss_warm, loss_smc = np.where(ok_warm, loss_warm, np.inf), np.where(ok_smc, loss_smc, np.inf)
    take = (loss_smc < loss_warm - 1e-12 * np.maximum(np.abs(loss_warm), 1.0))[:, None]
    communalities = np.where(take, c_smc, c_warm)
    signs = np.where(np.where(take, l_smc, l_warm) >= 0, 1.0, -1.0)
    raw = signs * np.sqrt(communalities) * sds
    common = raw.sum(axis=1) ** 2
    omega = common / (common + ((1.0 - communalities) * sds**2).sum(axis=1))
    result: Matrix = np.where(ok_warm | ok_smc, omega, np.nan)
    return result


def _full_sample_loadings(data: Matrix) -> Matrix:
    """The full sample's minres one-factor loadings (the replicates' start, see above)."""
    corr = np.asarray(np.corrcoef(data, rowvar=False), dtype=float)
    loadings: Matrix = fit_one_factor(corr)
    return loadings


def _replicate_statistics(data: Matrix, counts: Matrix, need: dict[str, bool]) -> dict[str, Matrix]:
    """alpha, lambda6 and omega of each resample of the rows (NaN = undefined).

    `counts` (resamples x rows) weighs each row in each resample (leave-one-out weights for
    the jackknife, draw counts for a bootstrap): one set of resamples serves all three
    statistics. A replicate has no lambda6 or omega when some item is
    constant in it (up to rounding) or its item correlation matrix is singular; those
    matrices are replaced by the identity before inverting, and marked NaN.
    """
    covariances = weighted_covariances(data, counts)
    magnitudes = np.abs(data).max(axis=0)
    out: dict[str, Matrix] = {}
    if need["alpha"]:
        out["alpha"] = _alpha_replicates(covariances, float(magnitudes.sum()))
    if not (need["lambda6"] or need["omega"]):
        return out
    variances = np.einsum("bii->bi", covariances)
    constant = (variances <= RELATIVE_VARIANCE * magnitudes**2).any(axis=1)
    sd = np.sqrt(np.where(variances > 0, variances, 1.0))
    corr = covariances / sd[:, :, None] / sd[:, None, :]
    eye = np.eye(data.shape[1])
    corr[constant] = eye
    eigenvalues = np.linalg.eigvalsh(corr)
    singular = constant | (eigenvalues[:, 0] * _MAX_CONDITION < eigenvalues[:, -1])
    corr[singular] = eye
    inverses = np.asarray(np.linalg.inv(corr), dtype=float)
    if need["lambda6"]:
        out["lambda6"] = np.where(singular, np.nan, _lambda6_from(covariances, inverses))
    if need["omega"]:
        omega = _omega_replicates(corr, inverses, sd, _full_sample_loadings(data))
        out["omega"] = np.where(singular, np.nan, omega)
    return out


def _over_respondents(stat: Stat) -> Stat:
    """The shared functions speak of administrations (rows); here the rows are respondents."""
    if stat.reason is None:
        return stat
    reason = stat.reason
    for old, new in _RESPONDENT_WORDS:
        reason = reason.replace(old, new)
    return Stat.missing(reason)


def _without_interval(stat: CIStat, reason: str) -> CIStat:
    return stat if stat.value is None else CIStat(value=stat.value, reason=reason)


def _verdict(stats: dict[str, CIStat], threshold: float) -> bool | None:
    values = [s.value for s in stats.values()]
    if any(v is not None and v < threshold for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


def respondent_reliability(
    scores: npt.ArrayLike,
    *,
    intervals: bool = True,
    min_respondents: int = 20,
    threshold: float = 0.70,
    clusters: Sequence[Hashable] | None = None,
) -> RespondentReliability:
    """Alpha, lambda6 and omega of one dimension over simulated respondents, with 95% CIs.

    `scores` is respondents x items (already reverse-keyed); NaN marks an invalid answer.
    Respondents with any NaN in this dimension are dropped (listwise, so all three statistics
    describe the same people) and counted in `n_dropped`. With fewer than `min_respondents`
    left, every statistic is null: three correlational estimators on a handful of rows are
    noise, and Serapio-Garcia et al.'s design has hundreds of respondents.

    The intervals are jackknife t-intervals on the ln(1 - rho) scale
    (`_resampling.jackknife_ci`), over respondents, or over personas when `clusters` labels
    each row with its persona: respondents who share a persona share its traits and are not
    independent, so a persona is left out at a time. With fewer than
    `thresholds.MIN_CLUSTERS` personas there are no intervals, and the reason says so.
    Lambda6 is reported bias-corrected (its textbook value in `uncorrected`): each item's
    squared multiple correlation overfits, +0.07 at 20 personas x 9 phrasings. Every
    leave-one-out omega is refitted (a vectorised minres fit, `_omega_replicates`), not
    approximated. The result is deterministic. `reliable` applies the paper's rule, all
    three estimates >= `threshold`: False as soon as one defined value is below it, None
    when none is below but some is null. `intervals=False` computes the textbook values
    only.
    """
    matrix = _as_matrix(scores)
    complete = ~np.isnan(matrix).any(axis=1)
    data = matrix[complete]
    n_rows, n_items = data.shape
    n_dropped = int((~complete).sum())
    groups = Clusters.of(clusters, matrix.shape[0]).subset(np.asarray(complete, dtype=bool))
    names = ("alpha", "lambda6", "omega")

    def result(stats: dict[str, CIStat], reasons: dict[str, str]) -> RespondentReliability:
        return RespondentReliability(
            n_respondents=n_rows,
            n_items=n_items,
            n_dropped=n_dropped,
            n_missing_cells=missing_cells(matrix)[0],
            n_clusters=groups.count if groups.nested else None,
            alpha=stats["alpha"],
            lambda6=stats["lambda6"],
            omega=stats["omega"],
            reliable=_verdict(stats, threshold),
            threshold=threshold,
            reasons=reasons,
        )

    if n_rows < min_respondents:
        reason = f"{n_rows} respondents; reliability over respondents needs >= {min_respondents}"
        return result({name: CIStat.missing(reason) for name in names}, {"respondents": reason})
    points = {
        "alpha": _over_respondents(cronbach_alpha(data)),
        "lambda6": _over_respondents(guttman_lambda6(data)),
        "omega": _over_respondents(mcdonald_omega(data)),
    }
    stats = {name: CIStat(value=p.value, reason=p.reason) for name, p in points.items()}
    need = {name: points[name].value is not None for name in names}
    too_few = groups.too_few() if intervals else "no intervals requested"
    if too_few is not None:
        stats = {name: _without_interval(s, too_few) for name, s in stats.items()}
    elif any(need.values()):
        leave_one_out = _replicate_statistics(data, groups.leave_one_out(), need)
        over = f"{groups.count} personas" if groups.nested else f"{n_rows} respondents"
        for name in names:
            if need[name]:
                stats[name] = jackknife_ci(
                    points[name],
                    leave_one_out[name],
                    scale="reliability",
                    bias_corrected=name == "lambda6",
                ).model_copy(update={"method": f"jackknife over {over}, ln(1 - x) scale"})
    reasons = {name: s.reason for name, s in stats.items() if s.reason is not None}
    if _verdict(stats, threshold) is None:
        reasons["reliable"] = (
            "not all of alpha, lambda6 and omega are defined (see their reasons), "
            "and none that is defined is below the threshold"
        )
    return result(stats, reasons)
