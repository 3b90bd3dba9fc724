"""Psychometric statistics for one respondent (one model) answering a questionnaire.

Every function here takes the *administrations x items* matrix of one dimension: a row is one
administration (one cell of option order x paraphrase x system prompt x sample), a column is
one item, a cell is the item's (reverse-keyed) expected Likert score in that administration and
NaN marks an invalid answer. Rows carry condition labels (order, paraphrase, framing, sample)
that the caller passes alongside where a statistic groups rows.

With a single respondent there is no population of people to correlate over, so the classic
statistics are reinterpreted over administrations: an "internally consistent" dimension is one
whose items rise and fall together when the way the questionnaire is put changes. Everything
returns a `Stat` (a value, or None with the reason), never a silent NaN; a statistic that
would divide by a variance that is zero up to rounding (`_tolerance.negligible_variance`) is
null too, not a huge number.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from itertools import combinations

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel
from scipy import optimize, stats

from valuescope.stats._reliability import Matrix, complete_rows
from valuescope.stats._result import Stat
from valuescope.stats._tolerance import negligible_variance

# Uniqueness bounds of the one-factor fit, as in R's psych::fa and factor_analyzer: a
# uniqueness stuck at the lower bound is a Heywood case (an item fully explained by the factor).
_UNIQUENESS_BOUNDS = (0.005, 1.0)
# Above this condition number the item correlation matrix is treated as singular.
_MAX_CONDITION = 1e12
# The largest |loading| the bounds allow: sqrt(1 - the smallest uniqueness).
_MAX_LOADING = math.sqrt(1.0 - _UNIQUENESS_BOUNDS[0])
_EPS = 1e-12


def _as_matrix(matrix: npt.ArrayLike) -> Matrix:
    data = np.asarray(matrix, dtype=float)
    if data.ndim != 2:
        raise ValueError(f"expected an administrations x items matrix, got shape {data.shape}")
    return data


def _does_not_vary(values: Matrix, magnitude: float | None = None) -> bool:
    """Whether `values` are constant up to rounding.

    `magnitude` bounds the numbers the values were computed from (default: their own largest
    absolute value); pass it where the values are sums or differences that may cancel to
    about 0. The absolute floor `_EPS` still catches values that are all about 0.
    """
    if values.size == 0 or np.ptp(values) <= _EPS:
        return True
    scale = float(np.abs(values).max()) if magnitude is None else magnitude
    return negligible_variance(float(values.var()), scale)


def _constant_columns(data: Matrix) -> list[int]:
    """Indexes of items whose score does not vary across the administrations."""
    return [j for j in range(data.shape[1]) if _does_not_vary(data[:, j])]


def _pearson(
    x: Matrix, y: Matrix, magnitudes: tuple[float | None, float | None] = (None, None)
) -> Stat:
    """Pearson r, null (with reason) when either side is constant up to rounding.

    Rounding noise correlated with anything gives an arbitrary r, so a side that varies only
    by rounding (relative to its `magnitudes`, see `_does_not_vary`) counts as constant.
    """
    if _does_not_vary(x, magnitudes[0]) or _does_not_vary(y, magnitudes[1]):
        return Stat.missing("a correlated variable does not vary")
    return Stat.of(float(np.corrcoef(x, y)[0, 1]))


def _sum_magnitude(data: Matrix) -> float:
    """The largest absolute row total the columns of `data` could sum to."""
    return float(np.abs(data).max(axis=0).sum()) if data.size else 0.0


# --------------------------------------------------------------------------------------------
# McDonald's omega
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Split-half
# --------------------------------------------------------------------------------------------


def spearman_brown(r: float, factor: float = 2.0) -> Stat:
    """Spearman-Brown prophecy: reliability of a test `factor` times as long as one with r."""
    denominator = 1.0 + (factor - 1.0) * r
    if abs(denominator) <= _EPS:
        return Stat.missing("Spearman-Brown undefined for r = -1/(factor-1)")
    return Stat.of(factor * r / denominator)


def _split_half_once(data: Matrix, first: Sequence[int], second: Sequence[int]) -> Stat:
    # Keyed and reverse-keyed items in one half can cancel in its total: judge its variation
    # against the size of the items summed, not of the (possibly ~0) total.
    left, right = data[:, list(first)], data[:, list(second)]
    r = _pearson(left.sum(axis=1), right.sum(axis=1), (_sum_magnitude(left), _sum_magnitude(right)))
    if r.value is None:
        return Stat.missing(f"a half's total does not vary across administrations ({r.reason})")
    return spearman_brown(r.value)


def split_half(matrix: npt.ArrayLike, *, n_splits: int = 0, seed: int = 0) -> Stat:
    """Spearman-Brown corrected correlation between two halves of the items.

    By default the split is odd/even by column position: columns 0, 2, 4, ... against
    1, 3, 5, ... (the first, third, ... item against the second, fourth, ...), which balances
    the halves when items are ordered by facet. The half totals are correlated across
    administrations and stepped up with 2r / (1 + r). With an odd number of items the first
    half has one item more; Spearman-Brown then slightly overstates the length ratio.

    With `n_splits > 0`, the result is instead the mean corrected coefficient over that many
    random half splits drawn with `seed` (deterministic), which removes the dependence on item
    order. Rows with a missing cell are dropped first. Null with a reason when fewer than
    2 items or 3 administrations remain, or a half's total does not vary in some split.
    """
    data = complete_rows(_as_matrix(matrix))
    n_rows, n_items = data.shape
    if n_items < 2:
        return Stat.missing(f"needs >= 2 items, has {n_items}")
    if n_rows < 3:
        return Stat.missing(f"needs >= 3 administrations (rows), has {n_rows}")
    if n_splits <= 0:
        return _split_half_once(data, range(0, n_items, 2), range(1, n_items, 2))
    rng = np.random.default_rng(seed)
    half = (n_items + 1) // 2
    values: list[float] = []
    for _ in range(n_splits):
        order = rng.permutation(n_items)
        result = _split_half_once(data, order[:half].tolist(), order[half:].tolist())
        if result.value is None:
            return Stat.missing(f"a random split is undefined: {result.reason}")
        values.append(result.value)
    return Stat.of(float(np.mean(values)))


# --------------------------------------------------------------------------------------------
# ICC(3,1)
# --------------------------------------------------------------------------------------------


def icc3_1(matrix: npt.ArrayLike) -> Stat:
    """ICC(3,1): two-way mixed, consistency, single measures (Shrout & Fleiss 1979).

    Here the *targets* are administrations and the *raters* are items: each item "rates"
    every administration. ICC(3,1) = (MS_rows - MS_error) / (MS_rows + (k - 1) MS_error) is
    the share of a single item's variance that is shared, consistent variation across
    administrations, once each item's own offset (some items are simply endorsed more) is
    removed. High: any one item already tracks how the conditions move the dimension. Its
    k-item version ICC(3,k) equals Cronbach's alpha. Rows with a missing cell are dropped
    first. Null with a reason when fewer than 2 items or 2 administrations remain, or when
    nothing varies once item offsets are removed (up to rounding: the denominator is compared
    with the size of the scores, so rounding noise is not divided by rounding noise).
    """
    data = complete_rows(_as_matrix(matrix))
    n_rows, n_items = data.shape
    if n_items < 2:
        return Stat.missing(f"needs >= 2 items, has {n_items}")
    if n_rows < 2:
        return Stat.missing(f"needs >= 2 administrations (rows), has {n_rows}")
    grand = data.mean()
    row_effects = data.mean(axis=1) - grand
    col_effects = data.mean(axis=0) - grand
    residual = data - grand - row_effects[:, None] - col_effects[None, :]
    ms_rows = n_items * float((row_effects**2).sum()) / (n_rows - 1)
    ms_error = float((residual**2).sum()) / ((n_rows - 1) * (n_items - 1))
    denominator = ms_rows + (n_items - 1) * ms_error
    # denominator / k is a variance of numbers no larger than the largest |score|.
    if denominator <= _EPS or negligible_variance(denominator / n_items, float(np.abs(data).max())):
        return Stat.missing("scores do not vary beyond the items' own offsets")
    return Stat.of((ms_rows - ms_error) / denominator)


# --------------------------------------------------------------------------------------------
# Parallel forms and test-retest
# --------------------------------------------------------------------------------------------


def _check_labels(data: Matrix, labels: Sequence[Hashable]) -> None:
    if len(labels) != data.shape[0]:
        raise ValueError(f"{len(labels)} row labels for {data.shape[0]} rows")


def _form_profiles(data: Matrix, labels: Sequence[Hashable]) -> dict[Hashable, Matrix]:
    """Per form (label), the mean score of each item over that form's rows (NaN-aware)."""
    profiles: dict[Hashable, Matrix] = {}
    for label in dict.fromkeys(labels):
        rows = data[[i for i, row_label in enumerate(labels) if row_label == label]]
        answered = (~np.isnan(rows)).sum(axis=0)
        totals = np.nansum(rows, axis=0)
        profiles[label] = np.where(answered > 0, totals / np.maximum(answered, 1), np.nan)
    return profiles


