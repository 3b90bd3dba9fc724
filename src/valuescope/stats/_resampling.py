"""Resampling respondents, plain or clustered (jackknife and bootstrap), and the intervals
built from them.

A simulated respondent is a persona x instruction x postamble (`likert.design`). Under the
`cross` design every persona answers under many phrasings, and those respondents are not
independent: they share the persona's traits. Resampling rows as if they were independent
then treats 9 near-copies of a persona as 9 people, and the intervals come out too narrow
(an audit simulated 20 personas x 9 phrasings: the row-bootstrap interval of alpha covered
its population value 0.47 of the time). So resampling here is by *clusters* (personas):
the jackknife leaves out one persona at a time (`Clusters.leave_one_out`, what every
interval over respondents uses, `jackknife_ci`), and a bootstrap resample draws personas
with replacement and takes every row of a drawn persona (`Clusters.counts`). With one row
per cluster both are the ordinary jackknife and bootstrap over rows.

A resample is stored as a vector of weights per row (how often the row is drawn, or 0 for
the row left out), so a statistic of every resample is one matrix product over the data
(`weighted_covariances`, `_mtmm.cross_correlations`), not a loop over resampled copies.

Elsewhere (classification metrics) the bias-corrected (BC) percentile interval of a
bootstrap (`bootstrap_ci`) is used. It contains its estimate unless nearly all replicates
lie on one side of it; then `bootstrap_ci` gives no interval and says why, instead of
printing one that excludes its own estimate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel
from scipy import special

from valuescope.stats._reliability import Matrix
from valuescope.stats._result import Stat
from valuescope.thresholds import MIN_CLUSTERS

# A bootstrap CI needs at least this share of its replicates to be defined; below that the
# defined ones are a biased subset (e.g. only resamples where a rare answer happens to occur).
_MIN_DEFINED_SHARE = 0.5
# The jackknife leaves out one of at most this many groups of clusters (`leave_one_out`).
_MAX_JACKKNIFE_GROUPS = 200


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
    uncorrected: float | None = None
    """The textbook estimate where `value` is bias-corrected (`jackknife_ci`), else None."""
    method: str | None = None
    """How the interval was made, where it matters (e.g. "jackknife over 20 personas")."""

    @classmethod
    def missing(cls, reason: str) -> CIStat:
        return cls(value=None, reason=reason)


class Clusters:
    """Which rows belong together (e.g. share a persona), for resampling whole clusters.

    `labels` has one entry per row; rows with equal labels form a cluster. `Clusters.of(None,
    n)` makes every row its own cluster (the ordinary bootstrap).
    """

    def __init__(self, codes: np.ndarray[tuple[int], np.dtype[np.int64]], count: int) -> None:
        self.codes = codes
        self.count = count

    @classmethod
    def of(cls, labels: Sequence[Hashable] | None, n_rows: int) -> Clusters:
        if labels is None:
            return cls(np.arange(n_rows, dtype=np.int64), n_rows)
        if len(labels) != n_rows:
            raise ValueError(f"{len(labels)} cluster labels for {n_rows} rows")
        index: dict[Hashable, int] = {}
        codes = np.fromiter((index.setdefault(x, len(index)) for x in labels), np.int64, n_rows)
        return cls(codes, len(index))

    @property
    def nested(self) -> bool:
        """Whether some cluster has more than one row (else this is the row bootstrap)."""
        return self.count < len(self.codes)

    def subset(self, keep: npt.NDArray[np.bool_]) -> Clusters:
        """The clusters of the rows kept (a cluster with no row left disappears)."""
        _, codes = np.unique(self.codes[keep], return_inverse=True)
        return Clusters(codes.astype(np.int64), int(codes.max()) + 1 if codes.size else 0)

    def too_few(self) -> str | None:
        """Why a CI over these clusters is not given, or None when there are enough."""
        if self.nested and self.count < MIN_CLUSTERS:
            return (
                f"the respondents come from {self.count} personas; an interval that resamples "
                f"personas needs >= {MIN_CLUSTERS}"
            )
        return None

    def leave_one_out(self) -> Matrix:
        """groups x rows: the row weights of each jackknife sample (one cluster left out).

        Above `_MAX_JACKKNIFE_GROUPS` clusters, clusters are dealt into that many groups
        and a group is left out at a time (the delete-a-group jackknife), so 5,000
        respondents cost 200 samples, not 5,000.
        """
        groups = self.codes % _MAX_JACKKNIFE_GROUPS
        count = min(self.count, _MAX_JACKKNIFE_GROUPS)
        weights: Matrix = (groups[None, :] != np.arange(count)[:, None]).astype(float)
        return weights

    def counts(self, n_boot: int, rng: np.random.Generator) -> Matrix:
        """n_boot x rows: how often each row is drawn in each resample (clusters drawn with
        replacement, every row of a drawn cluster taken)."""
        draws = rng.integers(0, self.count, size=(n_boot, self.count))
        offsets = self.count * np.arange(n_boot)[:, None]
        per_cluster = np.bincount((draws + offsets).ravel(), minlength=n_boot * self.count)
        counts: Matrix = per_cluster.reshape(n_boot, self.count)[:, self.codes].astype(float)
        return counts


def bootstrap_counts(n_rows: int, n_boot: int, rng: np.random.Generator) -> Matrix:
    """n_boot x n_rows: how often each row is drawn in each resample (rows with replacement)."""
    return Clusters.of(None, n_rows).counts(n_boot, rng)


def weighted_covariances(data: Matrix, counts: Matrix) -> Matrix:
    """Covariance matrix (ddof=1) of each resample, from its row counts: one matrix product.

    A resample's size is its total count (with clusters of unequal size it varies from one
    resample to the next). The data are centred on their full-sample means first, so that
    the sums of squares do not cancel catastrophically for scores far from 0 (e.g. Likert
    points around 3).
    """
    n_rows, n_items = data.shape
    centred = data - data.mean(axis=0)
    sizes = counts.sum(axis=1)[:, None, None]
    sums = counts @ centred
    products = (centred[:, :, None] * centred[:, None, :]).reshape(n_rows, n_items * n_items)
    cross = (counts @ products).reshape(-1, n_items, n_items)
    covariances: Matrix = (cross - sums[:, :, None] * sums[:, None, :] / sizes) / (sizes - 1)
    return covariances


def bootstrap_ci(
    point: Stat,
    replicates: Matrix | None,
    level: float = 0.95,
    *,
    what: str = "the statistic",
    min_defined: float = _MIN_DEFINED_SHARE,
    undefined_because: str = "",
) -> CIStat:
    """The point estimate with the bias-corrected percentile interval of its bootstrap replicates.

    Plain percentile intervals assume the bootstrap distribution is centred on the estimate.
    For lambda6 (each item's squared multiple correlation overfits at small n) and for the
    MTMM gap (the mean |r| of heterotrait pairs is biased up) it is not, and the recovery
    bench measured percentile coverage of 0.71 for lambda6 at 60 respondents. The
    bias-corrected (BC) interval of Efron (1981) shifts the quantiles by z0, the normal
    quantile of the share of replicates below the estimate: the interval is the replicates'
    Phi(2 z0 - z) and Phi(2 z0 + z) quantiles (z = 1.96 for 95%). With z0 = 0 it is the plain
    percentile interval. Coverage on the sim (bench/recovery.py): see bench/README.md.

    The interval contains the estimate unless fewer than (1 - level) / 2 of the replicates
    lie on one side of it (|z0| > z). When that happens, the replicates say the estimate is
    not where its own resamples put it (a statistic biased beyond what the correction can
    move): then no interval is given, and the reason says why.

    No interval either, with the reason, when fewer than `min_defined` of the replicates are
    defined (the defined ones would be a biased subset; `undefined_because` says why a
    replicate can be undefined), or when every defined replicate is the same (an interval
    of width 0 is a claim of certainty the resamples cannot make). `what` names the
    statistic in those reasons.
    """
    if point.value is None:
        return CIStat.missing(point.reason or "not computable")
    if replicates is None or replicates.size == 0:
        return CIStat(value=point.value, reason="no bootstrap resamples requested")
    defined = replicates[np.isfinite(replicates)]
    value = point.value

    def no_interval(reason: str) -> CIStat:
        return CIStat(value=value, n_replicates=int(defined.size), reason=reason)

    if defined.size < min_defined * replicates.size:
        return no_interval(
            f"{what} is defined in only {defined.size} of {replicates.size} bootstrap "
            f"resamples{undefined_because}: a CI needs {min_defined:.0%}"
        )
    if np.ptp(defined) == 0:
        return no_interval(
            f"every one of {defined.size} bootstrap resamples gives {what} "
            f"{float(defined[0]):.2f}: no spread to make an interval from"
        )
    low_q, high_q = bias_corrected_quantiles(defined, point.value, level)
    low, high = (float(x) for x in np.quantile(defined, [low_q, high_q]))
    if not low <= point.value <= high:
        return no_interval(
            f"the bootstrap interval [{low:.3f}, {high:.3f}] excludes the estimate "
            f"{point.value:.3f}: its replicates lie almost all on one side of it, so "
            "they do not describe its uncertainty (no CI)"
        )
    return CIStat(value=point.value, ci_low=low, ci_high=high, n_replicates=int(defined.size))


def _reliability_scale(x: Matrix) -> Matrix:
    result: Matrix = np.log1p(-x)
    return result


def _from_reliability_scale(u: Matrix) -> Matrix:
    result: Matrix = -np.expm1(u)
    return result


_SCALES: dict[str, tuple[Callable[[Matrix], Matrix], Callable[[Matrix], Matrix]]] = {
    "identity": (np.asarray, np.asarray),
    "reliability": (_reliability_scale, _from_reliability_scale),
    "correlation": (np.arctanh, np.tanh),
}
Scale = Literal["identity", "reliability", "correlation"]


def jackknife_ci(
    point: Stat,
    leave_one_out: Matrix,
    *,
    scale: Scale = "identity",
    bias_corrected: bool = False,
    level: float = 0.95,
    bounds: tuple[float, float] = (-math.inf, math.inf),
) -> CIStat:
    """The estimate with its jackknife t-interval over clusters (or rows): the intervals over
    respondents, which resample personas when respondents share them.

    With G clusters and theta_(-c) the statistic without cluster c, on a transformed `scale`
    u = h(theta): the jackknife standard error sqrt((G - 1) / G sum (u_(-c) - mean)^2) and
    the interval h^-1(u -+ t_(G-1) se), so it always contains its estimate. The scale makes
    the sampling distribution closer to symmetric: ln(1 - rho) for reliability coefficients
    (bounded by 1 and skewed near it; the transformation of Feldt's alpha interval),
    Fisher's atanh for correlations. `bias_corrected` reports Quenouille's estimate
    h^-1(G u - (G - 1) mean(u_(-c))) instead, which removes the bias's 1/G term, for
    statistics whose bias is large at our sizes (lambda6); `uncorrected` then
    keeps the textbook value.

    Why not the bootstrap: on 20 personas x 9 phrasings the recovery bench (part g) found
    the BC bootstrap over personas covering 0.90 (alpha), 0.84 (lambda6, even bias-corrected
    by the jackknife) and 0.49 (the MTMM gap), against 0.94 / 0.94 / 0.95 for this (see
    bench/README.md). Estimate and interval are held within `bounds`.
    """
    if point.value is None:
        return CIStat.missing(point.reason or "not computable")
    forward, back = _SCALES[scale]
    n = leave_one_out.size
    with np.errstate(divide="ignore", invalid="ignore"):
        u = forward(np.asarray([point.value], dtype=float))[0]
        u_loo = forward(np.asarray(leave_one_out, dtype=float))
    if n < 3 or not (np.isfinite(u_loo).all() and np.isfinite(u)):
        return CIStat(
            value=point.value,
            reason="the statistic is undefined (or at its bound) without some persona or "
            "respondent: no interval",
        )
    mean = float(u_loo.mean())
    centre = n * u - (n - 1) * mean if bias_corrected else u
    se = math.sqrt((n - 1) / n * float(((u_loo - mean) ** 2).sum()))
    half = float(special.stdtrit(n - 1, 0.5 + level / 2.0)) * se
    value, low, high = (float(x) for x in back(np.array([centre, centre - half, centre + half])))
    low, high = min(low, high), max(low, high)
    floor, ceiling = bounds
    return CIStat(
        value=min(max(value, floor), ceiling),
        ci_low=min(max(low, floor), ceiling),
        ci_high=min(max(high, floor), ceiling),
        uncorrected=point.value if bias_corrected else None,
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
