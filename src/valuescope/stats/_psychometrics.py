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

from valuescope.stats._matrix import _EPS, _as_matrix, _pearson, _sum_magnitude, usable_matrix
from valuescope.stats._reliability import Matrix
from valuescope.stats._result import Stat
from valuescope.stats._tolerance import negligible_variance

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
    data = usable_matrix(matrix, 3)
    if isinstance(data, Stat):
        return data
    n_items = data.shape[1]
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
    data = usable_matrix(matrix, 2)
    if isinstance(data, Stat):
        return data
    n_rows, n_items = data.shape
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
