"""Construct validity over simulated respondents: multitrait-multimethod (criterion checks:
`_criterion`; the correlations both use: `_correlations`).

Reliability says a scale measures *something* consistently; validity asks whether it is the
trait it claims. Campbell & Fiske's (1959) multitrait-multimethod (MTMM) logic, as used by
Serapio-Garcia et al. (Nature MI 2025) for language models: give the same simulated
respondents two instruments for the same traits (e.g. IPIP-NEO and BFI). Then

* convergent validity: a trait's scores on the two instruments correlate highly (the paper
  asks r >= 0.60), and
* discriminant validity: they correlate more with each other than with *other* traits on the
  other instrument. The gap is the mean convergent r minus the mean |r| of the
  heterotrait-heteromethod pairs (trait i on A with trait j != i on B); the paper asks
  >= 0.40.

Scores of one respondent are one row: `a[trait][k]` and `b[trait][k]` belong to respondent k.
NaN marks a respondent without a valid score for that trait, and correlations use all
respondents valid for both sides of a pair (pairwise deletion, so one invalid trait does not
discard a respondent's other scores).

Respondents who share a persona (`clusters`) are not independent. Then every interval
resamples personas (`_resampling.Clusters`): a correlation's Fisher-z interval assumes
independent pairs, so it is replaced by a bias-corrected bootstrap over personas, and the
gap's bootstrap draws personas. With one respondent per persona the correlations keep their
Fisher-z intervals and the gap's bootstrap draws respondents.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field
from scipy import special

from valuescope.stats._correlations import (
    _as_columns,
    _correlation_stat,
    _no_interval,
    _respondent_count,
    cross_correlations,
)
from valuescope.stats._reliability import Matrix
from valuescope.stats._resampling import CIStat, Clusters, jackknife_ci
from valuescope.stats._result import Stat

_LEVEL = 0.95


class TraitCorrelation(BaseModel):
    """Correlation of one trait on instrument A with its counterpart on B (Fisher-z 95% CI)."""

    trait: str
    """The trait's id in A."""
    b_trait: str
    """Its id in B (differs from `trait` where a mapping renamed it)."""
    n: int
    """Respondents with a valid score on both."""
    r: CIStat


class MTMMResult(BaseModel):
    """Multitrait-multimethod comparison of instruments A and B over the same respondents."""

    n_respondents: int
    labels: list[str]
    """'A:trait' for every trait of A, then 'B:trait' for every trait of B (B's own ids)."""
    correlations: list[list[float | None]]
    """Pearson r between the labelled scores (pairwise deletion); None where undefined."""
    traits: list[str]
    """Traits measured by both instruments (A's ids), in A's order."""
    only_in_a: list[str]
    only_in_b: list[str]
    convergent: list[TraitCorrelation]
    mean_convergent: Stat
    mean_discriminant: Stat
    """Mean |r| over heterotrait-heteromethod pairs: A's trait i with B's trait j, i != j."""
    discriminant_gap: CIStat
    """mean_convergent - mean_discriminant (in `uncorrected`), and the gap with each
    heterotrait |r| unfolded by its standard error, with a jackknife t-interval over
    personas or respondents (`value`)."""
    convergent_pass: bool | None
    """Every convergent r >= convergent_min (False if one defined r is below; None if some r
    is null and none below)."""
    discriminant_pass: bool | None
    """discriminant_gap >= gap_min (None when the gap is null)."""
    convergent_min: float
    gap_min: float
    reasons: dict[str, str] = Field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# MTMM
# --------------------------------------------------------------------------------------------


def _gap(r: Matrix) -> Matrix:
    """Per replicate (B x m x m, rows = A's traits, columns = B's, same order): the gap."""
    m = r.shape[1]
    off = ~np.eye(m, dtype=bool)
    convergent = np.einsum("bii->bi", r).mean(axis=1)
    discriminant = np.abs(r[:, off]).mean(axis=1)
    result: Matrix = convergent - discriminant
    return result


def _pass_flag(values: list[float | None], minimum: float) -> bool | None:
    if any(v is not None and v < minimum for v in values):
        return False
    if not values or any(v is None for v in values):
        return None
    return True


def _b_as_a(b: Mapping[str, object], mapping: Mapping[str, str] | None) -> dict[str, str]:
    """A's trait id for each of B's traits (its own id unless `mapping` renames it)."""
    mapping = dict(mapping or {})
    unknown = sorted(set(mapping) - set(b))
    if unknown:
        raise ValueError(f"mapping names traits that B does not have: {unknown}")
    renamed = {trait: mapping.get(trait, trait) for trait in b}
    targets = list(renamed.values())
    duplicates = sorted({t for t in targets if targets.count(t) > 1})
    if duplicates:
        raise ValueError(f"several of B's traits map to the same trait of A: {duplicates}")
    return renamed


