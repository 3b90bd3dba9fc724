"""Criterion validity: does a trait correlate, with the sign theory expects, with a criterion
measure of the same respondents (Serapio-Garcia et al.)?"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from valuescope.stats._correlations import (
    _as_columns,
    _correlation_stat,
    _no_interval,
    _respondent_count,
    cross_correlations,
)
from valuescope.stats._resampling import CIStat, Clusters


class CriterionCorrelation(BaseModel):
    """A trait's correlation with a criterion measure, and whether it has the expected sign."""

    trait: str
    criterion: str
    expected_sign: int
    n: int
    r: CIStat
    sign_matches: bool | None
    """sign(r) == expected_sign; None when r is null. An r of exactly 0 does not match."""


def criterion_validity(
    a: Mapping[str, npt.ArrayLike],
    criterion: Mapping[str, npt.ArrayLike],
    expected: Mapping[tuple[str, str], int],
    min_respondents: int = 20,
    clusters: Sequence[Hashable] | None = None,
    *,
    intervals: bool = True,
) -> list[CriterionCorrelation]:
    """Correlations of traits with criterion measures that theory says they should track.

    `expected` maps (trait in a, criterion id) to the expected sign, +1 or -1 (e.g.
    extraversion with positive affect +1, neuroticism with life satisfaction -1, as in
    Serapio-Garcia et al.'s criterion validity). Respondents are the rows, as in `mtmm`.
    Returns, in `expected`'s order, r with a Fisher-z 95% CI (a jackknife over personas on
    the z scale when `clusters` says respondents share personas) and whether its sign
    matches.
    Raises ValueError for an unknown trait or criterion or a sign other than +1/-1.
    """
    n_rows = _respondent_count(a, criterion)
    x, y = _as_columns(a, n_rows), _as_columns(criterion, n_rows)
    a_ids, c_ids = list(a), list(criterion)
    groups = Clusters.of(clusters, n_rows)
    no_interval = _no_interval(groups, intervals)
    weights = groups.leave_one_out() if groups.nested and no_interval is None else None
    results: list[CriterionCorrelation] = []
    for (trait, measure), sign in expected.items():
        if trait not in a or measure not in criterion:
            raise ValueError(f"unknown trait or criterion in {(trait, measure)!r}")
        if sign not in (1, -1):
            raise ValueError(f"expected sign of {(trait, measure)!r} must be +1 or -1, got {sign}")
        i, j = a_ids.index(trait), c_ids.index(measure)
        r, n = cross_correlations(x[:, [i]], y[:, [j]], np.ones((1, n_rows)))
        count = int(n[0, 0, 0] + 0.5)
        loo = None if weights is None else cross_correlations(x[:, [i]], y[:, [j]], weights)[0]
        stat = _correlation_stat(
            float(r[0, 0, 0]), count, min_respondents, "a correlation",
            None if loo is None else loo[:, 0, 0], no_interval,
        )  # fmt: skip
        matches = None if stat.value is None else (stat.value * sign > 0)
        results.append(
            CriterionCorrelation(
                trait=trait,
                criterion=measure,
                expected_sign=sign,
                n=count,
                r=stat,
                sign_matches=matches,
            )
        )
    return results
