"""Checks that an answer format measures anything: order-robust preference, text vs. logits.

Two known failure modes of questionnaire answers from language models:

* Dominguez-Olmedo et al. (2023, arXiv 2306.07951, "Questioning the Survey Responses of
  Large Language Models") found that once the order of the options was randomised, models'
  answer distributions became near-uniform: the apparent "opinion" was a preference for a
  position or label, not for a content. `uniformity_check` asks whether a dimension's
  order-averaged answer distribution is further from uniform than that.
* Wang et al. (2024, arXiv 2402.14499, "My Answer is C") found that the option with the
  highest first-token probability and the option stated in the model's free-text answer
  disagree in 49-69% of questions for Llama-2-7B-chat. `text_agreement` measures that gap,
  so log-probability scoring is not trusted blindly where it does not match what the model
  says.

Pure functions of answer distributions and parsed choices; generating them is the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from valuescope.stats._reliability import Matrix
from valuescope.stats._result import Stat

# Equal up to rounding: a null draw that reproduces the observed average exactly (e.g. the
# identity permutation) must count as "as far from uniform", not as closer by 1e-17.
_TIE = 1e-12
# Cells (draws x administrations x options) simulated at once in the permutation null.
_CHUNK = 2_000_000


def _distribution(probs: npt.ArrayLike, what: str = "probs") -> Matrix:
    """A 1-D non-negative vector over >= 2 options, normalised to sum 1 (raise otherwise)."""
    p = np.asarray(probs, dtype=float)
    if p.ndim != 1 or p.size < 2:
        raise ValueError(f"{what} must be a distribution over >= 2 options, got shape {p.shape}")
    if not np.isfinite(p).all() or (p < 0).any():
        raise ValueError(f"{what} must be finite and non-negative: {p.tolist()}")
    total = float(p.sum())
    if total <= 0:
        raise ValueError(f"{what} has no probability mass")
    normalised: Matrix = p / total
    return normalised


def distance_from_uniform(probs: npt.ArrayLike) -> float:
    """Total variation distance of an answer distribution from uniform: 0.5 * sum |p_i - 1/k|.

    0 for a uniform distribution (no preference), 1 - 1/k for all mass on one option. The
    input is normalised to sum 1 first (log-probabilities restricted to the options rarely
    sum exactly to 1). Raises ValueError for fewer than 2 options, negative or non-finite
    entries, or no mass.
    """
    p = _distribution(probs)
    return float(0.5 * np.abs(p - 1.0 / p.size).sum())


class UniformityCheck(BaseModel):
    """Is a dimension's order-averaged answer distribution further from uniform than chance?"""

    n_administrations: int
    n_options: int
    mean_distribution: list[float]
    """The administrations' distributions averaged, index = scale point."""
    distance: Stat
    """Total variation distance of `mean_distribution` from uniform."""
    null_95: Stat
    """95th percentile of the distance under the permutation null (see `uniformity_check`)."""
    p_value: Stat
    """Share of null draws at least as far from uniform (with the +1 correction)."""
    flagged: bool | None
    """distance <= null_95: no further from uniform than chance; None if not computable."""
    reason: str


def uniformity_check(
    per_administration_probs: Sequence[npt.ArrayLike], seed: int = 0, n_sim: int = 2000
) -> UniformityCheck:
    """Compare the averaged answer distribution's distance from uniform with a chance level.

    Input: one answer distribution per administration of a dimension's items, each already
    mapped to scale points (index = scale point, so that ascending and descending option
    orders are comparable; keyed consistently). They are averaged, and the total variation
    distance of the average from uniform is the statistic.

    Null: *preferences that do not agree across administrations*. Each simulated draw
    shuffles every administration's distribution over the scale points independently (a
    random permutation per administration), then averages and measures the distance. This
    keeps each administration's own sharpness, which the alternative, averaging as many
    Dirichlet(1) distributions, does not: a model that always answers with near-certainty,
    but on a point set by option position rather than content, averages to near-uniform
    over orders (the pattern Dominguez-Olmedo et al. 2023 found), and the permutation null
    reproduces exactly that, whereas Dirichlet(1) draws are flatter than such a model's
    answers and would misplace the chance level. An observed distance no larger than the
    null's 95th percentile means the administrations do not agree on a point more than
    shuffled ones would: `flagged`, the dimension's answers are no better than chance.

    With a single administration every permutation has the same distance (TV from uniform
    ignores order), so nothing can be tested: flagged is None. Deterministic for a seed.
    Raises ValueError for administrations with different numbers of options or invalid
    distributions (see `distance_from_uniform`).
    """
    rows = [_distribution(p, f"administration {i}") for i, p in enumerate(per_administration_probs)]
    n_admin = len(rows)
    n_options = rows[0].size if rows else 0
    if any(r.size != n_options for r in rows):
        raise ValueError("administrations have different numbers of options")
    if n_admin < 2:
        reason = f"needs >= 2 administrations to compare with chance, has {n_admin}"
        mean = rows[0] if rows else np.zeros(0)
        return UniformityCheck(
            n_administrations=n_admin,
            n_options=n_options,
            mean_distribution=mean.tolist(),
            distance=Stat.of(distance_from_uniform(mean)) if rows else Stat.missing(reason),
            null_95=Stat.missing(reason),
            p_value=Stat.missing(reason),
            flagged=None,
            reason=reason,
        )
    probs = np.vstack(rows)
    mean = probs.mean(axis=0)
    distance = float(0.5 * np.abs(mean - 1.0 / n_options).sum())
    null = _permutation_null(probs, seed, n_sim)
    null_95 = float(np.quantile(null, 0.95))
    p_value = (1 + int((null >= distance - _TIE).sum())) / (n_sim + 1)
    flagged = distance <= null_95 + _TIE
    verdict = (
        "no further from uniform than administrations with unrelated preferences: "
        "the answers are no better than chance"
        if flagged
        else "further from uniform than chance: administrations agree on a preference"
    )
    return UniformityCheck(
        n_administrations=n_admin,
        n_options=n_options,
        mean_distribution=mean.tolist(),
        distance=Stat.of(distance),
        null_95=Stat.of(null_95),
        p_value=Stat.of(p_value),
        flagged=flagged,
        reason=f"distance {distance:.3f} vs. chance (95th percentile) {null_95:.3f}: {verdict}",
    )


