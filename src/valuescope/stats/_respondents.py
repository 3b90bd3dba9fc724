"""Reliability over simulated respondents: alpha, Guttman's lambda6 and omega with bootstrap CIs.

Elsewhere in this package one model is one respondent, and reliability is computed over its
administrations (`_psychometrics`). Following Serapio-Garcia et al. ("Personality traits in
large language models", Nature MI 2025), a model can instead be asked the questionnaire as
many *simulated respondents*: one row per persona x instruction x postamble x option order.
Then the classic picture holds again, a sample of respondents answering the same items, and
a subscale counts as reliable only if Cronbach's alpha, Guttman's lambda6 and McDonald's omega
are all >= 0.70 (three estimators with different assumptions: alpha assumes equal loadings,
lambda6 uses each item's squared multiple correlation, omega a one-factor model).

The point estimates come from the package's own `cronbach_alpha` and `mcdonald_omega` (and
`guttman_lambda6` here). Their confidence intervals are bias-corrected percentile bootstraps over
respondents (`bootstrap_ci`), and calling those functions 1000 times is too slow (omega's L-BFGS-B
fit takes ~60 ms), so the replicates are computed in batch from weighted covariance matrices: a
bootstrap resample is a vector of counts per respondent, so every replicate's covariance
matrix is one matrix product. Alpha and lambda6 are closed forms of that matrix; omega uses a
vectorised fit of the same minres model (see `_omega_replicates`). The tests check that each
batch route reproduces the scalar function on the resampled matrix.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field
from scipy import special

from valuescope.stats._psychometrics import (
    _MAX_CONDITION,
    _UNIQUENESS_BOUNDS,
    _as_matrix,
    _constant_columns,
    mcdonald_omega,
)
from valuescope.stats._reliability import Matrix, complete_rows_and_columns, cronbach_alpha
from valuescope.stats._result import Stat
from valuescope.stats._tolerance import RELATIVE_VARIANCE, negligible_variance

# Communality bounds of the one-factor fit: 1 minus mcdonald_omega's uniqueness bounds.
_MAX_COMMUNALITY = 1.0 - _UNIQUENESS_BOUNDS[0]
# A bootstrap CI needs at least this share of its replicates to be defined; below that the
# defined ones are a biased subset (e.g. only resamples where a rare answer happens to occur).
_MIN_DEFINED_SHARE = 0.5
# How the shared statistics' reasons read when the rows are respondents, in this order.
_RESPONDENT_WORDS = (
    ("in every administration", "by every respondent"),
    ("in every row", "by every respondent"),
    ("administrations (rows)", "respondents"),
    ("administrations", "respondents"),
    ("rows", "respondents"),
)


class CIStat(BaseModel):
    """A value with a 95% CI (bias-corrected bootstrap or Fisher z); None with the reason if absent.

    `n_replicates` is how many bootstrap replicates were defined and used (a resample where an
    item happens to be constant has no lambda6 or omega); None for a CI that is not a
    bootstrap. The value may be present while the interval is not (its reason says why).
    """

    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    n_replicates: int | None = None
    reason: str | None = None

    @classmethod
    def missing(cls, reason: str) -> CIStat:
        return cls(value=None, reason=reason)


class RespondentReliability(BaseModel):
    """Reliability of one dimension over simulated respondents (rows) x items (columns)."""

    n_respondents: int
    """Respondents used: those with a valid answer to every item of the dimension."""
    n_items: int
    n_dropped: int
    """Respondents dropped because some item of this dimension had no valid answer (NaN)."""
    alpha: CIStat
    lambda6: CIStat
    omega: CIStat
    reliable: bool | None
    """All three >= threshold: True; some value below it: False; else (some null) None."""
    threshold: float
    n_boot: int
    seed: int
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
    matrix = complete_rows_and_columns(_as_matrix(data))
    n_rows, n_items = matrix.shape
    if n_items < 2:
        return Stat.missing(f"needs >= 2 items answered in every row, has {n_items}")
    if n_rows < 3:
        return Stat.missing(f"needs >= 3 rows, has {n_rows}")
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
# Bootstrap replicates in batch
# --------------------------------------------------------------------------------------------


def bootstrap_counts(n_rows: int, n_boot: int, rng: np.random.Generator) -> Matrix:
    """n_boot x n_rows: how often each row is drawn in each resample (rows with replacement)."""
    draws = rng.integers(0, n_rows, size=(n_boot, n_rows))
    offsets = n_rows * np.arange(n_boot)[:, None]
    counts = np.bincount((draws + offsets).ravel(), minlength=n_boot * n_rows)
    return counts.reshape(n_boot, n_rows).astype(float)


def weighted_covariances(data: Matrix, counts: Matrix) -> Matrix:
    """Covariance matrix (ddof=1) of each resample, from its row counts: one matrix product.

    The data are centred on their full-sample means first, so that the sums of squares do not
    cancel catastrophically for scores far from 0 (e.g. Likert points around 3).
    """
    n_rows, n_items = data.shape
    centred = data - data.mean(axis=0)
    sums = counts @ centred
    products = (centred[:, :, None] * centred[:, None, :]).reshape(n_rows, n_items * n_items)
    cross = (counts @ products).reshape(-1, n_items, n_items)
    covariances: Matrix = (cross - sums[:, :, None] * sums[:, None, :] / n_rows) / (n_rows - 1)
    return covariances


def _alpha_replicates(covariances: Matrix, magnitude: float) -> Matrix:
    """Cronbach's alpha per covariance matrix; NaN where the total does not vary."""
    n_items = covariances.shape[1]
    total = covariances.sum(axis=(1, 2))
    trace = np.einsum("bii->b", covariances)
    alpha = n_items / (n_items - 1) * (1.0 - trace / np.where(total > 0, total, 1.0))
    undefined = total <= RELATIVE_VARIANCE * magnitude**2
    result: Matrix = np.where(undefined, np.nan, alpha)
    return result


