"""Paired comparisons over items: permutation, Wilcoxon, Holm and effect sizes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from valuescope import stats as vs
from valuescope.stats import Stat


def assert_missing(stat: Stat, fragment: str) -> None:
    assert stat.value is None
    assert stat.reason is not None and fragment in stat.reason, stat.reason


def shifted_pair(seed: int, n: int, shift: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.normal(3.5, 1.0, size=n)
    return a, a - shift + rng.normal(0, 0.3, size=n)


# ----------------------------------------------------------------------------------------------
# Permutation test
# ----------------------------------------------------------------------------------------------


def test_permutation_identical_samples_p_is_one() -> None:
    a = np.array([1.0, 2.5, 3.0, 4.5, 2.0, 5.0, 3.5, 1.5, 2.0, 4.0, 3.0, 2.5, 4.5, 1.0, 5.5])
    for n_permutations in (100, 100_000):  # random and exhaustive
        statistic, p = vs.paired_permutation_test(a, a.copy(), n_permutations=n_permutations)
        assert statistic.value == 0.0
        assert p.value == 1.0


def test_permutation_large_shift_has_small_p() -> None:
    a, b = shifted_pair(0, 40, shift=1.0)
    statistic, p = vs.paired_permutation_test(a, b)
    assert statistic.value == pytest.approx(float(np.mean(a - b)))
    # Nothing in 10,000 flips reaches the observed mean: p = 1 / 10,001.
    assert p.value == pytest.approx(1 / 10_001)


def test_permutation_deterministic_under_seed() -> None:
    a, b = shifted_pair(1, 30, shift=0.1)
    first = vs.paired_permutation_test(a, b, n_permutations=3000, seed=7)
    assert first == vs.paired_permutation_test(a, b, n_permutations=3000, seed=7)
    other = vs.paired_permutation_test(a, b, n_permutations=3000, seed=8)
    assert first[1].value != other[1].value  # Monte-Carlo p depends on the seed


def test_permutation_exact_hand_example() -> None:
    # Differences [1, 2, 3]: 8 sign patterns with means +-2, +-4/3, +-2/3, +-0.
    # |mean| >= 2 only for (+, +, +) and (-, -, -): p = 2 / 8 = 0.25.
    statistic, p = vs.paired_permutation_test([2.0, 4.0, 6.0], [1.0, 2.0, 3.0])
    assert statistic.value == pytest.approx(2.0)
    assert p.value == pytest.approx(0.25)


def test_permutation_exact_matches_scipy() -> None:
    a, b = shifted_pair(2, 10, shift=0.3)
    reference = stats.permutation_test(
        (a, b),
        lambda x, y: np.mean(x - y),
        permutation_type="samples",
        n_resamples=np.inf,
        alternative="two-sided",
    )
    statistic, p = vs.paired_permutation_test(a, b)
    assert statistic.value == pytest.approx(reference.statistic)
    assert p.value == pytest.approx(reference.pvalue)


def test_permutation_monte_carlo_close_to_exact() -> None:
    a, b = shifted_pair(3, 12, shift=0.2)
    _, exact = vs.paired_permutation_test(a, b, n_permutations=2**12)
    _, sampled = vs.paired_permutation_test(a, b, n_permutations=4000, seed=1)
    assert exact.value is not None and sampled.value is not None
    assert sampled.value == pytest.approx(exact.value, abs=0.03)


def test_permutation_drops_unscored_items_and_null_paths() -> None:
    a = np.array([1.0, np.nan, 3.0, 4.0])
    b = np.array([0.0, 2.0, np.nan, 3.0])
    statistic, _ = vs.paired_permutation_test(a, b)
    assert statistic.value == pytest.approx(1.0)  # items 0 and 3 only
    statistic, p = vs.paired_permutation_test([1.0, np.nan], [0.0, 1.0])
    assert_missing(statistic, ">= 2 items")
    assert_missing(p, ">= 2 items")
    with pytest.raises(ValueError, match="length"):
        vs.paired_permutation_test([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="n_permutations"):
        vs.paired_permutation_test([1.0, 2.0], [1.0, 3.0], n_permutations=0)


# ----------------------------------------------------------------------------------------------
# Wilcoxon and rank-biserial
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_wilcoxon_matches_scipy_and_pingouin(seed: int) -> None:
    pingouin = pytest.importorskip("pingouin")
    pd = pytest.importorskip("pandas")
    a, b = shifted_pair(seed, 25, shift=0.2)
    result = vs.wilcoxon_items(a, b)
    reference = stats.wilcoxon(a, b)
    assert result.statistic.value == pytest.approx(reference.statistic)
    assert result.p_value.value == pytest.approx(reference.pvalue)
    assert result.n_items == 25
    table = pingouin.wilcoxon(pd.Series(a), pd.Series(b), correction=False)
    expected_rbc = float(table["RBC"].iloc[0])
    assert result.rank_biserial.value == pytest.approx(expected_rbc)
    assert vs.rank_biserial(a, b).value == pytest.approx(expected_rbc)


def test_wilcoxon_null_paths() -> None:
    same = vs.wilcoxon_items([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert_missing(same.statistic, "all paired differences are zero")
    assert_missing(same.p_value, "all paired differences are zero")
    assert same.n_items == 3
    one = vs.wilcoxon_items([1.0, 2.0, 4.0], [1.0, 2.0, 3.0])
    assert_missing(one.p_value, ">= 2 non-zero")
    empty = vs.wilcoxon_items([np.nan], [1.0])
    assert_missing(empty.statistic, "no items scored")
    assert empty.n_items == 0


def test_rank_biserial_hand_example() -> None:
    # Differences [1, -2, 3, 0]: the zero is dropped; ranks of |d| = [1, 2, 3].
    # R+ = 1 + 3 = 4, R- = 2; r = (4 - 2) / 6 = 1/3.
    assert vs.rank_biserial([2.0, 0.0, 5.0, 1.0], [1.0, 2.0, 2.0, 1.0]).value == pytest.approx(
        1 / 3
    )
    assert vs.rank_biserial([3.0, 4.0], [1.0, 2.0]).value == pytest.approx(1.0)
    assert vs.rank_biserial([1.0, 2.0], [3.0, 4.0]).value == pytest.approx(-1.0)
    assert_missing(vs.rank_biserial([1.0, 2.0], [1.0, 2.0]), "all paired differences are zero")


# ----------------------------------------------------------------------------------------------
# Holm
# ----------------------------------------------------------------------------------------------


def test_holm_hand_example() -> None:
    # m = 4. Sorted: 0.005 (x4 = 0.02), 0.01 (x3 = 0.03), 0.03 (x2 = 0.06), 0.04 (x1 = 0.04).
    # Running maximum: 0.02, 0.03, 0.06, 0.06. Back in input order:
    p = [0.01, 0.04, 0.03, 0.005]
    assert vs.holm(p) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_and_handles_ties_and_empty() -> None:
    # 0.4 x 3 = 1.2 -> 1, and the running maximum keeps the rest at 1.
    assert vs.holm([0.4, 0.6, 0.7]) == pytest.approx([1.0, 1.0, 1.0])
    # Ties: 0.02 x 2 = 0.04, then 0.02 x 1 = 0.02 raised to the running maximum 0.04.
    assert vs.holm([0.02, 0.02]) == pytest.approx([0.04, 0.04])
    assert vs.holm([]) == []
    with pytest.raises(ValueError):
        vs.holm([0.1, np.nan])
    with pytest.raises(ValueError):
        vs.holm([1.2])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_holm_matches_statsmodels(seed: int) -> None:
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    p = np.random.default_rng(seed).uniform(0, 0.2, size=15)
    _, expected, _, _ = multitest.multipletests(p, method="holm")
    assert vs.holm(p) == pytest.approx(list(expected))


# ----------------------------------------------------------------------------------------------
# Cohen's d_z
# ----------------------------------------------------------------------------------------------


def test_cohens_dz_hand_example() -> None:
    # Differences [1, 2, 3]: mean 2, sd (n - 1) = sqrt((1 + 0 + 1) / 2) = 1 -> d_z = 2.
    assert vs.cohens_dz([2.0, 4.0, 6.0], [1.0, 2.0, 3.0]).value == pytest.approx(2.0)
    # Differences [1, -1, 2, 0]: mean 0.5, var = (0.25 + 2.25 + 2.25 + 0.25) / 3 = 5/3.
    expected = 0.5 / np.sqrt(5 / 3)
    assert vs.cohens_dz([1.0, 0.0, 4.0, 3.0], [0.0, 1.0, 2.0, 3.0]).value == pytest.approx(expected)


def test_cohens_dz_null_paths() -> None:
    assert_missing(vs.cohens_dz([1.0], [0.0]), ">= 2 items")
    assert_missing(vs.cohens_dz([2.0, 3.0, 4.0], [1.0, 2.0, 3.0]), "do not vary")
