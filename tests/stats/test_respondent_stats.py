"""Statistics over simulated respondents: lambda6, reliability with bootstrap CIs, MTMM,
criterion validity and the answer-format checks, against independent routes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from valuescope import stats as vs
from valuescope.stats import _factor as fa
from valuescope.stats import _mtmm as mt
from valuescope.stats import _resampling as bs
from valuescope.stats import _respondents as rs
from valuescope.stats._correlations import cross_correlations
from valuescope.stats._result import Stat

# ----------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------


def one_factor(seed: int, n: int, loadings: tuple[float, ...]) -> np.ndarray:
    """Respondents x standardised items from a one-factor model with the given loadings."""
    rng = np.random.default_rng(seed)
    lam = np.asarray(loadings)
    factor = rng.normal(size=(n, 1))
    return factor * lam + rng.normal(size=(n, lam.size)) * np.sqrt(1 - lam**2)


def likert(seed: int, n: int, k: int) -> np.ndarray:
    """Expected-Likert-like scores on 1..5: a respondent effect, item offsets, noise."""
    rng = np.random.default_rng(seed)
    person = rng.normal(0, 0.7, size=(n, 1))
    items = rng.uniform(-0.8, 0.8, size=(1, k))
    return np.clip(3 + person + items + rng.normal(0, 0.6, size=(n, k)), 1, 5)


def population_covariance(loadings: tuple[float, ...], errors: tuple[float, ...]) -> np.ndarray:
    lam = np.asarray(loadings)[:, None]
    return lam @ lam.T + np.diag(np.asarray(errors) ** 2)


def with_covariance(cov: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """n rows whose sample covariance (ddof=1) is exactly `cov`."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, cov.shape[0]))
    z -= z.mean(axis=0)
    whiten = np.linalg.cholesky(np.cov(z, rowvar=False))
    white = np.linalg.solve(whiten, z.T).T  # sample covariance I
    return white @ np.linalg.cholesky(cov).T + 3.0


def lambda6_by_regressions(data: np.ndarray) -> float:
    """Guttman's lambda6 by explicit OLS: regress each item on the others (with intercept)."""
    n, k = data.shape
    residual_variances = []
    for j in range(k):
        others = np.column_stack([np.ones(n), np.delete(data, j, axis=1)])
        coef, *_ = np.linalg.lstsq(others, data[:, j], rcond=None)
        residual = data[:, j] - others @ coef
        residual_variances.append(float(residual @ residual) / (n - 1))
    return 1.0 - sum(residual_variances) / float(data.sum(axis=1).var(ddof=1))


def population_reliabilities(loadings: tuple[float, ...]) -> dict[str, float]:
    """alpha, lambda6 and omega of standardised items with these one-factor loadings."""
    lam = np.asarray(loadings)
    cov = population_covariance(loadings, tuple(np.sqrt(1 - lam**2)))
    k, total = lam.size, cov.sum()
    residual = 1.0 / np.diag(np.linalg.inv(cov))
    return {
        "alpha": k / (k - 1) * (1 - np.trace(cov) / total),
        "lambda6": 1 - residual.sum() / total,
        "omega": lam.sum() ** 2 / total,
    }


def assert_missing(stat: Stat | vs.CIStat, fragment: str) -> None:
    assert stat.value is None
    assert stat.reason is not None and fragment in stat.reason, stat.reason