def mtmm(
    a: Mapping[str, npt.ArrayLike],
    b: Mapping[str, npt.ArrayLike],
    mapping: Mapping[str, str] | None = None,
    *,
    intervals: bool = True,
    seed: int = 0,
    convergent_min: float = 0.60,
    gap_min: float = 0.40,
    min_respondents: int = 20,
    clusters: Sequence[Hashable] | None = None,
) -> MTMMResult:
    """Multitrait-multimethod comparison of two instruments given to the same respondents.

    `a` and `b` map trait ids to per-respondent scale scores (same respondents, same order;
    NaN = no valid score, dropped pairwise). `mapping` maps B's trait ids to A's where they
    differ; traits present in only one instrument are listed (`only_in_a`, `only_in_b`) and
    left out of the convergent and discriminant statistics, but kept in the full matrix.

    `clusters` labels each respondent with its persona; respondents who share one are
    resampled together (module docstring). Convergent r per trait has a Fisher-z CI from its
    own pair count (a jackknife over personas on the z scale when respondents share them).
    The gap uses the traits whose convergent r is defined (a trait with a constant score is
    listed in `reasons` and excluded) and needs >= 2 of them (with one there are no
    heterotrait pairs). The mean |r| of heterotrait pairs is biased up (by about 0.8 se for
    pairs whose true r is 0), so the gap is reported with each |r| unfolded by its own
    standard error (`_unfolded_gap`; the textbook gap in `uncorrected`), with a jackknife
    t-interval over personas (or respondents) that contains it; `intervals=False` asks for
    none and keeps the textbook gap. The result is deterministic. A correlation over fewer
    than `min_respondents` respondents is null with the reason.
    """
    n_rows = _respondent_count(a, b)
    x, y = _as_columns(a, n_rows), _as_columns(b, n_rows)
    b_ids = list(b)
    renamed = _b_as_a(b, mapping)
    a_ids = list(a)
    common = [t for t in a_ids if t in set(renamed.values())]
    b_for = {renamed[t]: t for t in b_ids}
    reasons: dict[str, str] = {}
    only_a = [t for t in a_ids if t not in b_for]
    only_b = [t for t in b_ids if renamed[t] not in a]
    if only_a or only_b:
        reasons["traits"] = f"only in A: {only_a}; only in B: {only_b} (excluded)"

    groups = Clusters.of(clusters, n_rows)
    no_interval = _no_interval(groups, intervals)
    both = np.hstack([x, y])
    full, full_n = cross_correlations(both, both, np.ones((1, n_rows)))
    loo = None
    if groups.nested and no_interval is None and common:
        a_cols = [a_ids.index(t) for t in common]
        b_cols = [b_ids.index(b_for[t]) for t in common]
        weights = groups.leave_one_out()
        loo = np.einsum("bii->bi", cross_correlations(x[:, a_cols], y[:, b_cols], weights)[0])
    labels = [f"A:{t}" for t in a_ids] + [f"B:{t}" for t in b_ids]
    matrix = [[None if math.isnan(v) else float(v) for v in row] for row in full[0]]

    convergent: list[TraitCorrelation] = []
    for trait in common:
        i, j = a_ids.index(trait), len(a_ids) + b_ids.index(b_for[trait])
        n = int(full_n[0, i, j] + 0.5)
        k = common.index(trait)
        stat = _correlation_stat(
            float(full[0, i, j]), n, min_respondents, "a correlation",
            None if loo is None else loo[:, k], no_interval,
        )  # fmt: skip
        convergent.append(TraitCorrelation(trait=trait, b_trait=b_for[trait], n=n, r=stat))
        if stat.value is None:
            reasons[f"convergent:{trait}"] = stat.reason or "undefined"
    used = [c for c in convergent if c.r.value is not None]
    conv_values = [c.r.value for c in used if c.r.value is not None]

    mean_convergent = (
        Stat.of(float(np.mean(conv_values)))
        if conv_values
        else Stat.missing("no trait has a defined convergent correlation")
    )
    gap, mean_discriminant = _discriminant(
        x,
        y,
        [a_ids.index(c.trait) for c in used],
        [b_ids.index(c.b_trait) for c in used],
        mean_convergent,
        groups,
        no_interval,
        min_respondents,
    )
    if mean_discriminant.reason is not None:
        reasons["mean_discriminant"] = mean_discriminant.reason
    if gap.reason is not None:
        reasons["discriminant_gap"] = gap.reason
    return MTMMResult(
        n_respondents=n_rows,
        labels=labels,
        correlations=matrix,
        traits=common,
        only_in_a=only_a,
        only_in_b=only_b,
        convergent=convergent,
        mean_convergent=mean_convergent,
        mean_discriminant=mean_discriminant,
        discriminant_gap=gap,
        convergent_pass=_pass_flag([c.r.value for c in convergent], convergent_min),
        discriminant_pass=None if gap.value is None else gap.value >= gap_min,
        convergent_min=convergent_min,
        gap_min=gap_min,
        reasons=reasons,
    )