def _permutation_null(probs: Matrix, seed: int, n_sim: int) -> Matrix:
    """TV distances from uniform of `n_sim` averages of independently shuffled rows.

    A random permutation of the options for every (draw, administration) is the argsort of
    uniform noise. Draws are made in chunks of about _CHUNK cells, so thousands of
    administrations do not need gigabytes; the chunks consume the generator in sequence, so
    the result depends only on the seed.
    """
    n_admin, n_options = probs.shape
    rng = np.random.default_rng(seed)
    per_chunk = max(1, _CHUNK // (n_admin * n_options))
    parts = []
    for start in range(0, n_sim, per_chunk):
        size = min(per_chunk, n_sim - start)
        permutations = np.argsort(rng.random((size, n_admin, n_options)), axis=2)
        shuffled = np.take_along_axis(np.broadcast_to(probs, permutations.shape), permutations, 2)
        parts.append(0.5 * np.abs(shuffled.mean(axis=1) - 1.0 / n_options).sum(axis=1))
    null: Matrix = np.concatenate(parts)
    return null


class TextAgreement(BaseModel):
    """Does the option the model states in free text match the log-probability argmax?"""

    n_administrations: int
    n_unparseable: int
    """Free-text answers that named no option (not counted as agreeing or disagreeing)."""
    n_compared: int
    n_agree: int
    agreement: Stat
    """n_agree / n_compared: the share of parsed text answers naming the argmax option."""
    mean_score_difference: Stat
    """Mean of text score - expected (log-probability) score over administrations with both."""
    n_scored: int


def text_agreement(
    text_choices: Sequence[int | None],
    argmax_choices: Sequence[int],
    text_scores: Sequence[float | None],
    expected_scores: Sequence[float],
) -> TextAgreement:
    """Agreement of free-text answers with log-probability answers, per administration.

    `text_choices[i]` is the option index parsed from administration i's free-text answer
    (None = unparseable), `argmax_choices[i]` the option with the highest log-probability,
    `text_scores[i]` the scale score of the text answer (None/NaN when unparseable) and
    `expected_scores[i]` the log-probability expected score. Unparseable answers are counted
    apart: a model that rambles is a different failure from one that says C and means A.
    The mean score difference shows whether the mismatch is also a bias (text answers
    systematically higher or lower), not only noise. Raises ValueError if lengths differ.
    """
    n = len(text_choices)
    if not (len(argmax_choices) == len(text_scores) == len(expected_scores) == n):
        raise ValueError("text, argmax, text score and expected score lists differ in length")
    parsed = [(t, a) for t, a in zip(text_choices, argmax_choices, strict=True) if t is not None]
    n_agree = sum(t == a for t, a in parsed)
    differences = [
        float(t) - float(e)
        for t, e in zip(text_scores, expected_scores, strict=True)
        if t is not None and np.isfinite(t) and np.isfinite(e)
    ]
    return TextAgreement(
        n_administrations=n,
        n_unparseable=n - len(parsed),
        n_compared=len(parsed),
        n_agree=n_agree,
        agreement=(
            Stat.of(n_agree / len(parsed)) if parsed else Stat.missing("no text answer parsed")
        ),
        mean_score_difference=(
            Stat.of(float(np.mean(differences)))
            if differences
            else Stat.missing("no administration has both a text score and an expected score")
        ),
        n_scored=len(differences),
    )
