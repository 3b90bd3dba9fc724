"""The circumplex check: does the correlation of two dimensions across administrations fall
off with their distance on the framework's circle (Schwartz's values)?"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel
from scipy import stats

from valuescope.stats._matrix import _EPS, _as_matrix, _pearson
from valuescope.stats._reliability import Matrix
from valuescope.stats._result import Stat


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
