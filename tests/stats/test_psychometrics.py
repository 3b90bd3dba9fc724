"""Psychometric statistics against reference implementations and hand-computed fixtures."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from valuescope import stats as vs
from valuescope.stats import Stat
from valuescope.stats import _circumplex as circ
from valuescope.stats import _factor as fa
from valuescope.stats import _psychometrics as psy


def import_pingouin() -> Any:
    """pingouin, or skip only the tests that compare with it (the fixtures run without it)."""
    return pytest.importorskip("pingouin")


# ----------------------------------------------------------------------------------------------
# Matrices
# ----------------------------------------------------------------------------------------------


def one_factor(
    seed: int, n_rows: int = 60, loadings: tuple[float, ...] = (0.8, 0.7, 0.6, 0.75, 0.5, 0.65)
) -> np.ndarray:
    """Administrations x items with a clear single factor (standardised items)."""
    rng = np.random.default_rng(seed)
    lam = np.asarray(loadings)
    factor = rng.normal(size=(n_rows, 1))
    return factor * lam + rng.normal(size=(n_rows, lam.size)) * np.sqrt(1 - lam**2)


def random_matrix(seed: int, shape: tuple[int, int]) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape)


def likert_matrix(seed: int, shape: tuple[int, int]) -> np.ndarray:
    """Expected-Likert-like scores on 1..6: a row effect, item offsets and noise, clipped."""
    rng = np.random.default_rng(seed)
    rows = rng.normal(0, 0.8, size=(shape[0], 1))
    items = rng.uniform(-1, 1, size=(1, shape[1]))
    return np.clip(3.5 + rows + items + rng.normal(0, 0.5, size=shape), 1, 6)


REFERENCE_MATRICES = [
    pytest.param(random_matrix(0, (12, 5)), id="random-12x5"),
    pytest.param(random_matrix(1, (40, 3)), id="random-40x3"),
    pytest.param(random_matrix(2, (8, 10)), id="random-8x10"),
    pytest.param(one_factor(3), id="one-factor-60x6"),
    pytest.param(likert_matrix(4, (24, 7)), id="likert-24x7"),
    pytest.param(likert_matrix(5, (6, 4)), id="likert-6x4"),
]


def to_long(matrix: np.ndarray) -> Any:
    frame = pytest.importorskip("pandas").DataFrame(matrix).reset_index()
    return frame.melt(id_vars="index", var_name="item", value_name="score")


def pingouin_icc3(matrix: np.ndarray) -> float:
    table = import_pingouin().intraclass_corr(
        to_long(matrix), targets="index", raters="item", ratings="score"
    )
    # pingouin >= 0.7 names it ICC(C,1); older versions ICC3.
    row = table[table["Type"].isin(["ICC(C,1)", "ICC3"])]
    return float(row["ICC"].iloc[0])


@pytest.fixture(scope="module")
def factor_analyzer_class() -> Any:
    """factor_analyzer's FactorAnalyzer, shimmed for scikit-learn >= 1.8.

    factor_analyzer 0.5.1 (the latest release) still passes `force_all_finite` to sklearn's
    check_array, which sklearn renamed to `ensure_all_finite` and then removed. Translate it.
    """
    fa_module = pytest.importorskip("factor_analyzer.factor_analyzer")
    from sklearn.utils import check_array

    def compatible_check_array(x: Any, **kwargs: Any) -> Any:
        if "force_all_finite" in kwargs:
            kwargs["ensure_all_finite"] = kwargs.pop("force_all_finite")
        return check_array(x, **kwargs)

    patch = pytest.MonkeyPatch()
    patch.setattr(fa_module, "check_array", compatible_check_array)
    yield fa_module.FactorAnalyzer
    patch.undo()


def reference_omega(factor_analyzer_class: Any, matrix: np.ndarray, method: str) -> float:
    """Omega of the raw item sum from factor_analyzer's standardised solution, the textbook
    way: loadings l s and uniquenesses u s^2 on the items' scales (s = item sd), then
    (sum l s)^2 / ((sum l s)^2 + sum u s^2)."""
    model = factor_analyzer_class(n_factors=1, rotation=None, method=method)
    model.fit(matrix)
    sd = matrix.std(axis=0, ddof=1)
    loadings = model.loadings_.ravel() * sd
    uniquenesses = model.get_uniquenesses() * sd**2
    return float(loadings.sum() ** 2 / (loadings.sum() ** 2 + uniquenesses.sum()))


def assert_missing(stat: Stat, fragment: str) -> None:
    assert stat.value is None
    assert stat.reason is not None and fragment in stat.reason, stat.reason


# ----------------------------------------------------------------------------------------------
# Alpha and ICC(3,1) against pingouin
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("matrix", REFERENCE_MATRICES)
def test_alpha_matches_pingouin(matrix: np.ndarray) -> None:
    expected, _ = import_pingouin().cronbach_alpha(pytest.importorskip("pandas").DataFrame(matrix))
    assert vs.cronbach_alpha(matrix).value == pytest.approx(expected, abs=1e-10)


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # pingouin 0.7 on pandas 3
@pytest.mark.parametrize("matrix", REFERENCE_MATRICES)
def test_icc3_1_matches_pingouin(matrix: np.ndarray) -> None:
    assert vs.icc3_1(matrix).value == pytest.approx(pingouin_icc3(matrix), abs=1e-10)


@pytest.mark.parametrize("matrix", REFERENCE_MATRICES)
def test_icc3_k_from_icc3_1_is_alpha(matrix: np.ndarray) -> None:
    # Spearman-Brown of ICC(3,1) to k items is ICC(3,k), which equals Cronbach's alpha.
    k = matrix.shape[1]
    icc = vs.icc3_1(matrix).value
    assert icc is not None
    assert k * icc / (1 + (k - 1) * icc) == pytest.approx(vs.cronbach_alpha(matrix).value)


def test_icc3_1_is_one_when_items_differ_only_by_offsets() -> None:
    rows = np.array([[1.0], [2.5], [3.0], [5.0]])
    offsets = np.array([[0.0, 0.5, -1.0]])
    assert vs.icc3_1(rows + offsets).value == pytest.approx(1.0)


def test_icc3_1_drops_rows_with_missing_cells() -> None:
    matrix = likert_matrix(7, (10, 5))
    with_gap = matrix.copy()
    with_gap[3, 4] = np.nan
    assert vs.icc3_1(with_gap).value == pytest.approx(vs.icc3_1(np.delete(matrix, 3, 0)).value)


def test_icc3_1_null_paths() -> None:
    assert_missing(vs.icc3_1(np.ones((5, 1))), ">= 2 items")
    assert_missing(vs.icc3_1(np.array([[1.0, 2.0, 3.0]])), ">= 2 administrations")
    # Items differ, administrations do not: nothing left once item offsets are removed.
    assert_missing(vs.icc3_1(np.tile([1.0, 2.0, 3.0], (4, 1))), "do not vary")


# ----------------------------------------------------------------------------------------------
# Variances that are zero up to rounding: null with a reason, never a huge number
# ----------------------------------------------------------------------------------------------


def shifted_keyed_and_reversed(raw: list[float], shift: float, scale: float = 1.0) -> np.ndarray:
    """Two keyed items and two reverse-keyed ones (scored 7 - raw) on a 1..6 scale, every
    other administration shifted up by `shift` (a uniform position bias). On paper the shift
    cancels in each administration's total of a keyed and a reverse-keyed item; in floating
    point it leaves rounding error."""
    points = np.array(raw)
    rows = [points + s for s in (0.0, shift) * 3]
    return scale * np.array([[r[0], r[1], 7.0 - r[2], 7.0 - r[3]] for r in rows])


def test_alpha_is_null_when_totals_cancel_up_to_rounding() -> None:
    matrix = shifted_keyed_and_reversed([1.3, 2.1, 2.7, 3.4], 0.7)
    assert 0.0 < matrix.sum(axis=1).var(ddof=1) < 1e-28  # rounding error, not exactly 0
    assert matrix.var(axis=0, ddof=1).sum() > 0.1  # while the items do vary
    # Dividing by the rounding error gave alpha = -8.3e29 on such data.
    assert_missing(vs.cronbach_alpha(matrix), "total score does not vary")


def test_split_half_is_null_when_half_totals_cancel_at_any_scale() -> None:
    # Odd/even halves pair items 0 and 2, 1 and 3: a keyed with a reverse-keyed item each.
    matrix = shifted_keyed_and_reversed([1.3, 2.1, 4.6, 5.2], 0.7, 1e6)
    halves = (matrix[:, [0, 2]].sum(axis=1), matrix[:, [1, 3]].sum(axis=1))
    assert all(np.ptp(h) > 1e-12 for h in halves)  # rounding beyond an absolute tolerance
    assert_missing(vs.split_half(matrix), "does not vary")


def test_icc_is_null_when_only_item_offsets_vary_at_any_scale() -> None:
    # Scores in the 1e11 range: their rounding error (~1e-4) is far above any absolute
    # tolerance, so only a tolerance relative to the scores' size calls it "no variation".
    scale = 1e12
    offsets = np.array([0.1, 0.7, 2.3]) * scale
    shifts = np.array([0.3, 0.7, 1.1, 1.9]) * scale / 3
    matrix = offsets[None, :] + shifts[:, None] - shifts[:, None]  # offsets + rounding
    assert np.ptp(matrix, axis=0).max() > 1e-6
    assert_missing(vs.icc3_1(matrix), "do not vary")


def test_omega_is_null_when_an_item_is_constant_up_to_rounding() -> None:
    matrix = (one_factor(0) + 4.0) * 1e6
    shifts = np.random.default_rng(0).uniform(0.0, 1.0, matrix.shape[0]) * 1e6
    matrix[:, 2] = 4e6 / 3 + shifts - shifts  # constant on paper, rounding in fact
    assert np.ptp(matrix[:, 2]) > 1e-12
    assert_missing(vs.mcdonald_omega(matrix), "items [2] do not vary")


def test_parallel_forms_is_null_when_a_profile_is_flat_up_to_rounding() -> None:
    flat = np.array([0.1 + 0.2, 0.3, 0.2 + 0.1, 0.3, 0.1 + 0.2, 0.3]) * 1e6
    assert np.ptp(flat) > 1e-12
    matrix, labels = forms_matrix(PROFILE * 1e6, flat)
    assert_missing(vs.parallel_forms(matrix, labels), "do not vary")


def test_circumplex_rho_is_null_when_correlations_differ_only_by_rounding() -> None:
    correlations = [0.1 + 0.2, 0.3, 0.2 + 0.1, 0.3, 0.1 + 0.2]
    assert len(set(correlations)) == 2
    pairs = [
        vs.DimensionPairCorrelation(a="a", b=f"b{i}", distance=1 + i % 3, correlation=Stat.of(r))
        for i, r in enumerate(correlations)
    ]
    assert_missing(circ._distance_rho(pairs), "all dimension correlations are equal")


# ----------------------------------------------------------------------------------------------
# Omega against factor_analyzer (method='minres', the estimator mcdonald_omega implements)
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_omega_matches_factor_analyzer_minres(factor_analyzer_class: Any, seed: int) -> None:
    matrix = one_factor(seed)
    expected = reference_omega(factor_analyzer_class, matrix, "minres")
    assert vs.mcdonald_omega(matrix).value == pytest.approx(expected, abs=1e-5)


def test_omega_close_to_factor_analyzer_ml(factor_analyzer_class: Any) -> None:
    # Different estimator, same model: ML and minres agree closely on clean one-factor data.
    matrix = one_factor(5, n_rows=200)
    expected = reference_omega(factor_analyzer_class, matrix, "ml")
    assert vs.mcdonald_omega(matrix).value == pytest.approx(expected, abs=0.01)


def test_omega_matches_factor_analyzer_on_likert_items(factor_analyzer_class: Any) -> None:
    matrix = likert_matrix(6, (30, 5))
    expected = reference_omega(factor_analyzer_class, matrix, "minres")
    assert vs.mcdonald_omega(matrix).value == pytest.approx(expected, abs=1e-5)


def test_omega_of_exact_loadings() -> None:
    # Equal loadings 0.6 on 4 items: (2.4)^2 / (2.4^2 + 4 * 0.64) = 5.76 / 8.32.
    assert fa.omega_from_loadings([0.6] * 4).value == pytest.approx(5.76 / 8.32)


def test_omega_holds_loadings_below_one() -> None:
    # A loading of 1.001 (seen from a fit's top eigenvector) would give a negative
    # uniqueness; held at sqrt(1 - 0.005), omega stays below 1.
    value = fa.omega_from_loadings([1.001, 0.5, 0.5]).value
    top = math.sqrt(0.995)
    expected = (top + 1.0) ** 2 / ((top + 1.0) ** 2 + 0.005 + 2 * 0.75)
    assert value is not None and value < 1.0 and value == pytest.approx(expected)
    assert_missing(fa.omega_from_loadings([0.5, 0.5], [0.0, 0.0]), "not positive")


def test_omega_is_of_the_raw_sum_like_alpha() -> None:
    """All three statistics of the 0.70 rule describe one composite, the raw item sum:
    with equal raw loadings and unequal error variances (tau-equivalent items, whose
    standardised loadings differ) the raw sum's omega equals alpha exactly, while the
    omega of standardised items does not."""
    loadings = np.full(5, 0.8)
    errors = np.array([0.2, 0.5, 1.0, 2.0, 4.0])
    cov = np.outer(loadings, loadings) + np.diag(errors)
    rng = np.random.default_rng(3)
    z = rng.standard_normal((400, 5))
    z = (z - z.mean(axis=0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False)).T)
    data = 3.0 + z @ np.linalg.cholesky(cov).T  # sample covariance = cov exactly
    total = loadings.sum() ** 2
    expected = total / (total + errors.sum())
    assert vs.cronbach_alpha(data).value == pytest.approx(expected, rel=1e-9)
    assert vs.mcdonald_omega(data).value == pytest.approx(expected, abs=1e-6)
    sd = np.sqrt(np.diag(cov))
    standardised = fa.omega_from_loadings(loadings / sd).value
    assert standardised is not None and abs(standardised - expected) > 0.01


def test_omega_null_paths() -> None:
    assert_missing(vs.mcdonald_omega(one_factor(0)[:, :2]), ">= 3 items")
    assert_missing(vs.mcdonald_omega(one_factor(0)[:6]), "more administrations")
    constant = one_factor(0)
    constant[:, 2] = 4.0
    assert_missing(vs.mcdonald_omega(constant), "do not vary")
    singular = one_factor(0)
    singular[:, 3] = singular[:, 0] + singular[:, 1]
    assert_missing(vs.mcdonald_omega(singular), "singular")


# ----------------------------------------------------------------------------------------------
# Split-half against hand-computed fixtures
# ----------------------------------------------------------------------------------------------


def test_split_half_odd_even_r_point_eight() -> None:
    # Odd items (cols 0, 2) both [1, 2, 3, 4] -> half total [2, 4, 6, 8] ~ x = [1, 2, 3, 4].
    # Even items (cols 1, 3) both [1, 3, 2, 4] -> half total [2, 6, 4, 8] ~ y = [1, 3, 2, 4].
    # Deviations from 2.5: x -> [-1.5, -.5, .5, 1.5], y -> [-1.5, .5, -.5, 1.5].
    # sum xy = 2.25 - .25 - .25 + 2.25 = 4; sum x^2 = sum y^2 = 5; r = 4 / 5 = 0.8.
    # Spearman-Brown: 2 * 0.8 / (1 + 0.8) = 1.6 / 1.8 = 8 / 9.
    x, y = [1, 2, 3, 4], [1, 3, 2, 4]
    matrix = np.column_stack([x, y, x, y]).astype(float)
    assert vs.split_half(matrix).value == pytest.approx(8 / 9)


def test_split_half_odd_even_r_point_six() -> None:
    # Odd half total: [1, 2, 3, 4] + [0, 0, 0, 0] = [1, 2, 3, 4], deviations [-1.5, -.5, .5, 1.5].
    # Even half total: [2, 1, 4, 3], deviations [-.5, -1.5, 1.5, .5].
    # sum xy = .75 + .75 + .75 + .75 = 3; sum x^2 = sum y^2 = 5; r = 3 / 5 = 0.6.
    # Spearman-Brown: 2 * 0.6 / 1.6 = 0.75.
    matrix = np.column_stack([[1, 2, 3, 4], [2, 1, 4, 3], [0, 0, 0, 0]]).astype(float)
    assert vs.split_half(matrix).value == pytest.approx(0.75)


def test_split_half_five_items_uses_columns_0_2_4_against_1_3() -> None:
    # Odd half (cols 0, 2, 4) = [1, 1, 0] + ... -> totals [3, 6, 9, 12]: proportional to 1..4.
    # Even half (cols 1, 3) -> totals [2, 6, 4, 8]: proportional to [1, 3, 2, 4].
    # Same r = 0.8 as above, so Spearman-Brown = 8 / 9; any other split would differ.
    x, y = np.array([1, 2, 3, 4.0]), np.array([1, 3, 2, 4.0])
    matrix = np.column_stack([x, y, x, y, x])
    assert vs.split_half(matrix).value == pytest.approx(8 / 9)


def test_split_half_negative_correlation() -> None:
    # Halves [1, 2, 3, 4] vs [2, 1, 4, 3] reversed to [3, 4, 1, 2]: r = -0.6.
    # Spearman-Brown: 2 * -0.6 / (1 - 0.6) = -1.2 / 0.4 = -3 (step-up is unbounded below).
    matrix = np.column_stack([[1, 2, 3, 4], [3, 4, 1, 2]]).astype(float)
    assert vs.split_half(matrix).value == pytest.approx(-3.0)


def test_split_half_random_splits_deterministic_and_bounded() -> None:
    matrix = one_factor(11, loadings=(0.8, 0.7, 0.6, 0.75, 0.5, 0.65, 0.7, 0.6))
    first = vs.split_half(matrix, n_splits=50, seed=3)
    assert first == vs.split_half(matrix, n_splits=50, seed=3)
    assert first.value is not None and 0.7 < first.value < 1.0


def test_split_half_random_splits_of_two_items_equal_the_single_split() -> None:
    matrix = random_matrix(12, (20, 2))
    assert vs.split_half(matrix, n_splits=7).value == pytest.approx(vs.split_half(matrix).value)


def test_spearman_brown_prophecy() -> None:
    # Tripling a test with r = 0.5: 3 * 0.5 / (1 + 2 * 0.5) = 1.5 / 2 = 0.75.
    assert psy.spearman_brown(0.5, 3.0).value == pytest.approx(0.75)


def test_split_half_null_paths() -> None:
    assert_missing(vs.split_half(np.ones((5, 1))), ">= 2 items")
    assert_missing(vs.split_half(random_matrix(0, (2, 4))), ">= 3 administrations")
    constant_half = np.column_stack([[1, 2, 3.0], [5, 5, 5.0]])
    assert_missing(vs.split_half(constant_half), "does not vary")
    assert_missing(vs.split_half(constant_half, n_splits=3), "random split")
    # r = -1 between halves: Spearman-Brown divides by zero.
    perfectly_negative = np.column_stack([[1, 2, 3.0], [3, 2, 1.0]])
    assert_missing(vs.split_half(perfectly_negative), "undefined")


# ----------------------------------------------------------------------------------------------
# Parallel forms and test-retest on constructed matrices
# ----------------------------------------------------------------------------------------------

PROFILE = np.array([1.5, 4.0, 2.5, 5.5, 3.0, 4.5])


def forms_matrix(*profiles: np.ndarray, rows_per_form: int = 2) -> tuple[np.ndarray, list[object]]:
    rows: list[np.ndarray] = []
    labels: list[object] = []
    for index, profile in enumerate(profiles):
        rows.extend([profile] * rows_per_form)
        labels.extend([index] * rows_per_form)
    return np.vstack(rows), labels


def test_parallel_forms_identical_is_one() -> None:
    matrix, labels = forms_matrix(PROFILE, PROFILE, PROFILE)
    assert vs.parallel_forms(matrix, labels).value == pytest.approx(1.0)


def test_parallel_forms_shifted_and_scaled_is_one() -> None:
    # Pearson ignores a form's offset and scale (e.g. a uniform position bias).
    matrix, labels = forms_matrix(PROFILE, 0.5 * PROFILE + 1.0)
    assert vs.parallel_forms(matrix, labels).value == pytest.approx(1.0)


def test_parallel_forms_reversed_is_minus_one() -> None:
    matrix, labels = forms_matrix(PROFILE, 7.0 - PROFILE)
    assert vs.parallel_forms(matrix, labels).value == pytest.approx(-1.0)


def test_parallel_forms_independent_noise_is_near_zero() -> None:
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(40, 400))
    labels = ["asc", "desc"] * 20
    value = vs.parallel_forms(matrix, labels).value
    assert value is not None and abs(value) < 0.15


def test_parallel_forms_averages_rows_within_a_form() -> None:
    # Each form's two rows are the profile +- the same noise, so their means are the profile.
    noise = np.array([1.0, -2.0, 0.5, 3.0, -1.0, 2.0])
    matrix = np.vstack([PROFILE + noise, PROFILE - noise, PROFILE - noise, PROFILE + noise])
    labels = [("asc", 0), ("asc", 0), ("desc", 1), ("desc", 1)]  # any hashable label
    assert vs.parallel_forms(matrix, labels).value == pytest.approx(1.0)


def test_parallel_forms_mean_over_pairs() -> None:
    # Pairs: (A, A) -> 1, (A, reversed) -> -1, (A, reversed) -> -1: mean = -1 / 3.
    matrix, labels = forms_matrix(PROFILE, PROFILE, 7.0 - PROFILE)
    assert vs.parallel_forms(matrix, labels).value == pytest.approx(-1 / 3)


def test_parallel_forms_skips_invalid_answers() -> None:
    matrix, labels = forms_matrix(PROFILE, PROFILE)
    matrix[0, 1] = np.nan  # the form's other row still scores item 1
    matrix[2:, 5] = np.nan  # item 5 unscored in form 1: left out of that pair
    assert vs.parallel_forms(matrix, labels).value == pytest.approx(1.0)


def test_parallel_forms_null_paths() -> None:
    matrix, labels = forms_matrix(PROFILE, PROFILE)
    assert_missing(vs.parallel_forms(matrix, [0] * 4), ">= 2 forms")
    assert_missing(vs.parallel_forms(matrix[:, :2], labels), "needs >= 3")
    flat, flat_labels = forms_matrix(PROFILE, np.full(6, 3.0))
    assert_missing(vs.parallel_forms(flat, flat_labels), "do not vary")
    with pytest.raises(ValueError, match="row labels"):
        vs.parallel_forms(matrix, labels[:3])


def test_test_retest_on_samples() -> None:
    rng = np.random.default_rng(1)
    same, labels = forms_matrix(PROFILE, PROFILE, PROFILE, rows_per_form=4)
    assert vs.test_retest(same, labels).value == pytest.approx(1.0)
    reversed_, labels2 = forms_matrix(PROFILE, 7.0 - PROFILE)
    assert vs.test_retest(reversed_, labels2).value == pytest.approx(-1.0)
    noisy = rng.normal(size=(30, 300))
    value = vs.test_retest(noisy, [i % 3 for i in range(30)]).value
    assert value is not None and abs(value) < 0.15
    assert_missing(vs.test_retest(same, [0] * len(labels)), ">= 2 samples")
    with pytest.raises(ValueError):
        vs.test_retest(same, labels[:-1])


def test_test_retest_is_not_collected_as_a_test() -> None:
    assert getattr(vs.test_retest, "__test__", True) is False


# ----------------------------------------------------------------------------------------------
# Flags and MRAT
# ----------------------------------------------------------------------------------------------


def test_reliability_flags() -> None:
    stats = {
        "alpha": Stat.of(0.82),
        "omega": Stat.of(0.69),
        "split_half": Stat.of(0.7),
        "icc": Stat.missing("needs >= 2 items"),
    }
    assert vs.reliability_flags(stats) == ["omega"]
    assert vs.reliability_flags(stats, threshold=0.9) == ["alpha", "omega", "split_half"]
    assert vs.reliability_flags(stats, flag_missing=True) == ["omega", "icc"]


def test_mrat_centre_over_dimension_means() -> None:
    centred = vs.mrat_centre({"power": 2.0, "benevolence": 5.0, "security": 3.5})
    # Mean of the three = 10.5 / 3 = 3.5.
    assert centred == pytest.approx({"power": -1.5, "benevolence": 1.5, "security": 0.0})


def test_mrat_centre_over_item_mean() -> None:
    # Items: power [2, 2], benevolence [5, 5, 5, 5] -> item mean 24 / 6 = 4, not (2 + 5) / 2.
    centred = vs.mrat_centre({"power": 2.0, "benevolence": 5.0}, item_mean=4.0)
    assert centred == pytest.approx({"power": -2.0, "benevolence": 1.0})


def test_mrat_centre_edge_cases() -> None:
    assert vs.mrat_centre({}) == {}
    with pytest.raises(ValueError):
        vs.mrat_centre({"power": math.nan, "security": 1.0})
    with pytest.raises(ValueError):
        vs.mrat_centre({"power": 1.0}, item_mean=math.inf)


# ----------------------------------------------------------------------------------------------
# Circumplex
# ----------------------------------------------------------------------------------------------

CIRCLE = [f"v{i}" for i in range(10)]


def circumplex_scores(seed: int, n_rows: int = 80, noise: float = 0.3) -> dict[str, np.ndarray]:
    """Each administration pushes the profile along a random direction of the circle."""
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(len(CIRCLE)) / len(CIRCLE)
    direction = rng.uniform(0, 2 * np.pi, size=n_rows)
    acquiescence = rng.normal(0, 1.0, size=n_rows)  # shifts every answer of a row
    scores: dict[str, np.ndarray] = {}
    for name, angle in zip(CIRCLE, angles, strict=True):
        signal = np.cos(direction - angle) + acquiescence + 3.5
        scores[name] = signal[:, None] + rng.normal(0, noise, size=(n_rows, 4))
    return scores


def test_circumplex_structure_is_recovered() -> None:
    check = vs.circumplex_check(circumplex_scores(0), CIRCLE)
    assert check.n_administrations == 80 and check.centred
    assert check.spearman_rho.value is not None and check.spearman_rho.value < -0.8
    means = [check.mean_correlation_by_distance[d].value for d in range(1, 6)]
    assert all(m is not None for m in means)
    assert means == sorted(means, reverse=True)  # falls off with distance
    assert len(check.pairs) == 45
    assert {p.distance for p in check.pairs} == {1, 2, 3, 4, 5}


def test_circumplex_centring_removes_acquiescence() -> None:
    raw = vs.circumplex_check(circumplex_scores(0), CIRCLE, centre=False)
    centred = vs.circumplex_check(circumplex_scores(0), CIRCLE)
    opposite_raw = raw.mean_correlation_by_distance[5].value
    opposite_centred = centred.mean_correlation_by_distance[5].value
    assert opposite_raw is not None and opposite_centred is not None
    assert opposite_raw > opposite_centred  # a shared shift inflates every correlation


def test_circumplex_no_structure_has_weak_rho() -> None:
    rng = np.random.default_rng(2)
    scores = {name: rng.normal(size=(200, 4)) for name in CIRCLE}
    rho = vs.circumplex_check(scores, CIRCLE).spearman_rho.value
    assert rho is not None and abs(rho) < 0.5


def test_circumplex_rho_null_when_all_correlations_equal() -> None:
    pairs = [
        circ.DimensionPairCorrelation(a="x", b="y", distance=d, correlation=Stat.of(0.2))
        for d in (1, 2, 1, 2)
    ]
    assert_missing(circ._distance_rho(pairs), "all dimension correlations are equal")


def test_circumplex_distance() -> None:
    circular_distance = circ.circular_distance
    assert [circular_distance(0, j, 10) for j in range(10)] == [0, 1, 2, 3, 4, 5, 4, 3, 2, 1]


def test_circumplex_null_paths_and_errors() -> None:
    scores = circumplex_scores(1, n_rows=2)
    check = vs.circumplex_check(scores, CIRCLE)
    assert_missing(check.pairs[0].correlation, ">= 3 complete administrations")
    assert_missing(check.spearman_rho, ">= 3 defined")
    assert_missing(check.mean_correlation_by_distance[1], "no defined correlation")

    flat = circumplex_scores(1)
    for name in CIRCLE[1:]:
        flat[name] = np.full_like(flat[name], 3.0)
    # Without centring every pair has a constant side.
    raw = vs.circumplex_check(flat, CIRCLE, centre=False)
    assert_missing(raw.pairs[0].correlation, "does not vary")
    assert_missing(raw.spearman_rho, ">= 3 defined")

    three = circumplex_scores(1)
    three_circle = CIRCLE[:3]  # every pair is at distance 1
    assert_missing(
        vs.circumplex_check(three, three_circle).spearman_rho, "single circular distance"
    )

    with_gap = circumplex_scores(1)
    with_gap["v3"][0, :] = np.nan  # no valid answer for v3 in row 0: row dropped
    assert vs.circumplex_check(with_gap, CIRCLE).n_administrations == 79

    with pytest.raises(ValueError, match="no item scores"):
        vs.circumplex_check({"v0": scores["v0"]}, CIRCLE)
    uneven = circumplex_scores(1)
    uneven["v2"] = uneven["v2"][:-1]
    with pytest.raises(ValueError, match="different numbers"):
        vs.circumplex_check(uneven, CIRCLE)
    with pytest.raises(ValueError, match="distinct"):
        vs.circumplex_check(scores, ["v0", "v0", "v1"])