def _power_step(reduced: Matrix, vectors: Matrix, steps: int) -> tuple[Matrix, Matrix, Matrix]:
    """A few power iterations towards the top eigenvector of each reduced correlation matrix.

    Shifted by the identity: a reduced matrix R - diag(u) with 0 <= u <= 1 has eigenvalues
    >= -1, so R - diag(u) + I is positive semi-definite and its dominant eigenvector is the
    one of the *largest* (not the largest in absolute value) eigenvalue of R - diag(u).
    Returns the vectors, their Rayleigh quotients and the eigen-residual norms.
    """
    for _ in range(steps):
        vectors = (reduced @ vectors[:, :, None])[:, :, 0] + vectors
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    image = (reduced @ vectors[:, :, None])[:, :, 0]
    values = (image * vectors).sum(axis=1)
    residuals = np.linalg.norm(image - values[:, None] * vectors, axis=1)
    return vectors, values, residuals


def _with_diagonal(corr: Matrix, diagonal: Matrix) -> Matrix:
    reduced = corr.copy()
    index = np.arange(corr.shape[1])
    reduced[:, index, index] = diagonal
    return reduced


def _paf_map(
    corr: Matrix, communalities: Matrix, vectors: Matrix, exact: bool
) -> tuple[Matrix, Matrix, Matrix, Matrix]:
    """One principal-axis step: communalities -> clipped squared loadings of the top axis."""
    reduced = _with_diagonal(corr, communalities)
    if exact:
        eigenvalues, eigenvectors = np.linalg.eigh(reduced)
        vectors, values = eigenvectors[:, :, -1], eigenvalues[:, -1]
        residuals = np.zeros(len(corr))
    else:
        vectors, values, residuals = _power_step(reduced, vectors, steps=10)
    loadings = vectors * np.sqrt(np.maximum(values, 0.0))[:, None]
    return np.clip(loadings**2, 0.0, _MAX_COMMUNALITY), loadings, vectors, residuals


def _squarem(
    corr: Matrix, start: Matrix, vectors: Matrix, *, exact: bool, max_iter: int = 300
) -> tuple[Matrix, Matrix, npt.NDArray[np.bool_]]:
    """Accelerated principal-axis iteration to the bounded minres one-factor solution.

    Plain principal-axis factoring converges very slowly when the factor is weak (thousands
    of steps); SQUAREM (Varadhan & Roland 2008) extrapolates along two successive steps and
    needs tens. Only the replicates not yet converged are iterated. Returns communalities,
    loadings and a converged flag per replicate.
    """
    n_boot, n_items = start.shape
    communalities, loadings = start.copy(), np.zeros((n_boot, n_items))
    vectors = vectors.copy()
    converged = np.zeros(n_boot, dtype=bool)
    for _ in range(max_iter):
        active = np.flatnonzero(~converged)
        if active.size == 0:
            break
        r, x0 = corr[active], communalities[active]
        x1, _, v, _ = _paf_map(r, x0, vectors[active], exact)
        x2, _, v, _ = _paf_map(r, x1, v, exact)
        step, curvature = x1 - x0, x2 - 2 * x1 + x0
        step_norm = np.linalg.norm(step, axis=1)
        curvature_norm = np.linalg.norm(curvature, axis=1)
        ratio = -step_norm / np.where(curvature_norm > 0, curvature_norm, 1.0)
        alpha = np.minimum(np.where(curvature_norm > 0, ratio, -1.0), -1.0)[:, None]
        jump = np.clip(x0 - 2 * alpha * step + alpha**2 * curvature, 0.0, _MAX_COMMUNALITY)
        x3, lam, v, residuals = _paf_map(r, jump, v, exact)
        done = (np.abs(x3 - x0).max(axis=1) < 1e-9) & (residuals < 1e-9)
        communalities[active], loadings[active], vectors[active] = x3, lam, v
        converged[active[done]] = True
    return communalities, loadings, converged