def _mean_profile_correlation(profiles: dict[Hashable, Matrix], what: str) -> Stat:
    """Mean over pairs of forms of the Pearson correlation of their item profiles."""
    if len(profiles) < 2:
        return Stat.missing(f"needs >= 2 {what}, has {len(profiles)}")
    correlations: list[float] = []
    for (name_a, a), (name_b, b) in combinations(profiles.items(), 2):
        both = ~np.isnan(a) & ~np.isnan(b)
        if both.sum() < 3:
            return Stat.missing(
                f"{what} {name_a!r} and {name_b!r} share {int(both.sum())} scored items, needs >= 3"
            )
        r = _pearson(a[both], b[both])
        if r.value is None:
            return Stat.missing(
                f"item scores of {what} {name_a!r} or {name_b!r} do not vary across items"
            )
        correlations.append(r.value)
    return Stat.of(float(np.mean(correlations)))


def parallel_forms(matrix: npt.ArrayLike, row_groups: Sequence[Hashable]) -> Stat:
    """Parallel-forms reliability: do different forms give the same item profile?

    `row_groups` labels each row with its form (e.g. option order "asc"/"desc", or paraphrase
    0/1/2). Rows of one form are averaged into one score per item (ignoring invalid answers),
    and the result is the mean pairwise Pearson correlation, *across items*, between the
    forms' item profiles (a plain mean of r, not Fisher-z, so identical forms give exactly 1).
    This asks whether the model orders its items the same way whichever form it was asked
    in; a correlation near 0 means the form, not the item, drives the answer. Null with a
    reason when fewer than 2 forms, fewer than 3 items scored in both forms of a pair, or a
    form's item profile is flat. Raises ValueError if labels and rows differ in number.
    """
    data = _as_matrix(matrix)
    _check_labels(data, row_groups)
    return _mean_profile_correlation(_form_profiles(data, row_groups), "forms")


