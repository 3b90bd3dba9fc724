"""A model's scores against a human norm: the mean, sd and n of a published sample.

As PsychoBench reports it (Huang et al. 2024, "On the humanity of conversational AI:
evaluating the psychological portrayal of LLMs", ICLR), per dimension:

- `z_score`: (model - human mean) / human sd, for one score (the model's profile), and
  `normal_percentile`: 100 * Phi(z), the share of the human sample below it *if the human
  scores are normal* (bounded Likert means are not quite: a percentile beyond 2 or 3 is a
  rough figure);
- `welch_t`: Welch's t-test between the model's sample of scores and the human sample,
  from the summary statistics alone (mean, sd with ddof 1, n on each side; unequal
  variances, Welch-Satterthwaite df), two-sided p;
- `hedges_g`: the standardised difference (model - human) / pooled sd, times Hedges' exact
  small-sample correction J = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2)), df = n1 + n2 - 2,
  with a 95% CI from the large-sample normal approximation of Hedges & Olkin (1985):
  var(d) = (n1 + n2) / (n1 n2) + d^2 / (2 (n1 + n2)), var(g) = J^2 var(d) (as in
  Borenstein et al. 2009, ch. 4), g +- 1.96 sqrt(var(g)).

What the model's sample is (respondents or administrations) is the caller's business and
changes what the test means (`instruments.likert.norms`). Every figure that cannot be
computed (n < 2, sd 0) is None with its reason, never NaN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel
from scipy import special
from scipy import stats as scipy_stats

from valuescope.stats._resampling import CIStat
from valuescope.stats._result import Stat
from valuescope.stats._tolerance import negligible_variance

Z_95 = 1.959963984540054
"""The 97.5% quantile of the standard normal: a 95% two-sided interval."""

G_CI_METHOD = "large-sample normal (Hedges & Olkin 1985)"


class SampleStats(BaseModel):
    """Mean, sd (ddof 1; None below 2 scores) and n of a sample of scale scores."""

    mean: float | None
    sd: float | None
    n: int


class WelchTest(BaseModel):
    """Welch's t (model minus human), its Welch-Satterthwaite df and two-sided p."""

    t: Stat
    df: Stat
    p: Stat

    @classmethod
    def missing(cls, reason: str) -> WelchTest:
        return cls(t=Stat.missing(reason), df=Stat.missing(reason), p=Stat.missing(reason))


class NormComparison(BaseModel):
    """One dimension: the model's profile score as z and percentile of the human norm, and
    the model's sample against the human sample (Welch's t, Hedges' g)."""

    z: Stat
    percentile: Stat
    welch: WelchTest
    g: CIStat


def sample_stats(scores: Sequence[float]) -> SampleStats:
    """The summary of `scores` that the tests use (NaN dropped); an sd that is zero up to
    rounding (`negligible_variance`) is 0."""
    data = np.asarray(scores, dtype=float).ravel()
    data = data[~np.isnan(data)]
    n = int(data.size)
    if n == 0:
        return SampleStats(mean=None, sd=None, n=0)
    mean = float(data.mean())
    if n < 2:
        return SampleStats(mean=mean, sd=None, n=n)
    variance = float(data.var(ddof=1))
    if negligible_variance(variance, float(np.abs(data).max())):
        variance = 0.0
    return SampleStats(mean=mean, sd=math.sqrt(variance), n=n)


def z_score(score: float | None, mean: float, sd: float) -> Stat:
    """(score - mean) / sd; None without a score or with sd 0."""
    if score is None:
        return Stat.missing("the model has no score on this dimension")
    if sd <= 0:
        return Stat.missing("the human sd is 0: no z")
    return Stat.of((score - mean) / sd)


def normal_percentile(z: Stat) -> Stat:
    """100 * Phi(z): the percentage of a normal human sample below the model."""
    if z.value is None:
        return Stat.missing(z.reason or "no z")
    return Stat.of(100.0 * 0.5 * math.erfc(-z.value / math.sqrt(2.0)))


def _too_few(n1: int, n2: int) -> str | None:
    if n1 < 2:
        return f"the model's sample has {n1} score{'s' if n1 != 1 else ''}, this needs >= 2"
    if n2 < 2:
        return f"the human sample has n = {n2}, this needs >= 2"
    return None


def welch_t(m1: float, s1: float, n1: int, m2: float, s2: float, n2: int) -> WelchTest:
    """Welch's unequal-variance t-test of mean 1 - mean 2 from summary statistics (sds with
    ddof 1): t, Welch-Satterthwaite df and two-sided p, as
    `scipy.stats.ttest_ind_from_stats(..., equal_var=False)`."""
    few = _too_few(n1, n2)
    if few:
        return WelchTest.missing(few)
    v1, v2 = s1 * s1 / n1, s2 * s2 / n2
    if v1 + v2 <= 0:
        return WelchTest.missing("both samples have sd 0: no t")
    t = (m1 - m2) / math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1))
    p = 2.0 * float(scipy_stats.t.sf(abs(t), df))
    return WelchTest(t=Stat.of(t), df=Stat.of(df), p=Stat.of(p))


def hedges_j(df: int) -> float:
    """Hedges' exact small-sample correction for a standardised difference on `df` df."""
    log_j = special.gammaln(df / 2) - special.gammaln((df - 1) / 2) - 0.5 * math.log(df / 2)
    return math.exp(float(log_j))


def hedges_g(m1: float, s1: float, n1: int, m2: float, s2: float, n2: int) -> CIStat:
    """Hedges' g of mean 1 - mean 2 over the pooled sd, with its 95% CI (module docstring)."""
    few = _too_few(n1, n2)
    if few:
        return CIStat.missing(few)
    df = n1 + n2 - 2
    pooled = ((n1 - 1) * s1 * s1 + (n2 - 1) * s2 * s2) / df
    if pooled <= 0:
        return CIStat.missing("both samples have sd 0: no standardised difference")
    d = (m1 - m2) / math.sqrt(pooled)
    j = hedges_j(df)
    g = j * d
    se = j * math.sqrt((n1 + n2) / (n1 * n2) + d * d / (2 * (n1 + n2)))
    return CIStat(value=g, ci_low=g - Z_95 * se, ci_high=g + Z_95 * se, method=G_CI_METHOD)


def compare_with_norm(
    score: float | None, sample: SampleStats, mean: float, sd: float, n: int
) -> NormComparison:
    """The model's profile `score` and its `sample` against a human norm (mean, sd, n)."""
    z = z_score(score, mean, sd)
    if sample.mean is None or sample.n < 2 or sample.sd is None:
        reason = _too_few(sample.n, n) or "the model's sample has no sd"
        return NormComparison(
            z=z,
            percentile=normal_percentile(z),
            welch=WelchTest.missing(reason),
            g=CIStat.missing(reason),
        )
    return NormComparison(
        z=z,
        percentile=normal_percentile(z),
        welch=welch_t(sample.mean, sample.sd, sample.n, mean, sd, n),
        g=hedges_g(sample.mean, sample.sd, sample.n, mean, sd, n),
    )