def _omega_replicates(corr: Matrix, corr_inverses: Matrix, start_vector: Matrix) -> Matrix:
    """McDonald's omega of each replicate's correlation matrix, by the minres one-factor model.

    `mcdonald_omega` fits the model with L-BFGS-B over the uniquenesses (factor_analyzer's
    minres) at ~60 ms a fit. Its stationary points are exactly the fixed points of
    principal-axis factoring with the communalities clipped to the same bounds (interior:
    communality = squared loading, which zeroes the diagonal residual; at a bound, the
    gradient's sign condition), so here all replicates are iterated together: same start as
    mcdonald_omega (communalities = SMC), the top eigenvector by a few warm-started power
    iterations per step, SQUAREM acceleration. A final exact eigendecomposition checks every
    replicate is a fixed point; those that are not are re-solved with exact eigenvectors, and
    any still not converged are NaN (dropped from the CI and counted). On data with a clear
    factor this reproduces mcdonald_omega to ~1e-9; when the factor is weak the minres loss
    has several local minima and a few per cent of replicates may settle in a different one
    than L-BFGS-B would (both are legitimate minres solutions).
    """
    n_boot = corr.shape[0]
    start = np.clip(1.0 - 1.0 / np.einsum("bii->bi", corr_inverses), 0.0, _MAX_COMMUNALITY)
    vectors = np.tile(start_vector, (n_boot, 1))
    communalities, loadings, converged = _squarem(corr, start, vectors, exact=False)
    exact_next, _, _, _ = _paf_map(corr, communalities, vectors, exact=True)
    redo = ~converged | (np.abs(exact_next - communalities).max(axis=1) > 1e-6)
    if redo.any():
        _, redone, ok = _squarem(corr[redo], start[redo], vectors[redo], exact=True)
        loadings[redo] = redone
        converged[redo] = ok
    sums = np.abs(loadings.sum(axis=1))
    omega = sums**2 / (sums**2 + (1.0 - loadings**2).sum(axis=1))
    result: Matrix = np.where(converged, omega, np.nan)
    return result


def _start_vector(data: Matrix) -> Matrix:
    """Top eigenvector of the full sample's correlation matrix with SMCs on its diagonal."""
    corr = np.asarray(np.corrcoef(data, rowvar=False), dtype=float)
    np.fill_diagonal(corr, 1.0 - 1.0 / np.diag(np.linalg.inv(corr)))
    vector: Matrix = np.linalg.eigh(corr)[1][:, -1]
    return vector


def _replicate_statistics(
    data: Matrix, n_boot: int, seed: int, need: dict[str, bool]
) -> dict[str, Matrix]:
    """alpha, lambda6 and omega of each bootstrap resample of the rows (NaN = undefined).

    One set of resamples serves all three statistics. A replicate has no lambda6 or omega
    when some item is constant in it (up to rounding) or its item correlation matrix is
    singular; those matrices are replaced by the identity before inverting, and marked NaN.
    """
    counts = bootstrap_counts(data.shape[0], n_boot, np.random.default_rng(seed))
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
        omega = _omega_replicates(corr, inverses, _start_vector(data))
        out["omega"] = np.where(singular, np.nan, omega)
    return out


def bootstrap_ci(point: Stat, replicates: Matrix | None, level: float = 0.95) -> CIStat:
    """The point estimate with the bias-corrected percentile interval of its bootstrap replicates.

    Plain percentile intervals assume the bootstrap distribution is centred on the estimate.
    For lambda6 (each item's squared multiple correlation overfits at small n) and for the
    MTMM gap (the mean |r| of heterotrait pairs is biased up) it is not, and the recovery
    bench measured percentile coverage of 0.71 for lambda6 at 60 respondents. The
    bias-corrected (BC) interval of Efron (1981) shifts the quantiles by z0, the normal
    quantile of the share of replicates below the estimate: the interval is the replicates'
    Phi(2 z0 - z) and Phi(2 z0 + z) quantiles (z = 1.96 for 95%). With z0 = 0 it is the plain
    percentile interval. Coverage on the sim (bench/recovery.py): see bench/README.md.
    """
    if point.value is None:
        return CIStat.missing(point.reason or "not computable")
    if replicates is None or replicates.size == 0:
        return CIStat(value=point.value, reason="no bootstrap replicates requested")
    defined = replicates[np.isfinite(replicates)]
    if defined.size < _MIN_DEFINED_SHARE * replicates.size:
        return CIStat(
            value=point.value,
            n_replicates=int(defined.size),
            reason=(
                f"only {defined.size} of {replicates.size} bootstrap replicates are defined "
                "(an item is constant or the items are collinear in the others): no CI"
            ),
        )
    low_q, high_q = bias_corrected_quantiles(defined, point.value, level)
    low, high = np.quantile(defined, [low_q, high_q])
    return CIStat(
        value=point.value, ci_low=float(low), ci_high=float(high), n_replicates=int(defined.size)
    )