def test_retest(matrix: npt.ArrayLike, sample_labels: Sequence[Hashable]) -> Stat:
    """Test-retest reliability of *sampled* scoring: the parallel-forms statistic over samples.

    Rows are grouped by sample index (each group pools that sample's other conditions), and
    the item profiles of the samples are correlated pairwise across items and averaged.
    Only meaningful when scores come from sampling (temperature > 0). With log-probability
    scoring the expected score is deterministic, every "retest" is identical, and the value
    would be 1 by construction: the caller must not ask for it in that case.
    """
    data = _as_matrix(matrix)
    _check_labels(data, sample_labels)
    return _mean_profile_correlation(_form_profiles(data, sample_labels), "samples")


# Not a test: pytest would otherwise collect it from any test module that imports it by name.
test_retest.__test__ = False  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------
# Flags and MRAT centring
# --------------------------------------------------------------------------------------------


def reliability_flags(
    stats: Mapping[str, Stat], threshold: float = 0.7, *, flag_missing: bool = False
) -> list[str]:
    """Names of the statistics whose value is below `threshold` (0.7: the usual floor).

    A null statistic is not "below" anything, so it is only flagged with `flag_missing=True`
    (its reason already says why it is absent). Names keep the order of `stats`.
    """
    flagged: list[str] = []
    for name, stat in stats.items():
        if stat.value is None:
            if flag_missing:
                flagged.append(name)
        elif stat.value < threshold:
            flagged.append(name)
    return flagged


