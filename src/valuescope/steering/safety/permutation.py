"""The p-value of a Spearman correlation over answers that come in prompts, by permuting
whole prompts.

The safety check asks each prompt under several conditions (bare, steered, with a
mitigation), and the value x harm correlation pools all those answers. The answers to one
prompt are not independent: a prompt that invites harm draws harmful answers under every
condition, and the judge reads the same request in each. Spearman's own p-value treats the
n answers as n independent draws, so a prompt counts once per condition and the p-value is
too small.

Here the unit is the prompt. Under the null hypothesis the value scores a prompt's answers
got are unrelated to the harm scores its answers got, and the prompts are exchangeable
draws from the prompt set. Then pairing prompt p's harm scores with another prompt's value
scores, condition by condition (prompt q's steered answer's value with prompt p's steered
answer's harm), gives data as likely as the observed; each prompt's answers move together,
as a unit. The p-value is the share of such re-pairings (orderings of the prompts) whose
|rho| is at least the observed one:

- with few prompts (P! orderings at most `PERMUTATIONS`), every ordering, the observed one
  included: the exact p-value;
- otherwise `PERMUTATIONS` random orderings from the seed, with the observed data counted
  as one of them, p = (1 + as extreme) / (1 + PERMUTATIONS) (Phipson & Smyth 2010), never 0.

Conditions stay aligned, so a condition that moves both scores (steering towards power
raises power and harm in every prompt) is the same in every ordering: a correlation that
comes only from that is not significant here. Whether a condition changes harm is the
before/after table's question (paired McNemar over prompts); this test asks whether the
prompts whose answers express a value more are those answered more harmfully. A pair where
either score is missing (an invalid answer) is left out of that ordering's rho, as it is
of the observed one.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel
from scipy.stats import rankdata

from valuescope.stats import Stat

PERMUTATIONS = 2000
"""Random orderings of the prompts (all of them when there are no more than this)."""
_TIE = 1e-12
"""|rho| within this of the observed counts as equally extreme (rounding in the ranks)."""

Matrix = npt.NDArray[np.float64]


class PromptPermutation(BaseModel):
    p_value: Stat
    n_prompts: int
    """Prompts with at least one answer scored on both."""
    method: str
    """What the p-value is, in words (exact or random orderings, how many prompts)."""


def _rho_rows(x: Matrix, y: Matrix) -> npt.NDArray[np.float64]:
    """Spearman's rho of each row pair of x and y over the columns where both are finite
    (average ranks for ties; NaN where a row's scores do not vary)."""
    both = np.isfinite(x) & np.isfinite(y)
    rx = rankdata(np.where(both, x, np.nan), axis=1, nan_policy="omit")
    ry = rankdata(np.where(both, y, np.nan), axis=1, nan_policy="omit")
    rx = rx - np.nanmean(rx, axis=1, keepdims=True)
    ry = ry - np.nanmean(ry, axis=1, keepdims=True)
    num = np.nansum(rx * ry, axis=1)
    den = np.sqrt(np.nansum(rx * rx, axis=1) * np.nansum(ry * ry, axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        rho: npt.NDArray[np.float64] = num / den
    return rho


def _grid(prompts: Sequence[str], conditions: Sequence[str], values: Sequence[float]) -> Matrix:
    """prompts x conditions, NaN where a prompt has no scored answer under a condition."""
    rows = sorted(set(prompts))
    columns = sorted(set(conditions))
    grid = np.full((len(rows), len(columns)), np.nan)
    row, column = {p: i for i, p in enumerate(rows)}, {c: j for j, c in enumerate(columns)}
    for p, c, v in zip(prompts, conditions, values, strict=True):
        if not math.isnan(grid[row[p], column[c]]):
            raise ValueError(f"prompt {p!r} has two answers under {c!r}")
        grid[row[p], column[c]] = v
    return grid


def prompt_permutation_p(
    prompts: Sequence[str],
    conditions: Sequence[str],
    x: Sequence[float],
    y: Sequence[float],
    seed: int,
    permutations: int = PERMUTATIONS,
) -> PromptPermutation:
    """Two-sided p-value of Spearman(x, y) over answers, permuting whole prompts (module
    docstring). Answer i is prompt `prompts[i]` under `conditions[i]`; NaN marks a missing
    score."""
    xs, ys = _grid(prompts, conditions, x), _grid(prompts, conditions, y)
    used = (np.isfinite(xs) & np.isfinite(ys)).any(axis=1)
    n = int(used.sum())
    xs, ys = xs[used], ys[used]
    if n < 2:
        return PromptPermutation(
            p_value=Stat.missing(
                f"{n} prompt{'' if n == 1 else 's'} with a scored answer: permuting prompts "
                "needs >= 2"
            ),
            n_prompts=n,
            method="no permutation",
        )
    observed = float(_rho_rows(xs.reshape(1, -1), ys.reshape(1, -1))[0])
    if math.isnan(observed):
        why = "the value's score or the harm score does not vary over these answers"
        return PromptPermutation(p_value=Stat.missing(why), n_prompts=n, method="no permutation")
    exact = math.factorial(n) <= permutations
    if exact:
        orders = np.asarray(list(itertools.permutations(range(n))), dtype=np.int64)
    else:
        orders = np.argsort(np.random.default_rng(seed).random((permutations, n)), axis=1)
    rhos = _rho_rows(
        xs[orders].reshape(len(orders), -1), np.tile(ys.reshape(1, -1), (len(orders), 1))
    )
    extreme = int(np.count_nonzero(np.abs(rhos) >= abs(observed) - _TIE))
    if exact:
        p = extreme / len(orders)
        method = f"exact: all {len(orders)} orderings of {n} prompts"
    else:
        p = (1 + extreme) / (1 + len(orders))
        method = f"{len(orders)} random orderings of {n} prompts (seed {seed})"
    return PromptPermutation(p_value=Stat.of(min(p, 1.0)), n_prompts=n, method=method)