def resample(data: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The resampled matrix a row of bootstrap counts stands for."""
    return np.repeat(data, counts.astype(int), axis=0)


@pytest.fixture(scope="module")
def factor_analyzer_class() -> Any:
    """factor_analyzer's FactorAnalyzer, shimmed for scikit-learn >= 1.8 (see
    test_psychometrics: 0.5.1 still passes the removed `force_all_finite`)."""
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


LOADINGS = (0.8, 0.7, 0.6, 0.75, 0.5, 0.65)
MATRICES = [
    pytest.param(one_factor(0, 100, LOADINGS), id="one-factor-100x6"),
    pytest.param(np.random.default_rng(1).normal(size=(40, 5)), id="noise-40x5"),
    pytest.param(likert(2, 60, 8), id="likert-60x8"),
    pytest.param(likert(3, 12, 10), id="likert-12x10"),
]


# ----------------------------------------------------------------------------------------------
# Guttman's lambda6
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", MATRICES)
def test_lambda6_matches_explicit_regressions(data: np.ndarray) -> None:
    value = vs.guttman_lambda6(data).value
    assert value == pytest.approx(lambda6_by_regressions(data), abs=1e-10)


@pytest.mark.parametrize(
    ("loadings", "errors", "published"),
    [
        # R package Lambda4 (JackStat/Lambda4), inst/tests/test-lambda6.R: lambda6 of its
        # population matrices par1f, cong1f, tau1f, built as documented in man/*.Rd.
        pytest.param((0.6,) * 8, (0.6,) * 8, 0.875, id="par1f"),
        pytest.param((0.5, 0.6, 0.7, 0.8) * 2, (0.6, 0.7, 0.8, 0.9) * 2, 0.836908, id="cong1f"),
        pytest.param((0.6,) * 8, (0.6, 0.7, 0.8, 0.9) * 2, 0.815579, id="tau1f"),
    ],
)
def test_lambda6_reproduces_published_values(
    loadings: tuple[float, ...], errors: tuple[float, ...], published: float
) -> None:
    data = with_covariance(population_covariance(loadings, errors), n=50)
    assert vs.guttman_lambda6(data).value == pytest.approx(published, abs=5e-7)


def test_lambda6_does_not_depend_on_item_scales_only_through_the_total() -> None:
    # Raw lambda6 changes when one item is rescaled (its weight in the total changes), but is
    # invariant to shifting items and to scaling all of them together.
    data = likert(4, 50, 6)
    base = vs.guttman_lambda6(data).value
    assert vs.guttman_lambda6(data * 3 + 7).value == pytest.approx(base, abs=1e-12)
    scaled = data.copy()
    scaled[:, 0] *= 5
    assert vs.guttman_lambda6(scaled).value != pytest.approx(base, abs=1e-3)


def test_lambda6_nulls_say_why() -> None:
    data = likert(5, 30, 4)
    assert_missing(vs.guttman_lambda6(data[:, :1]), "needs >= 2 items")
    assert_missing(vs.guttman_lambda6(data[:2]), "needs >= 3 rows")
    keyed = data[:, :1]
    cancelling = np.column_stack([keyed, 6 - keyed])  # totals all exactly 6 (up to rounding)
    assert_missing(vs.guttman_lambda6(cancelling), "total score does not vary")
    constant = data.copy()
    constant[:, 2] = 3.0
    assert_missing(vs.guttman_lambda6(constant), "items [2] do not vary")
    assert_missing(vs.guttman_lambda6(likert(6, 4, 4)), "needs more rows (4) than items (4)")
    collinear = np.column_stack([data, data[:, 0] + data[:, 1]])
    assert_missing(vs.guttman_lambda6(collinear), "singular")


def test_a_missing_cell_costs_its_row_never_its_item() -> None:
    """Listwise: every statistic keeps all items and loses the row with the missing cell
    (dropping the item instead changed the scale measured: the audit's 0.485 vs 0.535)."""
    data = likert(7, 40, 5)
    gap = data.copy()
    gap[3, 4] = np.nan
    listwise = np.delete(data, 3, axis=0)
    for statistic in (vs.guttman_lambda6, vs.cronbach_alpha, vs.mcdonald_omega, vs.icc3_1,
                      vs.split_half):  # fmt: skip
        assert statistic(gap).value == pytest.approx(statistic(listwise).value, rel=1e-9)
        assert statistic(gap).value != pytest.approx(statistic(data[:, :4]).value, rel=1e-6)
    assert vs.missing_cells(gap) == (1, 1)
    rel = vs.respondent_reliability(gap, intervals=False)
    assert (rel.n_respondents, rel.n_items, rel.n_dropped, rel.n_missing_cells) == (39, 5, 1, 1)


# ----------------------------------------------------------------------------------------------
# Reliability over respondents: point estimates against references
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_alpha_matches_pingouin(seed: int) -> None:
    pingouin = pytest.importorskip("pingouin")
    pandas = pytest.importorskip("pandas")
    data = likert(seed, 80, 7)
    expected, _ = pingouin.cronbach_alpha(pandas.DataFrame(data))
    result = vs.respondent_reliability(data)
    assert result.alpha.value == pytest.approx(expected, abs=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_omega_matches_factor_analyzer(factor_analyzer_class: Any, seed: int) -> None:
    data = one_factor(seed, 120, LOADINGS)
    model = factor_analyzer_class(n_factors=1, rotation=None, method="minres")
    model.fit(data)
    sd = data.std(axis=0, ddof=1)  # the raw sum's omega (see test_psychometrics)
    loadings, uniquenesses = model.loadings_.ravel() * sd, model.get_uniquenesses() * sd**2
    expected = loadings.sum() ** 2 / (loadings.sum() ** 2 + uniquenesses.sum())
    result = vs.respondent_reliability(data)
    assert result.omega.value == pytest.approx(expected, abs=1e-5)


def test_lambda6_of_the_result_matches_regressions() -> None:
    data = likert(8, 90, 6)
    result = vs.respondent_reliability(data)
    assert result.lambda6.uncorrected == pytest.approx(lambda6_by_regressions(data), abs=1e-10)
    assert vs.respondent_reliability(data, intervals=False).lambda6.value == pytest.approx(
        lambda6_by_regressions(data), abs=1e-10
    )


def test_reliability_intervals_are_jackknife_t_intervals_on_the_log_scale() -> None:
    """By hand, with leave-one-out regressions and alphas: on u = ln(1 - rho), the jackknife
    SE and u -+ t_(n-1) se, back-transformed; lambda6 bias-corrected (Quenouille's
    n u - (n - 1) mean(u_-i)), alpha not."""
    from scipy.stats import t

    data = likert(8, 40, 5)
    result = vs.respondent_reliability(data)
    q = t.ppf(0.975, 39)
    rows = [np.delete(data, i, axis=0) for i in range(40)]
    for name, statistic, corrected in (
        ("lambda6", lambda6_by_regressions, True),
        ("alpha", lambda m: vs.cronbach_alpha(m).value, False),
    ):
        theta = statistic(data)
        u, loo = math.log(1 - theta), np.log(1 - np.array([statistic(m) for m in rows]))
        centre = 40 * u - 39 * loo.mean() if corrected else u
        se = math.sqrt(39 / 40 * ((loo - loo.mean()) ** 2).sum())
        stat = getattr(result, name)
        assert stat.value == pytest.approx(1 - math.exp(centre), abs=1e-9), name
        assert stat.uncorrected == (pytest.approx(theta, abs=1e-12) if corrected else None)
        expected = (1 - math.exp(centre + q * se), 1 - math.exp(centre - q * se))
        assert (stat.ci_low, stat.ci_high) == pytest.approx(expected, abs=1e-9), name
    assert result.lambda6.value < lambda6_by_regressions(data)  # overstated at 40


# ----------------------------------------------------------------------------------------------
# The batch bootstrap replicates equal the scalar functions on each resampled matrix
# ----------------------------------------------------------------------------------------------


def replicates_and_resamples(
    data: np.ndarray, n_boot: int, seed: int
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    need = dict.fromkeys(("alpha", "lambda6", "omega"), True)
    counts = vs.Clusters.of(None, data.shape[0]).counts(n_boot, np.random.default_rng(seed))
    return rs._replicate_statistics(data, counts, need), counts


def warm_fit(matrix: np.ndarray, start: np.ndarray) -> tuple[float, float]:
    """(minres loss, raw sum's omega) of `matrix`, minres started from uniquenesses `start`."""
    corr = np.corrcoef(matrix, rowvar=False)
    loadings = fa.fit_one_factor(corr, start)
    value = fa.omega_from_loadings(loadings, matrix.std(axis=0, ddof=1)).value
    assert value is not None
    return fa._minres_objective(1.0 - np.minimum(loadings**2, 0.995), corr), value


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(one_factor(10, 100, LOADINGS), id="one-factor"),
        pytest.param(likert(11, 60, 8), id="likert"),
    ],
)
def test_replicates_equal_scalar_functions_on_resamples(data: np.ndarray) -> None:
    replicates, counts = replicates_and_resamples(data, 40, seed=3)
    for b in range(40):
        matrix = resample(data, counts[b])
        assert replicates["alpha"][b] == pytest.approx(vs.cronbach_alpha(matrix).value, abs=1e-9)
        assert replicates["lambda6"][b] == pytest.approx(lambda6_by_regressions(matrix), abs=1e-9)
        assert replicates["omega"][b] == pytest.approx(vs.mcdonald_omega(matrix).value, abs=1e-6)


def test_omega_replicates_take_the_better_minres_solution_on_a_weak_factor() -> None:
    """With a weak factor the minres loss has several local minima, and a replicate solved
    from one start alone landed in a worse one 2-3% of the time (up to 0.22 away; replicate
    0 here did, from the full sample's solution). Every replicate must equal the better of
    the scalar fits started from the full sample's solution and from its own SMCs."""
    data = one_factor(12, 100, (0.3,) * 8)
    replicates, counts = replicates_and_resamples(data, 60, seed=4)
    full = fa.fit_one_factor(np.corrcoef(data, rowvar=False))
    warm = 1.0 - np.minimum(full**2, 0.995)
    for b in range(60):
        matrix = resample(data, counts[b])
        corr = np.corrcoef(matrix, rowvar=False)
        smc = np.clip(1.0 / np.diag(np.linalg.inv(corr)), 0.005, 1.0)
        fits = [warm_fit(matrix, start) for start in (warm, smc)]
        expected = min(fits)[1]
        assert replicates["omega"][b] == pytest.approx(expected, abs=1e-5), b


def test_replicates_with_a_constant_item_are_undefined_not_garbage() -> None:
    # Item 0 is 5 for all but two respondents: resamples that miss both make it constant.
    data = likert(13, 30, 4)
    data[:, 0] = 5.0
    data[:2, 0] = 4.0
    replicates, counts = replicates_and_resamples(data, 200, seed=0)
    constant = counts[:, :2].sum(axis=1) == 0
    assert constant.any()
    assert np.isnan(replicates["lambda6"][constant]).all()
    assert np.isnan(replicates["omega"][constant]).all()
    assert np.isfinite(replicates["lambda6"][~constant]).all()
    assert np.isfinite(replicates["alpha"]).all()  # alpha does not need every item to vary
    # without respondent 0 or 1 item 0 still varies: the jackknife is defined
    assert vs.respondent_reliability(data).omega.ci_low is not None
    # with one respondent apart, leaving it out makes the item constant: no interval
    data[1, 0] = 5.0
    result = vs.respondent_reliability(data)
    assert result.omega.value is not None and result.omega.ci_low is None
    assert "undefined (or at its bound) without some persona" in (result.omega.reason or "")


# ----------------------------------------------------------------------------------------------
# Reliability over respondents: behaviour
# ----------------------------------------------------------------------------------------------


def alpha_standard_error(loadings: tuple[float, ...], n: int) -> float:
    """Asymptotic SE of alpha for normal data (van Zyl, Neudecker & Nel 2000)."""
    lam = np.asarray(loadings)
    cov = population_covariance(loadings, tuple(np.sqrt(1 - lam**2)))
    k, one = lam.size, np.ones(lam.size)
    total, trace = one @ cov @ one, np.trace(cov)
    bracket = total * (np.trace(cov @ cov) + trace**2) - 2 * trace * (one @ cov @ cov @ one)
    return float(np.sqrt(2 * k**2 / ((k - 1) ** 2 * n) * bracket / total**3))


def test_bootstrap_cis_cover_the_population_values() -> None:
    population = population_reliabilities(LOADINGS)
    covered = dict.fromkeys(population, 0)
    alpha_widths = []
    n_seeds, n = 40, 150
    for seed in range(n_seeds):
        data = one_factor(100 + seed, n, LOADINGS)
        result = vs.respondent_reliability(data)
        for name, value in population.items():
            stat = getattr(result, name)
            assert stat.ci_low is not None and stat.ci_high is not None
            covered[name] += stat.ci_low <= value <= stat.ci_high
        alpha_widths.append(result.alpha.ci_high - result.alpha.ci_low)
        assert result.reliable is True
    for name, count in covered.items():
        assert count >= 0.85 * n_seeds, (name, count, population[name])
    # 40 seeds cannot tell a 95% interval from an 80% one by coverage alone; its width can:
    # a 95% interval is about 2 * 1.96 asymptotic standard errors wide.
    implied_se = float(np.mean(alpha_widths)) / (2 * 1.959964)
    assert implied_se == pytest.approx(alpha_standard_error(LOADINGS, n), rel=0.15)


def test_bias_corrected_interval_is_the_percentile_one_when_centred() -> None:
    """With half the replicates below the estimate (z0 = 0) the BC interval is the plain
    2.5..97.5 percentile interval; ties count half, so identical replicates give z0 = 0."""
    replicates = np.random.default_rng(3).normal(size=4001)
    median = float(np.median(replicates))
    low, high = bs.bias_corrected_quantiles(replicates, median, 0.95)
    assert (low, high) == pytest.approx((0.025, 0.975), abs=1e-3)
    ci = bs.bootstrap_ci(Stat.of(median), replicates)
    assert (ci.ci_low, ci.ci_high) == pytest.approx(
        tuple(np.quantile(replicates, [0.025, 0.975])), abs=0.01
    )
    assert bs.bias_corrected_quantiles(np.full(10, 0.5), 0.5, 0.95) == pytest.approx((0.025, 0.975))


def test_bias_corrected_interval_moves_against_the_bootstrap_bias() -> None:
    """Replicates that sit mostly above the estimate (the resamples overstate it, as lambda6's
    do at small n) move the interval down, past the plain percentile interval; the quantile
    levels are Phi(2 z0 -+ 1.96) with z0 = Phi^-1(share below), by hand here."""
    from scipy.stats import norm

    replicates = np.random.default_rng(4).normal(loc=0.3, size=2000)
    share = float((replicates < 0.0).mean())
    z0 = norm.ppf(share)
    expected = (norm.cdf(2 * z0 - 1.959964), norm.cdf(2 * z0 + 1.959964))
    assert bs.bias_corrected_quantiles(replicates, 0.0, 0.95) == pytest.approx(expected, rel=1e-6)
    ci = bs.bootstrap_ci(Stat.of(0.0), replicates)
    plain_low, plain_high = np.quantile(replicates, [0.025, 0.975])
    assert ci.ci_low is not None and ci.ci_high is not None
    assert ci.ci_low < plain_low - 0.2 and ci.ci_high < plain_high - 0.2
    # every replicate on one side: the quantiles stay finite (the share is clipped to 1/2B),
    # but an interval that would exclude its own estimate is not given, and says why
    assert np.isfinite(bs.bias_corrected_quantiles(replicates, -10.0, 0.95)).all()
    one_sided = bs.bootstrap_ci(Stat.of(-10.0), replicates)
    assert one_sided.value == -10.0 and one_sided.ci_low is None
    assert one_sided.reason is not None and "excludes the estimate -10.000" in one_sided.reason


def test_pure_noise_is_not_reliable() -> None:
    data = np.random.default_rng(20).normal(size=(200, 8))
    result = vs.respondent_reliability(data)
    assert result.alpha.value is not None and abs(result.alpha.value) < 0.25
    assert result.alpha.ci_low is not None and result.alpha.ci_low < 0 < result.alpha.ci_high
    assert result.reliable is False


def test_too_few_respondents_gives_nulls_with_the_reason() -> None:
    result = vs.respondent_reliability(one_factor(21, 19, LOADINGS))
    for stat in (result.alpha, result.lambda6, result.omega):
        assert_missing(stat, "19 respondents; reliability over respondents needs >= 20")
        assert stat.ci_low is None and stat.ci_high is None
    assert result.reliable is None
    assert result.n_respondents == 19
    enough = vs.respondent_reliability(one_factor(21, 20, LOADINGS))
    assert enough.alpha.value is not None and enough.reasons == {}


def test_respondents_with_an_invalid_answer_are_dropped_and_counted() -> None:
    data = one_factor(22, 60, LOADINGS)
    with_gaps = data.copy()
    with_gaps[[3, 7, 7, 40], [0, 1, 5, 2]] = np.nan
    result = vs.respondent_reliability(with_gaps)
    clean = vs.respondent_reliability(np.delete(data, [3, 7, 40], axis=0))
    assert (result.n_dropped, result.n_respondents, result.n_missing_cells) == (3, 57, 4)
    different = {"n_dropped", "n_missing_cells"}
    assert result.model_dump(exclude=different) == clean.model_dump(exclude=different)
    # Dropping can take a dimension below the minimum.
    sparse = data[:22].copy()
    sparse[[0, 1, 2], 0] = np.nan
    low = vs.respondent_reliability(sparse)
    assert low.n_dropped == 3
    assert_missing(low.alpha, "19 respondents; reliability over respondents needs >= 20")


def test_the_result_is_deterministic_and_says_how_its_intervals_were_made() -> None:
    data = likert(23, 80, 6)
    first = vs.respondent_reliability(data)
    assert vs.respondent_reliability(data) == first
    for name in ("alpha", "lambda6", "omega"):
        assert getattr(first, name).method == "jackknife over 80 respondents, ln(1 - x) scale"


def test_reliable_is_none_when_a_statistic_is_null_and_none_fails() -> None:
    # Two strongly related items: alpha and lambda6 are high, omega needs >= 3 items.
    data = one_factor(24, 100, (0.95, 0.95))
    result = vs.respondent_reliability(data)
    assert result.alpha.value is not None and result.alpha.value > 0.9
    assert_missing(result.omega, "needs >= 3 items")
    assert result.reliable is None
    assert "reliable" in result.reasons
    # ... and False as soon as one defined statistic is below the threshold.
    weak = vs.respondent_reliability(one_factor(25, 100, (0.4, 0.4)))
    assert weak.reliable is False


def test_no_intervals_gives_the_textbook_values_alone() -> None:
    data = likert(26, 50, 5)
    result = vs.respondent_reliability(data, intervals=False)
    assert result.alpha.value == vs.cronbach_alpha(data).value and result.alpha.ci_low is None
    assert result.lambda6.value == vs.guttman_lambda6(data).value
    assert "no intervals requested" in (result.alpha.reason or "")


# ----------------------------------------------------------------------------------------------
# MTMM
# ----------------------------------------------------------------------------------------------

TRAITS = ["O", "C", "E", "A"]


def two_instruments(
    seed: int, n: int, trait_r: float = 0.3, noise_var: float = 0.25
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Two methods measuring 4 traits that correlate trait_r: each score = trait + noise.

    Population convergent r = 1 / (1 + noise_var), heterotrait-heteromethod r =
    trait_r / (1 + noise_var).
    """
    rng = np.random.default_rng(seed)
    cov = np.full((4, 4), trait_r) + (1 - trait_r) * np.eye(4)
    traits = rng.multivariate_normal(np.zeros(4), cov, size=n)
    sd = math.sqrt(noise_var)
    a = {t: traits[:, i] + rng.normal(0, sd, n) for i, t in enumerate(TRAITS)}
    b = {t: 3 + traits[:, i] + rng.normal(0, sd, n) for i, t in enumerate(TRAITS)}
    return a, b


def test_mtmm_recovers_a_known_structure() -> None:
    a, b = two_instruments(30, 600)
    result = vs.mtmm(a, b)
    convergent, hetero = 1 / 1.25, 0.3 / 1.25
    assert result.traits == TRAITS
    for c in result.convergent:
        assert c.r.value == pytest.approx(convergent, abs=0.05)
        assert c.r.ci_low is not None and c.r.ci_high is not None
        assert c.r.ci_low < c.r.value < c.r.ci_high
        assert c.n == 600
    assert result.mean_convergent.value == pytest.approx(convergent, abs=0.03)
    assert result.mean_discriminant.value == pytest.approx(hetero, abs=0.05)
    gap = result.discriminant_gap
    assert gap.value == pytest.approx(convergent - hetero, abs=0.05)
    assert gap.ci_low is not None and gap.ci_high is not None
    assert gap.ci_low <= convergent - hetero <= gap.ci_high
    assert result.convergent_pass is True and result.discriminant_pass is True
    assert result.labels == [f"A:{t}" for t in TRAITS] + [f"B:{t}" for t in TRAITS]


def test_mtmm_matrix_and_cis_match_pandas_and_pingouin() -> None:
    pandas = pytest.importorskip("pandas")
    pingouin = pytest.importorskip("pingouin")
    a, b = two_instruments(31, 120)
    a["O"][[1, 5, 9]] = np.nan  # pairwise deletion
    b["E"][[2, 5]] = np.nan
    result = vs.mtmm(a, b)
    frame = pandas.DataFrame(
        {**{f"A:{k}": v for k, v in a.items()}, **{f"B:{k}": v for k, v in b.items()}}
    )
    expected = frame.corr().to_numpy()  # pandas: pairwise complete observations
    assert np.allclose(np.array(result.correlations, dtype=float), expected, atol=1e-12)
    for c in result.convergent:
        x, y = a[c.trait], b[c.b_trait]
        both = ~np.isnan(x) & ~np.isnan(y)
        table = pingouin.corr(x[both], y[both])
        column = "CI95" if "CI95" in table.columns else "CI95%"  # pingouin >= 0.7 / older
        low, high = table[column].iloc[0]
        assert c.n == int(both.sum())
        assert c.r.value == pytest.approx(float(table["r"].iloc[0]), abs=1e-12)
        # pingouin rounds its CI to 2 decimals
        assert c.r.ci_low == pytest.approx(low, abs=0.006)
        assert c.r.ci_high == pytest.approx(high, abs=0.006)


def test_gap_replicates_match_a_loop_over_resampled_data() -> None:
    pandas = pytest.importorskip("pandas")
    a, b = two_instruments(32, 80)
    a["C"][[4, 8]] = np.nan
    x, y = np.column_stack(list(a.values())), np.column_stack(list(b.values()))
    counts = bs.bootstrap_counts(80, 25, np.random.default_rng(9))
    boot_r, _ = cross_correlations(x, y, counts)
    gaps = mt._gap(boot_r)
    for k in range(25):
        frame = pandas.DataFrame(resample(np.column_stack([x, y]), counts[k]))
        r = frame.corr().to_numpy()[:4, 4:]
        off = ~np.eye(4, dtype=bool)
        expected = np.diag(r).mean() - np.abs(r[off]).mean()
        assert gaps[k] == pytest.approx(expected, abs=1e-10)


def test_unrelated_instruments_have_no_gap_and_fail() -> None:
    a, _ = two_instruments(33, 400)
    _, b = two_instruments(34, 400)  # other respondents' scores: nothing in common
    result = vs.mtmm(a, b)
    assert result.discriminant_gap.value is not None
    assert abs(result.discriminant_gap.value) < 0.1
    assert (
        result.discriminant_gap.ci_low is not None and result.discriminant_gap.ci_high is not None
    )
    assert result.discriminant_gap.ci_low < 0.4
    assert result.discriminant_pass is False
    assert result.convergent_pass is False


def test_a_trait_with_zero_variance_is_null_with_a_reason_and_left_out() -> None:
    a, b = two_instruments(35, 200)
    a["E"] = np.full(200, 4.0)
    result = vs.mtmm(a, b)
    by_trait = {c.trait: c for c in result.convergent}
    assert_missing(by_trait["E"].r, "does not vary")
    assert "convergent:E" in result.reasons
    assert result.convergent_pass is None  # the others pass, E is unknown
    row = result.labels.index("A:E")
    assert all(v is None for v in result.correlations[row])
    # The gap uses the 3 defined traits only.
    reduced = vs.mtmm({t: a[t] for t in "OCA"}, {t: b[t] for t in "OCA"})
    assert result.discriminant_gap.value == pytest.approx(reduced.discriminant_gap.value)


def test_mtmm_mapping_and_traits_in_one_instrument_only() -> None:
    a, b = two_instruments(36, 100)
    b = {"openness": b["O"], "conscientiousness": b["C"], "E": b["E"], "honesty": b["A"]}
    a = {**a, "N": a["A"] * 0.5 + np.random.default_rng(0).normal(size=100)}
    mapping = {"openness": "O", "conscientiousness": "C"}
    result = vs.mtmm(a, b, mapping=mapping, intervals=False)
    assert result.traits == ["O", "C", "E"]
    assert result.only_in_a == ["A", "N"] and result.only_in_b == ["honesty"]
    assert [c.b_trait for c in result.convergent] == ["openness", "conscientiousness", "E"]
    assert "traits" in result.reasons
    assert result.labels[-1] == "B:honesty"
    with pytest.raises(ValueError, match="B does not have"):
        vs.mtmm(a, b, mapping={"agreeableness": "A"})
    with pytest.raises(ValueError, match="same trait of A"):
        vs.mtmm(a, b, mapping={"openness": "O", "E": "O"})
    with pytest.raises(ValueError, match="same respondents"):
        vs.mtmm(a, {"O": np.zeros(99)})


def test_mtmm_needs_two_traits_and_enough_respondents() -> None:
    a, b = two_instruments(37, 100)
    single = vs.mtmm({"O": a["O"]}, {"O": b["O"]})
    assert single.convergent[0].r.value is not None
    assert_missing(single.discriminant_gap, "needs >= 2 traits")
    assert single.discriminant_pass is None
    few = vs.mtmm({t: v[:15] for t, v in a.items()}, {t: v[:15] for t, v in b.items()})
    assert_missing(few.convergent[0].r, "15 respondents; a correlation needs >= 20")
    assert few.convergent_pass is None and few.discriminant_gap.value is None


def test_fisher_ci_by_hand() -> None:
    low, high = vs.fisher_ci(0.5, 103) or (0.0, 0.0)
    z, half = math.atanh(0.5), 1.959963984540054 / 10
    assert (low, high) == pytest.approx((math.tanh(z - half), math.tanh(z + half)))
    assert vs.fisher_ci(0.5, 3) is None
    assert vs.fisher_ci(1.0, 50) == (1.0, 1.0)


def test_criterion_validity_checks_signs() -> None:
    rng = np.random.default_rng(38)
    e, n = rng.normal(size=300), rng.normal(size=300)
    a = {"E": e, "N": n}
    criterion = {
        "positive_affect": e + rng.normal(size=300),
        "life_satisfaction": -n + rng.normal(size=300),
    }
    expected = {
        ("E", "positive_affect"): 1,
        ("N", "life_satisfaction"): -1,
        ("N", "positive_affect"): 1,
    }
    results = vs.criterion_validity(a, criterion, expected)
    assert [(r.trait, r.criterion) for r in results] == list(expected)
    assert results[0].sign_matches is True and results[1].sign_matches is True
    assert results[0].r.value == pytest.approx(np.corrcoef(e, criterion["positive_affect"])[0, 1])
    assert results[0].r.ci_low is not None and results[0].r.ci_low > 0
    assert results[1].r.value is not None and results[1].r.value < 0
    # N and positive affect are unrelated: the sign is a coin flip, the CI spans 0.
    assert results[2].r.ci_low is not None and results[2].r.ci_low < 0 < (results[2].r.ci_high or 0)
    flipped = vs.criterion_validity(a, criterion, {("E", "positive_affect"): -1})
    assert flipped[0].sign_matches is False
    with pytest.raises(ValueError, match="unknown"):
        vs.criterion_validity(a, criterion, {("X", "positive_affect"): 1})
    with pytest.raises(ValueError, match="must be"):
        vs.criterion_validity(a, criterion, {("E", "positive_affect"): 0})
    flat = vs.criterion_validity({"E": np.ones(300)}, criterion, {("E", "positive_affect"): 1})
    assert flat[0].sign_matches is None
    assert_missing(flat[0].r, "does not vary")


# ----------------------------------------------------------------------------------------------
# Answer-format checks
# ----------------------------------------------------------------------------------------------


def test_distance_from_uniform() -> None:
    assert vs.distance_from_uniform([0.2] * 5) == pytest.approx(0.0)
    assert vs.distance_from_uniform([1, 0, 0, 0, 0]) == pytest.approx(0.8)
    assert vs.distance_from_uniform([0.5, 0.5, 0, 0]) == pytest.approx(0.5)
    # Normalised first: unnormalised option mass gives the same answer.
    assert vs.distance_from_uniform([2, 1, 1]) == pytest.approx(
        vs.distance_from_uniform([0.5, 0.25, 0.25])
    )
    for bad in ([1.0], [0.5, -0.1, 0.6], [0, 0, 0], [np.nan, 1]):
        with pytest.raises(ValueError):
            vs.distance_from_uniform(bad)


def peaked(point: int, k: int = 5, sharpness: float = 0.9) -> np.ndarray:
    p = np.full(k, (1 - sharpness) / (k - 1))
    p[point] = sharpness
    return p


def test_consistent_preference_is_not_flagged() -> None:
    rng = np.random.default_rng(40)
    # 40 administrations, most favour point 3, some point 4.
    probs = [peaked(3 if rng.random() < 0.8 else 4) for _ in range(40)]
    check = vs.uniformity_check(probs, seed=0)
    assert check.flagged is False
    assert check.distance.value is not None and check.null_95.value is not None
    assert check.distance.value > check.null_95.value
    assert check.p_value.value is not None and check.p_value.value < 0.01


def test_position_preference_that_averages_out_is_flagged() -> None:
    # Near-certain answers, but on whichever point the option position lands on: random
    # points across administrations, as under randomised option order.
    rng = np.random.default_rng(41)
    probs = [peaked(int(rng.integers(5))) for _ in range(40)]
    check = vs.uniformity_check(probs, seed=0)
    assert check.flagged is True
    assert "no better than chance" in check.reason
    uniform = vs.uniformity_check([np.full(5, 0.2)] * 10, seed=0)
    assert uniform.flagged is True and uniform.distance.value == pytest.approx(0.0)


def test_permutation_null_matches_a_brute_force_loop() -> None:
    rng = np.random.default_rng(42)
    probs = [rng.dirichlet(np.full(5, 0.5)) for _ in range(12)]
    check = vs.uniformity_check(probs, seed=1, n_sim=4000)
    loop = np.random.default_rng(7)
    null = [
        vs.distance_from_uniform(np.mean([p[loop.permutation(5)] for p in probs], axis=0))
        for _ in range(4000)
    ]
    assert check.null_95.value == pytest.approx(float(np.quantile(null, 0.95)), abs=0.02)
    assert check.distance.value == pytest.approx(vs.distance_from_uniform(np.mean(probs, axis=0)))
    assert vs.uniformity_check(probs, seed=1, n_sim=4000) == check


def test_permutation_null_in_chunks_equals_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    from valuescope.stats import _format_checks as fc

    probs = np.random.default_rng(43).dirichlet(np.ones(4), size=30)
    whole = fc._permutation_null(probs, seed=2, n_sim=500)
    monkeypatch.setattr(fc, "_CHUNK", 30 * 4 * 7)  # 7 draws a chunk, last chunk shorter
    assert np.array_equal(fc._permutation_null(probs, seed=2, n_sim=500), whole)


def test_uniformity_check_with_one_administration_tests_nothing() -> None:
    check = vs.uniformity_check([peaked(0)], seed=0)
    assert check.flagged is None
    assert_missing(check.null_95, "needs >= 2 administrations")
    assert check.distance.value == pytest.approx(0.7)  # 0.5 * (0.7 + 4 * 0.175)
    with pytest.raises(ValueError, match="different numbers of options"):
        vs.uniformity_check([np.full(5, 0.2), np.full(4, 0.25)])


def test_text_agreement() -> None:
    result = vs.text_agreement(
        text_choices=[0, 2, None, 3, 1, None],
        argmax_choices=[0, 1, 2, 3, 1, 4],
        text_scores=[1.0, 3.0, None, 4.0, 2.0, float("nan")],
        expected_scores=[1.2, 2.0, 3.0, 3.5, 2.0, 5.0],
    )
    assert (result.n_administrations, result.n_unparseable, result.n_compared) == (6, 2, 4)
    assert result.n_agree == 3
    assert result.agreement.value == pytest.approx(0.75)
    assert result.n_scored == 4
    assert result.mean_score_difference.value == pytest.approx((-0.2 + 1.0 + 0.5 + 0.0) / 4)
    none = vs.text_agreement([None, None], [0, 1], [None, None], [1.0, 2.0])
    assert_missing(none.agreement, "no text answer parsed")
    assert_missing(none.mean_score_difference, "no administration has both")
    with pytest.raises(ValueError, match="differ in length"):
        vs.text_agreement([0], [0, 1], [1.0], [1.0])


# ----------------------------------------------------------------------------------------------
# Respondents who share personas: intervals resample personas
# ----------------------------------------------------------------------------------------------


def nested(seed: int, personas: int, phrasings: int, loadings: tuple[float, ...]) -> np.ndarray:
    """personas x phrasings respondents: a persona's one-factor answers plus a little
    phrasing noise, so respondents of one persona are near-copies of each other."""
    base = one_factor(seed, personas, loadings)
    noise = np.random.default_rng(seed + 1).normal(0, 0.1, (personas, phrasings, len(loadings)))
    return (base[:, None, :] + noise).reshape(personas * phrasings, len(loadings))


def test_persona_resamples_draw_whole_personas() -> None:
    labels = ["p1", "p2", "p2", "p3", "p3", "p3"]
    clusters = vs.Clusters.of(labels, 6)
    assert (clusters.count, clusters.nested) == (3, True)
    counts = clusters.counts(500, np.random.default_rng(0))
    # rows of one persona are always drawn equally often, and 3 personas are drawn each time
    assert (counts[:, 1] == counts[:, 2]).all() and (counts[:, 3] == counts[:, 5]).all()
    assert (counts[:, [0, 1, 3]].sum(axis=1) == 3).all()
    assert set(np.unique(counts[:, 0])) == {0.0, 1.0, 2.0, 3.0}
    # one row per persona is the ordinary row bootstrap, draw for draw
    rows = vs.Clusters.of(None, 6).counts(50, np.random.default_rng(1))
    assert (rows == bs.bootstrap_counts(6, 50, np.random.default_rng(1))).all()
    assert not vs.Clusters.of(list("abcdef"), 6).nested
    loo = clusters.leave_one_out()
    assert loo.tolist() == [[0, 1, 1, 1, 1, 1], [1, 0, 0, 1, 1, 1], [1, 1, 1, 0, 0, 0]]
    with pytest.raises(ValueError, match="5 cluster labels for 6 rows"):
        vs.Clusters.of(labels[:5], 6)


def test_weighted_covariances_of_unequal_clusters_equal_the_resampled_data() -> None:
    data = likert(40, 12, 4)
    clusters = vs.Clusters.of([0, 0, 0, 1, 2, 2, 3, 4, 4, 4, 4, 5], 12)
    counts = clusters.counts(20, np.random.default_rng(2))
    covariances = bs.weighted_covariances(data, counts)
    for b in range(20):
        expected = np.cov(resample(data, counts[b]), rowvar=False)
        assert covariances[b] == pytest.approx(expected, abs=1e-12)


def test_intervals_resample_personas_when_respondents_share_them() -> None:
    """30 personas x 6 near-identical phrasings: resampling respondents treats 180 rows as
    180 people and gives an interval about sqrt(6) times too narrow; resampling personas
    gives about the width of 30 independent respondents."""
    data = nested(50, 30, 6, LOADINGS)
    who = [f"p{i}" for i in range(30) for _ in range(6)]
    by_persona = vs.respondent_reliability(data, clusters=who)
    by_row = vs.respondent_reliability(data)
    alone = vs.respondent_reliability(data[::6])
    assert (by_persona.n_clusters, by_row.n_clusters) == (30, None)
    for name in ("alpha", "lambda6", "omega"):
        wide, narrow, single = (getattr(r, name) for r in (by_persona, by_row, alone))
        width = wide.ci_high - wide.ci_low
        assert width > 1.8 * (narrow.ci_high - narrow.ci_low), name
        assert width == pytest.approx(single.ci_high - single.ci_low, rel=0.5), name
        assert wide.ci_low <= wide.value <= wide.ci_high


def test_too_few_personas_give_values_without_intervals() -> None:
    data = nested(51, 8, 5, LOADINGS)
    who = [f"p{i}" for i in range(8) for _ in range(5)]
    result = vs.respondent_reliability(data, clusters=who)
    for name in ("alpha", "lambda6", "omega"):
        stat = getattr(result, name)
        assert stat.value is not None and stat.ci_low is None
        assert "8 personas" in (stat.reason or "") and ">= 10" in (stat.reason or "")
    m = vs.mtmm(*two_instruments(52, 40), clusters=[i // 5 for i in range(40)])
    assert m.discriminant_gap.value is not None and m.discriminant_gap.ci_low is None
    assert all(c.r.ci_low is None and "8 personas" in (c.r.reason or "") for c in m.convergent)


def test_mtmm_over_personas_leaves_a_persona_out_at_a_time() -> None:
    """With respondents nested in personas a correlation's Fisher-z interval (independent
    pairs) is replaced by a jackknife over personas on the z scale: wider, deterministic,
    and the same for a criterion correlation of the same scores."""
    a, b = two_instruments(53, 40)
    a6 = {t: np.repeat(v, 6) + np.random.default_rng(1).normal(0, 0.05, 240) for t, v in a.items()}
    b6 = {t: np.repeat(v, 6) for t, v in b.items()}
    who = np.repeat(np.arange(40), 6).tolist()
    nested_result = vs.mtmm(a6, b6, clusters=who)
    flat_result = vs.mtmm(a6, b6)
    for c_nested, c_flat in zip(nested_result.convergent, flat_result.convergent, strict=True):
        n_width = c_nested.r.ci_high - c_nested.r.ci_low
        f_width = c_flat.r.ci_high - c_flat.r.ci_low
        assert c_nested.r.method == "jackknife over 40 personas" and c_flat.r.method is None
        assert n_width > 1.8 * f_width
    again = vs.mtmm(a6, b6, clusters=who)
    assert again.model_dump() == nested_result.model_dump()
    trait = TRAITS[0]
    criterion = vs.criterion_validity(a6, b6, {(trait, trait): 1}, clusters=who)
    assert criterion[0].r.method == "jackknife over 40 personas"
    assert criterion[0].r.value == nested_result.convergent[0].r.value
    assert (criterion[0].r.ci_low, criterion[0].r.ci_high) == pytest.approx(
        (nested_result.convergent[0].r.ci_low, nested_result.convergent[0].r.ci_high), abs=1e-12
    )


def test_the_gap_unfolds_each_heterotrait_r_by_its_standard_error() -> None:
    """By hand: each heterotrait |r| is replaced by the |rho| whose folded-normal mean,
    E|N(rho, se^2)|, it is (se: that pair's jackknife SE; 0 below se sqrt(2/pi)), the gap is
    mean convergent r minus their mean, and its t-interval is the jackknife's of that gap
    with the SEs held fixed; the textbook gap is kept as `uncorrected`."""
    from scipy import optimize
    from scipy.stats import norm, t

    a, b = two_instruments(54, 50)
    result = vs.mtmm(a, b)
    x, y = np.column_stack(list(a.values())), np.column_stack(list(b.values()))
    off = ~np.eye(4, dtype=bool)

    def corr(rows: np.ndarray) -> np.ndarray:
        return np.corrcoef(np.column_stack([x[rows], y[rows]]), rowvar=False)[:4, 4:]

    everyone = np.arange(50)
    loo_r = np.array([corr(np.delete(everyone, i)) for i in range(50)])
    se = np.sqrt(49 / 50 * ((loo_r - loo_r.mean(axis=0)) ** 2).sum(axis=0))[off]

    def unfold(size: float, s: float) -> float:
        def folded(rho: float) -> float:
            return rho * (1 - 2 * norm.cdf(-rho / s)) + 2 * s * norm.pdf(rho / s) - size

        return 0.0 if size <= s * math.sqrt(2 / math.pi) else optimize.brentq(folded, 0, size)

    def gap(r: np.ndarray) -> float:
        unfolded = [unfold(abs(v), s) for v, s in zip(r[off], se, strict=True)]
        return float(np.diag(r).mean() - np.mean(unfolded))

    estimate = gap(corr(everyone))
    loo = np.array([gap(r) for r in loo_r])
    half = t.ppf(0.975, 49) * math.sqrt(49 / 50 * ((loo - loo.mean()) ** 2).sum())
    stat = result.discriminant_gap
    textbook = np.diag(corr(everyone)).mean() - np.abs(corr(everyone)[off]).mean()
    assert stat.uncorrected == pytest.approx(textbook, abs=1e-12)
    assert stat.value == pytest.approx(estimate, abs=1e-9)
    assert stat.value > textbook  # the mean |r| was biased up, the gap down
    assert (stat.ci_low, stat.ci_high) == pytest.approx((estimate - half, estimate + half))
    assert stat.method == "jackknife over 50 respondents"


def test_a_bias_corrected_interval_stays_within_the_statistics_range() -> None:
    loo = np.array([0.97, 0.99, 0.90, 0.995, 0.93])
    stat = bs.jackknife_ci(Stat.of(0.99), loo, bounds=(-math.inf, 1.0))
    assert stat.ci_high == 1.0 and stat.value is not None and stat.value <= 1.0
    assert stat.ci_low is not None and stat.ci_low <= stat.value
    undefined = bs.jackknife_ci(Stat.of(0.5), np.array([0.4, np.nan, 0.6]))
    assert undefined.value == 0.5 and undefined.ci_low is None
    assert "undefined (or at its bound) without some persona" in (undefined.reason or "")