def mrat_centre(scores: Mapping[str, float], item_mean: float | None = None) -> dict[str, float]:
    """Centre a Schwartz-style profile on the respondent's mean rating (MRAT).

    Schwartz's scoring subtracts the mean over *all items* the respondent rated, which
    removes scale use (acquiescence) and keeps only relative priorities. That is the
    canonical choice: pass it as `item_mean`. Without it we subtract the mean over the
    dimension scores given, which equals the item mean only when every dimension has the
    same number of items (with unequal counts, dimensions with many items weigh less than in
    Schwartz's MRAT). Raises ValueError on a non-finite score.
    """
    values = list(scores.values())
    if not all(math.isfinite(v) for v in values):
        raise ValueError("MRAT centring needs finite scores for every dimension")
    if not values:
        return {}
    if item_mean is not None and not math.isfinite(item_mean):
        raise ValueError("item_mean must be finite")
    centre = float(np.mean(values)) if item_mean is None else float(item_mean)
    return {name: value - centre for name, value in scores.items()}


# --------------------------------------------------------------------------------------------
# Circumplex
# --------------------------------------------------------------------------------------------


class DimensionPairCorrelation(BaseModel):
    """Correlation of two dimensions across administrations, with their circle distance."""

    a: str
    b: str
    distance: int
    correlation: Stat


class CircumplexCheck(BaseModel):
    """Does the correlation of two dimensions fall off with their distance on the circle?"""

    spearman_rho: Stat
    """Spearman rho between circular distance and correlation; negative = circumplex-like."""
    mean_correlation_by_distance: dict[int, Stat]
    """Mean correlation of the dimension pairs at each distance 1..len(circle)//2."""
    pairs: list[DimensionPairCorrelation]
    n_administrations: int
    centred: bool


def circular_distance(i: int, j: int, size: int) -> int:
    """Steps between positions i and j on a circle of `size` positions (0..size//2)."""
    step = abs(i - j) % size
    return min(step, size - step)


def _dimension_scores(
    item_scores: Mapping[str, npt.ArrayLike], circle: Sequence[str]
) -> tuple[Matrix, Matrix]:
    """Administrations x dimensions means, and each administration's mean over all items."""
    missing = [name for name in circle if name not in item_scores]
    if missing:
        raise ValueError(f"no item scores for circle dimensions {missing}")
    matrices = {name: _as_matrix(item_scores[name]) for name in circle}
    n_rows = {m.shape[0] for m in matrices.values()}
    if len(n_rows) != 1:
        raise ValueError(f"dimensions have different numbers of administrations: {n_rows}")
    means = np.column_stack([_row_nanmean(matrices[name]) for name in circle])
    pooled = np.concatenate([matrices[name] for name in circle], axis=1)
    return means, _row_nanmean(pooled)


def _row_nanmean(data: Matrix) -> Matrix:
    """Mean of each row over its valid cells; NaN (not a warning) for an all-NaN row."""
    answered = (~np.isnan(data)).sum(axis=1)
    totals = np.nansum(data, axis=1)
    return np.where(answered > 0, totals / np.maximum(answered, 1), np.nan)


