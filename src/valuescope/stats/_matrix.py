"""The administrations x items matrix every psychometric statistic of one respondent reads
(`_psychometrics`, `_factor`, `_circumplex`, `_respondents`): its shape, its complete rows,
and when a column or a total varies only by rounding."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from valuescope.stats._reliability import Matrix, complete_rows
from valuescope.stats._result import Stat
from valuescope.stats._tolerance import negligible_variance

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


def usable_matrix(
    matrix: npt.ArrayLike,
    min_rows: int,
    *,
    items: str = "items",
    rows: str = "administrations (rows)",
) -> Matrix | Stat:
    """The complete rows of `matrix`, or a null `Stat` saying why they are too few: fewer
    than 2 columns (`items`) or `min_rows` rows (`rows`) left."""
    data = complete_rows(_as_matrix(matrix))
    n_rows, n_items = data.shape
    if n_items < 2:
        return Stat.missing(f"needs >= 2 {items}, has {n_items}")
    if n_rows < min_rows:
        return Stat.missing(f"needs >= {min_rows} {rows}, has {n_rows}")
    return data