def _discriminant(
    x: Matrix,
    y: Matrix,
    a_columns: list[int],
    b_columns: list[int],
    mean_convergent: Stat,
    groups: Clusters,
    no_interval: str | None,
    min_respondents: int,
) -> tuple[CIStat, Stat]:
    """The discriminant gap (unfolded, jackknife interval) and the textbook mean
    heterotrait-heteromethod |r|."""
    m = len(a_columns)
    if m < 2:
        reason = (
            f"needs >= 2 traits with a defined convergent correlation, has {m} "
            "(no heterotrait pairs)"
        )
        return CIStat.missing(reason), Stat.missing(reason)
    xa, yb = x[:, a_columns], y[:, b_columns]
    r, n = cross_correlations(xa, yb, np.ones((1, x.shape[0])))
    off = ~np.eye(m, dtype=bool)
    hetero, hetero_n = r[0][off], n[0][off]
    if np.isnan(hetero).any() or (hetero_n < min_respondents).any():
        reason = (
            "a heterotrait-heteromethod correlation is undefined "
            f"(a score does not vary, or fewer than {min_respondents} respondents)"
        )
        return CIStat.missing(reason), Stat.missing(reason)
    mean_discriminant = float(np.abs(hetero).mean())
    assert mean_convergent.value is not None  # m >= 1 defined convergent r
    point = Stat.of(mean_convergent.value - mean_discriminant)
    if no_interval is not None:
        return CIStat(value=point.value, reason=no_interval), Stat.of(mean_discriminant)
    loo = cross_correlations(xa, yb, groups.leave_one_out())[0]
    g = loo.shape[0]
    hetero_se = np.sqrt((g - 1) / g * ((loo - loo.mean(axis=0)) ** 2).sum(axis=0))[off]
    estimate = float(_unfolded_gap(r, hetero_se)[0])
    over = f"{groups.count} personas" if groups.nested else f"{x.shape[0]} respondents"
    # a gap is a mean r minus a mean |r|: between -2 and 1
    stat = jackknife_ci(Stat.of(estimate), _unfolded_gap(loo, hetero_se), bounds=(-2.0, 1.0))
    update = {"uncorrected": point.value, "method": f"jackknife over {over}"}
    return stat.model_copy(update=update), Stat.of(mean_discriminant)


def _folded_mean(rho: Matrix, se: Matrix) -> Matrix:
    """E|r| for r ~ N(rho, se^2), rho >= 0: the mean of a folded normal."""
    z = rho / se
    result: Matrix = rho * (1.0 - 2.0 * special.ndtr(-z)) + se * np.sqrt(2.0 / np.pi) * np.exp(
        -0.5 * z * z
    )
    return result


def _unfold(size: Matrix, se: Matrix) -> Matrix:
    """The |rho| whose sample |r| has expectation `size` (0 where `size` is no more than a
    correlation of 0 gives on average, se * sqrt(2 / pi)): the folded-normal mean inverted,
    by bisection (E|r| grows with rho)."""
    low, high = np.zeros_like(size), np.maximum(size, 0.0)
    for _ in range(60):
        middle = (low + high) / 2.0
        above = _folded_mean(middle, se) > size
        high, low = np.where(above, middle, high), np.where(above, low, middle)
    result: Matrix = np.where(size <= se * np.sqrt(2.0 / np.pi), 0.0, (low + high) / 2.0)
    return result


def _unfolded_gap(r: Matrix, hetero_se: Matrix) -> Matrix:
    """Per matrix (B x m x m): mean convergent r minus the mean heterotrait |r| unfolded.

    The mean |r| of heterotrait pairs is biased up: a sample r scatters around its true
    value with standard error se, and |r| folds that scatter at 0 (a true 0 gives on average
    0.8 se). Each pair's |r| is replaced by the |rho| whose expected |r| it is, given that
    pair's own standard error (the jackknife's over personas or respondents, held fixed for
    the leave-one-out samples). A smooth correction: the jackknife's bias correction of the
    mean |r| jumped between samples where a small r changes sign, and its interval covered
    0.85 in bench part (b)'s design, this one 0.915.
    """
    m = r.shape[1]
    off = ~np.eye(m, dtype=bool)
    convergent = np.einsum("bii->bi", r).mean(axis=1)
    discriminant = _unfold(np.abs(r[:, off]), hetero_se[None, :]).mean(axis=1)
    result: Matrix = convergent - discriminant
    return result