def circumplex_check(
    item_scores_by_dimension_per_administration: Mapping[str, npt.ArrayLike],
    circle: list[str],
    *,
    centre: bool = True,
) -> CircumplexCheck:
    """Correlate dimensions across administrations and test the fall-off with circle distance.

    Input: for each dimension, its administrations x items matrix, rows aligned across
    dimensions (row i is the same administration everywhere); `circle` lists the dimensions
    in circumplex order (e.g. Schwartz's ten values), so neighbours are adjacent and the
    last wraps to the first.

    For one respondent we correlate dimension scores *across administrations*: each
    condition (order, paraphrase, framing, sample) perturbs the model's answers, and if the
    model's value system is circumplex-shaped, neighbouring values should move together and
    opposite values apart. A bootstrap over items was rejected because it resamples each
    dimension's items independently, so it would make every correlation ~0 by construction.
    With `centre=True` (default) each administration is first MRAT-centred on its mean over
    all items, as Schwartz prescribes, so that a condition that shifts every answer up
    (acquiescence, position bias) does not make all values correlate positively; centring
    alone pulls all correlations down uniformly (towards -1/(K-1)), which leaves the
    distance ordering tested by rho intact.

    Administrations where some dimension has no valid answer are dropped. Pair correlations
    are null where a dimension does not vary; rho is null with < 3 defined pairs or when the
    defined pairs span a single distance. Rho's pairs are not independent, so no p-value is
    given: read it as a descriptive check on a single respondent.
    """
    if len(set(circle)) != len(circle) or len(circle) < 3:
        raise ValueError("circle must list >= 3 distinct dimensions")
    means, row_mean = _dimension_scores(item_scores_by_dimension_per_administration, circle)
    keep = ~np.isnan(means).any(axis=1)
    means = means[keep]
    # Centred means can be ~0: judge their variation against the uncentred scores' size.
    magnitude = float(np.abs(means).max()) if means.size else 0.0
    if centre:
        means = means - row_mean[keep][:, None]
    n_rows = int(means.shape[0])
    pairs = [
        DimensionPairCorrelation(
            a=circle[i],
            b=circle[j],
            distance=circular_distance(i, j, len(circle)),
            correlation=(
                _pearson(means[:, i], means[:, j], (magnitude, magnitude))
                if n_rows >= 3
                else Stat.missing(f"needs >= 3 complete administrations, has {n_rows}")
            ),
        )
        for i, j in combinations(range(len(circle)), 2)
    ]
    return CircumplexCheck(
        spearman_rho=_distance_rho(pairs),
        mean_correlation_by_distance=_mean_by_distance(pairs, len(circle) // 2),
        pairs=pairs,
        n_administrations=n_rows,
        centred=centre,
    )


def _distance_rho(pairs: Sequence[DimensionPairCorrelation]) -> Stat:
    defined = [(p.distance, p.correlation.value) for p in pairs if p.correlation.value is not None]
    if len(defined) < 3:
        return Stat.missing(f"needs >= 3 defined dimension correlations, has {len(defined)}")
    distances, correlations = zip(*defined, strict=True)
    if len(set(distances)) < 2:
        return Stat.missing("defined correlations span a single circular distance")
    if np.ptp(correlations) <= _EPS:  # equal up to rounding: their ranks would be noise
        return Stat.missing("all dimension correlations are equal")
    return Stat.of(float(stats.spearmanr(distances, correlations).statistic))


def _mean_by_distance(
    pairs: Sequence[DimensionPairCorrelation], max_distance: int
) -> dict[int, Stat]:
    result: dict[int, Stat] = {}
    for distance in range(1, max_distance + 1):
        values = [
            p.correlation.value
            for p in pairs
            if p.distance == distance and p.correlation.value is not None
        ]
        result[distance] = (
            Stat.of(float(np.mean(values)))
            if values
            else Stat.missing(f"no defined correlation at distance {distance}")
        )
    return result