def bias_corrected_quantiles(
    replicates: Matrix, estimate: float, level: float
) -> tuple[float, float]:
    """The quantile levels of the BC interval (see `bootstrap_ci`).

    z0 counts ties as half below, so a statistic whose replicates all equal the estimate gets
    z0 = 0; the share is clipped to [1/(2B), 1 - 1/(2B)] so z0 stays finite when every
    replicate lies on one side.
    """
    n = replicates.size
    below = (
        np.count_nonzero(replicates < estimate) + 0.5 * np.count_nonzero(replicates == estimate)
    ) / n
    share = min(max(below, 0.5 / n), 1.0 - 0.5 / n)
    z0 = float(special.ndtri(share))
    z = float(special.ndtri(0.5 + level / 2.0))
    return float(special.ndtr(2.0 * z0 - z)), float(special.ndtr(2.0 * z0 + z))


def _over_respondents(stat: Stat) -> Stat:
    """The shared functions speak of administrations (rows); here the rows are respondents."""
    if stat.reason is None:
        return stat
    reason = stat.reason
    for old, new in _RESPONDENT_WORDS:
        reason = reason.replace(old, new)
    return Stat.missing(reason)


def _verdict(stats: dict[str, CIStat], threshold: float) -> bool | None:
    values = [s.value for s in stats.values()]
    if any(v is not None and v < threshold for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


def respondent_reliability(
    scores: npt.ArrayLike,
    seed: int,
    n_boot: int = 1000,
    min_respondents: int = 20,
    threshold: float = 0.70,
) -> RespondentReliability:
    """Alpha, lambda6 and omega of one dimension over simulated respondents, with 95% CIs.

    `scores` is respondents x items (already reverse-keyed); NaN marks an invalid answer.
    Respondents with any NaN in this dimension are dropped (listwise, so all three statistics
    describe the same people) and counted in `n_dropped`. With fewer than `min_respondents`
    left, every statistic is null: three correlational estimators on a handful of rows are
    noise, and Serapio-Garcia et al.'s design has hundreds of respondents.

    The CIs are bias-corrected percentile bootstraps over respondents (rows drawn with replacement,
    `n_boot` resamples from `seed`, the same resamples for all three statistics, so the
    result is deterministic for a seed). Every replicate of omega is refitted (a vectorised
    minres fit, `_omega_replicates`), not approximated. `reliable` applies the paper's rule,
    all three point estimates >= `threshold`: False as soon as one defined value is below it,
    None when none is below but some is null.
    """
    matrix = _as_matrix(scores)
    complete = ~np.isnan(matrix).any(axis=1)
    data = matrix[complete]
    n_rows, n_items = data.shape
    n_dropped = int((~complete).sum())
    names = ("alpha", "lambda6", "omega")

    def result(stats: dict[str, CIStat], reasons: dict[str, str]) -> RespondentReliability:
        return RespondentReliability(
            n_respondents=n_rows,
            n_items=n_items,
            n_dropped=n_dropped,
            alpha=stats["alpha"],
            lambda6=stats["lambda6"],
            omega=stats["omega"],
            reliable=_verdict(stats, threshold),
            threshold=threshold,
            n_boot=n_boot,
            seed=seed,
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
    need = {name: points[name].value is not None and n_boot > 0 for name in names}
    replicates = _replicate_statistics(data, n_boot, seed, need) if any(need.values()) else {}
    stats = {name: bootstrap_ci(points[name], replicates.get(name)) for name in names}
    reasons = {name: s.reason for name, s in stats.items() if s.reason is not None}
    if _verdict(stats, threshold) is None:
        reasons["reliable"] = (
            "not all of alpha, lambda6 and omega are defined (see their reasons), "
            "and none that is defined is below the threshold"
        )
    return result(stats, reasons)
