"""How well a judge's scores recover gold labels: ROC-AUC and F1 per dimension and macro,
with bootstrap CIs over texts.

ROC-AUC is the probability that a random positive text scores above a random negative one
(ties count half): the Mann-Whitney U over n_pos * n_neg, computed from average ranks. It
uses the continuous scores (P("1")), so it rewards a judge whose probabilities order the
texts well even when its 0/1 labels are off. F1 uses the judge's own 0/1 labels.

The CIs resample *texts* (with replacement, the same resamples for every dimension, so the
macro CI reflects that dimensions share texts) and take the bias-corrected percentile
interval (`_resampling.bootstrap_ci`). A dimension without both classes among the scored
texts has no AUC (null with the reason). An interval is only given where the bootstrap can
size the uncertainty:

- the dimension has at least `MIN_PER_CLASS` (5) positive and 5 negative texts. With fewer,
  the resamples repeat the same one or two positives, and AUC CIs like [1.00, 1.00] from 1
  positive of 8 texts claim a certainty the data do not have; the value stands, without CI;
- a resample without both classes has no AUC (or no F1 without any positive): it is left
  out, `n_replicates` says how many were defined, and the interval needs
  `MIN_DEFINED_SHARE` (90%) of them, so that it is not conditioned on a rare kind of
  resample;
- the defined replicates vary: where every one equals the estimate (classes perfectly
  separated, so every resample gives AUC 1), a percentile interval would be a point, so
  there is none.

The macro value is the mean over the dimensions with a defined AUC; its CI is the same
interval over each resample's mean, given only when every one of those dimensions meets the
minimum (a resample where one is undefined has no macro value).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel
from scipy.stats import rankdata

from valuescope.stats._resampling import CIStat, bootstrap_ci
from valuescope.stats._result import Stat

Vector = npt.NDArray[np.float64]


def _finite_pairs(labels: npt.ArrayLike, values: npt.ArrayLike) -> tuple[Vector, Vector]:
    """The pairs where neither the label nor the value is NaN; a label other than 0 or 1
    raises ValueError (it is not a class)."""
    y = np.asarray(labels, dtype=float)
    v = np.asarray(values, dtype=float)
    if y.shape != v.shape:
        raise ValueError(f"{y.size} labels but {v.size} scores")
    keep = ~(np.isnan(y) | np.isnan(v))
    y, v = y[keep], v[keep]
    others = sorted(set(y.tolist()) - {0.0, 1.0})
    if others:
        shown = ", ".join(f"{x:g}" for x in others)
        raise ValueError(f"labels must be 0 or 1 (NaN is left out), not {shown}")
    return y, v


def roc_auc(labels: npt.ArrayLike, scores: npt.ArrayLike) -> float | None:
    """ROC-AUC of `scores` for 0/1 `labels`, in [0, 1]; None without both classes.

    A pair whose label or score is NaN is left out (an unscored text, or one without a
    gold label, is neither a positive nor a negative); the AUC is over the remaining pairs.
    """
    y, s = _finite_pairs(labels, scores)
    positives = int((y == 1).sum())
    negatives = int((y == 0).sum())
    if positives == 0 or negatives == 0:
        return None
    ranks = rankdata(s)
    u = ranks[y == 1].sum() - positives * (positives + 1) / 2.0
    return float(u / (positives * negatives))


def f1(labels: npt.ArrayLike, predicted: npt.ArrayLike) -> float | None:
    """F1 of 0/1 `predicted` for 0/1 `labels`; None when neither has a positive (F1 is 0/0).
    A pair whose label or prediction is NaN is left out, as in `roc_auc`."""
    y, p = _finite_pairs(labels, predicted)
    true_positives = int(((y == 1) & (p == 1)).sum())
    denominator = int((y == 1).sum() + (p == 1).sum())
    if denominator == 0:
        return None
    return 2.0 * true_positives / denominator


class DimensionMetrics(BaseModel):
    """A judge against gold labels on one dimension."""

    n: int
    """Texts with a gold label and a valid score."""
    positives: int
    auc: CIStat
    f1: CIStat
    predicted_positive: int
    """Texts the judge labelled 1."""


class MacroMetrics(BaseModel):
    """Means over the dimensions with a defined value (listed in `dimensions`)."""

    auc: CIStat
    f1: CIStat
    dimensions: list[str]


MIN_PER_CLASS = 5
"""Positive and negative texts a dimension needs for a CI of its AUC and F1."""
MIN_DEFINED_SHARE = 0.9
"""Share of the bootstrap resamples that must have a defined value for a CI."""


def _metric_or_reason(value: float | None, what: str, positives: int, n: int) -> Stat:
    if value is not None:
        return Stat.of(value)
    return Stat.missing(f"{what} needs positive and negative texts: {positives} of {n} positive")


def _too_few(positives: int, negatives: int) -> str | None:
    """Why a dimension with these class counts gets no CI; None when it may have one."""
    if positives >= MIN_PER_CLASS and negatives >= MIN_PER_CLASS:
        return None
    return (
        f"{positives} positive and {negatives} negative texts: a CI needs at least "
        f"{MIN_PER_CLASS} of each"
    )


def _interval(point: Stat, replicates: Vector, what: str, too_few: str | None) -> CIStat:
    """`point` with its bootstrap CI, or without one and the reason (module docstring)."""
    if point.value is not None and too_few is not None:
        return CIStat(value=point.value, reason=too_few)
    return bootstrap_ci(
        point,
        replicates,
        what=what,
        min_defined=MIN_DEFINED_SHARE,
        undefined_because=" (the others lack a class)",
    )


def classification_metrics(
    gold: Mapping[str, Sequence[int]],
    scores: Mapping[str, Sequence[float | None]],
    predicted: Mapping[str, Sequence[int | None]],
    seed: int,
    n_boot: int = 1000,
) -> tuple[dict[str, DimensionMetrics], MacroMetrics]:
    """Per-dimension and macro AUC and F1 (see the module docstring). The three mappings
    hold one entry per text, in the same order; a None score leaves that text out of that
    dimension (an invalid judgement is not a negative)."""
    dims = list(gold)
    n_texts = len(next(iter(gold.values()))) if gold else 0
    y = {d: np.asarray(gold[d], dtype=float) for d in dims}
    s = {d: np.asarray([np.nan if v is None else v for v in scores[d]], dtype=float) for d in dims}
    p = {
        d: np.asarray([np.nan if v is None else v for v in predicted[d]], dtype=float) for d in dims
    }
    rng = np.random.default_rng(seed)
    resamples = (
        rng.integers(0, n_texts, size=(n_boot, n_texts)) if n_texts else np.zeros((0, 0), int)
    )

    def on(d: str, index: npt.NDArray[np.int64] | slice) -> tuple[float | None, float | None]:
        keep = np.isfinite(s[d][index])
        labels = y[d][index][keep]
        return roc_auc(labels, s[d][index][keep]), f1(labels, p[d][index][keep])

    per_dimension: dict[str, DimensionMetrics] = {}
    too_few: dict[str, str | None] = {}
    boot_auc = np.full((n_boot, len(dims)), np.nan)
    boot_f1 = np.full((n_boot, len(dims)), np.nan)
    for j, d in enumerate(dims):
        for b in range(n_boot):
            a, f = on(d, resamples[b])
            boot_auc[b, j] = np.nan if a is None else a
            boot_f1[b, j] = np.nan if f is None else f
        keep = np.isfinite(s[d])
        n, positives = int(keep.sum()), int((y[d][keep] == 1).sum())
        too_few[d] = _too_few(positives, n - positives)
        auc, f1_value = on(d, slice(None))
        per_dimension[d] = DimensionMetrics(
            n=n,
            positives=positives,
            auc=_interval(
                _metric_or_reason(auc, "AUC", positives, n), boot_auc[:, j], "AUC", too_few[d]
            ),
            f1=_interval(
                _metric_or_reason(f1_value, "F1", positives, n), boot_f1[:, j], "F1", too_few[d]
            ),
            predicted_positive=int((p[d][keep] == 1).sum()),
        )
    # AUC defined means both classes, so F1 (which needs a positive) is defined there too
    defined = [j for j, d in enumerate(dims) if per_dimension[d].auc.value is not None]
    short = [
        f"{dims[j]} has {per_dimension[dims[j]].positives} and "
        f"{per_dimension[dims[j]].n - per_dimension[dims[j]].positives}"
        for j in defined
        if too_few[dims[j]]
    ]
    macro_too_few = (
        f"every dimension needs at least {MIN_PER_CLASS} positive and {MIN_PER_CLASS} "
        f"negative texts for a CI: {', '.join(short)}"
        if short
        else None
    )
    macro = MacroMetrics(
        auc=_macro(
            [per_dimension[dims[j]].auc.value for j in defined],
            boot_auc[:, defined],
            "the macro AUC",
            macro_too_few,
        ),
        f1=_macro(
            [per_dimension[dims[j]].f1.value for j in defined],
            boot_f1[:, defined],
            "the macro F1",
            macro_too_few,
        ),
        dimensions=[dims[j] for j in defined],
    )
    return per_dimension, macro


def _macro(
    values: Sequence[float | None], replicates: Vector, what: str, too_few: str | None
) -> CIStat:
    present = [v for v in values if v is not None]
    if not present:
        return CIStat.missing("no dimension has a defined value")
    point = Stat.of(float(np.mean(present)))
    # a resample where some dimension is undefined has no macro value (NaN propagates)
    means = replicates.mean(axis=1) if replicates.size else np.zeros(0)
    return _interval(point, means, what, too_few)
